"""The accuracy harness: labels read, clips called, confusion and leave-one-source-out counted
on hand-made verdicts whose right answers are known by construction; the command end to end."""

import json
import subprocess
import sys

import numpy as np
import pytest

from hingecheck.core.config import ConfigError
from hingecheck.core.evaluate import TUNED, call, grid, leave_one_source_out, read_labels, score


def labels(folder, rows):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "labels.csv").write_text("file,label,view,fault_from_caption\n" + "".join(f"{r}\n" for r in rows))
    return folder / "labels.csv"


def test_calls_confusion_and_faults(tmp_path):
    p = labels(
        tmp_path / "a",
        [
            "g1.mp4,good,side,",
            "g2.mp4,good,oblique,",
            "b1.mp4,bad,side,lumbar_rounding (caption)",
            "b2.mp4,bad,side,",
            "f.mp4,good,front,",
            "u.mp4,unknown,side,",
        ],
    )
    clips = read_labels([p])
    assert [c.graded for c in clips] == [True, True, True, True, False, False]
    assert clips[2].caption_fault == "lumbar_rounding" and clips[3].caption_fault is None
    verdicts = ["neutral", "squatty_hinge", "lumbar_rounding", "not_judged", "neutral", "neutral"]
    s = score(clips, [{"verdict": v, "reps": []} for v in verdicts])["a"]
    assert (s.n, s.correct, s.abstained, s.good_faulted) == (4, 2, 1, 1)
    assert s.confusion[("good", "good")] == 1 and s.confusion[("good", "bad")] == 1
    assert s.confusion[("bad", "bad")] == 1 and s.confusion[("bad", "abstain")] == 1
    assert s.faults["lumbar_rounding"] == [1, 0, 0] and s.faults["squatty_hinge"] == [0, 1, 0]
    assert [call(v) for v in ("neutral", "hips_rise_first", "no_reps", "unusable_view")] == [
        "good",
        "bad",
        "abstain",
        "abstain",
    ]


def test_leave_one_source_out_never_sees_the_held_out_source(tmp_path):
    """Two sources that want opposite thresholds: each is scored with the other's choice."""
    a = labels(tmp_path / "a", ["x.mp4,good,side,", "y.mp4,bad,side,"])
    b = labels(tmp_path / "b", ["x.mp4,bad,side,", "y.mp4,good,side,"])
    clips = read_labels([a, b])
    lo = min(TUNED["lumbar_flexion_max_deg"])

    def judge_all(values):  # the strictest limit faults x.mp4, any other faults y.mp4, in both sources
        strict = values["lumbar_flexion_max_deg"] == lo
        return [
            {"verdict": "lumbar_rounding" if (c.path.name == "x.mp4") == strict else "neutral", "reps": []}
            for c in clips
        ]

    out = leave_one_source_out(clips, judge_all)
    assert out["a"][0]["lumbar_flexion_max_deg"] == lo and out["a"][1].correct == 0
    assert out["b"][0]["lumbar_flexion_max_deg"] != lo and out["b"][1].correct == 0
    assert len(grid()) == int(np.prod([len(v) for v in TUNED.values()]))


def test_bad_labels_file_is_one_line(tmp_path):
    (tmp_path / "labels.csv").write_text("name,verdict\nx,y\n")
    with pytest.raises(ConfigError, match="needs the columns"):
        read_labels([tmp_path / "labels.csv"])
    with pytest.raises(ConfigError, match="cannot read"):
        read_labels([tmp_path / "nope.csv"])


