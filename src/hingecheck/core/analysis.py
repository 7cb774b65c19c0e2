"""The clip analysis: a clip's landmarks → kinematics, reps and verdicts. One implementation for
batch, review and live.

* :func:`analyze` takes a whole :class:`~hingecheck.core.series.PoseSeries` (offline: Hampel and a
  zero-phase Butterworth low-pass): :func:`measure` (the landmarks cleaned by
  :mod:`~hingecheck.core.clean`, measured by :mod:`~hingecheck.core.measures`, the view, the reps
  → :class:`Measured`), then :func:`judge` (the verdicts under a
  :class:`~hingecheck.core.config.Thresholds`).
* :class:`~hingecheck.core.streaming.StreamingAnalyzer` takes one frame at a time and judges each
  finished rep on its raw frames with :func:`measure`, so a clip played live gets the reps and
  verdicts ``score`` gives it.

Both judge each rep against the lifter's standing posture *before the first rep* (or, when the
clip starts mid-rep, all standing frames).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from hingecheck.core import exercise as exercise_choice
from hingecheck.core.classify import Features, classify_rep, clip_score, clip_verdict
from hingecheck.core.clean import MEASURED_IMAGE_COLUMNS, WORLD_TRUNK, clean_profile, clean_series
from hingecheck.core.config import Thresholds, load_config
from hingecheck.core.dowel import back_column
from hingecheck.core.faults import WARN_HELD_WINDOW_S, FrameSignals, frame_warnings, held_in_rep
from hingecheck.core.filters import sample_rate
from hingecheck.core.kinematics import choose_side, facing_direction
from hingecheck.core.measures import (
    MEASURE_BLOCK_FRAMES,
    Baselines,
    baselines,
    drop_implausible,
    features,
    frame_measures,
    model_factor,
    outline_seen,
    settled_frames,
    smooth_bend,
    standing_frames,
    trunk_px,
    untrusted_checks,
)
from hingecheck.core.reps import RepWindow, cut_at_end, hysteresis_state, segment_reps
from hingecheck.core.results import ClipResult, Kinematics
from hingecheck.core.series import PoseSeries
from hingecheck.core.shots import keep_one_shot
from hingecheck.core.view import body_yaw, rectify_oblique, view_of_yaws


@dataclass(frozen=True)
class Measured:
    """A clip measured but not yet judged: everything :func:`judge` needs, so verdicts can be
    re-made under other thresholds without redoing the signal processing (``hingecheck evaluate``).
    Only the fault thresholds may change between :func:`measure` and :func:`judge`."""

    file: str
    exercise: str
    frames: int
    fps: float
    detected_fraction: float
    view: str = "unknown"
    yaw_deg: float = float("nan")
    features: Features | None = None
    windows: tuple[RepWindow, ...] = ()
    kinematics: Kinematics | None = None
    warnings: tuple[str, ...] = ()
    baselines: Baselines | None = None  # the standing posture the features are relative to


def input_warnings(series: PoseSeries, th: Thresholds) -> tuple[str, ...]:
    """What the decoder could not read: a file that ends early, damaged packets."""
    out = []
    n, expected = series.n_frames, series.expected_frames
    if expected > 0 and n < th.min_read_fraction * expected:
        out.append(
            f"read {n} of the {expected} frames the file announces: it ends early (truncated or damaged); "
            "judged on what was read"
        )
    if series.damaged_packets:
        out.append(f"{series.damaged_packets} damaged packet(s) skipped")
    out += lifter_lost(series.detected, np.asarray(series.t, np.float64), th.lifter_lost_s)
    return tuple(out)


def lifter_lost(detected: np.ndarray, t: np.ndarray, max_gap_s: float) -> list[str]:
    """One warning per stretch after the lifter was first seen where they are not found for
    longer than ``max_gap_s`` (s): hidden, out of view, or someone else in their place (the pose
    layer drops a person who is not the lifter). Before the first sighting is not "lost" (a
    lifter walking in); a stretch running to the clip's end is."""
    seen = np.flatnonzero(detected)
    if len(seen) == 0:
        return []
    miss = ~np.asarray(detected, bool)
    miss[: seen[0]] = False
    edges = np.flatnonzero(np.diff(np.concatenate(([0], miss.view(np.int8), [0]))))
    out = []
    for a, b in zip(edges[::2], edges[1::2]):  # frames a..b-1 missing, a-1 seen
        end = t[b] if b < len(t) else t[-1]
        gap = end - t[a - 1]
        if gap > max_gap_s:
            to = f"to {t[b]:.1f} s" if b < len(t) else "to the end"
            out.append(f"lifter lost for {gap:.1f} s (from {t[a - 1]:.1f} s {to}): nothing measured there")
    return out


