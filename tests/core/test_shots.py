"""Cuts in edited clips: found from the picture's change, and only the longest shot judged."""

from __future__ import annotations

import dataclasses

import numpy as np

from hingecheck.core.analysis import analyze
from hingecheck.core.config import load_config
from hingecheck.core.shots import cut_frames, keep_one_shot, last_shot, longest_shot

TH = load_config()


def handheld(n: int, seed: int = 0) -> np.ndarray:
    """Frame-to-frame change within a shot: 0.5-4 grey levels (the real development clips: medians
    0.1-3.5), NaN on the first frame."""
    c = np.random.default_rng(seed).uniform(0.5, 4.0, n).astype(np.float32)
    c[0] = np.nan
    return c


def test_a_jump_well_above_the_clips_own_change_is_a_cut():
    c = handheld(120)
    c[40] = TH.cut_min_change + 1.0
    c[90] = 60.0
    assert cut_frames(c, TH.cut_min_change, TH.cut_min_ratio).tolist() == [40, 90]
    assert longest_shot(120, np.array([40, 90])) == (40, 90)


def test_no_cut_in_a_continuous_shot_or_without_a_measure():
    c = handheld(300, seed=1)
    assert len(cut_frames(c, TH.cut_min_change, TH.cut_min_ratio)) == 0
    c[100] = TH.cut_min_change - 0.5  # a caption appearing: large, but under the limit
    assert len(cut_frames(c, TH.cut_min_change, TH.cut_min_ratio)) == 0
    assert len(cut_frames(None, TH.cut_min_change, TH.cut_min_ratio)) == 0
    # a camera that moves this much all the time: the same jump is only a few times its median
    busy = np.full(100, TH.cut_min_change / 2, np.float32)
    busy[50] = TH.cut_min_change * 1.5
    assert len(cut_frames(busy, TH.cut_min_change, TH.cut_min_ratio)) == 0


def test_frames_outside_the_longest_shot_are_not_the_lifters(sample_series, sample_labels):
    name = "hinge_neutral_right.mp4"
    s = sample_series[name]
    change = handheld(s.n_frames)
    change[3] = 50.0  # three frames of another scene before the lift
    edited = dataclasses.replace(s, scene_change=change)
    kept, warnings = keep_one_shot(edited, TH.cut_min_change, TH.cut_min_ratio)
    assert kept.n_frames == s.n_frames and not kept.detected[:3].any()
    assert np.array_equal(kept.detected[3:], s.detected[3:])
    assert len(warnings) == 1 and f"cuts at {s.t[3]:.2f} s" in warnings[0]
    result = analyze(edited, sample_labels[name]["exercise"])
    assert any(w.startswith("edited clip: 2 shots") for w in result.warnings)
    assert [r.verdict for r in result.reps] == sample_labels[name]["reps"]
    # the shot kept is the longer one, whichever side of the cut it is on
    change[3], change[-3] = handheld(1)[-1], 50.0
    kept, _ = keep_one_shot(dataclasses.replace(s, scene_change=change), TH.cut_min_change, TH.cut_min_ratio)
    assert kept.detected[:-3].sum() == s.detected[:-3].sum() and not kept.detected[-3:].any()


def test_the_live_window_keeps_the_last_shot_long_enough_for_a_rep():
    """Live judges the rep just finished in the shot it is in: the last shot, unless that shot is
    shorter than a rep (a closing title or close-up), then the one before; with none long enough,
    the longest."""
    assert last_shot(100, np.array([30]), 20) == (30, 100)  # shorter than the first shot, still kept
    assert last_shot(100, np.array([30, 90]), 20) == (30, 90)  # a 10-frame closing shot passed over
    assert last_shot(100, np.array([5, 95]), 95) == (5, 95)  # none long enough: the longest
