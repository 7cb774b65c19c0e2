"""The ``hingecheck`` command (typer). The only module that knows about the command line.

Foreseeable problems (a missing file, a file that is not video, a bad config) end in a one-line
``error: <file>: <problem>`` on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import List, Optional

import typer

from hingecheck import __version__


class _NoFlagTypes:
    """Options shown in ``--help`` without a value type where they take no value: typer 0.29
    prints ``<bool>`` after every flag (``--no-window <bool>``, ``--help <bool>``), as though
    ``--no-window true`` were how to write it."""

    def get_params(self, ctx):
        params = super().get_params(ctx)
        for p in params:
            if getattr(p, "is_flag", False) or getattr(p, "count", False):
                p.metavar = ""
        return params


class _Command(_NoFlagTypes, typer.core.TyperCommand):
    pass


class _Group(_NoFlagTypes, typer.core.TyperGroup):
    pass


app = typer.Typer(
    cls=_Group,
    name="hingecheck",
    help="Watch a hip hinge and say, rep by rep, whether the spine stayed neutral.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: Exit codes: 0 all good, 1 some inputs failed, 2 usage error (typer's own), 3 nothing usable.
EXIT_SOME_FAILED = 1
EXIT_USAGE = 2

ModelOpt = typer.Option(
    None, "--model", help="A MediaPipe pose_landmarker .task bundle to use instead of the shipped one."
)
NoCacheOpt = typer.Option(False, "--no-cache", help="Do not read or write the landmark cache.")
MaxWidthOpt = typer.Option(
    640, "--max-width", help="Scale frames down to this width (px) before inference; 0 = full size."
)
MaxFpsOpt = typer.Option(
    30.0,
    "--max-fps",
    min=0.0,
    help="Analyse at most this many frames per second of a faster clip (60 fps: every other frame); 0 = every frame.",
)
MirrorTtaOpt = typer.Option(
    False,
    "--mirror-tta",
    help="Also infer each frame mirrored left to right and average the two (steadier verdicts; ~2x inference).",
)
ExerciseOpt = typer.Option(
    None,
    "--exercise",
    "-e",
    help="hinge | good_morning | deadlift | kb_swing | auto (default: as a labels.json beside the clip says, else auto: "
    "deadlift for a pull from the floor, hinge otherwise).",
)
PeopleOpt = typer.Option(
    1,
    "--people",
    min=1,
    max=4,
    help="People the pose model looks for in each frame: 2 when others are in view (a gym, family); the lifter is kept, "
    "never a bystander (~1.5-2x inference).",
)
AthleteOpt = typer.Option(
    None, "--athlete", help="Whose session this is, in the training history (default: your user name)."
)
NoHistoryOpt = typer.Option(False, "--no-history", help="Do not keep this run in the training history.")
DbOpt = typer.Option(
    None,
    "--db",
    envvar="HINGECHECK_DB",
    show_envvar=True,
    help="The training history file (default: history.sqlite3 in your user data folder).",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hingecheck {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Watch a hip hinge and say, rep by rep, whether the spine stayed neutral."""
    from hingecheck.pose.nativelog import install

    install()  # MediaPipe's native log lines never reach the terminal


