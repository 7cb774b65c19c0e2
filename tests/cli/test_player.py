"""The --play window, for real: Xvfb, the OpenCV (Qt) window, keys sent with xdotool, a screenshot."""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from conftest import SAMPLES, close_window, require, screenshot, wait_for_picture

SHOTS = Path(__file__).resolve().parents[2] / "out"
FONTS = "/usr/share/fonts/truetype/dejavu"


def picture(window: np.ndarray) -> np.ndarray:
    """The clip's picture inside an OpenCV window: the rows and columns that are mostly not the
    window's flat background (toolbar icons and margins are)."""
    bg = window[-3, -3].astype(int)
    differs = np.abs(window.astype(int) - bg).max(axis=2) > 12
    rows = np.flatnonzero(differs.mean(axis=1) > 0.5)
    cols = np.flatnonzero(differs.mean(axis=0) > 0.5)
    assert len(rows) and len(cols), "no picture in the window"
    return window[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def xdo(display, *args):
    return subprocess.run(
        ["xdotool", *args], capture_output=True, text=True, env={**os.environ, "DISPLAY": display}, timeout=20
    )


def shot_picture(xvfb, wid, name):
    shot = screenshot(xvfb, SHOTS / name)
    geo = dict(line.split("=") for line in xdo(xvfb, "getwindowgeometry", "--shell", wid).stdout.split())
    img = cv2.imread(str(shot))
    x, y, w, h = (int(geo[k]) for k in ("X", "Y", "WIDTH", "HEIGHT"))
    return picture(img[y : y + h, x : x + w])  # OpenCV 5 scales the clip to the window, 4.x centres it


def differ(a, b):
    return a.shape != b.shape or np.abs(a.astype(int) - b.astype(int)).mean() > 0.5


def test_play_window_steps_and_jumps(xvfb, sample_series):
    require("xdotool")
    env = {**os.environ, "DISPLAY": xvfb, "QT_QPA_FONTDIR": FONTS, "QT_QPA_PLATFORM": "xcb"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "hingecheck", "review", str(SAMPLES / "mixed_set.mp4"), "--play"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        win = ""
        for _ in range(1200):  # a deadline, not a timing: up to 2 min on a loaded machine
            win = xdo(xvfb, "search", "--name", "hingecheck review").stdout.split()
            if win:
                break
            time.sleep(0.1)
        assert win, "the review window did not open"
        wid = win[0]
        xdo(xvfb, "windowsize", wid, "960", "720")
        xdo(xvfb, "windowmove", wid, "0", "0")
        xdo(xvfb, "windowactivate", "--sync", wid)
        wait_for_picture(xvfb, SHOTS / "play_window_start.png", proc=proc)
        first = shot_picture(xvfb, wid, "play_window_playing0.png")
        deadline = time.time() + 60  # a deadline for a loaded machine, not a timing
        while not differ(first, shot_picture(xvfb, wid, "play_window_playing1.png")):
            assert time.time() < deadline, "the clip does not play"
        xdo(xvfb, "key", "--window", wid, "space")
        time.sleep(1.0)
        paused = shot_picture(xvfb, wid, "play_window_paused0.png")
        time.sleep(1.5)
        assert not differ(paused, shot_picture(xvfb, wid, "play_window_paused1.png"))  # space paused it
        xdo(xvfb, "key", "--window", wid, "2")  # jump to rep 2
        time.sleep(0.5)
        before = shot_picture(xvfb, wid, "play_window_rep2.png")
        for _ in range(3):
            xdo(xvfb, "key", "--window", wid, "Right")  # step one frame
            time.sleep(0.4)
            after = shot_picture(xvfb, wid, "play_window.png")
            assert differ(before, after)
            before = after
        view = after
        assert view.std() > 20  # a picture, not a blank window
        k = view.shape[0] / 480.0
        counter = view[int(12 * k) : int(95 * k), int(12 * k) : int(125 * k)]
        beside = view[int(12 * k) : int(95 * k), int(140 * k) : int(250 * k)]
        assert counter.mean() < beside.mean() - 20  # the dark rep-counter box is drawn
        xdo(xvfb, "key", "--window", wid, "q")
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err[-2000:]
        # Stopped three frames after the jump, and the jump went to the start of rep 2 (the
        # renderer's truth says where its second rep begins; the core's rep edge may sit a few
        # frames either side of it).
        stopped = int(re.search(r"stopped at frame (\d+) of", out).group(1)) - 1
        truth = json.loads((SAMPLES / "truth" / "mixed_set.json").read_text())["frames"]
        rep2 = min(i for i, f in enumerate(truth) if f["rep"] == 2)
        assert abs((stopped - 3) - rep2) <= 15, (stopped, rep2)
    finally:
        if proc.poll() is None:
            proc.kill()


def _open_play_window(xvfb, clip):
    env = {**os.environ, "DISPLAY": xvfb, "QT_QPA_FONTDIR": FONTS, "QT_QPA_PLATFORM": "xcb"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "hingecheck", "review", str(clip), "--play", "--no-history"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    win = []
    for _ in range(1200):  # a deadline, not a timing
        win = xdo(xvfb, "search", "--name", "hingecheck review").stdout.split()
        if win or proc.poll() is not None:
            break
        time.sleep(0.1)
    if not win:
        proc.kill()
    assert win, "the review window did not open"
    return proc, win[0]


def test_the_play_window_is_sized_to_the_picture_within_the_screen(xvfb, tmp_path):
    """Qt opens a resizable OpenCV window at 400x300 whatever the clip, and the player never sized
    it: every clip was shrunk into it (a 640x480 one to 345x260, its help and frame lines
    unreadable; a coach had to drag the window larger each time). Now a small clip (320x240, as
    phone clips from the web are) is enlarged to 480 px tall before the overlay is drawn, and a
    large one (1920x1440) fits the 1280x800 screen, both in their own aspect ratio."""
    require("xdotool", "ffmpeg")
    sizes = {"small": (320, 240), "large": (1920, 1440)}
    for name, (w, h) in sizes.items():
        clip = tmp_path / f"{name}.mp4"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-i", str(SAMPLES / "mixed_set.mp4"), "-t", "3"]
            + ["-vf", f"scale={w}:{h}", "-c:v", "libx264", "-pix_fmt", "yuv420p", str(clip)],
            check=True,
            timeout=120,
        )
        proc, wid = _open_play_window(xvfb, clip)
        try:
            xdo(xvfb, "windowmove", wid, "0", "0")
            wait_for_picture(xvfb, SHOTS / f"play_size_{name}_start.png", proc=proc)
            time.sleep(1.0)
            pic = shot_picture(xvfb, wid, f"play_size_{name}.png")
            ph, pw = pic.shape[:2]
            assert abs(pw / ph - w / h) < 0.03, (name, pic.shape)  # the clip's aspect ratio
            if name == "small":
                assert ph >= 470, (name, pic.shape)  # enlarged to 480 px tall
            else:
                assert ph <= 800 and pw <= 1280 and ph >= 0.8 * 0.9 * 800, (name, pic.shape)  # fits the screen
            xdo(xvfb, "key", "--window", wid, "q")
            proc.communicate(timeout=60)
            assert proc.returncode == 0
        finally:
            if proc.poll() is None:
                proc.kill()


def _no_display_env() -> dict:
    return {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}


def test_play_without_a_display_is_a_usage_error_not_a_qt_abort():
    """Linux with neither DISPLAY nor WAYLAND_DISPLAY: Qt would abort the process (exit 134)."""
    r = subprocess.run(
        [sys.executable, "-m", "hingecheck", "review", str(SAMPLES / "kb_swing.mp4"), "--play", "--no-history"],
        capture_output=True,
        text=True,
        timeout=120,
        env=_no_display_env(),
    )
    assert r.returncode == 2 and r.stdout == "", r.stderr
    assert r.stderr.strip() == (
        "error: no display to open a window on (set DISPLAY, or leave out --play to write the annotated video and report)"
    )


def test_live_without_a_display_is_a_usage_error_and_no_window_still_runs(tmp_path):
    base = [sys.executable, "-m", "hingecheck", "live", "--source", str(SAMPLES / "empty_scene.mp4"), "--no-audio"]
    r = subprocess.run([*base, "--no-history"], capture_output=True, text=True, timeout=120, env=_no_display_env())
    assert r.returncode == 2 and r.stdout == "", r.stderr
    assert r.stderr.strip() == "error: no display to open a window on (set DISPLAY, or use --no-window)"
    r = subprocess.run(
        [*base, "--no-window", "--no-history"], capture_output=True, text=True, timeout=120, env=_no_display_env()
    )
    assert r.returncode == 0 and "0 reps" in r.stdout, r.stderr


def test_play_says_the_warnings_and_why_as_review_does(xvfb, tmp_path):
    """review --play says on stderr the clip's warnings (here auto's choice of the deadlift for a
    pull from the floor) as review and score do, and on stdout why a clip has no verdict on its
    form (a front view); the window alone said neither."""
    require("xdotool")
    import shutil

    pull, front = tmp_path / "pull.mp4", tmp_path / "front.mp4"  # out of the samples' labels.json
    shutil.copy(SAMPLES / "deadlift_hips_rise_first.mp4", pull)
    shutil.copy(SAMPLES / "front_view.mp4", front)
    said = {}
    for clip in (pull, front):
        proc, wid = _open_play_window(xvfb, clip)
        try:
            time.sleep(0.5)
            xdo(xvfb, "key", "--window", wid, "q")
            said[clip] = proc.communicate(timeout=60)
            assert proc.returncode == 0, said[clip][1][-2000:]
        finally:
            if proc.poll() is None:
                proc.kill()
    scored = subprocess.run(
        [sys.executable, "-m", "hingecheck", "score", str(pull), str(front), "--no-history"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    clips = {c["file"]: c for c in json.loads(scored.stdout)["clips"]}
    for clip, (out, err) in said.items():
        c = clips[str(clip)]
        assert [x for x in err.splitlines() if x.startswith("warning: ")] == [
            f"warning: {clip}: {w}" for w in c["warnings"]
        ]
        if c["why"]:
            assert f"{clip}: unusable view ({c['why']})" in out.splitlines()
    assert clips[str(pull)]["warnings"] and clips[str(front)]["why"]


def test_closing_the_play_window_ends_without_a_traceback(xvfb):
    """The window's close button (WM_DELETE_WINDOW) crashed the player: Qt's OpenCV raised when
    asked whether the closed window was visible, then again destroying it (two tracebacks, exit
    1). Now it ends as q does: exit 0, nothing on stderr but the report lines."""
    require("xdotool")
    env = {**os.environ, "DISPLAY": xvfb, "QT_QPA_FONTDIR": FONTS, "QT_QPA_PLATFORM": "xcb"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "hingecheck", "review", str(SAMPLES / "mixed_set.mp4"), "--play", "--no-history"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_picture(xvfb, SHOTS / "play_close_start.png", proc=proc)
        (wid,) = xdo(xvfb, "search", "--name", "hingecheck review").stdout.split()
        close_window(xvfb, int(wid))
        proc.wait(timeout=60)
        err = proc.stderr.read()
        assert proc.returncode == 0 and "Traceback" not in err, err[-2000:]
        assert xdo(xvfb, "search", "--name", "hingecheck review").stdout.split() == []
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_jump_to_a_rep_says_which_rep_and_its_verdict(tmp_path):
    """Pressing 2 jumped to rep 2's first frame, where the banner shows the last *finished* rep's
    verdict (rep 1's) and the counter reads 1: nothing on screen said this was rep 2 or what it
    was judged. Now the status line names the rep the frame is in and its verdict. Real model on
    mixed_set.mp4, whose labels.json says rep 2 is a rounded back and rep 1 neutral."""
    from hingecheck.cli.player import Player
    from hingecheck.core.analysis import analyze
    from hingecheck.pose.landmarker import estimate_clip

    clip = SAMPLES / "mixed_set.mp4"
    series = estimate_clip(clip)
    player = Player(clip, series, analyze(series, exercise="hinge", file=str(clip)))
    truth = json.loads((SAMPLES / "labels.json").read_text())["mixed_set.mp4"]["reps"]
    try:
        player._read(0)
        assert "rep " not in player.status()  # before the first rep
        for n in (2, 1, 4):
            player.handle(ord(str(n)))
            assert f"rep {n}/{len(truth)}: {truth[n - 1].replace('_', ' ')}" in player.status(), player.status()
            player.handle(ord("."))  # a step on stays in the rep
            assert f"rep {n}/" in player.status(), player.status()
    finally:
        player.clip.close()
