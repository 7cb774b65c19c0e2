"""The training history as a lifter uses it: sample clips scored, reviewed and played live over
three "days" (``HINGECHECK_NOW``), then ``hingecheck history`` read back against the clips'
labels (sample_videos/labels.json), the trend plot, export, delete, and every foreseeable failure
as one line."""

import csv
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from hingecheck.core.results import FAULTS

from conftest import SAMPLES

SHOTS = Path(__file__).resolve().parents[2] / "out"
DAY1, DAY2, DAY3 = "2026-11-20T18:00:00+00:00", "2026-11-21T18:30:00+00:00", "2026-11-22T19:00:00+00:00"
DAY1_CLIPS = ("hinge_rounded.mp4", "hinge_squatty.mp4")
DAY3_CLIPS = ("hinge_neutral_left.mp4", "hinge_neutral_right.mp4")


def hc(*args, now=None, timeout=600):
    env = dict(os.environ)
    if now:
        env["HINGECHECK_NOW"] = now
    return subprocess.run(
        [sys.executable, "-m", "hingecheck", *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env
    )


def one_line_error(r, code):
    assert r.returncode == code, (r.returncode, r.stderr)
    err = r.stderr.strip()
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err, err
    return err


def expected(name, labels):
    """What the history should say of a clip, from its labels alone."""
    reps = labels[name]["reps"]
    judged = [v for v in reps if v != "not_judged"]
    faults = Counter(v for v in reps if v in FAULTS)
    fault = min(faults, key=lambda f: (-faults[f], FAULTS.index(f))) if faults else None
    return len(reps), (round(100 * judged.count("neutral") / len(judged), 1) if judged else None), fault


@pytest.fixture(scope="module")
def days(tmp_path_factory, landmark_cache_dir):
    """Three days of one lifter (sam), and one clip of another (kim), in a fresh history file."""
    d = tmp_path_factory.mktemp("days")
    db = d / "history.sqlite3"
    runs = {
        "day1": hc(
            "score",
            *(SAMPLES / c for c in DAY1_CLIPS),
            "--athlete",
            "sam",
            "--db",
            db,
            "--out",
            d / "day1.json",
            now=DAY1,
        ),
        "day2": hc(
            "review", SAMPLES / "mixed_set.mp4", "--athlete", "sam", "--db", db, "--out", d / "review2", now=DAY2
        ),
        "day3": hc(
            "score",
            *(SAMPLES / c for c in DAY3_CLIPS),
            "--athlete",
            "sam",
            "--db",
            db,
            "--out",
            d / "day3.json",
            now=DAY3,
        ),
        "kim": hc(
            "score",
            SAMPLES / "hinge_neck_extension.mp4",
            "--athlete",
            "kim",
            "--db",
            db,
            "--out",
            d / "kim.json",
            now=DAY3,
        ),
    }
    for name, r in runs.items():
        assert r.returncode == 0, (name, r.stderr[-2000:])
    return d, db


def history_json(db, *args):
    r = hc("history", "--db", db, "--format", "json", *args)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["sessions"]


def test_sessions_match_the_clips_labels(days, sample_labels):
    d, db = days
    sessions = history_json(db, "--athlete", "sam")
    clips = [*DAY1_CLIPS, "mixed_set.mp4", *DAY3_CLIPS]
    # Day 1's two clips (a batch: one session per clip, in the order they finished), then day 2, day 3.
    assert sorted(Path(s["source"]).name for s in sessions[:2]) == sorted(DAY1_CLIPS)
    assert [Path(s["source"]).name for s in sessions[2:3]] == ["mixed_set.mp4"]
    assert sorted(Path(s["source"]).name for s in sessions[3:]) == sorted(DAY3_CLIPS)
    assert [s["started"][:10] for s in sessions] == ["2026-11-20"] * 2 + ["2026-11-21"] + ["2026-11-22"] * 2
    assert [s["kind"] for s in sessions] == ["score", "score", "review", "score", "score"]
    by_name = {Path(s["source"]).name: s for s in sessions}
    assert set(by_name) == set(clips)
    for name in clips:
        s, lab = by_name[name], sample_labels[name]
        n, pct, fault = expected(name, sample_labels)
        assert (s["reps"], s["pct_neutral"], s["most_common_fault"]) == (n, pct, fault), name
        assert [r["verdict"] for r in s["rep_details"]] == lab["reps"], name
        assert s["athlete"] == "sam" and s["exercise"] == lab["exercise"] and s["verdict"] == lab["verdict"]
        for r in s["rep_details"]:  # key angles kept: a hinge bends the hips a lot, the knees less
            assert r["hip_flexion_deg"] > 30 and r["hip_flexion_deg"] > r["knee_flexion_deg"] - 40
    # The clip labelled lumbar rounding peaks past the shipped lumbar limit, the neutral ones stay under it.
    from hingecheck.core.config import load_config

    limit = load_config(None, "hinge").lumbar_flexion_max_deg
    assert by_name["hinge_rounded.mp4"]["peak_spine_deg"] > limit
    assert all(by_name[c]["peak_spine_deg"] < limit for c in DAY3_CLIPS)
    # The score outputs themselves were written as usual.
    assert len(json.loads((d / "day1.json").read_text())["clips"]) == 2
    assert [Path(s["source"]).name for s in history_json(db, "--athlete", "kim")] == ["hinge_neck_extension.mp4"]


def test_table_filters_and_since(days):
    _, db = days
    r = hc("history", "--db", db)
    assert r.returncode == 0, r.stderr
    for name in (*DAY1_CLIPS, "mixed_set.mp4", *DAY3_CLIPS, "hinge_neck_extension.mp4"):
        assert name in r.stdout
    assert "6 sessions" in r.stdout and "% neutral" in r.stdout and "most common fault" in r.stdout
    assert "lumbar rounding" in r.stdout
    local_day2 = "2026-11-21"  # the sessions are at 18:00-19:00 UTC: the same date in any zone within ±5 h
    assert len(history_json(db, "--since", local_day2)) == 4
    assert len(history_json(db, "--since", local_day2, "--athlete", "sam")) == 3
    assert len(history_json(db, "--exercise", "deadlift")) == 0
    assert len(history_json(db, "--until", "2026-11-20")) == 2


def test_trend_plot_png(days, tmp_path):
    import cv2
    import numpy as np

    _, db = days
    png = tmp_path / "trend.png"
    r = hc("history", "--db", db, "--athlete", "sam", "--plot", png)
    assert r.returncode == 0, r.stderr
    img = cv2.imread(str(png))
    assert img is not None and img.shape[0] >= 400 and img.shape[1] >= 600
    assert img.std() > 20  # not blank
    # Drawn lines: plenty of the line colour (matplotlib's #1f6fb4 blue, BGR) on the page.
    blue = np.all(np.abs(img.astype(int) - (180, 111, 31)) < 40, axis=2)
    assert blue.sum() > 500
    SHOTS.mkdir(exist_ok=True)
    shutil.copy(png, SHOTS / "history_trend.png")


def test_review_report_shows_the_earlier_sessions(days):
    d, _ = days
    html = (d / "review2" / "report.html").read_text()
    assert 'id="trend-table"' in html and 'id="trend-plot"' in html
    table = html[html.index('id="trend-table"') : html.index("</table>", html.index('id="trend-table"'))]
    assert table.count("<tr") == 1 + 3  # header, the two day-1 sessions, this review
    assert "hinge_rounded.mp4" in table and "(this review)" in table


def test_no_history_writes_nothing_and_shows_no_trend(days, tmp_path):
    _, db = days
    before = history_json(db)
    r = hc(
        "review",
        SAMPLES / "hinge_neutral_left.mp4",
        "--athlete",
        "sam",
        "--db",
        db,
        "--no-history",
        "--out",
        tmp_path / "rev",
    )
    assert r.returncode == 0, r.stderr
    assert 'id="trend-table"' not in (tmp_path / "rev" / "report.html").read_text()
    assert history_json(db) == before
    fresh = tmp_path / "none.sqlite3"
    r = hc("score", SAMPLES / "hinge_neutral_left.mp4", "--db", fresh, "--no-history", "--out", tmp_path / "r.json")
    assert r.returncode == 0 and not fresh.exists()


def test_export_csv_and_json(days, tmp_path):
    _, db = days
    out = tmp_path / "h.csv"
    r = hc("history", "--db", db, "--out", out)
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 6 and {r["athlete"] for r in rows} == {"sam", "kim"}
    assert sum(int(r["reps"]) for r in rows) == 3 + 3 + 4 + 3 + 3 + 3
    # Every session field of the JSON export is a CSV column with the same value (the CSV had no
    # ``view``: a lab could not tell its side-on sessions from its oblique ones in a spreadsheet).
    sessions = history_json(db)
    assert [int(r["id"]) for r in rows] == [s["id"] for s in sessions]
    for row, s in zip(rows, sessions):
        for key, value in s.items():
            if key != "rep_details":
                assert row[key] == ("" if value is None else str(value)), (key, row, s)
    assert {r["view"] for r in rows} == {"side"}  # the sample clips are filmed side-on


def test_delete_says_how_many(days, tmp_path):
    _, original = days
    db = tmp_path / "copy.sqlite3"
    src = sqlite3.connect(original)
    dst = sqlite3.connect(db)
    src.backup(dst)
    src.close()
    dst.close()
    sessions = history_json(db)
    mixed = next(s for s in sessions if s["source"].endswith("mixed_set.mp4"))
    r = hc("history", "delete", "--db", db, "--id", mixed["id"])
    assert r.returncode == 0 and "deleted 1 session (4 reps)" in r.stdout, r.stdout + r.stderr
    r = hc("history", "delete", "--db", db, "--athlete", "sam", "--until", "2026-11-20")
    assert r.returncode == 0 and "deleted 2 sessions (6 reps)" in r.stdout
    assert [s["athlete"] for s in history_json(db)] == ["sam", "sam", "kim"]
    one_line_error(hc("history", "delete", "--db", db), 2)  # no selector: a usage error
    r = hc("history", "delete", "--db", db, "--all")
    assert "deleted 3 sessions (9 reps)" in r.stdout
    assert history_json(db) == []


@pytest.mark.parametrize("bad", ["2026-02-30", "yesterday", "21/11/2026", "2026-1-5"])
def test_bad_since_is_a_usage_error(tmp_path, bad):
    err = one_line_error(hc("history", "--db", tmp_path / "h.sqlite3", "--since", bad), 2)
    assert "--since" in err and "YYYY-MM-DD" in err
    one_line_error(hc("history", "delete", "--db", tmp_path / "h.sqlite3", "--since", bad), 2)
    assert not (tmp_path / "h.sqlite3").exists()


def test_corrupt_history_loses_no_score_output(tmp_path, landmark_cache_dir, sample_labels):
    db = tmp_path / "h.sqlite3"
    db.write_bytes(os.urandom(9000))
    before = db.read_bytes()
    out = tmp_path / "r.json"
    r = hc("score", SAMPLES / "hinge_rounded.mp4", "--db", db, "--out", out)
    assert r.returncode == 0, r.stderr
    clips = json.loads(out.read_text())["clips"]
    assert [rep["verdict"] for rep in clips[0]["reps"]] == sample_labels["hinge_rounded.mp4"]["reps"]
    warnings = [line for line in r.stderr.splitlines() if line.startswith("warning: history")]
    assert len(warnings) == 1 and str(db) in warnings[0] and "Traceback" not in r.stderr
    assert db.read_bytes() == before
    err = one_line_error(hc("history", "--db", db), 1)
    assert err.startswith(f"error: {db}: ")
    assert db.read_bytes() == before


def test_locked_history_is_one_line(tmp_path):
    db = tmp_path / "h.sqlite3"
    r = hc("history", "delete", "--db", db, "--all")  # no file yet: nothing to delete, nothing created
    assert r.returncode == 0 and "deleted 0 sessions" in r.stdout and not db.exists()
    from hingecheck.history.store import HistoryStore

    with HistoryStore.open(db):
        pass
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO sessions (started, athlete, exercise, kind, source) VALUES ('x', 'x', 'x', 'x', 'x')")
    try:
        assert "locked" in one_line_error(hc("history", "--db", db, timeout=120), 1)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_live_session_is_kept(tmp_path, sample_labels):
    db = tmp_path / "h.sqlite3"
    name = "hinge_rounded.mp4"
    r = hc(
        "live",
        "--source",
        SAMPLES / name,
        "--no-window",
        "--no-audio",
        "--db",
        db,
        "--athlete",
        "sam",
        "--summary",
        tmp_path / "s.json",
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    (s,) = history_json(db)
    assert s["kind"] == "live" and s["source"] == str(SAMPLES / name) and s["athlete"] == "sam"
    assert [r["verdict"] for r in s["rep_details"]] == sample_labels[name]["reps"]
    summary = json.loads((tmp_path / "s.json").read_text())
    assert "result" not in summary and s["started"] == summary["started"]


def test_corrupt_history_loses_no_review(tmp_path, landmark_cache_dir):
    db = tmp_path / "h.sqlite3"
    db.write_bytes(b"SQLite format 3\x00" + os.urandom(5000))  # a real header, garbage after it
    before = db.read_bytes()
    r = hc("review", SAMPLES / "hinge_neutral_left.mp4", "--db", db, "--out", tmp_path / "rev")
    assert r.returncode == 0, r.stderr
    for name in ("annotated.mp4", "report.html", "result.json", "reps.csv"):
        assert (tmp_path / "rev" / name).stat().st_size > 0
    warnings = [line for line in r.stderr.splitlines() if line.startswith("warning: history")]
    assert len(warnings) == 1 and str(db) in warnings[0] and "Traceback" not in r.stderr
    assert db.read_bytes() == before


def test_sessions_with_no_rep_judged_say_their_verdict(tmp_path, landmark_cache_dir):
    """A front view and an empty scene kept in the history: the table (``history``, the review
    report's progress) shows their verdict, where every other cell of theirs was blank, and the
    report draws no progress plot when no session has a judged rep to put on it (two empty panels)."""
    from hingecheck.history.trend import COLUMNS

    db = tmp_path / "h.sqlite3"
    clips = [SAMPLES / "front_view.mp4", SAMPLES / "empty_scene.mp4"]
    r = hc("score", *clips, "--db", db, "--athlete", "ann", "--out", tmp_path / "s.json")
    assert r.returncode == 0, r.stderr
    env = {**os.environ, "COLUMNS": "250"}
    r = subprocess.run(
        [sys.executable, "-m", "hingecheck", "history", "--db", str(db)], capture_output=True, text=True, env=env
    )
    assert r.returncode == 0, r.stderr
    rows = {line.split("│")[6].strip(): line for line in r.stdout.splitlines() if ".mp4" in line}
    assert "verdict" in COLUMNS and "unusable view" in rows["front_view.mp4"] and "no reps" in rows["empty_scene.mp4"]
    front = tmp_path / "front.mp4"  # its own folder: labels.json does not name it
    shutil.copy(SAMPLES / "front_view.mp4", front)
    r = hc("review", front, "--db", db, "--athlete", "ann", "--out", tmp_path / "r")
    assert r.returncode == 0, r.stderr
    html = (tmp_path / "r" / "report.html").read_text()
    assert 'id="trend-table"' in html and "unusable view" in html and 'id="trend-plot"' not in html


def _panels(img):
    """(top, bottom) px of each plot panel, top to bottom: the rows of its frame's dark edges."""
    import numpy as np

    dark = img.max(axis=2) < 90
    rows = np.flatnonzero(dark.sum(axis=1) > 0.5 * img.shape[1])
    edges = [int(r.mean()) for r in np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1) if len(r)]
    return list(zip(edges[0::2], edges[1::2]))


def _dots(img, top, bottom, bgr):
    """Centres (x, y) px of the round markers of colour ``bgr`` between rows ``top`` and
    ``bottom``, left to right (the lines joining them are thinner and opened away)."""
    import cv2
    import numpy as np

    mask = (np.abs(img.astype(int) - bgr).max(axis=2) < 40).astype(np.uint8)
    mask[:top], mask[bottom:] = 0, 0
    dots = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (6, 6)))
    return sorted(cv2.connectedComponentsWithStats(dots)[3][1:].tolist())


