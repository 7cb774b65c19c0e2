"""Batch scoring: many clips, one worker process per core for the whole batch, results streamed to a writer.

The per-clip function :func:`score_clip` is the unit of work for every engine (in-process,
the local process pool, Ray). It never raises for a foreseeable problem: a clip that cannot be
read comes back as a ``status: "error"`` result with a one-line reason, and the batch goes on.
"""

from __future__ import annotations

import contextlib
import functools
import glob as globlib
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Iterator

from hingecheck.pose.chunks import default_threads
from hingecheck.pose.landmarker import PoseError, PoseSettings
from hingecheck.pose.sources import IMAGE_EXTENSIONS, VIDEO_EXTENSIONS, SourceError

#: Test hook: a pool worker given a clip whose name contains this variable's value aborts, the
#: way a crash inside the pose library kills it (no other way to crash one on demand).
CRASH_TEST_ENV = "HINGECHECK_TEST_ABORT_ON"
#: How often a worker reports frames done (frames).
PROGRESS_EVERY = 16


@dataclass(frozen=True)
class ScoreJob:
    """Everything a worker needs to score one clip (picklable)."""

    path: str
    exercise: str = "auto"  # a profile, or "auto" (core/exercise.py)
    config: str | None = None  # a thresholds TOML overriding the shipped one
    model: str | None = None
    settings: PoseSettings = field(default_factory=PoseSettings)
    cache_dir: str | None = None  # None: no landmark cache
    use_cache: bool = True
    timeout_s: float = 0.0  # per clip; 0 = none. A clip that takes longer is reported and skipped
    #: Chunks of a long clip inferred at once (pose/chunks.py); None: every core this process may
    #: use. A pool of workers gives each its share of the cores, so two workers with long clips run
    #: two landmarkers, not four (about 80 MB each, and no faster on two cores).
    threads: int | None = None


class ClipTimeout(Exception):
    """A clip took longer than its :attr:`ScoreJob.timeout_s`."""


@contextlib.contextmanager
def _deadline(seconds: float):
    """Raise :class:`ClipTimeout` in this (main) thread after ``seconds`` (SIGALRM; checked
    between frames, so a clip stuck inside one native call is caught by the pool's crash
    handling instead). No-op for 0, off the main thread, or without SIGALRM. Yields a function
    that starts the clock again (a second pass of the pose model over the clip gets its own time)."""
    import signal
    import threading

    if not seconds or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        yield lambda: None
        return

    def expire(signum, frame):
        raise ClipTimeout()

    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield lambda: signal.setitimer(signal.ITIMER_REAL, seconds)  # start the clock again
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def expand_inputs(paths: Iterable[str], recursive: bool = False) -> tuple[list[str], list[str]]:
    """Files, folders (video extensions only; ``recursive`` descends) and globs (globbed once;
    ``**`` reaches sub-folders only with ``recursive``) → clip paths; a glob whose files are all
    images is one clip (its frames, as ``review`` reads it: :class:`~hingecheck.pose.sources.Images`).

    Returns ``(clips, problems)``: ``problems`` are one-line messages for inputs that matched
    nothing. Order is stable (inputs in order, folder contents sorted); duplicates dropped (the
    same path however typed).
    """
    clips: list[str] = []
    problems: list[str] = []
    for spec in paths:
        spec = str(spec)
        if globlib.has_magic(spec):
            found = sorted(p for p in globlib.glob(spec, recursive=recursive) if Path(p).is_file())
            if not found:
                problems.append(f"{spec}: no files match")
            elif all(Path(p).suffix.lower() in IMAGE_EXTENSIONS for p in found):
                found = [spec]  # one clip, its frames in name order, read as review reads it (pose.sources.Images)
            clips.extend(found)
        elif Path(spec).is_dir():
            found = sorted(str(p) for p in _video_files(spec, "**/*" if recursive else "*"))
            if not found:
                problems.append(f"{spec}: no video files in folder" + ("" if recursive else " (try --recursive)"))
            clips.extend(found)
        else:
            clips.append(spec)  # a missing or unreadable file is reported by score_clip
    # One clip typed two ways (``clip.mp4``, ``./clip.mp4``, its absolute path; a folder and a file
    # in it) is scored once, as first typed; two links to one file stay two clips.
    seen: set[str] = set()
    unique = [c for c in clips if not ((k := _same_file_key(c)) in seen or seen.add(k))]
    return unique, problems


