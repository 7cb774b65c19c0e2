"""Core cost per frame against pose inference per frame, measured in one run.

    python benchmarks/bench_core.py [CLIP]

Runs the real model on a clip (default: a sample clip) to time inference per frame, then times
the analysis core (``analyze`` on the whole clip, and the live ``StreamingAnalyzer.push`` per
frame) on the landmarks it produced. Target: the core under 1% of inference.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    from hingecheck.core.analysis import analyze
    from hingecheck.core.streaming import StreamingAnalyzer
    from hingecheck.pose.landmarker import PoseEstimator
    from hingecheck.pose.sources import VideoFile

    clip = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "sample_videos" / "mixed_set.mp4"
    src = VideoFile(clip)
    poses = []
    with PoseEstimator() as est:
        frames = list(src.frames())
        box = (0, 0, src.info.width, src.info.height)
        small = [est.prepare(f.rgb, box) for f in frames]
        t0 = time.perf_counter()
        for f, rgb in zip(frames, small):
            poses.append(est.infer(rgb, f.t, box, f.index))
        infer = (time.perf_counter() - t0) / len(frames)
    from hingecheck.pose.landmarker import PoseCollector

    col = PoseCollector(True)
    for p in poses:
        col.add(p)
    series = col.series(src.info)
    reps = 5
    t0 = time.perf_counter()
    for _ in range(reps):
        result = analyze(series, exercise="auto")  # what the commands do without --exercise
    batch = (time.perf_counter() - t0) / reps / series.n_frames
    live = StreamingAnalyzer("auto", fps=series.fps)
    judging = [0.0]  # time spent judging finished reps with the batch path (once per rep)
    judge = live._judge_window

    def timed_judge(*a, **k):
        t = time.perf_counter()
        try:
            return judge(*a, **k)
        finally:
            judging[0] += time.perf_counter() - t

    live._judge_window = timed_judge
    t0 = time.perf_counter()
    for i in range(series.n_frames):
        live.push(
            series.image[i],
            series.visibility[i],
            series.world[i],
            float(series.t[i]),
            bool(series.detected[i]),
            series.profile[i],
        )
    stream = (time.perf_counter() - t0) / series.n_frames
    print(f"clip: {clip.name}, {series.n_frames} frames, {len(result.reps)} reps")
    print(f"pose inference        {infer * 1e3:8.3f} ms/frame")
    print(f"core, batch analyze   {batch * 1e3:8.3f} ms/frame   {100 * batch / infer:6.2f}% of inference")
    print(f"core, live push       {stream * 1e3:8.3f} ms/frame   {100 * stream / infer:6.2f}% of inference")
    per_frame = stream - judging[0] / series.n_frames
    per_rep = judging[0] / max(len(live.reps), 1)
    print(f"  of which per frame  {per_frame * 1e3:8.3f} ms/frame   {100 * per_frame / infer:6.2f}% of inference")
    print(f"  judging each rep    {per_rep * 1e3:8.3f} ms/rep     {per_rep / infer:6.2f} frames of inference")


if __name__ == "__main__":
    main()
