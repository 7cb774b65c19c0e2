"""A clip's per-frame measures and what they are judged against: :func:`frame_measures` (joint
angles, the dowel's bend, lengths, from cleaned landmarks), implausible frames dropped, the back
outline's bend smoothed and its jitter, the lifter's size for the trust rule
(:func:`untrusted_checks`), the standing :class:`Baselines`, and :func:`features`: the measures
relative to them, ready for :func:`~hingecheck.core.classify.classify_rep`.

Shared by the clip analysis (:func:`~hingecheck.core.analysis.measure`) and the live core
(:mod:`~hingecheck.core.streaming`, whose one-frame measures are :mod:`~hingecheck.core.liveframe`'s
float-math twins of these).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hingecheck.core.classify import Features
from hingecheck.core.config import Thresholds
from hingecheck.core.dowel import bend_from_chord_ratio, dowel_from_profile
from hingecheck.core.filters import fill_gaps, hampel, lowpass, sample_rate
from hingecheck.core.kinematics import SIDES, forward_offset, joint_angles, leg_length
from hingecheck.core.nanstats import quiet_nan
from hingecheck.core.reps import hysteresis_state
from hingecheck.core.series import INDEX

#: The measures whose standing medians are the :class:`Baselines`, in its field order.
BASELINE_MEASURES = (
    "bend",
    "neck_angle",
    "hip_height",
    "leg_len",
    "foot_len",
    "chord_bend_base",
    "heel_rise_px",
    "trunk_rise_px",
    "shin_len",
)
#: Baselines that are lengths of body segments, read on any standing frame without waiting for
#: a settled stance (see :func:`baselines`): the leg and foot are the same in any posture, and the
#: shoulder's height above the hip on an upright frame is the trunk's length.
SEGMENT_MEASURES = ("leg_len", "foot_len", "trunk_rise_px", "shin_len")
#: The names of the measures :func:`frame_measures` gives (the live core buffers each of them).
MEASURES = (
    "hip_flexion",
    "knee_flexion",
    "trunk_incline",
    "shin_angle",
    "neck_angle",
    "thigh_angle",
    "bend",
    "head",
    "hip_height",
    "leg_len",
    "hip_below_knee",
    "load_ahead_px",
    "knee_past_toe_px",
    "foot_len",
    "chord_bend_base",
    "heel_rise_px",
    "trunk_rise_px",
    "shin_len",
)


#: Frames measured at a time by :func:`frame_measures` (and rectified at a time by
#: :func:`~hingecheck.core.analysis.measure` on an oblique clip): every measure is per frame, so
#: blocks give the same output while the float64 copy of a block and the dowel's scratch arrays
#: (~4.7 KB per frame of a block, measured with tracemalloc in issue 14) stay bounded instead of
#: growing with the clip: 5 MB at 1,024 frames (18 MB at 4,096), no slower on a 60-min clip (0.38 s).
MEASURE_BLOCK_FRAMES = 1024


def frame_measures(
    image: np.ndarray,
    world: np.ndarray,
    profile: np.ndarray | None,
    side: str,
    facing: int,
    world_joints: tuple[int, ...] | None = None,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Raw per-frame measures ``(T,)`` float64 (angles in degrees, lengths in pixels, the chord in
    metres) and the dowel's contact points ``(T, 3, 2)`` px. Works on any number of frames,
    including one; long clips are measured :data:`MEASURE_BLOCK_FRAMES` frames at a time (a loop
    over blocks, not frames), each block in float64 whatever the inputs' dtype, into preallocated
    outputs. ``world`` is ``(T, 33, 3)`` m, or holds only the landmarks ``world_joints`` (which
    must include :data:`~hingecheck.core.clean.WORLD_TRUNK`), in that order."""
    idx = SIDES[side]
    col = (lambda j: j) if world_joints is None else list(world_joints).index
    trunk = [col(INDEX[j]) for j in ("left_hip", "right_hip", "left_shoulder", "right_shoulder")]

    def block(rows: slice) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """The measures of frames ``rows``."""
        # float64 from here on (the cleaned landmarks are stored as float32; no copy when they are float64).
        img, wld = np.asarray(image[rows], np.float64), np.asarray(world[rows], np.float64)
        m = joint_angles(img, side, facing)
        if profile is not None:
            dowel = dowel_from_profile(np.asarray(profile[rows], np.float64), img, facing, idx["ear"])
            m["bend"], m["head"], contacts = dowel.bend_deg, dowel.head_offset, dowel.contacts
        else:
            m["bend"] = np.full(len(img), np.nan)
            m["head"] = np.full(len(img), np.nan)
            contacts = np.full((len(img), 3, 2), np.nan)
        p = {k: img[:, i, :2] for k, i in idx.items()}
        m["hip_height"] = p["ankle"][:, 1] - p["hip"][:, 1]
        m["leg_len"] = leg_length(img, side)
        m["hip_below_knee"] = (p["hip"][:, 1] >= p["knee"][:, 1]).astype(float)
        m["load_ahead_px"] = forward_offset(img, side, facing, "wrist", (p["heel"] + p["foot_index"]) / 2.0)
        m["knee_past_toe_px"] = forward_offset(img, side, facing, "knee", p["foot_index"])
        m["foot_len"] = np.linalg.norm(p["foot_index"] - p["heel"], axis=-1)
        m["heel_rise_px"] = p["foot_index"][:, 1] - p["heel"][:, 1]  # image y points down: heel above the toes > 0
        m["trunk_rise_px"] = p["hip"][:, 1] - p["shoulder"][:, 1]  # the shoulder's height above the hip
        m["shin_len"] = np.linalg.norm(p["knee"] - p["ankle"], axis=-1)
        hips, shos = wld[:, trunk[:2]].mean(axis=1), wld[:, trunk[2:]].mean(axis=1)
        m["chord_bend_base"] = np.linalg.norm(shos - hips, axis=-1)  # metres, for the fallback
        return m, contacts

    t_len = len(image)
    if t_len <= MEASURE_BLOCK_FRAMES:
        return block(slice(None))
    m: dict[str, np.ndarray] = {}
    contacts = np.empty(0)
    for i in range(0, t_len, MEASURE_BLOCK_FRAMES):
        rows = slice(i, i + MEASURE_BLOCK_FRAMES)
        part, c = block(rows)
        if i == 0:
            m = {k: np.empty(t_len, v.dtype) for k, v in part.items()}
            contacts = np.empty((t_len,) + c.shape[1:], c.dtype)
        for k, v in part.items():
            m[k][rows] = v
        contacts[rows] = c
    return m, contacts


