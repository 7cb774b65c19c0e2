"""The hingecheck command as a user runs it: real processes, real files written and read back."""

import csv
import os
import subprocess
import sys
import zipfile

import pytest

from hingecheck import __version__
from hingecheck.core.series import PoseSeries

from conftest import SAMPLES


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "hingecheck", *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def test_help_lists_commands():
    r = run("--help")
    assert r.returncode == 0
    assert "landmarks" in r.stdout


def test_version():
    r = run("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"hingecheck {__version__}"


def test_landmarks_npz_and_csv(tmp_path, astronaut_clip):
    npz, csv_path = tmp_path / "a.npz", tmp_path / "a.csv"
    r = run("landmarks", astronaut_clip, "-o", npz, "--no-cache")
    assert r.returncode == 0, r.stderr
    assert "30 frames" in r.stdout
    assert r.stderr == ""  # the native libraries' start-up chatter stays off the terminal
    s = PoseSeries.from_npz(npz)
    assert s.n_frames == 30 and s.detected.mean() >= 0.9
    r = run("landmarks", astronaut_clip, "-o", csv_path, "--no-cache")
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(open(csv_path)))
    assert len(rows) == 30
    assert float(rows[5]["nose_x_px"]) == pytest.approx(float(s.image[5, 0, 0]), abs=1e-3)
    assert float(rows[5]["t_s"]) == pytest.approx(s.t[5], abs=1e-6)
    assert rows[5]["detected"] in ("0", "1")


@pytest.mark.parametrize(
    "make, problem",
    [
        (lambda p: None, "no such file"),
        (lambda p: p.write_bytes(b""), "empty file"),
        (lambda p: p.write_text("not a video\n" * 100), "not a readable video"),
    ],
)
def test_bad_input_is_one_line_no_traceback(tmp_path, make, problem):
    clip = tmp_path / "clip.mp4"
    make(clip)
    out = tmp_path / "o.npz"
    r = run("landmarks", clip, "-o", out, "--no-cache")
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert lines == [f"error: {clip}: {problem}" + lines[0].split(problem, 1)[1]]
    assert not out.exists() and not list(tmp_path.glob(".o.npz*"))


def test_unknown_output_format(tmp_path, astronaut_clip):
    r = run("landmarks", astronaut_clip, "-o", tmp_path / "x.txt")
    assert r.returncode == 2 and "unknown output format" in r.stderr and "Traceback" not in r.stderr


def test_model_option_bad_path(tmp_path, astronaut_clip):
    """A missing --model is a usage error (exit 2), one line, before any work."""
    r = run("landmarks", astronaut_clip, "-o", tmp_path / "x.npz", "--model", tmp_path / "nope.task", "--no-cache")
    assert r.returncode == 2 and "pose model not found" in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not (tmp_path / "x.npz").exists()


@pytest.mark.parametrize("bad", ["missing", "not a bundle", "another zip"])
def test_a_bad_model_fails_score_once_before_any_clip(tmp_path, bad):
    """Not one ``failed:`` line per clip: one usage error for the run, exit 2, nothing written.
    A zip archive that is not a pose bundle (no detector and landmark model in it) is refused too."""
    model = tmp_path / "nope.task"
    if bad == "not a bundle":
        model.write_text("not a model\n")
    elif bad == "another zip":
        with zipfile.ZipFile(model, "w") as z:
            z.writestr("hand_landmarks_detector.tflite", b"\0" * 64)
    out = tmp_path / "r.json"
    clips = [SAMPLES / "kb_swing.mp4", SAMPLES / "empty_scene.mp4"]
    r = run("score", *clips, "--model", model, "--out", out, "--jobs", "1", "--no-history")
    assert r.returncode == 2 and r.stdout == "" and not out.exists()
    problem = "pose model not found" if bad == "missing" else "not a pose model"
    assert r.stderr.startswith(f"error: {model}: {problem}") and r.stderr.count("\n") == 1, r.stderr


