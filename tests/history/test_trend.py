"""The history's trend plot as drawn (the matplotlib figure behind the PNG)."""

from datetime import datetime, timedelta, timezone

from hingecheck.history.store import RepRow, SessionRow
from hingecheck.history.trend import trend_figure


def test_same_day_sessions_get_labels_of_their_own():
    """A coach could not tell apart three sessions of one day: they shared one date label. Each
    session now has its own tick, labelled with its local start time (and the date at a day's
    first), so no two sessions' labels read alike and each says when its session began."""
    import matplotlib.pyplot as plt

    day = datetime(2026, 11, 25, 17, 5, tzinfo=timezone.utc)
    starts = [day, day + timedelta(minutes=40), day + timedelta(hours=2, minutes=12), day + timedelta(days=1)]
    sessions = [
        SessionRow(s, "sam", "deadlift", "review", f"clip{i}.mp4", "neutral", "side", (RepRow(1, "neutral"),), id=i)
        for i, s in enumerate(starts, 1)
    ]
    fig = trend_figure(sessions)
    try:
        axes = [ax for ax in fig.get_axes() if ax.get_xlabel()]  # the lower panel carries the x axis
        (ax,) = axes
        ticks = list(ax.get_xticks())
        labels = [t.get_text() for t in ax.get_xticklabels()]
    finally:
        plt.close(fig)
    assert ticks == [1, 2, 3, 4], ticks  # one tick per session, in time order
    assert len(set(labels)) == 4, labels
    for s, label in zip(sessions, labels):
        local = s.started.astimezone()
        assert local.strftime("%H:%M") in label, (label, local)
    assert local.strftime("%b %d") in labels[3] and starts[0].astimezone().strftime("%b %d") in labels[0]


def test_a_batch_in_one_minute_and_a_thinned_axis_stay_apart():
    """Clips scored in one run are sessions of one minute: numbered in order; a long history's
    thinned ticks still say the date at each day's first tick shown."""
    from hingecheck.history.trend import session_labels

    t0 = datetime(2026, 11, 25, 17, 5, 10, tzinfo=timezone.utc)
    batch = [SessionRow(t0 + timedelta(seconds=i), "sam", "hinge", "score", f"c{i}.mp4") for i in range(3)]
    labels = session_labels(batch)
    hm = t0.astimezone().strftime("%H:%M")
    assert labels == [f"{t0.astimezone().strftime('%b %d')}\n{hm} (1)", f"{hm} (2)", f"{hm} (3)"]
    days = [SessionRow(t0 + timedelta(days=i // 2, hours=i % 2), "sam", "hinge", "review", "c.mp4") for i in range(6)]
    shown = session_labels(days, [1, 3, 5])  # the second session of each day
    assert all(s.startswith(d.started.astimezone().strftime("%b %d") + "\n") for s, d in zip(shown, days[1::2])), shown
