"""Frame sources: video files, webcams, images; decoded in a background thread.

Every source yields :class:`Frame` objects in presentation order, each an RGB ``uint8`` image
``(H, W, 3)`` already turned upright (phone rotation metadata applied) with its presentation
time in **seconds** from the start of the source.

* :class:`VideoFile` reads anything FFmpeg reads (PyAV), with timestamps from the container so
  variable-frame-rate clips keep their true timing.
* :class:`Camera` reads a webcam through OpenCV, timestamps from the monotonic clock.
* :class:`Images` reads one image or a glob of images (sorted by name), one frame per image.

:func:`prefetch` runs any frame iterator in a background thread with a bounded queue, so
decoding overlaps pose inference without frames piling up in memory.
"""

from __future__ import annotations

import contextlib
import errno
import glob as globlib
import math
import os
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

#: Extensions treated as still images (everything else is handed to FFmpeg as a video).
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")
#: Extensions picked up when a folder of clips is given.
VIDEO_EXTENSIONS = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".flv", ".3gp")
#: Frames held between the decode thread and the consumer (bounds memory and latency).
PREFETCH_FRAMES = 8


class SourceError(Exception):
    """A source that cannot be read; the message is one line naming the source and the problem."""


@dataclass(frozen=True)
class Frame:
    """One decoded frame: RGB ``uint8`` ``(H, W, 3)``, upright; ``t`` in seconds from the start."""

    index: int
    t: float
    rgb: np.ndarray


@dataclass(frozen=True)
class SourceInfo:
    """What is known about a source before decoding: frame size after rotation, nominal fps."""

    name: str
    width: int
    height: int
    fps: float
    frame_count: int | None = None  # from the container, may be an estimate or unknown
    rotation: int = 0  # degrees applied to make frames upright (counter-clockwise)
    still: bool = False  # unrelated still images (pose per image, no tracking)


