"""Angles from hand-built landmark arrays: exact values, facing and mirroring, invariances."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hingecheck.core.kinematics import choose_side, facing_direction, joint_angles

import stick


@pytest.mark.parametrize("facing", [1, -1])
@pytest.mark.parametrize(
    "trunk, thigh, shin, neck",
    [
        (0.0, 0.0, 0.0, 0.0),
        (80.0, 10.0, 5.0, 0.0),
        (45.0, 60.0, 30.0, 25.0),
        (-12.0, 3.0, 0.0, -5.0),
    ],
)
def test_exact_angles(facing, trunk, thigh, shin, neck):
    img = stick.figure(trunk, thigh, shin, neck, facing=facing)
    a = joint_angles(img, "right" if facing > 0 else "left", facing)
    assert a["trunk_incline"][0] == pytest.approx(trunk, abs=0.1)
    assert a["hip_flexion"][0] == pytest.approx(trunk + thigh, abs=0.1)
    assert a["knee_flexion"][0] == pytest.approx(thigh + shin, abs=0.1)
    assert a["shin_angle"][0] == pytest.approx(shin, abs=0.1)
    assert a["neck_angle"][0] == pytest.approx(neck, abs=0.1)


def test_hip_flexion_is_180_minus_three_point_angle():
    img = stick.figure(70.0, 15.0, 5.0)
    sho, hip, knee = img[0, 12, :2], img[0, 24, :2], img[0, 26, :2]
    v1, v2 = sho - hip, knee - hip
    inner = np.degrees(np.arccos(v1 @ v2 / np.linalg.norm(v1) / np.linalg.norm(v2)))
    assert joint_angles(img, "right", 1)["hip_flexion"][0] == pytest.approx(180.0 - inner, abs=0.1)


def test_side_and_facing_detected():
    for facing in (1, -1):
        s = stick.series(*stick.hinge_reps(1)[1:4], facing=facing)
        side = choose_side(s.visibility, s.image)
        assert side == ("right" if facing > 0 else "left")
        assert facing_direction(s.image, side) == facing


angles = st.floats(-20, 100)


@settings(max_examples=60, deadline=None)
@given(
    trunk=angles,
    thigh=st.floats(-10, 80),
    shin=st.floats(-10, 40),
    neck=st.floats(-30, 40),
    scale=st.floats(0.2, 5.0),
    dx=st.floats(-500, 500),
    dy=st.floats(-500, 500),
)
def test_scale_translation_and_mirror_invariance(trunk, thigh, shin, neck, scale, dx, dy):
    img = stick.figure(trunk, thigh, shin, neck, facing=1)
    ref = joint_angles(img, "right", 1)
    moved = img.copy()
    moved[..., :2] = img[..., :2] * scale + np.array([dx, dy])
    mirrored = img.copy()
    mirrored[..., 0] = 1000.0 - img[..., 0]  # the same lifter seen facing left
    for other, facing in ((moved, 1), (mirrored, -1)):
        got = joint_angles(other, "right", facing)
        for k in ref:
            assert np.allclose(got[k], ref[k], atol=1e-6, equal_nan=True), k  # NaN: beyond plausible, both
    assert facing_direction(mirrored, "right") == -1


@settings(max_examples=40, deadline=None)
@given(trunk=st.floats(0, 90), thigh=st.floats(0, 60), shin=st.floats(0, 30), roll=st.floats(-4, 4))
def test_small_camera_roll_changes_angles_by_the_roll(trunk, thigh, shin, roll):
    """A camera rolled by r degrees shifts segment inclines by r and leaves joint angles alone."""
    img = stick.figure(trunk, thigh, shin)
    c, s = np.cos(np.radians(roll)), np.sin(np.radians(roll))
    rot = img.copy()
    rot[..., 0] = c * img[..., 0] - s * img[..., 1]
    rot[..., 1] = s * img[..., 0] + c * img[..., 1]
    a, b = joint_angles(img, "right", 1), joint_angles(rot, "right", 1)
    assert np.allclose(b["hip_flexion"], a["hip_flexion"], atol=1e-6)
    assert np.allclose(b["knee_flexion"], a["knee_flexion"], atol=1e-6)
    assert np.allclose(np.abs(b["trunk_incline"] - a["trunk_incline"]), abs(roll), atol=1e-6)
