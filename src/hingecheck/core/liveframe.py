"""One frame's measures in plain float math: the live path's twin of the per-frame functions.

:class:`~hingecheck.core.streaming.StreamingAnalyzer` measures one frame at a time. The vectorized
functions (:func:`~hingecheck.core.measures.frame_measures`, :func:`~hingecheck.core.view.body_yaw`,
:func:`~hingecheck.core.measures.trunk_lengths`) cost about 80 small numpy calls on ``(1, 33, 3)``
arrays per frame, most of the live core's time (issue 14). Here the same formulas run on Python
floats, in the same order of operations, so every number is bit for bit the vectorized one
(``tests/core/test_liveframe.py`` checks that on real clips and on edge cases): IEEE ``+ - * /``
and ``sqrt`` round the same in both; the functions numpy computes with its own SIMD code
(``arctan2``, ``arctan``, ``hypot``) are still numpy's, called on scalars; divisions by zero
give what numpy gives (inf or NaN) instead of raising.

Units as the vectorized functions: image landmarks and lengths in pixels, world landmarks in
metres, angles in degrees.
"""

from __future__ import annotations

import math

import numpy as np

from hingecheck.core.dowel import (
    BULGE_PERCENTILE,
    BULGE_WINDOW,
    SACRAL_WINDOW,
    STATION_MEDIAN,
    UPPER_WINDOW,
    _window,
    back_column,
)
from hingecheck.core.kinematics import PLAUSIBLE, SIDES
from hingecheck.core.series import INDEX, PROFILE_STATIONS

_NAN = float("nan")
_INF = float("inf")
#: Radians → degrees as ``np.degrees`` computes it (``x * (180 / pi)``).
_RAD2DEG = 180.0 / math.pi
_STATIONS = PROFILE_STATIONS.tolist()
_SAC = np.flatnonzero(_window(*SACRAL_WINDOW)).tolist()
_UPP = np.flatnonzero(_window(*UPPER_WINDOW)).tolist()
_MID = np.flatnonzero(_window(*BULGE_WINDOW)).tolist()
assert STATION_MEDIAN == 3, "dowel() filters across stations three at a time"
_LH, _RH, _LS, _RS = (INDEX[k] for k in ("left_hip", "right_hip", "left_shoulder", "right_shoulder"))
_HIP_LIM, _KNEE_LIM, _TRUNK_LIM = PLAUSIBLE["hip_flexion"], PLAUSIBLE["knee_flexion"], PLAUSIBLE["trunk_incline"]


def div(a: float, b: float) -> float:
    """``a / b`` as float64 arrays divide: ±inf or NaN for a zero ``b`` instead of an error.

    >>> div(1.0, 0.0), div(-1.0, 0.0), div(0.0, 0.0) != div(0.0, 0.0)
    (inf, -inf, True)
    """
    try:
        return a / b
    except ZeroDivisionError:
        if a != a or a == 0.0:
            return _NAN
        return math.copysign(_INF, a) * math.copysign(1.0, b)


def nanquantile(values, q: float) -> float:
    """:func:`hingecheck.core.nanstats.nanquantile` of one row (a list of floats), same arithmetic."""
    srt = sorted([v for v in values if v == v])  # NaN dropped: numpy sorts it last, past every index used
    n = len(srt)
    if n and (srt[0] == -_INF or srt[-1] == _INF):
        n = sum(map(math.isfinite, srt))
    if n == 0:
        return _NAN
    pos = q * max(n - 1, 0)
    lo = math.floor(pos)
    hi = min(lo + 1, max(n - 1, 0))
    v_lo = srt[lo]
    return v_lo + (srt[hi] - v_lo) * (pos - lo)


def _nanmean2(a: float, b: float) -> float:
    """``np.nanmean`` of two values."""
    n = (a == a) + (b == b)
    if not n:
        return _NAN
    return ((a if a == a else 0.0) + (b if b == b else 0.0)) / n


def _atan2_deg(y: float, x: float) -> float:
    return float(np.arctan2(y, x)) * _RAD2DEG


def _wrap(a: float) -> float:
    return (a + 180.0) % 360.0 - 180.0


def _outside(v: float, lim: tuple[float, float]) -> bool:
    return v < lim[0] or v > lim[1]


