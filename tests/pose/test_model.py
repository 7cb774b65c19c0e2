"""The shipped pose model: checksum, and the real model finds a real person in a photograph."""

import numpy as np

from hingecheck.core.series import INDEX
from hingecheck.pose.landmarker import BUNDLE_MEMBERS, DEFAULT_MODEL_SHA256, PoseEstimator, default_model, file_sha256


def test_model_bundle_checksum():
    assert file_sha256(default_model()) == DEFAULT_MODEL_SHA256


def test_model_finds_astronaut(astronaut):
    h, w = astronaut.shape[:2]
    with PoseEstimator(still_images=True) as est:
        fp = est.infer(astronaut, 0.0, (0, 0, w, h))
    assert fp.detected
    for name in ("nose", "left_shoulder", "right_shoulder"):
        assert fp.visibility[INDEX[name]] > 0.9, name
    nose_y = fp.image[INDEX["nose"], 1]
    shoulders_y = fp.image[[INDEX["left_shoulder"], INDEX["right_shoulder"]], 1]
    assert np.all(nose_y < shoulders_y)  # head above shoulders, in pixels (y down)
    # Her left shoulder is on the image's right (she faces the camera).
    assert fp.image[INDEX["left_shoulder"], 0] > fp.image[INDEX["right_shoulder"], 0]
    assert 0 < nose_y < h and 0 < fp.image[INDEX["nose"], 0] < w
    # World landmarks are metres around the mid-hip: shoulders roughly 0.3-0.5 m apart.
    width_m = np.linalg.norm(fp.world[INDEX["left_shoulder"]] - fp.world[INDEX["right_shoulder"]])
    assert 0.2 < width_m < 0.6
    # The segmentation mask gave a back profile with finite distances somewhere.
    assert fp.profile is not None and np.isfinite(fp.profile).any()


def test_build_script_expects_the_shipped_bundle():
    """tools/build_pose_model.py rebuilds the shipped bundle and fails on any other checksum: the
    checksum it expects for ``full`` must be the one the package checks at run time."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "tools" / "build_pose_model.py"
    spec = importlib.util.spec_from_file_location("build_pose_model", path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.EXPECTED["full"] == DEFAULT_MODEL_SHA256
    assert tool.LANDMARKER[0].endswith("pose_landmark_full.tflite")
    # the bundle it writes holds what check_model looks for (the tool runs in its own venv, without hingecheck)
    assert (tool.DETECTOR[1], tool.LANDMARKER[1]) == BUNDLE_MEMBERS
