"""Hostile and awkward input, generated here (no committed binaries): each item gets what a user
expects, a one-line error naming the file and the problem with the documented exit code, or a
valid result (with a warning where something was off), never a traceback, a hang or a lost output.

The table of what the tool did with every item is written to ``out/hostile_inputs.md``.
"""

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import SAMPLES, require, write_clip

OUT = Path(__file__).resolve().parents[2] / "out"
SQUATTY = SAMPLES / "hinge_squatty.mp4"


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", *map(str, args)], check=True, timeout=300)


def hingecheck(*args, cwd=None, preexec=None, timeout=900):
    return subprocess.run(
        [sys.executable, "-m", "hingecheck", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        preexec_fn=preexec,
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, astronaut):
    """name → (path, expectation). Expectations: ("error", words in the message) or
    ("ok", allowed verdicts or None for any, words a warning must hold or None)."""
    require("ffmpeg")
    d = tmp_path_factory.mktemp("hostile")
    items = {}
    (d / "zero.mp4").write_bytes(b"")
    items["zero-byte file"] = (d / "zero.mp4", ("error", "empty file"))
    (d / "truncated.mp4").write_bytes(SQUATTY.read_bytes()[:30_000])
    items["truncated MP4 (first 30 KB)"] = (d / "truncated.mp4", ("ok", None, "ends early"))
    (d / "random.mp4").write_bytes(np.random.default_rng(0).bytes(100_000))
    items["random bytes named .mp4"] = (d / "random.mp4", ("error", "not a readable video"))
    (d / "notes.mov").write_text("not a video\n")
    items["text file named .mov"] = (d / "notes.mov", ("error", "not a readable video"))
    ffmpeg("-f", "lavfi", "-i", "sine=d=1", "-c:a", "aac", d / "audio.mp4")
    items["audio-only file"] = (d / "audio.mp4", ("error", "no video stream"))
    ffmpeg("-i", SQUATTY, "-frames:v", "1", d / "one_frame.mp4")
    items["one-frame video"] = (d / "one_frame.mp4", ("ok", {"no_reps"}, None))
    ffmpeg("-i", SQUATTY, "-vf", "scale=160:120", d / "tiny_160x120.mp4")
    items["160x120 clip"] = (d / "tiny_160x120.mp4", ("ok", None, None))
    ffmpeg("-i", SQUATTY, "-t", "1", "-vf", "scale=3840:2160", d / "uhd_4k.mp4")
    items["4K clip"] = (d / "uhd_4k.mp4", ("ok", None, None))
    ffmpeg("-i", SQUATTY, "-vf", "lutrgb=r=val*0.08:g=val*0.08:b=val*0.08", d / "dark.mp4")
    items["very dark clip"] = (d / "dark.mp4", ("ok", None, None))
    frames = [np.ascontiguousarray(np.rot90(f, k=-1)) for f in _frames(SQUATTY)]
    write_clip(d / "rotated.mp4", frames, rotation=90)  # stored sideways, phone metadata says turn it
    items["rotation metadata (the squatty sample, stored sideways)"] = (
        d / "rotated.mp4",
        ("ok", {"squatty_hinge"}, None),
    )
    empty = np.full((480, 640, 3), 90, np.uint8)
    write_clip(d / "no_person.mp4", [empty] * 15)
    items["no person"] = (d / "no_person.mp4", ("ok", {"no_reps"}, None))
    leaving = _frames(SQUATTY)[:200] + [empty] * 120
    write_clip(d / "leaves.mp4", leaving)
    items["a person leaving mid-clip"] = (d / "leaves.mp4", ("ok", None, None))
    two = np.full((540, 1100, 3), 90, np.uint8)
    two[14:526, 20:532] = astronaut
    two[14:526, 560:1072] = astronaut
    write_clip(d / "two_people.mp4", [two] * 10)
    items["two people"] = (d / "two_people.mp4", ("ok", None, None))
    items["lifter facing the camera"] = (SAMPLES / "front_view.mp4", ("ok", {"unusable_view"}, None))
    from skimage.io import imsave

    imsave(d / "still.png", astronaut)
    items["still image (a person facing the camera)"] = (d / "still.png", ("ok", {"unusable_view"}, None))
    odd = d / "a folder with spaces" / "übung 1 – kniebeuge.mp4"
    odd.parent.mkdir()
    shutil.copy(SQUATTY, odd)
    items["path with spaces and unicode"] = (odd, ("ok", {"squatty_hinge"}, None))
    return d, items


def _frames(path):
    import av

    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def test_every_clip_item(corpus):
    d, items = corpus
    out = d / "results.jsonl"
    r = hingecheck("score", *[p for p, _ in items.values()], "--format", "jsonl", "--out", out, "--jobs", "2")
    assert r.returncode == 1, r.stderr  # some inputs failed: exit 1, and the batch went on
    assert "Traceback" not in r.stderr
    assert not [ln for ln in r.stderr.splitlines() if ln[:1] in "IWE" and ln[1:5].isdigit()], "native log lines leaked"
    rows = {json.loads(x)["file"]: json.loads(x) for x in out.read_text().splitlines()}
    table = ["| input | what hingecheck did | exit |", "|---|---|---|"]
    for name, (path, expect) in items.items():
        row = rows[str(path)]
        if expect[0] == "error":
            assert row["status"] == "error" and expect[1] in row["error"] and str(path) not in row["error"], (name, row)
            assert "\n" not in row["error"]
            said = f"error: {path}: {row['error']}"  # the row says the problem, stderr names the file too
            assert r.stderr.splitlines().count(said) == 1, (said, r.stderr)
            did = f"error: `{said[len('error: ') :].replace(str(d), '…')}`"
        else:
            assert row["status"] == "ok", (name, row)
            if expect[1] is not None:
                assert row["verdict"] in expect[1], (name, row["verdict"], row["why"])
            if expect[2] is not None:
                assert any(expect[2] in w for w in row["warnings"]) and "warning:" in r.stderr, (name, row)
            did = f"result: `{row['verdict']}`" + (f" ({row['why']})" if row["why"] else "")
            did += "".join(f"; warning: {w}" for w in row["warnings"])
        table.append(f"| {name} | {did} | 1 (batch) |")
    OUT.mkdir(exist_ok=True)
    (OUT / "hostile_inputs.md").write_text("\n".join(table) + "\n")


def test_a_folder_named_like_a_clip(tmp_path):
    (tmp_path / "clip.mp4").mkdir()
    r = hingecheck("score", tmp_path / "clip.mp4", SQUATTY, "--format", "jsonl")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert f"error: {tmp_path / 'clip.mp4'}: no video files in folder" in r.stderr
    assert json.loads(r.stdout)["verdict"] == "squatty_hinge"  # the rest of the batch went on


def test_leading_dash_path(tmp_path):
    clip = tmp_path / "-squat.mp4"
    shutil.copy(SQUATTY, clip)
    r = hingecheck("score", "--format", "jsonl", "--", clip.name, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["verdict"] == "squatty_hinge"


def test_output_folder_not_writable(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    r = hingecheck("score", SQUATTY, "--out", blocker / "results.json")
    assert r.returncode != 0 and "Traceback" not in r.stderr
    err = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
    assert len(err) == 1 and "results.json" in err[0], r.stderr


def test_disk_full_keeps_the_previous_output(tmp_path):
    """A file-size limit stands in for a full disk: the write fails with EFBIG, the old
    results.json is untouched, the error is one line."""
    out = tmp_path / "results.json"
    out.write_text('{"schema": 2, "clips": []}\n')

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))

    r = hingecheck("score", SQUATTY, SAMPLES / "hinge_rounded.mp4", "--out", out, "--jobs", "1", preexec=limit)
    assert r.returncode != 0 and "Traceback" not in r.stderr, r.stderr
    assert out.read_text() == '{"schema": 2, "clips": []}\n'
    assert [ln for ln in r.stderr.splitlines() if ln.startswith("error:")], r.stderr
    assert not list(tmp_path.glob(".results.json.*"))  # no temporary file left behind


def test_disk_full_under_json_lines_is_one_line(tmp_path):
    """JSON Lines writes each clip as it finishes, so a full disk strikes mid-batch: one error line
    naming the file, exit 1, the workers stopped, never a traceback (it was ``OSError: [Errno 27]
    File too large`` from the writer's flush, through typer)."""
    out = tmp_path / "results.jsonl"

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))

    r = hingecheck("score", SQUATTY, SAMPLES / "hinge_rounded.mp4", "--out", out, "--jobs", "1", preexec=limit)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and str(out) in errors[0] and "File too large" in errors[0], r.stderr