def _video_files(folder: str, pattern: str) -> Iterator[Path]:
    """The video files ``Path(folder).glob(pattern)`` finds (by extension; hidden files left out)."""
    return (
        p
        for p in Path(folder).glob(pattern)
        if p.is_file() and p.suffix.lower() in VIDEO_EXTENSIONS and not p.name.startswith(".")
    )


def left_in_subfolders(paths: Iterable[str]) -> list[str]:
    """One-line notes for the folders among ``paths`` whose sub-folders hold video files that a
    scan without ``recursive`` leaves out (a lab's ``athlete/session/`` tree scored from its top
    gave the top's clips, or none, and said nothing of the rest)."""
    notes = []
    for spec in map(str, paths):
        if globlib.has_magic(spec) or not Path(spec).is_dir() or not any(_video_files(spec, "*")):
            continue  # a folder with no clips of its own already says "try --recursive"
        n = sum(1 for _ in _video_files(spec, "*/**/*"))
        if n:
            notes.append(
                f"{spec}: {n} video file{'' if n == 1 else 's'} in sub-folders not scored (--recursive scores them)"
            )
    return notes


def _same_file_key(path: str) -> str:
    """``path``'s folder resolved (``.``, ``..``, links to folders), its own name kept as typed."""
    head, name = os.path.split(path)
    return os.path.join(os.path.realpath(head or "."), name)


#: A folder of clips may carry this file mapping clip names to ``{"exercise": ...}`` (other keys are
#: ignored): each clip is then scored with its own exercise unless ``--exercise`` is given.
MANIFEST = "labels.json"


def exercise_for(clip: str, default: str = "auto") -> str:
    """The exercise ``MANIFEST`` beside ``clip`` names for it, else ``default``."""
    return _manifest(str(Path(clip).resolve().parent)).get(Path(clip).name, default)


@functools.lru_cache(maxsize=256)
def _manifest(folder: str) -> dict[str, str]:
    import json

    path = Path(folder) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        name: entry["exercise"]
        for name, entry in data.items()
        if isinstance(entry, dict) and isinstance(entry.get("exercise"), str)
    }


def score_clip(job: ScoreJob, progress: Callable[[int, int | None], None] | None = None) -> dict:
    """Score one clip: pose (cached) → analysis. Returns the ``clips[]`` dict of the JSON schema."""
    from hingecheck.core.analysis import analyze, thresholds_for
    from hingecheck.core.config import ConfigError
    from hingecheck.core.exercise import check_config
    from hingecheck.core.results import ClipResult
    from hingecheck.pose.cache import LandmarkCache
    from hingecheck.pose.landmarker import estimate_clip

    try:
        check_config(job.config, job.exercise)  # a bad file fails before the pose
        cache = LandmarkCache(job.cache_dir) if job.use_cache else None
        with _deadline(job.timeout_s) as restart:
            done_so_far = [0]

            def step(done: int, total: int | None) -> None:
                if done < done_so_far[0]:  # a pass starts again from 0: the closer look's second one
                    restart()
                done_so_far[0] = done
                if progress is not None:
                    progress(done, total)

            series = estimate_clip(
                job.path, model=job.model, settings=job.settings, cache=cache, progress=step, threads=job.threads
            )
        if progress is not None:
            progress(len(series.t), len(series.t))  # pose done (also on a cache hit): the rest is the core's
        config, chosen = thresholds_for(series, job.exercise, job.config)
        result = analyze(series, config=config, file=job.path, notes=chosen)
    except ClipTimeout:
        result = _timed_out(job)
    except (SourceError, PoseError, ConfigError) as exc:
        result = ClipResult.failed(job.path, problem(str(exc), job.path))
    except OSError as exc:
        result = ClipResult.failed(job.path, exc.strerror or str(exc))
    except MemoryError:
        result = ClipResult.failed(job.path, "out of memory")
    return result.to_dict()


def problem(message: str, path: str) -> str:
    """``message`` (an error's one line, ``<file>: <problem>``) without ``path``, the clip's own
    name, in front: a result's ``error`` says the problem, its ``file`` the clip (the ``error:``
    line on stderr joins them again). A message naming another file (a thresholds file, the pose
    model, one image of a glob) keeps that name."""
    for name in dict.fromkeys((str(path), str(Path(path)))):  # as typed, and as a Path normalises it
        if message.startswith(f"{name}: "):
            return message[len(name) + 2 :]
    return message


# --- the local worker pool -----------------------------------------------------------------

