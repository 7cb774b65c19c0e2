"""Progress over time from stored sessions, each exercise its own trend: the session table (rows
of text, CSV) and the trend plot (percent neutral reps and peak spine flexion per session, two
panels per exercise; matplotlib Agg, PNG bytes)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path
from typing import Sequence

from hingecheck.core.dowel import spine_words
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
    "view",  # last: a reader counting columns finds the older ones where they were
)


#: After a peak spine flexion read on a clip filmed obliquely: from there a rounded back can read
#: neutral (and the five good oblique dev clips read 3-21 deg arched), so it is no trend point.
OBLIQUE_MARK = " (oblique)"


def oblique(s: SessionRow) -> bool:
    """The session was filmed about 45 deg off the side (its spine readings are not reliable)."""
    return s.view == "oblique"


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
            # "5.3 arched", not "-5.3" (the CSV and JSON keep the number and its sign); filmed about
            # 45 deg off the side, the back's curve is not reliable (README, "Accuracy")
            "peak spine °": ""
            if s.peak_spine_deg is None
            else spine_words(s.peak_spine_deg, 1) + OBLIQUE_MARK * oblique(s),
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


def by_exercise(sessions: Sequence[SessionRow]) -> dict[str, list[SessionRow]]:
    """The sessions of each exercise, in time order, the exercises in alphabetical order: a trend
    is of one exercise (a deadlift's and a good morning's reps are judged by different limits)."""
    groups: dict[str, list[SessionRow]] = {}
    for s in sorted(sessions, key=lambda s: (s.exercise, s.started, s.id or 0)):
        groups.setdefault(s.exercise, []).append(s)
    return groups


def trend_plot(
    sessions: Sequence[SessionRow], width_in: float = 8.0, title: str | None = None, highlight_last: bool = False
) -> bytes:
    """PNG of :func:`trend_figure`."""
    import matplotlib.pyplot as plt

    fig = trend_figure(sessions, width_in, title, highlight_last)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return buf.getvalue()


#: At most this many session ticks are labelled on a panel (every session beyond is thinned).
MAX_TICKS = 16


def session_labels(ordered: Sequence[SessionRow], shown: Sequence[int] | None = None) -> list[str]:
    """The tick labels of the sessions ``shown`` (indices into ``ordered``; default all): each
    session's local start time (``18:20``), under its date (``Nov 25``) at the first shown session
    of a day, so sessions of one day read apart; sessions started in the same minute (a batch of
    clips is one session per clip) numbered in order (``18:20 (2)``)."""
    local = [s.started.astimezone() for s in ordered]
    minutes = [t.strftime("%Y-%m-%d %H:%M") for t in local]
    total, seen, number = Counter(minutes), Counter(), {}
    for i, m in enumerate(minutes):
        seen[m] += 1
        if total[m] > 1:
            number[i] = seen[m]
    out, day = [], None
    for i in range(len(ordered)) if shown is None else shown:
        t = local[i]
        text = t.strftime("%H:%M") + (f" ({number[i]})" if i in number else "")
        if t.date() != day:
            text, day = f"{t.strftime('%b %d')}\n{text}", t.date()
        out.append(text)
    return out


def trend_figure(
    sessions: Sequence[SessionRow], width_in: float = 8.0, title: str | None = None, highlight_last: bool = False
):
    """Two panels per exercise, one under the other (5.2 in high each): one point per session
    of that exercise in time order, each its own tick labelled with when it began
    (:func:`session_labels`; a batch of clips is one session per clip): the percent of judged
    reps that were neutral, and the peak spine flexion (degrees, held through the rep) with the
    exercise's lumbar limit. One colour per athlete. ``title`` heads the figure (default: each
    exercise's name, athletes and session count). ``highlight_last`` rings the newest session
    (the report's "this review"). The caller closes the matplotlib figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = by_exercise(sessions) or {"": []}
    newest = max(sessions, key=lambda s: (s.started, s.id or 0)) if highlight_last and sessions else None
    athletes = sorted({s.athlete for s in sessions})
    colours = ("#1f6fb4", "#d9631e", "#2a9d55", "#8e44ad", "#c0392b", "#7f8c8d")
    colour = {who: colours[j % len(colours)] for j, who in enumerate(athletes)}
    fig = plt.figure(figsize=(width_in, 5.2 * len(groups)), layout="constrained")
    for sub, (exercise, ordered) in zip(fig.subfigures(len(groups), 1, squeeze=False)[:, 0], groups.items()):
        ax1, ax2 = sub.subplots(2, 1, sharex=True)
        _exercise_panels(ax1, ax2, exercise, ordered, colour, newest)
        if len(athletes) > 1:
            ax1.legend(fontsize=8, loc="lower right")
        who = ", ".join(sorted({s.athlete for s in ordered}))
        count = f"{len(ordered)} session{'' if len(ordered) == 1 else 's'}"
        heading = f"{exercise.replace('_', ' ')}: {who} · {count}" if ordered else "no sessions"
        ax1.set_title(title if title is not None and len(groups) == 1 else heading, fontsize=10)
    if title is not None and len(groups) > 1:
        fig.suptitle(title, fontsize=11)
    return fig


def _exercise_panels(ax1, ax2, exercise: str, ordered: list[SessionRow], colour: dict, newest) -> None:
    """One exercise's trend on ``ax1`` (% neutral) and ``ax2`` (peak spine flexion, degrees, and
    the exercise's lumbar limit): its ``ordered`` sessions at x = 1, 2, ..., a line per athlete
    in its ``colour``, the ``newest`` session ringed when it is one of them."""
    x_of = {id(s): i + 1 for i, s in enumerate(ordered)}
    days = [s.started.astimezone().date() for s in ordered]
    for who in sorted({s.athlete for s in ordered}):
        mine = [s for s in ordered if s.athlete == who]
        spine = lambda s: None if oblique(s) else s.peak_spine_deg  # noqa: E731
        for ax, value in ((ax1, lambda s: s.pct_neutral), (ax2, spine)):
            pts = [(x_of[id(s)], value(s)) for s in mine if value(s) is not None]
            if pts:
                xs, ys = zip(*pts)
                ax.plot(xs, ys, "-o", color=colour[who], lw=1.8, ms=6, label=who)
        # An oblique session's spine is drawn hollow, off the line: a reading the tool does not vouch for.
        pts = [(x_of[id(s)], s.peak_spine_deg) for s in mine if oblique(s) and s.peak_spine_deg is not None]
        if pts:
            xs, ys = zip(*pts)
            ax2.plot(xs, ys, "o", color=colour[who], ms=7, mfc="white", mew=1.8)
    if any(oblique(s) and s.peak_spine_deg is not None for s in ordered):
        ax2.set_title(
            "hollow: filmed obliquely, the back's curve is not reliable", fontsize=8, color="#5b6475", loc="right"
        )
    if newest is not None and id(newest) in x_of:
        for ax, v in ((ax1, newest.pct_neutral), (ax2, newest.peak_spine_deg)):
            if v is not None:
                ax.plot([x_of[id(newest)]], [v], "o", ms=13, mfc="none", mec="#1d2330", mew=1.5)
    ax1.set_ylim(-5, 105)
    ax1.set_ylabel("neutral reps (% of judged)", fontsize=9)
    ax2.set_ylabel("peak spine flexion (deg; below 0: arched)", fontsize=9)
    from hingecheck.core.config import ConfigError, load_config

    try:
        limit = load_config(None, exercise).lumbar_flexion_max_deg if exercise else None
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
    # A tick per session labelled with its start (the date at a day's first), thinned to
    # MAX_TICKS; days separated by a line.
    firsts = [i for i in range(len(days)) if i == 0 or days[i] != days[i - 1]]
    step = max(1, -(-len(ordered) // MAX_TICKS))
    shown = list(range(0, len(ordered), step))
    ax2.set_xticks([i + 1 for i in shown])
    ax2.set_xticklabels(session_labels(ordered, shown), fontsize=7 if len(shown) > 8 else 8)
    for i in firsts[1:]:
        for ax in (ax1, ax2):
            ax.axvline(i + 0.5, color="#8a93a3", lw=0.6, alpha=0.5)
    ax2.set_xlim(0.5, max(len(ordered), 1) + 0.5)
    ax2.set_xlabel("sessions in time order", fontsize=9)
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3, axis="y")


__all__ = [
    "COLUMNS",
    "CSV_COLUMNS",
    "by_exercise",
    "local_time",
    "session_labels",
    "table_rows",
    "to_csv",
    "trend_figure",
    "trend_plot",
]
