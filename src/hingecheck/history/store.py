"""The history file: one SQLite database (the standard library's ``sqlite3``) holding every
session (a ``live`` session, a ``review``, one clip of a ``score`` run) and its reps.

Safety, in order of what goes wrong:

* **Two writers at once** (a ``score`` batch and a ``live`` session): the database is in WAL
  mode, every connection waits up to ``timeout_s`` for a lock (``busy_timeout``), and writes
  take the write lock at the start of their transaction (``BEGIN IMMEDIATE``), so nothing is
  lost and no transaction deadlocks upgrading a read lock.
* **A crash mid-write**: a session and all its reps are one transaction; SQLite rolls an
  unfinished one back when the file is next opened, so a session is there whole or not at all.
* **An older file**: ``PRAGMA user_version`` holds the schema version; :data:`MIGRATIONS`
  brings an older file up to :data:`SCHEMA_VERSION` in one transaction (rows kept).
* **A file that is not ours** (random bytes, another program's database, a newer schema) or a
  database locked for longer than ``timeout_s``: a one-line :class:`HistoryError`
  (``PATH: problem``); the file is never written to, let alone replaced.

Times are stored as ISO 8601 text in UTC (``2026-11-25T18:20:00+00:00``), so text order is time
order. Angles are degrees, scores 0-100 (as in ``core.results``).
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from datetime import time as dtime
from pathlib import Path

from hingecheck.core.results import FAULTS, NEUTRAL, NOT_JUDGED, ClipResult

#: The schema this code writes. Bump it by appending to :data:`MIGRATIONS`, never by editing one.
SCHEMA_VERSION = 2
#: ``MIGRATIONS[v - 1]`` takes a database from schema ``v - 1`` to ``v`` (statements run in one
#: transaction with the version bump). Schema 1 (the first draft) kept rep verdicts, faults and
#: scores only; schema 2 adds the session verdict and view, the notes, the key angles and the
#: checks not judged of every rep, and an index by athlete and time.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            started TEXT NOT NULL,
            athlete TEXT NOT NULL,
            exercise TEXT NOT NULL,
            kind TEXT NOT NULL,
            source TEXT NOT NULL)""",
        """CREATE TABLE reps (
            session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            verdict TEXT NOT NULL,
            faults TEXT NOT NULL,
            score REAL,
            PRIMARY KEY (session_id, idx))""",
    ),
    (
        "ALTER TABLE sessions ADD COLUMN verdict TEXT",
        "ALTER TABLE sessions ADD COLUMN view TEXT",
        "ALTER TABLE reps ADD COLUMN notes TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE reps ADD COLUMN not_judged TEXT NOT NULL DEFAULT '{}'",
        "ALTER TABLE reps ADD COLUMN hip_flexion_deg REAL",
        "ALTER TABLE reps ADD COLUMN knee_flexion_deg REAL",
        "ALTER TABLE reps ADD COLUMN trunk_incline_deg REAL",
        "ALTER TABLE reps ADD COLUMN spine_flexion_deg REAL",
        "ALTER TABLE reps ADD COLUMN spine_peak_deg REAL",
        "CREATE INDEX sessions_by_athlete ON sessions (athlete, started)",
    ),
)
assert len(MIGRATIONS) == SCHEMA_VERSION

#: How a session came to be.
KINDS: tuple[str, ...] = ("live", "review", "score")
#: Environment: another history file (the CLI's ``--db`` reads it too).
DB_ENV = "HINGECHECK_DB"
#: Environment, for tests and demonstrations: the time new sessions are recorded at (ISO 8601;
#: without an offset it is local time) instead of now.
NOW_ENV = "HINGECHECK_NOW"
#: Test hook: when set to a path, :meth:`HistoryStore.add` creates that file in the middle of its
#: transaction (the session and its first rep written, the rest not) and sleeps, so a test can
#: kill the process there.
PAUSE_TEST_ENV = "HINGECHECK_TEST_HISTORY_PAUSE"
#: Seconds a connection waits for another process's lock before giving up.
DEFAULT_TIMEOUT_S = 5.0
FILE_NAME = "history.sqlite3"


class HistoryError(Exception):
    """A history file that cannot be used; the message is one line, ``PATH: problem``."""


