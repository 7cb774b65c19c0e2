"""Rep verdicts: faults, notes and a 0-100 score from a rep's kinematics and the thresholds.

Faults (stable names, most important first: :data:`hingecheck.core.results.FAULTS`):

* ``lumbar_rounding`` — the virtual dowel's flexion held through the rep (its
  ``spine_rep_percentile`` over the rep's frames: the median, so an arm or the bar crossing the
  outline for a few frames does not decide) above ``lumbar_flexion_max_deg``
  (``lumbar_fallback_max_deg`` for the landmark-only fallback).
* ``squatty_hinge`` — the hinge became a squat. Hinge-style profiles: knee flexion at the bottom
  above ``knee_max_deg`` together with one squat sign: knee:hip ratio above
  ``knee_hip_ratio_max``, hips dropped more than ``hip_drop_max`` of leg length, or the torso no
  more inclined than the shin plus ``torso_shin_margin_deg``. Deadlift (knees bend a lot in a
  correct pull): two of three — hip drop, hip crease at or below the knee, torso vs shin.
* ``neck_extension`` — neck angle more than ``neck_extension_max_deg`` above standing.
* ``knees_forward`` — shin more than ``shin_max_deg`` from vertical and the knee past the toes.
* ``lockout_hyperextension`` — at the top, the trunk leans back beyond
  ``hyperextension_trunk_deg`` or the back arches beyond ``hyperextension_spine_deg``.
* ``incomplete_lockout`` — the top never gets under ``lockout_hip_max_deg`` of hip flexion.
* ``load_drift`` — at the bottom the wrists are more than ``load_drift_max`` leg lengths ahead of
  the mid-foot.
* ``hips_rise_first`` — pulls from the floor: while the knees do the first half of their
  straightening, the trunk tips forward (its incline grows) by more than
  ``hips_first_trunk_gain_deg``: the hips rise and the shoulders do not. A back angle held
  constant off the floor is the correct pull, not a fault.

Notes: ``rushed_tempo`` (descent under ``rushed_descent_s``), ``shallow_depth`` (hip flexion at
the bottom under ``shallow_hip_deg``), ``spine_from_landmarks_only``, ``oblique_view`` (measured
on a rendered 45° view: neutral reps read as rounded, so an oblique verdict is a warning sign,
not a finding).

Score: each graded measure maps to 0-100, 50 at its threshold, 100 a tolerance inside it, 0 a
tolerance beyond; the rep's score is the lowest, capped under 50 when the rep has a fault.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hingecheck.core.config import Thresholds
from hingecheck.core.filters import quiet_nan
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
    #: Back outline's bend minus its standing value (degrees; negative = more arched than
    #: standing), for the lockout-hyperextension check; None without a mask.
    arch_change: np.ndarray | None = None
    #: Checks that cannot be judged anywhere in the clip, fault name → why (e.g. the lifter is
    #: too small in the frame for the back outline and the head).
    untrusted: dict = field(default_factory=dict)


def _band(value: float, threshold: float, tolerance: float) -> float:
    """100 a tolerance inside the threshold, 50 at it, 0 a tolerance beyond (higher value = worse)."""
    if not np.isfinite(value):
        return 100.0
    return float(np.clip(50.0 + 50.0 * (threshold - value) / max(tolerance, 1e-9), 0.0, 100.0))


def _at(a: np.ndarray, i: int) -> float:
    return float(a[i]) if 0 <= i < len(a) and np.isfinite(a[i]) else float("nan")


def _pct(a: np.ndarray, q: float, default=float("nan")) -> float:
    with quiet_nan():
        return float(np.nanpercentile(a, q)) if np.isfinite(a).any() else default


def classify_rep(f: Features, w: RepWindow, th: Thresholds, index: int, view: str = "side") -> Rep:
    """Verdict, faults, notes, evidence and score of one rep (see module doc)."""
    t = f.t
    sl = slice(w.start, w.end + 1)
    b = w.bottom
    hip, knee = _at(f.hip_flexion, b), _at(f.knee_flexion, b)
    trunk, shin = _at(f.trunk_incline, b), _at(f.shin_angle, b)
    ratio = knee / hip if np.isfinite(hip) and hip > 1.0 else float("nan")
    spine_held = _pct(f.spine_flexion[sl], th.spine_rep_percentile)  # flexed through the rep, not a blip
    spine_peak = _pct(f.spine_flexion[sl], 95)
    neck_peak = _pct(f.neck_change[sl], 90)
    drop = _at(f.hip_drop, b)
    torso_vs_shin = trunk - shin
    t_end = t[w.end]
    top = (t >= t_end - LOCKOUT_WINDOW_S) & (t <= t_end + LOCKOUT_WINDOW_S)
    top_hip = _pct(f.hip_flexion[top], 0, default=_at(f.hip_flexion, w.end))
    top_trunk = _pct(f.trunk_incline[top], 0)
    top_spine = _pct(f.arch_change[top], 50) if f.arch_change is not None else float("nan")

    faults: set[str] = set()
    scores: list[float] = []
    not_judged: dict[str, str] = dict(f.untrusted)
    applicable = ["lumbar_rounding", "squatty_hinge", "neck_extension", "knees_forward",
                  "lockout_hyperextension", "incomplete_lockout"]
    applicable += ["load_drift"] if th.check_load_drift else []
    applicable += ["hips_rise_first"] if th.check_hips_rise_first else []

    def judged(name: str, ok: bool, why: str) -> bool:
        """Whether check ``name`` may call its fault; records why not."""
        if name in not_judged:
            return False
        if not ok:
            not_judged[name] = why
        return ok

    lumbar_max = th.lumbar_fallback_max_deg if f.spine_from_landmarks else th.lumbar_flexion_max_deg
    spine_seen = float(np.isfinite(f.spine_flexion[sl]).mean()) if w.end >= w.start else 0.0
    if judged("lumbar_rounding", spine_seen >= th.min_judged_fraction,
              "back outline missing or implausible on most of the rep"):
        scores.append(_band(spine_held, lumbar_max, th.lumbar_tolerance_deg))
        if spine_held > lumbar_max:
            faults.add("lumbar_rounding")

    squat_signs = {
        "knee_hip_ratio": bool(np.isfinite(ratio) and ratio > th.knee_hip_ratio_max),
        "hip_drop": bool(np.isfinite(drop) and drop > th.hip_drop_max),
        "torso_vs_shin": bool(np.isfinite(torso_vs_shin) and torso_vs_shin < th.torso_shin_margin_deg),
        "hip_below_knee": bool(_at(f.hip_below_knee, b) > 0.5),
    }
    if judged("squatty_hinge", np.isfinite(hip) and (np.isfinite(knee) or np.isfinite(torso_vs_shin)),
              "hip or legs not tracked at the bottom"):
        if th.use_knee_angle_for_squat:
            scores.append(_band(knee, th.knee_max_deg, th.squat_tolerance_deg))
            if np.isfinite(knee) and knee > th.knee_max_deg and (
                    squat_signs["knee_hip_ratio"] or squat_signs["hip_drop"] or squat_signs["torso_vs_shin"]):
                faults.add("squatty_hinge")
        elif sum(squat_signs[k] for k in ("hip_drop", "hip_below_knee", "torso_vs_shin")) >= 2:
            faults.add("squatty_hinge")

    if judged("neck_extension", np.isfinite(neck_peak), "head or standing posture not seen"):
        scores.append(_band(neck_peak, th.neck_extension_max_deg, th.neck_tolerance_deg))
        if neck_peak > th.neck_extension_max_deg:
            faults.add("neck_extension")

    past_toe = _at(f.knee_past_toe, b)
    if judged("knees_forward", np.isfinite(shin) and np.isfinite(past_toe), "shin or foot not tracked at the bottom"):
        if shin > th.shin_max_deg and past_toe > th.knee_past_toe_frac:
            faults.add("knees_forward")

    lockout_seen = not w.partial
    if judged("lockout_hyperextension", lockout_seen and (np.isfinite(top_trunk) or np.isfinite(top_spine)),
              "the clip does not show the lockout"):
        if (np.isfinite(top_trunk) and top_trunk < th.hyperextension_trunk_deg) or (
                np.isfinite(top_spine) and top_spine < th.hyperextension_spine_deg):
            faults.add("lockout_hyperextension")
    if judged("incomplete_lockout", lockout_seen and np.isfinite(top_hip), "the clip does not show the lockout"):
        if top_hip > th.lockout_hip_max_deg:
            faults.add("incomplete_lockout")

    load = _at(f.load_ahead, b)
    if th.check_load_drift and judged("load_drift", np.isfinite(load), "hands or feet not tracked at the bottom"):
        if load > th.load_drift_max:
            faults.add("load_drift")

    trunk_gain, seen = _hips_first(f, w)
    if th.check_hips_rise_first and judged("hips_rise_first", seen, "knees or trunk not tracked on the way up"):
        if np.isfinite(trunk_gain) and trunk_gain > th.hips_first_trunk_gain_deg:
            faults.add("hips_rise_first")
    not_judged = {k: v for k, v in not_judged.items() if k in applicable}

    descent = float(t[b] - t[w.start])
    ascent = float(t[w.end] - t[b])
    notes = []
    if th.check_tempo and descent < th.rushed_descent_s:
        notes.append("rushed_tempo")
    if np.isfinite(hip) and hip < th.shallow_hip_deg:
        notes.append("shallow_depth")
    if f.spine_from_landmarks:
        notes.append("spine_from_landmarks_only")
    if view == "oblique":
        notes.append("oblique_view")  # the camera is about 45 deg off the side: angles and dowel less reliable
    if w.partial:
        notes.append("partial_rep")

    ordered = tuple(x for x in FAULTS if x in faults)
    if view == "front":
        verdict, ordered = "unusable_view", ()
    elif ordered:
        verdict = ordered[0]
    else:  # no fault found: neutral only if the spine, the point of the tool, was judged
        verdict = NOT_JUDGED if "lumbar_rounding" in not_judged else NEUTRAL
    score = min(scores) if scores else 100.0
    if ordered:
        score = min(score, FAULT_SCORE_CAP)
    evidence = {
        "knee_hip_ratio": ratio, "shin_angle_deg": shin, "hip_drop_leg": drop, "torso_minus_shin_deg": torso_vs_shin,
        "spine_peak_deg": spine_peak, "neck_change_deg": neck_peak, "lockout_hip_deg": top_hip, "lockout_trunk_deg": top_trunk,
        "load_ahead_leg": load, "knee_past_toe_foot": past_toe, "hips_first_trunk_gain_deg": trunk_gain,
        "squat_signs": [k for k, v in squat_signs.items() if v],
    }
    return Rep(
        index=index, start_frame=w.start, bottom_frame=b, end_frame=w.end, start_s=float(t[w.start]),
        bottom_s=float(t[b]), end_s=float(t[w.end]), verdict=verdict, faults=ordered, notes=tuple(notes),
        hip_flexion_deg=hip, knee_flexion_deg=knee, trunk_incline_deg=trunk, spine_flexion_deg=spine_held,
        descent_s=descent, ascent_s=ascent, score=float(score), evidence=evidence, not_judged=not_judged,
        confidence=1.0 - len(not_judged) / len(applicable),
    )


def _hips_first(f: Features, w: RepWindow) -> tuple[float, bool]:
    """On the way up, while the knees do the first half of their straightening: how much the
    trunk tips forward (degrees, the largest rise of its incline above its value at the bottom;
    0 when the back angle is held or the chest rises first), and whether the knees and trunk
    were tracked on the way up at all. NaN when the knees barely move."""
    k = f.knee_flexion[w.bottom:w.end + 1]
    r = f.trunk_incline[w.bottom:w.end + 1]
    if len(k) < 3 or not (np.isfinite(k).all() and np.isfinite(r).all()):
        return float("nan"), False
    k_range = k[0] - k.min()
    if k_range < HIPS_FIRST_MIN_RANGE_DEG:
        return float("nan"), True
    half = int(np.argmax(k <= k[0] - 0.5 * k_range))
    return float(np.max(r[:half + 1]) - r[0]), True


def clip_score(reps, view: str) -> float | None:
    """Mean score of the reps that were judged (a ``not_judged`` rep has no score to give);
    None for a front view or when no rep was judged."""
    judged = [r.score for r in reps if r.verdict != NOT_JUDGED]
    return float(np.mean(judged)) if judged and view != "front" else None


def clip_verdict(reps: list[Rep], view: str) -> str:
    """Most common rep verdict (ties go to the fault, the more important first, then to
    ``not_judged``), ``no_reps``, or ``unusable_view``."""
    if view == "front":
        return "unusable_view"
    if not reps:
        return "no_reps"
    verdicts = [r.verdict for r in reps]
    order = list(FAULTS) + [NOT_JUDGED, NEUTRAL]
    counts = {v: verdicts.count(v) for v in set(verdicts)}
    best = max(counts.values())
    tied = [v for v in counts if counts[v] == best]
    return min(tied, key=lambda v: order.index(v) if v in order else len(order))