def joint_angles(p: list, side: str, facing: int) -> dict[str, float]:
    """:func:`hingecheck.core.kinematics.joint_angles` of one frame; ``p`` is the frame's
    landmarks as nested lists (``image.tolist()``, pixels)."""
    idx = SIDES[side]
    sh, hp, kn, an, ear = p[idx["shoulder"]], p[idx["hip"]], p[idx["knee"]], p[idx["ankle"]], p[idx["ear"]]
    trunk = _atan2_deg(facing * (sh[0] - hp[0]), -(sh[1] - hp[1]))
    thigh = _atan2_deg(facing * (kn[0] - hp[0]), kn[1] - hp[1])
    shin = _atan2_deg(facing * (kn[0] - an[0]), -(kn[1] - an[1]))
    neck_dir = _atan2_deg(facing * (ear[0] - sh[0]), -(ear[1] - sh[1]))
    hip, knee = _wrap(trunk + thigh), _wrap(thigh + shin)
    out = {
        "trunk_incline": trunk,
        "hip_flexion": hip,
        "knee_flexion": knee,
        "shin_angle": shin,
        "neck_angle": _wrap(trunk - neck_dir),
        "thigh_angle": thigh,
    }
    if _outside(hip, _HIP_LIM) or _outside(knee, _KNEE_LIM) or _outside(trunk, _TRUNK_LIM):
        return dict.fromkeys(out, _NAN)
    return out


def dowel(profile: np.ndarray, p: list, facing: int, ear_index: int) -> tuple[float, float, list]:
    """:func:`hingecheck.core.dowel.dowel_from_profile` of one frame: ``(bend_deg, head_offset,
    contacts)``, contacts as three ``[x, y]`` pixel points (sacral, upper back, head on the line).

    ``profile`` is the frame's ``(S, 2)`` back profile (pixels), ``p`` its landmarks as lists."""
    hip = [_nanmean2(p[_LH][0], p[_RH][0]), _nanmean2(p[_LH][1], p[_RH][1])]
    sho = [_nanmean2(p[_LS][0], p[_RS][0]), _nanmean2(p[_LS][1], p[_RS][1])]
    ax, ay = sho[0] - hip[0], sho[1] - hip[1]
    length = math.sqrt(ax * ax + ay * ay)
    u = (div(ax, length), div(ay, length))
    sgn = 1 if back_column(facing) == 0 else -1
    nb = ((-u[1]) * sgn, u[0] * sgn)

    raw = profile[:, back_column(facing)].tolist()
    padded = [raw[0], *raw, raw[-1]]  # edge padding for the median across stations
    d = []
    isfinite = math.isfinite
    for a, b, c in zip(padded, padded[1:], padded[2:]):  # STATION_MEDIAN = 3 wide
        if isfinite(a) and isfinite(b) and isfinite(c):  # nanquantile's arithmetic for three values
            s0, s1, s2 = sorted((a, b, c))
            d.append(s1 + (s2 - s1) * 0.0)
        else:
            d.append(nanquantile((a, b, c), 0.5))

    def filled(i: int) -> float:
        v = d[i]
        return v if math.isfinite(v) else -_INF

    # On a flat stretch every point touches the dowel: the sacral contact nearest the lumbar window.
    ia, best = _SAC[-1], filled(_SAC[-1])
    for i in reversed(_SAC[:-1]):
        if filled(i) > best:
            ia, best = i, filled(i)
    ib, best = _UPP[0], filled(_UPP[0])
    for i in _UPP[1:]:
        if filled(i) > best:
            ib, best = i, filled(i)
    da, db = d[ia], d[ib]
    sa, sb = _STATIONS[ia], _STATIONS[ib]
    dev = [d[i] - (da + div((db - da) * (_STATIONS[i] - sa), sb - sa)) for i in _MID]
    sag = nanquantile(dev, BULGE_PERCENTILE / 100.0)
    chord = float(np.hypot((sb - sa) * length, db - da))
    bend = 4.0 * float(np.arctan(div(2.0 * sag, chord))) * _RAD2DEG

    pa = [hip[k] + (sa * length) * u[k] + da * nb[k] for k in (0, 1)]
    pb = [hip[k] + (sb * length) * u[k] + db * nb[k] for k in (0, 1)]
    ear = p[ear_index]
    lx, ly = pb[0] - pa[0], pb[1] - pa[1]
    dn = math.sqrt(lx * lx + ly * ly)
    dl = (div(lx, dn), div(ly, dn))
    along = (ear[0] - pa[0]) * dl[0] + (ear[1] - pa[1]) * dl[1]
    proj = [pa[k] + along * dl[k] for k in (0, 1)]
    head = div((ear[0] - proj[0]) * nb[0] + (ear[1] - proj[1]) * nb[1], length)
    if not math.isfinite(length) or length < 1.0:
        bend = head = _NAN
    return bend, head, [pa, pb, proj]


