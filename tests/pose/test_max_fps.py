"""The analysis-rate cap (``PoseSettings.max_fps``, issue 14): clips above 30 fps are analysed at
about 30 fps, timestamp by timestamp; clips at or below it exactly as before, cache keys included."""

import hashlib
import json

import numpy as np
import pytest

from hingecheck.core.analysis import analyze
from hingecheck.core.series import PROFILE_STATIONS
from hingecheck.pose.cache import CACHE_VERSION, LandmarkCache, _mediapipe_version, file_sha256
from hingecheck.pose.landmarker import PoseSettings, estimate_clip, resolve_model
from hingecheck.pose.sources import FrameSeeker, VideoFile, min_step_s

from conftest import SAMPLES, write_clip

SAMPLE30 = SAMPLES / "hinge_neutral_right.mp4"


def _numbered(n: int) -> list[np.ndarray]:
    """Frames whose brightness tells their index (``8 * i % 256``), 64x48."""
    return [np.full((48, 64, 3), (8 * i) % 256, np.uint8) for i in range(n)]


def _index(rgb: np.ndarray) -> int:
    return int(round(float(rgb.mean()) / 8))


@pytest.mark.parametrize(
    "fps, cap, kept_every",
    [(60, 30, 2), (50, 30, 2), (30, 30, 1), (24, 30, 1), (60, 0, 1), (60, 60, 1), (120, 30, 4)],
)
def test_frames_kept_by_timestamp(tmp_path, fps, cap, kept_every):
    clip = write_clip(tmp_path / "c.mp4", _numbered(30), fps=fps)
    src = VideoFile(clip, max_fps=cap)
    frames = list(src.frames())
    assert src.decoded == 30
    assert [f.index for f in frames] == list(range(len(frames)))  # numbered as the series is
    assert [_index(f.rgb) for f in frames] == list(range(0, 30, kept_every))
    np.testing.assert_allclose([f.t for f in frames], np.arange(0, 30, kept_every) / fps, atol=1e-3)


def test_variable_frame_rate_keeps_30_per_second(tmp_path):
    # 60 fps with jitter, then a stretch at 30 fps, then 60 again: the gaps decide, not the count.
    rng = np.random.default_rng(0)
    steps = np.concatenate([np.full(20, 1 / 60), np.full(10, 1 / 30), np.full(20, 1 / 60)])
    steps += rng.uniform(-0.002, 0.002, len(steps))
    pts = np.concatenate([[0.0], np.cumsum(steps)])[:50]
    clip = write_clip(tmp_path / "vfr.mp4", _numbered(50), fps=60, pts=pts)
    t = np.array([f.t for f in VideoFile(clip, max_fps=30).frames()])
    gaps = np.diff(t)
    assert gaps.min() >= 1 / 30 - 0.5 / 60 and gaps.max() < 1 / 30 + 1 / 60 + 0.005
    assert len(t) == pytest.approx(pts[-1] * 30, abs=2)


def test_min_step():
    assert min_step_s(30.0, 30.0) == 0 and min_step_s(25.0, 30.0) == 0 and min_step_s(60.0, 0) == 0
    assert min_step_s(60.0, 30.0) == pytest.approx(1 / 30 - 1 / 120)


def test_frame_seeker_reads_the_analysed_frames(tmp_path):
    """The player steps through the series' frames: with frames skipped, frame i is the i-th
    analysed frame, reading on or after a seek."""
    clip = write_clip(tmp_path / "c.mp4", _numbered(30), fps=60)
    times = np.array([f.t for f in VideoFile(clip, max_fps=30).frames()])
    seeker = FrameSeeker(clip, times)
    try:
        assert [_index(seeker.read(i)) for i in range(len(times))] == list(range(0, 30, 2))
        assert _index(seeker.read(9)) == 18 and _index(seeker.read(3)) == 6 and _index(seeker.read(4)) == 8
        assert seeker.read(len(times)) is None
    finally:
        seeker.close()


def test_60fps_clip_is_analysed_at_30fps(hinge60_clip, sample_labels):
    kept = []
    capped = estimate_clip(hinge60_clip, tap=lambda frame, box, small: kept.append(frame.index))
    every = estimate_clip(hinge60_clip, settings=PoseSettings(max_fps=0))
    decoded = every.n_frames
    assert capped.n_frames == pytest.approx(decoded / 2, abs=1)
    assert kept == list(range(capped.n_frames))  # the tap sees the analysed frames only
    assert capped.fps == pytest.approx(30, abs=0.01) and every.fps == pytest.approx(60, abs=0.01)
    np.testing.assert_allclose(np.diff(capped.t), 1 / 30, atol=2e-3)
    np.testing.assert_allclose(capped.t, every.t[::2][: capped.n_frames], atol=1e-9)
    # Frames read against frames announced: scaled to the share kept, no "truncated" warning.
    assert every.expected_frames == decoded
    assert capped.expected_frames == capped.n_frames
    label = sample_labels[SAMPLE30.name]
    ra, rb = analyze(capped, label["exercise"]), analyze(every, label["exercise"])
    assert ra.warnings == () and rb.warnings == ()
    assert ra.verdict == rb.verdict == label["verdict"]
    assert [r.verdict for r in ra.reps] == [r.verdict for r in rb.reps] == label["reps"]


def test_30fps_series_is_identical_with_and_without_the_cap():
    capped = estimate_clip(SAMPLE30)
    every = estimate_clip(SAMPLE30, settings=PoseSettings(max_fps=0))
    assert capped.fps == every.fps == 30
    assert capped.expected_frames == every.expected_frames
    for name in ("image", "visibility", "world", "t", "detected", "profile"):
        np.testing.assert_array_equal(getattr(capped, name), getattr(every, name), err_msg=name)


def test_cache_key(tmp_path, hinge60_clip):
    cache = LandmarkCache(tmp_path)
    model = resolve_model()
    # A 30 fps clip: the key as it was before the cap existed, whatever the cap.
    old = json.dumps(
        {
            "v": CACHE_VERSION,
            "clip": file_sha256(SAMPLE30),
            "model": file_sha256(model),
            "settings": {
                "max_width": 640,
                "masks": True,
                "min_detection_confidence": 0.5,
                "min_presence_confidence": 0.5,
                "min_tracking_confidence": 0.5,
                "crop_bars": True,
            },
            "stations": PROFILE_STATIONS.tolist(),
            "mediapipe": _mediapipe_version(),
        },
        sort_keys=True,
    )
    before = hashlib.sha256(old.encode()).hexdigest()[:32]
    for cap in (30.0, 0.0, 60.0):
        assert cache.key(SAMPLE30, model, PoseSettings(max_fps=cap)) == before
    assert cache.key(SAMPLE30, model, PoseSettings(max_fps=25.0)) != before  # a cap it is above
    # A 60 fps clip: frames skipped under the cap, another entry; a cap it is not above, the old key.
    k30, k0, k120 = (cache.key(hinge60_clip, model, PoseSettings(max_fps=c)) for c in (30.0, 0.0, 120.0))
    assert k30 != k0 and k120 == k0
