"""``hingecheck review CLIP --play``: an OpenCV window to study a clip with its analysis.

Keys: space pause / play · ← → (or , .) step one frame · 1-9 jump to rep N · s cycle speed
(1, ½, ¼) · k skeleton · d dowel · a angles · h help · q / Esc quit.

Frames come from OpenCV's decoder (sequential while playing, a seek when stepping back or
jumping), drawn with the same overlay as the annotated video.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import numpy as np

from hingecheck.core.results import ClipResult
from hingecheck.core.series import PoseSeries
from hingecheck.pose.sources import FrameSeeker
from hingecheck.render.overlay import (
    AngleLabelAnnotator,
    CueAnnotator,
    DowelAnnotator,
    OverlayState,
    RepCounterAnnotator,
    SkeletonAnnotator,
    VerdictBannerAnnotator,
    _fit,
    _line_step,
    _scale,
    draw,
    draw_text,
    layout,
)

WINDOW = "hingecheck review"
SPEEDS = (1.0, 0.5, 0.25)
#: Key codes of the arrow keys as OpenCV's Qt and GTK back ends report them.
LEFT_KEYS = {65361, 2424832, ord(",")}
RIGHT_KEYS = {65363, 2555904, ord(".")}
HELP = "space play/pause  <- -> step  1-9 rep  s speed  k skeleton  d dowel  a angles  q quit"


class Player:
    """The window's state; :meth:`run` loops until the user quits."""

    def __init__(self, clip: str | Path, series: PoseSeries, result: ClipResult):
        self.clip = FrameSeeker(clip, series.t)
        self.series, self.result = series, result
        self.n = series.n_frames
        self.fps = series.fps or 30.0
        self.index = -1
        self.frame = None
        self.paused = False
        self.speed = 0
        self.layers = {"skeleton": True, "dowel": True, "angles": True}
        self.show_help = True
        #: The picture's enlargement before the overlay is drawn (render.display.player_zoom).
        self.zoom = 1.0

    def _landmarks(self, i: int) -> np.ndarray | None:
        s = self.series
        return s.image[i] if i < s.n_frames and s.detected[i] else None

    def _read(self, i: int) -> np.ndarray | None:
        i = int(np.clip(i, 0, max(self.n - 1, 0)))
        rgb = self.clip.read(i)
        if rgb is None:
            return None
        self.index, self.frame = i, rgb
        return rgb

    def render(self) -> np.ndarray:
        import cv2

        h, w = self.frame.shape[:2]
        if self.zoom != 1.0:
            rgb = cv2.resize(self.frame, (round(w * self.zoom), round(h * self.zoom)), interpolation=cv2.INTER_LINEAR)
        else:
            rgb = self.frame.copy()
        sx, sy = rgb.shape[1] / w, rgb.shape[0] / h
        annotators = []
        if self.layers["skeleton"]:
            annotators.append(SkeletonAnnotator())
        if self.layers["dowel"]:
            annotators.append(DowelAnnotator())
        if self.layers["angles"]:
            annotators.append(AngleLabelAnnotator())
        annotators += [RepCounterAnnotator(), VerdictBannerAnnotator(), CueAnnotator()]
        state = OverlayState()
        if self.index < self.n:
            state = OverlayState.from_clip(self.index, self._landmarks(self.index), self.result).scaled(sx, sy)
            draw(rgb, state, annotators)
        h, w = rgb.shape[:2]
        k = _scale(rgb)
        cue = layout(rgb.shape, state).cue  # status and help stay above a cue wrapped onto two lines
        up = 0 if cue is None else (len(cue.lines) - 1) * _line_step(cue.scale, cue.thick)
        draw_text(rgb, self.status(), (int(10 * k), h - int(52 * k) - up), 0.45 * k)
        if self.show_help:
            lines, scale = _fit(HELP, w - int(20 * k), 0.4 * k, 1, 2)
            step = _line_step(scale, 1)
            for n, line in enumerate(lines):
                draw_text(rgb, line, (int(10 * k), h - int(80 * k) - up - (len(lines) - 1 - n) * step), scale)
        return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)

    def status(self) -> str:
        """The status line: frame, time, speed, and the rep the frame is in with its verdict (the
        banner shows the last *finished* rep's, so a jump to rep 2 showed rep 1's verdict)."""
        rep = next((r for r in self.result.reps if r.start_frame <= self.index <= r.end_frame), None)
        where = f"  rep {rep.index}/{len(self.result.reps)}: {rep.verdict.replace('_', ' ')}" if rep else ""
        return (
            f"frame {self.index + 1}/{self.n}  t {self.index / self.fps:5.2f}s  speed {SPEEDS[self.speed]:g}x"
            + where
            + ("  PAUSED" if self.paused else "")
        )

    def handle(self, key: int) -> bool:
        """Apply one key; False to quit."""
        if key in (ord("q"), 27):
            return False
        if key == ord(" "):
            self.paused = not self.paused
        elif key in LEFT_KEYS:
            self.paused = True
            self._read(self.index - 1)
        elif key in RIGHT_KEYS:
            self.paused = True
            self._read(self.index + 1)
        elif ord("1") <= key <= ord("9"):
            n = key - ord("0")
            if n <= len(self.result.reps):
                self.paused = True
                self._read(self.result.reps[n - 1].start_frame)
        elif key == ord("s"):
            self.speed = (self.speed + 1) % len(SPEEDS)
        elif key == ord("k"):
            self.layers["skeleton"] = not self.layers["skeleton"]
        elif key == ord("d"):
            self.layers["dowel"] = not self.layers["dowel"]
        elif key == ord("a"):
            self.layers["angles"] = not self.layers["angles"]
        elif key == ord("h"):
            self.show_help = not self.show_help
        return True

    def run(self) -> int:
        """Show the window until the user quits; returns the frame index it stopped on."""
        import cv2

        from hingecheck.render.display import player_zoom, qt_fonts, window_closed, window_size

        qt_fonts()
        cv2.namedWindow(WINDOW, cv2.WINDOW_NORMAL)
        if self._read(0) is None:
            return 0
        # Qt opens a WINDOW_NORMAL window at 400x300 whatever the picture, which it then shrinks
        # into it: the window is sized to the picture (enlarged when small), within the screen.
        h, w = self.frame.shape[:2]
        self.zoom = player_zoom(w, h)
        want = window_size(round(w * self.zoom), round(h * self.zoom))
        cv2.resizeWindow(WINDOW, *want)
        cv2.imshow(WINDOW, self.render())
        cv2.waitKey(1)
        with contextlib.suppress(cv2.error):  # Qt's toolbar and status bar take their share of the window
            _, _, iw, ih = cv2.getWindowImageRect(WINDOW)
            if 0 < iw < want[0] or 0 < ih < want[1]:
                cv2.resizeWindow(WINDOW, 2 * want[0] - iw, 2 * want[1] - ih)
        try:
            while True:
                shown = time.monotonic()
                cv2.imshow(WINDOW, self.render())
                wait = 1.0 / (self.fps * SPEEDS[self.speed])
                key = cv2.waitKeyEx(max(1, int(1000 * (wait - (time.monotonic() - shown)))) if not self.paused else 50)
                if key != -1 and not self.handle(key if key > 0xFF else key & 0xFF):
                    break
                if window_closed(WINDOW):
                    break
                if not self.paused and self._read(self.index + 1) is None:
                    self.paused = True  # the end: stay on the last frame
                    self._read(self.n - 1)
        finally:
            self.clip.close()
            cv2.destroyAllWindows()  # destroyWindow raises when the window was closed
        return self.index
