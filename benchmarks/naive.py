"""The naive baseline every throughput benchmark compares against: read a frame with OpenCV,
convert it, run PoseLandmarker (VIDEO mode, segmentation masks) at full size, next; one process."""

from __future__ import annotations

import time


def naive_fps(clips, limit: int | None = None) -> float:
    """Frames per second of the naive loop over ``clips`` (at most ``limit`` frames per clip)."""
    import cv2
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    from hingecheck.pose.landmarker import default_model

    n, t0 = 0, time.perf_counter()
    for clip in clips:
        opts = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(default_model())),
            running_mode=vision.RunningMode.VIDEO,
            output_segmentation_masks=True,
        )
        cap = cv2.VideoCapture(str(clip))
        fps = cap.get(cv2.CAP_PROP_FPS) or 30
        i = 0
        with vision.PoseLandmarker.create_from_options(opts) as lm:
            while limit is None or i < limit:
                ok, bgr = cap.read()
                if not ok:
                    break
                rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                lm.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), int(i * 1000 / fps))
                i += 1
        cap.release()
        n += i
    return n / (time.perf_counter() - t0)