@pytest.mark.parametrize(
    "text, words",
    [
        ("[common]\nlumbar_flexion_max_deg = 'ten'\n", "must be a number"),
        ("[common]\nno_such_setting = 1\n", "unknown setting"),
        ("[common]\nmin_visibility = 7\n", "out of range"),
        ("[exercise.deadlift]\nspine_rep_percentile = 250\n", "out of range"),
    ],
)
def test_bad_config_is_a_usage_error(tmp_path, text, words):
    cfg = tmp_path / "my.toml"
    cfg.write_text(text)
    r = hingecheck("score", SQUATTY, "--config", cfg, "--exercise", "deadlift")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().count("\n") == 0 and words in r.stderr and str(cfg) in r.stderr


@pytest.mark.parametrize(
    "command", ["review", "landmarks", "compare", "score", "score --no-cache", "review --no-cache"]
)
def test_an_unreadable_clip_is_one_line_naming_it(tmp_path, command):
    """A clip the user may not read: ``error: <file>: Permission denied`` like every other error
    (review, landmarks and compare said ``error: [Errno 13] Permission denied: 'clip.mp4'``, from
    the landmark cache reading the clip's bytes; without the cache, "not a readable video
    (Permission denied)", as if its content were at fault). As root, the process runs without the
    capabilities that let root read any file."""
    clip = tmp_path / "locked.mp4"
    shutil.copy(SAMPLES / "hinge_squatty.mp4", clip)
    clip.chmod(0)
    drop = []
    if os.geteuid() == 0:
        require("setpriv", package="util-linux")
        caps = "-dac_override,-dac_read_search"
        drop = ["setpriv", "--bounding-set", caps, "--inh-caps", caps, "--"]
    args = {
        "review": ["review", str(clip), "--out", str(tmp_path / "r"), "--no-history"],
        "landmarks": ["landmarks", str(clip), "-o", str(tmp_path / "l.npz")],
        "compare": ["compare", str(clip), str(SAMPLES / "hinge_squatty.mp4"), "--out", str(tmp_path / "c")],
        "score": ["score", str(clip), "--no-history", "--out", str(tmp_path / "s.json")],
    }[command.split()[0]] + command.split()[1:]
    r = subprocess.run([*drop, sys.executable, "-m", "hingecheck", *args], capture_output=True, text=True, timeout=300)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    errors = [line for line in r.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [f"error: {clip}: Permission denied"], r.stderr
