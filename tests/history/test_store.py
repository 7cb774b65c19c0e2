"""The history file on a real SQLite file: round trip, two writer processes, a writer killed
mid-transaction, migration from schema 1, corrupt / foreign / newer / locked files."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta, timezone

import pytest

from hingecheck.core.results import ClipResult, Rep
from hingecheck.history.store import (
    PAUSE_TEST_ENV,
    SCHEMA_VERSION,
    Filter,
    HistoryError,
    HistoryStore,
    RepRow,
    SessionRow,
    session_from_result,
)

T0 = datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc)


def rep(i, verdict, faults=(), spine=5.0, not_judged=None):
    return Rep(
        index=i,
        start_frame=10 * i,
        bottom_frame=10 * i + 5,
        end_frame=10 * i + 9,
        start_s=i,
        bottom_s=i + 0.5,
        end_s=i + 0.9,
        verdict=verdict,
        faults=tuple(faults),
        notes=("rushed_tempo",) if i == 2 else (),
        hip_flexion_deg=80.0 + i,
        knee_flexion_deg=20.0,
        trunk_incline_deg=70.0,
        spine_flexion_deg=spine,
        descent_s=1.0,
        ascent_s=1.0,
        score=90.0 - 10 * i,
        evidence={"spine_peak_deg": spine + 3.0},
        not_judged=not_judged or {},
    )


def clip(reps, exercise="hinge", verdict="neutral"):
    return ClipResult(
        file="/clips/day.mp4",
        status="ok",
        exercise=exercise,
        view="side",
        frames=300,
        fps=30.0,
        detected_fraction=1.0,
        verdict=verdict,
        score=80.0,
        reps=tuple(reps),
    )


def sqlite_count(path, table):
    con = sqlite3.connect(path)
    try:
        return con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def test_round_trip_keeps_every_field_and_filters(tmp_path):
    db = tmp_path / "sub" / "h.sqlite3"  # the folder is created
    result = clip(
        [
            rep(1, "neutral"),
            rep(2, "lumbar_rounding", ["lumbar_rounding", "neck_extension"], spine=24.0),
            rep(3, "not_judged", spine=30.0, not_judged={"lumbar_rounding": "lifter too small"}),
        ]
    )
    a = session_from_result(result, kind="review", athlete="ana", started=T0)
    b = session_from_result(
        result.to_dict(), kind="score", athlete="ben", started=T0 + timedelta(days=2), source="/clips/other.mp4"
    )
    with HistoryStore.open(db) as store:
        assert store.schema_version == SCHEMA_VERSION
        ids = [store.add(a), store.add(b)]
    with HistoryStore.open(db) as store:  # a new connection reads what the first wrote
        got = store.sessions()
        assert [s.id for s in got] == ids
        first = got[0]
        assert (first.athlete, first.kind, first.exercise, first.source, first.verdict, first.view) == (
            "ana",
            "review",
            "hinge",
            "/clips/day.mp4",
            "neutral",
            "side",
        )
        assert first.started == T0
        assert [r.verdict for r in first.reps] == ["neutral", "lumbar_rounding", "not_judged"]
        r2 = first.reps[1]
        assert r2.faults == ("lumbar_rounding", "neck_extension") and r2.notes == ("rushed_tempo",)
        assert (
            r2.hip_flexion_deg,
            r2.knee_flexion_deg,
            r2.trunk_incline_deg,
            r2.spine_flexion_deg,
            r2.spine_peak_deg,
            r2.score,
        ) == (82.0, 20.0, 70.0, 24.0, 27.0, 70.0)
        assert first.reps[2].not_judged == ("lumbar_rounding",)
        # Derived by hand: 2 judged reps, 1 neutral; the untrusted spine (30) is not the peak.
        assert first.judged == 2 and first.pct_neutral == 50.0 and first.peak_spine_deg == 24.0
        assert first.most_common_fault == "lumbar_rounding"
        assert got[1].source == "/clips/other.mp4" and got[1].started == T0 + timedelta(days=2)
        assert [s.athlete for s in store.sessions(Filter(athlete="ben"))] == ["ben"]
        assert store.sessions(Filter(exercise="deadlift")) == []
        local_day = (T0 + timedelta(days=2)).astimezone().date()
        assert [s.athlete for s in store.sessions(Filter(since=local_day))] == ["ben"]
        assert [s.athlete for s in store.sessions(Filter(until=local_day - timedelta(days=1)))] == ["ana"]
        assert store.delete(Filter(athlete="ana")) == (1, 3)
    assert sqlite_count(db, "sessions") == 1 and sqlite_count(db, "reps") == 3
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


WRITER = textwrap.dedent("""
    import sys, time, os
    from datetime import datetime, timezone
    from hingecheck.history.store import HistoryStore, RepRow, SessionRow
    db, name, n, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    open(go + "." + name, "w").close()  # ready
    while not os.path.exists(go):
        time.sleep(0.005)
    with HistoryStore.open(db) as store:   # both open a file that does not exist yet
        for i in range(n):
            reps = tuple(RepRow(index=j + 1, verdict="neutral", spine_flexion_deg=float(i)) for j in range(3))
            store.add(SessionRow(started=datetime.now(timezone.utc), athlete=name, exercise="hinge", kind="score",
                                 source=f"{name}-{i}.mp4", reps=reps))
            time.sleep(0.003)  # a pause between sessions, so the two writers' transactions interleave
