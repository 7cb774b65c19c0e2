"""Peak memory of ``hingecheck score`` against clip length, every length measured in one run.

    python benchmarks/bench_memory.py [--minutes 1 10 60] [--width 320] [--keep DIR] [--cached]

Makes clips of the given lengths by looping a sample clip (a person doing hinges, so inference and
analysis do their real work) scaled to ``--width`` px (inference cost per frame hardly depends on
size; decoding does), then runs ``hingecheck score CLIP --no-cache`` (cold: every frame inferred) in
a fresh process for each. Prints, per length: frames, wall time, peak RSS (the child's
``ru_maxrss``, which sees native allocations tracemalloc cannot), RSS sampled over the run (at
0, 25, 50, 75 and 100 % of the wall time, 0.2 s sampling) and the slope in MB per minute of
clip between the shortest and the longest length. Goal (issue 14): peak < 600 MB on a one-hour
clip and flat in length.

``--cached`` scores with a landmark cache in a temporary folder, scored twice; the second,
warm run shows the analysis stage alone.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from clips import scaled_copy  # noqa: E402 (benchmarks/ is on sys.path when run as a script)

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "sample_videos" / "mixed_set.mp4"
#: RSS sampling period (s).
SAMPLE_S = 0.2


def make_clip(folder: Path, minutes: float, width: int) -> Path:
    out = folder / f"loop_{minutes:g}min_{width}px.mp4"
    if not out.exists():
        scaled_copy(SOURCE, out, f"{width}:-2", seconds=minutes * 60, preset="veryfast", crf=26, audio=False)
    return out


def _rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def run(clip: Path, env: dict, cached: bool) -> dict:
    """Score ``clip`` in a child process; its peak RSS (MB), wall time (s) and RSS samples.
    ``--timeout 0``: a one-hour clip may take longer than the default per-clip limit."""
    out = clip.with_suffix(".json")
    t0 = time.perf_counter()
    cmd = [sys.executable, "-m", "hingecheck", "score", str(clip), "--out", str(out), "--timeout", "0", "--jobs", "1"]
    proc = subprocess.Popen(
        cmd + ([] if cached else ["--no-cache"]), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    samples: list[tuple[float, float]] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            r = _rss_mb(proc.pid)
            if r is not None:
                samples.append((time.perf_counter() - t0, r))
            stop.wait(SAMPLE_S)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    stop.set()
    th.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace").strip()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"score failed on {clip}: {err[-300:]}")
    return {"peak_mb": usage.ru_maxrss / 1024, "wall_s": wall, "samples": samples, "json": out}


def at_fraction(samples, wall: float, frac: float) -> float:
    if not samples:
        return float("nan")
    target = frac * wall
    return min(samples, key=lambda s: abs(s[0] - target))[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, nargs="+", default=[1, 10])
    ap.add_argument("--width", type=int, default=320)
    ap.add_argument("--keep", type=Path, help="make (or reuse) the clips in this folder instead of a temporary one")
    ap.add_argument("--cached", action="store_true", help="score with a landmark cache, twice (cold, warm)")
    ap.add_argument("--cache-dir", type=Path, help="the landmark cache for --cached (default: a fresh temporary one)")
    args = ap.parse_args()
    import json

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        clips = [make_clip(folder, m, args.width) for m in args.minutes]
        env = dict(os.environ)
        env["HINGECHECK_CACHE"] = str(args.cache_dir or Path(tmp) / "cache")
        rows = []
        for minutes, clip in zip(args.minutes, clips):
            runs = [("cold", run(clip, env, args.cached))]
            if args.cached:
                runs.append(("warm", run(clip, env, True)))
            for label, r in runs:
                res = json.loads(r["json"].read_text())["clips"][0]
                fr = [at_fraction(r["samples"], r["wall_s"], f) for f in (0.0, 0.25, 0.5, 0.75, 1.0)]
                rows.append(
                    (minutes, label, res["frames"], r["wall_s"], r["peak_mb"], fr, res["verdict"], len(res["reps"]))
                )
    print(
        f"{'min':>5s} {'run':4s} {'frames':>7s} {'wall s':>7s} {'peak MB':>8s}  RSS MB at 0/25/50/75/100% of the run"
        "   verdict, reps"
    )
    for minutes, label, frames, wall, peak, fr, verdict, reps in rows:
        print(
            f"{minutes:5g} {label:4s} {frames:7d} {wall:7.1f} {peak:8.0f}  "
            + " ".join(f"{x:5.0f}" for x in fr)
            + f"   {verdict}, {reps}"
        )
    cold = [r for r in rows if r[1] == "cold"]
    if len(cold) >= 2:
        (m0, *_, p0), (m1, *_, p1) = [(r[0], r[4]) for r in (cold[0], cold[-1])]
        print(f"slope (cold peak): {(p1 - p0) / (m1 - m0):.2f} MB per minute of clip")


if __name__ == "__main__":
    main()
