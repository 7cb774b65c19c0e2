"""The real-footage failure modes, rendered with ground truth, through the real model.

Each scenario reproduces one way real clips went wrong (issue 12), so each mechanism has a test:
a pull filmed from the set-up (no standing phase before it), a camera 45° off the side, and a
far camera (the lifter about a third of the frame height: an HD frame is looked at again on a crop
around them; from a low-resolution camera they stay too small for the back's outline),
another person in view (failure mode 7: beside the lifter, and staying in view while the lifter
steps out between reps).
"""

import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest

from hingecheck.core.analysis import analyze
from hingecheck.core.series import INDEX
from hingecheck.pose.landmarker import PoseSettings, estimate_clip
from hingecheck.synth.scenarios import Bystander, Scenario, render_scenario

from conftest import replay_live

FAR_CAMERA = Scenario(
    "far_camera", "hinge", ("neutral", "squatty_hinge"), camera_scale=0.17, width=1280, height=720, seed=23,
    verdict="squatty_hinge",
)  # fmt: skip

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
    # An HD camera far away: the body under a third of the 720-px frame height, and the frame given to
    # the model at 640 px wide, so the trunk is about 33 of the model's pixels: a second pass on a
    # crop around the lifter gives the model the source's own pixels (twice as many), and every
    # rep is judged as labelled.
    "far_camera": FAR_CAMERA,
    # A far lifter filmed at 640x360: the source has no more pixels to give, the trunk is about
    # 38 px to the model, too small for the back's outline (at 0.17 the model found nobody).
    "far_camera_sd": dataclasses.replace(
        FAR_CAMERA,
        name="far_camera_sd",
        camera_scale=0.2,
        width=640,
        height=360,
        expect=("not_judged", "squatty_hinge"),
    ),
    # Someone of about the lifter's size standing behind the lifter's back, facing the camera.
    "bystander_beside": Scenario(
        "bystander_beside",
        "hinge",
        ("neutral", "squatty_hinge"),
        seed=31,
        verdict="squatty_hinge",
        bystander=Bystander(x=-1.0, z=1.0, height=1.7),
    ),
    # The lifter walks out of view for 3 s between the reps; the other person stays in view (with
    # num_poses=1 the model followed the bystander there: no reps at all).
    "lifter_steps_out": Scenario(
        "lifter_steps_out",
        "hinge",
        ("neutral", "neutral"),
        seed=32,
        bystander=Bystander(x=1.25, z=1.0, height=1.65),
        step_out_after=1,
        step_out_s=3.0,
    ),
}
#: The chosen person's mid-hip may be this far (px, 640x480 frames, body ~390 px tall) from the
#: lifter's true mid-hip (measured: 9-10 px at most); the bystander's stands 200 px and more away.
HIP_ERR_MAX_PX = 25.0


_SCORED: dict = {}


def _scored(name: str, tmp_path_factory):
    """Render, infer and analyse one scenario once per test session."""
    if name not in _SCORED:
        sc = SCENARIOS[name]
        clip = tmp_path_factory.mktemp("failure-modes") / f"{sc.name}.mp4"
        truth = render_scenario(sc, clip)
        # Looking for a second person is a setting (PoseSettings.num_poses): on where others are in view.
        series = estimate_clip(clip, settings=PoseSettings(num_poses=2) if sc.bystander else None)
        _SCORED[name] = (sc, truth, analyze(series, exercise=sc.exercise), series)
    return _SCORED[name]


@pytest.fixture(scope="module", params=sorted(SCENARIOS))
def scored(request, tmp_path_factory):
    return _scored(request.param, tmp_path_factory)


@pytest.fixture(scope="module", params=sorted(n for n, sc in SCENARIOS.items() if sc.bystander is not None))
def scored_with_bystander(request, tmp_path_factory):
    return _scored(request.param, tmp_path_factory)


@pytest.fixture(scope="module", params=sorted(n for n, sc in SCENARIOS.items() if sc.step_out_after))
def scored_stepping_out(request, tmp_path_factory):
    return _scored(request.param, tmp_path_factory)


def test_live_gives_the_batch_verdicts(scored):
    """One core, one answer: the live path fed the same frames calls the same reps (a pull
    filmed from the set-up has no standing frames before it: both take the lockout)."""
    sc, _, batch, s = scored
    reps = [r.verdict for r in replay_live(s, sc.exercise)]
    assert reps == [r.verdict for r in batch.reps]