@dataclass(frozen=True)
class RepRow:
    """One rep as kept: verdict, faults, notes, key angles at the bottom (degrees), score (0-100)."""

    index: int
    verdict: str
    faults: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    score: float | None = None
    hip_flexion_deg: float | None = None
    knee_flexion_deg: float | None = None
    trunk_incline_deg: float | None = None
    spine_flexion_deg: float | None = None  # held through the rep (the judged value)
    spine_peak_deg: float | None = None  # the rep's peak
    not_judged: tuple[str, ...] = ()  # checks that could not be judged on this rep

    def to_dict(self) -> dict:
        return {
            "index": self.index,
            "verdict": self.verdict,
            "faults": list(self.faults),
            "notes": list(self.notes),
            "score": self.score,
            "hip_flexion_deg": self.hip_flexion_deg,
            "knee_flexion_deg": self.knee_flexion_deg,
            "trunk_incline_deg": self.trunk_incline_deg,
            "spine_flexion_deg": self.spine_flexion_deg,
            "spine_peak_deg": self.spine_peak_deg,
            "not_judged": list(self.not_judged),
        }


@dataclass(frozen=True)
class SessionRow:
    """One session: when (aware datetime, UTC), who, what, from where, and its reps.

    ``id`` is None until the session is stored. ``kind`` is one of :data:`KINDS`; ``source`` the
    clip's absolute path (:func:`clip_source`; a session stored before it was kept as typed, maybe
    relative, and is left so: the folder it was typed in is not known) or ``camera N``.
    """

    started: datetime
    athlete: str
    exercise: str
    kind: str
    source: str
    verdict: str | None = None
    view: str | None = None
    reps: tuple[RepRow, ...] = ()
    id: int | None = None

    @property
    def n_reps(self) -> int:
        return len(self.reps)

    @property
    def judged(self) -> int:
        """Reps with a verdict on their form (not ``not_judged``)."""
        return sum(r.verdict != NOT_JUDGED for r in self.reps)

    @property
    def pct_neutral(self) -> float | None:
        """Percent of the judged reps that were neutral; None when no rep was judged."""
        judged = self.judged
        return 100.0 * sum(r.verdict == NEUTRAL for r in self.reps) / judged if judged else None

    @property
    def peak_spine_deg(self) -> float | None:
        """The highest spine flexion (degrees, held through the rep: the value the verdict reads)
        over the reps whose spine was judged; None when there is none."""
        values = [
            r.spine_flexion_deg
            for r in self.reps
            if r.spine_flexion_deg is not None and "lumbar_rounding" not in r.not_judged
        ]
        return max(values) if values else None

    @property
    def most_common_fault(self) -> str | None:
        """The fault seen on most reps (ties: the one a coach corrects first), or None."""
        counts = Counter(f for r in self.reps for f in r.faults)
        if not counts:
            return None
        return min(counts, key=lambda f: (-counts[f], FAULTS.index(f) if f in FAULTS else len(FAULTS)))

    def to_dict(self, reps: bool = True) -> dict:
        d = {
            "id": self.id,
            "started": _iso(self.started),
            "athlete": self.athlete,
            "exercise": self.exercise,
            "kind": self.kind,
            "source": self.source,
            "verdict": self.verdict,
            "view": self.view,
            "reps": self.n_reps,
            "judged": self.judged,
            "pct_neutral": None if self.pct_neutral is None else round(self.pct_neutral, 1),
            "peak_spine_deg": self.peak_spine_deg,
            "most_common_fault": self.most_common_fault,
        }
        if reps:
            d["rep_details"] = [r.to_dict() for r in self.reps]
        return d


@dataclass(frozen=True)
class Filter:
    """Which sessions: by athlete, exercise, ids, and local calendar dates (``since`` and
    ``until`` inclusive). Empty fields select everything."""

    athlete: str | None = None
    exercise: str | None = None
    since: date | None = None
    until: date | None = None
    ids: tuple[int, ...] = field(default_factory=tuple)

    def is_empty(self) -> bool:
        return not (self.athlete or self.exercise or self.since or self.until or self.ids)

    def sql(self) -> tuple[str, list]:
        where, args = [], []
        if self.athlete is not None:
            where.append("athlete = ?")
            args.append(self.athlete)
        if self.exercise is not None:
            where.append("exercise = ?")
            args.append(self.exercise)
        if self.since is not None:
            where.append("started >= ?")
            args.append(_iso(_local_midnight(self.since)))
        if self.until is not None:
            where.append("started < ?")
            args.append(_iso(_local_midnight(self.until + timedelta(days=1))))
        if self.ids:
            where.append(f"id IN ({','.join('?' * len(self.ids))})")
            args.extend(self.ids)
        return (" WHERE " + " AND ".join(where)) if where else "", args