def smooth_bend(raw: np.ndarray, t: np.ndarray, th: Thresholds) -> tuple[np.ndarray, np.ndarray]:
    """The back outline's bend (degrees, ``(T,)``) gap-filled, Hampel-filtered and low-passed as
    the landmarks are, and its jitter: the size of each frame's departure from that smooth curve
    (degrees; NaN where the frame had no reading). A rigid back bends smoothly; an outline that
    jitters (a loose shirt, the mask losing the back) is not trusted (``max_outline_jitter_deg``)."""
    fs = sample_rate(t)
    smooth = lowpass(
        hampel(fill_gaps(raw, int(round(th.max_gap_s * fs))), th.hampel_window, th.hampel_sigmas),
        fs,
        th.lowpass_hz,
        th.lowpass_order,
    )
    return smooth, np.abs(raw - smooth)


def drop_implausible(m: dict[str, np.ndarray], th: Thresholds) -> dict[str, np.ndarray]:
    """Angles no human reaches are tracking failures: NaN on those frames (in place; returned).
    A frame whose hip or knee angle is impossible loses its joint angles; an impossible back
    outline loses its bend."""
    with np.errstate(invalid="ignore"):
        bad_hip = (m["hip_flexion"] < th.plausible_hip_min_deg) | (m["hip_flexion"] > th.plausible_hip_max_deg)
        bad_knee = (m["knee_flexion"] < th.plausible_knee_min_deg) | (m["knee_flexion"] > th.plausible_knee_max_deg)
        bad_bend = np.abs(m["bend"]) > th.plausible_spine_max_deg
    for k in ("hip_flexion", "trunk_incline", "thigh_angle"):
        m[k][bad_hip] = np.nan
    for k in ("knee_flexion", "shin_angle"):
        m[k][bad_knee] = np.nan
    m["bend"][bad_bend] = np.nan
    return m


def trunk_lengths(image: np.ndarray) -> np.ndarray:
    """Per frame ``(T,)``: mid-hip to mid-shoulder length, source pixels (NaN if a side is missing);
    in float64 whatever the landmarks' dtype."""
    hip = np.asarray(image[:, [INDEX["left_hip"], INDEX["right_hip"]], :2], np.float64).mean(axis=1)
    sho = np.asarray(image[:, [INDEX["left_shoulder"], INDEX["right_shoulder"]], :2], np.float64).mean(axis=1)
    return np.linalg.norm(sho - hip, axis=-1)


