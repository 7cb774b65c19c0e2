"""``--exercise auto``: a pull from the floor is judged as a deadlift, anything else as a hinge.

Truth from construction: stick figures (tests/stick.py) whose hand height and knee bend follow
from their segment angles, e.g. a pull's bottom (trunk 55°, thigh 75°, shin 25°, arms hanging)
puts the wrists 95 px above the ankle on a 360-px leg (0.26 leg lengths) with the knee bent 100°.
"""

from __future__ import annotations

import numpy as np
import pytest

from hingecheck.core import exercise
from hingecheck.core.analysis import analyze, choose_exercise, thresholds_for
from hingecheck.core.config import load_config

from stick import hinge_reps, series

TH = load_config(exercise="hinge")
FPS = 30.0


def _pull(bottom_s: float, reps: int = 2, move_s: float = 1.0):
    """Pulls from the floor: standing 1 s, down in ``move_s``, the bottom held ``bottom_s``, up
    (arms hanging)."""
    stand, move = np.zeros(int(FPS)), np.sin(np.linspace(0, np.pi / 2, int(move_s * FPS)))
    w = np.concatenate([stand] + [np.concatenate([move, np.ones(int(bottom_s * FPS)), move[::-1], stand])] * reps)
    return series(55.0 * w, 75.0 * w, 25.0 * w, fps=FPS, hands_at_knees=False)


def test_hand_height_reads_the_geometry():
    s = _pull(0.5, reps=1)
    h = exercise.hand_height_leg(s.image, "right")
    # Standing: wrists hang 230 px below the shoulders, 560 px above the ankle: (560 - 230) / 360.
    assert h[0] == pytest.approx((560 - 230) / 360, abs=0.01)
    assert np.min(h) == pytest.approx(95.3 / 360, abs=0.01)  # the bottom (module doc)


@pytest.mark.parametrize(
    ("hands", "knee", "pull"),
    [(0.2, 100.0, True), (0.2, 20.0, False), (0.5, 100.0, False), (np.nan, 100.0, False), (0.2, np.nan, False)],
)
def test_a_pull_needs_low_hands_and_bent_knees(hands, knee, pull):
    """A deep Romanian deadlift (hands low, knees soft) and a squatty hinge (knees bent, hands at
    the knees) are not pulls from the floor."""
    assert exercise.pull_frames(np.array([hands]), np.array([knee]), TH)[0] == pull


def test_a_held_pull_from_the_floor_is_a_deadlift():
    ex, seconds = choose_exercise(_pull(0.5), TH)
    assert ex == "deadlift"
    assert 1.0 <= seconds <= 1.0 + 4 * 1.0  # the two held bottoms, and at most the whole way down and up


def test_a_hinge_and_a_brief_dip_are_hinges():
    t, trunk, thigh, shin, _ = hinge_reps(fps=FPS)
    assert choose_exercise(series(trunk, thigh, shin, fps=FPS), TH) == ("hinge", 0.0)
    # A touch of the floor in a quick dip (0.1 s down, 0.1 s up) is not a pull (pull_min_s).
    ex, seconds = choose_exercise(_pull(0.0, reps=1, move_s=0.1), TH)
    assert ex == "hinge" and seconds < TH.pull_min_s


def test_frame_seconds_add_up_frame_by_frame():
    t = np.cumsum(np.r_[0.0, np.full(20, 1 / 30), 2.0, np.full(9, 1 / 30)])  # a 2-s gap counts 0.1 s
    whole = exercise.frame_seconds(t).sum()
    parts = exercise.frame_seconds(t[:7]).sum() + exercise.frame_seconds(t[7:], previous_t=t[6]).sum()
    assert whole == pytest.approx(parts)
    assert whole == pytest.approx(29 / 30 + exercise.MAX_FRAME_S)


def test_auto_judges_a_pull_by_the_deadlift_profile_and_says_so():
    s = _pull(0.5)
    th, notes = thresholds_for(s, "auto")
    assert th.exercise == "deadlift" and "deadlift" in notes[0]
    auto, hinge = analyze(s, exercise="auto"), analyze(s, exercise="hinge")
    assert auto.exercise == "deadlift" and notes[0] in auto.warnings
    assert [r.verdict for r in auto.reps] == [r.verdict for r in analyze(s, exercise="deadlift").reps]
    # The hinge profile reads the pull's 100° of knee bend as a squat.
    assert all("squatty_hinge" in r.faults for r in hinge.reps)
    assert not any("squatty_hinge" in r.faults for r in auto.reps)


def test_live_chooses_as_batch_does():
    from conftest import replay_live

    s = _pull(0.5)
    batch = analyze(s, exercise="auto")
    live = replay_live(s, "auto")
    assert [(r.verdict, r.faults) for r in live] == [(r.verdict, r.faults) for r in batch.reps]
