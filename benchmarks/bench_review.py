"""Review speed: a 2-minute 1080p clip, reviewed from scratch (no landmark cache), against its duration.

    python benchmarks/bench_review.py [CLIP]

Without CLIP it loops a sample clip to 2 minutes and scales it to 1920x1080 with ffmpeg.
Prints the time per stage and the ratio review time / clip duration (target < 1: faster than
real time).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from clips import scaled_copy  # noqa: E402 (benchmarks/ is on sys.path when run as a script)

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    from hingecheck.cli.review import review_clip

    with tempfile.TemporaryDirectory() as tmp:
        if len(sys.argv) > 1:
            clip = Path(sys.argv[1])
        else:
            clip = Path(tmp) / "two_minutes_1080p.mp4"
            scaled_copy(REPO / "sample_videos" / "mixed_set.mp4", clip, "1920:1080", seconds=120, preset="veryfast")
        import av

        with av.open(str(clip)) as c:
            s = c.streams.video[0]
            duration = float(s.duration * s.time_base) if s.duration else float(c.duration / 1e6)
        stages: dict[str, float] = {}
        last = {"stage": None, "t": time.perf_counter()}

        def progress(stage, done, total):
            now = time.perf_counter()
            if last["stage"] != stage:
                last.update(stage=stage, t=now)
            stages[stage] = now - last["t"]

        t0 = time.perf_counter()
        review_clip(clip, Path(tmp) / "out", cache=None, progress=progress)
        total = time.perf_counter() - t0
    print(f"clip: {duration:.1f} s of 1080p video")
    for k, v in stages.items():
        print(f"  {k:6s} {v:6.1f} s")
    print(f"review total {total:.1f} s = {total / duration:.2f} x the clip's duration (target < 1)")


if __name__ == "__main__":
    main()
