"""The clip analysis (``core/analysis``) on arrays (stick figures) and on the sample clips."""

import dataclasses
import json

import numpy as np
import pytest

from hingecheck.core.analysis import analyze

import stick


def test_stick_figure_reps_and_verdicts():
    t, trunk, thigh, shin, neck = stick.hinge_reps(3, bottom_trunk=75, bottom_thigh=10, bottom_shin=5)
    s = stick.series(trunk, thigh, shin, neck, noise=1.0)
    r = analyze(s)
    assert r.view == "side" and len(r.reps) == 3
    assert [x.verdict for x in r.reps] == ["neutral"] * 3
    assert r.reps[0].hip_flexion_deg == pytest.approx(85, abs=3)
    assert r.kinematics.spine_source == "landmarks" and "spine_from_landmarks_only" in r.reps[0].notes


def test_stick_figure_squat_facing_left():
    t, trunk, thigh, shin, neck = stick.hinge_reps(3, bottom_trunk=40, bottom_thigh=60, bottom_shin=30)
    r = analyze(stick.series(trunk, thigh, shin, facing=-1))
    assert r.kinematics.facing == -1 and r.kinematics.side == "left"
    assert [x.verdict for x in r.reps] == ["squatty_hinge"] * 3


def test_mirrored_clip_gives_the_same_numbers():
    t, trunk, thigh, shin, neck = stick.hinge_reps(2, bottom_trunk=70, bottom_thigh=20, bottom_shin=10)
    right = analyze(stick.series(trunk, thigh, shin, facing=1))
    left = analyze(stick.series(trunk, thigh, shin, facing=-1))
    for a, b in zip(right.reps, left.reps):
        assert a.verdict == b.verdict
        assert a.hip_flexion_deg == pytest.approx(b.hip_flexion_deg, abs=1e-4)
        assert a.knee_flexion_deg == pytest.approx(b.knee_flexion_deg, abs=1e-4)


def test_no_person_is_no_reps():
    from hingecheck.core.series import PoseSeries

    s = PoseSeries.empty(640, 480, 30.0)
    assert analyze(s).verdict == "no_reps"


def test_every_sample_classified_as_labelled(sample_series, sample_labels):
    wrong = []
    for name, lab in sample_labels.items():
        r = analyze(sample_series[name], exercise=lab["exercise"], file=name)
        got = [x.verdict for x in r.reps]
        if r.verdict != lab["verdict"] or got != lab["reps"]:
            wrong.append(f"{name}: {r.verdict} {got}, labelled {lab['verdict']} {lab['reps']}")
    assert not wrong, "\n".join(wrong)


def test_results_to_json_and_csv():
    from hingecheck.cli.output import to_csv, to_json
    from hingecheck.core.results import ClipResult

    t, trunk, thigh, shin, neck = stick.hinge_reps(2, bottom_trunk=75, bottom_thigh=10, bottom_shin=5)
    ok = analyze(stick.series(trunk, thigh, shin, neck), file="a.mp4")
    bad = ClipResult.failed("b.mp4", "cannot decode")
    doc = json.loads(to_json([ok.to_dict(), bad.to_dict()]))
    assert doc["schema"] == 2 and [c["file"] for c in doc["clips"]] == ["a.mp4", "b.mp4"]
    assert len(doc["clips"][0]["reps"]) == 2 and doc["clips"][1]["status"] == "error"
    rows = to_csv([ok.to_dict(), bad.to_dict()])[0].strip().splitlines()
    assert len(rows) == 1 + 2 + 1  # header, one row per rep, one empty-rep row for the failed clip
    assert rows[1].startswith("a.mp4,ok,") and rows[3].startswith("b.mp4,error,")


def test_analysis_memory_per_frame_is_small():
    """The analysis' peak (numpy allocations, tracemalloc) grows by about 1 KB per frame, not the
    ~20 KB per frame it took before issue 14 (2.5 KB with float64 cleaned landmarks, 1.2 KB with
    float32 ones): 10 min of frames stay under 2 KB per frame."""
    import tracemalloc

    s = stick.long_series(10)
    tracemalloc.start()
    analyze(s)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak / s.n_frames < 2 * 1024, peak / s.n_frames


def test_lifter_lost_is_said_with_when():
    """A stretch without the lifter longer than lifter_lost_s is a warning with its times;
    a short one and the frames before the lifter first appears are not."""

    from hingecheck.core.analysis import lifter_lost

    t, trunk, thigh, shin, neck = stick.hinge_reps(3, bottom_trunk=75, bottom_thigh=10, bottom_shin=5)
    s = stick.series(trunk, thigh, shin, neck)
    det = s.detected.copy()
    det[:15] = False  # walking in: not lost
    det[100:106] = False  # 0.23 s: not lost
    det[200:260] = False  # 2 s between t[199] and t[260]
    image = s.image.copy()
    image[~det] = np.nan
    r = analyze(dataclasses.replace(s, detected=det, image=image))
    lost = [w for w in r.warnings if w.startswith("lifter lost")]
    assert len(lost) == 1
    assert f"from {s.t[199]:.1f} s to {s.t[260]:.1f} s" in lost[0] and "2.0 s" in lost[0]
    assert lifter_lost(np.array([True] * 10 + [False] * 20), np.arange(30) / 10.0, 0.5) == [
        "lifter lost for 2.0 s (from 0.9 s to the end): nothing measured there"
    ]
