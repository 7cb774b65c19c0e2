"""Accuracy against labelled clips: the verdicts a coach would sign, measured.

Reads ``labels.csv`` files (``file,label,view,fault_from_caption``; ``label`` is ``good``,
``bad`` or anything else = not graded; ``view`` is the camera's view as labelled) and compares
each clip's verdict with its label:

* the **binary call**: a clip verdict that is a fault calls the clip ``bad``, ``neutral`` calls it
  ``good``, and ``no_reps`` / ``unusable_view`` / ``not_judged`` abstain. Accuracy counts an
  abstention as a miss (a tool that says nothing has not helped); coverage is the judged share;
* the confusion matrix (label × call), how many good clips were given a fault, and per fault
  precision and recall against the faults named in ``fault_from_caption`` (when it starts with
  a hingecheck fault name);
* **leave-one-source-out** (each labels file is one source): for each source, the thresholds in
  :data:`TUNED` are chosen on the *other* sources (best accuracy, then fewest good clips
  faulted, then the middle of the tied candidates) and that source is scored with them.

Only clips whose labelled view is a side view (``side``, ``side_*``) or ``oblique`` and whose
label is good or bad are graded: a front view is not the tool's job (:func:`why_not_graded`). A
clip listed more than once is counted once, as first listed (:func:`unique_clips`).
"""

from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass, field
from pathlib import Path

from hingecheck.core.config import ConfigError
from hingecheck.core.results import FAULTS, NEUTRAL

#: Thresholds leave-one-source-out chooses from (the fault limits real footage moved most).
TUNED: dict[str, tuple[float, ...]] = {
    "lumbar_flexion_max_deg": (5.0, 7.5, 10.0, 12.5, 15.0, 20.0),
    "neck_extension_max_deg": (35.0, 45.0, 55.0),
    "hips_first_trunk_gain_deg": (5.0, 8.0, 12.0),
    "hyperextension_hip_deg": (-15.0, -12.0, -10.0, -8.0),
}
LABELS = ("good", "bad")
CALLS = ("good", "bad", "abstain")


@dataclass(frozen=True)
class LabelledClip:
    """One row of a ``labels.csv``; ``source`` is the folder the file is in."""

    path: Path
    label: str
    view: str
    caption_fault: str | None
    source: str
    listed_in: str = ""  # where the row is: "path/labels.csv, line N"

    @property
    def graded(self) -> bool:
        """Labelled good or bad and filmed from a side view (``side``, ``side_*``) or ``oblique``."""
        return self.label in LABELS and (self.view.startswith("side") or self.view == "oblique")


def read_labels(paths: list[str | Path]) -> list[LabelledClip]:
    """Rows of every ``labels.csv`` given; raises :class:`ConfigError` (one line) on a bad file."""
    clips = []
    for p in map(Path, paths):
        try:
            with open(p, newline="", encoding="utf-8") as fh:
                rows = list(csv.DictReader(fh))
        except OSError as exc:
            raise ConfigError(f"{p}: cannot read ({exc.strerror or exc})") from None
        except (UnicodeDecodeError, csv.Error) as exc:
            raise ConfigError(f"{p}: not a CSV file ({exc})") from None
        if not rows or not {"file", "label"} <= set(rows[0]):
            raise ConfigError(f"{p}: needs the columns file,label[,view,fault_from_caption]")
        for line, row in enumerate(rows, start=2):  # line 1 is the header
            where = f"{p}, line {line}"
            if not (row.get("file") or "").strip():
                raise ConfigError(f"{where}: no file name in the file column")
            caption = (row.get("fault_from_caption") or "").strip()
            first = caption.split(" ")[0] if caption else ""
            clips.append(
                LabelledClip(
                    path=p.parent / row["file"].strip(),
                    label=(row.get("label") or "").strip(),
                    view=(row.get("view") or "side").strip(),
                    caption_fault=first if first in FAULTS else None,
                    # the folder's name, also for a labels.csv typed without one (its parent is ".")
                    source=p.absolute().parent.name,
                    listed_in=where,
                )
            )
    return clips


def unique_clips(clips: list[LabelledClip]) -> tuple[list[LabelledClip], list[tuple[LabelledClip, LabelledClip]]]:
    """Each clip once, as first listed (one file, however its path is written: the same file in
    two labels files or twice in one is one clip, its first row kept). Returns ``(kept,
    duplicates)``: ``duplicates`` pairs each row left out with the row kept for its file."""
    first: dict[Path, LabelledClip] = {}
    kept, duplicates = [], []
    for c in clips:
        key = c.path.resolve()
        if key in first:
            duplicates.append((c, first[key]))
        else:
            first[key] = c
            kept.append(c)
    return kept, duplicates


def why_not_graded(clip: LabelledClip) -> str | None:
    """Why a row is not graded, or None when it is: ``"label"`` (not good or bad) or ``"view"``
    (not a side view or oblique), the label's reason first."""
    if clip.label not in LABELS:
        return "label"
    return None if clip.graded else "view"


