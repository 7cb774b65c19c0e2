"""Coach review of one clip: an annotated video, a self-contained HTML report, result.json and
reps.csv in one folder.

Two passes over the clip: pass 1 is pose inference (cached by content) and the analysis, which
needs the whole clip (reps, the lifter's standing baselines); pass 2 decodes the clip again,
draws the overlay for each frame from the analysis arrays and encodes it. Frames are never held
in memory beyond the one being drawn (and one thumbnail per rep).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from hingecheck.atomic import write_text
from hingecheck.cli.output import to_csv, to_json
from hingecheck.core.analysis import analyze
from hingecheck.core.config import load_config
from hingecheck.core.results import ClipResult
from hingecheck.pose.landmarker import PoseSettings, estimate_clip
from hingecheck.pose.sources import VideoFile, prefetch
from hingecheck.render.overlay import OverlayState, default_annotators, draw
from hingecheck.render.plots import angle_plot
from hingecheck.render.report import render_report
from hingecheck.render.videoio import H264Writer

#: Thumbnail width in pixels (the report shows them at 220 px).
THUMB_WIDTH = 440
#: x264 preset of the annotated video: "veryfast" keeps a 1080p review faster than real time on
#: two cores (measured in benchmarks/bench_review.py) at a modest size cost.
VIDEO_PRESET = "veryfast"


@dataclass(frozen=True)
class ReviewOutputs:
    folder: Path
    video: Path
    report: Path
    result: Path
    reps_csv: Path


def review_clip(
    clip: str | Path,
    out_dir: str | Path,
    exercise: str = "hinge",
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
    th = load_config(config, exercise)
    series = estimate_clip(
        clip,
        model=model,
        settings=settings,
        cache=cache,
        progress=(lambda d, t: progress("pose", d, t)) if progress else None,
    )
    result = analyze(series, exercise=exercise, config=th, file=str(clip))
    annotators = default_annotators()
    bottoms = {r.bottom_frame: r for r in result.reps}
    thumbs: list[tuple[int, bytes, str]] = []
    src = VideoFile(clip)
    video_path = out / "annotated.mp4"
    with H264Writer(
        video_path,
        series.fps or src.info.fps,
        (src.info.width - src.info.width % 2, src.info.height - src.info.height % 2),
        preset=VIDEO_PRESET,
    ) as w:
        for frame in prefetch(src.frames()):
            i = frame.index
            rgb = frame.rgb[: src.info.height - src.info.height % 2, : src.info.width - src.info.width % 2].copy()
            if i < series.n_frames:
                draw(
                    rgb, OverlayState.from_clip(i, series.image[i] if series.detected[i] else None, result), annotators
                )
            w.write(rgb, frame.t)
            if i in bottoms:
                r = bottoms[i]
                thumbs.append((r.index, _jpeg(rgb), r.verdict.replace("_", " ")))
            if progress and i % 16 == 0:
                progress("video", i, series.n_frames)
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
    return ReviewOutputs(out, video_path, report, result_path, reps_path)


def _jpeg(rgb: np.ndarray) -> bytes:
    import cv2

    h, w = rgb.shape[:2]
    small = cv2.resize(rgb, (THUMB_WIDTH, int(h * THUMB_WIDTH / w)), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])
    return buf.tobytes() if ok else b""


__all__ = ["ReviewOutputs", "review_clip"]
