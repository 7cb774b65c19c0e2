"""View check: is the camera square to the side of the lifter, oblique, or in front?

The measure is the horizontal spread, in the image, of the two shoulders and of the two hips,
as a fraction of the trunk length (mid-hip to mid-shoulder), median over frames with a person.
A square side view puts the left and right joints on top of each other (spread ~0); a frontal
view spreads them by about a shoulder width (~0.8 of the trunk length). A front view cannot see
the sagittal plane, so its spine verdicts are ``unusable_view``, never a guess.
"""

from __future__ import annotations

import numpy as np

from hingecheck.filters import quiet_nan
from hingecheck.series import INDEX

_L = [INDEX["left_shoulder"], INDEX["left_hip"]]
_R = [INDEX["right_shoulder"], INDEX["right_hip"]]


def lateral_spread(image: np.ndarray) -> np.ndarray:
    """Per frame: mean |x_left − x_right| of shoulders and hips / trunk length (fraction)."""
    dx = np.abs(image[:, _L, 0] - image[:, _R, 0]).mean(axis=1)
    hip = image[:, [INDEX["left_hip"], INDEX["right_hip"]], :2].mean(axis=1)
    sho = image[:, [INDEX["left_shoulder"], INDEX["right_shoulder"]], :2].mean(axis=1)
    trunk = np.linalg.norm(sho - hip, axis=-1)
    with np.errstate(all="ignore"):
        return dx / trunk


def classify_view(image: np.ndarray, side_max: float, oblique_max: float) -> tuple[str, float]:
    """``("side" | "oblique" | "front" | "unknown", median spread)`` over the frames given."""
    spread = lateral_spread(image)
    with quiet_nan():
        m = float(np.nanmedian(spread)) if np.isfinite(spread).any() else float("nan")
    if not np.isfinite(m):
        return "unknown", m
    if m <= side_max:
        return "side", m
    if m <= oblique_max:
        return "oblique", m
    return "front", m