def measure(
    series: PoseSeries,
    exercise: str = "hinge",
    config: Thresholds | None = None,
    file: str | None = None,
    base: Baselines | None = None,
    per_frame: bool = True,
    last_shot: bool = False,
) -> Measured:
    """Clean the landmarks, measure every frame, find the view and the reps (see module doc).
    ``base``: standing baselines to judge against instead of the series' own (the live path
    re-measures a window of frames against the session's first baselines); ``per_frame=False``
    skips the per-frame kinematics and warnings that only drawing needs; ``last_shot`` judges an
    edited series' last shot as long as the shortest rep (``min_rep_s``) instead of its longest
    (the live path's window around a rep just finished)."""
    th = config or load_config(exercise=exercise)
    exercise = th.exercise
    warnings = input_warnings(series, th)
    t = np.asarray(series.t, np.float64)  # the shots below change no frame's time
    last = int(np.ceil(th.min_rep_s * sample_rate(t))) if last_shot else None
    series, cut = keep_one_shot(series, th.cut_min_change, th.cut_min_ratio, last_min_frames=last)
    head = dict(
        file=file or series.source,
        exercise=exercise,
        frames=series.n_frames,
        fps=series.fps,
        detected_fraction=series.detected_fraction,
        warnings=warnings + cut,
    )
    if series.n_frames == 0 or series.detected_fraction < th.min_detected_fraction:
        return Measured(**head)
    image, world = clean_series(series, th, world_joints=WORLD_TRUNK, image_columns=MEASURED_IMAGE_COLUMNS)
    det = series.detected
    # Detected frames only, picked after the landmarks each step reads (no copy of the clip's arrays).
    rows = slice(None) if det.all() else det
    side = choose_side(series.visibility, image, frames=rows)
    facing = facing_direction(image, side, frames=rows)
    profile = clean_profile(series, th, (back_column(facing),))  # the dowel reads the back's side only
    # Per-frame yaws, then the detected ones: the same numbers as classify_view(world[det]).
    view, yaw = view_of_yaws(body_yaw(series.world)[rows], th.side_view_min_yaw_deg, th.oblique_view_min_yaw_deg)
    if view == "oblique":  # the back profile stays as seen: its bend is a ratio of lengths
        for i in range(0, len(image), MEASURE_BLOCK_FRAMES):  # in place, in blocks: no second copy of the clip
            image[i : i + MEASURE_BLOCK_FRAMES] = rectify_oblique(image[i : i + MEASURE_BLOCK_FRAMES], yaw)
    m, contacts = frame_measures(image, world, profile, side, facing, WORLD_TRUNK)
    trunk = trunk_px(image, rows) * model_factor(series.model_scale)
    spine_from_mask = profile is not None and outline_seen(m["bend"], m["hip_flexion"], th)
    del image, world, profile  # the cleaned landmarks end here: freed before the later steps' scratch
    jitter = None
    if spine_from_mask:
        m["bend"], jitter = smooth_bend(m["bend"], t, th)
    drop_implausible(m, th)
    if base is None:
        base = baselines(m, standing_frames(m["hip_flexion"], t, th), settled_frames(t, th))
    f = features(m, base, t, spine_from_mask, th, untrusted_checks(trunk, view, th), jitter)
    windows = segment_reps(
        m["hip_flexion"],
        t,
        th.rep_enter_deg,
        th.rep_exit_deg,
        th.rep_edge_deg,
        th.min_rep_s,
        from_floor=exercise == "deadlift",
        allow_partial=True,
        lockout_seen_s=th.lockout_seen_s,
    )
    if view != "front":
        head["warnings"] += cut_rep_warning(m["hip_flexion"], t, windows, th)
    kin = _kinematics(t, m, f, side, facing, spine_from_mask, contacts, clip_warnings(f, th)) if per_frame else None
    return Measured(**head, view=view, yaw_deg=yaw, features=f, windows=tuple(windows), kinematics=kin, baselines=base)


