"""Live coach throughput and capture-to-display latency at 640x480 and 1280x720, in one run.

    python benchmarks/bench_live.py [--window]

A sample clip is played as a 30 frames/s camera (paced at its timestamps, the newest frame
wins); every displayed frame records the time from its capture to the moment it is drawn and
(with --window, under a display) shown. Target at 640x480: at least 30 frames/s processed with
no frame dropped for lack of time, latency p95 under 100 ms.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

from clips import scaled_copy  # noqa: E402 (benchmarks/ is on sys.path when run as a script)

REPO = Path(__file__).resolve().parents[1]


def measure(clip: Path, window: bool) -> dict:
    from hingecheck.cli.live import run_live

    stats: list = []
    s = run_live(str(clip), "hinge", audio=False, window=window, stats=stats)
    lat = np.array([x[0] for x in stats]) * 1000
    t = np.array([x[1] for x in stats])
    return {
        "frames": s.frames,
        "dropped": s.dropped_frames,
        "fps": (len(t) - 1) / (t[-1] - t[0]),
        "p50": float(np.median(lat)),
        "p95": float(np.percentile(lat, 95)),
    }


def main() -> None:
    window = "--window" in sys.argv
    src = REPO / "sample_videos" / "mixed_set.mp4"
    with tempfile.TemporaryDirectory() as tmp:
        hd = Path(tmp) / "mixed_set_720p.mp4"
        scaled_copy(src, hd, "1280:720", preset="veryfast")
        for label, clip in (("640x480", src), ("1280x720", hd)):
            r = measure(clip, window)
            print(
                f"{label:9s} {r['fps']:5.1f} frames/s processed, {r['dropped']} of {r['frames'] + r['dropped']} "
                f"frames dropped, latency median {r['p50']:.0f} ms, p95 {r['p95']:.0f} ms"
            )


if __name__ == "__main__":
    main()
