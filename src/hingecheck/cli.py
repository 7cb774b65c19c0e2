"""The ``hingecheck`` command (typer). The only module that knows about the command line.

Foreseeable problems (a missing file, a file that is not video, a bad config) end in a one-line
``error: <file>: <problem>`` on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from hingecheck import __version__

app = typer.Typer(
    name="hingecheck",
    help="Watch a hip hinge and say, rep by rep, whether the spine stayed neutral.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: Exit codes: 0 all good, 1 some inputs failed, 2 usage error (typer's own), 3 nothing usable.
EXIT_SOME_FAILED = 1
EXIT_USAGE = 2

ModelOpt = typer.Option(None, "--model", help="A MediaPipe pose_landmarker .task bundle to use instead of the shipped one.")
NoCacheOpt = typer.Option(False, "--no-cache", help="Do not read or write the landmark cache.")
MaxWidthOpt = typer.Option(640, "--max-width", help="Scale frames down to this width (px) before inference; 0 = full size.")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hingecheck {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    """Watch a hip hinge and say, rep by rep, whether the spine stayed neutral."""


def fail(message: str, code: int = EXIT_SOME_FAILED) -> None:
    """Print a one-line error and exit."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _expected_errors() -> tuple[type[BaseException], ...]:
    from hingecheck.pose import PoseError
    from hingecheck.sources import SourceError

    errors: list[type[BaseException]] = [SourceError, PoseError, OSError]
    try:
        from hingecheck.config import ConfigError

        errors.append(ConfigError)
    except ImportError:
        pass
    return tuple(errors)


def _cache(no_cache: bool):
    if no_cache:
        return None
    from hingecheck.cache import LandmarkCache

    return LandmarkCache()


def _progress_bar(label: str):
    """A rich progress callback ``(done, total)`` for a terminal; silent otherwise."""
    if not sys.stderr.isatty():
        return None, None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeRemainingColumn(), transient=True)
    task = bar.add_task(label, total=None)

    def update(done: int, total: int | None) -> None:
        bar.update(task, completed=done, total=total)

    return bar, update


@app.command()
def landmarks(
    clip: str = typer.Argument(..., help="A video file, an image, or a quoted glob of images."),
    out: Path = typer.Option(..., "-o", "--out", help="Output file: .npz (arrays) or .csv (one row per frame)."),
    model: Optional[Path] = ModelOpt,
    max_width: int = MaxWidthOpt,
    no_masks: bool = typer.Option(False, "--no-masks", help="Skip the segmentation mask (no back profile)."),
    no_cache: bool = NoCacheOpt,
) -> None:
    """Export a clip's pose landmarks (pixels, visibility, world metres, timestamps)."""
    from hingecheck.export import FORMATS, export_landmarks
    from hingecheck.pose import PoseSettings, estimate_clip

    if out.suffix.lower() not in FORMATS:
        fail(f"{out}: unknown output format {out.suffix!r} (use .npz or .csv)", EXIT_USAGE)
    settings = PoseSettings(max_width=max_width, masks=not no_masks)
    bar, update = _progress_bar(Path(clip).name)
    try:
        if bar is not None:
            bar.start()
        try:
            series = estimate_clip(clip, model=model, settings=settings, cache=_cache(no_cache), progress=update)
        finally:
            if bar is not None:
                bar.stop()
        export_landmarks(series, out)
    except _expected_errors() as exc:
        fail(str(exc))
    typer.echo(f"{clip}: {series.n_frames} frames, person found in {series.detected_fraction:.0%} -> {out}")


if __name__ == "__main__":  # pragma: no cover
    app()