def fail(message: str, code: int = EXIT_SOME_FAILED) -> None:
    """Print a one-line error and exit."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _said(exc: BaseException) -> str:
    """An expected error as its one line: an OS error as ``<file>: <problem>`` like the others
    (``str()`` of a PermissionError is ``[Errno 13] Permission denied: 'clip.mp4'``)."""
    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        return f"{os.fsdecode(exc.filename)}: {exc.strerror}"
    return str(exc)


def _say_warnings(clip, warnings) -> None:
    """A clip's input warnings on stderr, one line each, as ``score`` says them (``review``,
    ``review --play``, ``compare``)."""
    for w in warnings:
        typer.echo(f"warning: {clip}: {w}", err=True)


def _expected_errors() -> tuple[type[BaseException], ...]:
    from hingecheck.history.store import HistoryError
    from hingecheck.pose.landmarker import PoseError
    from hingecheck.pose.sources import SourceError

    errors: list[type[BaseException]] = [SourceError, PoseError, OSError, HistoryError]
    try:
        from hingecheck.core.config import ConfigError

        errors.append(ConfigError)
    except ImportError:
        pass
    return tuple(errors)


def _check_exercise(exercise: str | None, auto: bool = True) -> None:
    """Exit with a usage error (2) for an unknown exercise; ``None`` means "as labels.json says",
    ``auto`` (where ``auto`` is allowed) "as the movement shows" (core/exercise.py)."""
    from hingecheck.core.config import ConfigError, check_exercise

    if exercise is not None and not (auto and exercise == "auto"):
        try:
            check_exercise(exercise)
        except ConfigError as exc:
            fail(str(exc)[:-1] + ", auto)" if auto else str(exc), EXIT_USAGE)


def _check_config(config: Path | None, exercises) -> None:
    """Exit with a usage error (2) when the thresholds file cannot be used, before any work."""
    from hingecheck.core.config import ConfigError
    from hingecheck.core.exercise import check_config

    try:
        for ex in sorted(exercises) or ["hinge"]:
            check_config(config, ex)
    except ConfigError as exc:
        fail(str(exc), EXIT_USAGE)


def _check_counts(max_width: int | None = None, jobs: int | None = None) -> None:
    """Exit with a usage error (2) for a negative ``--max-width`` or ``--jobs`` (0 means full size,
    one worker per core), before any work."""
    if max_width is not None and max_width < 0:
        fail("--max-width must be 0 (full size) or more pixels", EXIT_USAGE)
    if jobs is not None and jobs < 0:
        fail("--jobs must be 1 or more worker processes (0 = one per core)", EXIT_USAGE)


def _check_model(model: Path | None) -> None:
    """Exit with a usage error (2) when the pose model (``--model``, else ``$HINGECHECK_MODEL``,
    else the shipped one) is missing or not a model bundle, once and before any work."""
    from hingecheck.pose.landmarker import PoseError, check_model

    try:
        check_model(model)
    except PoseError as exc:
        fail(str(exc), EXIT_USAGE)


def _check_out(out: Path | None, option: str = "--out") -> None:
    """Exit with a usage error (2) when the output file ``out`` cannot be written, before any work."""
    from hingecheck.atomic import output_problem

    if out is None:
        return
    if Path(out).is_dir():
        fail(f"{out}: {option} must be a file, and this is a folder", EXIT_USAGE)
    problem = output_problem(out)
    if problem is not None:
        fail(f"{out}: cannot write there ({problem})", EXIT_USAGE)


#: Output extensions that name a format: a ``--format`` (or a command's one format) that says
#: another is a usage error, not a file whose name lies about its contents.
FORMAT_EXTENSIONS = ("json", "jsonl", "csv")


def _check_format_matches_out(out: Path | None, fmt: str | None) -> None:
    """Exit with a usage error (2) when ``--format`` contradicts a known extension of ``--out``
    (``-o r.csv -f json``); an extension that names no format (``.txt``, none) takes ``fmt``."""
    if out is None or not fmt:
        return
    suffix = out.suffix.lower().lstrip(".")
    if suffix in FORMAT_EXTENSIONS and suffix != fmt:
        fail(f"{out}: --format {fmt} contradicts its {out.suffix} extension", EXIT_USAGE)


def _check_out_folder(out: Path, option: str = "--out") -> None:
    """Exit with a usage error (2) when the output folder ``out`` cannot be made or written in,
    before any work."""
    from hingecheck.atomic import folder_problem

    if Path(out).exists() and not Path(out).is_dir():
        fail(f"{out}: {option} must be a folder, and this is a file", EXIT_USAGE)
    problem = folder_problem(out)
    if problem is not None:
        fail(f"{out}: cannot write there ({problem})", EXIT_USAGE)


def _check_display(hint: str) -> None:
    """Exit with a usage error (2) when a window is wanted and there is no display to open it on
    (Qt would abort the process), before any work; ``hint`` says how to do without one."""
    from hingecheck.render.display import has_display

    if not has_display():
        fail(f"no display to open a window on (set DISPLAY, or {hint})", EXIT_USAGE)


def _cache(no_cache: bool):
    if no_cache:
        return None
    from hingecheck.pose.cache import LandmarkCache

    return LandmarkCache()


def _progress_bar(label: str):
    """A rich progress callback ``(done, total)`` for a terminal; silent otherwise."""
    if not sys.stderr.isatty():
        return None, None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True
    )
    task = bar.add_task(label, total=None)

    def update(done: int, total: int | None) -> None:
        bar.update(task, completed=done, total=total)

    return bar, update


class _History:
    """Keeps the sessions of a ``score``, ``review`` or ``live`` run in the training history.

    The history never costs the run its main output: a history file that cannot be used
    (corrupt, locked, unwritable) ends history writing for the run with one ``warning:`` line
    on stderr, printed by :meth:`close`, and the results are written as usual.
    """

    def __init__(self, db: Path | None, athlete: str | None, enabled: bool):
        from hingecheck.history.store import default_athlete

        self.db = db
        self.athlete = athlete or default_athlete()
        self.enabled = enabled
        self.store = None
        self.problem: str | None = None
        self.saved: list[int] = []

    def _open(self):
        from hingecheck.history.store import HistoryError, HistoryStore

        if not self.enabled or self.problem is not None:
            return None
        if self.store is None:
            try:
                self.store = HistoryStore.open(self.db)
            except HistoryError as exc:
                self.problem = str(exc)
        return self.store

    def session(self, result, kind: str, source: str | None = None, started=None):
        import os

        from hingecheck.history.store import NOW_ENV, now, session_from_result

        when = now() if started is None or os.environ.get(NOW_ENV) else started
        return session_from_result(result, kind=kind, athlete=self.athlete, started=when, source=source)

    def add(self, session) -> None:
        """Store one session (one transaction); a problem is remembered, not raised."""
        from hingecheck.history.store import HistoryError

        store = self._open()
        if store is None:
            return
        try:
            self.saved.append(store.add(session))
        except HistoryError as exc:
            self.problem = str(exc)

    def earlier(self, exercise: str) -> list:
        """This athlete's stored sessions of ``exercise``, oldest first ([] on a problem)."""
        from hingecheck.history.store import Filter, HistoryError

        store = self._open()
        if store is None:
            return []
        try:
            return store.sessions(Filter(athlete=self.athlete, exercise=exercise))
        except HistoryError as exc:
            self.problem = str(exc)
            return []

    def close(self, quiet: bool = False) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None
        if self.problem is not None:
            typer.echo(f"warning: history not saved: {self.problem}", err=True)
        elif self.saved and not quiet:
            typer.echo(
                f"history: {len(self.saved)} session{'' if len(self.saved) == 1 else 's'} of "
                f"{self.athlete} kept in {self.store_path()}",
                err=True,
            )

    def store_path(self) -> Path:
        from hingecheck.history.store import default_path

        return Path(self.db) if self.db is not None else default_path()


