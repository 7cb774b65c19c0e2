"""Rep segmentation with hysteresis on noisy trajectories, pauses, partial reps and cut clips."""

import numpy as np
import pytest

from hingecheck.core.reps import hysteresis_state, segment_reps

FPS = 30.0
ARGS = dict(enter=40.0, exit_=22.0, edge=5.0, min_rep_s=0.5)


def trajectory(parts):
    """Concatenate (seconds, from_deg, to_deg) ramps (raised cosine) into a hip-flexion series."""
    out = []
    for dur, a, b in parts:
        x = np.arange(int(dur * FPS)) / (dur * FPS)
        out.append(a + (b - a) * (0.5 - 0.5 * np.cos(np.pi * x)))
    h = np.concatenate(out)
    return h, np.arange(len(h)) / FPS


def rep(depth=90.0, down=1.5, pause=0.0, up=1.2, stand=1.0):
    return [(down, 5, depth), (pause, depth, depth), (up, depth, 5), (stand, 5, 5)]


def test_counts_reps_with_noise():
    h, t = trajectory([(1.0, 5, 5)] + rep() * 4)
    h = h + np.random.default_rng(0).normal(0, 3.0, h.shape)
    reps = segment_reps(h, t, **ARGS)
    assert len(reps) == 4
    for r in reps:
        assert r.start < r.bottom < r.end
        assert h[r.bottom] > 80


def test_noise_around_a_threshold_does_not_add_reps():
    t = np.arange(300) / FPS
    h = 40.0 + np.random.default_rng(2).normal(0, 2.0, t.shape)  # hovering at the enter threshold
    h[:30] = 5.0
    h[-30:] = 5.0
    assert len(segment_reps(h, t, **ARGS)) == 1


def test_pause_at_bottom_is_one_rep():
    h, t = trajectory([(1.0, 5, 5)] + rep(pause=2.0) + rep())
    reps = segment_reps(h, t, **ARGS)
    assert len(reps) == 2


def test_partial_rep_and_fidgeting_are_not_reps():
    h, t = trajectory(
        [(1.0, 5, 5), (0.6, 5, 30), (0.6, 30, 5), (0.5, 5, 5)] + rep() + [(0.3, 5, 45), (0.1, 45, 5), (1, 5, 5)]
    )
    reps = segment_reps(h, t, **ARGS)
    assert len(reps) == 1  # the 30 deg dip never enters; the 0.4 s jab is too short


def test_clip_starting_and_ending_mid_rep():
    h, t = trajectory([(0.8, 70, 5), (1.0, 5, 5)] + rep() + [(1.2, 5, 90)])
    assert len(segment_reps(h, t, **ARGS)) == 1
    # From the floor (deadlift): the first pull needs no standing phase before it.
    assert len(segment_reps(h, t, from_floor=True, **ARGS)) == 2


def test_rep_edges_at_start_of_descent_and_lockout():
    h, t = trajectory([(1.0, 5, 5)] + rep(down=1.5, up=1.2, stand=1.0))
    (r,) = segment_reps(h, t, **ARGS)
    assert t[r.start] == pytest.approx(1.0, abs=0.35)  # the descent starts at 1.0 s
    assert t[r.end] == pytest.approx(1.0 + 1.5 + 1.2, abs=0.35)


def test_hysteresis_state_holds_between_thresholds():
    h = np.array([5, 30, 45, 30, 25, 20, 30, 45, 10.0])
    assert hysteresis_state(h, 40, 22).tolist() == [0, 0, 1, 1, 1, 0, 0, 1, 0]


