"""Rep verdicts: the rep's numbers (:func:`rep_measures`), every registered fault's check
(:mod:`hingecheck.core.faults`, where each fault's meaning, thresholds and cue live), notes and a
0-100 score; the clip's verdict and score.

Notes: ``rushed_tempo`` (descent under ``rushed_descent_s``), ``shallow_depth`` (hip flexion at
the bottom under ``shallow_hip_deg``), ``spine_from_landmarks_only``, ``oblique_view`` (measured
on a rendered 45° view: neutral reps read as rounded, so an oblique verdict is a warning sign,
not a finding), ``partial_rep``.

Score: each graded measure maps to 0-100, 50 at its threshold, 100 a tolerance inside it, 0 a
tolerance beyond (:func:`~hingecheck.core.faults.band`); the rep's score is the lowest, capped
under 50 when the rep has a fault.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hingecheck.core.config import Thresholds
from hingecheck.core.faults import REGISTRY, RepMeasures, squat_signs
from hingecheck.core.nanstats import quiet_nan
from hingecheck.core.reps import RepWindow
from hingecheck.core.results import FAULTS, NEUTRAL, NOT_JUDGED, Rep

#: Highest score a rep with a fault can get (a faulted rep always scores under 50).
FAULT_SCORE_CAP = 49.0
#: Window around a rep's end, seconds, searched for its lockout (the top of the movement).
LOCKOUT_WINDOW_S = 0.4
#: Knee and trunk must each move at least this much (degrees) on the way up to judge their order.
HIPS_FIRST_MIN_RANGE_DEG = 10.0


@dataclass(frozen=True)
class Features:
    """Per-frame measurements the verdicts are made from, arrays ``(T,)``, NaN where unknown.

    Angles in degrees (conventions in :mod:`hingecheck.core.kinematics`), relative ones already minus
    the lifter's standing value; lengths as fractions of leg length.
    """

    t: np.ndarray
    hip_flexion: np.ndarray
    knee_flexion: np.ndarray
    trunk_incline: np.ndarray
    shin_angle: np.ndarray
    spine_flexion: np.ndarray  # relative to standing
    neck_change: np.ndarray  # neck angle minus standing
    hip_drop: np.ndarray  # standing hip height minus hip height, / leg length
    hip_below_knee: np.ndarray  # bool as float: hip at or below knee height
    load_ahead: np.ndarray  # wrist ahead of mid-foot, / leg length
    knee_past_toe: np.ndarray  # knee ahead of toes, / foot length
    spine_from_landmarks: bool = False
    #: Heel's rise above its standing height relative to the toes, / foot length; None if unknown.
    heel_lift: np.ndarray | None = None
    #: Checks that cannot be judged anywhere in the clip, fault name → why (e.g. the lifter is
    #: too small for the pose model for the back outline and the head).
    untrusted: dict = field(default_factory=dict)
    #: Per frame: the back outline's departure from its smoothed curve (degrees), None without a
    #: mask (see :func:`hingecheck.core.measures.smooth_bend`).
    spine_jitter: np.ndarray | None = None
    #: Per frame: the trunk's incline from the shoulder's height above the hip against standing
    #: (degrees; :func:`hingecheck.core.measures.trunk_incline_from_rise`), unchanged by the
    #: camera's yaw; None without a standing height to read it against.
    trunk_incline_from_rise: np.ndarray | None = None


def _at(a: np.ndarray | None, i: int) -> float:
    return float(a[i]) if a is not None and 0 <= i < len(a) and np.isfinite(a[i]) else float("nan")


def _pct(a: np.ndarray | None, q: float, default=float("nan")) -> float:
    if a is None or not np.isfinite(a).any():
        return default
    with quiet_nan():
        return float(np.nanpercentile(a, q))


def rep_measures(f: Features, w: RepWindow, th: Thresholds, view: str = "side") -> RepMeasures:
    """The numbers every fault check reads, from one rep's frames (see :class:`RepMeasures`);
    ``view`` is the clip's (``side`` or ``oblique``)."""
    t = f.t
    sl = slice(w.start, w.end + 1)
    b = w.bottom
    hip, knee = _at(f.hip_flexion, b), _at(f.knee_flexion, b)
    trunk, shin = _at(f.trunk_incline, b), _at(f.shin_angle, b)
    top = (t >= t[w.end] - LOCKOUT_WINDOW_S) & (t <= t[w.end] + LOCKOUT_WINDOW_S)
    gain, way_up_seen = _hips_first(f, w, view)
    return RepMeasures(
        hip=hip,
        knee=knee,
        trunk=trunk,
        shin=shin,
        knee_hip_ratio=knee / hip if np.isfinite(hip) and hip > 1.0 else float("nan"),
        hip_drop=_at(f.hip_drop, b),
        hip_below_knee=bool(_at(f.hip_below_knee, b) > 0.5),
        torso_vs_shin=trunk - shin,
        spine_held=_pct(f.spine_flexion[sl], th.spine_rep_percentile),  # flexed through the rep, not a blip
        spine_peak=_pct(f.spine_flexion[sl], 95),
        spine_seen=float(np.isfinite(f.spine_flexion[sl]).mean()) if w.end >= w.start else 0.0,
        spine_from_landmarks=f.spine_from_landmarks,
        spine_jitter=_pct(None if f.spine_jitter is None else f.spine_jitter[sl], 50),
        neck_peak=_pct(f.neck_change[sl], 90),
        knee_past_toe=_at(f.knee_past_toe, b),
        load_ahead=_at(f.load_ahead, b),
        heel_lift=_pct(None if f.heel_lift is None else f.heel_lift[sl], 90),
        lockout_seen=not w.partial and w.lockout_seen,
        top_hip=_pct(f.hip_flexion[top], 0, default=_at(f.hip_flexion, w.end)),
        top_trunk=_pct(f.trunk_incline[top], 0),
        hips_first_gain=gain,
        way_up_seen=way_up_seen,
    )


