"""``hingecheck evaluate``: score labelled clips, print the accuracy tables, write them as JSON.

Pose inference runs through the batch runner (every core, landmark cache), then each clip is
measured once and judged under the shipped thresholds and, for leave-one-source-out, under
every candidate of :data:`hingecheck.core.evaluate.TUNED`.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from hingecheck.core.evaluate import CALLS, LABELS, LabelledClip, Score, call, leave_one_source_out, score


def run_evaluation(
    rows: list[LabelledClip], jobs, workers: int | None, loso: bool, list_clips: bool, out: Path | None
) -> dict:
    from rich.console import Console

    from hingecheck.atomic import write_text
    from hingecheck.cli import batch
    from hingecheck.core.analysis import judge, measure, thresholds_for
    from hingecheck.pose.cache import LandmarkCache
    from hingecheck.pose.landmarker import estimate_clip

    console = Console()
    if not console.is_terminal:
        console.width = 240  # a report piped to a file keeps its columns
    results = {r["file"]: r for r in batch.run_local(jobs, workers=workers)}  # fills the landmark cache
    shipped = [results[j.path] for j in jobs]
    doc: dict = {"clips": [], "scores": {}, "loso": {}}
    for row, res in zip(rows, shipped):
        doc["clips"].append(
            {
                "file": str(row.path),
                "source": row.source,
                "label": row.label,
                "view": row.view,
                "graded": row.graded,
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
