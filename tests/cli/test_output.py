"""Result writers: JSON, JSON Lines and CSV written, read back, resumed."""

import csv
import json

import pytest

from hingecheck.cli.output import ResultWriter, clips_csv_path, format_for, not_done, read_done, to_csv


def _clip(name, status="ok", reps=2):
    if status != "ok":
        return {
            "file": name,
            "status": "error",
            "error": f"{name}: not a readable video",
            "exercise": "hinge",
            "view": "unknown",
            "frames": 0,
            "fps": 0.0,
            "detected_fraction": 0.0,
            "verdict": None,
            "score": None,
            "reps": [],
        }
    return {
        "file": name,
        "status": "ok",
        "error": None,
        "exercise": "hinge",
        "view": "side",
        "frames": 300,
        "fps": 30.0,
        "detected_fraction": 0.99,
        "verdict": "neutral",
        "score": 88.0,
        "reps": [
            {
                "index": i + 1,
                "start_s": 1.0 * i,
                "bottom_s": 1.0 * i + 0.4,
                "end_s": 1.0 * i + 0.9,
                "verdict": "lumbar_rounding" if i else "neutral",
                "faults": ["lumbar_rounding"] if i else [],
                "notes": [],
                "hip_flexion_deg": 85.0,
                "knee_flexion_deg": 20.0,
                "trunk_incline_deg": 70.0,
                "spine_flexion_deg": 5.0,
                "descent_s": 0.4,
                "ascent_s": 0.5,
                "score": 90.0,
            }
            for i in range(reps)
        ],
    }


def test_format_from_extension():
    assert format_for("a.csv", None) == "csv" and format_for("a.jsonl", None) == "jsonl"
    assert format_for("a.out", None) == "json" and format_for(None, None) == "json"
    assert format_for("a.csv", "json") == "json"


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_write_and_read_back(tmp_path, fmt):
    out = tmp_path / f"r.{fmt}"
    w = ResultWriter(out, fmt)
    clips = [_clip("a.mp4"), _clip("b.mp4", "error"), _clip("c.mp4", reps=0)]
    for c in clips:
        w.add(c)
    assert w.close() is None
    back = read_done(out, fmt)
    assert [c["file"] for c in back] == ["a.mp4", "b.mp4", "c.mp4"]
    assert [c["status"] for c in back] == ["ok", "error", "ok"]
    assert len(back[0]["reps"]) == 2 and back[0]["reps"][1]["faults"] == ["lumbar_rounding"]
    if fmt == "json":
        assert json.loads(out.read_text())["schema"] == 2 and back == clips
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left


def test_csv_one_row_per_rep_and_clip_table(tmp_path):
    out = tmp_path / "r.csv"
    w = ResultWriter(out, "csv")
    for c in (_clip("a.mp4", reps=3), _clip("b.mp4", "error")):
        w.add(c)
    w.close()
    rows = list(csv.DictReader(open(out)))
    assert len(rows) == 4  # 3 reps + 1 row for the failed clip
    assert rows[0]["file"] == rows[2]["file"] == "a.mp4" and rows[2]["rep"] == "3"
    assert rows[3]["status"] == "error" and rows[3]["rep"] == ""
    clip_rows = list(csv.DictReader(open(clips_csv_path(out))))
    assert [r["reps"] for r in clip_rows] == ["3", "0"]


def test_jsonl_streams_and_survives_torn_line(tmp_path):
    out = tmp_path / "r.jsonl"
    w = ResultWriter(out, "jsonl")
    w.add(_clip("a.mp4"))
    assert len(out.read_text().splitlines()) == 1  # on disk before the batch ends
    w.add(_clip("b.mp4"))
    w.close()
    with open(out, "a") as fh:
        fh.write('{"file": "c.mp4", "stat')  # a crash mid-line
    assert [c["file"] for c in read_done(out, "jsonl")] == ["a.mp4", "b.mp4"]


