"""Review speed: a 2-minute 1080p clip, reviewed from scratch (no landmark cache), against its duration.

    python benchmarks/bench_review.py [CLIP] [SECONDS]

Without CLIP it loops a sample clip to SECONDS (default 120) and scales it to 1920x1080 with
ffmpeg. Prints, per stage, the wall time and the process's CPU time (all threads; CPU / wall is
how many of the cores the stage kept busy), the load average beside the figures (the machine may
be shared: compare stages within one run, not across runs), and the ratio review time / clip
duration (target < 0.6 on two cores).

Issue 14, 30 s of 1080p, both runs back to back with a load average of ~18 on two cores (so
CPU, not wall time, is the figure to compare), CPU time / clip duration:
before (annotated.mp4 at 1080p from a second 1080p decode): pose 1.15, video 0.89, all 2.13;
after (640-px frames written during the pose pass): pose 1.10, video 0.18, all 1.35. Of the
pose pass, MediaPipe's own threads take ~0.69 and the 1080p decode, RGB conversion and scaling
most of the rest, so two idle cores cannot finish the pose pass in under ~0.55 x the duration,
nor the whole review in under ~0.68.

Issue 14, 2 minutes of 1080p, after the pose pass of a clip over 45 s was cut into chunks run
side by side (pose/chunks.py): pose wall 62.6 s, CPU 121.3 s (1.94 cores), video 11.3 s, review
0.62 x the duration (0.76 x before). Scaling each frame to 640 px inside the decoder (swscale,
area) instead of OpenCV after a full-size RGB conversion measured 0.58 x, but moves the model's
input pixels (mean 0.4 grey levels) and changed 2 of 266 metamorphic variants' verdicts (no dev
clip's), so it was left out. Measured again on a quieter machine (load average 2-3), one run
each: chunks side by side 0.38 x (pose 38.6 s wall, 1.91 cores), one pass 0.45 x (47.4 s, 1.49).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from clips import long_hd_clip  # noqa: E402 (benchmarks/ is on sys.path when run as a script)


def main() -> None:
    from hingecheck.cli.review import review_clip

    with tempfile.TemporaryDirectory() as tmp:
        clip = long_hd_clip(sys.argv, Path(tmp))
        import av

        with av.open(str(clip)) as c:
            s = c.streams.video[0]
            duration = float(s.duration * s.time_base) if s.duration else float(c.duration / 1e6)
            size = f"{s.codec_context.width}x{s.codec_context.height}"
        stages: dict[str, list[float]] = {}  # stage -> [wall, cpu]
        last = {"stage": None, "t": time.perf_counter(), "c": time.process_time()}

        def progress(stage, done, total):
            now, cpu = time.perf_counter(), time.process_time()
            if last["stage"] != stage:
                last.update(stage=stage, t=now, c=cpu)
            stages[stage] = [now - last["t"], cpu - last["c"]]

        load0 = os.getloadavg()[0]
        t0, c0 = time.perf_counter(), time.process_time()
        review_clip(clip, Path(tmp) / "out", cache=None, progress=progress)
        total, cpu = time.perf_counter() - t0, time.process_time() - c0
        load1 = os.getloadavg()[0]
    print(f"clip: {duration:.1f} s of {size} video; load average (1 min) {load0:.1f} before, {load1:.1f} after")
    for k, (w, c) in stages.items():
        print(f"  {k:6s} wall {w:6.1f} s  cpu {c:6.1f} s  ({c / w if w else 0:.2f} cores)")
    print(f"  all    wall {total:6.1f} s  cpu {cpu:6.1f} s  ({cpu / total:.2f} cores)")
    print(f"review total {total:.1f} s = {total / duration:.2f} x the clip's duration (target < 0.6)")
    print(f"cpu {cpu:.1f} s = {cpu / duration:.2f} x the duration (two cores give at most 2.0)")


if __name__ == "__main__":
    main()