def trunk_px(image: np.ndarray, frames: slice | np.ndarray = slice(None)) -> float:
    """Median mid-hip to mid-shoulder length over ``frames`` (a slice or a bool mask ``(T,)``;
    taken after the per-frame lengths, so the landmarks are never copied), source pixels."""
    d = trunk_lengths(image)[frames]
    with quiet_nan():
        return float(np.nanmedian(d)) if np.isfinite(d).any() else float("nan")


def model_factor(model_scale: float) -> float:
    """:attr:`~hingecheck.core.series.PoseSeries.model_scale`, 1 when unknown (NaN)."""
    return float(model_scale) if np.isfinite(model_scale) and model_scale > 0 else 1.0


def untrusted_checks(trunk: float, view: str, th: Thresholds) -> dict[str, str]:
    """Checks that cannot be judged anywhere in a clip, with why: the back's outline and the head
    need a lifter big enough in the picture the pose model was given (``trunk``: its median
    trunk length there, pixels); about 45° off the side the ear-shoulder line mixes
    in the head's turn, so the neck needs a side view (measured on the oblique development
    clips: good lifters read 45-63° of "extension")."""
    out = {}
    if view == "oblique":
        out["neck_extension"] = "camera about 45 deg off the side: the neck angle needs a side view"
    if np.isfinite(trunk) and trunk < th.min_trunk_px:
        why = f"lifter too small for the pose model (trunk {trunk:.0f} px in its picture < {th.min_trunk_px:.0f})"
        out.update({"lumbar_rounding": why, "neck_extension": why})
    return out


@dataclass(frozen=True)
class Baselines:
    """The lifter's standing posture: medians over standing frames (units as the measures)."""

    bend: float
    neck: float
    hip_height: float
    leg_len: float
    foot_len: float
    chord: float
    heel_rise: float
    trunk_rise: float
    shin_len: float = float("nan")  # px, knee to ankle


def settled_frames(t: np.ndarray, th: Thresholds) -> int:
    """Standing frames a posture baseline needs: ``min_standing_s`` at the clip's frame rate."""
    return max(1, int(round(th.min_standing_s * sample_rate(t)))) if len(t) > 1 else 1


def standing_frames(hip_flexion: np.ndarray, t: np.ndarray, th: Thresholds) -> np.ndarray:
    """Frames where the lifter stands (hip flexion under ``standing_max_deg``) in the
    ``baseline_window_s`` before the first rep (the settled set-up, not a walk-in); all standing
    frames when there are fewer than :func:`settled_frames` before the first rep."""
    standing = np.isfinite(hip_flexion) & (hip_flexion < th.standing_max_deg)
    state = hysteresis_state(hip_flexion, th.rep_enter_deg, th.rep_exit_deg)
    first = np.flatnonzero(state == 1)
    if len(first):
        early = standing & (t < t[first[0]]) & (t >= t[first[0]] - th.baseline_window_s)
        if early.sum() >= settled_frames(t, th):
            return early
    return standing


def baselines(m: dict[str, np.ndarray], standing: np.ndarray, settled: int = 1) -> Baselines:
    """Medians over the ``standing`` frames. The posture references (the back's bend, the neck,
    the hip's height, the heel) need at least ``settled`` of them, else they are unknown (NaN): a
    frame or two passing under the standing limit (a mistracked frame after a cut, the hip
    passing through a lockout) is not a stance, and a median over it is whatever those frames
    read. Segment lengths (:data:`SEGMENT_MEASURES`) do not depend on the posture and use any."""
    posture = standing if standing.sum() >= settled else np.zeros_like(standing)

    def med(name: str) -> float:
        v = m[name][standing if name in SEGMENT_MEASURES else posture]
        with quiet_nan():
            return float(np.nanmedian(v)) if np.isfinite(v).any() else float("nan")

    return Baselines(*(med(k) for k in BASELINE_MEASURES))


def outline_seen(bend: np.ndarray, hip_flexion: np.ndarray, th: Thresholds) -> bool:
    """Whether the back outline (``bend``, degrees, NaN where unseen) is seen on at least
    ``min_judged_fraction`` of the frames where the lifter is bent over (hip flexion past
    ``rep_enter_deg``), the frames the back is judged on; all frames when the lifter never bends.
    Standing frames do not count against it: at a deadlift's lockout the plate commonly hides the
    hips from a side camera, and the mask's outline with them."""
    with np.errstate(invalid="ignore"):
        bent = hip_flexion > th.rep_enter_deg
    seen = np.isfinite(bend[bent] if bent.any() else bend)
    return bool(len(seen)) and float(seen.mean()) > th.min_judged_fraction


