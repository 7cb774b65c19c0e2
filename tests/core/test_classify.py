"""Each fault's boundary: just inside a threshold is fine, just outside is the fault."""

import numpy as np
import pytest

from hingecheck.core.classify import FAULT_SCORE_CAP, Features, classify_rep, clip_verdict
from hingecheck.core.config import load_config
from hingecheck.core.reps import RepWindow
from hingecheck.core.results import Rep

T = 120
W = RepWindow(start=10, bottom=50, end=90)
EPS = 0.5


def features(**kw):
    t = np.arange(T) / 30.0
    bump = np.sin(np.pi * np.clip((np.arange(T) - 10) / 80.0, 0, 1)) ** 2
    base = dict(
        t=t,
        hip_flexion=85.0 * bump,
        knee_flexion=18.0 * bump,
        trunk_incline=72.0 * bump,
        shin_angle=5.0 * bump,
        spine_flexion=np.zeros(T),
        neck_change=np.zeros(T),
        hip_drop=0.05 * bump,
        hip_below_knee=np.zeros(T),
        load_ahead=0.05 * bump,
        knee_past_toe=-0.5 * np.ones(T),
    )
    for k, v in kw.items():
        if np.isscalar(v):
            v = v * bump  # a smooth rep shape reaching the value at the bottom
        base[k] = v
    return Features(**base)


def at(value, frames=slice(W.bottom - 3, W.bottom + 4)):
    a = np.zeros(T)
    a[frames] = value
    return a


def verdict(f, exercise="hinge"):
    return classify_rep(f, W, load_config(exercise=exercise), 1)


def test_clean_rep_is_neutral_and_scores_high():
    r = verdict(features())
    assert r.verdict == "neutral" and r.faults == () and r.score >= 50
    assert r.hip_flexion_deg == pytest.approx(85.0, abs=0.1) and r.descent_s == pytest.approx(40 / 30.0)


def test_lumbar_rounding_boundary():
    th = load_config().lumbar_flexion_max_deg
    held = slice(W.start, W.end + 1)  # flexed through the whole rep
    assert "lumbar_rounding" not in verdict(features(spine_flexion=at(th - EPS, held))).faults
    r = verdict(features(spine_flexion=at(th + EPS, held)))
    assert r.verdict == "lumbar_rounding" and r.score <= FAULT_SCORE_CAP
    assert r.spine_flexion_deg == pytest.approx(th + EPS)


def test_a_blip_on_the_back_outline_is_not_rounding():
    """An arm or the bar crossing the outline for a few frames reads as a big bend for those
    frames only: the verdict reads the flexion held through the rep."""
    th = load_config().lumbar_flexion_max_deg
    r = verdict(features(spine_flexion=at(th + 40, slice(W.bottom - 3, W.bottom + 4))))
    assert "lumbar_rounding" not in r.faults and r.evidence["spine_peak_deg"] > th + 30


def test_an_unsteady_back_outline_is_not_judged_not_faulted():
    """A back held rounded past the limit is a fault when its outline is steady; the same reading
    with the outline jumping around it from frame to frame (a loose shirt flapping) is not a
    measure of a rigid back: not judged, and said why, never a fault."""
    th = load_config()
    held = slice(W.start, W.end + 1)
    spine = at(th.lumbar_flexion_max_deg + 10, held)
    steady = np.full(T, 0.4)  # degrees off the smooth curve, as on tight clothing
    jumpy = np.full(T, 2.0 * th.max_outline_jitter_deg)
    assert verdict(features(spine_flexion=spine, spine_jitter=steady)).verdict == "lumbar_rounding"
    r = verdict(features(spine_flexion=spine, spine_jitter=jumpy))
    assert "lumbar_rounding" not in r.faults and r.verdict == "not_judged"
    assert "unsteady" in r.not_judged["lumbar_rounding"]


def test_squatty_hinge_boundary_and_joint_rule():
    th = load_config()
    knee = th.knee_max_deg
    # Knee over the limit and a squat sign (knee:hip ratio over its limit): fault.
    hip = (knee + EPS) / (th.knee_hip_ratio_max + 0.05)
    assert verdict(features(knee_flexion=knee + EPS, hip_flexion=hip)).verdict == "squatty_hinge"
    assert "squatty_hinge" not in verdict(features(knee_flexion=knee - EPS, hip_flexion=hip)).faults
    # Knee over the limit alone, with no other squat sign (deep hinge, hips back): not a squat.
    assert "squatty_hinge" not in verdict(features(knee_flexion=knee + EPS, hip_flexion=120.0)).faults


def test_deadlift_judges_hip_height_and_torso_not_knee():
    f = features(knee_flexion=75.0, hip_flexion=115.0, trunk_incline=65.0, shin_angle=20.0, hip_drop=0.2)
    assert verdict(f, "deadlift").verdict == "neutral"  # big knee bend is a normal pull
    th = load_config(exercise="deadlift")
    squat = features(
        knee_flexion=100.0, hip_flexion=110.0, trunk_incline=30.0, shin_angle=30.0, hip_drop=th.hip_drop_max + 0.05
    )
    assert verdict(squat, "deadlift").verdict == "squatty_hinge"


