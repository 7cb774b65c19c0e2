"""Mask → back profile on hand-drawn masks with known geometry."""

import numpy as np
import pytest

from hingecheck.core.series import PROFILE_STATIONS
from hingecheck.pose.backprofile import profile_from_mask


def _rect_mask(h=300, w=300, x0=100, x1=160, y0=50, y1=250):
    m = np.zeros((h, w), np.float32)
    m[y0:y1, x0:x1] = 1.0
    return m


def test_vertical_torso_both_sides():
    m = _rect_mask()  # pixels x 100..159 inside
    p = profile_from_mask(m, hip_xy=(130, 200), shoulder_xy=(130, 100))
    inside = (PROFILE_STATIONS >= -0.2) & (PROFILE_STATIONS <= 1.2)
    # Axis points up, so column 0 (normal (-dy, dx)) points to +x: edge at x = 159.5.
    assert np.allclose(p[inside, 0], 29.5, atol=0.01)
    assert np.allclose(p[inside, 1], 30.5, atol=0.01)


def test_scale_reports_full_frame_pixels():
    m = _rect_mask()
    p_full = profile_from_mask(m, (130, 200), (130, 100))
    # A full frame twice that size whose mask was computed at half resolution (= m):
    # landmarks at twice the coordinates, distances come back in full-frame pixels.
    p_half = profile_from_mask(m, (260, 400), (260, 200), scale=0.5)
    assert np.isfinite(p_half[2:-2]).all()
    assert np.allclose(p_half, 2 * p_full, equal_nan=True)


def test_tilted_axis_and_soft_edge():
    # A torso inclined 45 degrees, drawn as a band around the line y = -x + 400; soft mask.
    yy, xx = np.mgrid[0:400, 0:400]
    dist = (xx + yy - 400) / np.sqrt(2)  # signed distance from the line
    m = np.clip(0.5 - (np.abs(dist) - 25) / 4, 0, 1).astype(np.float32)  # half-width 25, 4-px ramp
    p = profile_from_mask(m, hip_xy=(150, 250), shoulder_xy=(250, 150))
    assert np.nanmedian(p[:, 0]) == pytest.approx(25, abs=1.0)
    assert np.nanmedian(p[:, 1]) == pytest.approx(25, abs=1.0)


def test_bulge_is_seen_on_one_side():
    m = _rect_mask()
    m[140:160, 160:175] = 1.0  # a bump on the +x side half-way up (y 140..159 = station ~0.5)
    p = profile_from_mask(m, (130, 200), (130, 100))
    mid = np.argmin(np.abs(PROFILE_STATIONS - 0.5))
    assert p[mid, 0] == pytest.approx(44.5, abs=0.01)
    assert p[mid, 1] == pytest.approx(30.5, abs=0.01)


def test_outside_body_and_degenerate_axis_are_nan():
    m = _rect_mask()
    far = profile_from_mask(m, (20, 290), (20, 200))  # axis outside the body
    assert np.isnan(far).all()
    assert np.isnan(profile_from_mask(m, (130, 200), (130, 199))).all()