def test_reps_and_verdicts_match_the_truth(scored):
    sc, truth, result, _ = scored
    if sc.name == "oblique_45":
        # Seen at 45 deg the back's outline is not the spine (README, "Accuracy"): this neutral
        # back reads 6-8 deg of flexion, about the 7.5-deg limit, and on which side depends on what
        # else the process has loaded before the model ran. The squat is what the clip tests.
        assert [r.faults.count("squatty_hinge") for r in result.reps] == [
            int(v == "squatty_hinge") for v in truth["reps"]
        ]
        assert len(result.reps) == len(truth["reps"]) and result.verdict in ("squatty_hinge", "lumbar_rounding")
        return
    assert [r.verdict for r in result.reps] == truth["reps"], result.reps
    assert result.verdict == truth["verdict"]


def test_each_mechanism_says_what_it_did(scored):
    sc, truth, result, s = scored
    if sc.name == "setup_start":
        # No standing frame before the first pull: the lockout is the reference, the pull counts.
        assert truth["frames"][0]["hip_flexion"] > 60 and not result.reps[0].notes
    elif sc.name == "oblique_45":
        assert result.view == "oblique" and 40 <= result.yaw_deg < 60
        assert all("oblique_view" in r.notes and "neck_extension" in r.not_judged for r in result.reps)
        # ... and the clip says its back verdict is weak, naming how far off the side it was filmed.
        assert [w for w in result.warnings if "off the side view" in w] == [
            f"filmed {90 - result.yaw_deg:.0f} deg off the side view: the back's curve is not reliable from there "
            "(a rounded back can read neutral); film side-on to judge the spine"
        ]
    elif sc.name == "loose_shirt":
        # The outline follows the cloth, not the spine: the back is not judged either way (a
        # neutral rep is not passed, a rounded one not faulted), and the reason says why.
        assert all("unsteady" in r.not_judged["lumbar_rounding"] for r in result.reps)
        assert all(r.evidence["spine_jitter_deg"] > 2.5 for r in result.reps)
    elif sc.name == "far_camera":
        # The closer look: a crop of the 1280-px frame given to the model at its own size.
        assert s.model_scale == 1.0 and all("lumbar_rounding" not in r.not_judged for r in result.reps)
    elif sc.name == "far_camera_sd":
        assert s.model_scale == 1.0  # nothing to crop from: the model saw the whole 640-px frame
        assert all("too small" in r.not_judged["lumbar_rounding"] for r in result.reps)
        assert result.reps[0].confidence < 1.0
    elif sc.name == "bystander_beside":
        assert not result.warnings  # the lifter never leaves the view: nothing to warn of
    else:
        assert sc.name == "lifter_steps_out"  # test_a_lifter_out_of_view_is_said


def test_the_lifter_is_the_one_followed(scored_with_bystander):
    """Every frame the pose layer reports is the lifter's: the chosen mid-hip stays at the true
    one (never at the bystander's); frames with the lifter out of view report nobody."""
    sc, truth, result, s = scored_with_bystander
    frames = truth["frames"]
    true_hip = np.array([f["hip_px"] for f in frames])
    other_hip = np.array([f["bystander_hip_px"] for f in frames])
    in_view = np.array([f["in_view"] for f in frames])
    assert np.min(np.linalg.norm(true_hip - other_hip, axis=1)[in_view]) > 4 * HIP_ERR_MAX_PX  # a test that can fail
    hip = s.image[:, [INDEX["left_hip"], INDEX["right_hip"]], :2].mean(axis=1)
    err = np.linalg.norm(hip - true_hip, axis=1)
    assert np.all(err[s.detected] < HIP_ERR_MAX_PX), np.nanmax(err[s.detected])
    assert not np.any(s.detected & ~in_view)  # the bystander never stands in for the lifter
    assert s.detected[in_view].mean() > 0.95


def test_a_lifter_out_of_view_is_said(scored_stepping_out):
    sc, truth, result, _ = scored_stepping_out
    t = np.array([f["t"] for f in truth["frames"]])
    out = t[~np.array([f["in_view"] for f in truth["frames"]])]
    lost = [w for w in result.warnings if w.startswith("lifter lost")]
    assert len(lost) == 1, result.warnings
    # "lifter lost for G s (from A s to B s)": the out-of-view stretch of the truth lies inside it.
    a, b = (float(x) for x in lost[0].split("(from ")[1].split(" s)")[0].split(" s to "))
    assert a - 0.05 <= out[0] and out[-1] <= b + 0.05 and (b - a) < (out[-1] - out[0]) + 1.5


