"""Per-frame sagittal kinematics from image landmarks: side, facing direction and joint angles.

Conventions (all angles in **degrees**; image y grows down; see biomechanics notes):

* The **side** graded is the one nearer the camera: higher mean visibility of its shoulder,
  hip, knee and ankle (ties broken by MediaPipe's depth, smaller z = nearer). The far side is
  often occluded or swapped, so it is not used for angles; world landmarks (metres) are used only
  where the view does not matter: the view check and the landmark-only spine fallback.
* **facing** is +1 when the lifter faces +x (right in the image), −1 when facing left: the sign
  of toe − heel in x (median over the clip), or of nose − ear where the feet are not seen. Every signed angle is measured relative to the
  facing direction, so a lifter facing left and one facing right get the same numbers.
* ``trunk_incline``: hip→shoulder from vertical; 0 upright, 90 horizontal, negative = leaning
  back behind the hips.
* ``shin_angle``: ankle→knee from vertical; positive when the knee is ahead of the ankle.
* ``hip_flexion``: 180 − the shoulder-hip-knee angle, signed: 0 standing tall, positive flexed,
  negative = hip hyperextension. Computed as trunk incline + thigh angle (hip→knee from the
  downward vertical, positive forward), which equals 180 − angle(shoulder, hip, knee) for
  flexion.
* ``knee_flexion``: 180 − the hip-knee-ankle angle, signed (thigh angle + shin angle): 0 straight.
* ``neck_angle``: the ear−shoulder direction relative to the trunk line: positive = extension
  (head tipped back relative to the trunk), 0 = ear on the extension of the hip→shoulder line.
"""

from __future__ import annotations

import numpy as np

from hingecheck.core.series import INDEX

#: Landmark indices of each side.
SIDES = {
    side: {
        part: INDEX[f"{side}_{part}"]
        for part in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle", "heel", "foot_index", "ear")
    }
    for side in ("left", "right")
}
GRADED_PARTS = ("shoulder", "hip", "knee", "ankle")


def choose_side(visibility: np.ndarray, image: np.ndarray, frames: slice | np.ndarray = slice(None)) -> str:
    """``"left"`` or ``"right"``: the side nearer the camera over the clip's ``frames`` (a slice or
    a bool mask ``(T,)``, applied after picking the landmarks read: no copy of the clip) (see
    module doc)."""
    from hingecheck.core.nanstats import quiet_nan

    score = {}
    depth = {}
    with np.errstate(all="ignore"), quiet_nan():
        for side, idx in SIDES.items():
            cols = [idx[p] for p in GRADED_PARTS]
            vis = visibility[:, cols][frames]  # as given (the series' float32)
            z = np.asarray(image[:, cols, 2][frames], np.float64)
            score[side] = float(np.nanmean(vis)) if len(vis) else 0.0
            depth[side] = float(np.nanmean(z)) if len(z) else 0.0
    if abs(score["left"] - score["right"]) > 0.02 or not np.isfinite(depth["left"] - depth["right"]):
        return "left" if score["left"] >= score["right"] else "right"
    return "left" if depth["left"] <= depth["right"] else "right"


def facing_direction(image: np.ndarray, side: str, frames: slice | np.ndarray = slice(None)) -> int:
    """+1 facing +x (right in the image), −1 facing left, over the clip's ``frames`` (a slice or a
    bool mask ``(T,)``, applied after picking the landmarks read: no copy of the clip) (see module
    doc)."""
    idx = SIDES[side]
    from hingecheck.core.nanstats import quiet_nan

    def x(i):  # landmark i's x over the frames, float64
        return np.asarray(image[:, i, 0][frames], np.float64)

    with np.errstate(all="ignore"), quiet_nan():
        toe = x(idx["foot_index"]) - x(idx["heel"])
        toe = np.nanmedian(toe) if len(toe) else np.nan
        nose = x(INDEX["nose"]) - np.nanmean(x([INDEX["left_ear"], INDEX["right_ear"]]), axis=1)
        nose = np.nanmedian(nose) if len(nose) else np.nan
    # The feet are the primary cue (they do not turn during a hinge); the face points at the floor
    # at the bottom of a hinge, so nose − ear only decides when the feet cannot.
    for cue in (toe, nose):
        if np.isfinite(cue) and cue != 0:
            return 1 if cue > 0 else -1
    return 1


