"""View check: is the camera square to the side of the lifter, about 45° off it, or in front?

The measure is the **yaw of the body against the image plane**, from MediaPipe's world
landmarks (metres, with depth): per frame, the angle between the hip line (left hip → right
hip) and the image plane, and the same for the shoulder line, ``atan2(|dz|, |dx|)``; the
view's yaw is the median over both lines and all frames with a person. 90° = the lines point
straight at the camera (a square side view), 0° = they lie across the picture (a front view).

Measured on real clips (the development folders): side views read 72-88°, clips filmed about
45° off the side 42-48°, front-oblique ones 26-38°, front views 3-11°. The spread of the joints
in the image, used before, reads about the same on all non-side views and could not tell a 45°
clip from a front one. A front view cannot see the sagittal plane: nothing is graded there
(``unusable_view``); an oblique view is graded with the ``oblique_view`` note.
"""

from __future__ import annotations

import numpy as np

from hingecheck.core.kinematics import trunk_axis
from hingecheck.core.nanstats import quiet_nan
from hingecheck.core.series import INDEX

_LINES = ((INDEX["left_hip"], INDEX["right_hip"]), (INDEX["left_shoulder"], INDEX["right_shoulder"]))


def body_yaw(world: np.ndarray) -> np.ndarray:
    """Per frame ``(T,)``: yaw of the hip and shoulder lines against the image plane, degrees
    (mean of the two lines; 90 = side view, 0 = front view). ``world`` is ``(T, 33, 3)`` metres."""
    world = np.asarray(world)
    a, b = zip(*_LINES)
    # Only these landmarks are converted to float64 (not the whole (T, 33, 3) clip).
    d = world[:, list(a)].astype(np.float64) - world[:, list(b)].astype(np.float64)  # (T, lines, 3)
    yaws = np.degrees(np.arctan2(np.abs(d[..., 2]), np.abs(d[..., 0])))
    # The mean of the lines that were seen (np.nanmean's arithmetic, without its warning machinery:
    # this runs on every live frame).
    seen = ~np.isnan(yaws)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(seen, yaws, 0.0).sum(axis=1) / seen.sum(axis=1)


def view_from_yaw(yaw_deg: float, side_min_deg: float, oblique_min_deg: float) -> str:
    """``"side" | "oblique" | "front" | "unknown"`` for a median yaw in degrees."""
    if not np.isfinite(yaw_deg):
        return "unknown"
    if yaw_deg >= side_min_deg:
        return "side"
    return "oblique" if yaw_deg >= oblique_min_deg else "front"


def view_of_yaws(yaws, side_min_deg: float, oblique_min_deg: float) -> tuple[str, float]:
    """``(view, median yaw in degrees)`` of per-frame yaws (NaN where no person)."""
    yaws = np.asarray(yaws, np.float64)
    with quiet_nan():
        m = float(np.nanmedian(yaws)) if np.isfinite(yaws).any() else float("nan")
    return view_from_yaw(m, side_min_deg, oblique_min_deg), m


def classify_view(world: np.ndarray, side_min_deg: float, oblique_min_deg: float) -> tuple[str, float]:
    """``(view, median yaw in degrees)`` over the frames given (world landmarks ``(T, 33, 3)``)."""
    return view_of_yaws(body_yaw(world), side_min_deg, oblique_min_deg)


def rectify_oblique(image: np.ndarray, yaw_deg: float) -> np.ndarray:
    """Undo what an oblique view does to sagittal angles; returns a copy of ``image``
    ``(T, 33, 3)`` px.

    1. The shoulders are wider than the hips, so seen at an angle the near shoulder sits
       further out than the near hip and the trunk line seems to lean (about 11° at 45°,
       measured on a rendered lifter): each shoulder is moved to the mid-shoulder plus its
       hip's offset from the mid-hip, which keeps the trunk line parallel to the body's midline.
    2. Horizontal offsets from the mid-hip are divided by ``sin(yaw)``: a sagittal plane turned
       ``90 − yaw`` degrees away from the image plane shrinks horizontally by that factor.
       Vertical positions are unchanged.
    """
    out = np.array(image, np.float64)
    mid_hip, mid_sho = trunk_axis(out)  # frames without the joints stay NaN
    for h, sh in zip(*_LINES):  # (left hip, left shoulder), (right hip, right shoulder)
        out[:, sh, :2] = mid_sho + (out[:, h, :2] - mid_hip)
    factor = 1.0 / max(np.sin(np.radians(yaw_deg)), 0.5)
    cx = mid_hip[:, :1]
    out[..., 0] = cx + (out[..., 0] - cx) * factor
    return out
