"""The pose front end with the real model on real video frames."""

import subprocess
import sys

import numpy as np
import pytest

from hingecheck.core.series import INDEX, PoseSeries
from hingecheck.pose.cache import LandmarkCache
from hingecheck.pose.landmarker import PoseEstimator, PoseSettings, content_box, estimate_clip

from conftest import SAMPLES, write_clip


def test_estimate_clip_arrays(astronaut_clip):
    s = estimate_clip(astronaut_clip)
    assert isinstance(s, PoseSeries)
    assert s.n_frames == 30 and (s.width, s.height) == (720, 540) and s.fps == pytest.approx(30, rel=1e-3)
    assert s.image.shape == (30, 33, 3) and s.world.shape == (30, 33, 3) and s.visibility.shape == (30, 33)
    assert s.profile is not None and s.profile.shape[0] == 30
    assert s.detected_fraction >= 0.9
    assert np.allclose(s.t, np.arange(30) / 30, atol=2e-3)
    # The photo pans 3 px per frame to the right: the nose follows it, in full-frame pixels.
    nose_x = s.image[s.detected, INDEX["nose"], 0]
    slope = np.polyfit(np.flatnonzero(s.detected), nose_x, 1)[0]
    assert slope == pytest.approx(3.0, abs=0.8)


def test_tap_sees_every_frame_and_changes_nothing(astronaut_clip):
    seen = []

    def tap(frame, box, small):
        seen.append((frame.index, frame.t, frame.rgb.shape, box, small.shape))

    plain = estimate_clip(astronaut_clip)
    tapped = estimate_clip(astronaut_clip, tap=tap)
    assert [s[0] for s in seen] == list(range(plain.n_frames))
    np.testing.assert_array_equal([s[1] for s in seen], plain.t)
    assert {s[2:] for s in seen} == {((540, 720, 3), (0, 0, 720, 540), (480, 640, 3))}  # 640-px model width
    assert np.array_equal(plain.image, tapped.image, equal_nan=True)
    assert np.array_equal(plain.profile, tapped.profile, equal_nan=True)


def test_downscaled_inference_reports_full_size_pixels(astronaut_clip):
    full = estimate_clip(astronaut_clip, settings=PoseSettings(max_width=0, masks=False))
    small = estimate_clip(astronaut_clip, settings=PoseSettings(max_width=360, masks=False))
    assert small.profile is None
    both = full.detected & small.detected
    sho = [INDEX["left_shoulder"], INDEX["right_shoulder"], INDEX["nose"]]
    err = np.abs(full.image[both][:, sho, :2] - small.image[both][:, sho, :2])
    assert np.median(err) < 8  # pixels of a 720-px frame, inferred on a 360-px copy


def test_clip_without_person_is_empty_but_valid(empty_clip):
    s = estimate_clip(empty_clip)
    assert s.n_frames == 20
    assert not s.detected.any()
    assert np.isnan(s.image).all()


def test_cache_skips_inference(tmp_path, astronaut_clip, monkeypatch):
    cache = LandmarkCache(tmp_path / "cache")
    first = estimate_clip(astronaut_clip, cache=cache)
    assert cache.misses == 1 and len(list((tmp_path / "cache").glob("*.npz"))) == 1

    def no_inference(*a, **k):
        raise AssertionError("inference ran although the landmarks were cached")

    monkeypatch.setattr(PoseEstimator, "infer", no_inference)
    second = estimate_clip(astronaut_clip, cache=cache)
    assert cache.hits == 1
    assert np.array_equal(first.image, second.image, equal_nan=True)
    assert np.array_equal(first.profile, second.profile, equal_nan=True)
    # Other settings are another key: inference would run (and here it would fail).
    with pytest.raises(AssertionError, match="inference ran"):
        estimate_clip(astronaut_clip, cache=cache, settings=PoseSettings(max_width=320))


def test_damaged_cache_entry_is_a_miss(tmp_path, astronaut_clip):
    cache = LandmarkCache(tmp_path / "cache")
    estimate_clip(astronaut_clip, cache=cache)
    entry = next((tmp_path / "cache").glob("*.npz"))
    entry.write_bytes(b"garbage")
    again = estimate_clip(astronaut_clip, cache=cache)
    assert again.detected_fraction >= 0.9 and cache.misses == 2


