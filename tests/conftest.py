"""Shared fixtures: real video files written with PyAV, real photographs, the real model."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "sample_videos"


def require(*programs: str, package: str = "") -> None:
    """Skip the test when a system program is missing; under ``CI=true`` fail instead, so a CI
    run can never go green with tests silently skipped. ``package`` names the Debian package."""
    import os
    import shutil

    missing = [p for p in programs if not (shutil.which(p) or Path(p).is_file())]
    if not missing:
        return
    why = (
        f"{', '.join(missing)} not installed (Debian package {package or ' '.join(missing)}; scripts/test installs it)"
    )
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(why)
    pytest.skip(why)


def sigint_heard() -> None:
    """``preexec_fn`` for a child a test sends Ctrl-C (SIGINT): a shell that starts the test run
    in the background, without job control, sets SIGINT to ignored, every child inherits that, and
    Python then leaves it ignored: the signal the test sends would never arrive."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def write_clip(path: Path, frames, fps: float = 30, pts=None, rotation: int = 0, codec: str = "libx264") -> Path:
    """Write RGB frames to ``path`` with PyAV. ``pts`` (seconds per frame) makes a VFR clip;
    ``rotation`` stores phone-style display rotation metadata (the MP4 ``rotate`` tag, set by
    ffmpeg on a stream copy: PyAV can only write it from version 18)."""
    import av

    frames = list(frames)
    h, w = frames[0].shape[:2]
    target = path.with_name(path.stem + ".norot" + path.suffix) if rotation else path
    with av.open(str(target), "w") as c:
        s = c.add_stream(codec, rate=int(round(fps)))
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        tb = Fraction(1, 1000)
        s.codec_context.time_base = tb
        s.time_base = tb
        for i, rgb in enumerate(frames):
            vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            t = pts[i] if pts is not None else i / fps
            vf.pts = int(round(t / tb))
            vf.time_base = tb
            for p in s.encode(vf):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    if rotation:
        import subprocess

        require("ffmpeg")
        subprocess.run(
            [
                "ffmpeg",
                "-y",
                "-loglevel",
                "error",
                "-i",
                str(target),
                "-c",
                "copy",
                "-metadata:s:v:0",
                f"rotate={rotation % 360}",
                str(path),
            ],
            check=True,
            timeout=120,
        )
        target.unlink()
    return path


@pytest.fixture(scope="session", autouse=True)
def history_db(tmp_path_factory):
    """Every run of the suite keeps its training history in a temporary file, never in the user's
    data folder: ``HINGECHECK_DB`` is read by the CLI (and inherited by its subprocesses)."""
    import os

    path = tmp_path_factory.mktemp("history") / "history.sqlite3"
    old = os.environ.get("HINGECHECK_DB")
    os.environ["HINGECHECK_DB"] = str(path)
    yield path
    if old is None:
        os.environ.pop("HINGECHECK_DB", None)
    else:
        os.environ["HINGECHECK_DB"] = old


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    """A real photograph of a person (scikit-image's astronaut, 512x512 RGB)."""
    from skimage import data

    return data.astronaut()


@pytest.fixture(scope="session")
def astronaut_clip(tmp_path_factory, astronaut) -> Path:
    """A 1-second, 30 fps H.264 clip of the astronaut photo panning slowly on a grey canvas."""
    canvas = np.full((540, 720, 3), 90, np.uint8)
    frames = []
    for i in range(30):
        f = canvas.copy()
        x = 60 + i * 3
        f[14:526, x : x + 512] = astronaut
        frames.append(f)
    return write_clip(tmp_path_factory.mktemp("clips") / "astronaut.mp4", frames)