# --- helpers ---------------------------------------------------------------------------------


def default_path() -> Path:
    """``$HINGECHECK_DB``, else ``history.sqlite3`` in the user's data folder (platformdirs:
    ``~/.local/share/hingecheck`` on Linux, ``~/Library/Application Support/hingecheck`` on
    macOS, ``%LOCALAPPDATA%\\hingecheck`` on Windows)."""
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("hingecheck", appauthor=False)) / FILE_NAME


def default_athlete() -> str:
    """The operating-system user name (``athlete`` when there is none)."""
    import getpass

    try:
        return getpass.getuser() or "athlete"
    except Exception:  # noqa: BLE001 - no user name in this environment (a container without one)
        return "athlete"


def now() -> datetime:
    """The time a session is recorded at: now, or ``$HINGECHECK_NOW`` (see :data:`NOW_ENV`)."""
    env = os.environ.get(NOW_ENV)
    return parse_time(env) if env else datetime.now(timezone.utc)


def parse_time(text: str) -> datetime:
    """ISO 8601 → aware datetime (a naive one is local time). Raises ValueError."""
    t = datetime.fromisoformat(text.strip())
    return t.astimezone() if t.tzinfo is None else t


def parse_date(text: str) -> date:
    """``YYYY-MM-DD`` → date. Raises ValueError with a one-line message for anything else."""
    import re

    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        raise ValueError(f"{text!r} is not a date (use YYYY-MM-DD)")
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a date on the calendar (use YYYY-MM-DD)") from None


def _iso(t: datetime) -> str:
    return t.astimezone(timezone.utc).isoformat(timespec="seconds")


def _local_midnight(d: date) -> datetime:
    return datetime.combine(d, dtime()).astimezone()


def _num(x) -> float | None:
    if x is None:
        return None
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def clip_source(source: str) -> str:
    """``source`` as the history keeps it: a clip's path absolute, its folder resolved (``..``, a
    link to the folder), its own name as typed (as ``score`` tells one clip from another), so a
    clip scored from two folders is one source; a quoted glob of images by its folder too.
    Anything that names no file (``camera 0``) is kept as it is. Resolved from the current folder,
    so call it in the process the path was typed in."""
    import glob

    if not source or not (os.path.isfile(source) or (glob.has_magic(source) and glob.glob(source))):
        return source
    head, name = os.path.split(source)
    return os.path.join(os.path.realpath(head or "."), name)


def session_from_result(
    result: ClipResult | dict, *, kind: str, athlete: str, started: datetime | None = None, source: str | None = None
) -> SessionRow:
    """A session from one analysed clip or live session: a :class:`ClipResult` or its
    ``to_dict()`` (the ``clips[]`` entry of the JSON schema, as ``score`` workers return it).
    ``source`` (default: the result's ``file``) goes through :func:`clip_source`."""
    if kind not in KINDS:
        raise ValueError(f"unknown session kind {kind!r}")
    d = result.to_dict() if isinstance(result, ClipResult) else result
    reps = []
    for r in d.get("reps") or ():
        ev = r.get("evidence") or {}
        reps.append(
            RepRow(
                index=int(r["index"]),
                verdict=str(r["verdict"]),
                faults=tuple(r.get("faults") or ()),
                notes=tuple(r.get("notes") or ()),
                score=_num(r.get("score")),
                hip_flexion_deg=_num(r.get("hip_flexion_deg")),
                knee_flexion_deg=_num(r.get("knee_flexion_deg")),
                trunk_incline_deg=_num(r.get("trunk_incline_deg")),
                spine_flexion_deg=_num(r.get("spine_flexion_deg")),
                spine_peak_deg=_num(ev.get("spine_peak_deg")),
                not_judged=tuple(sorted(r.get("not_judged") or {})),
            )
        )
    return SessionRow(
        started=started or now(),
        athlete=athlete,
        exercise=str(d.get("exercise") or "hinge"),
        kind=kind,
        source=clip_source(source if source is not None else str(d.get("file") or "")),
        verdict=d.get("verdict"),
        view=d.get("view"),
        reps=tuple(reps),
    )


# --- the store -------------------------------------------------------------------------------


