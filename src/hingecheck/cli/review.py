"""Coach review of one clip: an annotated video, a self-contained HTML report, result.json and
reps.csv in one folder.

The overlay of any frame needs the whole clip's analysis (reps, verdicts, the lifter's standing
baselines), so drawing waits for it; the expensive work does not. While pose inference runs, its
decode thread (``estimate_clip``'s ``tap``) also writes each frame, at the 640-px analysis width
(the model's own downscaled image when it shows the whole frame), into a fast near-lossless
H.264 file beside the outputs (one per chunk of a long clip, whose chunks are inferred side by
side: :mod:`hingecheck.pose.chunks`); frames the analysis-rate cap skips are neither analysed nor
written, so annotated.mp4 is at the analysis rate, one frame per series frame. After the analysis, a short second pass decodes that small file,
draws each frame's overlay and encodes annotated.mp4 at that size: no second 1080p decode and no
1080p encode (measured in benchmarks/bench_review.py). On a landmark-cache hit nothing was
decoded, so the second pass decodes the clip itself (scaled to the same size). Frames are never
held in memory beyond the few in flight (and one thumbnail per rep); the intermediate files are
deleted at the end.
"""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from hingecheck.atomic import write_text
from hingecheck.cli.output import to_csv, to_json
from hingecheck.core.analysis import analyze, thresholds_for
from hingecheck.core.exercise import check_config
from hingecheck.core.results import ClipResult
from hingecheck.pose.landmarker import PoseSettings, estimate_clip
from hingecheck.pose.sources import Frame, VideoFile, prefetch
from hingecheck.render.overlay import OverlayState, default_annotators, draw
from hingecheck.render.plots import angle_plot
from hingecheck.render.report import render_report
from hingecheck.render.videoio import H264Writer

#: Thumbnail width in pixels (the report shows them at 220 px).
THUMB_WIDTH = 440
#: The annotated video is at most this wide (px): the pose model's input width. The overlay's
#: sizes follow the frame's shorter side, so text and lines stay legible; a 1080p video would cost a
#: 1080p encode (~10x the CPU) for a video the report shows about 1000 px wide.
VIDEO_WIDTH = 640
#: x264 preset of the annotated video.
VIDEO_PRESET = "veryfast"
#: The intermediate frames file: x264 "ultrafast" at a near-lossless quality (about 5% of the
#: CPU the model takes per frame, spent in the decode thread while the model works).
FRAMES_PRESET = "ultrafast"
FRAMES_CRF = 12


@dataclass(frozen=True)
class ReviewOutputs:
    folder: Path
    video: Path
    report: Path
    result: Path
    reps_csv: Path
    #: What was written, in memory (for the command's line on stdout and its warnings).
    clip: ClipResult


def video_size(width: int, height: int, max_width: int = VIDEO_WIDTH) -> tuple[tuple[int, int], tuple[int, int]]:
    """``(scaled, written)`` sizes ``(w, h)`` of a ``width`` x ``height`` clip's annotated video:
    scaled to at most ``max_width`` (the pose model's rounding of the height), then cropped to
    even sizes (H.264 4:2:0)."""
    if width > max_width:
        w, h = max_width, max(2, int(round(height * max_width / width)))
    else:
        w, h = width, height
    return (w, h), (w - w % 2, h - h % 2)


@dataclass
class _Segment:
    """A run of consecutive frames in one intermediate file."""

    path: Path
    first: int
    last: int
    writer: H264Writer


