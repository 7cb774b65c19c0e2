"""Batch scoring as a user runs it: real clips, real processes, outputs read back."""

import contextlib
import dataclasses
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from hingecheck.cli.batch import expand_inputs

from conftest import SAMPLES, sigint_heard
from test_contract import REP_KEYS


def score(*args, env=None, timeout=600):
    return subprocess.run(
        [sys.executable, "-m", "hingecheck", "score", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def test_samples_table_json_and_labels(tmp_path, sample_series, sample_labels):
    out = tmp_path / "results.json"
    # In a terminal (script gives the command a pseudo-terminal): progress, then a table.
    shell = f"{sys.executable} -m hingecheck score {SAMPLES} --out {out} --jobs 2"
    r = subprocess.run(["script", "-qec", shell, "/dev/null"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:]
    assert "hingecheck score" in r.stdout and "verdict" in r.stdout and "hinge_rounded" in r.stdout
    data = json.loads(out.read_text())
    assert data["schema"] == 2
    got = {os.path.basename(c["file"]): c for c in data["clips"]}
    assert set(got) == set(sample_labels)
    for name, lab in sample_labels.items():
        c = got[name]
        assert c["status"] == "ok" and c["exercise"] == lab["exercise"]
        assert c["verdict"] == lab["verdict"], name
        assert [rep["verdict"] for rep in c["reps"]] == lab["reps"], name
        for rep in c["reps"]:
            assert set(rep) >= set(REP_KEYS)  # the layout test_contract pins


def test_bad_files_reported_and_skipped(tmp_path, sample_series):
    folder = tmp_path / "clips"
    folder.mkdir()
    for name in ("hinge_neutral_right.mp4", "hinge_squatty.mp4"):
        shutil.copy(SAMPLES / name, folder / name)
    good = (SAMPLES / "hinge_rounded.mp4").read_bytes()
    (folder / "corrupt.mp4").write_bytes(good[:2000] + os.urandom(5000))
    (folder / "empty.mp4").write_bytes(b"")
    (folder / "notes.mp4").write_text("these are my training notes, not a video\n" * 20)
    out = tmp_path / "r.json"
    r = score(folder, "--out", out, "--exercise", "hinge")
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    clips = {os.path.basename(c["file"]): c for c in json.loads(out.read_text())["clips"]}
    assert {n for n, c in clips.items() if c["status"] == "ok"} == {"hinge_neutral_right.mp4", "hinge_squatty.mp4"}
    bad = {n: c["error"] for n, c in clips.items() if c["status"] == "error"}
    assert set(bad) == {"corrupt.mp4", "empty.mp4", "notes.mp4"}
    for name, err in bad.items():
        assert name not in err and "\n" not in err  # the row's file column names it
        assert r.stderr.splitlines().count(f"error: {folder / name}: {err}") == 1  # one line per failed clip
    assert "failed:" not in r.stderr and "scored 2 of 5 clips, 3 failed" in r.stderr
    assert "empty file" in bad["empty.mp4"]


def test_usage_errors_exit_2(tmp_path):
    assert score(SAMPLES / "hinge_squatty.mp4", "--exercise", "bench").returncode == 2
    assert score(SAMPLES / "hinge_squatty.mp4", "--format", "xml").returncode == 2
    assert score(SAMPLES / "hinge_squatty.mp4", "--resume").returncode == 2
    r = score(SAMPLES / "hinge_squatty.mp4", "--config", tmp_path / "missing.toml")
    assert r.returncode == 2 and "no such config file" in r.stderr and "Traceback" not in r.stderr


def test_jsonl_resume_and_csv(tmp_path, sample_series):
    out = tmp_path / "r.jsonl"
    first = ["hinge_neutral_right.mp4", "hinge_squatty.mp4"]
    r = score(*(SAMPLES / n for n in first), "--out", out, "--exercise", "hinge")
    assert r.returncode == 0, r.stderr
    lines = out.read_text().splitlines()
    assert len(lines) == 2
    # Resume with a third clip and another exercise: the finished two are kept as they were.
    r = score(
        *(SAMPLES / n for n in first + ["hinge_rounded.mp4"]), "--out", out, "--resume", "--exercise", "good_morning"
    )
    assert r.returncode == 0, r.stderr
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    names = [os.path.basename(x["file"]) for x in rows]
    assert sorted(names[:2]) == sorted(first) and names[2] == "hinge_rounded.mp4"  # lines in finishing order
    assert [x["exercise"] for x in rows] == ["hinge", "hinge", "good_morning"]
    csv_out = tmp_path / "r.csv"
    assert score(SAMPLES / "mixed_set.mp4", "--out", csv_out).returncode == 0
    import csv

    reps = list(csv.DictReader(open(csv_out)))
    assert [x["rep_verdict"] for x in reps] == ["neutral", "lumbar_rounding", "neutral", "squatty_hinge"]
    assert (tmp_path / "r.clips.csv").exists()


def test_ctrl_c_keeps_finished_results(tmp_path, empty_clip):
    """SIGINT after the first result is on disk: that result is kept, exit code 130.

    Deterministic, not a race: the second clip is 3000 frames of pose inference (over a minute
    on this machine) while the first (20 frames) is done in a second, so the signal always lands
    while the second clip is being scored."""
    long_clip = _long_clip(tmp_path / "long.mp4")
    out = tmp_path / "r.jsonl"
    env = {**os.environ, "HINGECHECK_CACHE": str(tmp_path / "cold-cache")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hingecheck",
            "score",
            str(empty_clip),
            str(long_clip),
            "--out",
            str(out),
            "--jobs",
            "1",
            "--exercise",
            "hinge",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=sigint_heard,
    )
    deadline = time.time() + 120
    while time.time() < deadline and not (out.exists() and out.read_text().count("\n") >= 1):
        time.sleep(0.05)
    assert proc.poll() is None, "the long clip finished before the signal: the test lost its point"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted: 1 of 2 clips finished and kept" in err
    assert "scored" not in err  # no "scored 1 of 1 clips" contradicting it
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(rows) == 1 and rows[0]["status"] == "ok" and rows[0]["file"].endswith("empty.mp4")


def test_expand_inputs(tmp_path):
    (tmp_path / "a.mp4").write_bytes(b"x")
    (tmp_path / "b.MOV").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.mkv").write_bytes(b"x")
    flat, problems = expand_inputs([str(tmp_path)])
    assert [os.path.basename(p) for p in flat] == ["a.mp4", "b.MOV"] and not problems
    deep, _ = expand_inputs([str(tmp_path)], recursive=True)
    assert sorted(os.path.basename(p) for p in deep) == ["a.mp4", "b.MOV", "c.mkv"]
    globbed, _ = expand_inputs([str(tmp_path / "*.mp4"), str(tmp_path / "a.mp4")])
    assert len(globbed) == 1  # duplicates dropped
    for i in range(3):
        (tmp_path / f"s_{i}.jpg").write_bytes(b"")
    images = str(tmp_path / "s_*.jpg")
    assert expand_inputs([images])[0] == [images]  # a glob of images is one clip, as review reads it
    mixed, _ = expand_inputs([str(tmp_path / "*")])  # videos, images and notes: one clip a file
    assert len(mixed) == 6 and images not in mixed
    _, problems = expand_inputs([str(tmp_path / "*.avi")])
    assert problems and "no files match" in problems[0]


def test_an_image_glob_is_one_clip_as_review_reads_it(tmp_path, astronaut):
    """A quoted glob whose files are all images is one clip, read as review reads it, with the
    pattern globbed once (it was globbed a second time, at any depth and counting the folders it
    matched: a pattern that also matched a folder, ``shots/*`` beside ``shots/old/``, was one
    clip per image, each scored as a one-frame clip, while review read it as one clip). Videos
    still list one clip a file, and ``**`` reaches sub-folders with --recursive only. The real
    command on three real photos and a folder: one clip of three frames."""
    import cv2

    from hingecheck.pose.sources import open_source

    shots = tmp_path / "shots"
    (shots / "old").mkdir(parents=True)
    for i in range(3):
        cv2.imwrite(str(shots / f"s{i}.png"), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    cv2.imwrite(str(shots / "old" / "s9.png"), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    every, deep = str(shots / "*"), str(shots / "**" / "*.png")
    assert expand_inputs([every]) == ([every], [])
    assert len(list(open_source(every).frames())) == 3  # review's clip: the three images, the folder left out
    assert expand_inputs([deep]) == ([deep], [])  # old/s9.png, one level down, is an image too
    assert expand_inputs([deep], recursive=True) == ([deep], [])
    (shots / "clip.mp4").write_bytes(b"x")
    assert expand_inputs([every]) == ([str(shots / n) for n in ("clip.mp4", "s0.png", "s1.png", "s2.png")], [])
    (shots / "clip.mp4").unlink()
    (shots / "old" / "clip.mp4").write_bytes(b"x")
    assert expand_inputs([str(shots / "**" / "*.mp4")]) == ([str(shots / "old" / "clip.mp4")], [])
    assert expand_inputs([str(shots / "*" / "*.mp4")], recursive=True) == ([str(shots / "old" / "clip.mp4")], [])
    out = tmp_path / "r.json"
    r = score(every, "--out", out, "--no-history", "--exercise", "hinge")
    assert r.returncode == 0, r.stderr
    (clip,) = json.loads(out.read_text())["clips"]
    assert clip["file"] == every and clip["frames"] == 3


def test_ray_engine_matches_local(tmp_path, sample_series):
    pytest.importorskip("ray")
    clips = [SAMPLES / n for n in ("hinge_rounded.mp4", "deadlift_hips_rise_first.mp4")]
    local, ray_out = tmp_path / "local.json", tmp_path / "ray.json"
    assert score(*clips, "--out", local).returncode == 0
    r = score(*clips, "--out", ray_out, "--engine", "ray", "--jobs", "2")
    assert r.returncode == 0, r.stderr[-3000:]

    def key(path):
        return sorted(
            (c["file"], c["verdict"], json.dumps(c["reps"], sort_keys=True))
            for c in json.loads(path.read_text())["clips"]
        )

    assert key(local) == key(ray_out)


def _long_clip(path, frames=3000):
    from conftest import write_clip

    rng = np.random.default_rng(1)
    noise = np.kron((rng.random((12, 16, 3)) * 255).astype(np.uint8), np.ones((10, 10, 1), np.uint8))
    return write_clip(path, (np.roll(noise, i, axis=1) for i in range(frames)))


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_clip_over_the_timeout_is_reported_and_skipped(tmp_path, empty_clip, jobs):
    long_clip = _long_clip(tmp_path / "long.mp4")
    out = tmp_path / "r.jsonl"
    env = {**os.environ, "HINGECHECK_CACHE": str(tmp_path / "cache")}
    r = score(long_clip, empty_clip, "--out", out, "--jobs", jobs, "--timeout", "3", env=env)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    rows = {os.path.basename(x["file"]): x for x in map(json.loads, out.read_text().splitlines())}
    assert rows["long.mp4"]["status"] == "error" and "timed out after 3 s" in rows["long.mp4"]["error"]
    assert rows["empty.mp4"]["status"] == "ok"


def test_a_worker_crash_loses_only_its_clip(tmp_path, empty_clip, sample_series):
    """A worker killed mid-batch (as a native abort kills it) breaks the process pool: the clips
    it took down are re-run one by one, only the one that crashes again is reported."""
    clips = [tmp_path / "crash-me.mp4", SAMPLES / "hinge_rounded.mp4", SAMPLES / "hinge_squatty.mp4", empty_clip]
    shutil.copy(empty_clip, clips[0])
    out = tmp_path / "r.jsonl"
    env = {**os.environ, "HINGECHECK_TEST_ABORT_ON": "crash-me"}
    r = score(*clips, "--out", out, "--jobs", "2", env=env)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    rows = {os.path.basename(x["file"]): x for x in map(json.loads, out.read_text().splitlines())}
    assert set(rows) == {"crash-me.mp4", "hinge_rounded.mp4", "hinge_squatty.mp4", "empty.mp4"}
    assert rows["crash-me.mp4"]["status"] == "error" and "crashed" in rows["crash-me.mp4"]["error"]
    assert (
        rows["hinge_rounded.mp4"]["verdict"] == "lumbar_rounding"
        and rows["hinge_squatty.mp4"]["verdict"] == "squatty_hinge"
    )


def test_workers_live_for_the_whole_batch(tmp_path, empty_clip):
    """Five clips on two workers: every clip scored by one of at most two processes (spawned and
    imported once each, not once per clip)."""
    clips = [shutil.copy(empty_clip, tmp_path / f"clip{i}.mp4") for i in range(5)]
    log, out = tmp_path / "workers.log", tmp_path / "r.jsonl"
    env = {**os.environ, "HINGECHECK_TEST_WORKER_LOG": str(log)}
    r = score(*clips, "--out", out, "--jobs", "2", "--no-cache", "--exercise", "hinge", env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    rows = [line.split() for line in log.read_text().splitlines()]
    assert sorted(name for _, name in rows) == [f"clip{i}.mp4" for i in range(5)]
    assert len({pid for pid, _ in rows}) <= 2
    assert len(out.read_text().splitlines()) == 5


def test_a_hung_clip_is_killed_and_the_batch_goes_on(tmp_path, empty_clip):
    """A clip stuck where the worker's own deadline cannot fire (inside a native call) is killed
    with its worker after --timeout and a grace, reported, and the other clips are scored."""
    clips = [shutil.copy(empty_clip, tmp_path / name) for name in ("hang-me.mp4", "a.mp4", "b.mp4", "c.mp4")]
    out = tmp_path / "r.jsonl"
    env = {**os.environ, "HINGECHECK_TEST_HANG_ON": "hang-me"}
    r = score(*clips, "--out", out, "--jobs", "2", "--timeout", "2", "--no-cache", "--exercise", "hinge", env=env)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr[-2000:]
    assert "hang-me.mp4: timed out after 2 s" in r.stderr
    rows = {os.path.basename(x["file"]): x for x in map(json.loads, out.read_text().splitlines())}
    assert rows["hang-me.mp4"]["status"] == "error" and "timed out after 2 s" in rows["hang-me.mp4"]["error"]
    assert all(rows[n]["status"] == "ok" for n in ("a.mp4", "b.mp4", "c.mp4"))


def test_a_second_pass_over_a_clip_gets_its_own_timeout(monkeypatch):
    """The closer look (pose/closer.py) runs the model over a clip a second time, and its progress
    starts again from 0: the parent's clock for the clip's --timeout starts again, the clip counts
    as being inferred again (so a stuck second pass is still killed), and its frames are counted;
    in the worker, the deadline is re-armed."""
    import hingecheck.cli.batch as batch

    import stick

    class Conn:
        def __init__(self, msgs):
            self.msgs = list(msgs)

        def poll(self):
            return bool(self.msgs)

        def recv(self):
            return self.msgs.pop(0)

    class Proc:
        pid = 1

    job = batch.ScoreJob(path="far.mp4", exercise="deadlift", timeout_s=10.0)
    w = batch._Worker(Proc(), Conn([("progress", 0, None), ("progress", 100, 100)]), job)
    state = batch.Progress(total=1)
    batch._receive(w, state)
    assert w.posed and state.frames == 100
    w.since -= 8.0  # the first pass took 8 of the 10 s
    w.conn = Conn([("progress", 16, 100)])
    batch._receive(w, state)
    assert not w.posed and not w.overdue(time.monotonic() + 9.0) and w.overdue(time.monotonic() + 16.0)
    assert state.frames == 116

    restarts = []

    @contextlib.contextmanager
    def deadline(seconds):
        yield lambda: restarts.append(seconds)

    def estimate(path, progress=None, **kw):
        for done in (50, 100, 16, 100):  # two passes
            progress(done, 100)
        return stick.series(np.zeros(5), np.zeros(5), np.zeros(5))

    monkeypatch.setattr(batch, "_deadline", deadline)
    monkeypatch.setattr("hingecheck.pose.landmarker.estimate_clip", estimate)
    batch.score_clip(dataclasses.replace(job, use_cache=False))
    assert restarts == [10.0]


def test_without_exercise_a_pull_from_the_floor_is_scored_as_a_deadlift(tmp_path, sample_series, sample_labels):
    """Clips copied away from their labels.json and scored without ``--exercise``: the rendered
    kettlebell deadlift (labelled ``deadlift``, neutral) is judged as a deadlift, not as a squatty
    hinge; the rendered squatty hinge stays a hinge and keeps its fault (truth: labels.json)."""
    folder = tmp_path / "unlabelled"
    folder.mkdir()
    names = ("deadlift_kettlebell.mp4", "hinge_squatty.mp4")
    for name in names:
        shutil.copy(SAMPLES / name, folder / name)
    out = tmp_path / "r.json"
    r = score(folder, "--out", out, "--no-history")
    assert r.returncode == 0, r.stderr
    clips = {os.path.basename(c["file"]): c for c in json.loads(out.read_text())["clips"]}
    for name in names:
        assert clips[name]["exercise"] == sample_labels[name]["exercise"]
        assert clips[name]["verdict"] == sample_labels[name]["verdict"]
    assert any("exercise chosen: deadlift" in w for w in clips["deadlift_kettlebell.mp4"]["warnings"])


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_out_through_a_symlink_writes_its_target_and_keeps_the_link(tmp_path, landmark_cache_dir, fmt):
    (tmp_path / "shared").mkdir()
    real = tmp_path / "shared" / f"real.{fmt}"
    real.write_text("old\n")
    link = tmp_path / f"link.{fmt}"
    link.symlink_to(f"shared/real.{fmt}")
    r = score(SAMPLES / "kb_swing.mp4", "--out", link, "--jobs", "1", "--no-history")
    assert r.returncode == 0, r.stderr
    assert link.is_symlink() and os.readlink(link) == f"shared/real.{fmt}"
    text = real.read_text()
    clip = json.loads(text)["clips"][0] if fmt == "json" else json.loads(text.splitlines()[0])
    assert clip["status"] == "ok" and clip["file"].endswith("kb_swing.mp4")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link." + fmt, "shared"]


def test_out_to_a_fifo_is_written_through(tmp_path, landmark_cache_dir):
    fifo = tmp_path / "results.json"
    os.mkfifo(fifo)
    proc = subprocess.Popen(
        [sys.executable, "-m", "hingecheck", "score", str(SAMPLES / "kb_swing.mp4"), "--out", str(fifo)]
        + ["--jobs", "1", "--no-history"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with open(fifo, encoding="utf-8") as fh:  # the reader the score run writes to
        data = json.loads(fh.read())
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    assert data["clips"][0]["status"] == "ok"
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and [p.name for p in tmp_path.iterdir()] == ["results.json"]


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_an_out_that_is_a_folder_is_a_usage_error_before_any_work(tmp_path, fmt):
    """Nothing is scored (no totals line), one line, exit 2; for csv also the .clips.csv beside it."""
    folder = tmp_path / ("somedir" if fmt == "json" else "r.clips.csv")
    folder.mkdir()
    out = folder if fmt == "json" else tmp_path / "r.csv"
    r = score(SAMPLES / "kb_swing.mp4", "--out", out, "--format", fmt, "--jobs", "1", "--no-history")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.strip() == f"error: {folder}: --out must be a file, and this is a folder"
    assert list(folder.iterdir()) == [] and sorted(tmp_path.iterdir()) == [folder]


def test_an_out_under_a_file_is_a_usage_error_before_any_work(tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    r = score(SAMPLES / "kb_swing.mp4", "--out", blocker / "r.json", "--jobs", "1", "--no-history")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.strip() == f"error: {blocker / 'r.json'}: cannot write there ({blocker} is not a folder)"


@pytest.mark.parametrize(
    "command, args, message",
    [
        ("score", ["--max-width", "-3"], "--max-width must be 0 (full size) or more pixels"),
        ("review", ["--max-width", "-3", "--no-history"], "--max-width must be 0 (full size) or more pixels"),
        ("score", ["--jobs", "-1"], "--jobs must be 1 or more worker processes (0 = one per core)"),
    ],
)
def test_negative_sizes_and_counts_are_one_line_usage_errors(tmp_path, command, args, message):
    r = subprocess.run(
        [sys.executable, "-m", "hingecheck", command, str(SAMPLES / "kb_swing.mp4"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert r.returncode == 2 and r.stdout == "" and r.stderr == f"error: {message}\n"
    assert list(tmp_path.iterdir()) == []  # review wrote no folder


def test_resume_compares_clip_paths_after_resolving(tmp_path, landmark_cache_dir):
    """A clip scored as typed relative to its folder is not scored again when typed as an absolute
    path from another folder (a relative path in --out is looked for from there and from --out's
    folder); the output keeps each path as it was written."""
    here, elsewhere = tmp_path / "clips", tmp_path / "elsewhere"
    (here / "sub").mkdir(parents=True)
    elsewhere.mkdir()
    shutil.copy(SAMPLES / "kb_swing.mp4", here / "sub" / "kb_swing.mp4")
    shutil.copy(SAMPLES / "empty_scene.mp4", here / "empty_scene.mp4")
    out = here / "r.jsonl"

    def run(cwd, *clips):
        r = subprocess.run(
            [sys.executable, "-m", "hingecheck", "score", *clips, "--out", str(out), "--resume"]
            + ["--jobs", "1", "--no-history"],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=cwd,
        )
        assert r.returncode == 0, r.stderr
        return [json.loads(x)["file"] for x in out.read_text().splitlines()]

    assert run(here, "sub/kb_swing.mp4") == ["sub/kb_swing.mp4"]
    absolute = str(here / "sub" / "kb_swing.mp4")
    assert run(elsewhere, absolute) == ["sub/kb_swing.mp4"]  # not scored twice
    assert run(elsewhere, absolute, str(here / "empty_scene.mp4")) == [
        "sub/kb_swing.mp4",
        str(here / "empty_scene.mp4"),
    ]
    assert run(here, "./empty_scene.mp4", "sub/../sub/kb_swing.mp4") == [
        "sub/kb_swing.mp4",
        str(here / "empty_scene.mp4"),
    ]


def test_one_clip_typed_two_ways_is_scored_once(tmp_path, monkeypatch):
    """``score clip.mp4 ./clip.mp4 /abs/clip.mp4 .`` scores the clip once, as first typed (it was
    scored, written and kept in the history three times); a link to it stays a clip of its own."""
    shutil.copy(SAMPLES / "hinge_squatty.mp4", tmp_path / "clip.mp4")
    (tmp_path / "link.mp4").symlink_to(tmp_path / "clip.mp4")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    clips, problems = expand_inputs(["clip.mp4", "./clip.mp4", str(tmp_path / "clip.mp4"), ".", "sub/../clip.mp4"])
    assert clips == ["clip.mp4", "link.mp4"] and not problems
    r = subprocess.run(
        [sys.executable, "-m", "hingecheck", "score", "clip.mp4", "./clip.mp4", str(tmp_path / "clip.mp4")]
        + ["--no-history", "--format", "jsonl"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    assert [json.loads(line)["file"] for line in r.stdout.splitlines()] == ["clip.mp4"]


def test_json_and_csv_list_clips_in_the_inputs_order_not_as_they_finish(tmp_path, landmark_cache_dir):
    """A data person reads the same folder's table twice and expects the same rows in the same
    order: the folder's clips by name, as they were found. On two workers the clips finished in
    any order (the longest is started first and an empty file fails at once), and the JSON and
    both CSV files listed them as they finished: ``b_empty.mp4`` before ``a_lift.mp4``."""
    folder = tmp_path / "lab"
    folder.mkdir()
    shutil.copy(SAMPLES / "hinge_neutral_right.mp4", folder / "a_lift.mp4")
    (folder / "b_empty.mp4").write_bytes(b"")
    (folder / "c_notes.mp4").write_text("not a video\n")
    names = ["a_lift.mp4", "b_empty.mp4", "c_notes.mp4"]  # sorted by name: the order of the folder's listing
    import csv

    for fmt in ("json", "csv"):
        out = tmp_path / f"r.{fmt}"
        r = score(folder, "--out", out, "--jobs", "2", "--no-history", "--exercise", "hinge")
        assert r.returncode == 1, r.stderr  # two bad files
        if fmt == "json":
            files = [c["file"] for c in json.loads(out.read_text())["clips"]]
        else:
            files = [row["file"] for row in csv.DictReader(open(tmp_path / "r.clips.csv", encoding="utf-8"))]
            reps = [row["file"] for row in csv.DictReader(open(out, encoding="utf-8"))]
            assert [os.path.basename(f) for f in dict.fromkeys(reps)] == names, reps
        assert [os.path.basename(f) for f in files] == names, (fmt, files)


def test_a_clip_that_failed_has_no_frame_rate_or_detection_share(tmp_path):
    """A file that could not be read has no frame count, frame rate or share of frames with the
    lifter: they are unknown (JSON null, an empty CSV cell), as README says of every unknown value.
    They were 0, 0.0 and 0.0, so a lab's mean ``fps`` or ``detected_fraction`` over a results table
    counted every broken file as a 0-fps clip where no one was seen."""
    import csv

    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "notes.mp4").write_text("not a video\n")
    clips = [tmp_path / "empty.mp4", tmp_path / "notes.mp4", tmp_path / "missing.mp4"]
    out = tmp_path / "r.json"
    r = score(*clips, "--out", out, "--no-history")
    assert r.returncode == 1, r.stderr
    got = json.loads(out.read_text())["clips"]
    assert [c["status"] for c in got] == ["error"] * 3
    for c in got:
        assert (c["frames"], c["fps"], c["detected_fraction"]) == (None, None, None), c
    r = score(*clips, "--out", tmp_path / "r.csv", "--no-history")
    assert r.returncode == 1, r.stderr
    for name in ("r.csv", "r.clips.csv"):
        for row in csv.DictReader(open(tmp_path / name, encoding="utf-8")):
            assert (row["frames"], row["fps"], row["detected_fraction"]) == ("", "", ""), (name, row)


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_a_run_whose_engine_cannot_start_leaves_the_last_output_as_it_was(tmp_path, landmark_cache_dir, fmt):
    """``--engine ray`` with a cluster address that cannot be reached is a usage error (exit 2),
    and no clip is scored, so the results of the last run in ``--out`` must still be there. They
    were replaced by an empty output: ``{"schema": 2, "clips": []}``, a CSV of headers, an empty
    JSON Lines file (opened, and emptied, before the engine started)."""
    out = tmp_path / f"r.{fmt}"
    r = score(SAMPLES / "hinge_squatty.mp4", "--out", out, "--no-history", "--exercise", "hinge")
    assert r.returncode == 0, r.stderr
    files = [out] + ([tmp_path / "r.clips.csv"] if fmt == "csv" else [])
    before = {p: p.read_bytes() for p in files}
    assert all(b"hinge_squatty.mp4" in b for b in before.values())
    r = score(
        SAMPLES / "hinge_squatty.mp4", "--out", out, "--no-history", "--engine", "ray", "--ray-address", "bogus://x"
    )
    assert r.returncode == 2, r.stderr
    assert "error: ray: cannot start or reach the cluster" in r.stderr and "Traceback" not in r.stderr
    assert {p: p.read_bytes() for p in files} == before


def test_a_folder_scored_without_recursive_says_what_its_sub_folders_hold(tmp_path):
    """A lab's tree (``lab/`` with a clip, ``lab/athlete2/day1/`` with two more) scored from its
    top without ``--recursive``: the top's clip is scored and a note says how many video files the
    sub-folders hold and how to score them (they were left out without a word). The note does not
    change the exit code; with ``--recursive`` there is none."""
    lab = tmp_path / "lab"
    (lab / "athlete2" / "day1").mkdir(parents=True)
    (lab / "top.mp4").write_bytes(b"")  # fails at once: no model needed for this test
    (lab / "athlete2" / "day1" / "a.mp4").write_bytes(b"")
    (lab / "athlete2" / "day1" / "b.MOV").write_bytes(b"")
    (lab / "athlete2" / "day1" / "notes.txt").write_text("not a clip")
    out = tmp_path / "r.json"
    r = score(lab, "--out", out, "--no-history")
    assert r.returncode == 1 and "Traceback" not in r.stderr  # the empty top.mp4
    assert [os.path.basename(c["file"]) for c in json.loads(out.read_text())["clips"]] == ["top.mp4"]
    notes = [line for line in r.stderr.splitlines() if line.startswith("note: ")]
    assert notes == [f"note: {lab}: 2 video files in sub-folders not scored (--recursive scores them)"], r.stderr
    r = score(lab, "--out", out, "--no-history", "--recursive")
    assert len(json.loads(out.read_text())["clips"]) == 3 and "note: " not in r.stderr


def test_jsonl_to_a_pipe_gives_each_clip_as_it_finishes(tmp_path):
    """``score ... --format jsonl | consumer``: README says JSON Lines is written one clip per line
    as clips finish, but without ``--out`` every line came at the end of the batch, so a consumer
    of the pipe waited for the whole batch (and a batch that died printed nothing). Here the empty
    file's line must arrive while the real clip (inferred from a cold cache: seconds) is still
    being scored, and the summary stays on stderr."""
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    env = {**os.environ, "HINGECHECK_CACHE": str(tmp_path / "cold-cache")}
    cmd = [sys.executable, "-m", "hingecheck", "score", str(empty), str(SAMPLES / "hinge_squatty.mp4")]
    proc = subprocess.Popen(
        [*cmd, "--format", "jsonl", "--jobs", "1", "--no-history", "--exercise", "hinge"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    first = json.loads(proc.stdout.readline())
    got_first = time.monotonic()
    second = json.loads(proc.stdout.readline())
    gap = time.monotonic() - got_first
    rest, err = proc.communicate(timeout=600)
    assert proc.returncode == 1, err  # the empty file
    assert (first["status"], second["status"]) == ("error", "ok") and rest == ""
    assert gap > 1.0, f"both lines came together ({gap:.2f} s apart): the first was held back"
    assert "scored 1 of 2 clips, 1 failed" in err


def test_jsonl_to_a_pipe_closed_early_is_one_line(tmp_path):
    """``score ... --format jsonl | head -1``: the reader goes away after the first clip, and the
    next line's write fails: one line naming stdout, never a traceback or 'Exception ignored'."""
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    env = {**os.environ, "HINGECHECK_CACHE": str(tmp_path / "cold-cache")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "hingecheck", "score", str(empty), str(SAMPLES / "hinge_squatty.mp4")]
        + ["--format", "jsonl", "--jobs", "1", "--no-history"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert json.loads(proc.stdout.readline())["status"] == "error"
    proc.stdout.close()  # as head does after its line; the real clip is still being scored
    err = proc.stderr.read()
    proc.wait(timeout=600)
    assert proc.returncode == 1 and "Traceback" not in err and "Exception ignored" not in err, err
    assert [ln for ln in err.splitlines() if ln.startswith("error: ")] == [
        f"error: {empty}: empty file",
        "error: stdout: cannot write (Broken pipe)",
    ], err


@pytest.mark.parametrize(
    "name, fmt", [("r.csv", "json"), ("r.json", "csv"), ("r.jsonl", "json"), ("r.CSV", "jsonl"), ("r.json", "jsonl")]
)
def test_a_format_that_contradicts_the_out_extension_is_a_usage_error(tmp_path, name, fmt):
    """``-o r.csv -f json`` wrote JSON into a file named ``.csv`` (and ``-f csv`` its clip table
    beside it): a reader going by the name gets the wrong format. A ``--format`` that contradicts a
    known ``--out`` extension (.json, .jsonl, .csv) is a usage error, one line naming both, before
    any work, and nothing is written."""
    (tmp_path / "bad.mp4").write_bytes(b"")  # fails at once if it were scored: no model needed
    out = tmp_path / name
    r = score(tmp_path / "bad.mp4", "--out", out, "--format", fmt, "--no-history")
    assert r.returncode == 2, r.stderr
    suffix = name.rsplit(".", 1)[1]
    assert r.stderr.strip() == f"error: {out}: --format {fmt} contradicts its .{suffix} extension", r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.mp4"]


@pytest.mark.parametrize("name, fmt", [("r.txt", "csv"), ("r.csv", "csv"), ("r.JSON", "json"), ("results", "jsonl")])
def test_a_format_that_agrees_with_or_names_an_unknown_extension_is_written(tmp_path, name, fmt):
    """An extension that says nothing of the format (``.txt``, none) takes ``--format`` as asked,
    and one that agrees (in any case) is fine: only a contradiction is refused."""
    (tmp_path / "bad.mp4").write_bytes(b"")
    out = tmp_path / name
    r = score(tmp_path / "bad.mp4", "--out", out, "--format", fmt, "--no-history")
    assert r.returncode == 1, r.stderr  # the empty clip, reported
    text = out.read_text()
    if fmt == "json":
        assert json.loads(text)["clips"][0]["status"] == "error"
    elif fmt == "jsonl":
        assert json.loads(text.splitlines()[0])["status"] == "error"
    else:
        assert text.startswith("file,status,error,")


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_a_failed_clips_error_says_the_problem_not_the_path_again(tmp_path, fmt):
    """A failed clip's row has its path in ``file``; its ``error`` repeated it (``"/x/empty.mp4:
    empty file"``), so a table of errors read the path twice and grouping rows by problem split
    them by file. The row's ``error`` is the problem alone, in JSON, JSON Lines and CSV; the
    ``error:`` line on stderr still names the file."""
    import csv

    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "notes.mp4").write_text("these are my training notes, not a video\n" * 20)
    clips = [tmp_path / "empty.mp4", tmp_path / "notes.mp4", tmp_path / "missing.mp4"]
    out = tmp_path / f"r.{fmt}"
    r = score(*clips, "--out", out, "--no-history")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    if fmt == "json":
        rows = json.loads(out.read_text())["clips"]
    elif fmt == "jsonl":
        rows = [json.loads(line) for line in out.read_text().splitlines()]
    else:
        rows = list(csv.DictReader(open(out, encoding="utf-8")))
        rows += list(csv.DictReader(open(tmp_path / "r.clips.csv", encoding="utf-8")))
    assert len(rows) == (6 if fmt == "csv" else 3)
    errors = {}
    for row in rows:
        assert row["status"] == "error" and "mp4" not in row["error"] and str(tmp_path) not in row["error"], row
        errors.setdefault(os.path.basename(row["file"]), set()).add(row["error"])
    assert errors["empty.mp4"] == {"empty file"} and errors["missing.mp4"] == {"no such file"}, errors
    (notes,) = errors["notes.mp4"]
    assert notes.startswith("not a readable video"), notes
    said = sorted(line for line in r.stderr.splitlines() if line.startswith("error: "))
    assert said == sorted(
        [f"error: {tmp_path / 'empty.mp4'}: empty file", f"error: {tmp_path / 'notes.mp4'}: {notes}"]
        + [f"error: {tmp_path / 'missing.mp4'}: no such file"]
    ), r.stderr


def test_a_failed_clip_typed_with_dots_still_has_its_path_left_out_of_the_error(tmp_path, monkeypatch):
    """The reader names a clip as ``pathlib`` writes it (``./x/empty.mp4`` as ``x/empty.mp4``);
    the row's ``error`` is still the problem alone."""
    from hingecheck.cli.batch import ScoreJob, score_clip

    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "empty.mp4").write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    for typed in ("./x/empty.mp4", "x//empty.mp4", str(tmp_path / "x" / "empty.mp4")):
        got = score_clip(ScoreJob(path=typed, use_cache=False))
        assert (got["file"], got["status"], got["error"]) == (typed, "error", "empty file")


@pytest.mark.parametrize("asked", [None, "auto", "deadlift"])
def test_a_failed_clip_has_no_exercise(tmp_path, asked):
    """A clip that could not be read was judged as no exercise, but its ``exercise`` was the one
    asked for: ``auto`` (which reads as if ``auto`` were a result: README says the result's
    ``exercise`` says which profile ``auto`` chose) or the ``--exercise`` given. It is unknown,
    ``null`` (an empty CSV cell), as the failed clip's frame count and frame rate are."""
    import csv

    (tmp_path / "empty.mp4").write_bytes(b"")
    args = ("--exercise", asked) if asked else ()
    for fmt in ("json", "jsonl", "csv"):
        out = tmp_path / f"r.{fmt}"
        r = score(tmp_path / "empty.mp4", *args, "--out", out, "--no-history")
        assert r.returncode == 1, r.stderr
        if fmt == "json":
            (row,) = json.loads(out.read_text())["clips"]
            assert row["status"] == "error" and row["exercise"] is None, row
        elif fmt == "jsonl":
            row = json.loads(out.read_text())
            assert row["status"] == "error" and row["exercise"] is None, row
        else:
            for name in ("r.csv", "r.clips.csv"):
                (row,) = csv.DictReader(open(tmp_path / name, encoding="utf-8"))
                assert row["status"] == "error" and row["exercise"] == "", (name, row)


def _free_local_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (bound, then closed)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("form", ["{}", "ray://{}"])
def test_a_ray_address_nothing_listens_on_fails_in_seconds(tmp_path, landmark_cache_dir, form):
    """``--ray-address 127.0.0.1:6399`` with no cluster there hung inside Ray's own connection
    retries (over 2 minutes, native log lines on stderr) before saying anything. The address is
    tried with a plain TCP connection first (a few seconds at most): a usage error in one line
    naming it, and the last run's output left as it was. (Only a local port: no test contacts
    another host.)"""
    pytest.importorskip("ray")
    out = tmp_path / "r.json"
    r = score(SAMPLES / "hinge_squatty.mp4", "--out", out, "--no-history", "--exercise", "hinge")
    assert r.returncode == 0, r.stderr
    before = out.read_bytes()
    address = form.format(f"127.0.0.1:{_free_local_port()}")
    t0 = time.monotonic()
    r = score(
        SAMPLES / "hinge_squatty.mp4",
        "--out",
        out,
        "--no-history",
        "--engine",
        "ray",
        "--ray-address",
        address,
        timeout=120,
    )
    took = time.monotonic() - t0
    assert r.returncode == 2, r.stderr
    assert took < 20, f"{took:.0f} s to say the address is unreachable"
    assert r.stderr.splitlines() == [f"error: ray: cannot reach the cluster at {address} (Connection refused)"], (
        r.stderr
    )
    assert out.read_bytes() == before


def test_the_ray_address_check_reads_each_address_form_and_refuses_what_is_not_ray():
    """The check reads the forms Ray takes (``host:port``, ``ray://host[:port]`` with the client's
    default port 10001, ``[v6]:port``), leaves ``auto``, ``local`` and what Ray itself rejects at
    once to Ray, and refuses in one line a closed port, a listener that says nothing (Ray waited
    over 3 minutes on one) and one that answers as something else (an HTTP/1 server)."""
    import socket
    import threading

    from hingecheck.cli.batch import EngineError, check_reachable, ray_endpoint

    assert ray_endpoint("127.0.0.1:6379") == ("127.0.0.1", 6379)
    assert ray_endpoint("ray://head.lab:10002") == ("head.lab", 10002)
    assert ray_endpoint("ray://head.lab") == ("head.lab", 10001)
    assert ray_endpoint("[::1]:6379") == ("::1", 6379)
    for left in ("auto", "local", "bogus://x", "127.0.0.1", "host:notaport"):
        assert ray_endpoint(left) is None, left
    port = _free_local_port()
    with pytest.raises(
        EngineError, match=rf"^ray: cannot reach the cluster at 127.0.0.1:{port} \(Connection refused\)$"
    ):
        check_reachable(f"127.0.0.1:{port}")
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        address = f"127.0.0.1:{listener.getsockname()[1]}"
        t0 = time.monotonic()
        with pytest.raises(
            EngineError, match=rf"^ray: cannot reach the cluster at {address} \(no answer within 1 s\)$"
        ):
            check_reachable(address, timeout=1)
        assert time.monotonic() - t0 < 5

        def answer_http1():
            conn, _ = listener.accept()
            with conn:
                conn.recv(1024)
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

        listener.accept()[0].close()  # the silent connection above
        server = threading.Thread(target=answer_http1)
        server.start()
        with pytest.raises(EngineError, match=rf"^ray: {address} is not a Ray cluster \(it does not answer as one\)$"):
            check_reachable(address)
        server.join()


def test_the_ray_address_check_lets_a_real_ray_cluster_through(tmp_path, landmark_cache_dir):
    """A real Ray (started here, one CPU, its own temporary folder) passes the check at the GCS
    address it reports and at 127.0.0.1 on that port, as typed on the head node; then a batch is
    scored on it through --ray-address."""
    pytest.importorskip("ray")
    import tempfile

    temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # Ray's socket paths must stay short
    code = textwrap.dedent(
        """
        import os, subprocess, sys
        import ray
        ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False, configure_logging=False, _temp_dir=sys.argv[1])
        from hingecheck.cli.batch import check_reachable
        address = ray.get_runtime_context().gcs_address
        check_reachable(address)
        check_reachable("127.0.0.1:" + address.rsplit(":", 1)[1])
        score = [sys.executable, "-m", "hingecheck", "score", *sys.argv[2:], "--ray-address", address]
        print(address, subprocess.run(score, timeout=600).returncode)
        """
    )
    out = tmp_path / "r.json"
    clip = SAMPLES / "hinge_squatty.mp4"
    args = [str(clip), "--out", str(out), "--no-history", "--exercise", "hinge", "--engine", "ray"]
    try:
        env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
        r = subprocess.run(
            [sys.executable, "-c", code, temp, *args], capture_output=True, text=True, timeout=900, env=env
        )
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    assert r.returncode == 0, r.stderr[-3000:]
    address, code = r.stdout.split()
    assert address.rsplit(":", 1)[1].isdigit() and code == "0", (r.stdout, r.stderr[-3000:])
    (got,) = json.loads(out.read_text())["clips"]
    assert got["status"] == "ok" and got["verdict"] == "squatty_hinge", got
