"""Rep segmentation from the hip-flexion trajectory, with hysteresis.

A rep is an excursion of hip flexion (degrees, 0 = standing tall) above
``rep_enter_deg`` that comes back under ``rep_exit_deg``: stand → descend → bottom → ascend →
lockout. Between the two thresholds the state does not change, so noise around one threshold
cannot count extra reps (MediaPipe's pose-classification example uses the same enter > exit
scheme). Consequences:

* a pause at the bottom, or a bounce that stays above ``rep_exit_deg``, is one rep;
* a partial rep or set-up fidgeting that never passes ``rep_enter_deg`` is not a rep;
* excursions shorter than ``min_rep_s`` are fidgeting, not reps;
* a rep needs its lockout: a clip that ends mid-rep drops that rep; a clip that ends within
  ``lockout_seen_s`` of the last rep's end, while the hip is not bending again, may have cut
  the lifter still rising: that rep counts, with ``lockout_seen=False``;
* hinge-style profiles also need the standing phase before the rep (a clip that starts mid-rep
  drops that rep); a deadlift's reps start from the floor, so a pull needs no standing phase
  before it (``from_floor=True``): the set-up at the floor is its start.

A rep starts at the last frame, before the excursion, within ``rep_edge_deg`` of the standing
minimum before it (where the descent really begins) and ends at the first frame after it within
``rep_edge_deg`` of the minimum after it. For a pull from the floor with no standing phase
before it, it starts at the first frame of the clip's excursion.

A clip with no complete rep (a single pull filmed from the set-up and cut before the lockout,
or a lowering to the set-up) is judged on its longest excursion at the clip's edge when
``allow_partial``: that window has ``partial=True`` and ends (or starts) at the clip's edge, so
the checks that need the lockout are not judged.

The loops here run over excursions (a few per clip), never over frames.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from hingecheck.core.filters import _runs


@dataclass(frozen=True)
class RepWindow:
    """Frame indices of one rep: ``start`` ≤ ``bottom`` ≤ ``end`` (inclusive)."""

    start: int
    bottom: int
    end: int
    partial: bool = False  # cut by the clip's start or end: the lockout was not seen
    lockout_seen: bool = True  # False: the clip ends right after the rep's end (see module doc)


def hysteresis_state(h: np.ndarray, enter: float, exit_: float) -> np.ndarray:
    """Per frame: 1 inside a rep (after passing ``enter``), 0 standing (after going under
    ``exit_``); frames in between or with NaN keep the previous state. Starts at 0.

    >>> hysteresis_state(np.array([0., 50, 30, 10, 30, np.nan, 50]), enter=40, exit_=20).tolist()
    [0, 1, 1, 0, 0, 0, 1]
    """
    raw = np.full(h.shape, -1, np.int8)
    raw[h > enter] = 1
    raw[h < exit_] = 0
    idx = np.where(raw >= 0, np.arange(len(h)), 0)
    np.maximum.accumulate(idx, out=idx)
    state = raw[idx]
    state[(idx == 0) & (raw[0] < 0)] = 0
    return state.astype(np.int8)


def hysteresis_step(state: int, h: float, enter: float, exit_: float) -> int:
    """One frame of :func:`hysteresis_state`, for the live path (same rule, frame by frame).

    >>> [hysteresis_step(s, h, 40, 20) for s, h in ((0, 50.), (1, 30.), (1, 10.), (0, float("nan")))]
    [1, 1, 0, 0]
    """
    if h > enter:
        return 1
    if h < exit_:
        return 0
    return state


def segment_reps(
    h: np.ndarray,
    t: np.ndarray,
    enter: float,
    exit_: float,
    edge: float,
    min_rep_s: float,
    from_floor: bool = False,
    allow_partial: bool = False,
    lockout_seen_s: float = 0.0,
) -> list[RepWindow]:
    """Reps in a hip-flexion series (see module doc).

    Parameters
    ----------
    h : (T,) hip flexion, degrees (NaN where unknown).
    t : (T,) frame times, seconds.
    enter, exit_ : hysteresis, degrees: a rep begins past ``enter`` and ends back under ``exit_``.
    edge : degrees above the standing minimum where a rep's start and end are placed.
    min_rep_s : shortest rep, seconds.
    from_floor : pulls that start at the bottom (deadlift): a rep runs lockout to lockout through
        the set-up.
    allow_partial : with no complete rep, return the longest excursion cut by the clip
        (``RepWindow.partial``).
    lockout_seen_s : seconds the series must go on after the last rep's end (unless the hip bends
        again by ``edge`` there) for that rep's lockout to count as seen (``RepWindow.lockout_seen``).

    Returns
    -------
    list of RepWindow
        frame indices (start, bottom, end) of each rep, in order.
    """
    if len(h) == 0:
        return []
    state = hysteresis_state(h, enter, exit_)
    down = _runs(state == 1)
    tops = _runs(state == 0)
    reps: list[RepWindow] = []
    partials: list[RepWindow] = []
    for a, b in down:  # excursion frames a .. b-1
        before = tops[tops[:, 1] <= a]
        after = tops[tops[:, 0] >= b]
        # No lockout after it (the clip ended mid-rep), or no standing phase before it (the clip
        # started mid-rep) where the profile needs one: only a partial rep.
        partial = len(after) == 0 or (len(before) == 0 and not from_floor)
        if partial and not allow_partial:
            continue
        w = _window(h, t, a, b, before, after, edge, min_rep_s, partial)
        if w is not None and not partial and after[0, 1] == len(h):  # the clip ends in this lockout
            w = replace(w, lockout_seen=_top_seen(h, t, w.end, edge, lockout_seen_s))
        if w is not None:
            (partials if partial else reps).append(w)
    if reps or not allow_partial:
        return reps
    return [max(partials, key=lambda w: t[w.end] - t[w.start])] if partials else []


def cut_at_end(
    h: np.ndarray, t: np.ndarray, enter: float, exit_: float, edge: float, min_rep_s: float
) -> RepWindow | None:
    """The rep the series' end cuts while the lifter is coming back up (a pull under way), as a
    ``partial`` window; None when the series ends standing, or bent over without having come back
    up from the bottom by half the way to ``enter`` (a descent, or the weight lowered to the floor
    at the end of a set: not a rep cut short). :func:`segment_reps` drops such a rep when the clip
    has complete ones; the analysis says so instead of judging it."""
    if len(h) == 0:
        return None
    state = hysteresis_state(h, enter, exit_)
    down = _runs(state == 1)
    if len(down) == 0 or down[-1, 1] != len(h):
        return None
    a, b = (int(x) for x in down[-1])
    seg = h[a:b]
    if not np.isfinite(seg).any():
        return None
    bottom = float(np.nanmax(seg))
    last = float(seg[np.flatnonzero(np.isfinite(seg))[-1]])
    if last > bottom - 0.5 * (bottom - enter):
        return None
    tops = _runs(state == 0)
    return _window(h, t, a, b, tops[tops[:, 1] <= a], tops[:0], edge, min_rep_s, True)


def top_reached(top: np.ndarray, edge: float) -> int | None:
    """Index of the first sample of a standing run ``top`` (hip flexion, degrees) within ``edge``
    of its lowest, where the lockout is reached (a rep's end); None when none is finite. The live
    path waits from there as the segmentation counts from there."""
    if not np.isfinite(top).any():
        return None
    return int(np.argmax(top <= np.nanmin(top) + edge))


def _top_seen(h: np.ndarray, t: np.ndarray, end: int, edge: float, hold_s: float) -> bool:
    """Whether the top reached at frame ``end`` (the rep's end, in the standing run that ends the
    series) was seen: the hip is still read ``hold_s`` seconds after it, or it bends again by more
    than ``edge`` after it (the lifter turned back down)."""
    top = h[end:]
    seen = np.flatnonzero(np.isfinite(top))
    if len(seen) and t[end + seen[-1]] - t[end] >= hold_s - 1e-6:  # 6 frames of 1/30 s make 0.2 s
        return True
    return bool(
        np.isfinite(top).any() and np.nanmax(top) > np.nanmin(top) + edge and np.nanargmax(top) > np.nanargmin(top)
    )


def _window(h, t, a, b, before, after, edge, min_rep_s, partial) -> RepWindow | None:
    """The rep window of excursion ``a .. b-1``: from the last frame near the standing minimum
    before it (or its first seen frame) to the first frame near the minimum after it (or its last
    seen frame); None when shorter than ``min_rep_s``."""
    finite = np.flatnonzero(np.isfinite(h))
    if len(finite) == 0:
        return None
    seg = h[a:b]
    bottom = a + int(np.nanargmax(seg)) if np.isfinite(seg).any() else a
    if len(before):
        s0, s1 = before[-1]
        top = h[s0:s1]
        near = np.flatnonzero(top <= np.nanmin(top) + edge) if np.isfinite(top).any() else np.array([s1 - s0 - 1])
        start = s0 + int(near[-1])
    else:
        start = max(a, int(finite[0]))
    if len(after):
        e0, e1 = after[0]
        end = e0 + (top_reached(h[e0:e1], edge) or 0)
    else:
        end = min(b - 1, int(finite[-1]))
    if end <= start or t[end] - t[start] < min_rep_s:
        return None
    return RepWindow(start, bottom, end, partial=partial)