class _FrameWriter:
    """The pose pass's tap: each decoded frame, scaled to the video size, into intermediate
    files beside ``path`` (the first opened on the first frame, so a clip that does not decode
    leaves nothing behind). One file per run of consecutive frames a thread taps: a long clip's
    chunks are tapped side by side, each from its own thread (:mod:`hingecheck.pose.chunks`);
    :meth:`frames` reads them back in frame order."""

    def __init__(self, path: Path):
        self.path = path
        self.n = 0
        self.segments: list[_Segment] = []
        self._current: dict[int, _Segment] = {}  # thread -> the segment it writes
        self._lock = threading.Lock()

    def __call__(self, frame: Frame, box: tuple[int, int, int, int], small: np.ndarray) -> None:
        import cv2

        h, w = frame.rgb.shape[:2]
        (sw, sh), (vw, vh) = video_size(w, h)
        seg = self._current.get(threading.get_ident())
        if seg is None or frame.index != seg.last + 1:
            seg = self._open(frame.index, (vw, vh))
        if (sw, sh) == (w, h):
            rgb = frame.rgb
        elif box == (0, 0, w, h) and small.shape[:2] == (sh, sw):
            rgb = small  # the model's image is this very scaling of the whole frame
        else:
            rgb = cv2.resize(frame.rgb, (sw, sh), interpolation=cv2.INTER_AREA)
        seg.writer.write(rgb[:vh, :vw], frame.t)
        seg.last = frame.index
        with self._lock:
            self.n += 1

    def _open(self, first: int, size: tuple[int, int]) -> _Segment:
        with self._lock:
            path = self.path.with_name(f"{self.path.stem}.{len(self.segments)}{self.path.suffix}")
            # Every frame is written with its own timestamp: the nominal rate does not matter here.
            writer = H264Writer(path, 30.0, size, crf=FRAMES_CRF, preset=FRAMES_PRESET).__enter__()
            seg = _Segment(path, first, first - 1, writer)
            self.segments.append(seg)
        self._current[threading.get_ident()] = seg
        return seg

    def close(self, exc: BaseException | None = None) -> None:
        for seg in self.segments:
            if seg.writer is not None:
                seg.writer.__exit__(type(exc) if exc else None, exc, None)
                seg.writer = None
        self._current.clear()

    def frames(self) -> Iterator[Frame]:
        """The frames written, in frame order, numbered as the tap saw them."""
        for seg in sorted(self.segments, key=lambda s: s.first):
            for f in VideoFile(seg.path).frames():
                yield Frame(seg.first + f.index, f.t, f.rgb)

    def complete(self, n_frames: int) -> bool:
        """Frames 0 to ``n_frames - 1`` were written, each once."""
        runs = sorted((s.first, s.last) for s in self.segments)
        return self.n == n_frames > 0 and runs[0][0] == 0 and all(b[0] == a[1] + 1 for a, b in zip(runs, runs[1:]))

    def remove(self) -> None:
        for seg in self.segments:
            with contextlib.suppress(FileNotFoundError):
                seg.path.unlink()


def _scaled_frames(frames: Iterator[Frame]) -> Iterator[Frame]:
    """``frames`` scaled and cropped to the video size (the second pass after a cache hit)."""
    import cv2

    for f in frames:
        h, w = f.rgb.shape[:2]
        (sw, sh), (vw, vh) = video_size(w, h)
        rgb = f.rgb if (sw, sh) == (w, h) else cv2.resize(f.rgb, (sw, sh), interpolation=cv2.INTER_AREA)
        yield Frame(f.index, f.t, rgb[:vh, :vw])


def review_clip(
    clip: str | Path,
    out_dir: str | Path,
    exercise: str = "auto",
    config: str | Path | None = None,
    model: str | Path | None = None,
    cache=None,
    settings: PoseSettings | None = None,
    progress: Callable[[str, int, int | None], None] | None = None,
    trend: Callable[[ClipResult], dict | None] | None = None,
) -> ReviewOutputs:
    """Write annotated.mp4, report.html, result.json and reps.csv for ``clip`` into ``out_dir``.

    ``trend(result)``, if given, returns the report's progress section (see
    :func:`hingecheck.render.report.render_report`) or None when there is no earlier session.

    ``progress(stage, done, total)`` is called now and then (stages "pose", "video").
    Raises SourceError / PoseError / ConfigError for foreseeable problems (one-line messages).
    """
    clip = Path(clip)
    out = Path(out_dir)
    check_config(config, exercise)  # a bad file fails before the pose
    tap = _FrameWriter(out / f".annotated.{os.getpid()}.{id(out):x}.frames.mp4")
    video_path = out / "annotated.mp4"
    try:
        try:
            series = estimate_clip(
                clip,
                model=model,
                settings=settings,
                cache=cache,
                progress=(lambda d, t: progress("pose", d, t)) if progress else None,
                tap=tap,
            )
        except BaseException as exc:
            tap.close(exc)
            raise
        tap.close()
        th, chosen = thresholds_for(series, exercise, config)
        result = analyze(series, config=th, file=str(clip), notes=chosen)
        written = tap if tap.complete(series.n_frames) else None  # None: a cache hit, nothing decoded
        max_fps = (settings or PoseSettings()).max_fps
        thumbs = _annotated_video(clip, written, series, result, video_path, progress, max_fps)
    finally:
        tap.remove()
    out.mkdir(parents=True, exist_ok=True)
    plot = angle_plot([(clip.name, result)], th) if result.kinematics is not None else None
    html = render_report(
        result, clip.name, video_path.read_bytes(), plot, thumbs, trend(result) if trend is not None else None
    )
    report = out / "report.html"
    write_text(report, html)
    result_path = out / "result.json"
    write_text(result_path, to_json([result.to_dict()]))
    reps_csv, _ = to_csv([result.to_dict()])
    reps_path = out / "reps.csv"
    write_text(reps_path, reps_csv)
    return ReviewOutputs(out, video_path, report, result_path, reps_path, result)


