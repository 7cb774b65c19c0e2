"""Test clips for the benchmarks, made with ffmpeg from a clip at hand (H.264, yuv420p)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def scaled_copy(
    src: Path,
    dst: Path,
    scale: str,
    seconds: float | None = None,
    preset: str | None = None,
    crf: int | None = None,
    audio: bool = True,
) -> Path:
    """``src`` rescaled (an ffmpeg ``scale=`` value, e.g. ``"1920:1080"``) into ``dst``; with
    ``seconds``, looped to that length. Returns ``dst``."""
    cmd = ["ffmpeg", "-y", "-loglevel", "error"]
    cmd += ["-stream_loop", "-1", "-i", str(src), "-t", str(seconds)] if seconds else ["-i", str(src)]
    cmd += ["-vf", f"scale={scale}"] + ([] if audio else ["-an"]) + ["-c:v", "libx264"]
    cmd += (["-preset", preset] if preset else []) + (["-crf", str(crf)] if crf is not None else [])
    subprocess.run([*cmd, "-pix_fmt", "yuv420p", str(dst)], check=True)
    return dst


def long_hd_clip(argv: list[str], folder: Path) -> Path:
    """The clip a benchmark was given (``argv[1]``, unless ``-``), else the sample set looped to
    ``argv[2]`` seconds (default 120) at 1920x1080 in ``folder``."""
    if len(argv) > 1 and argv[1] != "-":
        return Path(argv[1])
    seconds = float(argv[2]) if len(argv) > 2 else 120.0
    sample = Path(__file__).resolve().parents[1] / "sample_videos" / "mixed_set.mp4"
    return scaled_copy(sample, folder / "clip_1080p.mp4", "1920:1080", seconds=seconds, preset="veryfast")
