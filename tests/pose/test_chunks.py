"""A long clip's pose pass cut into chunks inferred side by side (pose/chunks.py), with the real
model on a rendered sample clip cut into 6-s chunks (the default, 30 s, cuts clips of 45 s and
more; the sample is 17 s)."""

import json
import subprocess
import sys

import numpy as np
import pytest

from hingecheck.core.analysis import analyze
from hingecheck.pose import chunks
from hingecheck.pose.cache import LandmarkCache
from hingecheck.pose.landmarker import PoseSettings, estimate_clip
from hingecheck.pose.sources import VideoFile, frame_pts

from conftest import SAMPLES, write_clip

CLIP = SAMPLES / "mixed_set.mp4"
LABELS = json.loads((SAMPLES / "labels.json").read_text())
CUT = PoseSettings(chunk_s=6.0)


@pytest.fixture(scope="module")
def one_pass():
    return estimate_clip(CLIP, settings=PoseSettings(chunk_s=0))


@pytest.fixture(scope="module")
def cut_both_cores():
    return estimate_clip(CLIP, settings=CUT, threads=2)


def test_plan_cuts_long_clips_into_equal_chunks_that_tile_the_clip():
    t = np.arange(120 * 30) / 30.0  # 2 minutes at 30 fps
    plan = chunks.plan(t, 30.0)
    assert len(plan) == 4
    assert [c.first for c in plan] == [0, 900, 1800, 2700] and plan[-1].stop == len(t)
    assert all(a.stop == b.first for a, b in zip(plan, plan[1:]))
    assert plan[0].warm == 0 and all(c.first - c.warm == 30 for c in plan[1:])  # 1 s of warm-up at 30 fps
    assert chunks.plan(t[: 44 * 30], 30.0) == [chunks.Chunk(0, 0, 44 * 30)]  # under 1.5 chunks: one pass
    assert chunks.plan(t, 0.0) == [chunks.Chunk(0, 0, len(t))]
    assert len(chunks.plan(t[: 100 * 30], 30.0)) == 3  # 100 s: three chunks of 33 s, not 30+30+30+10
    twenty = chunks.plan(np.arange(1200 * 30) / 30.0, 30.0)
    assert len(twenty) == chunks.MAX_CHUNKS == 8 and twenty[1].first == 1200 * 30 // 8  # 2.5-minute chunks
    hour = np.arange(3600 * 30) / 30.0  # past MAX_CUT_S: one pass (memory, see chunks.MAX_CUT_S)
    assert chunks.plan(hour, 30.0) == [chunks.Chunk(0, 0, len(hour))]


def test_frames_between_are_the_frames_a_straight_read_gives(tmp_path):
    """Seeking into the middle gives the very frames (index, time, pixels) of reading from the
    start, the analysis-rate cap's choice of frames included (a 60-fps clip, every other frame)."""
    rng = np.random.default_rng(0)
    frames = [
        np.full((96, 128, 3), i * 2, np.uint8) + rng.integers(0, 8, (96, 128, 3), dtype=np.uint8) for i in range(120)
    ]
    clip = write_clip(tmp_path / "sixty.mp4", frames, fps=60)
    straight = list(VideoFile(clip, max_fps=30).frames())
    pts, _, held = frame_pts(clip, 30)
    assert held == 120 and len(pts) == len(straight) == 60
    middle = list(VideoFile(clip, max_fps=30).frames_between(pts, 17, 41))
    assert [f.index for f in middle] == list(range(17, 41))
    for f in middle:
        g = straight[f.index]
        assert f.t == pytest.approx(g.t, abs=1e-9)
        assert np.array_equal(f.rgb, g.rgb)


def test_a_cut_clip_gets_its_labelled_verdicts_and_one_pass_landmarks(one_pass, cut_both_cores):
    """The chunks tile the clip (same frames, times, detections) and their landmarks are one
    pass's within the tracking's own noise; the verdicts are the rendered truth's."""
    a, b = one_pass, cut_both_cores
    assert b.n_frames == a.n_frames and np.array_equal(a.t, b.t) and np.array_equal(a.detected, b.detected)
    plan = chunks.plan(a.t, CUT.chunk_s)
    assert len(plan) == 3
    d = np.abs(a.image[..., :2] - b.image[..., :2]).max(axis=2)  # px, per frame and joint
    assert np.all(d[: plan[1].first] == 0)  # the first chunk is one pass's beginning, bit for bit
    assert np.median(d) < 1.5  # measured: 0.5 px (frames 1280 px wide)
    assert a.scene_change is not None and np.allclose(a.scene_change, b.scene_change, equal_nan=True)
    truth = LABELS[CLIP.name]
    result = analyze(b, exercise=truth["exercise"])
    assert [r.verdict for r in result.reps] == truth["reps"]


