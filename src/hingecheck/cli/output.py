"""Writers for scoring results (the ``clips[]`` dicts of the JSON schema): JSON, JSON Lines, CSV.

* ``json``: ``{"schema": 2, "clips": [...]}`` (:data:`~hingecheck.core.results.SCHEMA_VERSION`),
  written atomically when the batch ends (also after Ctrl-C, with every finished clip), clips in
  the inputs' order.
* ``jsonl``: one clip per line, appended and flushed as each clip finishes; a line is written
  with one ``write`` call, and :func:`read_done` ignores a torn last line.
* ``csv``: one row per rep with the clip's columns repeated (clips without reps get one row with
  empty rep columns), plus ``<name>.clips.csv`` with one row per clip; both atomic.

:func:`read_done` reads an existing output of any of these formats back, and :func:`not_done`
drops the clips already in it, for ``--resume``.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

from hingecheck.atomic import write_text
from hingecheck.core.results import SCHEMA_VERSION

FORMATS = ("json", "jsonl", "csv")
CLIP_COLUMNS = ("file", "status", "error", "exercise", "view", "frames", "fps", "detected_fraction", "verdict", "score")
REP_COLUMNS = (
    "rep",
    "start_s",
    "bottom_s",
    "end_s",
    "rep_verdict",
    "faults",
    "notes",
    "hip_flexion_deg",
    "knee_flexion_deg",
    "trunk_incline_deg",
    "spine_flexion_deg",
    "descent_s",
    "ascent_s",
    "rep_score",
)
#: After the rep columns, so a reader that counts columns finds the older ones where they were:
#: the clip's yaw, why it got no verdict and its warnings (" | " between them: a warning may hold
#: a ";"), then the rep's checks not judged (";" between names; the reasons are in the JSON) and
#: its confidence.
EXTRA_CLIP_COLUMNS = ("yaw_deg", "why", "warnings")
EXTRA_REP_COLUMNS = ("not_judged", "confidence")
WARNINGS_SEP = " | "


def format_for(path: str | Path | None, fmt: str | None) -> str:
    """The output format: ``fmt`` if given, else from the file extension, else ``json``."""
    if fmt:
        return fmt
    suffix = Path(path).suffix.lower().lstrip(".") if path else ""
    return suffix if suffix in FORMATS else "json"


def to_json(clips: list[dict]) -> str:
    return json.dumps({"schema": SCHEMA_VERSION, "clips": clips}, indent=2) + "\n"


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, (list, tuple)):
        return ";".join(map(str, v))
    return str(v)


def _extra_clip_cells(c: dict) -> list[str]:
    return [_cell(c.get("yaw_deg")), _cell(c.get("why")), WARNINGS_SEP.join(c.get("warnings") or ())]


def to_csv(clips: list[dict]) -> tuple[str, str]:
    """``(reps_csv, clips_csv)`` text."""
    reps_buf, clips_buf = io.StringIO(), io.StringIO()
    rw = csv.writer(reps_buf, lineterminator="\n")
    cw = csv.writer(clips_buf, lineterminator="\n")
    rw.writerow(CLIP_COLUMNS + REP_COLUMNS + EXTRA_CLIP_COLUMNS + EXTRA_REP_COLUMNS)
    cw.writerow(CLIP_COLUMNS + ("reps",) + EXTRA_CLIP_COLUMNS)
    for c in clips:
        head = [_cell(c.get(k)) for k in CLIP_COLUMNS]
        extra = _extra_clip_cells(c)
        reps = c.get("reps") or []
        cw.writerow(head + [str(len(reps))] + extra)
        if not reps:
            rw.writerow(head + [""] * len(REP_COLUMNS) + extra + [""] * len(EXTRA_REP_COLUMNS))
        for r in reps:
            rw.writerow(
                head
                + [
                    _cell(r.get(k))
                    for k in (
                        "index",
                        "start_s",
                        "bottom_s",
                        "end_s",
                        "verdict",
                        "faults",
                        "notes",
                        "hip_flexion_deg",
                        "knee_flexion_deg",
                        "trunk_incline_deg",
                        "spine_flexion_deg",
                        "descent_s",
                        "ascent_s",
                        "score",
                    )
                ]
                + extra
                + [_cell(list(r.get("not_judged") or {})), _cell(r.get("confidence"))]
            )
    return reps_buf.getvalue(), clips_buf.getvalue()


def clips_csv_path(path: str | Path) -> Path:
    p = Path(path)
    return p.with_name(p.stem + ".clips.csv")


class ResultWriter:
    """Collects results and writes them in one format. ``path=None``: to stdout (JSON and CSV at
    the end, JSON Lines as clips finish).

    ``order`` is the clips as the inputs list them: JSON and CSV list their clips in that order
    (clips finish in any order on several workers; a table read twice must not move its rows),
    clips not among them (a resumed output's, typed another way) first, as they were. JSON Lines
    has each clip's line as it finishes."""

    def __init__(
        self, path: str | Path | None, fmt: str, previous: list[dict] | None = None, order: list[str] | None = None
    ):
        self.path = Path(path) if path else None
        self.fmt = fmt
        self.clips: list[dict] = list(previous or [])
        self.new: list[dict] = []  # the clips added in this run, as they finished
        self._rank = {_same_path(f): i for i, f in enumerate(order or ())}
        self._stream = None
        # JSON Lines is written as clips finish, to stdout too (a pipe's reader gets each clip as
        # it comes, and a run that dies has printed what it finished).
        self._streaming = self.fmt == "jsonl"
        self._mode = "w" if previous is None else "a"
        if self._streaming and self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)

    def add(self, clip: dict) -> None:
        self.clips.append(clip)
        self.new.append(clip)
        if self._streaming:
            if self._stream is None and self.path is None:
                import sys

                self._stream = sys.stdout
            elif self._stream is None:
                # Opened at the first result, not before: a run that fails (an engine that cannot
                # start) or is stopped before any clip finishes leaves the last run's file as it
                # was. A fresh run then empties it (a symlink's target; a FIFO is written as it is).
                self._stream = open(self.path, self._mode, encoding="utf-8")
            self._stream.write(json.dumps(clip) + "\n")
            self._stream.flush()

    def close(self, write: bool = True) -> str | None:
        """Finish the output; returns the text for stdout when there is no output file.

        ``write=False``: leave the output as it was (a run that failed, or was interrupted before
        any clip finished, must not replace a good output with an empty one)."""
        if self._streaming:
            if self._stream is not None and self.path is not None:
                self._stream.close()
            return None
        if not write:
            return None
        self.clips.sort(key=lambda c: self._rank.get(_same_path(c.get("file") or ""), -1))
        if self.fmt == "csv":
            reps, clips = to_csv(self.clips)
            if self.path is None:
                return reps
            write_text(self.path, reps)
            write_text(clips_csv_path(self.path), clips)
            return None
        text = to_json(self.clips) if self.fmt == "json" else "".join(json.dumps(c) + "\n" for c in self.clips)
        if self.path is None:
            return text
        write_text(self.path, text)
        return None


