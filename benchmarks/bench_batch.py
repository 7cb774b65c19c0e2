"""Batch throughput on the same 1080p clips, every figure measured in one run.

    python benchmarks/bench_batch.py [CLIP...] [--clips N] [--jobs 2]

Without clips it makes 1080p H.264 copies (ffmpeg, upscaled) of real deadlift clips from
``../shared/clips/deadlift-web`` (development material), or of the sample clips if that folder
is absent. Prints frames/s for:

  naive          read (OpenCV) -> convert -> infer (full size, masks) -> next; one process
  decode         PyAV decode alone, full size, one process
  infer x1       PoseLandmarker alone on pre-decoded frames (cropped, 640 px, masks), one process
  infer x2       the same in two processes at once (frames/s added up)
  score --jobs   ``hingecheck score --jobs N --no-cache`` end to end (pose + analysis + output)

and the ratios score/naive (target >= 2.5) and score/infer-x2 (target >= 0.85). Where the rest
of score's wall time goes: the fixed start-up (one-frame clips), the warm-cache run (cache read,
core, writing), and the CPU of the pose layer's decoding thread (decode, RGB, crop, 640 px,
picture change) measured alone, which shares the cores with inference; from those, the ceiling
score could reach with nothing but inference and that thread's work on the cores.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from clips import scaled_copy  # noqa: E402 (benchmarks/ is on sys.path when run as a script)
from naive import naive_fps  # noqa: E402 (benchmarks/ is on sys.path when run as a script)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "clips" / "deadlift-web"
DEFAULT_CLIPS = (
    "good008.mp4",
    "good016.mp4",
    "good018.mp4",
    "bad012.mp4",
    "good014.mp4",
    "good015.mp4",
    "good019.mp4",
    "good020.mp4",
    "bad007.mp4",
    "bad009.mp4",
)


def make_clips(folder: Path, n: int) -> list[Path]:
    sources = [SHARED / c for c in DEFAULT_CLIPS if (SHARED / c).exists()]
    if not sources:
        sources = sorted((REPO / "sample_videos").glob("*.mp4"))
    out = []
    for src in sources[:n]:
        dst = folder / f"{src.stem}_1080p.mp4"
        scaled_copy(src, dst, "1920:1080", crf=20)
        out.append(dst)
    return out


def count_frames(clips) -> int:
    from hingecheck.pose.sources import VideoFile

    return sum(sum(1 for _ in VideoFile(c).frames()) for c in clips)


def decode(clips) -> float:
    from hingecheck.pose.sources import VideoFile

    n, t0 = 0, time.perf_counter()
    for clip in clips:
        for _ in VideoFile(clip).frames():
            n += 1
    return n / (time.perf_counter() - t0)


def pose_thread_cpu(clips) -> float:
    """CPU seconds (every thread of this process) of what the pose layer's decoding thread does for
    ``clips`` before the model sees a frame: decode, RGB, bars cropped, scaled to 640 px, the
    picture change. No inference."""
    from hingecheck.pose.landmarker import PoseEstimator, _staged
    from hingecheck.pose.scenechange import SceneChange
    from hingecheck.pose.sources import VideoFile

    est = PoseEstimator()
    c0 = time.process_time()
    for clip in clips:
        for _ in _staged(est.prepared(VideoFile(clip, max_fps=est.settings.max_fps).frames()), None, SceneChange()):
            pass
    return time.process_time() - c0


def _predecode(clips):
    """Frames as the score pipeline feeds them to the model: bars cropped, 640 px wide."""
    from hingecheck.pose.landmarker import PoseEstimator, content_box
    from hingecheck.pose.sources import VideoFile

    est = PoseEstimator()
    out = []
    for clip in clips:
        box = None
        frames = []
        for f in VideoFile(clip).frames():
            box = box or est.fit_box(content_box(f.rgb))  # as the pipeline: width a multiple of 16
            frames.append((f.t, est.prepare(f.rgb, box)))
        out.append((box, frames))
    return out


def _infer_worker(clips, ready, go, result) -> None:
    from hingecheck.pose.landmarker import PoseEstimator

    decoded = _predecode(clips)
    ready.set()
    go.wait()
    n, t0 = 0, time.perf_counter()
    for box, frames in decoded:
        with PoseEstimator() as est:
            for i, (t, rgb) in enumerate(frames):
                est.infer(rgb, t, box, i)
                n += 1
    result.put(n / (time.perf_counter() - t0))


def infer_alone(clips, processes: int) -> float:
    ctx = mp.get_context("spawn")
    go, q = ctx.Event(), ctx.Queue()
    readies, procs = [], []
    for _ in range(processes):
        ready = ctx.Event()
        p = ctx.Process(target=_infer_worker, args=(clips, ready, go, q))
        p.start()
        readies.append(ready)
        procs.append(p)
    for r in readies:
        r.wait()
    go.set()
    total = sum(q.get() for _ in procs)
    for p in procs:
        p.join()
    return total


def score_wall(clips, jobs: int, cache: Path | None = None) -> float:
    """Wall time (s) of ``hingecheck score CLIPS --jobs N`` (``--no-cache`` unless ``cache``)."""
    import os

    env = dict(os.environ)
    args = ["--no-cache"]
    if cache is not None:
        env["HINGECHECK_CACHE"] = str(cache)
        args = []
    t0 = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "hingecheck",
            "score",
            *map(str, clips),
            "--jobs",
            str(jobs),
            *args,
            "--out",
            str(Path(clips[0]).parent / "bench.json"),
        ],
        check=False,
        stdout=subprocess.DEVNULL,
        env=env,
    )
    return time.perf_counter() - t0


def tiny_clips(folder: Path, n: int) -> list[Path]:
    """``n`` one-frame 1080p clips: scoring them costs the batch's fixed start-up only."""
    out = []
    for i in range(n):
        dst = folder / f"tiny{i}.mp4"
        subprocess.run(
            [
                "ffmpeg",
                "-y",
                "-loglevel",
                "error",
                "-f",
                "lavfi",
                "-i",
                "testsrc=s=1920x1080:r=30:d=0.04",
                "-c:v",
                "libx264",
                "-pix_fmt",
                "yuv420p",
                str(dst),
            ],
            check=True,
        )
        out.append(dst)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clips", nargs="*", type=Path)
    ap.add_argument("--clips-count", type=int, default=4)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clips = args.clips or make_clips(Path(tmp), args.clips_count)
        frames = count_frames(clips)
        print(f"{len(clips)} clips, {frames} frames: {', '.join(Path(c).name for c in clips)}")
        r = {
            "naive": naive_fps(clips),
            "decode": decode(clips),
            "infer x1": infer_alone(clips, 1),
            f"infer x{args.jobs}": infer_alone(clips, args.jobs),
        }
        wall = score_wall(clips, args.jobs)
        r[f"score --jobs {args.jobs}"] = frames / wall
        prep = pose_thread_cpu(clips)
        # Where the rest goes, each measured here: the fixed start-up (pool spawn, imports, model
        # load, writing) on one-frame clips; landmarks from a warm cache (start-up without inference,
        # cache read, analysis, writing).
        startup = score_wall(tiny_clips(Path(tmp), args.jobs), args.jobs)
        cache = Path(tmp) / "cache"
        score_wall(clips, args.jobs, cache)
        warm = score_wall(clips, args.jobs, cache)
    for k, v in r.items():
        print(f"{k:16s} {v:7.1f} frames/s")
    limit = frames / r[f"infer x{args.jobs}"]
    print(
        f"score --jobs {args.jobs} wall {wall:6.1f} s; inference alone in {args.jobs} processes would take {limit:6.1f} s"
    )
    print(f"  start-up (one-frame clips, same command)        {startup:6.1f} s")
    print(
        f"  warm cache (start-up + cache read + core + write) {warm:6.1f} s (without start-up {warm - startup:.1f} s)"
    )
    print(
        f"  the pose layer's decoding thread (decode, RGB, crop, 640 px, picture change): {prep:6.1f} s of CPU, "
        f"{prep / frames * 1e3:.1f} ms a frame, {prep / args.jobs:.1f} s on {args.jobs} cores"
    )
    print(f"  unexplained (contention, scheduling, tails)      {wall - limit - startup - prep / args.jobs:6.1f} s")
    ceiling = frames / (limit + prep / args.jobs)
    print(
        f"  ceiling: inference and the decoding thread's CPU on {args.jobs} cores, nothing else: {ceiling:.1f} frames/s "
        f"= {ceiling / r[f'infer x{args.jobs}']:.2f} of infer x{args.jobs}, {ceiling / r['naive']:.2f}x naive"
    )
    s = r[f"score --jobs {args.jobs}"]
    print(f"score / naive    {s / r['naive']:7.2f}x   (target >= 2.5)")
    print(f"score / infer x{args.jobs} {s / r[f'infer x{args.jobs}']:7.2f}    (target >= 0.85)")


if __name__ == "__main__":
    main()