""")


def test_two_writer_processes_lose_nothing(tmp_path):
    db, go, n = tmp_path / "h.sqlite3", tmp_path / "go", 100
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db), name, str(n), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("w1", "w2")
    ]
    deadline = time.time() + 60
    while not all((tmp_path / f"go.{w}").exists() for w in ("w1", "w2")):  # both interpreters up and waiting
        assert time.time() < deadline and all(p.poll() is None for p in procs)
        time.sleep(0.01)
    go.touch()
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    con = sqlite3.connect(db)
    sources = sorted(r[0] for r in con.execute("SELECT source FROM sessions"))
    assert sources == sorted(f"{w}-{i}.mp4" for w in ("w1", "w2") for i in range(n))
    assert con.execute("SELECT COUNT(*) FROM reps").fetchone()[0] == 2 * n * 3
    # The writers did overlap: in id order, sessions of the two alternate more than once.
    order = [r[0] for r in con.execute("SELECT athlete FROM sessions ORDER BY id")]
    assert sum(a != b for a, b in zip(order, order[1:])) >= 2, order
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()


KILLED = textwrap.dedent("""
    import sys
    from datetime import datetime, timezone
    from hingecheck.history.store import HistoryStore, RepRow, SessionRow
    reps = tuple(RepRow(index=j + 1, verdict="neutral") for j in range(5))
    with HistoryStore.open(sys.argv[1]) as store:
        store.add(SessionRow(started=datetime.now(timezone.utc), athlete="victim", exercise="hinge", kind="live",
                             source="camera 0", reps=reps))