def _dist(a: list, b: list) -> float:
    dx, dy = a[0] - b[0], a[1] - b[1]
    return math.sqrt(dx * dx + dy * dy)


def frame_measures(
    image: np.ndarray, world: np.ndarray, profile: np.ndarray | None, side: str, facing: int
) -> tuple[dict[str, float], np.ndarray]:
    """:func:`hingecheck.core.measures.frame_measures` of one frame: ``image`` ``(33, 3)`` px,
    ``world`` ``(33, 3)`` m, ``profile`` ``(S, 2)`` px or None. Returns the measures as floats
    (degrees, pixels, metres for ``chord_bend_base``) and the dowel's contacts ``(3, 2)`` px."""
    p = image.tolist()
    m = joint_angles(p, side, facing)
    idx = SIDES[side]
    if profile is not None:
        m["bend"], m["head"], contacts = dowel(profile, p, facing, idx["ear"])
    else:
        m["bend"] = m["head"] = _NAN
        contacts = [[_NAN, _NAN]] * 3
    hp, kn, an, he, ft, sh = (p[idx[k]] for k in ("hip", "knee", "ankle", "heel", "foot_index", "shoulder"))
    m["hip_height"] = an[1] - hp[1]
    m["leg_len"] = _dist(kn, hp) + _dist(an, kn)
    m["shin_len"] = _dist(an, kn)
    m["hip_below_knee"] = float(hp[1] >= kn[1])
    m["load_ahead_px"] = facing * (p[idx["wrist"]][0] - (he[0] + ft[0]) / 2.0)
    m["knee_past_toe_px"] = facing * (kn[0] - ft[0])
    m["foot_len"] = _dist(ft, he)
    m["heel_rise_px"] = ft[1] - he[1]
    m["trunk_rise_px"] = hp[1] - sh[1]
    w = world.tolist()
    c = [(w[_LS][k] + w[_RS][k]) / 2 - (w[_LH][k] + w[_RH][k]) / 2 for k in (0, 1, 2)]
    m["chord_bend_base"] = math.sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2])
    return m, np.array(contacts, np.float64)


def body_yaw(world: np.ndarray) -> float:
    """:func:`hingecheck.core.view.body_yaw` of one frame ``(33, 3)`` m, degrees."""
    w = world.tolist()
    y = [
        float(np.arctan2(abs(w[a][2] - w[b][2]), abs(w[a][0] - w[b][0]))) * _RAD2DEG
        for a, b in ((_LH, _RH), (_LS, _RS))
    ]
    return _nanmean2(y[0], y[1])


def drop_implausible(m: dict[str, float], th) -> dict[str, float]:
    """:func:`hingecheck.core.measures.drop_implausible` of one frame's measures (in place)."""
    if m["hip_flexion"] < th.plausible_hip_min_deg or m["hip_flexion"] > th.plausible_hip_max_deg:
        m["hip_flexion"] = m["trunk_incline"] = m["thigh_angle"] = _NAN
    if m["knee_flexion"] < th.plausible_knee_min_deg or m["knee_flexion"] > th.plausible_knee_max_deg:
        m["knee_flexion"] = m["shin_angle"] = _NAN
    if abs(m["bend"]) > th.plausible_spine_max_deg:
        m["bend"] = _NAN
    return m


def trunk_length(image: np.ndarray) -> float:
    """:func:`hingecheck.core.measures.trunk_lengths` of one frame ``(33, 3)``, pixels."""
    p = image.tolist()
    dx = (p[_LS][0] + p[_RS][0]) / 2 - (p[_LH][0] + p[_RH][0]) / 2
    dy = (p[_LS][1] + p[_RS][1]) / 2 - (p[_LH][1] + p[_RH][1]) / 2
    return math.sqrt(dx * dx + dy * dy)