@app.command(cls=_Command)
def landmarks(
    clip: str = typer.Argument(..., help="A video file, an image, or a quoted glob of images."),
    out: Path = typer.Option(..., "-o", "--out", help="Output file: .npz (arrays) or .csv (one row per frame)."),
    model: Optional[Path] = ModelOpt,
    max_width: int = MaxWidthOpt,
    max_fps: float = MaxFpsOpt,
    mirror_tta: bool = MirrorTtaOpt,
    people: int = PeopleOpt,
    no_masks: bool = typer.Option(False, "--no-masks", help="Skip the segmentation mask (no back profile)."),
    no_cache: bool = NoCacheOpt,
) -> None:
    """Export a clip's pose landmarks (pixels, visibility, world metres, timestamps)."""
    from hingecheck.pose.export import FORMATS, export_landmarks
    from hingecheck.pose.landmarker import PoseSettings, estimate_clip

    if out.suffix.lower() not in FORMATS:
        fail(f"{out}: unknown output format {out.suffix!r} (use .npz or .csv)", EXIT_USAGE)
    _check_counts(max_width)
    _check_model(model)
    _check_out(out)
    settings = PoseSettings(
        max_width=max_width, max_fps=max_fps, masks=not no_masks, mirror_tta=mirror_tta, num_poses=people
    )
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
        fail(_said(exc))
    typer.echo(f"{clip}: {series.n_frames} frames, person found in {series.detected_fraction:.0%} -> {out}")


@app.command(cls=_Command)
def score(
    paths: List[str] = typer.Argument(..., help="Clips, folders of clips, or quoted globs."),
    exercise: Optional[str] = ExerciseOpt,
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write results here (atomically) instead of stdout."),
    fmt: Optional[str] = typer.Option(
        None, "--format", "-f", help="json | jsonl | csv (default: from --out's extension, else json)."
    ),
    recursive: bool = typer.Option(False, "--recursive", "-r", help="Descend into sub-folders."),
    jobs: int = typer.Option(0, "--jobs", "-j", help="Worker processes (0, the default: one per core)."),
    timeout: float = typer.Option(
        3600.0, "--timeout", help="Seconds one clip may take before it is reported and skipped (0 = no limit)."
    ),
    resume: bool = typer.Option(False, "--resume", help="Skip clips already scored in --out."),
    config: Optional[Path] = typer.Option(None, "--config", help="A thresholds TOML overriding the shipped one."),
    model: Optional[Path] = ModelOpt,
    max_width: int = MaxWidthOpt,
    max_fps: float = MaxFpsOpt,
    mirror_tta: bool = MirrorTtaOpt,
    people: int = PeopleOpt,
    no_cache: bool = NoCacheOpt,
    engine: str = typer.Option(
        "local", "--engine", help="local (process pool) | ray (Ray tasks; pip install 'hingecheck\\[ray]')."
    ),
    ray_address: Optional[str] = typer.Option(
        None, "--ray-address", help="An existing Ray cluster (default: start a local Ray)."
    ),
    athlete: Optional[str] = AthleteOpt,
    no_history: bool = NoHistoryOpt,
    db: Optional[Path] = DbOpt,
) -> None:
    """Score clips: reps, verdicts, faults and angles, as JSON, JSON Lines or CSV.

    Each clip scored is one session in the training history (unless --no-history).

    Exit code 0 when every clip was scored, 1 when some failed, 2 for usage errors.
    """
    from hingecheck.cli import batch
    from hingecheck.pose.landmarker import PoseSettings

    _check_counts(max_width, jobs)
    _check_model(model)
    clips, problems, previous, writer = _score_inputs(
        paths, exercise, out, fmt, recursive, resume, config, engine, timeout
    )
    job_list = [
        batch.ScoreJob(
            path=c,
            exercise=exercise or batch.exercise_for(c),
            config=str(config) if config else None,
            model=str(model) if model else None,
            settings=PoseSettings(max_width=max_width, max_fps=max_fps, mirror_tta=mirror_tta, num_poses=people),
            use_cache=not no_cache,
            timeout_s=timeout,
        )
        for c in clips
    ]
    history = _History(db, athlete, not no_history)
    interrupted = _run_jobs(job_list, writer, history, engine, ray_address, jobs)
    history.close(quiet=not sys.stderr.isatty())
    try:
        text = writer.close(write=bool(writer.new) or not interrupted)  # Ctrl-C before any result: as it was
    except OSError as exc:  # a full disk: the previous output, if any, is untouched (atomic write)
        fail(f"{out}: cannot write ({exc.strerror or exc}); nothing was overwritten")
    if text is not None:
        typer.echo(text, nl=False)
    new = writer.new
    _print_totals(writer.clips, new, interrupted, to_stderr=out is None or not sys.stdout.isatty())
    if interrupted:
        typer.echo(f"interrupted: {len(new)} of {len(job_list)} clips finished and kept", err=True)
        raise typer.Exit(130)
    failed = any(c["status"] != "ok" for c in new) or bool(problems)
    raise typer.Exit(EXIT_SOME_FAILED if failed else 0)