def incline(base: np.ndarray, tip: np.ndarray, facing: int) -> np.ndarray:
    """Angle of base→tip from the upward vertical, positive toward the facing direction (deg).

    ``base``, ``tip``: ``(..., 2)`` pixel coordinates (y down).

    >>> base = np.zeros(2)
    >>> [float(incline(base, np.array(tip), 1)) for tip in ([0., -10], [10., -10], [10., 0])]
    [0.0, 45.0, 90.0]
    >>> float(incline(base, np.array([10., -10]), -1))  # facing left, the tip behind: leaning back
    -45.0
    """
    d = tip[..., :2] - base[..., :2]
    return np.degrees(np.arctan2(facing * d[..., 0], -d[..., 1]))


#: Angles outside these ranges (degrees) are beyond human joint motion: a landmark tracking
#: failure, not a pose, so they are set to NaN (ranges widened from typical active ranges of
#: motion: hip flexion ~120-140, hip extension ~20-30, knee flexion ~140-150).
PLAUSIBLE = {"hip_flexion": (-45.0, 175.0), "knee_flexion": (-25.0, 165.0), "trunk_incline": (-60.0, 130.0)}


def joint_angles(image: np.ndarray, side: str, facing: int) -> dict[str, np.ndarray]:
    """Sagittal angles per frame from image landmarks (conventions in the module doc).

    Parameters
    ----------
    image : (T, 33, ≥2) landmarks, pixels, y down; NaN where unseen.
    side : "left" or "right", the side nearer the camera.
    facing : +1 when the lifter faces +x (right in the image), −1 when facing left.

    Returns
    -------
    dict of (T,) arrays, degrees
        ``trunk_incline``, ``hip_flexion``, ``knee_flexion``, ``shin_angle``, ``neck_angle``,
        ``thigh_angle``. Frames whose hip, knee or trunk angle leaves :data:`PLAUSIBLE` get NaN
        for every angle.
    """
    idx = SIDES[side]
    p = {part: image[:, i, :2] for part, i in idx.items()}
    trunk = incline(p["hip"], p["shoulder"], facing)
    thigh = _down_angle(p["hip"], p["knee"], facing)  # hip→knee from the downward vertical, + forward
    shin = incline(p["ankle"], p["knee"], facing)
    neck_dir = incline(p["shoulder"], p["ear"], facing)
    out = {
        "trunk_incline": trunk,
        "hip_flexion": _wrap(trunk + thigh),
        "knee_flexion": _wrap(thigh + shin),
        "shin_angle": shin,
        "neck_angle": _wrap(trunk - neck_dir),
        "thigh_angle": thigh,
    }
    bad = np.zeros(len(trunk), bool)
    for name, (lo, hi) in PLAUSIBLE.items():
        with np.errstate(invalid="ignore"):
            bad |= (out[name] < lo) | (out[name] > hi)
    for v in out.values():
        v[bad] = np.nan
    return out


def _down_angle(base: np.ndarray, tip: np.ndarray, facing: int) -> np.ndarray:
    """Angle of base→tip from the downward vertical, positive toward the facing direction (deg)."""
    d = tip[..., :2] - base[..., :2]
    return np.degrees(np.arctan2(facing * d[..., 0], d[..., 1]))


def _wrap(a: np.ndarray) -> np.ndarray:
    """Wrap angles to (−180, 180] degrees."""
    return (a + 180.0) % 360.0 - 180.0


def leg_length(image: np.ndarray, side: str) -> np.ndarray:
    """Hip→knee + knee→ankle length per frame, pixels."""
    idx = SIDES[side]
    return np.linalg.norm(image[:, idx["knee"], :2] - image[:, idx["hip"], :2], axis=-1) + np.linalg.norm(
        image[:, idx["ankle"], :2] - image[:, idx["knee"], :2], axis=-1
    )


def forward_offset(image: np.ndarray, side: str, facing: int, part: str, ref: np.ndarray) -> np.ndarray:
    """How far ``part`` is ahead of the point ``ref`` ``(T, 2)`` in the facing direction, pixels."""
    return facing * (image[:, SIDES[side][part], 0] - ref[:, 0])


_HIPS = [INDEX["left_hip"], INDEX["right_hip"]]
_SHOULDERS = [INDEX["left_shoulder"], INDEX["right_shoulder"]]


def trunk_axis(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per frame ``(mid-hip, mid-shoulder)``, each ``(T, 2)`` pixels: the mean of the two sides
    that were seen (one side alone when the other is missing; NaN when neither is)."""
    from hingecheck.core.nanstats import quiet_nan

    with quiet_nan():
        return np.nanmean(image[:, _HIPS, :2], axis=1), np.nanmean(image[:, _SHOULDERS, :2], axis=1)
