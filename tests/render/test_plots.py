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