def _score_inputs(paths, exercise, out, fmt, recursive, resume, config, engine, timeout):
    """Check ``score``'s options (usage errors exit 2 before any work), expand the inputs
    (problems printed, kept for the exit code), drop clips already in ``out`` with ``--resume``;
    returns ``(clips, problems, previous results, writer)``."""
    from hingecheck.cli import batch, output

    _check_exercise(exercise)
    if fmt in output.FORMATS:  # an unknown one is said below
        _check_format_matches_out(out, fmt)
    fmt = output.format_for(out, fmt)
    if fmt not in output.FORMATS:
        fail(f"unknown format {fmt!r} (choose from {', '.join(output.FORMATS)})", EXIT_USAGE)
    if engine not in ("local", "ray"):
        fail(f"unknown engine {engine!r} (choose local or ray)", EXIT_USAGE)
    if resume and out is None:
        fail("--resume needs --out", EXIT_USAGE)
    if timeout < 0:
        fail("--timeout must be 0 (no limit) or more seconds", EXIT_USAGE)
    if config is not None and not config.is_file():
        fail(f"{config}: no such config file", EXIT_USAGE)
    _check_out(out)
    if out is not None and fmt == "csv":
        _check_out(output.clips_csv_path(out))
    clips, problems = batch.expand_inputs(paths, recursive=recursive)
    for note in () if recursive else batch.left_in_subfolders(paths):
        typer.echo(f"note: {note}", err=True)
    _check_config(config, {exercise or batch.exercise_for(c) for c in clips})
    for p in problems:
        typer.echo(f"error: {p}", err=True)
    previous = None
    if resume and out is not None:
        from hingecheck.atomic import is_stream

        if is_stream(out):
            fail(f"{out}: --resume reads the results back, and this is a pipe or device", EXIT_USAGE)
        try:
            previous = [c for c in output.read_done(out, fmt) if c.get("status") == "ok"]
        except (ValueError, OSError, KeyError) as exc:
            fail(f"{out}: cannot resume from it ({exc})", EXIT_USAGE)
    order = clips
    if previous is not None:
        clips = output.not_done(clips, previous, out)
    try:
        writer = output.ResultWriter(out, fmt, previous, order=order)
    except OSError as exc:
        fail(f"{out}: cannot write ({exc.strerror or exc})", EXIT_USAGE)
    return clips, problems, previous, writer


def _run_jobs(job_list, writer, history: _History, engine: str, ray_address, jobs: int) -> bool:
    """Run the clips (process pool or Ray), each result into the writer and, when scored, the
    history; progress on a terminal, failures as one line each otherwise. True if interrupted."""
    from hingecheck.cli import batch

    display = _BatchDisplay(len(job_list)) if sys.stderr.isatty() else None
    try:
        if display:
            display.start()
        on_progress = display.update if display else None
        if engine == "ray":
            results = batch.run_ray(job_list, address=ray_address, workers=jobs or None, on_progress=on_progress)
        else:
            results = batch.run_local(job_list, workers=jobs or None, on_progress=on_progress)
        for result in results:
            try:
                writer.add(result)
            except OSError as exc:  # a full disk under JSON Lines: the lines written before stay
                results.close()  # stops the workers
                history.close()
                if writer.path is None:  # stdout's reader went away (``| head``): nothing to keep
                    with contextlib.suppress(OSError):
                        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no flush error at exit
                    fail(f"stdout: cannot write ({exc.strerror or exc})")
                fail(
                    f"{writer.path}: cannot write ({exc.strerror or exc}); the clips written before are kept (--resume)"
                )
            if result["status"] == "ok":  # one session per clip, written here in the parent
                history.add(history.session(result, "score"))
            elif not display:
                typer.echo(f"error: {result['file']}: {result['error']}", err=True)
    except KeyboardInterrupt:
        return True
    except batch.EngineError as exc:
        if display:
            display.stop()
        writer.close(write=False)  # nothing was scored: the last run's output stays as it was
        history.close()
        fail(str(exc), EXIT_USAGE)
    finally:
        if display:
            display.stop()
    return False


class _BatchDisplay:
    """A rich live display for a terminal: clips done / total, frames/s, ETA, file per worker."""

    def __init__(self, total: int):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn("[bold]clips"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[fps]:.0f} frames/s"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[current]}"),
            console=Console(stderr=True),
            transient=True,
        )
        self.task = self.progress.add_task("clips", total=total, fps=0.0, current="")

    def start(self) -> None:
        self.progress.start()

    def stop(self) -> None:
        self.progress.stop()

    def update(self, state) -> None:
        current = "  ".join(f"{Path(c).name} {d}/{t or '?'}" for c, d, t in state.current.values())
        self.progress.update(self.task, completed=state.done, fps=state.fps, current=current)