def test_a_clip_with_no_complete_rep_is_judged_on_its_partial_rep():
    """A single pull filmed from the set-up and cut before the lockout, or a lowering to the
    set-up: not no_reps, but one partial rep at the clip's edge."""
    pull, t = trajectory([(0.4, 125, 125), (1.5, 125, 50)])  # bent over, rising, clip ends at 50 deg
    assert segment_reps(pull, t, **ARGS) == []
    (r,) = segment_reps(pull, t, allow_partial=True, **ARGS)
    assert r.partial and r.start == 0 and r.end == len(pull) - 1 and r.bottom < 15
    lower, t = trajectory([(1.0, 5, 5), (1.5, 5, 120), (0.3, 120, 120)])  # standing, then down to the bar
    (r,) = segment_reps(lower, t, allow_partial=True, **ARGS)
    assert r.partial and r.end == len(lower) - 1 and lower[r.start] < 10
    # With a complete rep in the clip, the cut excursions at its edges are not counted.
    full, t = trajectory([(1.0, 5, 5)] + rep() + [(1.0, 5, 90)])
    (r,) = segment_reps(full, t, allow_partial=True, **ARGS)
    assert not r.partial
    # Too short to be a rep.
    blip, t = trajectory([(1.0, 5, 5), (0.3, 5, 60)])
    assert segment_reps(blip, t, allow_partial=True, **ARGS) == []


def test_a_clip_cut_as_the_lifter_stands_up_does_not_show_the_lockout():
    """The clip stops while the hip is still extending (16 deg and falling): the rep counts, its
    lockout is not seen. Given 0.5 s at the top, or a bend straight into the next rep, it is."""
    full = [(1.0, 5, 5), (1.5, 5, 90), (1.2, 90, 5)]
    h, t = trajectory(full)
    cut = int(np.flatnonzero(h > 16)[-1])  # the last frame still above 16 deg on the way up
    (r,) = segment_reps(h[: cut + 1], t[: cut + 1], lockout_seen_s=0.2, **ARGS)
    assert not r.lockout_seen and not r.partial
    (r,) = segment_reps(*trajectory(full + [(0.5, 5, 5)]), lockout_seen_s=0.2, **ARGS)
    assert r.lockout_seen
    h, t = trajectory(full + [(0.1, 5, 5), (0.4, 5, 30)])  # touch and go, the clip ends going down
    (r,) = segment_reps(h, t, lockout_seen_s=0.2, **ARGS)
    assert r.lockout_seen
    # The hip lost from 8 deg on the way up to the end (the lifter walked out of view): not seen either.
    h, t = trajectory(full + [(0.5, 5, 5)])
    h[int(np.flatnonzero(h > 8)[-1]) + 1 :] = np.nan
    (r,) = segment_reps(h, t, lockout_seen_s=0.2, **ARGS)
    assert not r.lockout_seen


def test_a_pull_cut_while_rising_is_found_a_lowering_is_not():
    """The clip's end cuts a rep under way (the lifter back up from the bottom past half the way to
    the enter threshold): :func:`cut_at_end` finds it; the weight lowered to the floor at the end of
    a set, a descent, or a clip ending standing are not a rep cut short."""
    from hingecheck.core.reps import cut_at_end

    args = dict(ARGS)
    del args["exit_"]
    two = [(1.0, 5, 5)] + rep() * 2
    h, t = trajectory(two + [(1.5, 5, 120), (0.5, 120, 120), (0.6, 120, 60)])  # up to 60 deg of 120
    w = cut_at_end(h, t, exit_=22.0, **args)
    assert w is not None and w.partial
    assert t[w.start] == pytest.approx(1.0 + 2 * 3.7, abs=0.35)  # its descent began after the two reps
    assert len(segment_reps(h, t, **ARGS)) == 2  # ... and it is not judged
    for tail in ([(1.5, 5, 120), (1.0, 120, 120)], [(1.0, 5, 80)], []):  # lowered and left; going down; standing
        h, t = trajectory(two + tail)
        assert cut_at_end(h, t, exit_=22.0, **args) is None, tail
    h, t = trajectory(two + [(1.5, 5, 120), (0.5, 120, 120), (0.3, 120, 100)])  # barely moved off the floor
    assert cut_at_end(h, t, exit_=22.0, **args) is None