def classify_rep(f: Features, w: RepWindow, th: Thresholds, index: int, view: str = "side") -> Rep:
    """Verdict, faults, notes, evidence and score of one rep: every registered fault that applies
    to the profile is checked unless the clip cannot trust it (``f.untrusted``).

    Parameters
    ----------
    f : the clip's per-frame measures (degrees; lengths as fractions of leg or foot length).
    w : the rep's frame indices.
    th : thresholds of the exercise profile.
    index : the rep's number in the clip, from 1.
    view : "side", "oblique" (graded with a note) or "front" (``unusable_view``).

    Returns
    -------
    Rep
        verdict (its first fault in registry order, ``neutral`` or ``not_judged``), faults, notes,
        angles at the bottom (degrees), times (seconds), 0-100 score, evidence, ``not_judged``
        (check → why) and ``confidence`` (share of its checks judged).
    """
    r = rep_measures(f, w, th, view)
    faults, scores, not_judged = [], [], {}
    checks = [fault for fault in REGISTRY if fault.applies(th)]
    for fault in checks:
        if fault.name in f.untrusted:
            not_judged[fault.name] = f.untrusted[fault.name]
            continue
        found = fault.check(r, th)
        if found.not_judged:
            not_judged[fault.name] = found.not_judged
            continue
        if found.score is not None:
            scores.append(found.score)
        if found.faulted:
            faults.append(fault.name)
    ordered = tuple(faults)  # REGISTRY is in verdict order
    if view == "front":
        verdict, ordered = "unusable_view", ()
    elif ordered:
        verdict = ordered[0]
    else:  # no fault found: neutral only if the spine, the point of the tool, was judged
        verdict = NOT_JUDGED if "lumbar_rounding" in not_judged else NEUTRAL
    score = min(scores) if scores else 100.0
    if ordered:
        score = min(score, FAULT_SCORE_CAP)
    t = f.t
    return Rep(
        index=index,
        start_frame=w.start,
        bottom_frame=w.bottom,
        end_frame=w.end,
        start_s=float(t[w.start]),
        bottom_s=float(t[w.bottom]),
        end_s=float(t[w.end]),
        verdict=verdict,
        faults=ordered,
        notes=_notes(r, w, th, view, float(t[w.bottom] - t[w.start])),
        hip_flexion_deg=r.hip,
        knee_flexion_deg=r.knee,
        trunk_incline_deg=r.trunk,
        spine_flexion_deg=r.spine_held,
        descent_s=float(t[w.bottom] - t[w.start]),
        ascent_s=float(t[w.end] - t[w.bottom]),
        score=float(score),
        evidence=_evidence(r, th),
        not_judged=not_judged,
        confidence=1.0 - len(not_judged) / len(checks),
    )