def _print_totals(clips: list[dict], new: list[dict], interrupted: bool, to_stderr: bool) -> None:
    """A table per clip and the totals; on stderr when stdout carries the data or is not a terminal.

    Without a terminal, each failed clip has had its ``error:`` line as it finished (``_run_jobs``)
    and is not listed again; after Ctrl-C the ``interrupted:`` line gives the count instead."""
    from collections import Counter

    from rich.console import Console
    from rich.table import Table

    from hingecheck.core.exercise import CHOSEN_PREFIX

    console = Console(stderr=to_stderr)
    # auto's choice is in each clip's JSON and the table's exercise column: one line for the run here.
    chosen = sum(any(w.startswith(CHOSEN_PREFIX) for w in c.get("warnings") or ()) for c in new)
    new = [{**c, "warnings": [w for w in c.get("warnings") or () if not w.startswith(CHOSEN_PREFIX)]} for c in new]
    if chosen:
        Console(stderr=True).print(
            f"{chosen} clip(s) judged as deadlifts: a pull from the floor was seen (--exercise chooses)",
            highlight=False,
            soft_wrap=True,
        )
    if not console.is_terminal and to_stderr:
        ok = sum(c["status"] == "ok" for c in new)
        if not interrupted:
            console.print(
                f"scored {ok} of {len(new)} clips" + ("" if ok == len(new) else f", {len(new) - ok} failed"),
                highlight=False,
                soft_wrap=True,
            )
        for c in new:
            for w in c.get("warnings") or ():
                console.print(f"warning: {c['file']}: {w}", highlight=False, soft_wrap=True)
        return
    for c in new:
        for w in c.get("warnings") or ():
            Console(stderr=True).print(f"warning: {c['file']}: {w}", highlight=False, soft_wrap=True)
    table = Table(title="hingecheck score")
    for col in ("clip", "exercise", "view", "reps", "verdict", "score"):
        table.add_column(col, justify="right" if col in ("reps", "score") else "left")
    for c in clips:
        if c["status"] == "ok":
            table.add_row(
                Path(c["file"]).name,
                c["exercise"],
                c["view"],
                str(len(c["reps"])),
                c["verdict"] or "",
                "" if c["score"] is None else f"{float(c['score']):.0f}",
            )
        else:
            table.add_row(Path(c["file"]).name, c.get("exercise") or "", "", "", "[red]error[/red]", "")
    console.print(table)
    verdicts = Counter(c["verdict"] for c in clips if c["status"] == "ok")
    reps = sum(len(c["reps"]) for c in clips if c["status"] == "ok")
    console.print(
        f"{len(clips)} clips, {reps} reps; verdicts: " + ", ".join(f"{v} {n}" for v, n in verdicts.most_common()),
        highlight=False,
    )
    if sys.stderr.isatty():  # otherwise each had its error: line as it finished
        for c in clips:
            if c["status"] != "ok":
                console.print(f"[red]failed[/red]: {c['file']}: {c['error']}", highlight=False, soft_wrap=True)


@app.command(cls=_Command)
def review(
    clip: str = typer.Argument(..., help="The clip to review."),
    out: Path = typer.Option(
        Path("review"), "--out", "-o", help="Folder for annotated.mp4, report.html, result.json, reps.csv."
    ),
    exercise: Optional[str] = ExerciseOpt,
    config: Optional[Path] = typer.Option(None, "--config", help="A thresholds TOML overriding the shipped one."),
    model: Optional[Path] = ModelOpt,
    max_width: int = MaxWidthOpt,
    max_fps: float = MaxFpsOpt,
    mirror_tta: bool = MirrorTtaOpt,
    people: int = PeopleOpt,
    no_cache: bool = NoCacheOpt,
    play: bool = typer.Option(
        False, "--play", help="Study the clip in a window instead: pause, step, jump to a rep, slow down."
    ),
    athlete: Optional[str] = AthleteOpt,
    no_history: bool = NoHistoryOpt,
    db: Optional[Path] = DbOpt,
) -> None:
    """Review a clip for a coach: annotated video, an HTML report to send, result.json and reps.csv.

    The review is kept in the training history (unless --no-history), and the report shows the
    athlete's progress when there are earlier sessions."""
    from hingecheck.cli import batch
    from hingecheck.cli.review import review_clip
    from hingecheck.pose.landmarker import PoseSettings

    _check_exercise(exercise)
    _check_counts(max_width)
    _check_model(model)
    _check_config(config, {exercise or batch.exercise_for(clip)})
    if play:
        _check_display("leave out --play to write the annotated video and report")
    else:
        _check_out_folder(out)
    settings = PoseSettings(max_width=max_width, max_fps=max_fps, mirror_tta=mirror_tta, num_poses=people)
    if play:
        _play(clip, exercise or batch.exercise_for(clip), config, model, settings, no_cache)
        return
    history = _History(db, athlete, not no_history)
    this: list = []

    def trend(result) -> dict | None:
        """The report's progress section: this athlete's earlier sessions of the exercise and this one."""
        from hingecheck.history.trend import table_rows, trend_plot

        session = history.session(result, "review", source=str(clip))
        this.append(session)
        earlier = history.earlier(result.exercise)
        if not earlier:
            return None
        shown = earlier[-9:] + [session]
        columns = ("date", "kind", "source", "reps", "verdict", "% neutral", "peak spine °", "most common fault")
        plotted = any(s.pct_neutral is not None or s.peak_spine_deg is not None for s in earlier + [session])
        return {
            "athlete": history.athlete,
            "columns": columns,
            "text_columns": ("date", "kind", "source", "verdict", "most common fault"),
            "rows": table_rows(shown, columns),
            "plot": trend_plot(
                earlier + [session], highlight_last=True, title=f"{history.athlete}: {len(earlier) + 1} sessions"
            )
            if plotted  # no session with a judged rep: two empty panels say nothing
            else None,
        }

    bar, update = _progress_bar(Path(clip).name)
    try:
        if bar is not None:
            bar.start()
        try:
            outputs = review_clip(
                clip,
                out,
                exercise or batch.exercise_for(clip),
                config,
                model,
                cache=_cache(no_cache),
                settings=settings,
                progress=(lambda stage, d, t: update(d, t)) if update else None,
                trend=trend if not no_history else None,
            )
        finally:
            if bar is not None:
                bar.stop()
    except _expected_errors() as exc:
        history.close(quiet=True)
        fail(_said(exc))
    for session in this:
        history.add(session)
    c = outputs.clip
    _say_warnings(clip, c.warnings)
    n = len(c.reps)
    said = f"{(c.verdict or '').replace('_', ' ')}, {n} rep{'' if n == 1 else 's'}"
    said += f" ({c.why})" if c.why else ""
    typer.echo(f"{clip}: {said}; report {outputs.report}, video {outputs.video}")
    history.close()


