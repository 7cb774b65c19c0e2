"""``hingecheck live`` as a user runs it (a clip played as the camera): exit codes, one-line errors,
the summary, ``--record`` and ``--mirror``, the rep counter's value, and what each window key does."""

import json
import subprocess
import sys

import av
import cv2
import numpy as np
import pytest

from hingecheck.cli.live import KEYS, LiveSession
from hingecheck.render.overlay import OverlayState, RepCounterAnnotator

from conftest import SAMPLES, sigint_heard

HC = [sys.executable, "-m", "hingecheck", "live"]


def run(*args, cwd=None):
    return subprocess.run([*HC, *args], capture_output=True, text=True, cwd=cwd, timeout=600)


def test_usage_errors_are_one_line_exit_2():
    for args in (["--camera", "0", "--source", "x.mp4"], ["--exercise", "curl", "--source", "x.mp4"]):
        r = run(*args)
        assert r.returncode == 2, r.stderr
        err = r.stderr.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error: "), r.stderr


def test_missing_clip_is_one_line_exit_1(tmp_path):
    r = run("--source", str(tmp_path / "nope.mp4"), "--no-window", "--no-audio")
    err = r.stderr.strip()
    assert r.returncode == 1 and err.startswith("error: ") and "\n" not in err and "Traceback" not in err


def _frames(path):
    with av.open(str(path)) as c:
        return [(f.time, f.to_ndarray(format="rgb24")) for f in c.decode(video=0)]


def _counter_value(frame: np.ndarray) -> int:
    """The number shown in the rep counter: the bright digit pixels matched against the digits
    0-9 drawn alone (the counter darkens what is under it, so its text is the only bright part)."""
    k = frame.shape[0] / 480.0
    box = (slice(int(40 * k), int(100 * k)), slice(int(10 * k), int(130 * k)))  # below the "REPS" label
    seen = frame[box].min(axis=2) > 200
    scores = []
    for n in range(10):
        blank = np.zeros_like(frame)
        RepCounterAnnotator().annotate(blank, OverlayState(reps=n))
        ref = blank[box].min(axis=2) > 200
        scores.append((seen & ref).sum() / max((seen | ref).sum(), 1))
    return int(np.argmax(scores))