def _same_path(path: str) -> str:
    """``path`` absolute and normalised (``./a.mp4`` and ``a.mp4`` typed here are one clip)."""
    return os.path.normpath(os.path.abspath(path)) if path else path


def read_done(path: str | Path, fmt: str) -> list[dict]:
    """Results already in an output file (for ``--resume``); ``[]`` if it does not exist.

    CSV keeps what its columns hold (read from the reps file): enough to skip finished clips and
    write them again as they were (a rep's checks not judged by name; the reasons are the JSON's).
    """
    p = Path(path)
    if not p.exists():
        return []
    if fmt == "json":
        data = json.loads(p.read_text(encoding="utf-8") or "{}")
        return list(data.get("clips", []))
    if fmt == "jsonl":
        out = []
        for line in p.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a line torn by a crash: that clip is scored again
        return out
    rows = list(csv.DictReader(io.StringIO(p.read_text(encoding="utf-8"))))
    by_file: dict[str, dict] = {}
    for row in rows:
        clip = by_file.setdefault(
            row["file"],
            {k: (row[k] or None) for k in CLIP_COLUMNS}
            | {
                "yaw_deg": row.get("yaw_deg") or None,
                "why": row.get("why") or None,
                "warnings": [w for w in (row.get("warnings") or "").split(WARNINGS_SEP) if w],
                "reps": [],
            },
        )
        if row.get("rep"):
            clip["reps"].append(
                {
                    "index": int(row["rep"]),
                    "start_s": row["start_s"],
                    "bottom_s": row["bottom_s"],
                    "end_s": row["end_s"],
                    "verdict": row["rep_verdict"],
                    "faults": [f for f in row["faults"].split(";") if f],
                    "notes": [n for n in row["notes"].split(";") if n],
                    "hip_flexion_deg": row["hip_flexion_deg"],
                    "knee_flexion_deg": row["knee_flexion_deg"],
                    "trunk_incline_deg": row["trunk_incline_deg"],
                    "spine_flexion_deg": row["spine_flexion_deg"],
                    "descent_s": row["descent_s"],
                    "ascent_s": row["ascent_s"],
                    "score": row["rep_score"],
                    "not_judged": {n: "" for n in (row.get("not_judged") or "").split(";") if n},
                    "confidence": row.get("confidence") or None,
                }
            )
    return list(by_file.values())


def _clip_key(path: str, bases: tuple[Path, ...]) -> str:
    """Which file ``path`` (as written in an output, or typed) names: its resolved path, a relative
    one resolved against the first of ``bases`` where it exists; a relative path found under none
    of them (written from a folder not known here) stays as written, normalised, and matches only
    that same relative path (matching it by its ending could skip another folder's clip of the same
    name, and a skipped clip is never scored)."""
    p = Path(path)
    for base in bases if not p.is_absolute() else (Path("/"),):
        if (base / p).exists():
            return os.path.realpath(base / p)
    return os.path.normpath(p)


def not_done(clips: list[str], previous: list[dict], out: str | Path) -> list[str]:
    """``clips`` less those already in ``previous`` (results read back from ``out``), the paths
    compared after resolving (``clip.mp4`` typed in its folder is ``/abs/clip.mp4`` typed
    elsewhere); relative paths in the output are looked for from here and from ``out``'s folder."""
    bases = (Path.cwd(), Path(os.path.realpath(out)).parent)
    done = {_clip_key(c["file"], bases) for c in previous}
    return [c for c in clips if _clip_key(c, (Path.cwd(),)) not in done]
