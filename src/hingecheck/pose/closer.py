"""A second, closer look at a lifter who is small in the frame: the model keeps losing them, or
sees them at fewer pixels than its landmark network takes in.

MediaPipe's pose detector sees the whole picture squeezed into 224x224 px, so a lifter filmed
from afar (or a portrait clip inside a wide frame) may be a few dozen pixels tall to it: once
tracking drops, re-detection fails for many frames. Measured on the development clips placed,
at their own size, in the middle of a 1920x1080 frame on a blurred copy of themselves (the lifter
at 0.2-0.5 of its height; issue 12's note): the lifter was found on only 28-84 % of the frames in
6 of 32 clips; inferred again on a crop around where the lifter was seen, on 97-100 %, and the
verdicts of the 32 agreed with the clips' own framing on 23 instead of 20.

:func:`closer_box` decides from the first pass alone. A second pass on the crop (the padded box
around where the lifter was seen) is worth it when either

* **lost**: the lifter was missing on at least :data:`LOST_FRACTION` of the frames and the crop
  covers at most :data:`MAX_AREA_FRACTION` of the picture (so the detector, which sees the whole
  picture squeezed, sees them bigger); or
* **small**: the lifter spans fewer than :data:`LANDMARK_INPUT_PX` pixels of the model's picture
  and the crop, given to the model at up to its width, enlarges them at least
  :data:`MIN_GAIN` times (a source wider than the model's picture has the pixels the downscale
  threw away). Measured on the development clips placed in a 1920x1080 frame (most found on
  93-100 % of the frames, so never "lost", the lifter 70-200 px tall to the model): with this
  rule the verdicts agreed with the clips' own framing on 26 of 32 instead of 23, the good/bad
  call right on 22 instead of 21 (25 in their own framing).

Pure numpy over landmark arrays (pixels).
"""

from __future__ import annotations

import numpy as np

from hingecheck.core.series import PoseSeries

#: Share of the clip's frames without the lifter that asks for a second look (project choice:
#: lifters in view all the time read 0-6 % on the development clips, plates or a far camera
#: 16-82 %). Frames before the first sighting count: a small lifter is often not found at all
#: for the first second.
LOST_FRACTION = 0.1
#: The crop is the box around the lifter's landmarks (their 1st-99th percentile over the frames
#: they were seen on: a few wild frames do not stretch it) grown by this share of its height on
#: every side: room for the bar, the arms and a step, as the sample crops above had.
PAD_FRACTION = 0.3
#: A crop covering more of the picture than this enlarges the lifter too little to help.
MAX_AREA_FRACTION = 0.5
#: Side of the square picture BlazePose's landmark network takes in (px; Bazarevsky et al. 2020,
#: "BlazePose: On-device Real-time Body Pose tracking", arXiv:2006.10204: a 256x256 region of
#: interest around the person). A lifter spanning fewer pixels of the model's picture (head to
#: feet, the longer side of their landmarks' box, median over the frames) is upsampled into it:
#: the network sees less detail than it could.
LANDMARK_INPUT_PX = 256.0
#: Least enlargement of the lifter in the model's picture for the small-lifter second pass
#: (project choice: a second pass costs as much as the first; the 1280-px development clips,
#: given to the model at half size, are enlarged 2x by a crop, the 1080p placements 3x).
MIN_GAIN = 1.5


def lifter_span_px(series: PoseSeries) -> float:
    """How many pixels of the model's picture the lifter spans: the longer side of the box around
    their landmarks, median over the frames they were seen on, times ``series.model_scale``; NaN
    when never seen."""
    det = np.asarray(series.detected, bool)
    xy = series.image[det][:, :, :2]
    if len(xy) == 0:
        return float("nan")
    with np.errstate(invalid="ignore"):
        span = np.nanmax(np.nanmax(xy, axis=1) - np.nanmin(xy, axis=1), axis=1)
    span = span[np.isfinite(span)]
    return float(np.median(span)) * float(series.model_scale) if len(span) else float("nan")


def closer_box(
    series: PoseSeries, content: tuple[int, int, int, int], model_width: int = 0
) -> tuple[int, int, int, int] | None:
    """``(x0, y0, x1, y1)`` in full-frame pixels, inside ``content`` (the picture within any
    bars), to infer the clip again on; ``None`` when a crop would not help: the first pass found
    the lifter often enough and big enough, never, or filling too much of the picture.

    ``model_width`` is the width (px) the model's picture is scaled down to (0: full size, so a
    crop shows the model no more of a lifter it found)."""
    det = np.asarray(series.detected, bool)
    if not det.any():
        return None
    xy = series.image[det][:, :, :2].reshape(-1, 2)
    xy = xy[np.isfinite(xy).all(axis=1)]
    if len(xy) == 0:
        return None
    (x0, y0), (x1, y1) = np.percentile(xy, 1, axis=0), np.percentile(xy, 99, axis=0)
    pad = PAD_FRACTION * max(y1 - y0, x1 - x0)
    cx0, cy0, cx1, cy1 = content
    box = (
        int(max(cx0, np.floor(x0 - pad))),
        int(max(cy0, np.floor(y0 - pad))),
        int(min(cx1, np.ceil(x1 + pad))),
        int(min(cy1, np.ceil(y1 + pad))),
    )
    if box[2] <= box[0] or box[3] <= box[1]:
        return None
    area = (box[2] - box[0]) * (box[3] - box[1])
    lost = 1.0 - float(det.mean()) >= LOST_FRACTION and area <= MAX_AREA_FRACTION * (cx1 - cx0) * (cy1 - cy0)
    crop_scale = min(1.0, model_width / (box[2] - box[0])) if model_width else 1.0
    gain = crop_scale / float(series.model_scale) if series.model_scale > 0 else float("nan")
    small = gain >= MIN_GAIN and lifter_span_px(series) < LANDMARK_INPUT_PX
    return box if lost or small else None


__all__ = [
    "LANDMARK_INPUT_PX",
    "LOST_FRACTION",
    "MAX_AREA_FRACTION",
    "MIN_GAIN",
    "PAD_FRACTION",
    "closer_box",
    "lifter_span_px",
]
