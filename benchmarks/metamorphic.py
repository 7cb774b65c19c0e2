"""Metamorphic consistency on real clips: the same lift seen through another camera keeps its verdict.

No labels needed. Every clip listed in the given ``labels.csv`` files (graded views: side,
oblique) is re-encoded with ffmpeg as: mirrored, the picture scaled to 60% (padded back to the
frame size) and to 150% (a bigger frame), rolled +5° and -5°, darkened by 40%, re-encoded at
CRF 35, and, for clips above 50 fps, halved to 30 fps. Each variant is scored like the original
(``hingecheck score``, landmark cache on) and its clip verdict compared with the original's.

    python benchmarks/metamorphic.py ../shared/clips/*/labels.csv --exercise deadlift \
        --work /tmp/meta --out metamorphic.json

Prints the share of variants whose clip verdict (and binary call: neutral / fault / abstain)
matches the original, per transform and overall.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from hingecheck.core.evaluate import call, read_labels

TRANSFORMS = {
    "mirror": "hflip",
    "scale60": "scale=trunc(iw*0.3)*2:trunc(ih*0.3)*2,pad=trunc(iw/0.6/2)*2:trunc(ih/0.6/2)*2:(ow-iw)/2:(oh-ih)/2",
    "scale150": "scale=trunc(iw*0.75)*2:trunc(ih*0.75)*2",
    "roll+5": "rotate=5*PI/180:fillcolor=black",
    "roll-5": "rotate=-5*PI/180:fillcolor=black",
    "dark40": "lutrgb=r=val*0.6:g=val*0.6:b=val*0.6",
    "crf35": None,
    "fps30": "fps=30",
}


def fps_of(path: Path) -> float:
    r = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=avg_frame_rate",
            "-of",
            "csv=p=0",
            str(path),
        ],
        capture_output=True,
        text=True,
    )
    num, _, den = r.stdout.strip().partition("/")
    try:
        return float(num) / float(den or 1)
    except (ValueError, ZeroDivisionError):
        return 0.0


def make_variant(src: Path, name: str, out: Path) -> bool:
    if out.exists():
        return True
    vf = TRANSFORMS[name]
    crf = "35" if name == "crf35" else "18"
    cmd = ["ffmpeg", "-y", "-loglevel", "error", "-i", str(src), "-an"]
    cmd += ["-vf", vf] if vf else []
    cmd += ["-c:v", "libx264", "-crf", crf, "-pix_fmt", "yuv420p", str(out)]
    return subprocess.run(cmd).returncode == 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("labels", nargs="+")
    ap.add_argument("--exercise", default=None)
    ap.add_argument("--work", default="metamorphic-work")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    rows = [r for r in read_labels(args.labels) if r.graded and r.path.is_file()]
    variants: list[tuple[Path, str, Path]] = []
    for r in rows:
        for name in TRANSFORMS:
            if name == "fps30" and fps_of(r.path) <= 50:
                continue
            out = work / f"{r.source}__{r.path.stem}__{name}.mp4"
            if make_variant(r.path, name, out):
                variants.append((r.path, name, out))
    clips = [str(r.path) for r in rows] + [str(v[2]) for v in variants]
    ex = ["--exercise", args.exercise] if args.exercise else []
    scored = work / "scored.json"
    subprocess.run([sys.executable, "-m", "hingecheck", "score", *clips, *ex, "--out", str(scored)], check=False)
    verdicts = {c["file"]: c.get("verdict") for c in json.loads(scored.read_text())["clips"]}
    same = defaultdict(lambda: [0, 0, 0])  # transform -> [verdict same, call same, n]
    detail = []
    for src, name, out in variants:
        a, b = verdicts.get(str(src)), verdicts.get(str(out))
        s = same[name]
        s[0] += a == b
        s[1] += call(a) == call(b)
        s[2] += 1
        detail.append({"clip": str(src), "transform": name, "original": a, "variant": b})
    total = [sum(v[i] for v in same.values()) for i in range(3)]
    print(f"{'transform':10s} {'verdict kept':>14s} {'call kept':>12s}")
    for name, (v, c, n) in sorted(same.items()):
        print(f"{name:10s} {v:>4d}/{n:<3d} {v / n:5.0%} {c:>4d}/{n:<3d} {c / n:5.0%}")
    print(
        f"{'all':10s} {total[0]:>4d}/{total[2]:<3d} {total[0] / total[2]:5.0%} {total[1]:>4d}/{total[2]:<3d} "
        f"{total[1] / total[2]:5.0%}"
    )
    if args.out:
        Path(args.out).write_text(
            json.dumps(
                {
                    "per_transform": {k: {"verdict_kept": v[0], "call_kept": v[1], "n": v[2]} for k, v in same.items()},
                    "variants": detail,
                },
                indent=1,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
