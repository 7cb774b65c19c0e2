"""Offline cleaning of a clip's landmarks and back profile, the first step of
:func:`~hingecheck.core.analysis.measure`: low-visibility landmarks masked, short gaps filled,
Hampel, zero-phase Butterworth low-pass (:mod:`~hingecheck.core.filters`), a few columns at a time
into float32 arrays, and only the coordinates the analysis reads.
"""

from __future__ import annotations

import numpy as np

from hingecheck.core.config import Thresholds
from hingecheck.core.filters import fill_gaps, hampel, lowpass, sample_rate
from hingecheck.core.kinematics import GRADED_PARTS, SIDES
from hingecheck.core.series import INDEX, PoseSeries

#: Columns (coordinates) of a landmark array cleaned at a time by :func:`clean_series`, at least:
#: the filters' float64 scratch arrays then hold a few columns, not the whole ``(T, 33, 3)`` clip, so
#: memory stays flat in length (issue 14, a 60-min clip: 64 MB of scratch at 12 columns, 24 MB at
#: 4, and no slower: 4.1 s against 4.5 s). Every filter works column by column, so any value gives
#: the same output.
CLEAN_BLOCK_COLUMNS = 4
#: ... and as many more as keep a block under this many samples (frames x columns): a short series
#: (a live rep's window, a short clip) is cleaned in one or two blocks instead of one per 4
#: columns, whose fixed cost per call was most of judging a live rep (issue 14: 44 filter calls,
#: 16 ms a rep); the Hampel filter's sorted windows, the largest scratch, stay under ~11 MB.
CLEAN_BLOCK_SAMPLES = 65_536

#: What :func:`clean_series` stores its outputs in. The filters run in float64 on each column
#: block; the cleaned coordinates are kept in float32, the precision the model gives them in
#: (rounding adds at most ~1e-4 px to an image landmark of a 2,000-px frame, ~1e-7 m to a world
#: one: thousands of times below their noise), at half the memory of float64 (issue 14: 70 MB
#: instead of 139 MB for a 60-min clip). :func:`~hingecheck.core.measures.frame_measures`
#: measures in float64.
CLEAN_DTYPE = np.float32


#: The world landmarks the batch analysis uses (hips and shoulders: the chord fallback of the
#: spine); :func:`~hingecheck.core.analysis.measure` cleans only these (0.7 KB per frame less at
#: the peak, issue 14).
WORLD_TRUNK = (INDEX["left_hip"], INDEX["right_hip"], INDEX["left_shoulder"], INDEX["right_shoulder"])


def _measured_image_columns() -> tuple[tuple[int, int], ...]:
    joints = sorted({i for side in SIDES.values() for i in side.values()} | {INDEX["nose"]})
    depth = {side[p] for side in SIDES.values() for p in GRADED_PARTS}
    return tuple((j, c) for j in joints for c in ((0, 1, 2) if j in depth else (0, 1)))


#: The image-landmark coordinates ``(landmark, axis)`` the batch analysis reads: x and y of both
#: sides' body joints (:data:`~hingecheck.core.kinematics.SIDES`) and the nose, and the relative
#: depth z of the graded joints (read by :func:`~hingecheck.core.kinematics.choose_side`).
#: :func:`~hingecheck.core.analysis.measure` cleans only these, 46 of 99 columns: the face and
#: hand points and the other depths are never read (issue 14: cleaning was most of the cost of
#: judging a live rep).
MEASURED_IMAGE_COLUMNS = _measured_image_columns()


