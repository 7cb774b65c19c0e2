"""The --play window, for real: Xvfb, the OpenCV (Qt) window, keys sent with xdotool, a screenshot."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import SAMPLES

SHOTS = Path(__file__).resolve().parents[1] / "out"
FONTS = "/usr/share/fonts/truetype/dejavu"


@pytest.fixture
def xvfb():
    if not (shutil.which("Xvfb") and shutil.which("xdotool") and shutil.which("ffmpeg")):
        pytest.skip("Xvfb, xdotool and ffmpeg are needed (Debian packages xvfb, xdotool, ffmpeg)")
    for n in range(87, 120):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            break
    display = f":{n}"
    proc = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if Path(f"/tmp/.X11-unix/X{n}").exists():
            break
        time.sleep(0.05)
    yield display
    proc.terminate()
    proc.wait(timeout=10)


def xdo(display, *args):
    return subprocess.run(["xdotool", *args], capture_output=True, text=True, env={**os.environ, "DISPLAY": display},
                          timeout=20)


def test_play_window_steps_and_jumps(xvfb, sample_series):
    env = {**os.environ, "DISPLAY": xvfb, "QT_QPA_FONTDIR": FONTS, "QT_QPA_PLATFORM": "xcb"}
    proc = subprocess.Popen([sys.executable, "-m", "hingecheck", "review", str(SAMPLES / "mixed_set.mp4"), "--play"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        win = ""
        for _ in range(200):
            win = xdo(xvfb, "search", "--name", "hingecheck review").stdout.split()
            if win:
                break
            time.sleep(0.1)
        assert win, "the review window did not open"
        wid = win[0]
        xdo(xvfb, "windowsize", wid, "960", "720")
        xdo(xvfb, "windowmove", wid, "0", "0")
        xdo(xvfb, "windowactivate", "--sync", wid)
        for key in ("space", "2", "Right", "Right", "Right"):  # pause, jump to rep 2, step 3 frames
            xdo(xvfb, "key", "--window", wid, key)
            time.sleep(0.3)
        time.sleep(0.5)
        shot = SHOTS / "play_window.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-f", "x11grab", "-video_size", "1280x800", "-i",
                        f"{xvfb}.0", "-frames:v", "1", str(shot)], check=True, timeout=30)
        geo = dict(line.split("=") for line in xdo(xvfb, "getwindowgeometry", "--shell", wid).stdout.split())
        img = cv2.imread(str(shot))
        x, y, w, h = (int(geo[k]) for k in ("X", "Y", "WIDTH", "HEIGHT"))
        view = img[y:y + h, x:x + w]
        assert view.std() > 20  # a picture, not a blank window
        k = h / 480.0
        counter = view[int(12 * k):int(95 * k), int(12 * k):int(125 * k)]
        beside = view[int(12 * k):int(95 * k), int(140 * k):int(250 * k)]
        assert counter.mean() < beside.mean() - 20  # the dark rep-counter box is drawn
        xdo(xvfb, "key", "--window", wid, "q")
        proc.wait(timeout=20)
        assert proc.returncode == 0, proc.stderr.read()[-2000:]
    finally:
        if proc.poll() is None:
            proc.kill()