def test_each_exercise_is_its_own_trend(tmp_path):
    """A lifter who deadlifts and does good mornings sees a trend per exercise: the table is one
    table per exercise, each with its own totals, and the plot two panels per exercise with one
    point per session of it (a deadlift session and a good-morning session were one line, the
    totals one % neutral over both). Sessions written by hand into a real history file, so the
    right numbers are known: deadlift 2/3, 3/3, 2/2 judged reps neutral; good morning 1/2, 2/2."""
    from datetime import datetime, timezone

    import cv2
    import numpy as np

    from hingecheck.history.store import HistoryStore, RepRow, SessionRow

    def session(day, hour, exercise, source, verdicts):
        reps = tuple(
            RepRow(index=i + 1, verdict=v, faults=(v,) if v in FAULTS else (), spine_flexion_deg=4.0 + i)
            for i, v in enumerate(verdicts)
        )
        started = datetime(2026, 11, day, hour, tzinfo=timezone.utc)
        return SessionRow(started, "sam", exercise, "score", f"/clips/{source}", "neutral", "side", reps)

    db = tmp_path / "h.sqlite3"
    with HistoryStore.open(db) as store:
        store.add(session(20, 18, "deadlift", "dl1.mp4", ["neutral", "neutral", "hips_rise_first"]))
        store.add(session(20, 19, "good_morning", "gm1.mp4", ["neutral", "lumbar_rounding"]))
        store.add(session(21, 18, "deadlift", "dl2.mp4", ["neutral"] * 3))
        store.add(session(21, 19, "good_morning", "gm2.mp4", ["neutral"] * 2))
        store.add(session(22, 18, "deadlift", "dl3.mp4", ["neutral", "not_judged", "neutral"]))
    png = tmp_path / "trend.png"
    r = hc("history", "--db", db, "--plot", png)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "deadlift: 3 sessions, 9 reps, 8 judged: 88% neutral" in out  # 7 of 8
    assert "good morning: 2 sessions, 4 reps, 4 judged: 75% neutral" in out  # 3 of 4
    dl = out[out.index("): deadlift") : out.index("deadlift: 3 sessions")]
    gm = out[out.index("): good morning") : out.index("good morning: 2 sessions")]
    # Each table holds its own exercise's sessions, in time order.
    assert [dl.index(f"dl{i}.mp4") for i in (1, 2, 3)] == sorted(dl.index(f"dl{i}.mp4") for i in (1, 2, 3))
    assert gm.index("gm1.mp4") < gm.index("gm2.mp4") and ".mp4" not in gm.replace("gm1.mp4", "").replace("gm2.mp4", "")
    assert "gm1.mp4" not in dl and "gm2.mp4" not in dl

    img = cv2.imread(str(png))
    panels = _panels(img)
    blue, red = (180, 111, 31), (43, 57, 192)  # the athlete's line, the lumbar limit (BGR)
    assert [len(_dots(img, top, bottom, blue)) for top, bottom in panels] == [3, 3, 2, 2]
    for (top, bottom), want in zip(panels[0::2], ([200 / 3, 100, 100], [50, 100])):  # % neutral, -5 to 105
        shown = [105 - 110 * (y - top) / (bottom - top) for _, y in _dots(img, top, bottom, blue)]
        assert shown == pytest.approx(want, abs=2)
    for top, bottom in panels[1::2]:  # each exercise's limit drawn on its spine panel
        assert (np.abs(img[top:bottom].astype(int) - red).max(axis=2) < 40).sum() > 200
    SHOTS.mkdir(exist_ok=True)
    shutil.copy(png, SHOTS / "history_trend_per_exercise.png")


