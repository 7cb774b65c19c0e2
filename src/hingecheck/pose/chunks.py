"""A long clip's pose pass cut into chunks the cores infer side by side.

One ``PoseLandmarker`` keeps about one core busy, and MediaPipe releases the GIL while it
infers: two landmarkers in two threads of one process infer 2.05x as many frames per second
as one (measured here on 1080p frames given at 640 px, 2 cores). A clip longer than 1.5 chunks is
cut into equal chunks of about :attr:`PoseSettings.chunk_s` seconds; each is read by its own
decoder (a seek to the key frame before it) and inferred by its own landmarker, starting
:data:`WARMUP_S` before its first frame so VIDEO-mode tracking has settled by then (those
frames are inferred and dropped). The cut depends on the clip alone, never on how many cores
there are, so a clip gets the same landmarks from ``score``, ``review`` and ``compare`` on any
machine, whether its chunks run one after another or side by side.
"""

from __future__ import annotations

import itertools
import os
import threading
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Callable, TypeVar

import numpy as np

R = TypeVar("R")

#: How often (s) the calling thread reports progress while chunks run.
PROGRESS_EVERY_S = 0.25

#: Seconds of frames inferred before a chunk's first frame and dropped: MediaPipe's tracking
#: and landmark smoothing restart with each landmarker. Measured on a sample clip cut into 6-s
#: chunks, a chunk's first 10 frames against one pass straight through (median joint offset):
#: 1.0-1.2 px without warm-up, 0.5-0.7 px after 0.5 or 1 s, the 0.4-0.6 px the chunks differ by
#: throughout (the tracking never returns to one pass's landmarks exactly).
WARMUP_S = 1.0
#: A clip is cut only when it holds at least this many chunks' worth (``chunk_s``) of frames:
#: a 40-s clip at the default 30-s chunks is read in one pass.
MIN_CHUNKS = 1.5
#: Most chunks a clip is cut into (longer chunks beyond it: a 20-minute clip gets eight of 2.5
#: minutes). Each landmarker started and closed while another runs leaves memory the allocator
#: cannot give back (measured on a 10-minute clip, two threads: 60 chunks grew the resident set
#: by 110 MB over the pass, 4 chunks by 30 MB, about the landmarks themselves).
MAX_CHUNKS = 8
#: A clip longer than this (seconds of analysed frames) is read in one pass, not cut: each
#: landmarker holds about 80 MB (measured here: 199, 280 and 361 MB resident with one, two and
#: three alive), and near the end of a long clip's pass the second one sits on top of the
#: landmarks collected so far (1.2 KB a frame, 130 MB an hour at 30 fps): a one-hour clip cut
#: into chunks peaked at 623 MB where one pass peaks at 540 (issue 14's limit: 600). A 20-minute
#: clip cut peaks near 480 MB.
MAX_CUT_S = 20 * 60.0


@dataclass(frozen=True)
class Chunk:
    """Frames ``first`` to ``stop - 1`` of a clip (analysed-frame indices), inferred from frame
    ``warm`` (``warm <= first``; the frames before ``first`` only settle the tracking)."""

    warm: int
    first: int
    stop: int


def plan(times: np.ndarray, chunk_s: float) -> list[Chunk]:
    """The chunks of a clip whose analysed frames are at ``times`` (s, ascending): equal spans
    of about ``chunk_s`` seconds, at most :data:`MAX_CHUNKS` of them; one chunk (the whole
    clip) when it is shorter than :data:`MIN_CHUNKS` chunks, longer than :data:`MAX_CUT_S`, or
    ``chunk_s`` is 0."""
    times = np.asarray(times, np.float64)
    n_frames = len(times)
    span = float(times[-1] - times[0]) if n_frames else 0.0
    if chunk_s <= 0 or span < MIN_CHUNKS * chunk_s or span > MAX_CUT_S:
        return [Chunk(0, 0, n_frames)]
    n = min(int(round(span / chunk_s)), MAX_CHUNKS)
    firsts = np.searchsorted(times, times[0] + span * np.arange(n) / n).tolist()
    stops = firsts[1:] + [n_frames]
    warms = np.searchsorted(times, times[firsts] - WARMUP_S).tolist()
    return [Chunk(int(w), int(f), int(s)) for w, f, s in zip(warms, firsts, stops)]


class Stopped(Exception):
    """Raised inside a chunk's task when the others are being stopped (one failed, or the caller
    was interrupted)."""


def default_threads() -> int:
    """The cores this process may run on."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def run(
    chunks: list[Chunk],
    task: Callable[[Chunk, threading.Event], R],
    threads: int,
    report: Callable[[], None] | None = None,
) -> list[R]:
    """``task(chunk, stop)`` for every chunk, on up to ``threads`` threads; the results in chunk
    order. ``report()`` is called from this (the calling) thread every
    :data:`PROGRESS_EVERY_S`, so callers' progress callbacks (a pipe to a batch's parent, a
    signal-based deadline) never run on another thread. The first exception (a task's, or one
    raised in this thread while it waits: Ctrl-C, a clip's deadline) sets ``stop``, which a
    task checks before it starts its model and between frames (raising :class:`Stopped`);
    chunks not yet started are cancelled, every thread of the pool is waited for, and the
    exception is raised here."""
    stop = threading.Event()
    prefix = f"hingecheck-chunk-{next(_POOLS)}"
    pool = ThreadPoolExecutor(max_workers=max(1, min(threads, len(chunks))), thread_name_prefix=prefix)
    futures = []
    try:
        for c in chunks:
            futures.append(pool.submit(task, c, stop))
        while True:
            _, pending = wait(futures, timeout=PROGRESS_EVERY_S, return_when=FIRST_EXCEPTION)
            if report is not None:
                report()
            failed = [f for f in futures if f.done() and not f.cancelled() and f.exception() is not None]
            if failed:
                raise failed[0].exception()
            if not pending:
                return [f.result() for f in futures]
    except BaseException:
        stop.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        # A Ctrl-C inside submit() (it waits for a new thread to start) leaves that thread out of
        # the pool's own list: wait for it by name, or it runs on past the interpreter's
        # shutdown, where MediaPipe can no longer close its model (a traceback at exit).
        for t in threading.enumerate():
            if t.name.startswith(prefix + "_") and t is not threading.current_thread():
                t.join()


_POOLS = itertools.count()


__all__ = ["WARMUP_S", "MIN_CHUNKS", "MAX_CHUNKS", "MAX_CUT_S", "Chunk", "Stopped", "default_threads", "plan", "run"]
