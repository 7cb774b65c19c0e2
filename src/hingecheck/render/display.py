"""Shared set-up for OpenCV windows (live view and the review player)."""

from __future__ import annotations

import os
from pathlib import Path

#: System fonts for the window's Qt toolbar (OpenCV's wheel ships none and points Qt at an empty folder).
SYSTEM_FONT_DIR = "/usr/share/fonts/truetype/dejavu"


def qt_fonts() -> None:
    """Point Qt at system fonts before the first window (importing cv2 overrides QT_QPA_FONTDIR
    with a folder that does not exist), so no font warnings reach the terminal."""
    current = os.environ.get("QT_QPA_FONTDIR")
    if (current is None or not Path(current).is_dir()) and Path(SYSTEM_FONT_DIR).is_dir():
        os.environ["QT_QPA_FONTDIR"] = SYSTEM_FONT_DIR


#: Qt platforms that need no display server (``QT_QPA_PLATFORM``): a window opens without one.
HEADLESS_QT_PLATFORMS = ("offscreen", "minimal", "vnc", "eglfs", "linuxfb")


def has_display() -> bool:
    """False on Linux when a window has nowhere to open (neither ``DISPLAY`` nor
    ``WAYLAND_DISPLAY`` set, and no display-less Qt platform chosen): OpenCV's Qt would abort the
    whole process there. True elsewhere (macOS and Windows always have a desktop)."""
    import sys

    if not sys.platform.startswith("linux"):
        return True
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return True
    return os.environ.get("QT_QPA_PLATFORM", "").split(":")[0] in HEADLESS_QT_PLATFORMS