def _play(clip, exercise, config, model, settings, no_cache) -> None:
    from hingecheck.cli.player import Player
    from hingecheck.core.analysis import analyze, thresholds_for
    from hingecheck.core.exercise import check_config
    from hingecheck.pose.landmarker import estimate_clip

    try:
        check_config(config, exercise)  # a bad file fails before the pose
        series = estimate_clip(clip, model=model, settings=settings, cache=_cache(no_cache))
        th, chosen = thresholds_for(series, exercise, config)
        result = analyze(series, config=th, file=str(clip), notes=chosen)
        _say_warnings(clip, result.warnings)
        if result.why:  # what the window will not show: why there is no verdict on the form
            typer.echo(f"{clip}: {result.verdict.replace('_', ' ')} ({result.why})")
        stopped = Player(clip, series, result).run()
        typer.echo(f"stopped at frame {stopped + 1} of {series.n_frames} ({stopped / (series.fps or 30.0):.2f} s)")
    except _expected_errors() as exc:
        fail(_said(exc))


@app.command(cls=_Command)
def evaluate(
    labels: List[Path] = typer.Argument(
        ..., help="labels.csv files (file,label,view,fault_from_caption), one per source."
    ),
    exercise: Optional[str] = ExerciseOpt,
    config: Optional[Path] = typer.Option(None, "--config", help="A thresholds TOML overriding the shipped one."),
    model: Optional[Path] = ModelOpt,
    max_width: int = MaxWidthOpt,
    max_fps: float = MaxFpsOpt,
    mirror_tta: bool = MirrorTtaOpt,
    people: int = PeopleOpt,
    jobs: int = typer.Option(0, "--jobs", "-j", help="Worker processes for pose inference (0 = one per core)."),
    loso: bool = typer.Option(
        True, "--loso/--no-loso", help="Also score each source with thresholds chosen on the others."
    ),
    clips: bool = typer.Option(False, "--clips", help="List every clip's verdict against its label."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write everything as JSON here."),
) -> None:
    """Accuracy on labelled clips: per-clip verdicts, confusion matrix, per-fault precision and
    recall, the share not judged, and leave-one-source-out."""
    from hingecheck.cli import batch
    from hingecheck.core.config import ConfigError
    from hingecheck.core.evaluate import read_labels, unique_clips
    from hingecheck.pose.landmarker import PoseSettings

    _check_exercise(exercise)
    _check_counts(max_width, jobs)
    _check_model(model)
    try:
        rows, duplicates = unique_clips(read_labels(labels))
    except ConfigError as exc:
        fail(str(exc), EXIT_USAGE)
    _check_config(config, {exercise or batch.exercise_for(str(r.path)) for r in rows})
    if out is not None and out.suffix.lower().lstrip(".") in FORMAT_EXTENSIONS and out.suffix.lower() != ".json":
        fail(f"{out}: evaluate writes JSON; name it .json", EXIT_USAGE)
    _check_out(out)
    missing = [r for r in rows if not r.path.is_file()]
    for r in missing:
        typer.echo(f"error: {r.path}: no such file (listed in {r.listed_in})", err=True)
    rows = [r for r in rows if r.path.is_file()]
    settings = PoseSettings(max_width=max_width, max_fps=max_fps, mirror_tta=mirror_tta, num_poses=people)
    job_list = [
        batch.ScoreJob(
            path=str(r.path),
            exercise=exercise or batch.exercise_for(str(r.path)),
            config=str(config) if config else None,
            model=str(model) if model else None,
            settings=settings,
        )
        for r in rows
    ]
    from hingecheck.cli.evaluation_report import run_evaluation

    try:
        run_evaluation(rows, job_list, jobs or None, loso=loso, list_clips=clips, out=out, duplicates=duplicates)
    except KeyboardInterrupt:
        fail("interrupted", 130)
    raise typer.Exit(EXIT_SOME_FAILED if missing else 0)


@app.command(cls=_Command)
def compare(
    before: str = typer.Argument(..., help="The earlier clip."),
    after: str = typer.Argument(..., help="The later clip."),
    out: Path = typer.Option(
        Path("compare"), "--out", "-o", help="Folder for compare.mp4, compare.html, compare.json."
    ),
    exercise: Optional[str] = ExerciseOpt,
    model: Optional[Path] = ModelOpt,
    max_fps: float = MaxFpsOpt,
    people: int = PeopleOpt,
    no_cache: bool = NoCacheOpt,
) -> None:
    """Before / after: two clips side by side, aligned on the bottom of each rep, curves on one plot."""
    from hingecheck.cli import batch
    from hingecheck.cli.compare import compare_clips
    from hingecheck.pose.landmarker import PoseSettings

    _check_exercise(exercise)
    _check_model(model)
    _check_out_folder(out)
    try:
        paths = compare_clips(
            before,
            after,
            out,
            exercise or batch.exercise_for(before),
            model,
            cache=_cache(no_cache),
            settings=PoseSettings(max_fps=max_fps, num_poses=people),
        )
    except _expected_errors() as exc:
        fail(_said(exc))
    for clip, result in zip((before, after), paths["results"]):
        _say_warnings(clip, result.warnings)
    typer.echo(f"{before} vs {after}: {paths['html']}, {paths['video']}")


@app.command(cls=_Command)
def live(
    camera: Optional[int] = typer.Option(None, "--camera", help="Webcam index (default 0 when no --source)."),
    source: Optional[str] = typer.Option(None, "--source", help="Play a clip as if it were the camera."),
    exercise: Optional[str] = typer.Option(
        None,
        "--exercise",
        "-e",
        help="hinge | good_morning | deadlift | kb_swing | auto (default: with --source, as a labels.json beside the clip says, else auto: deadlift once a pull from the floor is seen).",
    ),
    mirror: bool = typer.Option(False, "--mirror", help="Show the picture mirrored, like a mirror on the wall."),
    record: Optional[Path] = typer.Option(None, "--record", help="Also write the annotated session to this MP4."),
    no_audio: bool = typer.Option(False, "--no-audio", help="No tones, no spoken cues."),
    no_window: bool = typer.Option(False, "--no-window", help="No window (print the summary only)."),
    hold: float = typer.Option(
        10.0,
        "--hold",
        min=0.0,
        help="When a --source clip ends, keep its last verdict and the set's summary in the window this many seconds, or until a key is pressed (0: close at once).",
    ),
    summary: Optional[Path] = typer.Option(None, "--summary", help="Write the session summary here as JSON."),
    model: Optional[Path] = ModelOpt,
    people: int = PeopleOpt,
    athlete: Optional[str] = AthleteOpt,
    no_history: bool = NoHistoryOpt,
    db: Optional[Path] = DbOpt,
) -> None:
    """Live coach: skeleton, dowel, angles, rep counter and one cue at a time, heard as well as seen.

    The session is kept in the training history when it ends (unless --no-history)."""
    _check_exercise(exercise)
    if camera is not None and source is not None:
        fail("give --camera or --source, not both", EXIT_USAGE)
    _check_model(model)
    _check_out(record, "--record")
    if record is not None:
        from hingecheck.atomic import is_stream

        if is_stream(record):  # the MP4 muxer goes back to write its index: it needs a file
            fail(f"{record}: --record must be a file, and this is a pipe or device", EXIT_USAGE)
    _check_out(summary, "--summary")
    if not no_window:
        _check_display("use --no-window")
    from hingecheck.cli import batch
    from hingecheck.cli.live import run_live
    from hingecheck.history.store import parse_time

    if exercise is None:  # a clip played as the camera gets the exercise score gives it
        exercise = batch.exercise_for(source) if source is not None else "auto"

    if not no_audio:
        from hingecheck.render.audio import sound_problem

        problem = sound_problem()
        if problem is not None:  # the lifter would wait for a cue that never comes
            typer.echo(f"note: {problem} (--no-audio to go without)", err=True)

    try:
        session = run_live(
            source if source is not None else (camera or 0),
            exercise,
            mirror,
            str(record) if record else None,
            not no_audio,
            not no_window,
            str(summary) if summary else None,
            str(model) if model else None,
            hold_s=hold,
            people=people,
        )
    except _expected_errors() as exc:
        fail(_said(exc))
    typer.echo(session.text())
    if not no_history and session.result is not None:
        history = _History(db, athlete, True)
        where = source if source is not None else f"camera {camera or 0}"
        history.add(history.session(session.result, "live", source=where, started=parse_time(session.started)))
        history.close()
    if session.unsaved is not None:  # the summary above is all there is of it
        fail(session.unsaved)


history_app = typer.Typer(
    cls=_Group, help="The training history: sessions over time, a trend plot, export, delete.", no_args_is_help=False
)
app.add_typer(history_app, name="history")


def _date_option(value: str | None, name: str):
    """``YYYY-MM-DD`` → date; anything else is a usage error (exit 2) in one line."""
    from hingecheck.history.store import parse_date

    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueError as exc:
        fail(f"{name}: {exc}", EXIT_USAGE)


def _open_history(db: Path | None):
    """The history store for ``history`` commands, or None when the file does not exist yet."""
    from hingecheck.history.store import HistoryError, HistoryStore, default_path

    path = Path(db) if db is not None else default_path()
    if not path.exists():
        return path, None
    try:
        return path, HistoryStore.open(path)
    except HistoryError as exc:
        fail(str(exc))


@history_app.callback(invoke_without_command=True)
def history(
    ctx: typer.Context,
    athlete: Optional[str] = typer.Option(
        None, "--athlete", help="Only this athlete's sessions (default: everyone's)."
    ),
    since: Optional[str] = typer.Option(
        None, "--since", help="Only sessions on or after this date (YYYY-MM-DD, local time)."
    ),
    until: Optional[str] = typer.Option(
        None, "--until", help="Only sessions on or before this date (YYYY-MM-DD, local time)."
    ),
    exercise: Optional[str] = typer.Option(None, "--exercise", "-e", help="Only this exercise."),
    fmt: str = typer.Option(
        "table", "--format", "-f", help="table | json (sessions with every rep) | csv (one row per session)."
    ),
    out: Optional[Path] = typer.Option(
        None, "--out", "-o", help="Write the json / csv export here (atomically) instead of stdout."
    ),
    plot: Optional[Path] = typer.Option(
        None,
        "--plot",
        help="Write the trend plot here (PNG): % neutral reps and peak spine flexion per session, each exercise its own.",
    ),
    db: Optional[Path] = DbOpt,
) -> None:
    """Training history: sessions over time (date, exercise, reps, % neutral, most common fault),
    a table per exercise.

    A trend plot with --plot (each exercise its own trend); --format json|csv to export;
    `hingecheck history delete` removes sessions.
    """
    if ctx.invoked_subcommand is not None:
        return
    import json

    from hingecheck.atomic import write_bytes, write_text
    from hingecheck.history.store import SCHEMA_VERSION, Filter, HistoryError
    from hingecheck.history.trend import to_csv, trend_plot

    _check_exercise(exercise, auto=False)
    which = Filter(
        athlete=athlete, exercise=exercise, since=_date_option(since, "--since"), until=_date_option(until, "--until")
    )
    if fmt not in ("table", "json", "csv"):
        fail(f"unknown format {fmt!r} (choose from table, json, csv)", EXIT_USAGE)
    if out is not None and fmt == "table":
        suffix = out.suffix.lower().lstrip(".")
        if suffix not in ("json", "csv"):
            fail(f"{out}: --out needs --format json or csv (or a .json / .csv name)", EXIT_USAGE)
        fmt = suffix
    _check_format_matches_out(out, fmt)
    _check_out(out)
    _check_out(plot, "--plot")
    path, store = _open_history(db)
    sessions = []
    if store is not None:
        try:
            sessions = store.sessions(which)
        except HistoryError as exc:
            fail(str(exc))
        finally:
            store.close()
    try:
        if fmt == "table":
            _history_table(sessions, path, store is None)
        else:
            text = (
                (
                    json.dumps(
                        {"history_schema": SCHEMA_VERSION, "sessions": [s.to_dict() for s in sessions]}, indent=2
                    )
                    + "\n"
                )
                if fmt == "json"
                else to_csv(sessions)
            )
            if out is None:
                typer.echo(text, nl=False)
            else:
                write_text(out, text)
        if plot is not None:
            if sessions:
                write_bytes(plot, trend_plot(sessions))
                typer.echo(f"trend plot: {plot}", err=True)
            else:
                typer.echo(f"no sessions to plot: {plot} not written", err=True)
    except OSError as exc:
        fail(f"{exc.filename or out or plot}: cannot write ({exc.strerror or exc})")


def _history_table(sessions: list, path: Path, missing: bool) -> None:
    """The sessions as a table per exercise (in time order), each followed by its line of totals:
    sessions, reps, judged reps and the percent of them that were neutral."""
    from rich.console import Console
    from rich.table import Table

    from hingecheck.history.trend import COLUMNS, by_exercise, table_rows

    console = Console()
    if not console.is_terminal:
        console = Console(width=160)
    if not sessions:
        console.print(
            f"no sessions{' (no history file at ' + str(path) + ' yet)' if missing else ''}",
            highlight=False,
            soft_wrap=True,
        )
        return
    numeric = {"id", "reps", "% neutral", "peak spine °"}
    for exercise, group in by_exercise(sessions).items():
        name = exercise.replace("_", " ")
        table = Table(title=f"hingecheck history ({path}): {name}")
        for c in COLUMNS:
            table.add_column(c, justify="right" if c in numeric else "left")
        for row in table_rows(group):
            table.add_row(*row)
        console.print(table)
        reps = sum(s.n_reps for s in group)
        judged = sum(s.judged for s in group)
        neutral = sum(r.verdict == "neutral" for s in group for r in s.reps)
        line = f"{name}: {len(group)} session{'' if len(group) == 1 else 's'}, {reps} rep{'' if reps == 1 else 's'}"
        if judged:
            line += f", {judged} judged: {100 * neutral / judged:.0f}% neutral"
        console.print(line, highlight=False, soft_wrap=True)


@history_app.command("delete", cls=_Command)
def history_delete(
    ids: Optional[List[int]] = typer.Option(None, "--id", help="A session id (as the table shows); repeat for more."),
    athlete: Optional[str] = typer.Option(None, "--athlete", help="Sessions of this athlete."),
    since: Optional[str] = typer.Option(None, "--since", help="Sessions on or after this date (YYYY-MM-DD)."),
    until: Optional[str] = typer.Option(None, "--until", help="Sessions on or before this date (YYYY-MM-DD)."),
    exercise: Optional[str] = typer.Option(None, "--exercise", "-e", help="Sessions of this exercise."),
    everything: bool = typer.Option(False, "--all", help="Every session (the file stays, empty)."),
    db: Optional[Path] = DbOpt,
) -> None:
    """Delete sessions (and their reps) from the history; the selectors combine (and). Says how many."""
    from hingecheck.history.store import Filter, HistoryError

    _check_exercise(exercise, auto=False)
    which = Filter(
        athlete=athlete,
        exercise=exercise,
        since=_date_option(since, "--since"),
        until=_date_option(until, "--until"),
        ids=tuple(ids or ()),
    )
    if which.is_empty() and not everything:
        fail("say which sessions to delete (--id, --athlete, --exercise, --since, --until) or --all", EXIT_USAGE)
    if everything and not which.is_empty():
        fail("--all deletes every session: give it alone", EXIT_USAGE)
    path, store = _open_history(db)
    if store is None:
        typer.echo(f"deleted 0 sessions (no history file at {path})")
        return
    try:
        n, reps = store.delete(which)
    except HistoryError as exc:
        fail(str(exc))
    finally:
        store.close()
    typer.echo(f"deleted {n} session{'' if n == 1 else 's'} ({reps} rep{'' if reps == 1 else 's'}) from {path}")


@app.command(cls=_Command)
def synth(
    out_dir: Path = typer.Argument(Path("sample_videos"), help="Folder for the clips, labels.json and ground truth."),
) -> None:
    """Render the synthetic sample clips (deterministic) with their labels and ground truth."""
    from hingecheck.synth import make_samples

    written = make_samples(out_dir)
    typer.echo(f"wrote {len(written)} clips to {out_dir}")


if __name__ == "__main__":  # pragma: no cover
    app()