def _notes(r: RepMeasures, w: RepWindow, th: Thresholds, view: str, descent_s: float) -> tuple[str, ...]:
    notes = []
    if th.check_tempo and descent_s < th.rushed_descent_s:
        notes.append("rushed_tempo")
    if np.isfinite(r.hip) and r.hip < th.shallow_hip_deg:
        notes.append("shallow_depth")
    if r.spine_from_landmarks:
        notes.append("spine_from_landmarks_only")
    if view == "oblique":
        notes.append("oblique_view")  # the camera is about 45 deg off the side: angles and dowel less reliable
    if w.partial:
        notes.append("partial_rep")
    return tuple(notes)


def _evidence(r: RepMeasures, th: Thresholds) -> dict:
    """The numbers behind a verdict, as written to JSON (names carry units)."""
    return {
        "knee_hip_ratio": r.knee_hip_ratio,
        "shin_angle_deg": r.shin,
        "hip_drop_leg": r.hip_drop,
        "torso_minus_shin_deg": r.torso_vs_shin,
        "spine_peak_deg": r.spine_peak,
        "spine_jitter_deg": r.spine_jitter,
        "neck_change_deg": r.neck_peak,
        "lockout_hip_deg": r.top_hip,
        "lockout_trunk_deg": r.top_trunk,
        "load_ahead_leg": r.load_ahead,
        "knee_past_toe_foot": r.knee_past_toe,
        "heel_lift_foot": r.heel_lift,
        "hips_first_trunk_gain_deg": r.hips_first_gain,
        "squat_signs": [k for k, v in squat_signs(r, th).items() if v],
    }


def _hips_first(f: Features, w: RepWindow, view: str = "side") -> tuple[float, bool]:
    """On the way up, while the knees do the first half of their straightening: how much the
    trunk tips forward (degrees, the largest rise of its incline above its value at the bottom;
    0 when the back angle is held or the chest rises first), and whether the knees and trunk
    were tracked on the way up at all. NaN when the knees barely move.

    In an oblique view the trunk's incline is read from the shoulder's height above the hip
    (:attr:`Features.trunk_incline_from_rise`), which the camera's yaw does not change: the
    image incline, even rectified, tipped 9 deg on a good 45-deg pull whose heights read 3."""
    k = f.knee_flexion[w.bottom : w.end + 1]
    oblique = view == "oblique" and f.trunk_incline_from_rise is not None
    r = (f.trunk_incline_from_rise if oblique else f.trunk_incline)[w.bottom : w.end + 1]
    if len(k) < 3 or not (np.isfinite(k).all() and np.isfinite(r).all()):
        return float("nan"), False
    k_range = k[0] - k.min()
    if k_range < HIPS_FIRST_MIN_RANGE_DEG:
        return float("nan"), True
    half = int(np.argmax(k <= k[0] - 0.5 * k_range))
    return float(np.max(r[: half + 1]) - r[0]), True


def clip_score(reps, view: str) -> float | None:
    """Mean score of the reps that were judged (a ``not_judged`` rep has no score to give);
    None for a front view or when no rep was judged."""
    judged = [r.score for r in reps if r.verdict != NOT_JUDGED]
    return float(np.mean(judged)) if judged and view != "front" else None


def clip_verdict(reps: list[Rep], view: str) -> str:
    """The set's verdict: ``unusable_view`` (front view), ``no_reps``, ``not_judged`` when more
    reps could not be judged than could, else a fault when the faulted reps are at least as many
    as the neutral ones (a set is sound only when most of its judged reps are), and then the most
    common fault (ties go to the one a coach corrects first, the order of ``FAULTS``), else
    ``neutral``. Counting faulted reps together matters: 4 reps of 7 with three different faults
    are a faulted set, though ``neutral`` is the most common single rep verdict."""
    if view == "front":
        return "unusable_view"
    if not reps:
        return "no_reps"
    verdicts = [r.verdict for r in reps]
    faulted = [v for v in verdicts if v not in (NEUTRAL, NOT_JUDGED)]
    neutral = verdicts.count(NEUTRAL)
    if verdicts.count(NOT_JUDGED) > len(faulted) + neutral:
        return NOT_JUDGED
    if not faulted or len(faulted) < neutral:
        return NEUTRAL
    order = list(FAULTS)
    return min(set(faulted), key=lambda v: (-faulted.count(v), order.index(v) if v in order else len(order)))