def judge(meas: Measured, config: Thresholds | None = None) -> ClipResult:
    """Verdicts of a measured clip under ``config`` (default: the exercise's shipped thresholds)."""
    th = config or load_config(exercise=meas.exercise)
    head = dict(
        file=meas.file,
        status="ok",
        exercise=meas.exercise,
        frames=meas.frames,
        fps=meas.fps,
        detected_fraction=meas.detected_fraction,
        warnings=meas.warnings + view_warnings(meas),
    )
    if meas.features is None:
        return ClipResult(
            **head,
            view="unknown",
            verdict="no_reps",
            score=None,
            why=f"a person was found on {meas.detected_fraction:.0%} of the frames",
        )
    view = meas.view
    # A front view cannot see the sagittal plane: no reps are graded, the clip is unusable_view.
    reps = (
        ()
        if view == "front"
        else tuple(classify_rep(meas.features, w, th, i + 1, view) for i, w in enumerate(meas.windows))
    )
    verdict = clip_verdict(list(reps), view)
    return ClipResult(
        **head,
        view=view,
        verdict=verdict,
        score=clip_score(reps, view),
        reps=reps,
        kinematics=meas.kinematics,
        yaw_deg=meas.yaw_deg,
        why=_why(verdict, reps, view, meas.yaw_deg),
    )


def choose_exercise(series: PoseSeries, th: Thresholds) -> tuple[str, float]:
    """``--exercise auto``: ``("deadlift" | "hinge", seconds seen at the bottom of a pull from the
    floor)``, read from the raw landmarks of the frames with a person (see
    :mod:`hingecheck.core.exercise`; the live path counts the same frames one at a time)."""
    det = np.asarray(series.detected, bool)
    if series.n_frames == 0 or not det.any():
        return "hinge", 0.0
    rows = slice(None) if det.all() else det
    side = choose_side(series.visibility, series.image, frames=rows)
    facing = facing_direction(series.image, side, frames=rows)
    seconds = exercise_choice.seconds_at_floor(series.image, series.t, side, facing, th, rows)
    return exercise_choice.choose(seconds, th), seconds


def thresholds_for(
    series: PoseSeries, exercise: str, config_path: str | None = None
) -> tuple[Thresholds, tuple[str, ...]]:
    """The thresholds to judge ``series`` by, and the line saying how they were chosen (empty
    unless ``auto`` chose ``deadlift``): ``exercise``'s profile, or for ``auto`` the one the movement
    shows (:func:`choose_exercise`), with ``config_path``'s values on top. Raises ConfigError."""
    if exercise != exercise_choice.AUTO:
        return load_config(config_path, exercise), ()
    th = load_config(config_path, "hinge")
    chosen, seconds = choose_exercise(series, th)
    if chosen != th.exercise:
        th = load_config(config_path, chosen)
    line = exercise_choice.reason(chosen, seconds)
    return th, (line,) if line else ()