def _clean_columns(
    a: np.ndarray, mask: np.ndarray, columns: np.ndarray, out: np.ndarray, into: np.ndarray, th: Thresholds, fs: float
) -> np.ndarray:
    """Clean the flat columns ``columns`` (``joint * K + axis``) of ``a`` ``(T, J, K)`` into the
    flat columns ``into`` of ``out`` (returned): ``mask`` ``(T, J)`` False → NaN, gaps up to
    ``max_gap_s`` filled, Hampel, Butterworth low-pass, in float64 blocks of columns."""
    t_len, _, k = a.shape
    flat = out.reshape(t_len, -1)  # a view
    gap = int(round(th.max_gap_s * fs))
    step = max(CLEAN_BLOCK_COLUMNS, CLEAN_BLOCK_SAMPLES // max(t_len, 1))
    for c0 in range(0, len(columns), step):
        c = columns[c0 : c0 + step]
        j = c // k
        block = a[:, j, c % k].astype(np.float64)  # (T, len(c)): only these columns are copied
        block[~mask[:, j]] = np.nan
        block = fill_gaps(block, gap)
        block = hampel(block, th.hampel_window, th.hampel_sigmas)
        flat[:, into[c0 : c0 + step]] = lowpass(block, fs, th.lowpass_hz, th.lowpass_order)
    return out


def clean_series(
    series: PoseSeries,
    th: Thresholds,
    world_joints: tuple[int, ...] | None = None,
    image_columns: tuple[tuple[int, int], ...] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Offline cleaning of the landmarks: low-visibility ones masked, short gaps filled, Hampel,
    Butterworth (the back profile: :func:`clean_profile`).

    Returns ``(image, world)`` :data:`CLEAN_DTYPE` arrays with the series' shapes (px, m), NaN
    where missing; with ``world_joints`` (landmark indices) ``world`` holds only those,
    ``(T, len(world_joints), 3)``; with ``image_columns`` (``(landmark, axis)`` pairs) only those
    image coordinates are cleaned, the others are NaN. Every filter works column by column, so a
    column comes out the same whichever others are cleaned with it. Cleaned in float64
    :data:`CLEAN_BLOCK_COLUMNS` columns at a time (or more, up to :data:`CLEAN_BLOCK_SAMPLES`
    samples), each block gathered from the series' arrays and written into a preallocated output
    (a loop over column blocks, never over frames; no full-length copy of an input or of its mask).
    """
    fs = sample_rate(series.t)
    ok = series.detected[:, None] & (series.visibility >= th.min_visibility)
    t_len, n_joints, _ = series.image.shape
    if image_columns is None:
        cols = np.arange(n_joints * 3)
        image = np.empty(series.image.shape, CLEAN_DTYPE)
    else:
        cols = np.array(sorted(j * 3 + c for j, c in image_columns), np.intp)
        image = np.full(series.image.shape, np.nan, CLEAN_DTYPE)
    _clean_columns(series.image, ok, cols, image, cols, th, fs)
    joints = np.arange(n_joints) if world_joints is None else np.asarray(world_joints, np.intp)
    cols = (joints[:, None] * 3 + np.arange(3)).ravel()
    world = np.empty((t_len, len(joints), 3), CLEAN_DTYPE)
    _clean_columns(series.world, ok, cols, world, np.arange(len(cols)), th, fs)
    return image, world


def clean_profile(series: PoseSeries, th: Thresholds, columns: tuple[int, ...] = (0, 1)) -> np.ndarray | None:
    """The back profile cleaned as :func:`clean_series` cleans landmarks, ``(T, S, 2)``
    :data:`CLEAN_DTYPE` px; only its ``columns`` (0 and/or 1, see
    :mod:`hingecheck.pose.backprofile`), the other NaN. None without a profile."""
    if series.profile is None or not np.isfinite(series.profile).any():
        return None
    detected = np.broadcast_to(series.detected[:, None], series.profile.shape[:2])  # a view
    cols = np.array([s * 2 + c for s in range(series.profile.shape[1]) for c in sorted(columns)], np.intp)
    out = np.full(series.profile.shape, np.nan, CLEAN_DTYPE)
    return _clean_columns(series.profile, detected, cols, out, cols, th, sample_rate(series.t))


__all__ = ["clean_profile", "clean_series"]