def write_60fps(src: Path, out: Path) -> Path:
    """A 60 fps copy of a 30 fps clip: each frame, then the average of it and the next (distinct
    in-between frames, as a 60 fps camera films)."""
    from hingecheck.pose.sources import VideoFile

    frames = [f.rgb for f in VideoFile(src).frames()]
    both = []
    for a, b in zip(frames, frames[1:] + frames[-1:]):
        both += [a, ((a.astype(np.uint16) + b) // 2).astype(np.uint8)]
    return write_clip(out, both, fps=60)


@pytest.fixture(scope="session")
def hinge60_clip(tmp_path_factory) -> Path:
    """``sample_videos/hinge_neutral_right.mp4`` at 60 fps (see :func:`write_60fps`)."""
    return write_60fps(
        SAMPLES / "hinge_neutral_right.mp4", tmp_path_factory.mktemp("clips60") / "hinge_neutral_right.mp4"
    )


@pytest.fixture(scope="session")
def empty_clip(tmp_path_factory) -> Path:
    """A clip with no person: smooth noise texture, 20 frames."""
    rng = np.random.default_rng(0)
    base = (rng.random((30, 40, 3)) * 255).astype(np.uint8)
    big = np.kron(base, np.ones((12, 12, 1), np.uint8))
    return write_clip(tmp_path_factory.mktemp("clips") / "empty.mp4", [np.roll(big, i, axis=1) for i in range(20)])


@pytest.fixture(scope="session")
def landmark_cache_dir(tmp_path_factory):
    """One landmark cache for the whole test session, shared with CLI subprocesses via the env."""
    import os

    d = tmp_path_factory.mktemp("landmark-cache")
    old = os.environ.get("HINGECHECK_CACHE")
    os.environ["HINGECHECK_CACHE"] = str(d)
    yield d
    if old is None:
        os.environ.pop("HINGECHECK_CACHE", None)
    else:
        os.environ["HINGECHECK_CACHE"] = old


@pytest.fixture(scope="session")
def sample_labels():
    import json

    return json.loads((SAMPLES / "labels.json").read_text())


@pytest.fixture(scope="session")
def sample_series(landmark_cache_dir, sample_labels):
    """The real model's landmarks of every sample clip (computed once, cached for the session)."""
    from hingecheck.pose.cache import LandmarkCache
    from hingecheck.pose.landmarker import estimate_clip

    cache = LandmarkCache(landmark_cache_dir)
    return {name: estimate_clip(SAMPLES / name, cache=cache) for name in sorted(sample_labels)}


@pytest.fixture
def xvfb():
    """A real X display (Xvfb) for window tests; its name, e.g. ":1"."""
    import os
    import subprocess

    require("Xvfb", "ffmpeg", package="xvfb ffmpeg")
    # Xvfb picks a free display itself and writes its number to -displayfd once it accepts
    # connections: choosing one here by looking for its lock file raced with another test run
    # starting its own display at the same moment (both drew on one screen).
    read, write = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=(write,),
    )
    os.close(write)
    with os.fdopen(read) as f:
        n = int(f.readline() or -1)
    if n < 0:
        proc.kill()
        raise RuntimeError("Xvfb did not start")
    yield f":{n}"
    proc.terminate()
    proc.wait(timeout=10)


def screenshot(display: str, path: Path, size: str = "1280x800") -> Path:
    """Grab the whole X screen with ffmpeg's x11grab into a PNG."""
    import subprocess

    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "ffmpeg",
            "-y",
            "-loglevel",
            "error",
            "-f",
            "x11grab",
            "-video_size",
            size,
            "-i",
            f"{display}.0",
            "-frames:v",
            "1",
            str(path),
        ],
        check=True,
        timeout=30,
    )
    return path


def wait_for_picture(display: str, path: Path, timeout: float = 90.0, size: str = "1280x800", proc=None) -> None:
    """Wait until the X screen shows a picture (not a blank or unpainted window): the model's
    start-up takes seconds, more on a busy machine, so a fixed sleep would be a race. ``proc``,
    the program expected to draw: its exit ends the wait, with what it said."""
    import time

    import cv2

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        img = cv2.imread(str(screenshot(display, path, size)))
        if img is not None and img.std() > 20:
            return
        if proc is not None and proc.poll() is not None:
            said = proc.stderr.read()[-2000:] if proc.stderr else ""
            raise AssertionError(f"the program exited ({proc.returncode}) before drawing on {display}: {said}")
        time.sleep(0.5)
    raise AssertionError(f"nothing was drawn on {display} within {timeout:.0f} s")


