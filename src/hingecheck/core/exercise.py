"""Which threshold profile a clip needs when the user did not say: a pull from the floor or a hinge.

A conventional or kettlebell deadlift starts with the load on the floor and the knees bent
55-110° (Schellenberg et al. 2013); a Romanian deadlift, a good morning, a dowel drill or a
swing keeps the knees soft or the hands off the floor. Judged with the ``hinge``
profile (knees past 35° = squatty), every correct deadlift is a "squatty hinge": measured on
the real development clips, all 18 good ones were faulted without ``--exercise deadlift``.

``auto`` picks ``deadlift`` when the lifter spends at least ``pull_min_s`` seconds in frames
whose hands are within ``pull_hands_max_leg`` leg lengths above the ankle **and** whose knee is
bent at least ``pull_knee_min_deg``; otherwise ``hinge``. Both conditions: a deep Romanian
deadlift takes the hands to the mid-shin with soft knees, and a squatty hinge bends the knees
with the hands near the knee (values and sources in ``thresholds.toml``). Hand height is the
wrist's height above the graded side's ankle (image pixels, y down) over the lifter's leg length:
the ``pull_leg_percentile`` of the hip→knee→ankle length over the frames, which needs no standing
posture (a pull filmed from the set-up has none before its lockout) and, unlike each frame's own
length, does not shrink as the bent leg is foreshortened at the bottom. The live path counts the
frames a batch at a time (:class:`PullCounter`) and, once it has every frame, gets the whole
clip's count.
"""

from __future__ import annotations

import math

import numpy as np

from hingecheck.core.config import Thresholds, load_config
from hingecheck.core.filters import RunningMedian
from hingecheck.core.kinematics import SIDES, joint_angles, leg_length

#: The ``--exercise`` value that asks for this choice.
AUTO = "auto"
#: Longest frame interval counted (s): a gap in the footage is not time spent in a pull.
MAX_FRAME_S = 0.1
#: How the warning line that names ``auto``'s choice starts (a run's summary counts them).
CHOSEN_PREFIX = "exercise chosen: "
#: The profiles ``auto`` chooses between.
AUTO_PROFILES = ("hinge", "deadlift")


def profiles(exercise: str) -> tuple[str, ...]:
    """The threshold profiles judging with ``exercise`` may load."""
    return AUTO_PROFILES if exercise == AUTO else (exercise,)


def check_config(path, exercise: str) -> None:
    """Load every profile judging with ``exercise`` may use from the thresholds file ``path``, so
    a bad file fails before any work. Raises ConfigError."""
    for profile in profiles(exercise):
        load_config(path, profile)


def hand_height_px(image: np.ndarray, side: str) -> np.ndarray:
    """``(T,)`` height of the wrists (their mean, or the lower one when one is unseen) above the
    ``side`` ankle, pixels; image landmarks ``(T, 33, ≥2)`` px, y down. NaN where unseen."""
    joints = [SIDES[side]["ankle"], SIDES["left"]["wrist"], SIDES["right"]["wrist"]]
    ankle, lw, rw = np.moveaxis(np.asarray(image)[:, joints, :2].astype(np.float64), 1, 0)
    with np.errstate(all="ignore"):
        wrist_y = np.where(
            np.isfinite(lw[:, 1]) & np.isfinite(rw[:, 1]), (lw[:, 1] + rw[:, 1]) / 2, np.fmax(lw[:, 1], rw[:, 1])
        )
        return ankle[:, 1] - wrist_y


def leg_reference(leg_px: np.ndarray, th: Thresholds) -> float:
    """The lifter's leg length, pixels: the ``pull_leg_percentile`` of the frames' hip→knee→ankle
    lengths ``leg_px`` (NaN when none is read)."""
    leg = np.asarray(leg_px, np.float64)
    leg = leg[np.isfinite(leg) & (leg > 0)]
    return float(np.percentile(leg, th.pull_leg_percentile)) if len(leg) else float("nan")


def hand_height_leg(image: np.ndarray, side: str, leg_px: float | None = None) -> np.ndarray:
    """``(T,)`` :func:`hand_height_px` in leg lengths: of ``leg_px`` (the lifter's, see
    :func:`leg_reference`) or, without it, of each frame's own hip→knee→ankle length."""
    leg = leg_length(image, side) if leg_px is None else np.float64(leg_px)
    with np.errstate(all="ignore"):
        return np.where(leg > 0, hand_height_px(image, side) / leg, np.nan)


def pull_frames(hands_leg: np.ndarray, knee_flexion_deg: np.ndarray, th: Thresholds) -> np.ndarray:
    """``(T,)`` bool: frames that look like the bottom of a pull from the floor (module doc)."""
    with np.errstate(invalid="ignore"):
        return (hands_leg <= th.pull_hands_max_leg) & (knee_flexion_deg >= th.pull_knee_min_deg)


