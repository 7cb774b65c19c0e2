"""Pose front-end throughput on a 1080p clip, all figures measured in one run.

    python benchmarks/bench_pose.py [CLIP] [--frames N]

Without CLIP it makes a 1080p H.264 clip by upscaling a real deadlift clip from
``../shared/clips/deadlift-web`` (development material) if present, else a sample clip.

Measures (frames/s):
  decode      PyAV decode alone, full size
  naive       OpenCV read -> BGR2RGB -> PoseLandmarker (VIDEO mode, masks) at full size, one thread
  hingecheck  hingecheck's stream: decode in a background thread, crop bars, scale to 640 px,
              inference with masks, back profile per frame
and prints the ratio hingecheck / naive. ``--model PATH`` (repeatable) adds the hingecheck stream
with another pose bundle (built by ``tools/rebuild_model.sh lite|heavy``) and its speed relative
to the shipped model's.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from clips import scaled_copy  # noqa: E402 (benchmarks/ is on sys.path when run as a script)
from naive import naive_fps  # noqa: E402 (benchmarks/ is on sys.path when run as a script)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "clips" / "deadlift-web"


def make_1080p(out: Path) -> Path:
    src = SHARED / "good008.mp4"
    if not src.exists():
        candidates = sorted((REPO / "sample_videos").glob("*.mp4"))
        if not candidates:
            sys.exit("bench_pose: no clip given and none found to upscale")
        src = candidates[0]
    scaled_copy(src, out, "1920:1080", crf=20)
    return out


def bench_decode(clip: Path, limit: int) -> float:
    from hingecheck.pose.sources import VideoFile

    t0 = time.perf_counter()
    n = 0
    for _ in VideoFile(clip).frames():
        n += 1
        if n >= limit:
            break
    return n / (time.perf_counter() - t0)


def bench_hingecheck(clip: Path, limit: int, max_width: int = 640, model: Path | None = None) -> float:
    from hingecheck.pose.landmarker import PoseEstimator, PoseSettings
    from hingecheck.pose.sources import VideoFile, prefetch

    src = VideoFile(clip)
    n = 0
    with PoseEstimator(model, settings=PoseSettings(max_width=max_width)) as est:
        t0 = time.perf_counter()
        for _f, _p in est.stream(prefetch(src.frames()), src.info):
            n += 1
            if n >= limit:
                break
        dt = time.perf_counter() - t0
    return n / dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clip", nargs="?", type=Path)
    ap.add_argument("--frames", type=int, default=300, help="frames per measurement")
    ap.add_argument("--model", type=Path, action="append", default=[], help="another pose bundle to time")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clip = args.clip or make_1080p(Path(tmp) / "bench_1080p.mp4")
        print(f"clip: {clip}")
        decode = bench_decode(clip, args.frames)
        naive = naive_fps([clip], args.frames)
        ours = bench_hingecheck(clip, args.frames)
        ours_full = bench_hingecheck(clip, args.frames, max_width=0)
        others = {m: bench_hingecheck(clip, args.frames, model=m) for m in args.model}
    print(f"decode alone (PyAV, full size)        {decode:7.1f} frames/s")
    print(f"naive loop (full size, masks)         {naive:7.1f} frames/s")
    print(f"hingecheck stream, full size          {ours_full:7.1f} frames/s")
    print(f"hingecheck stream, 640 px (default)   {ours:7.1f} frames/s")
    print(f"ratio hingecheck / naive              {ours / naive:7.2f}x")
    for m, fps in others.items():
        print(f"{m.name:37s} {fps:7.1f} frames/s, {fps / ours:5.2f}x the shipped model")


if __name__ == "__main__":
    main()
