"""The virtual dowel: a spine estimate from the back's outline, which sees rounding that hip and
knee angles cannot.

Coaches check a hinge with a dowel touching the sacrum, the upper back and the back of the head.
Here the outline of the back comes from the segmentation mask, sampled by the pose stream as a
back profile (:mod:`hingecheck.core.series`): at stations ``s`` along the mid-hip→mid-shoulder axis
(0 = hip, 1 = shoulder), the distance ``d(s)`` in pixels from the axis to the body's edge.

Per frame:

1. the back is the side opposite the facing direction: profile column 1 when facing +x,
   column 0 when facing −x (rotating the hip→shoulder direction by +90° in image coordinates
   points forward for a lifter facing +x, whether upright or hinged);
2. ``d(s)`` is median-filtered across stations (a strand of hair or a fold of cloth is one or
   two stations wide);
3. the dowel rests on the most posterior point of the sacral window and of the upper-back
   window (:data:`SACRAL_WINDOW`, :data:`UPPER_WINDOW`): the contact points;
4. the outline's bulge beyond the chord between them, over the lumbar window, is the sagitta
   ``h`` (90th percentile of the deviations, so one stray station does not decide), and the
   equivalent bend is ``4·atan(2h / c)`` for chord ``c`` (degrees; negative = the back curves
   in, as a lordotic lower back does);
5. the head's distance from the dowel line (ear landmark of the graded side), as a fraction of
   the trunk length, positive = behind the line (the back side).

The analysis then judges the *change* from the same lifter's standing posture, not an absolute
number: clothing, body shape and the model's mask shift the baseline.

Where no mask is available, :func:`bend_from_chord_ratio` gives a landmark-only fallback (the
analysis feeds it the hip→shoulder distance in world landmarks, metres, over its standing
value): that distance shortens as the spine bends (for an arc of constant length,
chord / arc = sin(θ/2) / (θ/2)). It is far weaker: a 40° bend shortens the chord by only 2%,
within the landmarks' noise, so results carry the note ``spine_from_landmarks_only``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from hingecheck.core.kinematics import trunk_axis
from hingecheck.core.nanstats import nanquantile, quiet_nan
from hingecheck.core.series import PROFILE_STATIONS

#: Station ranges (fraction of hip→shoulder) where the dowel's contact points are searched.
SACRAL_WINDOW = (-0.15, 0.2)
UPPER_WINDOW = (0.65, 1.05)
#: Stations whose bulge beyond the chord counts (the lumbar and lower thoracic spine).
BULGE_WINDOW = (0.2, 0.65)
#: Percentile of the deviations taken as the sagitta (robust to a single stray station).
BULGE_PERCENTILE = 90
#: Width (stations) of the median filter across stations.
STATION_MEDIAN = 3


@dataclass(frozen=True)
class DowelTrace:
    """Per-frame dowel measurements, arrays ``(T,)`` unless noted; NaN where unknown.

    bend_deg: equivalent bend of the back between the contact points, degrees (+ = rounded).
    head_offset: ear distance from the dowel line / trunk length (+ = behind the line).
    contacts: ``(T, 3, 2)`` image pixels of the sacral contact, the upper-back contact and the
        head point projected on the dowel line (for drawing the dowel).
    """

    bend_deg: np.ndarray
    head_offset: np.ndarray
    contacts: np.ndarray


def spine_words(deg: float, decimals: int = 0) -> str:
    """A back flexion (degrees; negative = extension, the back curved in) as a lifter reads it:
    the flexion as a number, an extension as its size and "arched" — as the window and the
    history show it (the JSON, CSV and report keep the signed number). "spine -28" read as a
    minus sign nobody explained (standing outlines read arched: lordosis, glutes, the bar).

    >>> spine_words(-28.4), spine_words(12.0), spine_words(-0.3), spine_words(-5.26, 1)
    ('28 arched', '12', '0', '5.3 arched')
    """
    size = f"{abs(deg):.{decimals}f}"
    return f"{size} arched" if deg < 0 and float(size) != 0 else size


def back_column(facing: int) -> int:
    """The profile column that holds the back for a lifter facing ``facing`` (see module doc)."""
    return 1 if facing > 0 else 0


def _window(lo: float, hi: float) -> np.ndarray:
    return (PROFILE_STATIONS >= lo - 1e-9) & (PROFILE_STATIONS <= hi + 1e-9)


def _nan_argmax(a: np.ndarray, axis: int = -1) -> np.ndarray:
    filled = np.where(np.isfinite(a), a, -np.inf)
    return np.argmax(filled, axis=axis)


def dowel_from_profile(profile: np.ndarray, image: np.ndarray, facing: int, ear_index: int) -> DowelTrace:
    """Measure the virtual dowel in every frame (see module doc).

    Args:
        profile: ``(T, S, 2)`` back profile, pixels.
        image: ``(T, 33, ≥2)`` image landmarks, pixels.
        facing: +1 / −1 (see :mod:`hingecheck.core.kinematics`).
        ear_index: landmark index of the graded side's ear.
    """
    t_len = profile.shape[0]
    hip, sho = trunk_axis(image)
    axis = sho - hip
    length = np.linalg.norm(axis, axis=-1)  # (T,)
    with np.errstate(all="ignore"):
        u = axis / length[:, None]
    n_back = np.stack([-u[:, 1], u[:, 0]], axis=-1) * (1 if back_column(facing) == 0 else -1)

    d = profile[:, :, back_column(facing)].astype(np.float64)  # (T, S)
    half = STATION_MEDIAN // 2
    padded = np.pad(d, ((0, 0), (half, half)), mode="edge")
    d = nanquantile(sliding_window_view(padded, STATION_MEDIAN, axis=1), 0.5)

    s = PROFILE_STATIONS
    sac, upp, mid = _window(*SACRAL_WINDOW), _window(*UPPER_WINDOW), _window(*BULGE_WINDOW)
    rows = np.arange(t_len)
    # On a flat stretch every point touches the dowel: take the contact nearest the lumbar window.
    sac_idx = np.flatnonzero(sac)
    ia = sac_idx[len(sac_idx) - 1 - _nan_argmax(d[:, sac][:, ::-1])]
    ib = np.flatnonzero(upp)[_nan_argmax(d[:, upp])]
    da, db = d[rows, ia], d[rows, ib]
    sa, sb = s[ia], s[ib]
    with np.errstate(all="ignore"), quiet_nan():
        line = da[:, None] + (db - da)[:, None] * (s[None, :] - sa[:, None]) / (sb - sa)[:, None]
        dev = np.where(mid[None, :], (d - line) * 1.0, np.nan)
        sag = nanquantile(dev, BULGE_PERCENTILE / 100.0, axis=1)
        chord = np.hypot((sb - sa) * length, db - da)
        bend = np.degrees(4.0 * np.arctan(2.0 * sag / chord))

    # Contact points back in image pixels.
    pa = hip + (sa * length)[:, None] * u + da[:, None] * n_back
    pb = hip + (sb * length)[:, None] * u + db[:, None] * n_back
    ear = image[:, ear_index, :2]
    with np.errstate(all="ignore"):
        dl = (pb - pa) / np.linalg.norm(pb - pa, axis=-1, keepdims=True)
        rel = ear - pa
        along = np.sum(rel * dl, axis=-1)
        head_proj = pa + along[:, None] * dl
        # Signed distance of the ear from the dowel line, + on the back side (along n_back).
        head = np.sum((ear - head_proj) * n_back, axis=-1) / length
    contacts = np.stack([pa, pb, head_proj], axis=1)
    bad = ~np.isfinite(length) | (length < 1.0)
    bend[bad] = np.nan
    head[bad] = np.nan
    return DowelTrace(bend_deg=bend, head_offset=head, contacts=contacts)


#: The table :func:`bend_from_chord_ratio` inverts, built once (every live frame reads it):
#: half-angles θ/2 (radians) and the chord / arc ratio sin(θ/2) / (θ/2), ratio increasing.
_x = np.linspace(1e-6, np.pi, 2000)
_HALF_THETA, _CHORD_RATIO = _x[::-1], (np.sin(_x) / _x)[::-1]
del _x


def bend_from_chord_ratio(ratio: np.ndarray) -> np.ndarray:
    """Bend θ (degrees) of an arc whose chord is ``ratio`` times its length: inverts
    chord / arc = sin(θ/2) / (θ/2) on a table (monotonic for θ in 0..360°). NaN stays NaN.

    A quarter circle's chord is 2·sin 45° / (π/2) = 0.9003 of its arc, a half circle's 2/π:

    >>> np.round(bend_from_chord_ratio(np.array([1.0, 0.9003, 2 / np.pi, np.nan])), 1).tolist()
    [0.0, 90.0, 180.0, nan]
    """
    half_theta = np.interp(ratio, _CHORD_RATIO, _HALF_THETA)
    return np.where(np.isfinite(ratio), np.degrees(2.0 * half_theta), np.nan)