def spine_flexion(bend, chord, base: Baselines, spine_from_mask: bool, th: Thresholds):
    """Back flexion relative to standing, degrees, from the back outline's bend (degrees) or,
    without a mask, the world hip→shoulder distance ``chord`` (metres) against its standing value;
    arrays ``(T,)`` (a clip) or floats (one live frame), the same arithmetic. See :func:`features`."""
    if spine_from_mask:
        ref = base.bend if np.isfinite(base.bend) else th.spine_reference_max_arch_deg
        return bend - max(ref, th.spine_reference_max_arch_deg)
    with np.errstate(all="ignore"):
        ratio = np.clip(np.divide(chord, base.chord), 0.0, 1.0)
    return bend_from_chord_ratio(ratio)


def trunk_incline_from_rise(rise, standing_rise: float):
    """The trunk's incline from the vertical (degrees, 0 = upright) read from the shoulder's height
    above the hip alone (``rise``, px, an array or a float) against that height standing (the
    trunk's length). A camera turned about the vertical axis shortens horizontal offsets but not
    heights, so this reads the same from the side and from 45 deg off it, where the image incline
    needs the yaw to undo the foreshortening (:func:`~hingecheck.core.view.rectify_oblique`) and
    a few degrees of error in the yaw move it by several degrees. Cannot tell leaning forward from
    leaning back (a height is the same either way): it is for the forward-bent part of a rep.
    NaN without a standing height."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.degrees(np.arccos(np.clip(np.divide(rise, standing_rise), -1.0, 1.0)))


def shin_tracked(shin_len: np.ndarray, standing_len: float, th: Thresholds) -> np.ndarray | bool:
    """Frames whose knee-to-ankle length (px) is at least ``shin_length_min_ratio`` of its standing
    length: a shorter shin is a knee or ankle misplaced (a plate hides them), and the shin's
    angle, the knee's place over the toes and the hip's height above the ankle are tracking
    failures there, not faults. ``True`` everywhere when the standing length is unknown."""
    if not (np.isfinite(standing_len) and standing_len > 0):
        return True
    with np.errstate(invalid="ignore"):
        return shin_len >= th.shin_length_min_ratio * standing_len


def features(
    m: dict[str, np.ndarray],
    base: Baselines,
    t: np.ndarray,
    spine_from_mask: bool,
    th: Thresholds,
    untrusted: dict | None = None,
    spine_jitter: np.ndarray | None = None,
) -> Features:
    """Measures relative to the standing baselines, ready for :func:`~hingecheck.core.classify.classify_rep`.

    The back outline's bend is taken relative to the standing reference only as far as that
    reference reads flexed (``spine_reference_max_arch_deg``): an arched or unseen standing
    outline counts as a straight dowel, as in the dowel test."""
    spine = spine_flexion(m["bend"], m["chord_bend_base"], base, spine_from_mask, th)
    shin_seen = shin_tracked(m["shin_len"], base.shin_len, th)
    leg = base.leg_len if np.isfinite(base.leg_len) and base.leg_len > 0 else np.nan
    foot = base.foot_len if np.isfinite(base.foot_len) and base.foot_len > 0 else np.nan
    return Features(
        t=t,
        hip_flexion=m["hip_flexion"],
        knee_flexion=m["knee_flexion"],
        trunk_incline=m["trunk_incline"],
        shin_angle=np.where(shin_seen, m["shin_angle"], np.nan),
        spine_flexion=spine,
        neck_change=m["neck_angle"] - base.neck,
        hip_drop=np.where(shin_seen, base.hip_height - m["hip_height"], np.nan) / leg,
        hip_below_knee=m["hip_below_knee"],
        load_ahead=m["load_ahead_px"] / leg,
        knee_past_toe=np.where(shin_seen, m["knee_past_toe_px"], np.nan) / foot,
        spine_from_landmarks=not spine_from_mask,
        untrusted=dict(untrusted or {}),
        heel_lift=(m["heel_rise_px"] - base.heel_rise) / foot,
        trunk_incline_from_rise=(
            trunk_incline_from_rise(m["trunk_rise_px"], base.trunk_rise) if np.isfinite(base.trunk_rise) else None
        ),
        spine_jitter=spine_jitter if spine_from_mask else None,
    )


__all__ = ["Baselines", "features", "frame_measures"]
