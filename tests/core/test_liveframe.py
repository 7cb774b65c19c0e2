"""The live path's one-frame float math gives bit for bit what the vectorized functions give."""

import dataclasses

import numpy as np
import pytest

from hingecheck.core import liveframe
from hingecheck.core.config import load_config
from hingecheck.core.faults import FrameSignals, frame_warnings, frame_warnings_now, warnings_at
from hingecheck.core.measures import drop_implausible, frame_measures, trunk_lengths
from hingecheck.core.nanstats import nanquantile
from hingecheck.core.series import INDEX, PROFILE_STATIONS
from hingecheck.core.view import body_yaw

from stick import figure


def same(a, b) -> bool:
    """Equal as float64 bits would be compared: NaN equals NaN, nothing else is loosened."""
    return bool(np.array_equal(np.asarray(a, np.float64), np.asarray(b, np.float64), equal_nan=True))


def assert_frame_equal(image, world, profile, side, facing):
    """Every measure, the contacts, the yaw and the trunk length of one frame against the
    vectorized functions on the same frame as a one-frame clip."""
    th = load_config(exercise="hinge")
    with np.errstate(all="ignore"):  # infinities in the profile: numpy warns, the numbers are the test
        exp, exp_contacts = frame_measures(
            image[None], world[None], None if profile is None else profile[None], side, facing
        )
        drop_implausible(exp, th)
    got, contacts = liveframe.frame_measures(image, world, profile, side, facing)
    liveframe.drop_implausible(got, th)
    assert got.keys() == exp.keys()
    for k in exp:
        assert same(got[k], exp[k][0]), (k, got[k], exp[k][0])
    assert same(contacts, exp_contacts[0])
    assert same(liveframe.body_yaw(world), body_yaw(world[None])[0])
    assert same(liveframe.trunk_length(image), trunk_lengths(image[None])[0])


def test_real_frames_equal_the_vectorized_measures(sample_series):
    """Every detected frame of every sample clip (real model landmarks and back profiles), both
    sides and facings, with and without a profile."""
    for series in sample_series.values():
        rows = np.flatnonzero(series.detected)[::3]
        for i in rows:
            img = np.asarray(series.image[i], np.float64)
            wld = np.asarray(series.world[i], np.float64)
            prof = None if series.profile is None else np.asarray(series.profile[i], np.float64)
            for side, facing in (("left", 1), ("right", -1)):
                assert_frame_equal(img, wld, prof, side, facing)
            assert_frame_equal(img, wld, None, "left", -1)


def _stick_frame():
    img = figure(trunk=40.0, thigh=20.0, shin=10.0, neck=15.0)[0].astype(np.float64)
    rng = np.random.default_rng(3)
    img[:, :2] += rng.normal(scale=0.7, size=(33, 2))  # off the round numbers
    world = rng.normal(scale=0.3, size=(33, 3))
    sta = PROFILE_STATIONS
    prof = np.stack([30 + 5 * np.sin(3 * sta), 40 + 8 * np.sin(4 * sta)], axis=1) + rng.normal(size=(len(sta), 2))
    return img, world, prof


@pytest.mark.parametrize(
    "case",
    [
        "plain",
        "left_hip_missing",
        "shoulders_missing",
        "zero_length_trunk",
        "profile_gaps",
        "profile_unseen",
        "profile_inf",
        "implausible_hip",
        "ear_missing",
        "world_hips_missing",
        "negative_zero",
    ],
)
def test_edge_frames_equal_the_vectorized_measures(case):
    """Missing joints, a trunk of zero length (divisions by zero), gaps, infinities and an
    all-NaN back profile, impossible angles: the same numbers (NaN, inf) as the vectorized path."""
    img, world, prof = _stick_frame()
    if case == "left_hip_missing":
        img[INDEX["left_hip"]] = np.nan
    elif case == "shoulders_missing":
        img[[INDEX["left_shoulder"], INDEX["right_shoulder"]]] = np.nan
    elif case == "zero_length_trunk":
        for s in ("left", "right"):
            img[INDEX[f"{s}_shoulder"]] = img[INDEX[f"{s}_hip"]]
    elif case == "profile_gaps":
        prof[[0, 1, 7, 12, 13, 14, 28], :] = np.nan
    elif case == "profile_unseen":
        prof[:] = np.nan
    elif case == "profile_inf":
        prof[[3, 20], :] = np.inf
        prof[9, :] = -np.inf
    elif case == "implausible_hip":
        img = figure(trunk=150.0, thigh=60.0, shin=10.0)[0].astype(np.float64)
    elif case == "ear_missing":
        img[[INDEX["left_ear"], INDEX["right_ear"]]] = np.nan
    elif case == "world_hips_missing":
        world[[INDEX["left_hip"], INDEX["right_hip"]]] = np.nan
    elif case == "negative_zero":
        img[:, :2] = np.round(img[:, :2])
        img[INDEX["left_knee"], 0] = -0.0
        prof[:, :] = np.round(prof)
        prof[5:8, :] = -0.0
    for side, facing in (("left", 1), ("left", -1), ("right", 1)):
        assert_frame_equal(img, world, prof, side, facing)
        assert_frame_equal(img, world, None, side, facing)


def test_nanquantile_of_a_row_equals_the_vectorized_one():
    rng = np.random.default_rng(0)
    for _ in range(500):
        row = rng.normal(size=rng.integers(1, 12)).round(1)
        row[rng.random(len(row)) < 0.3] = np.nan
        if rng.random() < 0.1:
            row[0] = np.inf
        q = float(rng.choice([0.0, 0.25, 0.5, 0.9, 1.0]))
        with np.errstate(invalid="ignore"):
            assert same(liveframe.nanquantile(row.tolist(), q), nanquantile(row, q))


def test_div_is_float64_division():
    with np.errstate(all="ignore"):
        for a in (1.0, -2.0, 0.0, -0.0, np.nan, np.inf):
            for b in (0.0, -0.0, 3.0):
                assert same(liveframe.div(a, b), np.float64(a) / np.float64(b)), (a, b)


@pytest.mark.parametrize("exercise", ["hinge", "deadlift"])
def test_warnings_of_one_frame_equal_the_clip_rule(exercise):
    """frame_warnings_now on one frame's scalars warns exactly what frame_warnings does on arrays."""
    th = load_config(exercise=exercise)
    rng = np.random.default_rng(1)
    n = 400
    s = FrameSignals(
        spine_held=np.where(rng.random(n) < 0.2, np.nan, rng.uniform(0, 60, n)),
        knee=np.where(rng.random(n) < 0.2, np.nan, rng.uniform(0, 90, n)),
        neck_change=np.where(rng.random(n) < 0.2, np.nan, rng.uniform(-20, 60, n)),
        in_rep=rng.random(n) < 0.7,
    )
    for untrusted in ({}, {"neck_extension": "why"}):
        for from_landmarks in (False, True):
            sig = dataclasses.replace(s, spine_from_landmarks=from_landmarks)
            warn = frame_warnings(sig, th, untrusted)
            seen = set()
            for i in range(n):
                one = FrameSignals(
                    spine_held=float(sig.spine_held[i]),
                    knee=float(sig.knee[i]),
                    neck_change=float(sig.neck_change[i]),
                    in_rep=bool(sig.in_rep[i]),
                    spine_from_landmarks=from_landmarks,
                )
                got = frame_warnings_now(one, th, untrusted)
                assert got == warnings_at(warn, i)
                seen.update(got)
            assert seen  # the signals do warn, so the comparison is not vacuous
