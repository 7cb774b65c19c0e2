"""A long clip's pose pass in one run three ways: one pass straight through (``chunk_s=0``), cut
into chunks run one after another (``threads=1``), and the same chunks side by side
(``threads=2``, the default on two cores). Prints wall and CPU time of each and the ratios.

    python benchmarks/bench_chunks.py [CLIP] [SECONDS]

Without CLIP it loops a sample clip to SECONDS (default 120) at 1920x1080, as bench_review.py does.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from clips import scaled_copy  # noqa: E402 (benchmarks/ is on sys.path when run as a script)

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    from hingecheck.pose.landmarker import PoseSettings, estimate_clip

    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 120.0
    with tempfile.TemporaryDirectory() as tmp:
        if len(sys.argv) > 1 and sys.argv[1] != "-":
            clip = Path(sys.argv[1])
        else:
            clip = Path(tmp) / "clip_1080p.mp4"
            scaled_copy(REPO / "sample_videos" / "mixed_set.mp4", clip, "1920:1080", seconds=seconds, preset="veryfast")
        runs = {
            "one pass": (PoseSettings(chunk_s=0), None),
            "chunks, 1 thread": (PoseSettings(), 1),
            "chunks, 2 threads": (PoseSettings(), 2),
        }
        took = {}
        print(f"clip {clip.name}; load average (1 min) {os.getloadavg()[0]:.1f}")
        for name, (settings, threads) in runs.items():
            t0, c0 = time.perf_counter(), time.process_time()
            series = estimate_clip(clip, settings=settings, threads=threads)
            took[name] = (time.perf_counter() - t0, time.process_time() - c0)
            wall, cpu = took[name]
            print(f"  {name:18s} {series.n_frames} frames  wall {wall:6.1f} s  cpu {cpu:6.1f} s  ({cpu / wall:.2f} cores)")
        base = took["one pass"][0]
        for name, (wall, cpu) in took.items():
            print(f"  {name:18s} {base / wall:.2f}x one pass's speed, cpu {cpu / took['one pass'][1]:.2f}x")


if __name__ == "__main__":
    main()