#: Test hook: a worker given a clip whose name contains this variable's value hangs, the way a
#: native call that never returns does (the in-worker deadline never gets to fire).
HANG_TEST_ENV = "HINGECHECK_TEST_HANG_ON"
#: Test hook: a file each worker appends ``pid clip-name`` to after each clip.
WORKER_LOG_ENV = "HINGECHECK_TEST_WORKER_LOG"
#: Seconds past a clip's ``--timeout``, its pose still running, after which the parent kills the
#: worker (stuck inside one native call, where the worker's own deadline cannot fire) and
#: starts another in its place.
KILL_GRACE_S = 5.0


def _warm_up() -> None:
    """Import what scoring a clip needs (seconds, mostly MediaPipe) before the first clip, so no
    clip's ``--timeout`` pays for it."""
    import hingecheck.core.analysis  # noqa: F401
    import hingecheck.pose.cache  # noqa: F401
    import hingecheck.pose.landmarker  # noqa: F401

    with contextlib.suppress(ImportError):
        from mediapipe.tasks.python import vision  # noqa: F401


def _worker_main(conn) -> None:
    """One worker process for the whole batch: spawned and imported once, then clips one by one
    as the parent sends them (:class:`ScoreJob`; ``None``: stop), sending back
    ``("progress", done, total)`` and ``("result", dict)``.

    Each clip still gets a fresh landmarker (a model load, ~0.1-0.2 s): one kept from clip to clip
    carries VIDEO-mode tracking over, and no cheap reset clears it all (measured on the samples: a
    black frame between clips left landmarks 0.03-0.06 px and back profiles ~1 px off a fresh
    landmarker's, enough to move rounded numbers in 4 of 14 clips; verdicts held)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the workers
    crash_on, hang_on = os.environ.get(CRASH_TEST_ENV), os.environ.get(HANG_TEST_ENV)
    log = os.environ.get(WORKER_LOG_ENV)
    _warm_up()
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if job is None:
            return
        name = os.path.basename(job.path)
        if crash_on and crash_on in name:
            os.abort()  # fault injection: a worker dying the way a native crash kills it

        def report(done: int, total: int | None) -> None:
            conn.send(("progress", done, total))

        report(0, None)  # started: the parent's clock for this clip's timeout runs from here
        while hang_on and hang_on in name:
            time.sleep(60)  # fault injection: a clip stuck in native code
        result = score_clip(job, report)
        if log:
            with open(log, "a", encoding="utf-8") as f:
                f.write(f"{os.getpid()} {name}\n")
        conn.send(("result", result))


@dataclass
class _Worker:
    """The parent's handle on one worker process and the clip it is scoring."""

    proc: object
    conn: object
    job: ScoreJob | None = None
    since: float | None = None  # when the worker started the clip (monotonic s)
    posed: bool = False  # the clip's pose is done (its analysis cannot hang)

    def overdue(self, now: float) -> bool:
        t = self.job.timeout_s if self.job else 0
        return bool(t) and self.since is not None and not self.posed and now - self.since > t + KILL_GRACE_S


def _start_worker(ctx) -> _Worker:
    ours, theirs = ctx.Pipe()
    proc = ctx.Process(target=_worker_main, args=(theirs,), name="hingecheck-worker", daemon=True)
    proc.start()
    theirs.close()
    return _Worker(proc, ours)


def _stop_workers(pool: list[_Worker]) -> None:
    for w in pool:
        if w.job is not None:
            w.proc.kill()  # interrupted mid-clip: nothing of it is kept
        else:
            with contextlib.suppress(OSError):
                w.conn.send(None)
    for w in pool:
        w.proc.join(timeout=10)
        if w.proc.is_alive():
            w.proc.kill()
            w.proc.join()
        w.conn.close()


def _receive(w: _Worker, state: Progress) -> dict | None:
    """Read what worker ``w`` has sent: progress into ``state``; its result, if it sent one."""
    pid = w.proc.pid
    while True:
        try:
            if not w.conn.poll():
                return None
            kind, *msg = w.conn.recv()
        except (EOFError, OSError):
            return None  # it died: the caller sees the process gone
        if kind == "result":
            return msg[0]
        done, total = msg
        if w.since is None:
            w.since = time.monotonic()
        prev = state.current.get(pid, (w.job.path, 0, None))[1]
        if done < prev:  # a new clip, or another pass over this one (the closer look): its own --timeout
            w.since, w.posed, prev = time.monotonic(), False, 0
        state.frames += max(0, done - prev)
        state.current[pid] = (w.job.path, done, total)
        if total is not None and done >= total:
            w.posed = True


