"""The synthetic lifter: deterministic, consistent ground truth, real files, found by the real model."""

import json
from pathlib import Path

import av
import numpy as np
import pytest

from hingecheck.core.analysis import analyze
from hingecheck.synth import SAMPLES as SCENARIOS
from hingecheck.synth import Scenario, Timing, render_scenario, trajectory
from hingecheck.synth.body import joints, primitives
from hingecheck.synth.render import Camera, background, render

from conftest import SAMPLES

#: Bounds set from the measurement (mean absolute error, degrees, real model on the side-view samples:
#: hip 1.5-4.3 deg (kb_swing 5.6), knee 1.0-8.2 deg) with some room for other CPUs' float differences.
HIP_MAE_MAX = 7.0
KNEE_MAE_MAX = 10.0
#: Each clip's error must stay under this share of a constant predictor's (measured: 0.05-0.21 for
#: the hip, 0.09-0.60 for the knee, the highest on good_morning, whose knees barely bend).
CONSTANT_RATIO_MAX = 0.7
#: Share of in-view frames whose angle may be lost as NaN (measured: 0 except kb_swing's knee, 3%).
NAN_MAX = 0.05
DETECTION_MIN = 0.95


def test_render_is_deterministic():
    pose = dict(shin=5.0, knee=20.0, pelvis=60.0, lumbar=10.0, thoracic=5.0, neck=0.0, arm=0.0, elbow=5.0)
    cam = Camera(width=320, height=240, origin_x=150, floor_y=225, scale=108)
    a = render(primitives(joints(pose)), cam, background(cam, 3), rng=np.random.default_rng(3))
    b = render(primitives(joints(pose)), cam, background(cam, 3), rng=np.random.default_rng(3))
    c = render(primitives(joints(pose)), cam, background(cam, 4), rng=np.random.default_rng(4))
    assert a.shape == (240, 320, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_lumbar_flexion_bends_the_spine_chain():
    flat = dict(shin=5.0, knee=20.0, pelvis=60.0, lumbar=0.0, thoracic=0.0, neck=0.0, arm=0.0, elbow=5.0)

    def pelvis_to_trunk(j):
        """Angle (deg) between the pelvis (hip→sacrum) and the trunk chord (sacrum→C7)."""
        a, b = (j.sacrum - j.hip.mean(axis=0))[:2], (j.c7 - j.sacrum)[:2]
        return np.degrees(np.arccos(a @ b / np.linalg.norm(a) / np.linalg.norm(b)))

    bent = pelvis_to_trunk(joints({**flat, "lumbar": 35.0})) - pelvis_to_trunk(joints(flat))
    assert bent == pytest.approx(35.0, abs=0.5)


def test_ground_truth_follows_the_scenario(tmp_path):
    sc = Scenario(
        "t",
        "hinge",
        ("neutral", "squatty_hinge"),
        verdict="squatty_hinge",
        width=320,
        height=240,
        timing=Timing(descent=0.6, pause=0.1, ascent=0.5, top=0.3),
        lead_in=0.4,
        tail=0.3,
        fps=15,
    )
    truth = render_scenario(sc, tmp_path / "t.mp4")
    fr = truth["frames"]
    t, pose, rep = trajectory(sc)
    assert len(fr) == len(t)
    with av.open(str(tmp_path / "t.mp4")) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "h264" and (s.width, s.height) == (320, 240)
        assert sum(1 for _ in c.decode(video=0)) == len(fr)
    hips = np.array([f["hip_flexion"] for f in fr])
    knees = np.array([f["knee_flexion"] for f in fr])
    reps = np.array([f["rep"] for f in fr])
    assert set(reps) == {0, 1, 2}
    assert 80 < hips[reps == 1].max() < 105 and knees[reps == 1].max() < 25  # RDL-like bottom
    assert knees[reps == 2].max() > 60  # the squatty rep bends the knees
    assert abs(hips[0]) < 5 and truth["reps"] == ["neutral", "squatty_hinge"]
    # The pure pelvis-thigh angle: neutral bottom = pelvis 78 + knee 20 - shin 6 = 92 deg; with a flat
    # back the shoulder-hip measure stays close to it.
    pure = np.array([f["pelvis_thigh_flexion"] for f in fr])
    assert pure[reps == 1].max() == pytest.approx(92.0, abs=0.5)
    assert abs(pure[reps == 1].max() - hips[reps == 1].max()) < 15


def test_sample_files_and_labels(sample_labels):
    names = {f"{sc.name}.mp4" for sc in SCENARIOS}
    assert set(sample_labels) == names
    for name in names:
        p = SAMPLES / name
        assert p.stat().st_size < 1_000_000
        with av.open(str(p)) as c:
            s = c.streams.video[0]
            assert s.codec_context.name == "h264" and (s.width, s.height) == (640, 480)
            n = sum(1 for _ in c.decode(video=0))
        truth = json.loads((SAMPLES / "truth" / f"{Path(name).stem}.json").read_text())
        assert n == len(truth["frames"])
        assert sample_labels[name]["verdict"] == truth["verdict"]
        side_view = not any(k in name for k in ("front", "empty"))
        if side_view:
            assert 3 <= len(sample_labels[name]["reps"]) <= 5


def test_model_finds_the_mannequin_and_angles_match(sample_series, sample_labels):
    """Each clip's hip and knee curves beat the best constant guess (the truth's median) by a wide
    margin, so a tracker that stopped following the joints fails; frames lost as NaN are counted,
    not averaged away."""
    report = []
    for name, lab in sample_labels.items():
        if "front" in name or "empty" in name:
            continue
        truth = json.loads((SAMPLES / "truth" / f"{Path(name).stem}.json").read_text())["frames"]
        s = sample_series[name]
        in_view = np.array([f["in_view"] for f in truth])
        det = s.detected[in_view].mean()
        k = analyze(s, exercise=lab["exercise"]).kinematics
        assert det >= DETECTION_MIN, name
        for key, mae_max in (("hip_flexion", HIP_MAE_MAX), ("knee_flexion", KNEE_MAE_MAX)):
            true = np.array([f[key] for f in truth])[in_view]
            seen = getattr(k, key)[in_view]
            lost = float(np.isnan(seen).mean())
            err = float(np.nanmean(np.abs(seen - true)))
            constant = float(np.mean(np.abs(true - np.median(true))))
            report.append((name, key, err, constant, lost))
            assert lost <= NAN_MAX, (name, key, lost)
            assert err < mae_max and err < CONSTANT_RATIO_MAX * constant, (name, key, err, constant)
    assert len(report) == 24


def test_empty_scene_has_no_person(sample_series):
    assert sample_series["empty_scene.mp4"].detected_fraction < 0.05