def test_a_bad_deadlift_table_fails_review_before_the_pose(tmp_path, astronaut_clip):
    """Without --exercise a clip may be judged as a deadlift (``auto``): a --config file whose
    [exercise.deadlift] table is wrong is a usage error at once, on any clip, not after the pose."""
    bad = tmp_path / "bad.toml"
    bad.write_text("[exercise.deadlift]\nknee_max_dg = 100.0\n")
    r = run("review", astronaut_clip, "--out", tmp_path / "out", "--config", bad, "--no-history")
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and "knee_max_dg" in r.stderr and str(bad) in r.stderr
    assert not (tmp_path / "out").exists()


def test_score_help_shows_the_ray_extra():
    """Rich markup would eat ``[ray]`` in ``pip install 'hingecheck[ray]'``."""
    r = subprocess.run(
        [sys.executable, "-m", "hingecheck", "score", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "250"},
    )
    assert r.returncode == 0 and "pip install 'hingecheck[ray]'" in r.stdout, r.stdout


@pytest.mark.parametrize("command", [[], ["live"], ["score"], ["review"], ["history"], ["history", "delete"]])
def test_help_shows_no_value_type_after_a_flag(command):
    """typer 0.29 printed ``<bool>`` after every flag (``--no-window <bool>``, ``--help <bool>``),
    as though the flag took a value. A flag's line now names no type; an option that takes a value
    keeps its type."""
    r = subprocess.run(
        [sys.executable, "-m", "hingecheck", *command, "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert r.returncode == 0, r.stderr
    assert "<bool>" not in r.stdout and "BOOLEAN" not in r.stdout, r.stdout
    help_line = next(line for line in r.stdout.splitlines() if "--help" in line)
    assert help_line.split("--help", 1)[1].split()[:1] == ["Show"], help_line
    if command == ["live"]:
        window = next(line for line in r.stdout.splitlines() if "--no-window " in line)
        assert window.split("--no-window", 1)[1].split()[:1] == ["No"], window
        source = next(line for line in r.stdout.splitlines() if "--source " in line)
        assert "<str>" in source or "TEXT" in source, source  # an option with a value keeps its type


def test_exported_landmarks_name_the_clip_asked_for_when_a_copy_is_cached(tmp_path, astronaut_clip):
    """The landmark cache is keyed by a clip's bytes, so a copy of a clip (or the clip renamed or
    moved to another folder) is a cache hit, and the exported ``.npz``'s ``source`` named the
    file that filled the cache: a lab's ``athlete2/set1.mp4`` said ``athlete1/set1.mp4``."""
    import shutil

    import numpy as np

    first, second = tmp_path / "athlete1" / "set1.mp4", tmp_path / "athlete 2 é" / "set1.mp4"
    for p in (first, second):
        p.parent.mkdir()
        shutil.copy(astronaut_clip, p)
    env = {**os.environ, "HINGECHECK_CACHE": str(tmp_path / "cache")}
    for clip in (first, second):
        r = subprocess.run(
            [sys.executable, "-m", "hingecheck", "landmarks", str(clip), "-o", str(clip.with_suffix(".npz"))],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        assert r.returncode == 0, r.stderr
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 1  # the second clip was a cache hit
    for clip in (first, second):
        with np.load(clip.with_suffix(".npz")) as z:
            assert str(z["source"]) == str(clip)


@pytest.mark.parametrize("name", ["acc.csv", "acc.jsonl"])
def test_evaluate_out_named_for_another_format_is_a_usage_error(tmp_path, name):
    """``evaluate --out`` writes JSON only; ``--out acc.csv`` wrote JSON into a ``.csv`` file.
    A known extension of another format is a usage error, one line, before any work."""
    labels = tmp_path / "labels.csv"
    labels.write_text("file,label\nmissing.mp4,good\n")
    out = tmp_path / name
    r = run("evaluate", labels, "--out", out, "--no-loso")
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip() == f"error: {out}: evaluate writes JSON; name it .json", r.stderr
    assert not out.exists()