class VideoFile:
    """A video file of any format FFmpeg reads, decoded with PyAV.

    Args:
        path: the clip.
        max_width: if given, frames wider than this are scaled down (keeping aspect ratio)
            inside the decoder, which is cheaper than resizing afterwards. ``None`` keeps the
            full size. Landmarks are always reported in full-size pixels by :mod:`hingecheck.pose.landmarker`.
        max_fps: analysis-rate cap (frames/s; ``0``/``None`` = every frame). When the clip's
            nominal rate is above it, a frame is yielded only when its timestamp is at least
            ``1/max_fps`` less half a nominal frame after the last yielded one (timestamps, so
            variable frame rates work: 60 fps keeps every other frame, 50 fps too, i.e. 25 fps);
            the others are skipped before any conversion. Yielded frames are numbered
            consecutively; :attr:`decoded` counts every decoded frame.
    """

    def __init__(self, path: str | os.PathLike, max_width: int | None = None, max_fps: float | None = None):
        import av

        self.path = Path(path)
        self.max_width = max_width
        self.max_fps = max_fps
        self.decoded = 0
        if not self.path.exists():
            raise SourceError(f"{self.path}: no such file")
        if self.path.is_dir():
            raise SourceError(f"{self.path}: is a folder, not a video")
        if self.path.stat().st_size == 0:
            raise SourceError(f"{self.path}: empty file")
        try:
            self._container = av.open(str(self.path))
        except (av.FFmpegError, ValueError, OSError) as exc:
            if isinstance(exc, OSError) and exc.errno == errno.EACCES:  # the file's fault is not its content
                raise SourceError(f"{self.path}: {exc.strerror or 'Permission denied'}") from None
            raise SourceError(f"{self.path}: not a readable video ({_reason(exc)})") from None
        if not self._container.streams.video:
            self._container.close()
            raise SourceError(f"{self.path}: no video stream")
        stream = self._container.streams.video[0]
        stream.thread_type = "AUTO"
        self._stream = stream
        try:
            rotation = _first_frame_rotation(self.path)
        except SourceError:
            self._container.close()
            raise
        except av.FFmpegError as exc:
            self._container.close()
            raise SourceError(f"{self.path}: cannot decode video ({_reason(exc)})") from None
        w, h = stream.codec_context.width, stream.codec_context.height
        if not w or not h:
            self._container.close()
            raise SourceError(f"{self.path}: video stream has no frame size")
        if rotation % 180:
            w, h = h, w
        fps = _stream_fps(stream)
        count = stream.frames or None
        if count is None and stream.duration and stream.time_base:
            count = int(round(float(stream.duration * stream.time_base) * fps))
        self.info = SourceInfo(str(self.path), w, h, fps, count, rotation)
        self.damaged_packets = 0

    def _out_size(self) -> tuple[int | None, int | None]:
        """The decoder's output size (upright) under ``max_width``; ``(None, None)``: full size."""
        info = self.info
        if self.max_width and info.width > self.max_width:
            return self.max_width, int(round(info.height * self.max_width / info.width / 2)) * 2
        return None, None

    def _rgb(self, vf, out_w: int | None, out_h: int | None) -> np.ndarray:
        """A decoded frame as upright RGB, scaled in the decoder to ``out_w`` x ``out_h`` if given."""
        rot = self.info.rotation
        if out_w is not None:
            # Scale in the pre-rotation orientation.
            sw, sh = (out_h, out_w) if rot % 180 else (out_w, out_h)
            rgb = vf.to_ndarray(format="rgb24", width=sw, height=sh)
        else:
            rgb = vf.to_ndarray(format="rgb24")
        return np.ascontiguousarray(np.rot90(rgb, k=rot // 90)) if rot else rgb

    def frames_between(self, pts: np.ndarray, first: int, stop: int) -> Iterator[Frame]:
        """Frames ``first`` to ``stop - 1`` of :meth:`frames` (indices and times as it gives them;
        ``pts`` the ticks from :func:`frame_pts`): a seek to the key frame before frame ``first``, then
        decoding forward, converting only those frames. A frame that does not decode is missing
        from what is yielded (the caller checks the count)."""
        import av

        stream = self._stream
        out_w, out_h = self._out_size()
        wanted = {int(p): i for i, p in enumerate(pts[first:stop].tolist(), start=first)}
        start = float(int(pts[0]) * stream.time_base)  # frame 0's time, as frames() reads it (vf.time)
        last = int(pts[stop - 1])
        try:
            self._container.seek(int(pts[first]), stream=stream, backward=True)
            for vf in self._container.decode(stream):
                if vf.pts is None:
                    continue
                if vf.pts > last:
                    break
                self.decoded += 1
                i = wanted.get(int(vf.pts))
                if i is not None:
                    yield Frame(i, float(vf.time - start), self._rgb(vf, out_w, out_h))
        except av.FFmpegError:
            self.damaged_packets += 1  # what follows is lost; the caller sees frames missing
        finally:
            self._container.close()

    def frames(self) -> Iterator[Frame]:
        import av

        stream = self._stream
        info = self.info
        start = None
        index = 0
        step = min_step_s(info.fps, self.max_fps)
        last = None
        out_w, out_h = self._out_size()
        try:
            for packet in self._container.demux(stream):
                try:
                    decoded = packet.decode()
                except av.FFmpegError as exc:
                    if index == 0:
                        raise SourceError(f"{self.path}: cannot decode video ({_reason(exc)})") from None
                    self.damaged_packets += 1
                    continue  # a damaged packet mid-clip: skip it, keep the rest (counted, reported)
                for vf in decoded:
                    t = vf.time if vf.time is not None else self.decoded / info.fps
                    self.decoded += 1
                    if start is None:
                        start = t
                    if step:
                        if last is not None and t - last < step:
                            continue  # above the analysis rate: skipped before any conversion
                        last = t
                    yield Frame(index, float(t - start), self._rgb(vf, out_w, out_h))
                    index += 1
        except av.FFmpegError as exc:
            if index == 0:
                raise SourceError(f"{self.path}: cannot decode video ({_reason(exc)})") from None
            self.damaged_packets += 1  # the demuxer gave up mid-file: the rest is lost
        finally:
            self._container.close()
        if index == 0:
            raise SourceError(f"{self.path}: no decodable video frames")


def frame_pts(path: str | os.PathLike, max_fps: float | None = None) -> tuple[np.ndarray, float, int] | None:
    """``(ticks, time_base, frames)``: the timestamps (ticks of the stream's time base, ascending)
    of the frames :meth:`VideoFile.frames` yields under the analysis-rate cap ``max_fps``, the
    time base (s per tick) and how many frames the file holds. Read from the packets alone
    (demuxing, no decoding: about the cost of reading the file). ``None`` when the file is not a
    readable video, a packet carries no timestamp or two frames share one: such a clip is only
    read straight through."""
    import av

    try:
        with av.open(str(path)) as c:
            stream = c.streams.video[0]
            tb = float(stream.time_base)
            fps = _stream_fps(stream)
            pts = [p.pts for p in c.demux(stream) if p.size]
    except (av.FFmpegError, OSError, ValueError, IndexError):
        return None
    if not pts or any(p is None for p in pts):
        return None
    ticks = np.sort(np.asarray(pts, np.int64))
    if np.any(np.diff(ticks) <= 0):
        return None
    step = min_step_s(fps, max_fps)
    if not step:
        return ticks, tb, len(ticks)
    keep = np.zeros(len(ticks), bool)  # the decoder's rule (VideoFile.frames), on the packets' times
    last = None
    for i, t in enumerate((ticks * tb).tolist()):
        if last is None or t - last >= step:
            keep[i] = True
            last = t
    return ticks[keep], tb, len(ticks)


def _stream_fps(stream) -> float:
    """A video stream's nominal frame rate (average, else guessed, else 30)."""
    return float(stream.average_rate or stream.guessed_rate or 0) or 30.0


def nominal_fps(path: str | os.PathLike) -> float | None:
    """A video file's nominal frame rate from its container (no decoding); ``None`` when it is
    not a readable video."""
    import av

    try:
        with av.open(str(path)) as c:
            return _stream_fps(c.streams.video[0]) if c.streams.video else None
    except (av.FFmpegError, ValueError, OSError, IndexError):
        return None


def min_step_s(fps: float, max_fps: float | None) -> float:
    """Least time (s) between analysed frames of a clip at nominal ``fps`` under the cap
    ``max_fps``: ``1/max_fps`` less half a frame of tolerance; ``0`` (every frame) when there is
    no cap or the clip is not above it."""
    if not max_fps or max_fps <= 0 or not fps or fps <= max_fps:
        return 0.0
    return 1.0 / max_fps - 0.5 / fps


def kept_every(fps: float, max_fps: float | None) -> int:
    """Of a constant-rate clip at nominal ``fps``, every how many frames the cap ``max_fps`` keeps
    one (1: every frame; 60 fps under 30 -> 2, 50 -> 2, i.e. 25 fps)."""
    step = min_step_s(fps, max_fps)
    return math.ceil(step * fps - 1e-9) if step else 1


class FrameSeeker:
    """A clip's frames by index, for stepping through it (the player): the next frame decodes
    forward; any other index seeks to the key frame before it and decodes forward to it.
    Indices and times are those of :meth:`VideoFile.frames` (frame 0 at ``times[0]``, upright),
    so each picture matches the landmarks computed from it, on variable frame rates and rotated
    phone clips too.

    Args:
        path: the clip.
        times: ``(T,)`` seconds of each frame from the first, as the pose series holds them.
    """

    def __init__(self, path: str | os.PathLike, times: np.ndarray):
        import av

        self.path = Path(path)
        self.times = np.asarray(times, np.float64)
        try:
            self._container = av.open(str(self.path))
            self._stream = self._container.streams.video[0]
            self._rotation = _first_frame_rotation(self.path)
            first = next(self._container.decode(self._stream))
        except (av.FFmpegError, IndexError, StopIteration, OSError, ValueError) as exc:
            raise SourceError(f"{self.path}: cannot open for playback ({_reason(exc)})") from None
        self._start = first.time or 0.0
        step = np.diff(self.times)
        # Half a frame: of the series (its times) or of the clip, whichever is shorter, so the
        # frames skipped by an analysis-rate cap (the series then holds every other frame) are
        # never taken for the ones analysed.
        self._tolerance = 0.5 * min(float(np.median(step)), 1.0 / _stream_fps(self._stream)) if len(step) else 0.0
        self._frames = None
        self.index = -1

    def read(self, i: int) -> np.ndarray | None:
        """Frame ``i`` as RGB ``uint8``, upright; None past the end."""
        import av

        if not 0 <= i < len(self.times):
            return None
        target = self._start + self.times[i]
        try:
            if self._frames is None or i != self.index + 1:
                self._container.seek(int(target / float(self._stream.time_base)), stream=self._stream, backward=True)
                self._frames = self._container.decode(self._stream)
            # Forward to frame i's time (past the key frame after a seek; past the frames the
            # analysis skipped when reading on).
            vf = next((f for f in self._frames if f.time is None or f.time >= target - self._tolerance), None)
        except av.FFmpegError:
            return None
        if vf is None:
            return None
        self.index = i
        rgb = vf.to_ndarray(format="rgb24")
        return np.ascontiguousarray(np.rot90(rgb, k=self._rotation // 90)) if self._rotation else rgb

    def close(self) -> None:
        self._container.close()


@contextlib.contextmanager
def _opencv_silent():
    """OpenCV's own log off (restored after): opening a camera that is not there logs a dozen
    ``[ WARN:0@...]`` lines, one per capture backend tried, before the one line we print.
    ``HINGECHECK_DEBUG=1`` lets them through."""
    import cv2

    if os.environ.get("HINGECHECK_DEBUG"):
        yield
        return
    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    try:
        yield
    finally:
        cv2.utils.logging.setLogLevel(level)


class Camera:
    """A webcam through OpenCV. ``t`` is monotonic time since the first frame (seconds)."""

    def __init__(self, index: int, width: int | None = None, height: int | None = None):
        import cv2

        with _opencv_silent():
            self._cap = cv2.VideoCapture(index)
        if not self._cap.isOpened():
            raise SourceError(f"camera {index}: cannot open (no such camera, or it is in use)")
        if width:
            self._cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        if height:
            self._cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        w = int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        h = int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        fps = float(self._cap.get(cv2.CAP_PROP_FPS)) or 30.0
        self.info = SourceInfo(f"camera:{index}", w, h, fps)

    def frames(self) -> Iterator[Frame]:
        import cv2

        t0 = None
        index = 0
        try:
            while True:
                ok, bgr = self._cap.read()
                now = time.monotonic()
                if not ok:
                    return  # disconnected or ended: the session ends cleanly
                t0 = now if t0 is None else t0
                yield Frame(index, now - t0, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
                index += 1
        finally:
            self._cap.release()


class Images:
    """One image file or a glob of them (sorted by name; ``**`` matches any depth of folders);
    frame ``i`` gets ``t = i / fps``."""

    def __init__(self, pattern: str, fps: float = 1.0):
        paths = sorted(globlib.glob(pattern, recursive=True)) if globlib.has_magic(pattern) else [pattern]
        paths = [p for p in paths if Path(p).suffix.lower() in IMAGE_EXTENSIONS]
        if not paths:
            raise SourceError(f"{pattern}: no image files match")
        self.paths = [Path(p) for p in paths]
        first = _read_image(self.paths[0])
        self.info = SourceInfo(pattern, first.shape[1], first.shape[0], fps, len(self.paths), still=True)

    def frames(self) -> Iterator[Frame]:
        for i, p in enumerate(self.paths):
            yield Frame(i, i / self.info.fps, _read_image(p))


def open_source(spec: str | int, max_width: int | None = None, max_fps: float | None = None):
    """Open a source from a user's spec: a camera index (``0``, ``camera:0``), an image or glob
    of images, or a video file (``max_fps``: see :class:`VideoFile`; cameras and images give
    every frame). Raises :class:`SourceError` with a one-line message."""
    if isinstance(spec, int) or (isinstance(spec, str) and (spec.isdigit() or spec.startswith("camera:"))):
        return Camera(int(str(spec).removeprefix("camera:")))
    spec = str(spec)
    if globlib.has_magic(spec) or Path(spec).suffix.lower() in IMAGE_EXTENSIONS:
        return Images(spec)
    return VideoFile(spec, max_width=max_width, max_fps=max_fps)


def prefetch(frames: Iterator[Frame], maxsize: int = PREFETCH_FRAMES) -> Iterator[Frame]:
    """Run ``frames`` in a daemon thread, handing frames over through a bounded queue.

    Decoding then overlaps whatever the consumer does (pose inference releases the GIL).
    An exception in the decoder is re-raised in the consumer; closing the returned generator
    (or breaking out of the loop) stops the decoder promptly.
    """
    q: queue.Queue = queue.Queue(maxsize=maxsize)
    stop = threading.Event()
    done = object()

    def worker() -> None:
        try:
            for f in frames:
                while not stop.is_set():
                    try:
                        q.put(f, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            _put_final(q, done, stop)
        except BaseException as exc:  # handed to the consumer
            _put_final(q, exc, stop)
        finally:
            close = getattr(frames, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=worker, name="hingecheck-decode", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


def _put_final(q: queue.Queue, item, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            q.put(item, timeout=0.1)
            return
        except queue.Full:
            continue


def _read_image(path: Path) -> np.ndarray:
    import cv2

    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise SourceError(f"{path}: not a readable image")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _first_frame_rotation(path: Path) -> int:
    """Degrees (0, 90, 180, 270) to rotate decoded frames counter-clockwise to make them upright.

    FFmpeg carries phone rotation as a display matrix; PyAV exposes it on decoded frames, so
    decode the first frame in a throwaway container (this also proves the clip decodes).
    """
    import av

    with av.open(str(path)) as c:
        for vf in c.decode(video=0):
            return int(round(vf.rotation or 0)) % 360
    raise SourceError(f"{path}: no decodable video frames")


def _reason(exc: BaseException) -> str:
    """A short, one-line reason from an FFmpeg/OS error."""
    msg = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return " ".join(str(msg).split())[:160]
