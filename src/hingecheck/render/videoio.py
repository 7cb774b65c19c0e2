"""Writing video: H.264 MP4 with PyAV (yuv420p, moov atom up front so browsers and phones can
play it while it downloads), written to a temporary file and renamed when complete."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

from hingecheck.atomic import atomic_path

#: x264 constant rate factor (quality; lower = better, bigger). 23 is x264's default.
DEFAULT_CRF = 23


class H264Writer:
    """``with H264Writer(path, fps, (w, h)) as w: w.write(rgb)`` — RGB uint8 frames, even sizes.

    Frames get timestamps ``i / fps`` unless :meth:`write` is given ``t`` (seconds), so variable
    frame rates survive a round trip.
    """

    def __init__(
        self, path: str | Path, fps: float, size: tuple[int, int], crf: int = DEFAULT_CRF, preset: str = "medium"
    ):
        self.path = Path(path)
        self.fps = fps
        self.size = size
        self.crf = crf
        self.preset = preset
        self.frames = 0

    def __enter__(self) -> H264Writer:
        import av

        self._atomic = atomic_path(self.path)
        tmp = self._atomic.__enter__()
        self._container = av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"})
        rate = Fraction(self.fps).limit_denominator(1001)
        self._stream = self._container.add_stream("libx264", rate=rate)
        self._stream.width, self._stream.height = self.size
        self._stream.pix_fmt = "yuv420p"
        self._stream.options = {"crf": str(self.crf), "preset": self.preset}
        self._tb = Fraction(1, 90000)
        self._stream.codec_context.time_base = self._tb
        self._stream.time_base = self._tb
        self._last_pts = -1
        return self

    def write(self, rgb: np.ndarray, t: float | None = None) -> None:
        import av
        import cv2

        # RGB to I420 with OpenCV (BT.601 limited range, as swscale's default), about a tenth of
        # the CPU of handing PyAV an rgb24 frame for swscale to convert (measured at 1080p).
        yuv = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2YUV_I420)
        frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
        t = self.frames / self.fps if t is None else t
        pts = max(int(round(t / self._tb)), self._last_pts + 1)
        self._last_pts = pts
        frame.pts = pts
        frame.time_base = self._tb
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.frames += 1

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                for packet in self._stream.encode():
                    self._container.mux(packet)
        finally:
            self._container.close()
            self._atomic.__exit__(exc_type, exc, tb)
