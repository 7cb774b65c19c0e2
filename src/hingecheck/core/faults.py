"""Every fault in one place: what it means, the thresholds it reads, its check, its cue, the body
region it lights and its per-frame warning.

:data:`REGISTRY` is ordered the way a coach corrects (README, "Verdicts"): the spine first (the
reason the tool exists), then the movement pattern that causes the rest (hips shooting up, a squat
instead of a hinge, knees forward, heels up), the bar path, and last the head and lockout details,
which often follow from the pattern (with the hips rising, the trunk tips forward while the head
stays up). A rep's verdict is its first fault in this order; ``results.FAULTS``, the cue tables,
the overlay's colours and README's fault list all come from here.

Adding a fault: one :class:`Fault` below (its check reads a :class:`RepMeasures`), its thresholds
in ``thresholds.toml`` (value, unit, source) and :class:`~hingecheck.core.config.Thresholds`, and
— when it needs a measure no fault had — that measure in ``measures.frame_measures`` and
``classify.rep_measures``.

Conventions: angles in degrees, lengths as fractions of the lifter's standing leg or foot
length, times in seconds; every value is NaN when it was not seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import numpy as np

from hingecheck.core.nanstats import quiet_nan

if TYPE_CHECKING:  # pragma: no cover
    from hingecheck.core.config import Thresholds


@dataclass(frozen=True)
class RepMeasures:
    """One rep's numbers, the only input of a fault check (see :func:`hingecheck.core.classify.rep_measures`).

    ``*_bottom`` values are read at the rep's deepest frame, ``top_*`` over its lockout window.
    """

    hip: float  # hip flexion at the bottom
    knee: float  # knee flexion at the bottom
    trunk: float  # trunk incline at the bottom
    shin: float  # shin angle at the bottom
    knee_hip_ratio: float  # knee / hip flexion at the bottom
    hip_drop: float  # standing hip height minus hip height at the bottom, / leg length
    hip_below_knee: bool  # hip crease at or below the knee at the bottom
    torso_vs_shin: float  # trunk incline minus shin angle at the bottom
    spine_held: float  # back flexion held through the rep (its ``spine_rep_percentile``)
    spine_peak: float  # 95th percentile of back flexion over the rep
    spine_seen: float  # share of the rep's frames with a back reading, 0..1
    spine_from_landmarks: bool  # no segmentation mask: the landmark-only fallback
    spine_jitter: float  # median over the rep of the outline's frame-to-frame departure from its smooth curve, deg
    neck_peak: float  # 90th percentile of the neck angle's change from standing over the rep
    knee_past_toe: float  # knee ahead of the toes at the bottom, / foot length
    load_ahead: float  # wrists ahead of the mid-foot at the bottom, / leg length
    heel_lift: float  # 90th percentile over the rep of the heel's rise above standing, / foot length
    lockout_seen: bool  # the clip shows this rep's lockout (not a partial rep)
    top_hip: float  # least hip flexion around the lockout
    top_trunk: float  # least trunk incline around the lockout (negative = leaning back)
    hips_first_gain: float  # trunk tipping forward while the knees straighten (see classify)
    way_up_seen: bool  # knees and trunk tracked on the way up


@dataclass(frozen=True)
class Finding:
    """What one check found on one rep."""

    faulted: bool = False
    score: float | None = None  # 0-100 (50 at the threshold) for graded measures, else None
    not_judged: str | None = None  # why the check could not be judged on this rep


@dataclass(frozen=True)
class FrameSignals:
    """Per-frame inputs of the warnings, arrays ``(T,)`` (or one live frame's scalars, see
    :func:`frame_warnings_now`): the back flexion held in the rep so far
    (:func:`held_in_rep`), knee flexion, the neck's change from standing, and whether the frame is
    inside a rep (the hip flexion's hysteresis state)."""

    spine_held: np.ndarray
    knee: np.ndarray
    neck_change: np.ndarray
    in_rep: np.ndarray
    spine_from_landmarks: bool = False


@dataclass(frozen=True)
class Fault:
    """One fault: its name (the JSON value), what it means, the thresholds its check reads, the
    check, the words for the lifter, the body regions it lights (overlay segments: neck, back,
    thigh, shin, foot, arm) and, optionally, the per-frame warning the live view and the review
    video show before the rep ends."""

    name: str
    means: str
    thresholds: tuple[str, ...]
    check: Callable[[RepMeasures, Thresholds], Finding]
    cue: str  # said the moment a rep ends: imperative, under ~30 characters
    phrase: str  # "3 of 5 reps <phrase>"
    advice: str  # the longer advice in a set's summary
    regions: tuple[str, ...]
    applies: Callable[[Thresholds], bool] = lambda th: True
    warn: Callable[[FrameSignals, Thresholds], np.ndarray] | None = None
    #: Said instead of ``cue`` every other time the same fault ends reps in a row ("Again — hips
    #: back"): the same words after every rep of a set stop being heard.
    again: str = ""


def band(value: float, threshold: float, tolerance: float) -> float:
    """0-100 score of a measure where higher is worse: 100 a tolerance inside the threshold, 50 at
    it, 0 a tolerance beyond; 100 when the value is unknown.

    >>> band(10.0, 10.0, 5.0), band(5.0, 10.0, 5.0), band(20.0, 10.0, 5.0)
    (50.0, 100.0, 0.0)
    """
    if not np.isfinite(value):
        return 100.0
    return float(np.clip(50.0 + 50.0 * (threshold - value) / max(tolerance, 1e-9), 0.0, 100.0))


def lumbar_limit(th: Thresholds, from_landmarks: bool) -> float:
    """The back-flexion limit in degrees: the landmark-only fallback has its own."""
    return th.lumbar_fallback_max_deg if from_landmarks else th.lumbar_flexion_max_deg


def _finite(*values: float) -> bool:
    return all(np.isfinite(v) for v in values)


# --- checks (one per fault) -------------------------------------------------------------------


def _lumbar(r: RepMeasures, th: Thresholds) -> Finding:
    if r.spine_seen < th.min_judged_fraction:
        return Finding(not_judged="back outline missing or implausible on most of the rep")
    if np.isfinite(r.spine_jitter) and r.spine_jitter > th.max_outline_jitter_deg:
        return Finding(
            not_judged=f"back outline unsteady ({r.spine_jitter:.1f} deg of jitter > {th.max_outline_jitter_deg:g}): "
            "loose clothing or the mask losing the back"
        )
    limit = lumbar_limit(th, r.spine_from_landmarks)
    return Finding(bool(r.spine_held > limit), band(r.spine_held, limit, th.lumbar_tolerance_deg))


def _hips_first(r: RepMeasures, th: Thresholds) -> Finding:
    if not r.way_up_seen:
        return Finding(not_judged="knees or trunk not tracked on the way up")
    return Finding(bool(np.isfinite(r.hips_first_gain) and r.hips_first_gain > th.hips_first_trunk_gain_deg))


def squat_signs(r: RepMeasures, th: Thresholds) -> dict[str, bool]:
    """Which signs of a squat the rep's bottom shows."""
    return {
        "knee_hip_ratio": bool(np.isfinite(r.knee_hip_ratio) and r.knee_hip_ratio > th.knee_hip_ratio_max),
        "hip_drop": bool(np.isfinite(r.hip_drop) and r.hip_drop > th.hip_drop_max),
        "torso_vs_shin": bool(np.isfinite(r.torso_vs_shin) and r.torso_vs_shin < th.torso_shin_margin_deg),
        "hip_below_knee": r.hip_below_knee,
    }


def _squatty(r: RepMeasures, th: Thresholds) -> Finding:
    if not (np.isfinite(r.hip) and (np.isfinite(r.knee) or np.isfinite(r.torso_vs_shin))):
        return Finding(not_judged="hip or legs not tracked at the bottom")
    s = squat_signs(r, th)
    if th.use_knee_angle_for_squat:  # hinge-style profiles: a bent knee plus one squat sign
        bent = bool(np.isfinite(r.knee) and r.knee > th.knee_max_deg)
        return Finding(
            bent and (s["knee_hip_ratio"] or s["hip_drop"] or s["torso_vs_shin"]),
            band(r.knee, th.knee_max_deg, th.squat_tolerance_deg),
        )
    # deadlift: the knees bend a lot in a correct pull, so two of three other signs; a sign that
    # could not be read (the hip's height or the shin not tracked) leaves the call open when it
    # could still make two
    hits = s["hip_drop"] + s["hip_below_knee"] + s["torso_vs_shin"]
    unread = (not np.isfinite(r.hip_drop)) + (not np.isfinite(r.torso_vs_shin))
    if hits < 2 <= hits + unread:
        return Finding(not_judged="hip height or shin not tracked at the bottom")
    return Finding(hits >= 2)


def _knees_forward(r: RepMeasures, th: Thresholds) -> Finding:
    if not _finite(r.shin, r.knee_past_toe):
        return Finding(not_judged="shin or foot not tracked at the bottom")
    return Finding(bool(r.shin > th.shin_max_deg and r.knee_past_toe > th.knee_past_toe_frac))


def _heels(r: RepMeasures, th: Thresholds) -> Finding:
    if not np.isfinite(r.heel_lift):
        return Finding(not_judged="heel or toes not tracked, or no standing reference")
    return Finding(bool(r.heel_lift > th.heel_lift_max), band(r.heel_lift, th.heel_lift_max, th.heel_lift_tolerance))


def _load(r: RepMeasures, th: Thresholds) -> Finding:
    if not np.isfinite(r.load_ahead):
        return Finding(not_judged="hands or feet not tracked at the bottom")
    return Finding(bool(r.load_ahead > th.load_drift_max))


def _neck(r: RepMeasures, th: Thresholds) -> Finding:
    if not np.isfinite(r.neck_peak):
        return Finding(not_judged="head or standing posture not seen")
    return Finding(
        bool(r.neck_peak > th.neck_extension_max_deg),
        band(r.neck_peak, th.neck_extension_max_deg, th.neck_tolerance_deg),
    )


def _hyperextension(r: RepMeasures, th: Thresholds) -> Finding:
    if not (r.lockout_seen and np.isfinite(r.top_hip)):
        return Finding(not_judged="the clip does not show the lockout")
    return Finding(bool(r.top_hip < th.hyperextension_hip_deg))


def _lockout(r: RepMeasures, th: Thresholds) -> Finding:
    if not (r.lockout_seen and np.isfinite(r.top_hip)):
        return Finding(not_judged="the clip does not show the lockout")
    short = bool(r.top_hip > th.lockout_hip_max_deg)
    if short and np.isfinite(r.top_trunk) and r.top_trunk < th.lockout_trunk_min_deg:
        # The shoulders got behind the hips, so the hips got through: a hip read flexed there is
        # the hip or knee landmark lost (a plate in front of the hips), not a short lockout.
        return Finding(not_judged="hip read flexed at the top while the trunk leans back")
    return Finding(short)


#: The back flexion behind a live warning is held over at most this much of the current rep (s),
#: as the rep verdict reads it held through the rep, so one frame's blip does not warn.
WARN_HELD_WINDOW_S = 4.0


# --- warnings (per frame, before the rep ends) ------------------------------------------------


def _warn_lumbar(s: FrameSignals, th: Thresholds) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return s.in_rep & (s.spine_held > lumbar_limit(th, s.spine_from_landmarks))


def _warn_squat(s: FrameSignals, th: Thresholds) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return s.in_rep & (s.knee > th.knee_max_deg) & th.use_knee_angle_for_squat


def _warn_neck(s: FrameSignals, th: Thresholds) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return s.in_rep & (s.neck_change > th.neck_extension_max_deg)


REGISTRY: tuple[Fault, ...] = (
    Fault(
        "lumbar_rounding",
        "the back's flexion held through the rep (virtual dowel) above its limit",
        (
            "lumbar_flexion_max_deg",
            "lumbar_fallback_max_deg",
            "lumbar_tolerance_deg",
            "spine_rep_percentile",
            "min_judged_fraction",
            "max_outline_jitter_deg",
        ),
        _lumbar,
        "Brace — flat back",
        "rounded at the bottom",
        "brace before you hinge",
        ("back",),
        warn=_warn_lumbar,
        again="Again — flat back",
    ),
    Fault(
        "hips_rise_first",
        "pulls from the floor: the trunk tips forward while the knees straighten (the hips rise, the shoulders do not)",
        ("hips_first_trunk_gain_deg",),
        _hips_first,
        "Chest and hips rise together",
        "let the hips rise first",
        "push the floor away with chest and hips together",
        ("thigh", "back"),
        applies=lambda th: th.check_hips_rise_first,
        again="Again — chest and hips together",
    ),
    Fault(
        "squatty_hinge",
        "the hinge became a squat: knees bent with a squat sign (knee:hip ratio, hips dropped, torso no more "
        "inclined than the shin); deadlift: two of hips dropped, crease below the knee, torso vs shin",
        (
            "knee_max_deg",
            "knee_hip_ratio_max",
            "hip_drop_max",
            "torso_shin_margin_deg",
            "squat_tolerance_deg",
            "use_knee_angle_for_squat",
        ),
        _squatty,
        "Push your hips back",
        "turned into a squat",
        "push the hips back, not down",
        ("thigh", "shin"),
        warn=_warn_squat,
        again="Again — hips back",
    ),
    Fault(
        "knees_forward",
        "shin far from vertical with the knee past the toes",
        ("shin_max_deg", "knee_past_toe_frac"),
        _knees_forward,
        "Less knee bend",
        "pushed the knees forward",
        "keep the shins near vertical",
        ("shin",),
        again="Again — shins upright",
    ),
    Fault(
        "heels_lift",
        "the heels rise during the rep (weight rolled onto the toes); off unless `check_heels_lift` is set",
        ("heel_lift_max", "heel_lift_tolerance"),
        _heels,
        "Heels down",
        "lifted the heels",
        "keep the weight over the mid-foot, heels down",
        ("foot",),
        applies=lambda th: th.check_heels_lift,
        again="Again — heels down",
    ),
    Fault(
        "load_drift",
        "at the bottom the hands are well ahead of the mid-foot",
        ("load_drift_max",),
        _load,
        "Keep the weight close",
        "let the weight drift forward",
        "keep the weight close to the legs",
        ("arm",),
        applies=lambda th: th.check_load_drift,
        again="Again — weight close",
    ),
    Fault(
        "neck_extension",
        "the neck extends beyond its limit above standing during the rep",
        ("neck_extension_max_deg", "neck_tolerance_deg"),
        _neck,
        "Chin tucked",
        "craned the neck",
        "keep the eyes on the floor and the chin tucked",
        ("neck",),
        warn=_warn_neck,
        again="Again — chin tucked",
    ),
    Fault(
        "lockout_hyperextension",
        "at the top the trunk leans back behind the thighs (the hips extend past straight) beyond its limit",
        ("hyperextension_hip_deg",),
        _hyperextension,
        "Squeeze your glutes to finish",
        "leaned back at the top",
        "finish with the glutes, not the lower back",
        ("back",),
        again="Again — finish with the glutes",
    ),
    Fault(
        "incomplete_lockout",
        "the hips never get close to straight at the top",
        ("lockout_hip_max_deg", "lockout_trunk_min_deg"),
        _lockout,
        "Stand all the way up",
        "stopped short of lockout",
        "drive the hips all the way through",
        ("back", "thigh"),
        again="Again — stand tall",
    ),
)
BY_NAME: dict[str, Fault] = {f.name: f for f in REGISTRY}
#: Fault names, most important first.
FAULTS: tuple[str, ...] = tuple(f.name for f in REGISTRY)


#: Fewest back readings (frames) in the rep so far for a held back flexion (:func:`held_in_rep`).
HELD_MIN_SEEN = 5


#: Rows :func:`held_in_rep` gathers at a time (bounds its scratch memory, not its result).
HELD_BLOCK_ROWS = 4096


def held_in_rep(
    values: np.ndarray,
    in_rep: np.ndarray,
    window: int,
    q: float,
    min_seen: int = HELD_MIN_SEEN,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """For each frame (or each index in ``rows``): the ``q``-th percentile of ``values`` over the
    frames of the current rep so far, at most ``window`` frames back; NaN outside a rep or with
    fewer than ``min_seen`` readings. Vectorized: one ``(rows, window)`` gather.

    >>> v = np.array([0., 10, 20, 30, 40, 50, 60]); r = np.array([0, 1, 1, 1, 1, 1, 1], bool)
    >>> held_in_rep(v, r, window=4, q=50, min_seen=2).tolist()
    [nan, nan, 15.0, 20.0, 25.0, 35.0, 45.0]
    """
    values = np.asarray(values, np.float64)
    in_rep = np.asarray(in_rep, bool)
    n = len(values)
    rows = np.arange(n) if rows is None else np.asarray(rows) % max(n, 1)
    if n == 0 or len(rows) == 0:
        return np.full(len(rows), np.nan)
    starts = np.flatnonzero(in_rep & ~np.r_[False, in_rep[:-1]])  # first frame of each rep run
    run_start = np.zeros(n, int)
    run_start[starts] = starts
    run_start = np.maximum.accumulate(run_start)
    out = np.full(len(rows), np.nan)
    # In blocks of rows: the (rows, window) gather and its percentile's copies are ~3 KB a row at
    # a 4-s window, 300 MB over an hour's clip at once (issue 14: flat memory in clip length).
    for b0 in range(0, len(rows), HELD_BLOCK_ROWS):
        r = rows[b0 : b0 + HELD_BLOCK_ROWS]
        idx = r[:, None] - np.arange(window)[None, :]
        ok = (idx >= run_start[r][:, None]) & in_rep[r][:, None]
        vals = np.where(ok, values[np.clip(idx, 0, n - 1)], np.nan)
        enough = np.isfinite(vals).sum(axis=1) >= min_seen
        if enough.any():
            with quiet_nan():
                out[b0 : b0 + HELD_BLOCK_ROWS][enough] = np.nanpercentile(vals[enough], q, axis=1)
    return out


def frame_warnings(s: FrameSignals, th: Thresholds, untrusted: dict | None = None) -> dict[str, np.ndarray]:
    """The one per-frame warning rule (live overlay, review video and cues): fault name → bool
    ``(T,)``, for the faults that have a warning, apply to the profile and can be trusted."""
    untrusted = untrusted or {}
    return {
        f.name: np.asarray(f.warn(s, th), bool)
        for f in REGISTRY
        if f.warn is not None and f.applies(th) and f.name not in untrusted
    }


def frame_warnings_now(s: FrameSignals, th: Thresholds, untrusted: dict | None = None) -> tuple[str, ...]:
    """The same rule as :func:`frame_warnings` on one live frame, whose signals are scalars
    (floats in degrees, ``in_rep`` a bool): the fault names warned, most important first."""
    untrusted = untrusted or {}
    return tuple(
        f.name for f in REGISTRY if f.warn is not None and f.applies(th) and f.name not in untrusted and f.warn(s, th)
    )


def warnings_at(warn: dict[str, np.ndarray], i: int) -> tuple[str, ...]:
    """The fault names warned on frame ``i``, most important first."""
    return tuple(name for name, on in warn.items() if on[i])


def readme_table() -> str:
    """README's fault list (a test keeps README equal to it)."""
    rows = ["| fault | means | cue | thresholds |", "|---|---|---|---|"]
    rows += [f"| `{f.name}` | {f.means} | {f.cue} | {', '.join(f'`{t}`' for t in f.thresholds)} |" for f in REGISTRY]
    return "\n".join(rows)


if __name__ == "__main__":  # pragma: no cover
    print(readme_table())
