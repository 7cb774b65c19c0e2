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


#: A window's share of the screen at most, across and down (room for the desktop's panels and
#: the window's title bar).
SCREEN_SHARE = 0.9
#: The screen assumed when its size cannot be read (a common laptop screen's usable area).
FALLBACK_SCREEN = (1280, 720)


def screen_size() -> tuple[int, int] | None:
    """The screen's size in pixels (width, height), or None when it cannot be read: the X
    display's (Linux; XWayland too), or Windows' primary screen."""
    import ctypes
    import ctypes.util
    import sys

    try:
        if sys.platform.startswith("win"):
            user32 = ctypes.windll.user32  # type: ignore[attr-defined]
            return int(user32.GetSystemMetrics(0)), int(user32.GetSystemMetrics(1))
        name = ctypes.util.find_library("X11")
        if name is None or not os.environ.get("DISPLAY"):
            return None
        x11 = ctypes.CDLL(name)
        x11.XOpenDisplay.restype = ctypes.c_void_p
        x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        for f in (x11.XDefaultScreen, x11.XCloseDisplay):
            f.argtypes = [ctypes.c_void_p]
        for f in (x11.XDisplayWidth, x11.XDisplayHeight):
            f.argtypes = [ctypes.c_void_p, ctypes.c_int]
        dpy = x11.XOpenDisplay(None)
        if not dpy:
            return None
        try:
            screen = x11.XDefaultScreen(dpy)
            return int(x11.XDisplayWidth(dpy, screen)), int(x11.XDisplayHeight(dpy, screen))
        finally:
            x11.XCloseDisplay(dpy)
    except (OSError, AttributeError, ValueError):
        return None


def window_size(width: int, height: int, screen: tuple[int, int] | None = None) -> tuple[int, int]:
    """A window for a ``width`` x ``height`` picture: its own size, or scaled down (aspect kept)
    to fit :data:`SCREEN_SHARE` of the screen. A picture taller than the screen (a portrait
    phone clip, a 1080p camera on a laptop) opened a window running off it, the bottom of the
    picture (the feet, and the cue written along it) out of sight."""
    sw, sh = screen or screen_size() or FALLBACK_SCREEN
    k = min(1.0, SCREEN_SHARE * sw / width, SCREEN_SHARE * sh / height)
    return max(1, int(width * k)), max(1, int(height * k))


#: The review player enlarges a picture whose shorter side is under this many pixels to it before
#: drawing the overlay, whose sizes follow that side: a 360x306 clip's help and frame lines were
#: drawn 8 px tall, unreadable.
MIN_SIDE = 480


def player_zoom(width: int, height: int, screen: tuple[int, int] | None = None) -> float:
    """How much the player enlarges a ``width`` x ``height`` picture before drawing on it: a small
    one up to :data:`MIN_SIDE` on its shorter side, as far as :data:`SCREEN_SHARE` of the screen
    allows; never below 1 (:func:`window_size` shrinks the window of a large one)."""
    sw, sh = screen or screen_size() or FALLBACK_SCREEN
    up = MIN_SIDE / max(1, min(width, height))
    fit = min(SCREEN_SHARE * sw / width, SCREEN_SHARE * sh / height)
    return max(1.0, min(up, fit))


def window_closed(name: str) -> bool:
    """The OpenCV window ``name`` was closed (its close button): Qt's OpenCV raises when asked
    about a window it no longer has, where other backends say it is not visible."""
    import cv2

    try:
        return cv2.getWindowProperty(name, cv2.WND_PROP_VISIBLE) < 1
    except cv2.error:
        return True


def shown_scale(name: str, shape: tuple[int, ...]) -> float | None:
    """Screen px per picture px of a ``shape`` (height, width, ...) picture in the OpenCV window
    ``name`` (as large as its picture area allows, aspect kept); None when it cannot be read.
    Qt's toolbar takes from the window's height: a 640x480 picture in a window asked for at
    640x480 is shown at 557x418."""
    import cv2

    try:
        _, _, w, h = cv2.getWindowImageRect(name)
    except cv2.error:
        return None
    if w <= 0 or h <= 0:
        return None
    return min(w / shape[1], h / shape[0])