def test_record_mirror_and_counter(tmp_path, sample_labels):
    """--record writes the annotated session; --mirror flips the picture; the counter on the last
    frame shows the number of reps the clip was rendered with."""
    name = "hinge_neutral_left.mp4"
    rec, summary = tmp_path / "rec.mp4", tmp_path / "s.json"
    r = run(
        "--source",
        str(SAMPLES / name),
        "--no-window",
        "--no-audio",
        "--mirror",
        "--record",
        str(rec),
        "--summary",
        str(summary),
    )
    assert r.returncode == 0, r.stderr
    assert "reps" in r.stdout and json.loads(summary.read_text())["source"] == str(SAMPLES / name)
    recorded, source = _frames(rec), _frames(SAMPLES / name)
    assert len(recorded) > 0.5 * len(source)  # frames the loop could not take in time are dropped
    t, mid = recorded[len(recorded) // 2]
    orig = min(source, key=lambda f: abs(f[0] - t))[1].astype(int)
    assert np.abs(mid.astype(int) - orig[:, ::-1]).mean() < 0.5 * np.abs(mid.astype(int) - orig).mean()
    assert _counter_value(recorded[-1][1]) == len(sample_labels[name]["reps"])


@pytest.fixture
def session(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # snapshots go to the working folder
    s = LiveSession(str(SAMPLES / "hinge_neutral_left.mp4"), audio=False, window=False)
    yield s
    s.speaker.close()


def test_keys(session, tmp_path):
    assert {chr(k) if k != 27 else "Esc": a for k, a in KEYS.items()} == {
        "q": "quit",
        "Esc": "quit",
        " ": "pause",
        "r": "reset",
        "m": "mirror",
        "s": "snapshot",
    }
    assert session.apply("pause") and session.paused and session.apply("pause") and not session.paused
    assert session.apply("mirror") and session.mirror
    session.analyzer.reps.append("a rep")
    assert session.apply("reset") and session.analyzer.reps == []
    shown = np.zeros((48, 64, 3), np.uint8)
    shown[:, :32] = 255
    assert session.apply("snapshot", shown)
    import cv2

    saved = cv2.imread(str(tmp_path / session.snapshots[0]))
    assert saved.shape == shown.shape and saved[:, :32].min() == 255 and saved[:, 32:].max() == 0
    assert session.apply("quit") is False
    assert session.apply(None)  # any other key does nothing


def test_paused_session_does_not_analyse(session):
    """While paused the picture keeps coming but no frame reaches the core."""
    from hingecheck.pose.landmarker import PoseEstimator, PoseSettings

    frames = list(zip(range(20), session.src.frames()))
    with PoseEstimator(None, PoseSettings()) as est:
        for _, f in frames[:10]:
            session.process(est, f, 0.0)
        assert session.frames == 10
        session.apply("pause")
        for _, f in frames[10:]:
            out = session.process(est, f, 0.0)
        assert session.frames == 10 and out.shape == f.rgb.shape


def test_a_paused_session_draws_no_stale_skeleton_and_says_it_is_paused(session):
    """Paused, the picture keeps coming while nothing is analysed: the last analysed frame's
    skeleton and angles stood still over a lifter who moved on, with nothing saying why. Now the
    picture is the camera's, untouched but for the rep counter and a line along the bottom."""
    from hingecheck.pose.landmarker import PoseEstimator, PoseSettings

    frames = [f for _, f in zip(range(81), session.src.frames())]  # the first rep's bottom at 2.7 s
    with PoseEstimator(None, PoseSettings()) as est:
        for f in frames[:40]:
            drawn = session.process(est, f, 0.0)
        h, w = drawn.shape[:2]
        middle = (slice(int(0.3 * h), int(0.8 * h)), slice(0, w))  # the lifter, below the counter
        assert (drawn[middle] != frames[39].rgb[middle]).any()  # analysed: the skeleton is drawn
        session.apply("pause")
        shown = session.process(est, frames[80], 0.0)  # bent over now
    camera = frames[80].rgb
    assert np.array_equal(shown[middle], camera[middle])
    bottom = (slice(int(0.85 * h), h), slice(0, w))
    assert (np.abs(shown[bottom].astype(int) - camera[bottom]).max(axis=2) > 100).mean() > 0.02


def test_the_session_says_rep_verdicts_and_sums_up_as_score(tmp_path, monkeypatch, sample_labels):
    """A whole session through the real loop: the verdicts said after each rep (the per-rep live
    path) and the summary (the whole session analysed) both give the rendered truth."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    name = "hinge_neutral_left.mp4"
    s = LiveSession(str(SAMPLES / name), audio=False, window=False)
    summary = s.run()
    assert [r.verdict for r in s.analyzer.reps] == sample_labels[name]["reps"]
    assert [r["verdict"] for r in summary.reps] == sample_labels[name]["reps"]
    assert summary.verdict == sample_labels[name]["verdict"]


def test_mirror_starts_a_new_set_and_the_model_scale_is_known(tmp_path):
    """Mirroring mid-session gives the model the other way round: the set starts again (the
    summary holds only the frames after it). A 1280-px clip is given to the model at 640 px, and
    the live core is told so (the trust rule reads the lifter's size as the model saw it)."""
    from hingecheck.pose.landmarker import PoseEstimator, PoseSettings

    from conftest import write_clip

    with av.open(str(SAMPLES / "hinge_neutral_left.mp4")) as c:
        frames = [cv2.resize(f.to_ndarray(format="rgb24"), (1280, 960)) for _, f in zip(range(30), c.decode(video=0))]
    clip = write_clip(tmp_path / "wide.mp4", frames)
    s = LiveSession(str(clip), audio=False, window=False)
    try:
        got = list(zip(range(30), s.src.frames()))
        with PoseEstimator(None, PoseSettings()) as est:
            for _, f in got[:10]:
                s.process(est, f, 0.0)
            assert s.analyzer.model_scale == 0.5
            s.apply("mirror")
            for _, f in got[10:]:
                s.process(est, f, 0.0)
        assert s.final_result().frames == 20 and s.analyzer.model_scale == 0.5
    finally:
        s.speaker.close()


def test_a_60fps_clip_plays_at_the_rate_score_analyses(hinge60_clip):
    """A clip above the analysis-rate cap is played live at the rate ``score`` analyses it (every
    other frame of 60 fps), so the session's summary judges the frames ``score`` would."""
    s = LiveSession(str(hinge60_clip), audio=False, window=False)
    try:
        t = [f.t for _, f in zip(range(20), s.src.frames())]
        assert s.analyzer.fps == pytest.approx(30.0, abs=0.01)
        assert np.allclose(np.diff(t), 1 / 30, atol=1e-3)
    finally:
        s.speaker.close()


@pytest.mark.parametrize("option", ["--summary", "--record"])
def test_an_output_that_is_a_folder_is_a_usage_error_before_the_session(tmp_path, option):
    folder = tmp_path / "somedir"
    folder.mkdir()
    r = run("--source", str(SAMPLES / "kb_swing.mp4"), option, str(folder), "--no-window", "--no-audio", "--no-history")
    assert r.returncode == 2 and r.stdout == "", r.stderr  # no session ran: no summary printed
    assert r.stderr.strip() == f"error: {folder}: {option} must be a file, and this is a folder"
    assert list(folder.iterdir()) == []


def test_a_summary_that_cannot_be_written_is_printed_with_one_error_line(tmp_path):
    """A file-size limit stands in for a full disk at the session's end: the summary text is still
    printed, one error line says the file was not written, exit 1."""
    import resource
    import signal

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (100, 100))

    out = tmp_path / "s.json"
    clip = SAMPLES / "empty_scene.mp4"
    r = subprocess.run(
        [*HC, "--source", str(clip), "--summary", str(out), "--no-window", "--no-audio", "--no-history"],
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=limit,
    )
    assert r.returncode == 1, r.stderr
    assert r.stdout.startswith(f"{clip}: 0 reps, verdict no_reps")
    assert r.stderr.strip() == f"error: {out}: summary not written (File too large)"
    assert list(tmp_path.iterdir()) == []


def test_a_camera_that_is_not_there_is_one_line_without_opencv_noise():
    """OpenCV logs a dozen ``[ WARN:0@...]`` lines trying its capture backends; only ours shows."""
    import os

    index = 63
    if os.path.exists(f"/dev/video{index}"):
        pytest.skip(f"/dev/video{index} exists")
    env = {k: v for k, v in os.environ.items() if k not in ("HINGECHECK_DEBUG", "OPENCV_LOG_LEVEL")}
    r = subprocess.run(
        [*HC, "--camera", str(index), "--no-window", "--no-audio", "--no-history"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr == f"error: camera {index}: cannot open (no such camera, or it is in use)\n"


def test_the_summary_says_why_there_is_no_verdict_as_score_does(tmp_path):
    """A session with no verdict on the form (no one in view) says why, in its JSON and its
    printed lines, as score's JSON does for the same clip (the summary had the verdict only)."""
    clip = SAMPLES / "empty_scene.mp4"
    out = tmp_path / "s.json"
    r = run("--source", str(clip), "--summary", str(out), "--no-window", "--no-audio", "--no-history")
    assert r.returncode == 0, r.stderr
    scored = subprocess.run(
        [sys.executable, "-m", "hingecheck", "score", str(clip), "--no-history"], capture_output=True, text=True
    )
    (c,) = json.loads(scored.stdout)["clips"]
    summary = json.loads(out.read_text())
    assert c["why"] and (summary["verdict"], summary["why"]) == (c["verdict"], c["why"])
    assert summary["warnings"] == c["warnings"]
    assert f"  why: {c['why']}" in r.stdout.splitlines()


def test_a_front_view_is_told_aloud_to_turn_side_on(sound_device, sample_labels):
    """Filmed from the front, the window asked to turn side-on, but nothing was said: the lifter,
    eyes on the floor through the hinge, did the whole set in silence and learnt only from the
    summary that no rep could be judged. The set-up cue shown is now said too."""
    name = "front_view.mp4"
    assert sample_labels[name]["verdict"] == "unusable_view"
    r = run("--source", str(SAMPLES / name), "--no-window", "--no-history")
    assert r.returncode == 0, r.stderr
    said = [line.split(" ", 2)[2] for line in sound_device.read_text().splitlines() if " say " in line]
    assert "Turn side-on to the camera" in said, said
    assert len(said) <= 3, said  # a reminder, not a chant: the clip is 13 s long


def test_a_front_view_shows_no_angles_it_cannot_measure(sample_labels):
    """From the front a hinge foreshortens toward the camera: at the bottom of front_view.mp4's
    reps (hip flexion 89 deg by the renderer's geometry) the window read 'hip 30' and 'trunk 31'
    under 'Turn side-on to the camera', numbers a lifter would believe. A front view, which the
    tool does not judge (labels: unusable_view), now shows the skeleton without angles."""
    from hingecheck.pose.landmarker import PoseEstimator, PoseSettings

    name = "front_view.mp4"
    assert sample_labels[name]["verdict"] == "unusable_view"
    truth = json.loads((SAMPLES / "truth" / "front_view.json").read_text())["frames"]
    s = LiveSession(str(SAMPLES / name), audio=False, window=False)
    shown = []  # (true hip flexion, the hip angle shown) at the bottom of the reps
    try:
        with PoseEstimator(None, PoseSettings()) as est:
            for _, f in zip(range(130), s.src.frames()):  # the first rep, bottom at 2.7 s
                s.process(est, f, 0.0)
                if truth[f.index]["hip_flexion"] > 70:
                    shown.append((truth[f.index]["hip_flexion"], OverlayState.from_frame(s._state).angles))
    finally:
        s.speaker.close()
    assert len(shown) > 10
    wrong = [(t, a["hip_flexion"]) for t, a in shown if "hip_flexion" in a and abs(a["hip_flexion"] - t) > 20]
    assert not wrong, wrong[:5]


def test_ctrl_c_ends_the_session_as_q_does(tmp_path, sample_labels):
    """With --no-window there is no window to press q in: Ctrl-C is how a camera session ends.
    It ended it with nothing printed and nothing kept (exit 130): the set was lost. Now it ends
    the session as q does: the summary printed, the session in the history, exit 0."""
    import signal
    import time

    name = "mixed_set.mp4"
    db = tmp_path / "h.sqlite3"
    proc = subprocess.Popen(
        [*HC, "--source", str(SAMPLES / name), "--no-window", "--no-audio", "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=sigint_heard,
    )
    time.sleep(9.0)  # the model loaded, a rep or two done: the clip lasts 17 s
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err[-2000:]
    head = out.splitlines()[0]
    assert head.startswith(f"{SAMPLES / name}: ") and "Traceback" not in err
    reps = int(head.split(": ")[1].split()[0])
    assert 1 <= reps < len(sample_labels[name]["reps"]), out  # the set was cut short, and kept
    listed = subprocess.run(
        [sys.executable, "-m", "hingecheck", "history", "--db", str(db), "--format", "json"],
        capture_output=True,
        text=True,
    )
    (session,) = json.loads(listed.stdout)["sessions"]
    assert session["reps"] == len(session["rep_details"]) == reps


def test_a_lifter_without_espeak_is_told_the_cues_will_not_be_spoken(tmp_path, sound_device):
    """espeak-ng is a system package pip does not install: without it the session played its
    tones and never said a cue, and nothing told the lifter, who waited for words (README: the
    cue is spoken too). Now one line says so; with espeak-ng there, no such line."""
    import os
    import shutil

    clip = str(SAMPLES / "empty_scene.mp4")
    args = [*HC, "--source", clip, "--no-window", "--no-history"]
    r = subprocess.run(args, capture_output=True, text=True, timeout=300)  # the sound device's PATH
    assert r.returncode == 0 and "note:" not in r.stderr, r.stderr
    player_only = tmp_path / "player-only"
    player_only.mkdir()
    (player_only / "paplay").symlink_to(shutil.which("paplay"))
    assert shutil.which("espeak-ng", path=str(player_only)) is None
    env = {**os.environ, "PATH": str(player_only)}
    r = subprocess.run(args, capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr
    notes = [line for line in r.stderr.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and "not spoken" in notes[0] and "espeak-ng" in notes[0], r.stderr


def test_a_clip_played_live_gets_the_exercise_its_labels_json_names(tmp_path, sample_labels):
    """``score`` judges a clip as the ``labels.json`` beside it says; ``live --source`` ignored the
    file and judged a kettlebell swing as a hinge (``auto``), with a hinge's tempo note and
    load-drift check. Now both read it, by one function (``batch.exercise_for``)."""
    name = "kb_swing.mp4"
    assert sample_labels[name]["exercise"] == "kb_swing"
    summary = tmp_path / "s.json"
    r = run("--source", str(SAMPLES / name), "--no-window", "--no-audio", "--no-history", "--summary", str(summary))
    assert r.returncode == 0, r.stderr
    assert json.loads(summary.read_text())["exercise"] == "kb_swing"


def _heard(log) -> list[tuple[str, str]]:
    """What the sound device played, in order: ("tone", "") or ("say", words)."""
    out = []
    for line in log.read_text().splitlines():
        kind, _, words = line.split(" ", 1)[1].partition(" ")
        out.append((kind, words))
    return out


def _rep_sounds(heard) -> list[str | None]:
    """Each rep's tone and the words said right after it (None: none)."""
    reps = []
    for i, (kind, _) in enumerate(heard):
        if kind == "tone":
            nxt = heard[i + 1] if i + 1 < len(heard) else ("", "")
            reps.append(nxt[1] if nxt[0] == "say" else None)
    return reps


def test_the_same_fault_in_a_row_is_not_said_in_the_same_words(sound_device, sample_labels):
    """A set with the same fault on every rep heard the same words after every rep ("Brace — flat
    back" three times): a coach varies them. The fault's cue and its registry's second phrasing
    now take turns; every rep still gets its tone (the verdict) and one short cue."""
    from hingecheck.core.faults import BY_NAME

    name = "hinge_rounded.mp4"
    reps = sample_labels[name]["reps"]
    assert reps == ["lumbar_rounding"] * 3
    r = run("--source", str(SAMPLES / name), "--no-window", "--no-history")
    assert r.returncode == 0, r.stderr
    fault = BY_NAME["lumbar_rounding"]
    assert _rep_sounds(_heard(sound_device)) == [fault.cue, fault.again, fault.cue]


def test_a_rep_cut_by_the_end_of_the_clip_is_said(tmp_path, sound_device, sample_labels):
    """hinge_rounded.mp4 stopped 0.1 s after the third rep is back up (the rendered truth: the
    hip within 1 deg of straight), before the lockout is held long enough for live to close the
    rep: the session judged that rep as it ended, after the speaker had been shut, so the lifter
    heard two reps of three. The third now gets its tone and its cue too."""
    from hingecheck.core.faults import BY_NAME

    from conftest import write_clip

    name = "hinge_rounded.mp4"
    truth = json.loads((SAMPLES / "truth" / name.replace(".mp4", ".json")).read_text())["frames"]
    third = [f for f in truth if f["rep"] == 3]
    bottom = max(range(len(third)), key=lambda i: third[i]["hip_flexion"])
    top = next(f["t"] for f in third[bottom:] if f["hip_flexion"] < 1.0)  # back up
    frames = [rgb for t, rgb in _frames(SAMPLES / name) if t < top + 0.1]
    clip = write_clip(tmp_path / "cut.mp4", frames)
    summary = tmp_path / "s.json"
    r = run("--source", str(clip), "--no-window", "--no-history", "--exercise", "hinge", "--summary", str(summary))
    assert r.returncode == 0, r.stderr
    assert [x["verdict"] for x in json.loads(summary.read_text())["reps"]] == sample_labels[name]["reps"]
    said = _rep_sounds(_heard(sound_device))
    fault = BY_NAME["lumbar_rounding"]
    assert len(said) == 3 and said[-1] in (fault.cue, fault.again), said
