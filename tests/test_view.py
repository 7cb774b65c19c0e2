"""View check from the spread of left and right joints."""

import numpy as np

import stick
from hingecheck.config import load_config
from hingecheck.series import INDEX
from hingecheck.view import classify_view


def turned(yaw_deg):
    """The stick figure with its left and right joints spread as a camera at ``yaw`` sees them."""
    img = stick.figure(np.zeros(5), np.zeros(5), np.zeros(5))
    half = {"shoulder": 0.17 * 200 / 0.3, "hip": 0.09 * 200 / 0.3}  # joint half-widths in px (trunk 200 px)
    for part, w in half.items():
        for side, sign in (("left", 1), ("right", -1)):
            img[:, INDEX[f"{side}_{part}"], 0] += sign * w * np.sin(np.radians(yaw_deg)) / 2.0
    return img


def test_side_oblique_front():
    th = load_config()
    got = [classify_view(turned(y), th.side_view_max_spread, th.oblique_view_max_spread)[0] for y in (0, 15, 45, 90)]
    assert got == ["side", "side", "oblique", "front"]


def test_no_person_is_unknown():
    th = load_config()
    assert classify_view(np.full((3, 33, 3), np.nan), th.side_view_max_spread, th.oblique_view_max_spread)[0] == "unknown"
