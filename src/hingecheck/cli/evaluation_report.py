"""``hingecheck evaluate``: score labelled clips, print the accuracy tables, write them as JSON.

Pose inference runs through the batch runner (every core, landmark cache), then each clip is
measured once and judged under the shipped thresholds and, for leave-one-source-out, under
every candidate of :data:`hingecheck.core.evaluate.TUNED`.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from hingecheck.core.evaluate import (
    CALLS,
    LABELS,
    LabelledClip,
    Score,
    call,
    leave_one_source_out,
    score,
    why_not_graded,
)


def duplicates_line(duplicates: list[tuple[LabelledClip, LabelledClip]]) -> str | None:
    """One line naming the rows left out because their clip was listed before (each ``(row left
    out, row kept)``; both labels said where they differ), or None when there are none."""
    if not duplicates:
        return None
    said = []
    for dup, kept in duplicates:
        if dup.label == kept.label:
            said.append(f"{dup.path} ({dup.listed_in}; counted from {kept.listed_in})")
        else:
            said.append(
                f"{dup.path} ({dup.listed_in}, labelled {dup.label!r}; counted from {kept.listed_in},"
                f" labelled {kept.label!r})"
            )
    n = len(duplicates)
    return f"{n} duplicate row{'' if n == 1 else 's'} ignored, each clip counted once: {'; '.join(said)}"


#: What keeps a row out of the grading, by :func:`~hingecheck.core.evaluate.why_not_graded`.
NOT_GRADED = {"label": "with a label that is not good or bad", "view": "with a view that is not side or oblique"}


def not_graded_line(rows: list[LabelledClip]) -> str | None:
    """One line saying how many ``rows`` are not graded and why (the labels or views that kept
    them out, as written), or None when every row is graded."""
    found: dict[str, list[str]] = {}
    for r in rows:
        if (why := why_not_graded(r)) is not None:
            found.setdefault(why, []).append(r.label if why == "label" else r.view)
    if not found:
        return None
    parts = [
        f"{len(values)} {NOT_GRADED[why]} ({', '.join(dict.fromkeys(repr(v) for v in values))})"
        for why, values in sorted(found.items())
    ]
    n = sum(map(len, found.values()))
    return f"{n} of {len(rows)} row{'' if len(rows) == 1 else 's'} not graded: {'; '.join(parts)}"


def run_evaluation(
    rows: list[LabelledClip],
    jobs,
    workers: int | None,
    loso: bool,
    list_clips: bool,
    out: Path | None,
    duplicates: list[tuple[LabelledClip, LabelledClip]] = (),
) -> dict:
    """Score ``rows`` (each clip once; ``jobs`` theirs, in order) and print what was not graded
    and why, the ``duplicates`` left out, the clip table (``list_clips``), the accuracy tables and
    leave-one-source-out (``loso``); write it all as JSON to ``out``. Returns that JSON's dict."""
    from rich.console import Console

    from hingecheck.atomic import write_text
    from hingecheck.cli import batch
    from hingecheck.core.analysis import judge, measure, thresholds_for
    from hingecheck.pose.cache import LandmarkCache
    from hingecheck.pose.landmarker import estimate_clip

    console = Console()
    if not console.is_terminal:
        console.width = 240  # a report piped to a file keeps its columns
    for line in (duplicates_line(duplicates), not_graded_line(rows)):
        if line:
            console.print(line, highlight=False, markup=False, soft_wrap=True)
    results = {r["file"]: r for r in batch.run_local(jobs, workers=workers)}  # fills the landmark cache
    shipped = [results[j.path] for j in jobs]
    doc: dict = {
        "clips": [],
        "duplicates": [
            {"file": str(dup.path), "listed_in": dup.listed_in, "counted_from": kept.listed_in}
            for dup, kept in duplicates
        ],
        "scores": {},
        "loso": {},
    }
    for row, res in zip(rows, shipped):
        doc["clips"].append(
            {
                "file": str(row.path),
                "source": row.source,
                "label": row.label,
                "view": row.view,
                "graded": row.graded,
                "not_graded": why_not_graded(row),  # "label" (not good/bad), "view" (not side/oblique) or null
                "verdict": res.get("verdict"),
                "call": call(res.get("verdict")),
                "measured_view": res.get("view"),
                "yaw_deg": res.get("yaw_deg"),
                "why": res.get("why"),
                "error": res.get("error"),
            }
        )
    scores = score(rows, shipped)
    doc["scores"] = {k: v.to_dict() for k, v in scores.items()}
    if list_clips:
        _clip_table(console, doc["clips"])
    _score_table(console, "shipped thresholds", scores)
    sources = {r.source for r in rows if r.graded}
    if loso and len(sources) < 2:  # nothing to choose the thresholds on: no held-out score to give
        console.print(
            "leave-one-source-out: skipped, it needs graded clips from two or more sources"
            f" (a labels.csv each, in its own folder); these come from {len(sources)}"
        )
    elif loso:
        cache = LandmarkCache()
        measured = []
        for job in jobs:
            ok = results[job.path]["status"] == "ok"
            series = estimate_clip(job.path, model=job.model, settings=job.settings, cache=cache) if ok else None
            th = thresholds_for(series, job.exercise, job.config)[0] if ok else None
            measured.append((measure(series, config=th, file=job.path), th) if ok else None)

        def judge_all(values: dict) -> list[dict]:
            """Every clip judged with ``values`` over its own exercise's thresholds (failed clips as they were)."""
            return [
                judge(x[0], dataclasses.replace(x[1], **values)).to_dict() if x else res
                for x, res in zip(measured, shipped)
            ]

        held = leave_one_source_out(rows, judge_all)
        loso_scores = {src: s for src, (_, s) in held.items()}
        doc["loso"] = {src: {"chosen": values, **s.to_dict()} for src, (values, s) in held.items()}
        _score_table(
            console,
            "leave-one-source-out (thresholds chosen on the other sources)",
            loso_scores,
            chosen={src: values for src, (values, _) in held.items()},
        )
    if out is not None:
        write_text(out, json.dumps(doc, indent=1) + "\n")
    return doc