def test_neck_extension_boundary():
    th = load_config().neck_extension_max_deg
    assert "neck_extension" not in verdict(features(neck_change=at(th - EPS, slice(10, 91)))).faults
    assert "neck_extension" in verdict(features(neck_change=at(th + EPS, slice(10, 91)))).faults


def test_knees_forward_needs_shin_and_knee_past_toes():
    th = load_config()
    assert "knees_forward" in verdict(features(shin_angle=th.shin_max_deg + EPS, knee_past_toe=0.3)).faults
    assert "knees_forward" not in verdict(features(shin_angle=th.shin_max_deg - EPS, knee_past_toe=0.3)).faults
    assert "knees_forward" not in verdict(features(shin_angle=th.shin_max_deg + EPS, knee_past_toe=-0.2)).faults


def test_lockout_faults():
    th = load_config()
    hip = features().hip_flexion.copy()
    hip[85:100] = th.hyperextension_hip_deg - EPS
    assert verdict(features(hip_flexion=hip)).verdict == "lockout_hyperextension"
    hip[85:100] = th.hyperextension_hip_deg + EPS
    assert "lockout_hyperextension" not in verdict(features(hip_flexion=hip)).faults
    # a camera's roll tilts the trunk's incline, not the hip angle: a trunk leaning back against the
    # picture's vertical alone is no fault
    trunk = features().trunk_incline.copy()
    trunk[85:100] = -25.0
    assert "lockout_hyperextension" not in verdict(features(trunk_incline=trunk)).faults
    hip = features().hip_flexion.copy()
    hip[75:] = np.maximum(hip[75:], th.lockout_hip_max_deg + EPS)
    assert "incomplete_lockout" in verdict(features(hip_flexion=hip)).faults
    # The hip read short of straight while the shoulders are behind the hips (the trunk leaning back)
    # is a landmark lost at the top, not a short lockout: not judged, and said why.
    trunk = features().trunk_incline.copy()
    trunk[75:] = np.minimum(trunk[75:], th.lockout_trunk_min_deg - 5.0)
    r = verdict(features(hip_flexion=hip, trunk_incline=trunk))
    assert "incomplete_lockout" not in r.faults and "leans back" in r.not_judged["incomplete_lockout"]
    trunk[75:] = np.maximum(trunk[75:], th.lockout_trunk_min_deg + EPS)
    assert "incomplete_lockout" in verdict(features(hip_flexion=hip, trunk_incline=trunk)).faults
    hip[78:] = th.lockout_hip_max_deg - EPS
    assert "incomplete_lockout" not in verdict(features(hip_flexion=hip)).faults


def test_load_drift_boundary_and_profiles():
    th = load_config().load_drift_max
    assert "load_drift" in verdict(features(load_ahead=th + 0.01)).faults
    assert "load_drift" not in verdict(features(load_ahead=th - 0.01)).faults
    assert "load_drift" not in verdict(features(load_ahead=th + 0.01), "kb_swing").faults  # the bell swings out


def test_hips_rise_first_only_for_pulls():
    """Hips shooting up: the knees straighten first while the trunk tips further forward. A back
    angle held constant while the knees straighten is the correct pull, not the fault."""
    n = np.arange(T)
    up = np.clip((n - W.bottom) / (W.end - W.bottom), 0, 1)
    down = np.clip((n - W.start) / (W.bottom - W.start), 0, 1)
    knee = np.where(n <= W.bottom, 70 * down, 70 * (1 - np.clip(up / 0.3, 0, 1)))
    gain = load_config(exercise="deadlift").hips_first_trunk_gain_deg
    tip = (gain + 3) * np.sin(np.pi * np.clip(up / 0.4, 0, 1))  # tips forward, then rises
    trunk = np.where(n <= W.bottom, 70 * down, 70 * (1 - np.clip((up - 0.4) / 0.6, 0, 1)) + tip)
    f = features(knee_flexion=knee, trunk_incline=trunk, hip_flexion=np.maximum(trunk + 40 * (knee > 0), trunk))
    assert verdict(f, "deadlift").verdict == "hips_rise_first"
    assert gain < verdict(f, "deadlift").evidence["hips_first_trunk_gain_deg"] <= gain + 3
    assert "hips_rise_first" not in verdict(f, "hinge").faults
    held = features(
        knee_flexion=knee, trunk_incline=np.where(n <= W.bottom, 70 * down, 70 * (1 - np.clip((up - 0.4) / 0.6, 0, 1)))
    )
    assert "hips_rise_first" not in verdict(held, "deadlift").faults
    together = features(
        knee_flexion=np.where(n <= W.bottom, 70 * down, 70 * (1 - up)),
        trunk_incline=np.where(n <= W.bottom, 70 * down, 70 * (1 - up)),
    )
    assert "hips_rise_first" not in verdict(together, "deadlift").faults


