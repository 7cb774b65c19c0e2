"""Per-frame measures, the standing baselines and the trust rules (``core/measures``): on their
own, and as the analysis of a stick figure or a sample clip reads them."""

import dataclasses

import numpy as np

from hingecheck.core.analysis import analyze

import stick


def test_impossible_angles_are_dropped_not_judged():
    from hingecheck.core.config import load_config
    from hingecheck.core.measures import drop_implausible

    th = load_config()
    m = {
        k: np.array([10.0, th.plausible_hip_max_deg + 5, 30.0]) for k in ("hip_flexion", "trunk_incline", "thigh_angle")
    }
    m.update({k: np.array([th.plausible_knee_min_deg - 5, 20.0, 20.0]) for k in ("knee_flexion", "shin_angle")})
    m["bend"] = np.array([5.0, 5.0, th.plausible_spine_max_deg + 1])
    drop_implausible(m, th)
    assert np.isnan(m["hip_flexion"][1]) and np.isnan(m["trunk_incline"][1]) and m["hip_flexion"][0] == 10
    assert np.isnan(m["knee_flexion"][0]) and np.isnan(m["shin_angle"][0]) and m["knee_flexion"][1] == 20
    assert np.isnan(m["bend"][2]) and m["bend"][0] == 5


def test_a_posture_baseline_needs_a_settled_stance():
    """A frame or two under the standing limit (a mistracked frame after a cut, the hip passing
    through a lockout) is not a stance: the posture references are unknown, so the neck and the
    back are not judged against whatever those frames read. Segment lengths still come from them."""
    from hingecheck.core.config import load_config
    from hingecheck.core.measures import BASELINE_MEASURES, baselines, settled_frames, standing_frames

    th = load_config(None, exercise="deadlift")
    fs = 30.0
    t = np.arange(90) / fs
    hip = np.full(90, 100.0)  # bent over at the bar the whole clip ...
    hip[40:42] = 10.0  # ... but for two frames that read upright
    m = {k: np.full(90, 5.0) for k in BASELINE_MEASURES}
    m["hip_flexion"] = hip
    m["neck_angle"][40:42] = -60.0  # what the passing frames read
    m["leg_len"][40:42] = 300.0
    need = settled_frames(t, th)
    assert need == round(th.min_standing_s * fs) > 2
    base = baselines(m, standing_frames(hip, t, th), need)
    assert np.isnan(base.neck) and np.isnan(base.bend) and np.isnan(base.hip_height)
    assert base.leg_len == 300.0

    hip[40 : 40 + need] = 10.0  # a stance as long as the setting asks: it counts
    m["neck_angle"][40 : 40 + need] = -60.0
    assert baselines(m, standing_frames(hip, t, th), need).neck == -60.0


def test_an_outline_hidden_at_lockout_still_judges_the_back(sample_series):
    """From a side camera the plate hides the hips at a deadlift's lockout, and the mask's back
    outline with them. The outline is judged on the bent-over frames, where the back is graded: a
    rounded back (rendered truth) is still found on the outline, not left to the weak landmark-only
    fallback, though the outline is now missing on most of the clip's frames."""
    from hingecheck.core.config import load_config

    s = sample_series["hinge_rounded.mp4"]
    hip = np.asarray(analyze(s, exercise="hinge").kinematics.hip_flexion)
    hidden = ~(hip > load_config(None, exercise="hinge").rep_enter_deg)  # the plate hides the hips near upright
    assert hidden.mean() > 0.5
    profile = s.profile.copy()
    profile[hidden] = np.nan
    r = analyze(dataclasses.replace(s, profile=profile), exercise="hinge")
    assert r.kinematics.spine_source == "mask"
    assert [x.verdict for x in r.reps] == ["lumbar_rounding"] * 3
    assert not any("spine_from_landmarks_only" in x.notes for x in r.reps)


def test_how_small_a_lifter_is_judged_by_the_models_picture(sample_series):
    """The trust rule reads the lifter's size in the picture the pose model was given, not in the
    file: the same landmarks from a frame the model saw at a third of its size (a 1920-px frame
    given at 640 px) leave the back and the head unjudged; at full size they are judged."""
    from hingecheck.core.config import load_config
    from hingecheck.core.measures import trunk_px

    th = load_config(None, exercise="hinge")
    s = sample_series["hinge_rounded.mp4"]
    trunk = trunk_px(s.image, s.detected)
    assert trunk * 1 / 3 < th.min_trunk_px < trunk  # the sample's lifter is big enough at full size
    full = analyze(dataclasses.replace(s, model_scale=1.0), exercise="hinge")
    assert [r.verdict for r in full.reps] == ["lumbar_rounding"] * 3
    third = analyze(dataclasses.replace(s, model_scale=1 / 3), exercise="hinge")
    assert all("too small for the pose model" in r.not_judged["lumbar_rounding"] for r in third.reps)
    assert all("neck_extension" in r.not_judged for r in third.reps)
    assert s.model_scale == 1.0  # a 640-px sample is given to the model as it is


def test_a_shin_read_short_is_a_tracking_failure_not_knees_forward():
    """A plate in front of the shin puts the ankle landmark on the plate: here, at the bottom of each
    pull, the ankle is drawn 70% of the way down the shin and 50° forward of vertical, while the
    true shin (by construction) tips 20°. The shin's angle, the knee's place over the toes and the
    hip's height above the ankle are then not judged, instead of faults from a landmark the model
    guessed."""
    import dataclasses as dc

    from hingecheck.core.config import load_config
    from hingecheck.core.series import INDEX

    fps = 30.0
    move = np.sin(np.linspace(0, np.pi / 2, int(fps)))
    one = np.concatenate([np.zeros(int(1.5 * fps)), move, np.ones(int(0.6 * fps)), move[::-1]])
    w = np.concatenate([one, one, np.zeros(int(1.5 * fps))])
    s = stick.series(55.0 * w, 75.0 * w, 20.0 * w, fps=fps, hands_at_knees=False)
    th = load_config(exercise="deadlift")
    clean = analyze(s, config=th)
    assert [r.verdict for r in clean.reps] == ["neutral", "neutral"]
    assert all(abs(r.evidence["shin_angle_deg"] - 20.0) < 3.0 for r in clean.reps)

    image = s.image.copy()
    hidden = w > 0.8
    for side in ("left", "right"):
        knee = image[:, INDEX[f"{side}_knee"], :2]
        a = np.radians(50.0)
        image[hidden, INDEX[f"{side}_ankle"], :2] = knee[hidden] + 0.7 * stick.SHIN * np.array([-np.sin(a), np.cos(a)])
    hid = dc.replace(s, image=image)
    judged = analyze(hid, config=th)
    assert [r.verdict for r in judged.reps] == ["neutral", "neutral"]
    # Hip drop and torso-vs-shin unread: a deadlift's squat (two of three signs) cannot be called either way.
    assert all({"knees_forward", "squatty_hinge"} <= set(r.not_judged) for r in judged.reps)
    # Without the check (a shin of any length trusted) the guessed ankle is a squat: the knees
    # forward, the hips low against it, the torso as upright as the shin.
    trusting = analyze(hid, config=dc.replace(th, shin_length_min_ratio=0.0))
    assert all({"knees_forward", "squatty_hinge"} <= set(r.faults) for r in trusting.reps)