def _clip_table(console, clips: list[dict]) -> None:
    from rich.table import Table

    t = Table(title="clips")
    for col in ("source", "clip", "label", "view (label / measured)", "verdict", "call"):
        t.add_column(col)
    for c in clips:
        mark = "" if not c["graded"] else ("[green]✓" if c["call"] == c["label"] else "[red]✗")
        yaw = f"{c['yaw_deg']:.0f}°" if c.get("yaw_deg") is not None else ""
        t.add_row(
            c["source"],
            Path(c["file"]).name,
            c["label"],
            f"{c['view']} / {c['measured_view']} {yaw}",
            str(c["verdict"] or c["error"]),
            f"{c['call']} {mark}",
        )
    console.print(t)


def _score_table(console, title: str, scores: dict[str, Score], chosen: dict | None = None) -> None:
    from rich.table import Table

    t = Table(title=title)
    cols = ["source", "clips", "accuracy", "judged", "acc. when judged", "good faulted"]
    cols += [f"{lab}→{c}" for lab in LABELS for c in CALLS] + ["reps not judged"]
    cols += ["chosen"] if chosen else []
    for col in cols:
        t.add_column(col)
    for src, s in sorted(scores.items(), key=lambda kv: (kv[0] == "all", kv[0])):
        row = [
            src,
            str(s.n),
            f"{s.correct}/{s.n} {s.accuracy:.0%}",
            f"{s.coverage:.0%}",
            f"{s.judged_accuracy:.0%}",
            f"{s.good_faulted}/{s.good}",
        ]
        row += [str(s.confusion[(lab, c)]) for lab in LABELS for c in CALLS] + [f"{s.reps_not_judged}/{s.reps}"]
        if chosen:
            row.append(" ".join(f"{k.split('_')[0]}={v:g}" for k, v in chosen.get(src, {}).items()))
        t.add_row(*row)
    console.print(t)
    faults = {}
    for s in scores.values():
        for f, (tp, fp, fn) in s.faults.items():
            a = faults.setdefault(f, [0, 0, 0])
            a[0] += tp
            a[1] += fp
            a[2] += fn
    if "all" in scores:
        faults = scores["all"].faults
    rows = [(f, v) for f, v in faults.items() if any(v)]
    if rows:
        ft = Table(
            title=f"{title}: per fault (captioned faults; false positives = called on a good clip or a clip captioned otherwise)"
        )
        for col in ("fault", "true pos", "false pos", "false neg", "precision", "recall"):
            ft.add_column(col)
        for f, (tp, fp, fn) in rows:
            prec = f"{tp / (tp + fp):.0%}" if tp + fp else "-"
            rec = f"{tp / (tp + fn):.0%}" if tp + fn else "-"
            ft.add_row(f, str(tp), str(fp), str(fn), prec, rec)
        console.print(ft)