def analyze(
    series: PoseSeries,
    exercise: str = "hinge",
    config: Thresholds | None = None,
    file: str | None = None,
    notes: tuple[str, ...] = (),
) -> ClipResult:
    """Kinematics, reps and verdicts of a whole clip: :func:`measure`, then :func:`judge`.

    Parameters
    ----------
    series : the clip's landmarks (image px, world m, times s; see :class:`PoseSeries`).
    exercise : threshold profile, one of ``results.EXERCISES``, or ``auto`` (:func:`thresholds_for`).
    config : thresholds to use instead of the exercise's shipped ones.
    file : the name the result carries (default: the series' source).
    notes : lines added to the result's warnings (how its exercise was chosen).

    Returns
    -------
    ClipResult
        per-rep verdicts, faults, notes, angles (degrees), times (seconds); the clip's verdict,
        view, yaw (degrees) and per-frame kinematics. Never raises for a clip without a person or
        reps: that is the verdict (``no_reps``, ``unusable_view``, ``not_judged``) with ``why``.
    """
    if config is None:
        config, chosen = thresholds_for(series, exercise)
        notes = chosen + notes
    result = judge(measure(series, config=config, file=file), config)
    return replace(result, warnings=result.warnings + notes) if notes else result


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def cut_rep_warning(h: np.ndarray, t: np.ndarray, windows, th: Thresholds) -> tuple[str, ...]:
    """The line a clip carries when its end cuts a rep under way (the lifter coming back up:
    :func:`~hingecheck.core.reps.cut_at_end`) that is not among its judged reps: it gets no
    verdict (its lockout and the rest of it are not in the clip), but a coach counting the pulls
    in the video must not find one missing from the table without a word."""
    cut = cut_at_end(h, t, th.rep_enter_deg, th.rep_exit_deg, th.rep_edge_deg, th.min_rep_s)
    if cut is None or any(w.partial and w.end == cut.end for w in windows):
        return ()
    what = "pull" if th.exercise == "deadlift" else "rep"
    seen = np.flatnonzero(np.isfinite(h))
    lost = t[-1] - t[seen[-1]] > th.lifter_lost_s
    n = sum(1 for w in windows if w.end <= cut.start) + 1
    at = f"a {_ordinal(n)} {what} (from {t[cut.start]:.1f} s)"
    if lost:
        return (f"{at} was not judged: the lifter is lost before the clip's end",)
    return (f"{at} is cut off by the clip's end and was not judged",)


def view_warnings(meas: Measured) -> tuple[str, ...]:
    """The line an oblique clip with reps carries: its back is judged, but about 45 deg off the side
    the outline's back edge follows the trunk's width as much as the spine (a rendered lifter
    rounding 20 deg side-on read 0-4 deg at 45 deg; the real 45-deg development pulls all read
    arched), so a neutral there says little about the lower back (see README, "Accuracy")."""
    if meas.view != "oblique" or not meas.windows:
        return ()
    return (
        f"filmed {90 - meas.yaw_deg:.0f} deg off the side view: the back's curve is not reliable from there "
        "(a rounded back can read neutral); film side-on to judge the spine",
    )


def _why(verdict: str, reps, view: str, yaw: float) -> str | None:
    """One line on why a clip got no verdict on its form."""
    if verdict == "unusable_view":
        return (
            f"filmed from the front (the camera is {90 - yaw:.0f} deg off the side view): the back's curve and the "
            "hip and knee angles only show from the side; film side-on"
        )
    if verdict == "no_reps":
        return "no hinge found: the hips never flexed past the rep threshold and back"
    if verdict == "not_judged":
        whys = sorted({r.not_judged.get("lumbar_rounding", "") for r in reps} - {""})
        return "spine not judged: " + "; ".join(whys)
    return None


def clip_warnings(f: Features, th: Thresholds) -> dict[str, np.ndarray]:
    """Per-frame warnings of a whole clip, fault → bool ``(T,)``: the rule the live view applies
    frame by frame (:func:`~hingecheck.core.faults.frame_warnings`), so review and live agree."""
    in_rep = hysteresis_state(f.hip_flexion, th.rep_enter_deg, th.rep_exit_deg) == 1
    window = max(1, int(sample_rate(f.t) * WARN_HELD_WINDOW_S))
    held = held_in_rep(f.spine_flexion, in_rep, window, th.spine_rep_percentile)
    signals = FrameSignals(
        spine_held=held,
        knee=f.knee_flexion,
        neck_change=f.neck_change,
        in_rep=in_rep,
        spine_from_landmarks=f.spine_from_landmarks,
    )
    return frame_warnings(signals, th, f.untrusted)


def _kinematics(t, m, f: Features, side, facing, spine_from_mask, contacts, warnings) -> Kinematics:
    valid = np.isfinite(m["hip_flexion"]) & np.isfinite(m["knee_flexion"])
    return Kinematics(
        t=t,
        hip_flexion=m["hip_flexion"],
        knee_flexion=m["knee_flexion"],
        trunk_incline=m["trunk_incline"],
        shin_angle=m["shin_angle"],
        neck_change=f.neck_change,
        spine_flexion=f.spine_flexion,
        head_offset=m["head"],
        valid=valid,
        side=side,
        facing=facing,
        spine_source="mask" if spine_from_mask else "landmarks",
        dowel_contacts=contacts,
        warnings=warnings,
    )


__all__ = ["Measured", "analyze", "judge", "measure", "thresholds_for", "RepWindow"]