def test_evaluate_command_on_sample_clips(tmp_path, sample_series):
    """End to end on the rendered samples with labels written from their truth files."""
    from conftest import SAMPLES

    truth = json.loads((SAMPLES / "labels.json").read_text())
    names = ["hinge_neutral_right.mp4", "hinge_rounded.mp4", "front_view.mp4"]
    rows = [
        f"{SAMPLES / n},{'good' if truth[n]['verdict'] == 'neutral' else 'bad'},"
        f"{'front' if n.startswith('front') else 'side'},"
        for n in names
    ]
    p = labels(tmp_path / "samples", rows)
    out = tmp_path / "eval.json"
    r = subprocess.run(
        [sys.executable, "-m", "hingecheck", "evaluate", str(p), "--out", str(out), "--no-loso"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.read_text())
    assert doc["scores"]["samples"]["clips"] == 2 and doc["scores"]["samples"]["correct"] == 2
    assert "confusion" in doc["scores"]["samples"] and "accuracy" in r.stdout


def test_labels_typed_in_their_folder_name_their_source_and_rows(tmp_path, landmark_cache_dir):
    """``evaluate labels.csv`` typed in the labels' folder: the source is that folder's name (it
    was empty), a missing clip's line names the labels file and its line (it said
    "/labels.csv"), and leave-one-source-out, with one source and so nothing to choose the
    thresholds on, says it is skipped instead of printing thresholds "chosen on the other
    sources". A row without a file name is a usage error naming its line (it read as ".")."""
    from conftest import SAMPLES

    folder = tmp_path / "mylifts"
    p = labels(folder, ["rounded.mp4,bad,side,lumbar_rounding", "gone.mp4,good,side,"])
    (folder / "rounded.mp4").write_bytes((SAMPLES / "hinge_rounded.mp4").read_bytes())

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "hingecheck", "evaluate", "labels.csv", *args],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=folder,
        )

    r = run("--out", "eval.json", "--exercise", "hinge")
    assert r.returncode == 1, r.stderr  # one clip missing
    assert r.stderr.strip() == "error: gone.mp4: no such file (listed in labels.csv, line 3)"
    doc = json.loads((folder / "eval.json").read_text())
    assert [c["source"] for c in doc["clips"]] == ["mylifts"] and list(doc["scores"]) == ["mylifts", "all"]
    assert doc["loso"] == {} and "leave-one-source-out: skipped" in r.stdout
    assert "chosen on the other sources" not in r.stdout
    p.write_text(p.read_text() + ",good,side,\n")
    r = run("--no-loso")
    assert r.returncode == 2 and r.stderr.strip() == "error: labels.csv, line 4: no file name in the file column"


def test_a_clip_listed_twice_counts_once_and_rows_not_graded_are_said(tmp_path, landmark_cache_dir):
    """``evaluate`` counts each clip once, however often and wherever it is listed (a clip twice in
    one labels file and again in another folder's was scored and counted three times), saying in
    one line which rows it ignored; and says in one line how many rows it did not grade and why
    (a label other than good/bad, a view other than side/oblique: they were left out silently).
    The right counts come from the labels written here: two graded clips, one right per label."""
    from conftest import SAMPLES

    rounded, neutral = SAMPLES / "hinge_rounded.mp4", SAMPLES / "hinge_neutral_right.mp4"
    a = labels(
        tmp_path / "a",
        [
            f"{rounded},bad,side,lumbar_rounding",
            f"{neutral},good,side,",
            f"{SAMPLES / 'kb_swing.mp4'},unknown,side,",
            f"{SAMPLES / 'good_morning_neutral.mp4'},edge,side,",
            f"{SAMPLES / 'front_view.mp4'},good,front,",
            f"{rounded},bad,side,lumbar_rounding",  # twice in one file
        ],
    )
    b = labels(tmp_path / "b", [f"{SAMPLES}/./{rounded.name},good,side,"])  # again, written another way
    out = tmp_path / "eval.json"
    r = subprocess.run(
        [sys.executable, "-m", "hingecheck", "evaluate", str(a), str(b), "--out", str(out), "--no-loso"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.read_text())
    scores = doc["scores"]["all"]
    assert (scores["clips"], scores["correct"]) == (2, 2)  # rounded faulted, neutral neutral: each once
    assert list(doc["scores"]) == ["a", "all"]  # b's only row was a duplicate
    assert len(doc["clips"]) == 5 and [c["not_graded"] for c in doc["clips"]] == [None, None, "label", "label", "view"]
    lines = r.stdout.splitlines()
    (dup,) = [line for line in lines if "duplicate" in line]
    assert dup.startswith("2 duplicate rows ignored") and dup.count(rounded.name) == 2
    assert f"{a}, line 7; counted from {a}, line 2" in dup
    assert f"{b}, line 2, labelled 'good'; counted from {a}, line 2, labelled 'bad'" in dup
    (ungraded,) = [line for line in lines if "not graded" in line]
    assert ungraded == (
        "3 of 5 rows not graded: 2 with a label that is not good or bad ('unknown', 'edge');"
        " 1 with a view that is not side or oblique ('front')"
    )
