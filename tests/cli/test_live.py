"""The live coach on files played as a camera: rep counts and verdicts, a real window, a summary."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from hingecheck.cli.live import CUE_HOLD_S, CueBoard, LatestFrame
from hingecheck.pose.sources import Frame

from conftest import SAMPLES, close_window, require, screenshot, wait_for_picture

SHOTS = Path(__file__).resolve().parents[2] / "out"


def window_env(display: str) -> dict:
    """The environment of a ``hingecheck`` window on the X display ``display`` (Xvfb)."""
    return {
        **os.environ,
        "DISPLAY": display,
        "QT_QPA_FONTDIR": "/usr/share/fonts/truetype/dejavu",
        "QT_QPA_PLATFORM": "xcb",
    }


def start_live_window(display: str, clip, *args: str, cwd=None) -> subprocess.Popen:
    """``hingecheck live --source clip --no-audio *args`` in a window on ``display``."""
    return subprocess.Popen(
        [sys.executable, "-m", "hingecheck", "live", "--source", str(clip), "--no-audio", *args],
        env=window_env(display),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("name", ["mixed_set.mp4", "hinge_rounded.mp4"])
def test_live_source_gets_labelled_reps(tmp_path, sample_labels, name):
    lab = sample_labels[name]
    summary = tmp_path / "summary.json"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "hingecheck",
            "live",
            "--source",
            str(SAMPLES / name),
            "--no-window",
            "--no-audio",
            "--exercise",
            lab["exercise"],
            "--summary",
            str(summary),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    data = json.loads(summary.read_text())
    assert [x["verdict"] for x in data["reps"]] == lab["reps"]
    assert data["verdict"] == lab["verdict"]
    assert f"{len(lab['reps'])} reps" in r.stdout
    # Every frame of the clip is accounted for, inferred or dropped as stale (how many are dropped
    # depends on the machine's speed: benchmarks/bench_live.py measures that).
    import av

    with av.open(str(SAMPLES / name)) as c:
        total = sum(1 for _ in c.decode(video=0))
    assert data["frames"] + data["dropped_frames"] == total and data["frames"] > 0


def test_live_summary_judges_an_edited_clip_as_score_does(tmp_path, sample_labels):
    """An edited clip played live: 8.5 s of one set (mirrored and darker: another camera), then a
    cut to a rounded set. The live coach speaks after every rep it sees, but the session's summary
    is the whole session judged as ``score`` judges a clip: only the longest shot counts, so the
    summary holds the rounded set's three reps (rendered truth), not five from two shots."""
    from conftest import write_clip

    def frames(name, seconds=None):
        with av.open(str(SAMPLES / name)) as c:
            for f in c.decode(video=0):
                if seconds is not None and f.time >= seconds:
                    return
                yield f.to_ndarray(format="rgb24")

    first = ((f[:, ::-1].astype(np.float32) * 0.7).astype(np.uint8) for f in frames("hinge_neutral_right.mp4", 8.5))
    clip = write_clip(tmp_path / "edited.mp4", [*first, *frames("hinge_rounded.mp4")])
    summary = tmp_path / "summary.json"
    r = subprocess.run(
        [sys.executable, "-m", "hingecheck", "live", "--source", str(clip), "--no-window", "--no-audio"]
        + ["--exercise", "hinge", "--summary", str(summary)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")},
    )
    assert r.returncode == 0, r.stderr[-2000:]
    data = json.loads(summary.read_text())
    lab = sample_labels["hinge_rounded.mp4"]
    assert [x["verdict"] for x in data["reps"]] == lab["reps"]
    assert data["verdict"] == lab["verdict"]


def test_cue_is_held_and_never_flickers():
    board = CueBoard()
    board.offer("Chin tucked", 0.0)
    board.offer("Brace — flat back", 0.5)  # too soon: the first cue stays readable
    assert board.text == "Chin tucked"
    board.offer("Brace — flat back", CUE_HOLD_S + 0.1)
    assert board.text == "Brace — flat back"
    board.offer("Good rep", CUE_HOLD_S + 0.2, urgent=True)  # a finished rep always shows
    assert board.text == "Good rep"


def test_latest_frame_drops_stale_frames():
    def frames():
        for i in range(50):
            yield Frame(i, i / 1000.0, np.zeros((2, 2, 3), np.uint8))

    cap = LatestFrame(frames(), pace=False)
    time.sleep(0.3)
    f, _ = cap.get()
    assert f.index == 49 and cap.dropped == 49  # only the newest survives
    cap.stop()


def assert_ended_early(summary: Path, clip: Path) -> None:
    """The session's summary analysed fewer frames than ``clip`` has: the session ended early."""
    with av.open(str(clip)) as c:
        total = c.streams.video[0].frames
    assert json.loads(summary.read_text())["frames"] < total


def test_live_window_under_xvfb(tmp_path, xvfb):
    proc = start_live_window(xvfb, SAMPLES / "mixed_set.mp4", "--summary", str(tmp_path / "s.json"), "--hold", "0")
    wait_for_picture(xvfb, SHOTS / "live_window_start.png", proc=proc)  # the model is loaded, frames are coming
    time.sleep(2.0)
    shot = screenshot(xvfb, SHOTS / "live_window.png")
    proc.wait(timeout=120)
    assert proc.returncode == 0, proc.stderr.read()[-2000:]
    img = cv2.imread(str(shot))
    assert img.std() > 20  # not blank
    # The window shows the 640x480 clip at the top-left (below a toolbar): the dark counter box and its text.
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(float)
    assert (gray[:300, :300] < 60).mean() > 0.02 and (gray[:300, :300] > 200).mean() > 0.001
    assert json.loads((tmp_path / "s.json").read_text())["verdict"] == "lumbar_rounding"  # 2 of 4 reps faulted


def test_live_window_keys_snapshot_and_quit(tmp_path, xvfb):
    """In the real window: `s` saves what is on screen, `q` ends the session early (exit 0, the
    summary written, fewer frames analysed than the clip has)."""
    require("xdotool")
    env = window_env(xvfb)
    clip = SAMPLES / "mixed_set.mp4"
    proc = start_live_window(xvfb, clip, "--summary", str(tmp_path / "s.json"), cwd=tmp_path)
    try:
        wait_for_picture(xvfb, SHOTS / "live_keys_start.png", proc=proc)
        wid = subprocess.run(
            ["xdotool", "search", "--name", "hingecheck live"], capture_output=True, text=True, env=env
        ).stdout.split()[0]
        for key in ("s", "q"):
            subprocess.run(["xdotool", "key", "--window", wid, key], env=env, timeout=20)
            time.sleep(0.5)
        proc.wait(timeout=120)
        assert proc.returncode == 0, proc.stderr.read()[-2000:]
        snaps = list(tmp_path.glob("hingecheck-snapshot-*.png"))
        assert len(snaps) == 1
        snap = cv2.imread(str(snaps[0]))
        assert snap.shape == (480, 640, 3) and snap.std() > 20
        assert_ended_early(tmp_path / "s.json", clip)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_portrait_clip_opens_a_window_that_fits_the_screen(tmp_path, xvfb):
    """A 720x1280 picture (a phone held upright; a 1080p camera on a laptop is alike) opened a
    window 1280 px tall on an 800-px screen: the bottom of the picture, the lifter's feet and
    the cue written along it, was off the screen. The clip's bottom rows are painted magenta
    here: they must be on the screen."""
    from conftest import write_clip

    with av.open(str(SAMPLES / "hinge_neutral_left.mp4")) as c:
        frames = []
        for _, f in zip(range(150), c.decode(video=0)):
            rgb = f.to_ndarray(format="rgb24")
            tall = np.pad(rgb, ((329, 329), (0, 0), (0, 0)), mode="edge")  # 640x1138: 9:16
            tall = cv2.resize(tall, (720, 1280))
            tall[-40:] = (255, 0, 255)
            frames.append(tall)
    clip = write_clip(tmp_path / "portrait.mp4", frames)
    proc = start_live_window(xvfb, clip, "--no-history", "--hold", "0")
    try:
        wait_for_picture(xvfb, SHOTS / "live_portrait_start.png", proc=proc)
        time.sleep(1.0)
        shot = cv2.imread(str(screenshot(xvfb, SHOTS / "live_portrait.png")))
        proc.wait(timeout=120)
        assert proc.returncode == 0, proc.stderr.read()[-2000:]
    finally:
        if proc.poll() is None:
            proc.kill()
    b, g, r = (shot[..., i].astype(int) for i in range(3))
    magenta = (r > 200) & (b > 200) & (g < 80)
    assert magenta.sum() > 2000, magenta.sum()  # the picture's bottom band is on the screen


def test_closing_the_window_ends_the_session(tmp_path, xvfb):
    """The window's close button closed it, and the next frame opened it again at once: the
    lifter could not get rid of it (a camera session never ends by itself). Now closing the
    window ends the session as q does: exit 0, the summary written with fewer frames than the
    clip has, and no window left on the screen."""
    require("xdotool")
    env = window_env(xvfb)
    clip = SAMPLES / "mixed_set.mp4"
    proc = start_live_window(xvfb, clip, "--summary", str(tmp_path / "s.json"), "--no-history")
    try:
        wait_for_picture(xvfb, SHOTS / "live_close_start.png", proc=proc)
        search = ["xdotool", "search", "--name", "hingecheck live"]
        (wid,) = subprocess.run(search, capture_output=True, text=True, env=env).stdout.split()
        close_window(xvfb, int(wid))
        proc.wait(timeout=30)  # the clip would play 17 s more
        assert proc.returncode == 0, proc.stderr.read()[-2000:]
        assert subprocess.run(search, capture_output=True, text=True, env=env).stdout.split() == []
        assert_ended_early(tmp_path / "s.json", clip)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_the_end_of_a_clip_stays_in_the_window_until_a_key(tmp_path, xvfb):
    """The window closed as the clip ended: the last rep's verdict was up for half a second. Now
    the last picture stays, with the last verdict's banner, until a key is pressed (or --hold
    seconds pass); the session then ends as usual (exit 0, the summary written)."""
    require("xdotool")
    env = window_env(xvfb)
    clip = SAMPLES / "kb_swing.mp4"  # 7.6 s, its reps neutral (labels.json)
    with av.open(str(clip)) as c:
        length = float(c.duration / av.time_base)
    summary = tmp_path / "s.json"
    proc = start_live_window(xvfb, clip, "--hold", "60", "--summary", str(summary), "--no-history")
    try:
        wait_for_picture(xvfb, SHOTS / "live_hold_start.png", proc=proc)  # frames are coming: the clip plays
        time.sleep(length + 5.0)  # paced at the clip's own timestamps: over by now
        assert proc.poll() is None, proc.stderr.read()[-2000:]
        search = ["xdotool", "search", "--name", "hingecheck live"]
        (wid,) = subprocess.run(search, capture_output=True, text=True, env=env).stdout.split()
        first = cv2.imread(str(screenshot(xvfb, SHOTS / "live_hold.png")))
        time.sleep(1.0)
        second = cv2.imread(str(screenshot(xvfb, SHOTS / "live_hold_later.png")))
        assert np.array_equal(first, second)  # a still picture: the clip's end, held
        # The verdict banner: a filled box in the OK green (RGB 60, 200, 90), text inside it.
        green = (np.abs(first.astype(int) - (90, 200, 60)).max(axis=2) < 12).astype(np.uint8)
        _, _, stats, _ = cv2.connectedComponentsWithStats(green)
        banners = [s for s in stats[1:] if s[2] > 60 and s[3] > 15 and s[4] > 0.4 * s[2] * s[3]]
        assert banners, stats[1:]
        pressed = time.monotonic()
        subprocess.run(["xdotool", "key", "--window", wid, "space"], env=env, timeout=20)
        proc.wait(timeout=30)
        assert time.monotonic() - pressed < 20  # the key ended it, not the 60-s hold
        assert proc.returncode == 0, proc.stderr.read()[-2000:]
        assert json.loads(summary.read_text())["verdict"] == "neutral"
    finally:
        if proc.poll() is None:
            proc.kill()


def _label_words(shot: np.ndarray) -> list[tuple[int, int]]:
    """Height and width (screen px) of each word of text drawn over the picture between its top
    and bottom quarters (where the angle labels are; the banner and the counter sit above, the
    cue below): the overlay's text is white in a one-pixel dark outline, unlike anything else."""
    grey = shot[2, 2].astype(int)  # the window's toolbar and margins
    desktop = shot.max(axis=2) == 0  # the X screen around the window
    picture = (np.abs(shot.astype(int) - grey).max(axis=2) > 8) & ~desktop
    rows, cols = np.flatnonzero(picture.mean(axis=1) > 0.3), np.flatnonzero(picture.mean(axis=0) > 0.3)
    y0, y1, x0, x1 = rows.min(), rows.max(), cols.min(), cols.max()
    band = shot[y0 + (y1 - y0) // 4 : y1 - (y1 - y0) // 4, x0:x1]
    white = (band.min(axis=2) > 225).astype(np.uint8)
    dark = cv2.dilate((band.max(axis=2) < 60).astype(np.uint8), np.ones((3, 3), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(white)
    outlined = [i for i in range(1, n) if dark[labels == i].mean() > 0.25 and stats[i, 4] >= 4]
    letters = np.isin(labels, outlined).astype(np.uint8)
    words = cv2.dilate(letters, np.ones((1, 7), np.uint8))  # letters of a word joined
    _, _, wstats, _ = cv2.connectedComponentsWithStats(words)
    return [(int(h), int(w)) for _, _, w, h, a in wstats[1:] if a >= 30]


def test_live_text_is_readable_in_the_window_the_toolbar_shrinks(tmp_path, xvfb):
    """A 640x480 camera in its window (Qt's toolbar shrinks the picture to 557x418) drew its angle
    labels with capitals 8-9 px tall on the screen: unreadable from 2-3 m. The window's picture
    size is now read and the text grown to stay readable there (render.overlay.LABEL_MIN_SCREEN_PX).
    Measured on a screenshot: the words drawn around the lifter (white letters in a dark outline)
    are up to 20-34 px tall (digits, ascenders), where they were up to 9 — and no larger than that:
    they are drawn over the lifter."""
    require("xdotool")
    env = window_env(xvfb)
    clip = SAMPLES / "hinge_neutral_left.mp4"
    proc = start_live_window(xvfb, clip, "--hold", "0", "--no-history")
    try:
        wait_for_picture(xvfb, SHOTS / "live_text_start.png", proc=proc)
        time.sleep(2.5)
        shot = cv2.imread(str(screenshot(xvfb, SHOTS / "live_text.png")))
        search = ["xdotool", "search", "--name", "hingecheck live"]
        (wid,) = subprocess.run(search, capture_output=True, text=True, env=env).stdout.split()
        subprocess.run(["xdotool", "key", "--window", wid, "q"], env=env, timeout=20)
        proc.wait(timeout=60)
        assert proc.returncode == 0, proc.stderr.read()[-2000:]
    finally:
        if proc.poll() is None:
            proc.kill()
    words = _label_words(shot)
    assert len(words) >= 4, words  # hip, knee, trunk, spine and their numbers
    assert 20 <= max(h for h, _ in words) <= 34, words  # a label's digits, its tallest letters
