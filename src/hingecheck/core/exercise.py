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
wrist's height above the graded side's ankle over that frame's hip→knee→ankle length (image
pixels, y down), so it needs no standing posture and reads the same on the live path, frame by
frame, as on a whole clip: :func:`pull_seconds` is additive over frames.
"""

from __future__ import annotations

import numpy as np

from hingecheck.core.config import Thresholds, load_config
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


def hand_height_leg(image: np.ndarray, side: str) -> np.ndarray:
    """``(T,)`` height of the wrists (their mean) above the ``side`` ankle, in lengths of that
    frame's hip→knee→ankle chain; image landmarks ``(T, 33, ≥2)`` px, y down. NaN where unseen."""
    joints = [SIDES[side]["ankle"], SIDES["left"]["wrist"], SIDES["right"]["wrist"]]
    ankle, lw, rw = np.moveaxis(np.asarray(image)[:, joints, :2].astype(np.float64), 1, 0)
    leg = leg_length(image, side)
    with np.errstate(all="ignore"):
        wrist_y = np.where(
            np.isfinite(lw[:, 1]) & np.isfinite(rw[:, 1]), (lw[:, 1] + rw[:, 1]) / 2, np.fmax(lw[:, 1], rw[:, 1])
        )
        return np.where(leg > 0, (ankle[:, 1] - wrist_y) / leg, np.nan)


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
    previous_t: float | None = None,
) -> float:
    """Seconds the frames ``rows`` of ``image`` ``(T, 33, ≥2)`` px (times ``t`` s) spend at the
    bottom of a pull from the floor; ``previous_t`` the time of the frame before the first (the
    live path counts a session in batches). The one count of both the batch and the live path."""
    knee = joint_angles(image, side, facing)["knee_flexion"][rows]
    pull = pull_frames(hand_height_leg(image, side)[rows], knee, th)
    return pull_seconds(pull, frame_seconds(np.asarray(t, np.float64)[rows], previous_t))


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