def test_letterbox_is_cropped_before_inference(tmp_path, astronaut):
    # A 512x512 photo pillarboxed into a 1280x720 frame: content box found, landmarks in frame pixels.
    frame = np.zeros((720, 1280, 3), np.uint8)
    frame[104:616, 384:896] = astronaut
    assert content_box(frame) == (384, 104, 896, 616)
    clip = write_clip(tmp_path / "boxed.mp4", [frame] * 5)
    s = estimate_clip(clip)
    assert s.detected.all()
    nose = s.image[:, INDEX["nose"], :2].mean(axis=0)
    assert 384 < nose[0] < 896 and 104 < nose[1] < 616


def test_image_glob_uses_still_mode(tmp_path, astronaut):
    import cv2

    for i in range(2):
        cv2.imwrite(str(tmp_path / f"p{i}.jpg"), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    s = estimate_clip(str(tmp_path / "p*.jpg"))
    assert s.n_frames == 2 and s.detected.all()


def test_memory_stays_flat(tmp_path, astronaut):
    """Frames and masks are dropped as the stream goes: four times the frames, about the same peak."""
    import tracemalloc

    canvas = np.full((540, 720, 3), 90, np.uint8)

    def clip(n):
        frames = []
        for i in range(n):
            f = canvas.copy()
            f[14:526, 60 + i % 40 : 572 + i % 40] = astronaut
            frames.append(f)
        return write_clip(tmp_path / f"c{n}.mp4", frames)

    peaks = {}
    for n, path in ((50, clip(50)), (200, clip(200))):
        tracemalloc.start()
        s = estimate_clip(path)
        peaks[n] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert s.n_frames == n
    frame_bytes = 540 * 720 * 3
    # 150 more frames would add ~175 MB if frames were kept; allow a few frames' worth of slack.
    assert peaks[200] - peaks[50] < 4 * frame_bytes, peaks


def test_any_frame_width_is_safe(tmp_path, astronaut):
    """A 302-px-wide clip (a portrait phone clip cropped out of its pillarbox looks like this):
    mediapipe 0.10.3x aborts the process on a segmentation mask whose width is not a multiple
    of 4 px unless the image is narrowed first. Run in a child process, since the abort is fatal."""
    clip = write_clip(tmp_path / "narrow.mp4", [np.ascontiguousarray(astronaut[:, 100:402])] * 5)
    r = subprocess.run(
        [sys.executable, "-m", "hingecheck", "landmarks", str(clip), "-o", str(tmp_path / "l.npz"), "--no-cache"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-500:]
    with np.load(tmp_path / "l.npz") as z:
        assert bool(np.all(np.isfinite(z["image"][:, 23, :2])))  # the left hip found on every frame
    assert PoseEstimator(settings=PoseSettings(max_width=0)).fit_box((10, 0, 312, 400)) == (10, 0, 298, 400)


def test_a_cut_in_an_edited_clip_is_measured_where_it_is(tmp_path, astronaut):
    """Three frames of another picture spliced before a sample lift: the pose layer's picture
    change jumps at the splice and nowhere else, and the analysis judges the lift alone."""
    import json

    import cv2

    from hingecheck.core.analysis import analyze
    from hingecheck.core.config import load_config
    from hingecheck.pose.sources import open_source

    name = "hinge_neutral_right.mp4"
    label = json.loads((SAMPLES / "labels.json").read_text())[name]
    lift = [f.rgb for f in open_source(str(SAMPLES / name)).frames()]
    h, w = lift[0].shape[:2]
    other = cv2.resize(astronaut, (w, h))
    clip = write_clip(tmp_path / "edited.mp4", [other] * 3 + lift)
    series = estimate_clip(clip)
    th = load_config(exercise=label["exercise"])
    change = series.scene_change
    assert change.shape == (len(lift) + 3,) and np.isnan(change[0])
    assert change[3] >= th.cut_min_change  # the splice
    assert np.nanmax(np.delete(change, 3)) < th.cut_min_change  # inside each shot
    result = analyze(series, label["exercise"])
    assert any(x.startswith("edited clip: 2 shots") for x in result.warnings)
    assert [r.verdict for r in result.reps] == label["reps"]
