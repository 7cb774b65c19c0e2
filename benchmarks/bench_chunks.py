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

from clips import long_hd_clip  # noqa: E402 (benchmarks/ is on sys.path when run as a script)


def main() -> None:
    from hingecheck.pose.landmarker import PoseSettings, estimate_clip

    with tempfile.TemporaryDirectory() as tmp:
        clip = long_hd_clip(sys.argv, Path(tmp))
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
            print(
                f"  {name:18s} {series.n_frames} frames  wall {wall:6.1f} s  cpu {cpu:6.1f} s  ({cpu / wall:.2f} cores)"
            )
        base = took["one pass"][0]
        for name, (wall, cpu) in took.items():
            print(f"  {name:18s} {base / wall:.2f}x one pass's speed, cpu {cpu / took['one pass'][1]:.2f}x")


if __name__ == "__main__":
    main()
