"""View check from the yaw of the hip and shoulder lines in the world landmarks."""

import numpy as np
import pytest

from hingecheck.core.config import load_config
from hingecheck.core.series import INDEX
from hingecheck.core.view import body_yaw, classify_view

#: Half-widths (m) of the shoulder and hip joint centres (Winter's anthropometry, 1.75 m adult).
HALF = {"shoulder": 0.19, "hip": 0.09}


def world_turned(camera_off_side_deg: float, frames: int = 5) -> np.ndarray:
    """World landmarks of a person seen from ``camera_off_side_deg`` away from a square side view
    (0 = side, 90 = front): the left-right axis of the body rotated by that much about the vertical."""
    w = np.zeros((frames, 33, 3))
    a = np.radians(90.0 - camera_off_side_deg)  # angle of the left-right axis against the image plane
    for part, y in (("shoulder", -0.5), ("hip", 0.0)):
        for side, sign in (("left", 1), ("right", -1)):
            w[:, INDEX[f"{side}_{part}"]] = [sign * HALF[part] * np.cos(a), y, sign * HALF[part] * np.sin(a)]
    return w


@pytest.mark.parametrize("off_side, view", [(0, "side"), (20, "side"), (45, "oblique"), (60, "front"), (90, "front")])
def test_views(off_side, view):
    th = load_config()
    got, yaw = classify_view(world_turned(off_side), th.side_view_min_yaw_deg, th.oblique_view_min_yaw_deg)
    assert got == view
    assert yaw == pytest.approx(90 - off_side, abs=1e-6)


def test_facing_either_way_reads_the_same():
    w = world_turned(30)
    mirrored = w * np.array([-1, 1, 1])
    assert np.allclose(body_yaw(w), body_yaw(mirrored))


def test_no_person_is_unknown():
    th = load_config()
    assert (
        classify_view(np.full((3, 33, 3), np.nan), th.side_view_min_yaw_deg, th.oblique_view_min_yaw_deg)[0]
        == "unknown"
    )


@pytest.mark.parametrize("yaw", [90.0, 60.0, 45.0])
def test_the_trunk_incline_from_heights_does_not_depend_on_the_camera_yaw(yaw):
    """A trunk of 200 px tipping from upright to 70 deg, filmed with the sagittal plane turned
    ``90 - yaw`` deg from the picture (horizontal offsets shrink by sin(yaw), heights do not):
    the incline read from the shoulder's height above the hip is the true one at every yaw; the
    image incline is not (the reason oblique views use the former for the rep's order)."""
    from hingecheck.core.kinematics import incline
    from hingecheck.core.measures import trunk_incline_from_rise

    true = np.radians(np.linspace(0.0, 70.0, 15))
    hip = np.zeros((15, 2))
    shoulder = np.stack([200.0 * np.sin(true) * np.sin(np.radians(yaw)), -200.0 * np.cos(true)], axis=1)
    rise = hip[:, 1] - shoulder[:, 1]
    assert np.allclose(trunk_incline_from_rise(rise, rise[0]), np.degrees(true), atol=1e-6)
    image = incline(hip, shoulder, 1)
    assert np.allclose(image, np.degrees(true), atol=1e-6) == (yaw == 90.0)
