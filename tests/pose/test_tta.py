"""Mirror test-time augmentation (issue 12): the mapping back, the merge, and the real model on a
clip and its mirrored copy."""

import json
import subprocess

import numpy as np
import pytest

from hingecheck.core.analysis import analyze
from hingecheck.core.series import INDEX, LANDMARKS, PROFILE_STATIONS
from hingecheck.pose.landmarker import FramePose, PoseSettings, estimate_clip
from hingecheck.pose.tta import MIRROR_PERMUTATION, merge, unmirror

from conftest import SAMPLES

BOX = (10, 0, 330, 240)  # x0 + x1 = 340
BODY = [
    INDEX[n]
    for side in ("left", "right")
    for n in (f"{side}_shoulder", f"{side}_hip", f"{side}_knee", f"{side}_ankle", f"{side}_ear")
]


def _pose(seed: int, detected: bool = True) -> FramePose:
    rng = np.random.default_rng(seed)
    s = len(PROFILE_STATIONS)
    return FramePose(
        0,
        0.0,
        detected,
        rng.uniform(0, 300, (33, 3)).astype(np.float32),
        rng.uniform(0, 1, 33).astype(np.float32),
        rng.normal(0, 0.3, (33, 3)).astype(np.float32),
        rng.uniform(0, 50, (s, 2)).astype(np.float32),
    )


def test_permutation_swaps_sides_and_is_its_own_inverse():
    perm = MIRROR_PERMUTATION
    assert perm[INDEX["nose"]] == INDEX["nose"]
    for name, i in INDEX.items():
        if name.startswith("left_"):
            assert LANDMARKS[perm[i]] == "right_" + name[5:]
        if name.endswith("_left"):
            assert LANDMARKS[perm[i]] == name[:-5] + "_right"
    assert perm[INDEX["left_eye_inner"]] == INDEX["right_eye_inner"]
    np.testing.assert_array_equal(perm[perm], np.arange(33))


def test_unmirror_maps_back_into_the_box_and_twice_is_identity():
    fp = _pose(1)
    back = unmirror(fp, BOX)
    i, j = INDEX["left_hip"], INDEX["right_hip"]
    assert back.image[i, 0] == pytest.approx(340 - fp.image[j, 0])
    assert back.image[i, 1:] == pytest.approx(fp.image[j, 1:])
    assert back.world[i, 0] == pytest.approx(-fp.world[j, 0]) and back.world[i, 2] == pytest.approx(fp.world[j, 2])
    assert back.visibility[i] == fp.visibility[j]
    np.testing.assert_array_equal(back.profile[:, 0], fp.profile[:, 1])
    again = unmirror(back, BOX)
    for k in ("image", "world", "visibility", "profile"):
        np.testing.assert_allclose(getattr(again, k), getattr(fp, k), atol=1e-4)


def test_merge_averages_both_views_or_keeps_the_one_that_found_the_person():
    plain, mirrored = _pose(2), _pose(3)
    mirrored.profile[4, 1] = np.nan  # lands in column 0 once mapped back
    both = merge(plain, mirrored, BOX)
    back = unmirror(mirrored, BOX)
    np.testing.assert_allclose(both.image, (plain.image + back.image) / 2, atol=1e-4)
    np.testing.assert_allclose(both.world, (plain.world + back.world) / 2, atol=1e-5)
    assert both.profile[4, 0] == pytest.approx(plain.profile[4, 0])  # NaN-aware
    assert both.profile[5, 0] == pytest.approx((plain.profile[5, 0] + back.profile[5, 0]) / 2)
    assert merge(plain, _pose(3, detected=False), BOX) is plain
    alone = merge(_pose(2, detected=False), mirrored, BOX)
    assert alone.detected and np.allclose(alone.image, back.image)


def _ffmpeg(src, out, vf: str, seconds: float | None = None):
    cmd = ["ffmpeg", "-v", "error", "-y", "-i", str(src)]
    cmd += ["-t", str(seconds)] if seconds else []
    cmd += ["-vf", vf, "-c:v", "libx264", "-crf", "12", "-pix_fmt", "yuv420p", str(out)]
    subprocess.run(cmd, check=True)
    return out


def _disagreement(p, m) -> np.ndarray:
    """Pixel distances between the clip's body landmarks and its mirror's, mapped back."""
    back = m.image[:, MIRROR_PERMUTATION].copy()
    back[..., 0] = m.width - back[..., 0]
    both = p.detected & m.detected
    assert both.mean() > 0.9
    return np.hypot(*(p.image[both][:, BODY, :2] - back[both][:, BODY, :2]).transpose(2, 0, 1))


def test_tta_makes_a_clip_and_its_mirror_agree(tmp_path):
    # Both copies re-encoded the same way, so only the flip differs (3 s, 90 frames).
    clip = _ffmpeg(SAMPLES / "hinge_rounded.mp4", tmp_path / "clip.mp4", "null", 3)
    mirror = _ffmpeg(SAMPLES / "hinge_rounded.mp4", tmp_path / "mirror.mp4", "hflip", 3)
    plain = _disagreement(estimate_clip(clip), estimate_clip(mirror))
    tta = PoseSettings(mirror_tta=True)
    p, m = estimate_clip(clip, settings=tta), estimate_clip(mirror, settings=tta)
    averaged = _disagreement(p, m)
    # Measured: median 2.4 px without, 0.4 px with (640-px frames).
    assert np.median(averaged) < 0.4 * np.median(plain)
    assert np.median(averaged) < 1.0 and np.percentile(averaged, 90) < 2.5
    both = p.detected & m.detected
    prof = np.abs(p.profile[both] - m.profile[both][:, :, ::-1])  # columns swap in a mirror
    assert np.nanmedian(prof) < 1.0


@pytest.mark.parametrize("name", ["hinge_rounded", "hinge_neutral_left"])
def test_tta_keeps_the_sample_verdicts(name):
    clip = SAMPLES / f"{name}.mp4"
    truth = json.loads((SAMPLES / "truth" / f"{name}.json").read_text())
    plain = analyze(estimate_clip(clip), truth["exercise"])
    tta = analyze(estimate_clip(clip, settings=PoseSettings(mirror_tta=True)), truth["exercise"])
    assert tta.verdict == plain.verdict == truth["verdict"]
    assert [r.verdict for r in tta.reps] == [r.verdict for r in plain.reps]


def test_tta_is_part_of_the_cache_key_and_off_keeps_old_keys():
    assert "mirror_tta" not in PoseSettings().key()  # entries cached before the option stay valid
    assert PoseSettings(mirror_tta=True).key()["mirror_tta"] is True