def test_the_landmarks_do_not_depend_on_how_many_cores_run_the_chunks(cut_both_cores):
    one_core = estimate_clip(CLIP, settings=CUT, threads=1)
    for name in ("image", "world", "visibility", "profile", "detected", "t"):
        assert np.array_equal(getattr(one_core, name), getattr(cut_both_cores, name), equal_nan=True), name


def test_the_tap_gets_every_frame_once_each_chunk_in_order_and_progress_comes_from_the_caller(one_pass):
    """The tap runs in the chunks' decoding threads; progress only ever in the calling thread
    (a batch worker sends it down a pipe, and its deadline is a signal), counting up to the end."""
    import threading

    seen: dict[int, list[int]] = {}
    steps: list[tuple[int, int | None, bool]] = []

    def tap(frame, box, small):
        seen.setdefault(threading.get_ident(), []).append(frame.index)

    def progress(done, total):
        steps.append((done, total, threading.current_thread() is threading.main_thread()))

    estimate_clip(CLIP, settings=CUT, tap=tap, threads=2, progress=progress)
    every = sorted(i for runs in seen.values() for i in runs)
    assert every == list(range(one_pass.n_frames))  # warm-up frames are not tapped
    assert threading.get_ident() not in seen  # the tap ran off the calling thread
    for runs in seen.values():  # within a thread, chunk by chunk, in order
        assert runs == sorted(runs)
    assert all(main for _, _, main in steps)
    assert steps[0][0] == 0 and steps[-1][:2] == (one_pass.n_frames, one_pass.n_frames)
    done = [d for d, _, _ in steps]
    assert done == sorted(done) and len(set(done)) > 3  # counted up as the chunks went


def test_the_cache_key_names_the_cut_only_for_a_clip_that_is_cut(tmp_path):
    cache = LandmarkCache(tmp_path)
    model = __import__("hingecheck.pose.landmarker", fromlist=["resolve_model"]).resolve_model(None)
    short = SAMPLES / "hinge_rounded.mp4"
    assert cache.key(short, model, PoseSettings()) == cache.key(short, model, PoseSettings(chunk_s=6.0))
    assert cache.key(CLIP, model, CUT, cut=True) != cache.key(CLIP, model, PoseSettings(chunk_s=8.0), cut=True)
    assert cache.key(CLIP, model, CUT, cut=True) != cache.key(CLIP, model, CUT)
    first = estimate_clip(CLIP, settings=CUT, cache=cache)
    assert cache.misses == 1
    again = estimate_clip(CLIP, settings=CUT, cache=cache)
    assert cache.hits == 1 and np.array_equal(first.image, again.image, equal_nan=True)


def test_standard_error_survives_landmarkers_starting_side_by_side():
    """Each landmarker's start-up chatter is silenced by pointing fd 2 at /dev/null; chunks start
    theirs at once, and fd 2 must come back (a race would leave it at /dev/null for good)."""
    code = (
        "import os; from hingecheck.pose.landmarker import PoseSettings, estimate_clip\n"
        f"estimate_clip({str(CLIP)!r}, settings=PoseSettings(chunk_s=3.0, masks=False), threads=2)\n"
        "os.write(2, b'stderr still here')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=300)
    assert out.returncode == 0, out.stderr.decode(errors="replace")[-2000:]
    assert b"stderr still here" in out.stderr
    assert b"W0000" not in out.stderr and b"I0000" not in out.stderr  # and the chatter stayed silenced


def test_a_damaged_clip_is_read_straight_through(tmp_path):
    """20 KB of garbage in the middle of the file: frames are lost where a chunk seeks, so the
    clip is read in one pass instead, and the damage is reported as one pass reports it."""
    data = bytearray(CLIP.read_bytes())
    mid = len(data) // 2
    data[mid : mid + 20_000] = np.random.default_rng(0).bytes(20_000)
    clip = tmp_path / "damaged.mp4"
    clip.write_bytes(bytes(data))
    one = estimate_clip(clip, settings=PoseSettings(chunk_s=0, masks=False))
    cut = estimate_clip(clip, settings=PoseSettings(chunk_s=6.0, masks=False))
    assert one.damaged_packets > 0 and one.n_frames < one.expected_frames  # the damage is real
    assert (cut.n_frames, cut.damaged_packets, cut.expected_frames) == (
        one.n_frames,
        one.damaged_packets,
        one.expected_frames,
    )
    assert np.array_equal(one.image, cut.image, equal_nan=True)
