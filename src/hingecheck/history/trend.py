"""Progress over time from stored sessions: the session table (rows of text, CSV) and the trend
plot (percent neutral reps and peak spine flexion per session; matplotlib Agg, PNG bytes)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Sequence

from hingecheck.history.store import SessionRow

#: The session table's columns (``history`` prints them, ``--format csv`` writes them).
COLUMNS: tuple[str, ...] = (
    "id",
    "date",
    "athlete",
    "kind",
    "exercise",
    "source",
    "reps",
    "verdict",
    "% neutral",
    "peak spine °",
    "most common fault",
)
CSV_COLUMNS: tuple[str, ...] = (
    "id",
    "started",
    "athlete",
    "kind",
    "exercise",
    "source",
    "verdict",
    "reps",
    "judged",
    "pct_neutral",
    "peak_spine_deg",
    "most_common_fault",
)


def local_time(s: SessionRow) -> str:
    """The session's start in local time, to the minute (``2026-11-25 18:20``)."""
    return s.started.astimezone().strftime("%Y-%m-%d %H:%M")


def table_rows(sessions: Sequence[SessionRow], columns: Sequence[str] = COLUMNS) -> list[tuple[str, ...]]:
    """One row of text per session with the given :data:`COLUMNS` (blank where unknown)."""
    rows = []
    for s in sessions:
        cells = {
            "id": str(s.id if s.id is not None else ""),
            "date": local_time(s),
            "athlete": s.athlete,
            "kind": s.kind,
            "exercise": s.exercise.replace("_", " "),
            "source": Path(s.source).name or s.source,
            "reps": str(s.n_reps),
            # a session with no rep judged (a front view, no reps) says why its other cells are blank
            "verdict": (s.verdict or "").replace("_", " "),
            "% neutral": "" if s.pct_neutral is None else f"{s.pct_neutral:.0f}%",
            "peak spine °": "" if s.peak_spine_deg is None else f"{s.peak_spine_deg:.1f}",
            "most common fault": (s.most_common_fault or "").replace("_", " "),
        }
        rows.append(tuple(cells[c] for c in columns))
    return rows


def to_csv(sessions: Sequence[SessionRow]) -> str:
    """One row per session (:data:`CSV_COLUMNS`; times in UTC, ISO 8601)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for s in sessions:
        d = s.to_dict(reps=False)
        w.writerow(["" if d[k] is None else d[k] for k in CSV_COLUMNS])
    return buf.getvalue()


def trend_plot(
    sessions: Sequence[SessionRow], width_in: float = 8.0, title: str | None = None, highlight_last: bool = False
) -> bytes:
    """PNG of two panels, one point per session in time order (sessions of one day share its
    date label; a batch of clips is one session per clip): the percent of judged reps that were
    neutral, and the peak spine flexion (degrees, held through the rep) with the exercise's lumbar
    limit when every session is of one exercise. One colour per athlete. ``highlight_last``
    rings the newest session (the report's "this review")."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ordered = sorted(sessions, key=lambda s: (s.started, s.id or 0))
    x_of = {id(s): i + 1 for i, s in enumerate(ordered)}
    days = [s.started.astimezone().date() for s in ordered]
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(width_in, 5.2), sharex=True)
    athletes = sorted({s.athlete for s in ordered})
    colours = ("#1f6fb4", "#d9631e", "#2a9d55", "#8e44ad", "#c0392b", "#7f8c8d")
    for j, who in enumerate(athletes):
        mine = [s for s in ordered if s.athlete == who]
        c = colours[j % len(colours)]
        for ax, value in ((ax1, lambda s: s.pct_neutral), (ax2, lambda s: s.peak_spine_deg)):
            pts = [(x_of[id(s)], value(s)) for s in mine if value(s) is not None]
            if pts:
                xs, ys = zip(*pts)
                ax.plot(xs, ys, "-o", color=c, lw=1.8, ms=6, label=who)
    if highlight_last and ordered:
        last = ordered[-1]
        for ax, v in ((ax1, last.pct_neutral), (ax2, last.peak_spine_deg)):
            if v is not None:
                ax.plot([len(ordered)], [v], "o", ms=13, mfc="none", mec="#1d2330", mew=1.5)
    ax1.set_ylim(-5, 105)
    ax1.set_ylabel("neutral reps (% of judged)", fontsize=9)
    ax2.set_ylabel("peak spine flexion (deg)", fontsize=9)
    exercises = {s.exercise for s in ordered}
    if len(exercises) == 1:
        from hingecheck.core.config import ConfigError, load_config

        try:
            limit = load_config(None, exercises.pop()).lumbar_flexion_max_deg
        except ConfigError:
            limit = None
        if limit is not None:
            ax2.axhline(limit, color="#c0392b", lw=1, ls="--")
            ax2.text(
                0.005,
                limit,
                f" lumbar limit {limit:g}°",
                color="#c0392b",
                fontsize=8,
                va="bottom",
                transform=ax2.get_yaxis_transform(),
            )
            ax2.set_ylim(bottom=min(0.0, ax2.get_ylim()[0]), top=max(ax2.get_ylim()[1], limit + 5))
    # One date label per day (at its first session), thinned to about a dozen; days separated.
    firsts = [i for i in range(len(days)) if i == 0 or days[i] != days[i - 1]]
    step = max(1, -(-len(firsts) // 12))
    ax2.set_xticks([i + 1 for i in firsts[::step]])
    ax2.set_xticklabels([days[i].strftime("%b %d") for i in firsts[::step]], fontsize=8)
    for i in firsts[1:]:
        for ax in (ax1, ax2):
            ax.axvline(i + 0.5, color="#8a93a3", lw=0.6, alpha=0.5)
    ax2.set_xlim(0.5, max(len(ordered), 1) + 0.5)
    ax2.set_xlabel("sessions in time order", fontsize=9)
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3, axis="y")
    if len(athletes) > 1:
        ax1.legend(fontsize=8, loc="lower right")
    if title is None:
        title = f"hingecheck history: {', '.join(athletes) or 'no sessions'} · {len(ordered)} sessions"
    ax1.set_title(title, fontsize=10)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return buf.getvalue()


__all__ = ["COLUMNS", "CSV_COLUMNS", "local_time", "table_rows", "to_csv", "trend_plot"]