""")


def test_writer_killed_mid_transaction_leaves_a_consistent_file(tmp_path):
    db, marker = tmp_path / "h.sqlite3", tmp_path / "inside"
    with HistoryStore.open(db) as store:
        for i in range(2):
            store.add(
                SessionRow(
                    started=T0,
                    athlete="kept",
                    exercise="hinge",
                    kind="score",
                    source=f"{i}.mp4",
                    reps=(RepRow(1, "neutral"), RepRow(2, "neutral")),
                )
            )
    before = db.read_bytes()
    env = {**os.environ, PAUSE_TEST_ENV: str(marker)}
    p = subprocess.Popen([sys.executable, "-c", KILLED, str(db)], env=env, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while not marker.exists():
        assert p.poll() is None, p.stderr.read()
        assert time.time() < deadline, "the writer never reached the middle of its transaction"
        time.sleep(0.02)
    # The session row and its first rep are written inside the open transaction right now.
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=10)
    assert p.returncode == -signal.SIGKILL
    # Read with plain sqlite3 first (not the code under test).
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 2
    assert con.execute("SELECT COUNT(*) FROM sessions WHERE athlete = 'victim'").fetchone()[0] == 0
    assert con.execute("SELECT COUNT(*) FROM reps").fetchone()[0] == 4
    assert con.execute("SELECT COUNT(*) FROM reps WHERE session_id NOT IN (SELECT id FROM sessions)").fetchone()[0] == 0
    con.close()
    assert len(before) > 0
    with HistoryStore.open(db) as store:  # and it takes new sessions
        store.add(SessionRow(started=T0, athlete="after", exercise="hinge", kind="score", source="x.mp4"))
        assert [s.athlete for s in store.sessions()] == ["kept", "kept", "after"]


def test_schema_1_file_is_migrated_and_keeps_its_rows(tmp_path):
    db = tmp_path / "old.sqlite3"
    con = sqlite3.connect(db)  # schema 1 as the first draft wrote it, by hand
    con.executescript("""
        CREATE TABLE sessions (id INTEGER PRIMARY KEY, started TEXT NOT NULL, athlete TEXT NOT NULL,
                               exercise TEXT NOT NULL, kind TEXT NOT NULL, source TEXT NOT NULL);
        CREATE TABLE reps (session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
                           idx INTEGER NOT NULL, verdict TEXT NOT NULL, faults TEXT NOT NULL, score REAL,
                           PRIMARY KEY (session_id, idx));
        INSERT INTO sessions VALUES (1, '2026-01-05T08:00:00+00:00', 'old', 'deadlift', 'live', 'camera 0');
        INSERT INTO sessions VALUES (2, '2026-01-07T08:00:00+00:00', 'old', 'deadlift', 'score', '/c/a.mp4');
        INSERT INTO reps VALUES (1, 1, 'neutral', '[]', 91.0);
        INSERT INTO reps VALUES (1, 2, 'hips_rise_first', '["hips_rise_first"]', 40.0);
        INSERT INTO reps VALUES (2, 1, 'neutral', '[]', 88.0);
        PRAGMA user_version = 1;
    """)
    con.commit()
    con.close()
    with HistoryStore.open(db) as store:
        assert store.schema_version == SCHEMA_VERSION
        old = store.sessions()
        assert [(s.id, s.kind, s.source, s.n_reps) for s in old] == [
            (1, "live", "camera 0", 2),
            (2, "score", "/c/a.mp4", 1),
        ]
        assert old[0].reps[1].faults == ("hips_rise_first",) and old[0].reps[1].score == 40.0
        assert old[0].reps[1].notes == () and old[0].reps[1].spine_flexion_deg is None and old[0].verdict is None
        assert old[0].pct_neutral == 50.0 and old[0].most_common_fault == "hips_rise_first"
        new = store.add(
            session_from_result(
                clip([rep(1, "neutral", spine=7.5)], "deadlift"), kind="review", athlete="old", started=T0
            )
        )
        assert store.sessions(Filter(ids=(new,)))[0].reps[0].spine_flexion_deg == 7.5
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()


def _one_line_error(db, **kw) -> str:
    with pytest.raises(HistoryError) as e:
        HistoryStore.open(db, **kw)
    text = str(e.value)
    assert text.startswith(f"{db}: ") and "\n" not in text
    return text


def test_corrupt_file_is_one_line_and_never_written(tmp_path):
    import random

    db = tmp_path / "h.sqlite3"
    db.write_bytes(random.Random(15).randbytes(20000))
    before = db.read_bytes()
    assert "not a readable history" in _one_line_error(db)
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.sqlite3"]  # no -wal, no -shm, no new file


def test_damaged_pages_inside_a_real_history(tmp_path):
    db = tmp_path / "h.sqlite3"
    with HistoryStore.open(db) as store:
        for i in range(200):
            store.add(
                SessionRow(
                    started=T0,
                    athlete="a",
                    exercise="hinge",
                    kind="score",
                    source=f"{i}.mp4" * 20,
                    reps=tuple(RepRow(j, "neutral") for j in range(1, 6)),
                )
            )
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    data = bytearray(db.read_bytes())
    page = 4096
    assert len(data) > 8 * page
    data[2 * page : len(data) - page] = bytes(range(256)) * ((len(data) - 3 * page) // 256)  # header kept
    db.write_bytes(bytes(data))
    before = db.read_bytes()
    with pytest.raises(HistoryError) as e:
        with HistoryStore.open(db) as store:
            store.sessions()
    assert str(e.value).startswith(f"{db}: ") and "\n" not in str(e.value)
    assert db.read_bytes() == before


def test_foreign_and_newer_databases_are_left_alone(tmp_path):
    other = tmp_path / "other.sqlite3"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE contacts (name TEXT)")
    con.commit()
    con.close()
    before = other.read_bytes()
    assert "another program" in _one_line_error(other)
    assert other.read_bytes() == before
    newer = tmp_path / "newer.sqlite3"
    with HistoryStore.open(newer):
        pass
    con = sqlite3.connect(newer)
    con.execute("PRAGMA user_version = 99")
    con.commit()
    con.close()
    assert "newer hingecheck" in _one_line_error(newer)


def test_locked_file_is_one_line(tmp_path):
    db = tmp_path / "h.sqlite3"
    with HistoryStore.open(db):
        pass
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO sessions (started, athlete, exercise, kind, source) VALUES ('x', 'x', 'x', 'x', 'x')")
    try:
        t = time.monotonic()
        assert "locked" in _one_line_error(db, timeout_s=0.5)
        assert time.monotonic() - t >= 0.4  # it waited for the lock (busy timeout) before giving up
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with HistoryStore.open(db) as store:
        assert store.sessions() == []


def test_a_source_is_kept_absolute_and_a_camera_as_it_is(tmp_path, monkeypatch):
    """A clip typed relative (``clips/a.mp4``, ``./clips/../clips/a.mp4``) is kept as its absolute
    path, so one clip scored from two folders is one source; an image glob by its folder; a camera,
    or a path to no file, as typed (nothing to resolve it against)."""
    from hingecheck.history.store import clip_source

    (tmp_path / "clips").mkdir()
    (tmp_path / "clips" / "a.mp4").write_bytes(b"x")
    (tmp_path / "clips" / "s1.jpg").write_bytes(b"x")
    monkeypatch.chdir(tmp_path)
    whole = str(tmp_path.resolve() / "clips" / "a.mp4")
    for typed in ("clips/a.mp4", "./clips/../clips/a.mp4", whole):
        s = session_from_result(clip([]).to_dict() | {"file": typed}, kind="score", athlete="a", started=T0)
        assert s.source == whole, typed
    assert clip_source("clips/*.jpg") == str(tmp_path.resolve() / "clips" / "*.jpg")
    for kept in ("camera 0", "gone/a.mp4", "clips/*.png", ""):
        assert clip_source(kept) == kept
    live = session_from_result(clip([]), kind="live", athlete="a", started=T0, source="camera 0")
    assert live.source == "camera 0"