def replay_live(series, exercise: str) -> list:
    """Feed every frame of ``series`` to a live :class:`StreamingAnalyzer`, as the live loop does;
    the reps it closes, in order."""
    from hingecheck.core.streaming import StreamingAnalyzer

    live = StreamingAnalyzer(exercise, fps=series.fps)
    live.model_scale = series.model_scale  # as the live loop sets it once it knows the model's picture
    reps = []
    for i in range(series.n_frames):
        profile = None if series.profile is None else series.profile[i]
        st = live.push(
            series.image[i],
            series.visibility[i],
            series.world[i],
            float(series.t[i]),
            bool(series.detected[i]),
            profile,
            float("nan") if series.scene_change is None else float(series.scene_change[i]),
        )
        if st.new_rep is not None:
            reps.append(st.new_rep)
    last = live.finish()  # the stream ends, as the live loop ends it
    if last is not None:
        reps.append(last)
    return reps


#: A stand-in for the sound device (the physical part): a player and a speaker that log what
#: reaches them and take as long to play as it lasts. The speech is espeak-ng's own: its WAV's
#: length is how long the words take to say.
FAKE_PLAYER = """#!/bin/sh
cat > "$SOUND_LOG.wav"
echo "$(date +%s.%N) tone" >> "$SOUND_LOG"
sleep 0.18
"""
FAKE_SPEAKER = """#!/bin/sh
for last in "$@"; do :; done
ESPEAK "$@" -w "$SOUND_LOG.say.wav" 2>/dev/null
echo "$(date +%s.%N) say $last" >> "$SOUND_LOG"
sleep "$(soxi -D "$SOUND_LOG.say.wav")"
"""


@pytest.fixture
def sound_device(tmp_path, monkeypatch) -> Path:
    """A sound device for :class:`hingecheck.render.audio.Speaker` (also in a ``hingecheck``
    run by this test): ``paplay`` and ``espeak-ng`` on ``PATH`` that log each tone and the words
    said, one line each (``<unix time> tone`` / ``<unix time> say <words>``), to the file
    returned, taking as long as the sound lasts."""
    import os
    import shutil

    require("espeak-ng", "soxi", package="espeak-ng sox")
    bin_dir = tmp_path / "sound-bin"
    bin_dir.mkdir()
    for name, script in (("paplay", FAKE_PLAYER), ("espeak-ng", FAKE_SPEAKER)):
        (bin_dir / name).write_text(script.replace("ESPEAK", shutil.which("espeak-ng")))
        (bin_dir / name).chmod(0o755)
    log = tmp_path / "sound.log"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("SOUND_LOG", str(log))
    monkeypatch.setenv("PULSE_SERVER", "unix:/nonexistent")  # a sound server is there to play to
    return log


def close_window(display: str, window: int) -> None:
    """Send ``window`` WM_DELETE_WINDOW, as a window manager's close button does (Xlib by ctypes)."""
    import ctypes
    import ctypes.util

    class ClientMessage(ctypes.Structure):
        _fields_ = [
            ("type", ctypes.c_int),
            ("serial", ctypes.c_ulong),
            ("send_event", ctypes.c_int),
            ("display", ctypes.c_void_p),
            ("window", ctypes.c_ulong),
            ("message_type", ctypes.c_ulong),
            ("format", ctypes.c_int),
            ("data", ctypes.c_long * 5),
        ]

    class XEvent(ctypes.Union):
        _fields_ = [("xclient", ClientMessage), ("pad", ctypes.c_long * 24)]

    x = ctypes.CDLL(ctypes.util.find_library("X11"))
    x.XOpenDisplay.restype = ctypes.c_void_p
    x.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x.XInternAtom.restype = ctypes.c_ulong
    x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.POINTER(XEvent)]
    x.XFlush.argtypes = x.XCloseDisplay.argtypes = [ctypes.c_void_p]
    d = x.XOpenDisplay(display.encode())
    ev = XEvent()
    ev.xclient.type = 33  # ClientMessage
    ev.xclient.window = window
    ev.xclient.message_type = x.XInternAtom(d, b"WM_PROTOCOLS", 0)
    ev.xclient.format = 32
    ev.xclient.data[0] = x.XInternAtom(d, b"WM_DELETE_WINDOW", 0)
    x.XSendEvent(d, window, 0, 0, ctypes.byref(ev))
    x.XFlush(d)
    x.XCloseDisplay(d)