@pytest.mark.parametrize("cut_s", [3.87, 4.0])
def test_a_clip_cut_before_the_lockout_is_not_called_short(tmp_path, cut_s):
    """A clip stopped as the lifter stands up (people stop recording there): the rendered hip is
    still extending at the cut (ground truth: above 5 deg and falling), so the last rep counts but
    its lockout is not judged: no ``incomplete_lockout`` (the cut at 3.87 s read a lockout 16 deg
    short), and live says the same."""
    import subprocess

    from hingecheck.synth.scenarios import POSE_KEYS, SAMPLES, _angles, joints, trajectory

    sc = next(s for s in SAMPLES if s.name == "hinge_neutral_left")
    t, pose, _ = trajectory(sc)
    hip = np.array([_angles(joints({k: float(pose[k][i]) for k in POSE_KEYS}))["hip_flexion"] for i in range(len(t))])
    i = int(np.searchsorted(t, cut_s))
    assert hip[i] > 5.0 and hip[i + 1] < hip[i]  # the truth: still rising when the clip ends
    full = tmp_path / "full.mp4"
    render_scenario(sc, full)
    clip = tmp_path / "cut.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", full, "-t", str(cut_s), clip], check=True, timeout=120)
    series = estimate_clip(str(clip), settings=PoseSettings())
    result = analyze(series, exercise="hinge")
    last = result.reps[-1]
    assert last.verdict == "neutral", (last.verdict, last.faults)
    assert {"incomplete_lockout", "lockout_hyperextension"} <= set(last.not_judged)
    assert [(r.verdict, sorted(r.not_judged)) for r in replay_live(series, "hinge")] == [
        (r.verdict, sorted(r.not_judged)) for r in result.reps
    ]


@pytest.mark.parametrize("command", ["score", "live"])
def test_people_on_the_command_line_keeps_the_lifter(command, tmp_path, tmp_path_factory):
    """``--people 2`` reaches the pose model from the command line: on the clip where the lifter
    walks out and the bystander stays (one person looked for follows the bystander: no reps),
    ``score`` and ``live`` count the renderer's reps with its verdicts."""
    sc, truth, _, _ = _scored("lifter_steps_out", tmp_path_factory)
    clip = next(tmp_path_factory.getbasetemp().glob("failure-modes*/lifter_steps_out.mp4"))
    out = tmp_path / "out.json"
    args = ["--exercise", sc.exercise, "--people", "2", "--no-history"]
    if command == "score":
        args += [str(clip), "--no-cache", "--out", str(out)]
    else:
        args += ["--source", str(clip), "--no-window", "--no-audio", "--summary", str(out)]
    r = subprocess.run(
        [sys.executable, "-m", "hingecheck", command, *args], capture_output=True, text=True, timeout=600
    )
    assert r.returncode == 0, r.stderr
    result = json.loads(out.read_text())
    reps = (result["clips"][0] if command == "score" else result)["reps"]
    assert [rep["verdict"] for rep in reps] == truth["reps"]


def test_a_pull_cut_by_the_clips_end_is_said_not_judged(tmp_path):
    """A set whose clip ends mid-pull (the rendered kettlebell deadlift cut as the lifter rises in
    its third pull: ground truth says rep 3, past its bottom, the hip falling): two reps are judged,
    and the clip says that a third was cut off and not judged, with when it began (the truth's
    rep 3 start), in result.json's warnings and the report's notes."""
    import json
    import subprocess

    from hingecheck.render.report import render_report

    from conftest import SAMPLES, require

    require("ffmpeg")
    truth = json.loads((SAMPLES / "truth" / "deadlift_kettlebell.json").read_text())["frames"]
    cut_s = 11.2
    rep3 = [f for f in truth if f["rep"] == 3]
    at_cut = next(f for f in truth if f["t"] >= cut_s)
    peak = max(f["hip_flexion"] for f in rep3)
    assert at_cut["rep"] == 3 and at_cut["hip_flexion"] < peak - 40  # the truth: rising in pull 3
    clip = tmp_path / "cut.mp4"
    src = SAMPLES / "deadlift_kettlebell.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", src, "-t", str(cut_s), clip], check=True, timeout=120)
    result = analyze(estimate_clip(str(clip), settings=PoseSettings()), exercise="deadlift")
    assert len(result.reps) == 2 and all(r.end_s < rep3[0]["t"] + 0.5 for r in result.reps)
    (line,) = [w for w in result.warnings if "not judged" in w]
    assert line.startswith("a 3rd pull (from ") and line.endswith("is cut off by the clip's end and was not judged")
    began = float(line.split("(from ")[1].split(" s)")[0])
    assert abs(began - rep3[0]["t"]) < 0.6, (began, rep3[0]["t"])
    assert line in result.to_dict()["warnings"]
    html = render_report(result, "cut.mp4", None, None, [])
    notes = html.split('id="clip-notes">')[1].split("</ul>")[0]
    assert "a 3rd pull (from" in notes and "cut off by the clip&#39;s end" in notes
