"""Edited clips: where the picture cuts to another shot, and which shot is judged.

Web clips are often edited: a frame or two of another scene (a title card, another camera, the
end of the previous clip) before or after the lift. The landmarks of those frames belong to
another picture, so filters would smooth across the cut, the rep detector would join the two
sides and the standing reference could come from the wrong scene.

A cut is a jump in :attr:`PoseSeries.scene_change` (the mean absolute grey-level change, 0-255,
of a 64x36 thumbnail from the previous frame, measured by the pose layer) that is both large in
absolute terms (``cut_min_change``) and large against the clip's own median change
(``cut_min_ratio``), so a handheld camera that moves all the time does not cut on every frame
(shot-boundary detection by frame differencing with a threshold relative to the clip's activity:
Yeo & Liu 1995, IEEE Trans. Circuits Syst. Video Technol. 5:533).

Only one shot is judged, the longest (the live core's rep windows: the last one long enough for
a rep): the frames of the others count as frames without the lifter, and the clip's warnings say
so. A series without ``scene_change`` (synthetic series) has no cuts.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from hingecheck.core.series import PoseSeries


def cut_frames(change: np.ndarray | None, min_change: float, min_ratio: float) -> np.ndarray:
    """Indices of the frames that start a new shot (the frame after each cut), ascending.

    ``change``: ``(T,)`` grey levels from the previous frame (NaN on the first). A frame cuts
    when its change is at least ``min_change`` grey levels and at least ``min_ratio`` times the
    clip's median change.
    """
    if change is None or len(change) < 2:
        return np.zeros(0, np.intp)
    c = np.asarray(change, np.float64)
    seen = np.isfinite(c)
    if not seen.any():
        return np.zeros(0, np.intp)
    median = float(np.median(c[seen]))
    with np.errstate(invalid="ignore"):
        jump = seen & (c >= min_change) & (c >= min_ratio * median)
    return np.flatnonzero(jump)


def longest_shot(n_frames: int, cuts: np.ndarray) -> tuple[int, int]:
    """``(start, stop)`` frame indices of the longest stretch between cuts (the first on a tie)."""
    bounds = np.concatenate(([0], np.asarray(cuts, np.intp), [n_frames]))
    i = int(np.argmax(np.diff(bounds)))
    return int(bounds[i]), int(bounds[i + 1])


def last_shot(n_frames: int, cuts: np.ndarray, min_frames: int) -> tuple[int, int]:
    """``(start, stop)`` of the last stretch between cuts at least ``min_frames`` long (a closing
    shot shorter than a rep, a title or a close-up, is passed over); the longest when none is."""
    bounds = np.concatenate(([0], np.asarray(cuts, np.intp), [n_frames]))
    long_enough = np.flatnonzero(np.diff(bounds) >= min_frames)
    if not len(long_enough):
        return longest_shot(n_frames, cuts)
    i = int(long_enough[-1])
    return int(bounds[i]), int(bounds[i + 1])


def keep_one_shot(
    series: PoseSeries, min_change: float, min_ratio: float, last_min_frames: int | None = None
) -> tuple[PoseSeries, tuple[str, ...]]:
    """The series with every frame outside one shot marked as not detected (landmarks NaN,
    visibility 0, no profile), and a warning naming the cuts; the series itself and no warning
    when it has no cut. Frame count and times are unchanged, so per-frame outputs still line up
    with the video. The shot kept is the longest (:func:`longest_shot`), or with
    ``last_min_frames`` the last one at least that long (:func:`last_shot`; the live path judging
    the rep just finished: it is in the latest shot long enough to hold a rep, however short
    that shot is next to earlier ones)."""
    cuts = cut_frames(series.scene_change, min_change, min_ratio)
    if len(cuts) == 0:
        return series, ()
    last = last_min_frames is not None
    a, b = last_shot(series.n_frames, cuts, last_min_frames) if last else longest_shot(series.n_frames, cuts)
    outside = np.ones(series.n_frames, bool)
    outside[a:b] = False
    t = np.asarray(series.t, np.float64)
    kept = dataclasses.replace(
        series,
        image=np.where(outside[:, None, None], np.float32(np.nan), series.image),
        visibility=np.where(outside[:, None], np.float32(0.0), series.visibility),
        world=np.where(outside[:, None, None], np.float32(np.nan), series.world),
        detected=series.detected & ~outside,
        profile=None
        if series.profile is None
        else np.where(outside[:, None, None], np.float32(np.nan), series.profile),
    )
    at = ", ".join(f"{t[i]:.2f} s" for i in cuts)
    shots = len(cuts) + 1
    which = "last" if last else "longest"
    warning = f"edited clip: {shots} shots (cuts at {at}); only the {which}, {t[a]:.2f}-{t[b - 1]:.2f} s, is judged"
    return kept, (warning,)
