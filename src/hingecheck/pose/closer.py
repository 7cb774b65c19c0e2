"""A second, closer look at a lifter the model keeps losing because they are small in the frame.

MediaPipe's pose detector sees the whole picture squeezed into 224x224 px, so a lifter filmed
from afar (or a portrait clip inside a wide frame) may be a few dozen pixels tall to it: once
tracking drops, re-detection fails for many frames. Measured on the development clips placed,
at their own size, in the middle of a 1920x1080 frame on a blurred copy of themselves (the lifter
at 0.2-0.5 of its height; issue 12's note): the lifter was found on only 28-84 % of the frames in
6 of 32 clips; inferred again on a crop around where the lifter was seen, on 97-100 %, and the
verdicts of the 32 agreed with the clips' own framing on 23 instead of 20.

:func:`closer_box` decides from the first pass alone: a second pass on the crop is worth it when
the lifter was missing on at least :data:`LOST_FRACTION` of the frames and
the padded box around where they were seen covers at most :data:`MAX_AREA_FRACTION` of the
picture (so the crop enlarges them). Pure numpy over landmark arrays (pixels).
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


def closer_box(series: PoseSeries, content: tuple[int, int, int, int]) -> tuple[int, int, int, int] | None:
    """``(x0, y0, x1, y1)`` in full-frame pixels, inside ``content`` (the picture within any
    bars), to infer the clip again on; ``None`` when the first pass found the lifter often
    enough, never, or filling too much of the picture for a crop to help."""
    det = np.asarray(series.detected, bool)
    if not det.any() or 1.0 - float(det.mean()) < LOST_FRACTION:
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
    area = (box[2] - box[0]) * (box[3] - box[1])
    if box[2] <= box[0] or box[3] <= box[1] or area > MAX_AREA_FRACTION * (cx1 - cx0) * (cy1 - cy0):
        return None
    return box


__all__ = ["LOST_FRACTION", "MAX_AREA_FRACTION", "PAD_FRACTION", "closer_box"]