def test_stdout_when_no_file():
    w = ResultWriter(None, "json")
    w.add(_clip("a.mp4"))
    assert json.loads(w.close())["clips"][0]["file"] == "a.mp4"
    reps, clips = to_csv([_clip("a.mp4")])
    assert reps.splitlines()[0].startswith("file,status")


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_outputs_get_the_users_umask(tmp_path, umask, mode):
    """Atomic writes go through a 0600 temporary file; the output must still be shareable."""
    import subprocess
    import sys

    out = tmp_path / "results.json"
    code = f"import os; os.umask({umask}); from hingecheck.atomic import write_text; write_text({str(out)!r}, 'x')"
    subprocess.run([sys.executable, "-c", code], check=True)
    assert out.stat().st_mode & 0o777 == mode


def test_not_done_resolves_paths(tmp_path, monkeypatch):
    (tmp_path / "a" / "sub").mkdir(parents=True)
    clip = tmp_path / "a" / "sub" / "c.mp4"
    clip.write_bytes(b"x")
    other = tmp_path / "a" / "d.mp4"
    other.write_bytes(b"x")
    (tmp_path / "link.mp4").symlink_to(clip)
    out = tmp_path / "out" / "r.json"
    monkeypatch.chdir(tmp_path / "a")
    previous = [_clip("sub/c.mp4")]
    assert not_done([str(clip), str(other), "./sub/c.mp4", str(tmp_path / "link.mp4")], previous, out) == [str(other)]
    assert not_done(["a/sub/c.mp4"], [_clip(str(other))], out) == ["a/sub/c.mp4"]
    # Written from a/ and read from its parent, "sub/c.mp4" names no file known here: another
    # folder's clip of the same name is scored, never skipped (phone clip names repeat).
    (tmp_path / "b" / "sub").mkdir(parents=True)
    (tmp_path / "b" / "sub" / "c.mp4").write_bytes(b"y")
    monkeypatch.chdir(tmp_path)
    assert not_done(["b/sub/c.mp4", str(clip)], previous, out) == ["b/sub/c.mp4", str(clip)]


def test_csv_says_why_warnings_and_checks_not_judged_as_the_json_does(tmp_path, landmark_cache_dir):
    """A data person reading the CSV learns what the JSON says: the clip's yaw, why it got no
    verdict, its warnings, each rep's checks not judged and confidence; and a ``--resume`` that
    rewrites the CSV keeps them for the clips already done."""
    import subprocess
    import sys

    from conftest import SAMPLES

    cut = tmp_path / "cut.mp4"
    cut.write_bytes((SAMPLES / "hinge_squatty.mp4").read_bytes()[:60000])  # truncated: a warning, no lockout
    front = tmp_path / "front.mp4"
    front.write_bytes((SAMPLES / "front_view.mp4").read_bytes())  # no verdict: why

    def score(out, *clips, extra=()):
        r = subprocess.run(
            [sys.executable, "-m", "hingecheck", "score", *map(str, clips), "--out", str(out), "--no-history", *extra],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert r.returncode == 0, r.stderr

    score(tmp_path / "r.json", cut, front)
    want = {c["file"]: c for c in json.loads((tmp_path / "r.json").read_text())["clips"]}
    score(tmp_path / "r.csv", cut)
    score(tmp_path / "r.csv", cut, front, extra=("--resume",))  # the cut clip's rows read back, rewritten
    rows = list(csv.DictReader(open(tmp_path / "r.csv", newline="")))
    clip_rows = {r["file"]: r for r in csv.DictReader(open(clips_csv_path(tmp_path / "r.csv"), newline=""))}
    assert {r["file"] for r in rows} == set(want) == set(clip_rows)
    for row in rows:
        c = want[row["file"]]
        for got in (row, clip_rows[row["file"]]):
            assert float(got["yaw_deg"]) == c["yaw_deg"]
            assert got["why"] == (c["why"] or "")
            assert (got["warnings"].split(" | ") if got["warnings"] else []) == c["warnings"]
        if row["rep"]:
            rep = c["reps"][int(row["rep"]) - 1]
            assert (row["not_judged"].split(";") if row["not_judged"] else []) == list(rep["not_judged"])
            assert float(row["confidence"]) == rep["confidence"]
    assert want[str(front)]["why"] and want[str(cut)]["warnings"]
    assert any(r["not_judged"] for r in rows if r["file"] == str(cut))
