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