class HistoryStore:
    """An open history file. Use :meth:`open` (or ``with HistoryStore.open(path) as store``)."""

    def __init__(self, con: sqlite3.Connection, path: Path, timeout_s: float):
        self._con = con
        self.path = path
        self.timeout_s = timeout_s

    @classmethod
    def open(cls, path: str | Path | None = None, timeout_s: float = DEFAULT_TIMEOUT_S) -> HistoryStore:
        """Open (creating it and its folder if missing) and migrate the history file.

        Raises :class:`HistoryError` for a file that is not a hingecheck history, is newer than
        this code, is locked for more than ``timeout_s`` seconds, or cannot be opened.
        """
        path = Path(path) if path is not None else default_path()
        if path.is_dir():
            raise HistoryError(f"{path}: is a folder, not a history file")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HistoryError(f"{path}: cannot create its folder ({exc.strerror or exc})") from None
        con = None
        try:
            con = sqlite3.connect(str(path), timeout=timeout_s, isolation_level=None)
            con.execute(f"PRAGMA busy_timeout = {int(timeout_s * 1000)}")
            store = cls(con, path, timeout_s)
            # Read-only checks first: a file that is not a database, another program's database or
            # a newer history fails here, before anything (even the switch to WAL) is written.
            con.execute("BEGIN")  # one read: another process may be creating the tables right now
            try:
                store._check_ours(store.schema_version)
            finally:
                con.execute("COMMIT")
            store._wal(time.monotonic() + timeout_s)
            con.execute("PRAGMA foreign_keys = ON")
            store._migrate()
            return store
        except sqlite3.Error as exc:
            if con is not None:
                con.close()
            raise _error(path, exc, timeout_s) from None
        except HistoryError:
            if con is not None:
                con.close()
            raise

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return int(self._con.execute("PRAGMA user_version").fetchone()[0])

    def _wal(self, deadline: float) -> None:
        """Switch to WAL (once per file: the mode is kept in the file). SQLite answers "locked" at
        once, without waiting, when two processes race to switch, so this retries until
        ``deadline`` (monotonic s)."""
        while True:
            try:
                if self._con.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    self._con.execute("PRAGMA journal_mode = WAL").fetchone()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc).lower() or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def _check_ours(self, version: int) -> None:
        """Raise :class:`HistoryError` unless this is a history file (or an empty database)."""
        if version > SCHEMA_VERSION:
            raise HistoryError(
                f"{self.path}: written by a newer hingecheck (history schema {version}, this one "
                f"reads up to {SCHEMA_VERSION}); left untouched"
            )
        if version == 0:
            tables = [
                r[0]
                for r in self._con.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                )
            ]
            if tables:
                raise HistoryError(
                    f"{self.path}: a SQLite database of another program (tables "
                    f"{', '.join(sorted(tables)[:4])}), not a hingecheck history; left untouched"
                )

    def _migrate(self) -> None:
        """Bring the file to :data:`SCHEMA_VERSION` in one write transaction (:meth:`_write`: a
        Ctrl-C just after its COMMIT stays a Ctrl-C, never a "cannot rollback" history problem)."""
        if self.schema_version == SCHEMA_VERSION:
            return
        with self._write() as con:
            version = self.schema_version  # another process may have migrated it meanwhile
            self._check_ours(version)
            for v in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[v - 1]:
                    con.execute(statement)
            con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # --- writing ---

    @contextmanager
    def _write(self):
        """One write transaction (``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any error); a
        SQLite problem becomes a one-line :class:`HistoryError`."""
        con = self._con
        try:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
                con.execute("COMMIT")
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise _error(self.path, exc, self.timeout_s) from None

    def add(self, session: SessionRow) -> int:
        """Store ``session`` and its reps in one transaction; returns its id."""
        with self._write() as con:
            cur = con.execute(
                "INSERT INTO sessions (started, athlete, exercise, kind, source, verdict, view) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    _iso(session.started),
                    session.athlete,
                    session.exercise,
                    session.kind,
                    session.source,
                    session.verdict,
                    session.view,
                ),
            )
            sid = int(cur.lastrowid)
            for i, r in enumerate(session.reps):
                con.execute(
                    "INSERT INTO reps (session_id, idx, verdict, faults, notes, not_judged, score, "
                    "hip_flexion_deg, knee_flexion_deg, trunk_incline_deg, spine_flexion_deg, spine_peak_deg) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        sid,
                        r.index,
                        r.verdict,
                        json.dumps(list(r.faults)),
                        json.dumps(list(r.notes)),
                        json.dumps(list(r.not_judged)),
                        r.score,
                        r.hip_flexion_deg,
                        r.knee_flexion_deg,
                        r.trunk_incline_deg,
                        r.spine_flexion_deg,
                        r.spine_peak_deg,
                    ),
                )
                if i == 0:
                    _pause_for_test()
        return sid

    def delete(self, which: Filter) -> tuple[int, int]:
        """Delete the sessions ``which`` selects (and their reps) in one transaction; returns
        ``(sessions, reps)`` deleted."""
        where, args = which.sql()
        with self._write() as con:
            n_reps = con.execute(
                f"SELECT COUNT(*) FROM reps WHERE session_id IN (SELECT id FROM sessions{where})", args
            ).fetchone()[0]
            n_sessions = con.execute(f"DELETE FROM sessions{where}", args).rowcount
        return int(n_sessions), int(n_reps)

    # --- reading ---

    def sessions(self, which: Filter = Filter()) -> list[SessionRow]:
        """The sessions ``which`` selects, oldest first, with their reps (one consistent read)."""
        where, args = which.sql()
        con = self._con
        try:
            con.execute("BEGIN")
            try:
                rows = con.execute(
                    f"SELECT id, started, athlete, exercise, kind, source, verdict, view FROM sessions"
                    f"{where} ORDER BY started, id",
                    args,
                ).fetchall()
                reps: dict[int, list[RepRow]] = {}
                for r in con.execute(
                    "SELECT session_id, idx, verdict, faults, notes, not_judged, score, hip_flexion_deg, "
                    "knee_flexion_deg, trunk_incline_deg, spine_flexion_deg, spine_peak_deg FROM reps "
                    f"WHERE session_id IN (SELECT id FROM sessions{where}) ORDER BY session_id, idx",
                    args,
                ):
                    reps.setdefault(r[0], []).append(
                        RepRow(
                            index=r[1],
                            verdict=r[2],
                            faults=tuple(json.loads(r[3])),
                            notes=tuple(json.loads(r[4])),
                            not_judged=tuple(json.loads(r[5])),
                            score=r[6],
                            hip_flexion_deg=r[7],
                            knee_flexion_deg=r[8],
                            trunk_incline_deg=r[9],
                            spine_flexion_deg=r[10],
                            spine_peak_deg=r[11],
                        )
                    )
            finally:
                con.execute("COMMIT")
        except sqlite3.Error as exc:
            raise _error(self.path, exc, self.timeout_s) from None
        except ValueError as exc:  # a JSON column that is not JSON: written by something else
            raise HistoryError(f"{self.path}: damaged rep data ({exc})") from None
        return [
            SessionRow(
                id=r[0],
                started=datetime.fromisoformat(r[1]),
                athlete=r[2],
                exercise=r[3],
                kind=r[4],
                source=r[5],
                verdict=r[6],
                view=r[7],
                reps=tuple(reps.get(r[0], ())),
            )
            for r in rows
        ]


