"""The real-footage failure modes, rendered with ground truth, through the real model.

Each scenario reproduces one way real clips went wrong (issue 12), so each mechanism has a test:
a pull filmed from the set-up (no standing phase before it), a camera 45° off the side, and a
far camera (the lifter about a third of the frame height: too small for the back's outline).
"""

import pytest

from hingecheck.core.analysis import analyze
from hingecheck.pose.landmarker import estimate_clip
from hingecheck.synth.scenarios import Scenario, render_scenario

from conftest import replay_live

SCENARIOS = {
    "setup_start": Scenario(
        "setup_start",
        "deadlift",
        ("deadlift", "hips_rise_first"),
        from_floor=True,
        start_at_setup=True,
        load="kettlebell",
        yaw=180.0,
        seed=21,
        verdict="hips_rise_first",
    ),  # a tie goes to the fault
    # The camera 42° round from the side reads about 50° of body yaw, mid-band. At exactly 45° the
    # measure read 44.8° in one process and 39.7° in another (the model's output shifts with what
    # else the process has loaded: rendering before inferring), too near the 40° floor to test on.
    "oblique_45": Scenario(
        "oblique_45", "hinge", ("neutral", "squatty_hinge"), yaw=42.0, seed=22, verdict="squatty_hinge"
    ),
    "loose_shirt": Scenario(
        "loose_shirt",
        "hinge",
        ("neutral", "lumbar_rounding"),
        yaw=180.0,
        shirt_flap=0.06,
        seed=24,
        expect=("not_judged", "not_judged"),
        verdict="not_judged",
    ),
    "far_camera": Scenario(
        "far_camera",
        "hinge",
        ("neutral", "squatty_hinge"),
        camera_scale=0.19,
        seed=23,
        expect=("not_judged", "squatty_hinge"),
        verdict="squatty_hinge",
    ),
}


@pytest.fixture(scope="module", params=sorted(SCENARIOS))
def scored(request, tmp_path_factory):
    sc = SCENARIOS[request.param]
    clip = tmp_path_factory.mktemp("failure-modes") / f"{sc.name}.mp4"
    truth = render_scenario(sc, clip)
    series = estimate_clip(clip)
    return sc, truth, analyze(series, exercise=sc.exercise), series


def test_live_gives_the_batch_verdicts(scored):
    """One core, one answer: the live path fed the same frames calls the same reps (a pull
    filmed from the set-up has no standing frames before it: both take the lockout)."""
    sc, _, batch, s = scored
    reps = [r.verdict for r in replay_live(s, sc.exercise)]
    assert reps == [r.verdict for r in batch.reps]


def test_reps_and_verdicts_match_the_truth(scored):
    sc, truth, result, _ = scored
    assert [r.verdict for r in result.reps] == truth["reps"], result.reps
    assert result.verdict == truth["verdict"]


def test_each_mechanism_says_what_it_did(scored):
    sc, truth, result, _ = scored
    if sc.name == "setup_start":
        # No standing frame before the first pull: the lockout is the reference, the pull counts.
        assert truth["frames"][0]["hip_flexion"] > 60 and not result.reps[0].notes
    elif sc.name == "oblique_45":
        assert result.view == "oblique" and 40 <= result.yaw_deg < 60
        assert all("oblique_view" in r.notes and "neck_extension" in r.not_judged for r in result.reps)
    elif sc.name == "loose_shirt":
        # The outline follows the cloth, not the spine: the back is not judged either way (a
        # neutral rep is not passed, a rounded one not faulted), and the reason says why.
        assert all("unsteady" in r.not_judged["lumbar_rounding"] for r in result.reps)
        assert all(r.evidence["spine_jitter_deg"] > 2.5 for r in result.reps)
    else:
        assert all("too small" in r.not_judged["lumbar_rounding"] for r in result.reps)
        assert result.reps[0].confidence < 1.0