def call(verdict: str | None) -> str:
    """``good`` (neutral), ``bad`` (a fault) or ``abstain`` (no verdict on the form)."""
    if verdict == NEUTRAL:
        return "good"
    return "bad" if verdict in FAULTS else "abstain"


@dataclass
class Score:
    """How one set of clips was called (counts; see module doc)."""

    n: int = 0
    correct: int = 0
    abstained: int = 0
    good: int = 0
    good_faulted: int = 0
    confusion: dict = field(default_factory=lambda: {(lab, c): 0 for lab in LABELS for c in CALLS})
    faults: dict = field(default_factory=lambda: {f: [0, 0, 0] for f in FAULTS})  # [true pos, false pos, false neg]
    reps: int = 0
    reps_not_judged: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / self.n if self.n else float("nan")

    @property
    def coverage(self) -> float:
        return 1.0 - self.abstained / self.n if self.n else float("nan")

    @property
    def judged_accuracy(self) -> float:
        judged = self.n - self.abstained
        return self.correct / judged if judged else float("nan")

    def add(self, clip: LabelledClip, result: dict) -> None:
        c = call(result.get("verdict"))
        self.n += 1
        self.correct += c == clip.label
        self.abstained += c == "abstain"
        self.good += clip.label == "good"
        self.good_faulted += clip.label == "good" and c == "bad"
        self.confusion[(clip.label, c)] += 1
        verdict = result.get("verdict")
        for f, counts in self.faults.items():
            if verdict == f and (clip.label == "good" or (clip.caption_fault not in (None, f))):
                counts[1] += 1
            if clip.caption_fault == f:
                counts[0 if verdict == f else 2] += 1
        reps = result.get("reps") or []
        self.reps += len(reps)
        self.reps_not_judged += sum(1 for r in reps if r["verdict"] == "not_judged")

    def to_dict(self) -> dict:
        return {
            "clips": self.n,
            "correct": self.correct,
            "accuracy": _r(self.accuracy),
            "coverage": _r(self.coverage),
            "judged_accuracy": _r(self.judged_accuracy),
            "good_clips": self.good,
            "good_faulted": self.good_faulted,
            "confusion": {f"{lab}->{c}": v for (lab, c), v in self.confusion.items()},
            "faults": {f: {"tp": v[0], "fp": v[1], "fn": v[2]} for f, v in self.faults.items() if any(v)},
            "reps": self.reps,
            "reps_not_judged": self.reps_not_judged,
        }


def score(clips: list[LabelledClip], results: list[dict]) -> dict[str, Score]:
    """Scores per source (and ``"all"``) of the graded clips; ``results[i]`` is ``clips[i]``'s."""
    out: dict[str, Score] = {}
    for clip, result in zip(clips, results):
        if clip.graded:
            out.setdefault(clip.source, Score()).add(clip, result)
            out.setdefault("all", Score()).add(clip, result)
    return out


def grid() -> list[dict[str, float]]:
    """Every combination of :data:`TUNED` values."""
    return [dict(zip(TUNED, values)) for values in itertools.product(*TUNED.values())]


def choose(candidates: list[dict], judged: list[list[dict]], clips: list[LabelledClip]) -> int:
    """Index of the best candidate on ``clips``: most clips right, then fewest good clips given a
    fault; among candidates still tied, the one nearest the middle of the tied set (the largest
    margin on both sides, and no pull towards the shipped values)."""
    keys = []
    for i in range(len(candidates)):
        s = score(clips, judged[i]).get("all", Score())
        keys.append((-s.correct, s.good_faulted))
    best = min(keys)
    tied = [i for i, k in enumerate(keys) if k == best]

    def rank(values: tuple[float, ...], x: float) -> float:
        return values.index(x) / max(len(values) - 1, 1)

    centre = {k: sum(rank(TUNED[k], candidates[i][k]) for i in tied) / len(tied) for k in TUNED}
    return min(tied, key=lambda i: sum(abs(rank(TUNED[k], candidates[i][k]) - centre[k]) for k in TUNED))


def leave_one_source_out(clips: list[LabelledClip], judge_all) -> dict[str, tuple[dict, Score]]:
    """For each source: the :data:`TUNED` values chosen on the other sources and the held-out
    source's score with them. ``judge_all(values)`` returns the result dicts of ``clips`` judged
    with those values over the shipped thresholds."""
    candidates = grid()
    judged = [judge_all(values) for values in candidates]
    out = {}
    for source in sorted({c.source for c in clips if c.graded}):
        train = [i for i, c in enumerate(clips) if c.source != source]
        best = choose(candidates, [[j[i] for i in train] for j in judged], [clips[i] for i in train])
        held = [i for i, c in enumerate(clips) if c.source == source]
        s = score([clips[i] for i in held], [judged[best][i] for i in held]).get(source, Score())
        out[source] = (candidates[best], s)
    return out


def _r(x: float, nd: int = 3):
    return None if x != x else round(x, nd)