def frame_seconds(t: np.ndarray, previous_t: float | None = None) -> np.ndarray:
    """``(T,)`` seconds each frame stands for: the interval since the frame before it
    (``previous_t`` for the first; 0 without one), capped at :data:`MAX_FRAME_S`. Counting frame
    by frame (live) and over a whole clip give the same sum."""
    t = np.asarray(t, np.float64)
    before = np.concatenate(([t[0] if previous_t is None else previous_t], t[:-1])) if len(t) else t
    return np.clip(t - before, 0.0, MAX_FRAME_S)


def pull_seconds(pull: np.ndarray, seconds: np.ndarray) -> float:
    """Seconds spent in pull frames."""
    return float(np.sum(np.where(pull, seconds, 0.0)))


def seconds_at_floor(
    image: np.ndarray,
    t: np.ndarray,
    side: str,
    facing: int,
    th: Thresholds,
    rows: slice | np.ndarray = slice(None),
) -> float:
    """Seconds the frames ``rows`` of ``image`` ``(T, 33, ≥2)`` px (times ``t`` s) spend at the
    bottom of a pull from the floor, the hands' height in lengths of the leg read over those
    frames (:func:`leg_reference`). :class:`PullCounter` counts the same frames a batch at a time."""
    image = np.asarray(image)[rows]
    knee = joint_angles(image, side, facing)["knee_flexion"]
    hands = hand_height_leg(image, side, leg_reference(leg_length(image, side), th))
    return pull_seconds(pull_frames(hands, knee, th), frame_seconds(np.asarray(t, np.float64)[rows]))


class PullCounter:
    """:func:`seconds_at_floor` for frames that come a batch at a time (the live path). Each
    frame's leg length goes into a running percentile, and the frames with the knee bent enough
    keep their hands' height (px) and seconds, so the count is taken again, in one vectorised
    step, as the lifter's leg length moves. After the last batch :meth:`seconds` equals
    :func:`seconds_at_floor` over all the frames (the same arithmetic:
    :class:`~hingecheck.core.filters.RunningMedian` gives ``np.percentile``'s value)."""

    def __init__(self, th: Thresholds):
        self.th = th
        self._legs = RunningMedian()
        self._hands = np.empty(0)  # px, of the frames with the knee bent at least pull_knee_min_deg
        self._seconds = np.empty(0)
        self._n = 0
        self._last_t: float | None = None

    def add(self, image: np.ndarray, t: np.ndarray, side: str, facing: int) -> None:
        """Count the frames ``image`` ``(T, 33, ≥2)`` px at times ``t`` (s), after those added before."""
        image = np.asarray(image)
        for leg in leg_length(image, side).tolist():
            if leg > 0 and leg != math.inf:  # finite and positive (NaN fails the first test)
                self._legs.add(leg)
        knee = joint_angles(image, side, facing)["knee_flexion"]
        seconds = frame_seconds(np.asarray(t, np.float64), self._last_t)
        with np.errstate(invalid="ignore"):
            bent = knee >= self.th.pull_knee_min_deg
        hands, seconds = hand_height_px(image, side)[bent], seconds[bent]
        n, k = self._n, len(hands)
        if n + k > len(self._hands):  # grown by doubling: amortised O(1) a frame
            self._hands = np.resize(self._hands, max(64, 2 * (n + k)))
            self._seconds = np.resize(self._seconds, max(64, 2 * (n + k)))
        self._hands[n : n + k] = hands
        self._seconds[n : n + k] = seconds
        self._n += k
        if len(t):
            self._last_t = float(t[-1])

    def seconds(self) -> float:
        """Seconds at the bottom of a pull over every frame added."""
        leg = np.float64(self._legs.percentile(self.th.pull_leg_percentile))
        with np.errstate(all="ignore"):
            hands = np.where(leg > 0, self._hands[: self._n] / leg, np.nan)
            return pull_seconds(hands <= self.th.pull_hands_max_leg, self._seconds[: self._n])


def choose(pull_s: float, th: Thresholds) -> str:
    """``"deadlift"`` or ``"hinge"`` for ``pull_s`` seconds at the bottom of a pull."""
    return "deadlift" if pull_s >= th.pull_min_s - 1e-6 else "hinge"  # 6 frames of 1/30 s make 0.2 s


def reason(exercise: str, pull_s: float) -> str | None:
    """The warning line a result carries when ``auto`` chose the deadlift profile (None for a
    hinge: the default profile, named by the result's ``exercise``; a warning on every hinge
    clip would read as a problem with the footage)."""
    if exercise != "deadlift":
        return None
    return (
        f"{CHOSEN_PREFIX}deadlift (a pull from the floor: hands below the knees, near the floor, with the knees "
        f"bent for {pull_s:.1f} s); pass --exercise to choose another"
    )
