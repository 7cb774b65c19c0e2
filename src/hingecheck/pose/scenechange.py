"""How much the picture changes from one frame to the next, for finding cuts in edited clips
(:mod:`hingecheck.core.shots` decides what is a cut; this only measures)."""

from __future__ import annotations

import numpy as np

#: Thumbnail size (width, height) px the change is measured on: small enough that noise, grain and
#: compression artefacts average out, large enough that a new scene changes many of its pixels.
THUMB_SIZE = (64, 36)


class SceneChange:
    """Call with each frame's RGB image in order; returns the mean absolute grey-level difference
    (0-255) of its :data:`THUMB_SIZE` thumbnail from the previous frame's (NaN for the first)."""

    def __init__(self) -> None:
        self._prev: np.ndarray | None = None

    def __call__(self, rgb: np.ndarray) -> float:
        import cv2

        grey = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
        thumb = cv2.resize(grey, THUMB_SIZE, interpolation=cv2.INTER_AREA).astype(np.float32)
        prev, self._prev = self._prev, thumb
        return float("nan") if prev is None else float(np.mean(np.abs(thumb - prev)))