def test_an_oblique_sessions_spine_is_marked_not_a_trend_point(tmp_path, landmark_cache_dir):
    """A session filmed about 45 deg off the side put its peak spine flexion into the table and
    the trend like any other (deadlift-web/good002: -18.4, a back 'arched' that the report itself
    warns is not reliable from there), so a coach read a jump in the trend that is the camera's.
    Now its cell says '(oblique)' and its point on the spine panel is hollow, with a line saying
    why. Real model: a side-on sample clip and a lifter rendered 42 deg round from the side."""
    import cv2

    from hingecheck.synth.scenarios import Scenario, render_scenario

    db = tmp_path / "h.sqlite3"
    side, obl = tmp_path / "side.mp4", tmp_path / "oblique.mp4"
    shutil.copy(SAMPLES / "hinge_neutral_right.mp4", side)
    render_scenario(Scenario("oblique", "hinge", ("neutral",), yaw=42.0, seed=22), obl)
    for i, clip in enumerate((side, obl)):
        r = hc("review", clip, "--exercise", "hinge", "--db", db, "--athlete", "ann", "--out", tmp_path / f"r{i}")
        assert r.returncode == 0, r.stderr
    env = {**os.environ, "COLUMNS": "250"}
    r = subprocess.run(
        [sys.executable, "-m", "hingecheck", "history", "--db", str(db), "--plot", str(tmp_path / "t.png")],
        capture_output=True,
        text=True,
        env=env,
    )
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    header = [c.strip() for c in next(x for x in lines if "peak spine" in x).split("┃")]
    spine = header.index("peak spine °")
    rows = {x.split("│")[6].strip(): [c.strip() for c in x.split("│")] for x in lines if ".mp4" in x}
    assert rows["oblique.mp4"][spine].endswith("(oblique)"), rows
    assert "oblique" not in rows["side.mp4"][spine] and rows["side.mp4"][spine], rows
    img = cv2.imread(str(tmp_path / "t.png"))
    (top, bottom), (top2, bottom2) = _panels(img)[:2]
    blue = (180, 111, 31)  # the first athlete's colour, #1f6fb4, as BGR
    assert len(_dots(img, top, bottom, blue)) == 2  # % neutral: both sessions
    assert len(_dots(img, top2, bottom2, blue)) == 1  # spine: the side-on one filled, the oblique hollow