def _pool_run(jobs: list[ScoreJob], workers: int, state: Progress, on_progress: Callable[[Progress], None] | None):
    """Generator: score ``jobs`` in this order on ``workers`` processes that live for the whole
    batch (each takes the next clip as it finishes one), yielding results as they come.

    A worker that dies (a native crash) loses only its clip, reported as crashed; one stuck past
    its clip's timeout is killed, its clip reported as timed out; either is replaced while clips
    remain."""
    import multiprocessing as mp
    from collections import deque
    from multiprocessing.connection import wait as wait_any

    ctx = mp.get_context("spawn")  # no fork: MediaPipe and threads do not survive fork
    todo = deque(jobs)
    pool = [_start_worker(ctx) for _ in range(min(workers, len(todo)))]
    share = max(1, default_jobs() // len(pool))  # each worker's cores for a long clip's chunks
    try:
        while todo or any(w.job is not None for w in pool):
            for w in pool:
                if w.job is None and todo:
                    w.job, w.since, w.posed = todo.popleft(), None, False
                    state.current[w.proc.pid] = (w.job.path, 0, None)
                    w.conn.send(w.job if w.job.threads is not None else replace(w.job, threads=share))
            busy = [w for w in pool if w.job is not None]
            wait_any([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=0.2)
            now = time.monotonic()
            for i, w in enumerate(pool):
                if w.job is None:
                    continue
                result = _receive(w, state)
                if result is None:
                    if w.proc.is_alive() and not w.overdue(now):
                        continue
                    result = _timed_out(w.job).to_dict() if w.proc.is_alive() else _crashed(w.job)
                    w.proc.kill()
                    w.proc.join()
                    w.conn.close()
                    pool[i] = _start_worker(ctx)  # a fresh one in its place (idle if nothing is left)
                else:
                    w.job = None
                state.current.pop(w.proc.pid, None)
                _count(state, result)
                if on_progress:
                    on_progress(state)
                yield result
            if on_progress:
                on_progress(state)
    finally:
        _stop_workers(pool)


def _timed_out(job: ScoreJob):
    from hingecheck.core.results import ClipResult

    return ClipResult.failed(job.path, f"timed out after {job.timeout_s:g} s (--timeout)")


def _crashed(job: ScoreJob) -> dict:
    from hingecheck.core.results import ClipResult

    return ClipResult.failed(job.path, "the pose library crashed on this clip (worker process died)").to_dict()


@dataclass
class Progress:
    """What a progress display needs; updated by :func:`run_local` as events arrive."""

    total: int
    done: int = 0
    failed: int = 0
    frames: int = 0
    started: float = field(default_factory=time.monotonic)
    current: dict = field(default_factory=dict)  # worker pid -> (clip, frames done, frames total)

    @property
    def fps(self) -> float:
        dt = time.monotonic() - self.started
        return self.frames / dt if dt > 0 else 0.0


def default_jobs() -> int:
    """One worker per core this process may run on."""
    return default_threads()


def run_local(
    jobs: list[ScoreJob], workers: int | None = None, on_progress: Callable[[Progress], None] | None = None
) -> Iterator[dict]:
    """Score ``jobs`` on ``workers`` processes that live for the whole batch; yield results as
    clips finish.

    With one worker (or one job) everything runs in this process. Closing the iterator (or a
    ``KeyboardInterrupt`` in the consumer) stops the workers.
    """
    workers = workers or default_jobs()
    state = Progress(total=len(jobs))
    if workers <= 1 or len(jobs) <= 1:
        if jobs:
            _warm_up()
        for job in jobs:

            def report(done: int, total: int | None, _job=job) -> None:
                prev = state.current.get(0, (None, 0, None))[1]
                state.frames += max(0, done - prev)
                state.current[0] = (_job.path, done, total)
                if on_progress:
                    on_progress(state)

            result = score_clip(job, report)
            state.current.pop(0, None)
            _count(state, result)
            if on_progress:
                on_progress(state)
            yield result
        return

    # Longest clips first, so no worker is left with a long clip while the others idle.
    yield from _pool_run(sorted(jobs, key=_size, reverse=True), workers, state, on_progress)


def _size(job: ScoreJob) -> int:
    try:
        return os.path.getsize(job.path)
    except OSError:
        return 0


def _count(state: Progress, result: dict) -> None:
    state.done += 1
    if result.get("status") != "ok":
        state.failed += 1


# --- Ray ---------------------------------------------------------------------------------

#: Ray settings that keep a run private and quiet: no usage statistics, no dashboard.
RAY_ENV = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_DISABLE_DOCKER_CPU_WARNING": "1"}


class EngineError(Exception):
    """The chosen engine cannot run (e.g. Ray is not installed or the cluster is unreachable)."""


#: Seconds a cluster address is given to accept a TCP connection, and then to answer as Ray does,
#: before Ray is handed it: Ray's own connection to an address where nothing (or something else)
#: answers retries for minutes, deaf to SIGTERM.
RAY_CONNECT_TIMEOUT_S = 3.0
#: The Ray client's port when ``ray://host`` names none.
RAY_CLIENT_PORT = 10001


def ray_endpoint(address: str) -> tuple[str, int] | None:
    """The ``(host, port)`` Ray would connect to for a cluster ``address`` (``host:port``,
    ``ray://host[:port]``, ``[v6]:port``); None for ``auto`` and ``local`` (found or started by
    Ray on this machine) and for forms Ray itself rejects at once (another scheme, no port)."""
    from urllib.parse import urlsplit

    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "", address
    elif scheme != "ray":
        return None
    try:
        parts = urlsplit("//" + rest)
        host, port = parts.hostname, parts.port
    except ValueError:  # a port that is not a number
        return None
    port = port or (RAY_CLIENT_PORT if scheme == "ray" else None)
    return (host, port) if host and port else None


#: What an HTTP/2 client sends first (RFC 9113, 3.4: the preface, then a SETTINGS frame, here
#: empty); a gRPC server, as Ray's GCS and its client server are, answers with a SETTINGS frame.
_HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0])
_HTTP2_SETTINGS = 4


