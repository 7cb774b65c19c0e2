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