def test_unseen_measures_are_not_judged_never_faults():
    th = load_config()
    # The back outline lost on most of the rep: no spine verdict, and no neutral either.
    spine = np.full(T, np.nan)
    spine[W.start : W.start + 5] = th.lumbar_flexion_max_deg + 20
    r = verdict(features(spine_flexion=spine))
    assert r.verdict == "not_judged" and "lumbar_rounding" in r.not_judged and r.confidence < 1
    # A clip-wide reason (lifter too small) is passed through with its words.
    small = Features(
        **{
            **features(spine_flexion=at(th.lumbar_flexion_max_deg + 20, slice(0, T))).__dict__,
            "untrusted": {"lumbar_rounding": "lifter too small"},
        }
    )
    r = verdict(small)
    assert r.verdict == "not_judged" and r.not_judged["lumbar_rounding"] == "lifter too small"
    # Other faults are still called on what can be seen.
    squat = Features(
        **{
            **features(knee_flexion=th.knee_max_deg + 10, hip_flexion=60.0).__dict__,
            "untrusted": {"lumbar_rounding": "lifter too small"},
        }
    )
    assert verdict(squat).verdict == "squatty_hinge"
    # A rep cut by the clip's end: the lockout is not judged.
    hip = features().hip_flexion.copy()
    hip[75:] = 60.0
    cut = classify_rep(features(hip_flexion=hip), RepWindow(W.start, W.bottom, W.end, partial=True), th, 1)
    assert "incomplete_lockout" not in cut.faults and "incomplete_lockout" in cut.not_judged
    assert "partial_rep" in cut.notes


def test_notes_inform_without_failing():
    fast = features()
    t = fast.t.copy()
    t[: W.bottom] = np.linspace(0, 0.5, W.bottom)  # a 0.3 s descent
    t[W.bottom :] = 0.5 + np.arange(T - W.bottom) / 30.0
    r = verdict(Features(**{**fast.__dict__, "t": t}))
    assert "rushed_tempo" in r.notes and r.verdict == "neutral"
    assert "rushed_tempo" not in verdict(Features(**{**fast.__dict__, "t": t}), "kb_swing").notes
    shallow = verdict(features(hip_flexion=load_config().shallow_hip_deg - 5))
    assert "shallow_depth" in shallow.notes and shallow.verdict == "neutral"
    lm = verdict(Features(**{**features().__dict__, "spine_from_landmarks": True}))
    assert "spine_from_landmarks_only" in lm.notes


def test_fault_order_and_clip_verdict():
    th = load_config()
    r = verdict(
        features(
            spine_flexion=at(th.lumbar_flexion_max_deg + 5, slice(0, T)),
            neck_change=at(th.neck_extension_max_deg + 5, slice(10, 91)),
        )
    )
    assert r.faults == ("lumbar_rounding", "neck_extension") and r.verdict == "lumbar_rounding"
    # The cause outranks its symptom: hips rising first tips the trunk while the head stays up.
    from hingecheck.core.results import FAULTS

    assert FAULTS.index("hips_rise_first") < FAULTS.index("neck_extension")
    assert FAULTS.index("squatty_hinge") < FAULTS.index("neck_extension")

    def rep(v):
        return Rep(1, 0, 0, 0, 0, 0, 0, v, (), (), 0, 0, 0, 0, 0, 0, 0)

    assert clip_verdict([rep("neutral"), rep("neutral"), rep("squatty_hinge")], "side") == "neutral"
    assert clip_verdict([rep("neutral"), rep("squatty_hinge")], "side") == "squatty_hinge"  # ties go to the fault
    assert clip_verdict([rep("squatty_hinge"), rep("lumbar_rounding")], "side") == "lumbar_rounding"
    assert clip_verdict([], "side") == "no_reps"
    # A set is faulted when its faulted reps are at least as many as its neutral ones, though
    # neutral is the most common single verdict (4 of 7 reps faulted, three faults).
    faults = ["lumbar_rounding", "squatty_hinge", "squatty_hinge", "neck_extension"]
    assert clip_verdict([rep("neutral")] * 3 + [rep(f) for f in faults], "side") == "squatty_hinge"
    assert clip_verdict([rep("neutral")] * 4 + [rep(f) for f in faults[:3]], "side") == "neutral"
    # Reps that could not be judged decide only when they outnumber the judged ones.
    nj = rep("not_judged")
    assert clip_verdict([nj, nj, rep("neutral")], "side") == "not_judged"
    assert clip_verdict([nj, nj, rep("neutral"), rep("lumbar_rounding")], "side") == "lumbar_rounding"
    assert clip_verdict([nj, rep("neutral"), rep("neutral")], "side") == "neutral"
    assert clip_verdict([rep("neutral")], "front") == "unusable_view"