def _annotated_video(
    clip: Path,
    written: _FrameWriter | None,
    series,
    result: ClipResult,
    video_path: Path,
    progress: Callable[[str, int, int | None], None] | None,
    max_fps: float = 0.0,
) -> list[tuple[int, bytes, str]]:
    """The second pass: frames (the intermediate files, else the clip scaled), each frame's overlay,
    annotated.mp4 with the clip's timestamps. Returns one thumbnail per rep, at its worst moment
    (:func:`worst_frame`), in rep order.

    The video holds the analysed frames only, one per series frame: the intermediate file has
    only those (the tap sees no skipped frame), and the clip itself is decoded under the same
    analysis-rate cap ``max_fps`` as the series."""
    if written is not None:
        frames = written.frames()
    else:
        frames = _scaled_frames(VideoFile(clip, max_fps=max_fps).frames())
    (sw, sh), (vw, vh) = video_size(series.width, series.height)
    sx, sy = sw / series.width, sh / series.height
    annotators = default_annotators()
    moments: dict[int, list] = {}  # frame -> the reps whose thumbnail it is
    for r in result.reps:
        moments.setdefault(worst_frame(r, result, series.n_frames), []).append(r)
    thumbs: list[tuple[int, bytes, str]] = []
    with H264Writer(video_path, series.fps, (vw, vh), preset=VIDEO_PRESET) as w:
        for frame in prefetch(frames):
            i = frame.index
            rgb = frame.rgb if frame.rgb.flags.writeable else frame.rgb.copy()
            if i < series.n_frames:
                landmarks = series.image[i] if series.detected[i] else None
                state = OverlayState.from_clip(i, landmarks, result).scaled(sx, sy)
                for r in moments.get(i, ()):  # the rep's own picture: its number, verdict and cue, not the rep before's
                    thumb = _thumbnail(rgb, state.as_rep(r), annotators)
                    at = f"{r.verdict.replace('_', ' ')}, at {series.t[i]:.1f} s"
                    thumbs.append((r.index, _jpeg(thumb), at))
                draw(rgb, state, annotators)
            w.write(rgb, series.t[i] if i < series.n_frames else frame.t)
            if progress and i % 16 == 0:
                progress("video", i, series.n_frames)
    return sorted(thumbs, key=lambda x: x[0])


#: Seconds after a rep's end still looked at for its lockout's worst moment (its check reads the top).
TOP_WINDOW_S = 0.3