def check_reachable(address: str, timeout: float = RAY_CONNECT_TIMEOUT_S) -> None:
    """Raise :class:`EngineError` (one line naming ``address``) unless its host accepts a TCP
    connection on its port and answers there as a gRPC server does (an HTTP/2 SETTINGS frame),
    each within ``timeout`` seconds: a closed port, or something else listening, would keep Ray
    retrying for minutes. Addresses :func:`ray_endpoint` does not read are left to Ray, and so is
    the answer with ``RAY_USE_TLS`` set (the connection then starts with TLS)."""
    import socket

    endpoint = ray_endpoint(address)
    if endpoint is None:
        return
    try:
        with socket.create_connection(endpoint, timeout=timeout) as sock:
            if os.environ.get("RAY_USE_TLS", "0").lower() in ("0", "false", ""):
                sock.sendall(_HTTP2_PREFACE)
                head = sock.recv(9)
                if len(head) < 4 or head[3] != _HTTP2_SETTINGS:
                    raise EngineError(f"ray: {address} is not a Ray cluster (it does not answer as one)")
    except TimeoutError:
        raise EngineError(f"ray: cannot reach the cluster at {address} (no answer within {timeout:g} s)") from None
    except OSError as exc:
        raise EngineError(f"ray: cannot reach the cluster at {address} ({exc.strerror or exc})") from None


def run_ray(
    jobs: list[ScoreJob],
    address: str | None = None,
    workers: int | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> Iterator[dict]:
    """Score ``jobs`` as Ray tasks (the same :func:`score_clip`), yielding results as they finish.

    ``address`` is an existing cluster (``ray://host:10001`` or ``auto``); ``None`` starts a
    local Ray for this run with ``workers`` CPUs (default: all) and stops it afterwards. Every
    node needs hingecheck installed (same version). One task per clip, one CPU each, so Ray
    runs one PoseLandmarker per core.
    """
    os.environ.update(RAY_ENV)
    try:
        import ray
    except ImportError:
        raise EngineError("the ray engine needs Ray: pip install 'hingecheck[ray]'") from None
    started_here = not ray.is_initialized()
    if started_here:
        if address:
            check_reachable(address)  # Ray would retry an address where Ray does not answer for minutes
        try:
            kwargs = dict(include_dashboard=False, log_to_driver=False, configure_logging=False)
            if address:
                ray.init(address=address, **kwargs)
            else:
                ray.init(num_cpus=workers or default_jobs(), **kwargs)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise EngineError(f"ray: cannot start or reach the cluster ({' '.join(str(exc).split())[:160]})") from None
    state = Progress(total=len(jobs))
    task = ray.remote(num_cpus=1)(score_clip)
    refs = [task.remote(job) for job in jobs]
    try:
        while refs:
            done, refs = ray.wait(refs, num_returns=1, timeout=0.5)
            for ref in done:
                result = ray.get(ref)
                _count(state, result)
                if on_progress:
                    on_progress(state)
                yield result
            if not done and on_progress:
                on_progress(state)
    finally:
        for ref in refs:
            ray.cancel(ref, force=True)
        if started_here:
            ray.shutdown()
