"""Cues: one short cue per fault, set-up guidance, a held cue board, the set summary."""

from hingecheck.core.results import FAULTS, Rep
from hingecheck.render.cues import CUE_HOLD_S, CUES, SETUP_CUES, CueBoard, cue_for, main_fault, set_sentence


def _rep(i, verdict, faults=()):
    return Rep(
        index=i,
        start_frame=0,
        bottom_frame=1,
        end_frame=2,
        start_s=0.0,
        bottom_s=0.5,
        end_s=1.0,
        verdict=verdict,
        faults=tuple(faults),
        notes=(),
        hip_flexion_deg=80.0,
        knee_flexion_deg=20.0,
        trunk_incline_deg=70.0,
        spine_flexion_deg=5.0,
        descent_s=1.0,
        ascent_s=1.0,
        score=90.0,
    )


def test_every_fault_has_a_short_cue():
    for f in FAULTS:
        assert cue_for(f) and len(cue_for(f)) <= 30, f
    assert cue_for(None) is None
    assert CUES["squatty_hinge"] == "Push your hips back"
    assert CUES["lumbar_rounding"] == "Brace — flat back"


def test_setup_guidance_wording():
    assert SETUP_CUES["front"] == "Turn side-on to the camera"
    assert SETUP_CUES["feet"] == "Step back — I can't see your feet"
    assert SETUP_CUES["dark"] == "More light, please"


def test_cue_board_holds_then_changes_and_clears():
    b = CueBoard()
    b.offer("Chin tucked", 0.0)
    for t in (0.1, 0.5, 1.0, CUE_HOLD_S - 0.01):  # alternating offers inside the hold never flicker
        b.offer("Less knee bend" if int(t * 10) % 2 else None, t)
        assert b.text == "Chin tucked"
    b.offer(None, CUE_HOLD_S + 0.01)
    assert b.text is None
    b.offer("Good rep", 10.0, urgent=True)
    b.offer("Chin tucked", 10.1, urgent=True)  # a second finished rep replaces at once
    assert b.text == "Chin tucked"


def test_summary_names_the_most_common_fault():
    reps = [
        _rep(1, "lumbar_rounding", ["lumbar_rounding"]),
        _rep(2, "neutral"),
        _rep(3, "lumbar_rounding", ["lumbar_rounding", "neck_extension"]),
    ]
    assert main_fault(reps) == ("lumbar_rounding", 2)
    assert set_sentence(reps, "lumbar_rounding").startswith("2 of 3 reps rounded at the bottom")
    assert "neutral spine" in set_sentence(reps[1:2], "neutral")


def test_a_rep_not_judged_is_never_praised():
    from dataclasses import replace

    from hingecheck.render.cues import NOT_JUDGED_CUE, rep_cue

    unseen = replace(_rep(1, "not_judged"), not_judged={"lumbar_rounding": "lifter too small in the frame"})
    assert rep_cue(unseen) == NOT_JUDGED_CUE and rep_cue(_rep(2, "neutral")) == "Good rep"
    assert rep_cue(_rep(3, "squatty_hinge", ["squatty_hinge"])) == cue_for("squatty_hinge")
    text = set_sentence([unseen, _rep(2, "neutral")], "not_judged")
    assert "could not be judged on 1 of 2 reps" in text and "too small" in text and "neutral spine" not in text


def test_a_single_rep_is_the_rep_not_1_of_1_reps():
    """A pull from the floor is often one rep: the sentence says "The rep ...", not "1 of 1 reps"
    or "All 1 reps"; with more reps the counts stay."""
    from dataclasses import replace

    assert set_sentence([_rep(1, "lumbar_rounding", ["lumbar_rounding"])], "lumbar_rounding").startswith(
        "The rep rounded at the bottom — "
    )
    assert set_sentence([_rep(1, "neutral")], "neutral") == "The rep hinged with a neutral spine — keep it up."
    unseen = replace(_rep(1, "not_judged"), not_judged={"lumbar_rounding": "lifter too small in the frame"})
    assert set_sentence([unseen], "not_judged").startswith("The spine could not be judged on the rep (lifter too")
    assert set_sentence([_rep(1, "neutral"), _rep(2, "neutral")], "neutral").startswith("All 2 reps hinged")


def test_the_same_fault_in_a_row_takes_turns_with_its_second_phrasing():
    """A coach does not say the same words after every rep of a faulty set: the fault's cue and
    its registry's ``again`` phrasing take turns while the fault repeats; another fault, a good
    rep or a new set starts over. Every fault has a short second phrasing."""
    from hingecheck.core.faults import REGISTRY
    from hingecheck.render.cues import RepCues

    for f in REGISTRY:
        assert f.again and f.again != f.cue and len(f.again) <= 32, f.name
    squat, round_ = ["squatty_hinge"], ["lumbar_rounding"]
    reps = [("squatty_hinge", squat)] * 4 + [("neutral", ())] + [("squatty_hinge", squat)] * 2
    reps += [("lumbar_rounding", round_), ("squatty_hinge", squat)]
    cues = RepCues()
    said = [cues.next(_rep(i, v, f)) for i, (v, f) in enumerate(reps)]
    hips, again = cue_for("squatty_hinge"), "Again — hips back"
    assert said == [hips, again, hips, again, "Good rep", hips, again, cue_for("lumbar_rounding"), hips]
    cues.reset()
    assert cues.next(_rep(0, "squatty_hinge", squat)) == hips