def test_an_arched_peak_spine_reads_arched_not_minus(tmp_path):
    """A session whose back never rounded (every rep's spine held arched: standing outlines read
    arched, lordosis and glutes) showed "peak spine ° -5.3" in the table, a minus sign a lifter
    could not read. The table says "5.3 arched" (a flexion stays a number); the CSV and JSON
    exports keep the signed number people's scripts rely on. Sessions written by hand into a
    real history file, so the values are known."""
    from datetime import datetime, timezone

    from hingecheck.history.store import HistoryStore, RepRow, SessionRow

    def session(hour, source, spines):
        reps = tuple(RepRow(index=i + 1, verdict="neutral", spine_flexion_deg=v) for i, v in enumerate(spines))
        started = datetime(2026, 11, 20, hour, tzinfo=timezone.utc)
        return SessionRow(started, "sam", "hinge", "live", f"/clips/{source}", "neutral", "side", reps)

    db = tmp_path / "h.sqlite3"
    with HistoryStore.open(db) as store:
        store.add(session(18, "arched.mp4", [-6.2, -5.3]))
        store.add(session(19, "rounded.mp4", [4.0, 7.5]))
    r = subprocess.run(
        [sys.executable, "-m", "hingecheck", "history", "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert r.returncode == 0, r.stderr
    (arched,) = [line for line in r.stdout.splitlines() if "arched.mp4" in line]
    (rounded,) = [line for line in r.stdout.splitlines() if "rounded.mp4" in line]
    assert "5.3 arched" in arched and "-5.3" not in arched, arched
    assert " 7.5 " in rounded and "arched" not in rounded, rounded
    r = hc("history", "--db", db, "--format", "csv")
    rows = {Path(row["source"]).name: row for row in csv.DictReader(io.StringIO(r.stdout))}
    assert float(rows["arched.mp4"]["peak_spine_deg"]) == -5.3 and float(rows["rounded.mp4"]["peak_spine_deg"]) == 7.5
    (arched_json,) = [s for s in history_json(db) if s["source"].endswith("arched.mp4")]
    assert arched_json["peak_spine_deg"] == -5.3


@pytest.mark.parametrize("name, fmt", [("h.csv", "json"), ("h.json", "csv"), ("h.jsonl", "json")])
def test_an_export_format_that_contradicts_the_out_extension_is_a_usage_error(tmp_path, name, fmt):
    """``history -f json -o h.csv`` wrote JSON into a ``.csv`` file: as ``score``, one line naming
    both and exit 2, nothing written."""
    out = tmp_path / name
    r = hc("history", "--format", fmt, "--out", out, "--db", tmp_path / "h.sqlite3")
    err = one_line_error(r, 2)
    assert err == f"error: {out}: --format {fmt} contradicts its .{name.rsplit('.', 1)[1]} extension", err
    assert not out.exists()


def test_a_clip_scored_from_two_folders_is_one_source(tmp_path, landmark_cache_dir):
    """The history kept ``source`` as typed: ``sample_videos/hinge_squatty.mp4`` scored from the
    project and ``hinge_squatty.mp4`` scored from ``sample_videos/`` looked like two sources (and
    ``clips/a.mp4`` from two lab folders like one). It keeps the clip's absolute path, its folder
    resolved (a link to the folder too); a camera stays ``camera N`` (tests/history/test_store.py)."""
    db = tmp_path / "h.sqlite3"
    link = tmp_path / "linked"
    link.symlink_to(SAMPLES, target_is_directory=True)
    name = "hinge_squatty.mp4"
    for cwd, typed in ((SAMPLES.parent, f"{SAMPLES.name}/{name}"), (SAMPLES, name), (tmp_path, f"linked/{name}")):
        r = subprocess.run(
            [sys.executable, "-m", "hingecheck", "score", typed, "--db", str(db), "--exercise", "hinge"],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=cwd,
        )
        assert r.returncode == 0, r.stderr[-2000:]
    sources = [s["source"] for s in history_json(db)]
    assert len(sources) == 3 and len(set(sources)) == 1, sources
    assert os.path.isabs(sources[0]) and os.path.samefile(sources[0], SAMPLES / name), sources
    assert "linked" not in sources[0] and os.path.basename(sources[0]) == name
