"""The angle curves' limit bands: drawn only where the exercise's profile judges by them."""

import cv2
import numpy as np
import pytest

from hingecheck.core.analysis import analyze
from hingecheck.core.config import load_config
from hingecheck.render.plots import PANELS, angle_plot

from conftest import SAMPLES

LIMIT_RED = np.array([43, 57, 192])  # #c0392b, BGR


@pytest.fixture(scope="module")
def pull(landmark_cache_dir):
    from hingecheck.pose.cache import LandmarkCache
    from hingecheck.pose.landmarker import estimate_clip

    return estimate_clip(SAMPLES / "deadlift_kettlebell.mp4", cache=LandmarkCache(landmark_cache_dir))


def _limit_lines(png: bytes) -> list[int]:
    """Per panel (top to bottom), how many pixels have the limit line's red."""
    img = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    red = (np.abs(img.astype(int) - LIMIT_RED).max(axis=2) <= 10).sum(axis=1)
    return [int(part.sum()) for part in np.array_split(red, len(PANELS))]


@pytest.mark.parametrize("exercise,knee_band", [("deadlift", False), ("hinge", True)])
def test_knee_band_only_where_the_knee_angle_is_judged(pull, exercise, knee_band):
    """The deadlift judges squatting by hip height and torso against shin, not the knee angle: its
    knee panel has no limit line (there was one at 120 deg, so a correct pull's knee curve ran into
    a red band); the hinge's, which does judge the knee, keeps it. The spine's is drawn in both."""
    th = load_config(None, exercise)
    assert th.use_knee_angle_for_squat == knee_band
    result = analyze(pull, config=th, file="pull.mp4")
    hip, knee, trunk, spine = _limit_lines(angle_plot([("pull.mp4", result)], th))
    assert (knee > 100) == knee_band, knee
    assert spine > 100 and hip == 0 and trunk == 0


def test_a_landmark_only_spine_curve_gets_the_fallbacks_limit(pull):
    """A clip whose back outline was not seen is judged on the landmarks' spine against
    ``lumbar_fallback_max_deg`` (30 deg), not the outline's 7.5: the spine panel's line is drawn
    there (it was always at 7.5, under a curve the verdict did not fault)."""
    from dataclasses import replace

    th = load_config(None, "deadlift")
    assert th.lumbar_fallback_max_deg > th.lumbar_flexion_max_deg + 10
    result = analyze(pull, config=th, file="pull.mp4")
    assert result.kinematics.spine_source == "mask"
    landmarks = replace(result, kinematics=replace(result.kinematics, spine_source="landmarks"))
    rows = {}
    for name, r in (("mask", result), ("landmarks", landmarks)):
        img = cv2.imdecode(np.frombuffer(angle_plot([("pull.mp4", r)], th), np.uint8), cv2.IMREAD_COLOR)
        red = (np.abs(img.astype(int) - LIMIT_RED).max(axis=2) <= 10).sum(axis=1)
        assert red.max() > 100  # the deadlift draws one limit line, the spine's (no knee line)
        rows[name] = int(np.argmax(red))  # its pixel row
    # Same curves, a higher limit: the line sits higher (the panel's top grows to the limit + 5).
    assert rows["landmarks"] < rows["mask"] - 5, rows