def worst_frame(rep, result: ClipResult, n_frames: int) -> int:
    """The frame of ``rep`` its thumbnail shows: where its verdict's fault is worst, as far as a
    per-frame curve shows it (the rounded back at its most flexed, the neck at its most extended,
    a lockout fault at the top: the hip at its straightest, or leaned furthest back, after the
    bottom); the bottom for the other verdicts, which the check reads there (a squat, the knees,
    the weight's drift), and for a neutral rep."""
    k = result.kinematics
    if k is None or n_frames == 0:
        return rep.bottom_frame
    curve, lo, hi, sign = None, rep.start_frame, rep.end_frame, 1.0
    if rep.verdict == "lumbar_rounding":
        curve = k.spine_flexion
    elif rep.verdict == "neck_extension":
        curve = k.neck_change
    elif rep.verdict in ("lockout_hyperextension", "incomplete_lockout"):
        fps = result.fps or 30.0
        curve, lo, hi, sign = k.hip_flexion, rep.bottom_frame, rep.end_frame + int(TOP_WINDOW_S * fps), -1.0
    if curve is None:
        return rep.bottom_frame
    lo, hi = max(0, lo), min(n_frames - 1, hi, len(curve) - 1)
    window = sign * np.asarray(curve[lo : hi + 1], np.float64)
    if hi < lo or not np.isfinite(window).any():
        return rep.bottom_frame
    return lo + int(np.nanargmax(window))


#: A thumbnail's crop around the lifter: margin on each side, as a share of the body's larger
#: extent (more above, for the banner over the head), and its shape (width over height).
THUMB_MARGIN = 0.2
THUMB_ASPECT = 4 / 3


def thumb_box(shape: tuple[int, ...], landmarks: np.ndarray | None) -> tuple[int, int, int, int]:
    """``(x0, y0, x1, y1)`` px of a frame of ``shape`` that a rep's thumbnail shows: the lifter's
    landmarks with a margin, widened to :data:`THUMB_ASPECT`, inside the frame; the whole frame
    when the lifter is not seen or already fills it. A lifter far away or between black bars was a
    few dozen pixels of a 220-px thumbnail."""
    h, w = shape[:2]
    pts = None if landmarks is None else landmarks[:, :2]
    if pts is not None:
        pts = pts[np.isfinite(pts).all(axis=1)]
    if pts is None or len(pts) < 2:
        return 0, 0, w, h
    (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
    m = THUMB_MARGIN * max(x1 - x0, y1 - y0, 1.0)
    x0, x1, y0, y1 = x0 - m, x1 + m, y0 - 2.5 * m, y1 + m
    bw, bh = x1 - x0, y1 - y0
    if bw < bh * THUMB_ASPECT:
        x0, x1 = x0 - (bh * THUMB_ASPECT - bw) / 2, x1 + (bh * THUMB_ASPECT - bw) / 2
    else:
        y0, y1 = y0 - (bw / THUMB_ASPECT - bh) / 2, y1 + (bw / THUMB_ASPECT - bh) / 2
    bw, bh = min(w, x1 - x0), min(h, y1 - y0)  # inside the frame: moved in, then cut to it
    x0, y0 = min(max(0.0, x0), w - bw), min(max(0.0, y0), h - bh)
    box = int(round(x0)), int(round(y0)), int(round(x0 + bw)), int(round(y0 + bh))
    if (box[2] - box[0]) * (box[3] - box[1]) >= 0.8 * w * h:
        return 0, 0, w, h
    return box


def _thumbnail(rgb: np.ndarray, state: OverlayState, annotators) -> np.ndarray:
    """A rep's picture: the frame cut around the lifter (:func:`thumb_box`), at the thumbnail's
    width, the overlay drawn on it at that size (so its text stays legible)."""
    import cv2

    x0, y0, x1, y1 = thumb_box(rgb.shape, state.landmarks)
    crop = rgb[y0:y1, x0:x1]
    k = THUMB_WIDTH / crop.shape[1]
    out = cv2.resize(crop, (THUMB_WIDTH, max(2, int(round(crop.shape[0] * k)))), interpolation=cv2.INTER_AREA)
    return draw(out, state.moved(-x0, -y0).scaled(k, k), annotators)


def _jpeg(rgb: np.ndarray) -> bytes:
    import cv2

    h, w = rgb.shape[:2]
    if w == THUMB_WIDTH:
        small = rgb
    else:
        small = cv2.resize(rgb, (THUMB_WIDTH, int(h * THUMB_WIDTH / w)), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])
    return buf.tobytes() if ok else b""


__all__ = ["ReviewOutputs", "review_clip", "video_size"]
