"""What looking for a second person costs: pose inference with ``num_poses`` 1 and 2 on one clip.

    python benchmarks/bench_num_poses.py [CLIP] [--frames N]

Without CLIP it uses ``sample_videos/hinge_neutral_right.mp4`` (one person in view: with
``num_poses=2`` MediaPipe keeps running its person detector, looking for the second one).
Prints the CPU seconds of the process (all threads, so other load on the machine counts less
than in wall time) and the wall time of each, and the ratio 2 / 1.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run(clip: Path, num_poses: int, limit: int) -> tuple[float, float, int]:
    from hingecheck.pose.landmarker import PoseEstimator, PoseSettings
    from hingecheck.pose.sources import VideoFile

    src = VideoFile(clip)
    frames = []
    for f in src.frames():
        frames.append(f)
        if len(frames) >= limit:
            break
    n = 0
    with PoseEstimator(settings=PoseSettings(num_poses=num_poses)) as est:
        c0, w0 = time.process_time(), time.perf_counter()
        for _f, _p in est.stream(iter(frames), src.info):
            n += 1
        return time.process_time() - c0, time.perf_counter() - w0, n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clip", nargs="?", type=Path, default=REPO / "sample_videos" / "hinge_neutral_right.mp4")
    ap.add_argument("--frames", type=int, default=300, help="frames per measurement")
    args = ap.parse_args()
    res = {n: run(args.clip, n, args.frames) for n in (1, 2)}
    print(f"clip: {args.clip} ({res[1][2]} frames)")
    for n, (cpu, wall, frames) in res.items():
        print(f"num_poses={n}   CPU {cpu:6.1f} s ({1000 * cpu / frames:5.1f} ms/frame)   wall {wall:6.1f} s")
    print(f"ratio 2 / 1     CPU {res[2][0] / res[1][0]:.2f}x   wall {res[2][1] / res[1][1]:.2f}x")


if __name__ == "__main__":
    main()