def _pause_for_test() -> None:
    marker = os.environ.get(PAUSE_TEST_ENV)
    if marker:
        Path(marker).touch()
        time.sleep(3600)


def _error(path: Path, exc: sqlite3.Error, timeout_s: float) -> HistoryError:
    """A one-line :class:`HistoryError` for an sqlite3 error."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    low = text.lower()
    if "not a database" in low or "malformed" in low or "corrupt" in low:
        return HistoryError(f"{path}: not a readable history database ({text}); left untouched")
    if "locked" in low or "busy" in low:
        return HistoryError(f"{path}: locked by another program for more than {timeout_s:g} s; try again")
    if "unable to open" in low:
        return HistoryError(f"{path}: cannot open ({text})")
    if "readonly" in low or "read-only" in low:
        return HistoryError(f"{path}: cannot write (read-only)")
    return HistoryError(f"{path}: {text}")


__all__ = [
    "DB_ENV",
    "DEFAULT_TIMEOUT_S",
    "Filter",
    "HistoryError",
    "HistoryStore",
    "KINDS",
    "MIGRATIONS",
    "NOW_ENV",
    "RepRow",
    "SCHEMA_VERSION",
    "SessionRow",
    "default_athlete",
    "default_path",
    "now",
    "parse_date",
    "parse_time",
    "session_from_result",
]
