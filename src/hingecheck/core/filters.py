"""Signal cleaning for landmark and angle time series (numpy/scipy, vectorized over time).

All functions take arrays with time on axis 0 (``(T, ...)``) and NaN for missing samples.

* :func:`fill_gaps` — linear interpolation across gaps of at most ``max_gap`` frames.
* :func:`hampel` — replace outliers (further than ``n_sigmas`` scaled MADs from the moving
  median) by that median (window 7: the Sports2D and Pose2Sim default).
* :func:`lowpass` — zero-phase Butterworth low-pass (offline; 4th order, 6 Hz: the Sports2D and
  Pose2Sim defaults), applied per run of finite samples.
* :func:`sample_rate` — a series' frames per second from its timestamps: the ``fs`` the offline
  filters take, and seconds counted in frames.
* :class:`OneEuro` — the causal one-euro filter (Casiez, Roussel & Vogel 2012, CHI) for the live
  path, one call per frame, vectorized over joints.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import signal

from hingecheck.core.nanstats import nanquantile

#: Scale factor from the median absolute deviation to a standard deviation (normal data).
MAD_TO_SIGMA = 1.4826


def _runs(mask: np.ndarray) -> np.ndarray:
    """``(n, 2)`` start/stop indices of the runs of True in a 1-D bool array."""
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return np.stack([np.flatnonzero(d == 1), np.flatnonzero(d == -1)], axis=1)


def fill_gaps(x: np.ndarray, max_gap: int) -> np.ndarray:
    """Linearly interpolate NaN gaps of at most ``max_gap`` frames (not at either end).

    Works column by column over the trailing axes (a loop over columns, never over frames).
    """
    x = np.array(x, dtype=np.float64, copy=True)
    t_len = x.shape[0]
    if t_len == 0 or max_gap <= 0:
        return x
    flat = x.reshape(t_len, -1)
    idx = np.arange(t_len)
    for c in range(flat.shape[1]):
        col = flat[:, c]
        ok = np.isfinite(col)
        if ok.all() or ok.sum() < 2:
            continue
        filled = np.interp(idx, idx[ok], col[ok])
        gaps = _runs(~ok)
        allow = np.zeros(t_len, bool)
        for start, stop in gaps:
            if start > 0 and stop < t_len and stop - start <= max_gap:
                allow[start:stop] = True
        col[allow] = filled[allow]
    return flat.reshape(x.shape)


#: Frames per block of :func:`hampel`: its moving windows are sorted one block at a time, so its
#: scratch memory (about 3 sorted float64 copies of every sample times the window, ~18 KB per
#: frame of a (T, 33, 3) array, measured with tracemalloc in issue 14) stays bounded instead of
#: growing with the clip. Any value gives the same output (each output depends on its window only).
HAMPEL_BLOCK_FRAMES = 2048


def hampel(x: np.ndarray, window: int = 7, n_sigmas: float = 3.0) -> np.ndarray:
    """Hampel filter along axis 0: outliers → the moving median (NaN-aware, edges padded).

    Computed in blocks of :data:`HAMPEL_BLOCK_FRAMES` frames (a loop over blocks, never over
    frames), so memory stays flat in the clip's length."""
    x = np.asarray(x, dtype=np.float64)
    if x.shape[0] < 3:
        return x.copy()
    half = window // 2
    pad = [(half, half)] + [(0, 0)] * (x.ndim - 1)
    padded = np.pad(x, pad, mode="edge")
    out = x.copy()
    t_len = x.shape[0]
    for start in range(0, t_len, HAMPEL_BLOCK_FRAMES):
        stop = min(t_len, start + HAMPEL_BLOCK_FRAMES)
        # Output frame i looks at padded[i : i + window]: the block needs padded[start : stop + 2 * half].
        win = sliding_window_view(padded[start : stop + 2 * half], window, axis=0)[: stop - start]  # (n, ..., window)
        with np.errstate(all="ignore"):
            med = nanquantile(win, 0.5)
            mad = MAD_TO_SIGMA * nanquantile(np.abs(win - med[..., None]), 0.5)
        seg = x[start:stop]
        bad = np.isfinite(seg) & (np.abs(seg - med) > n_sigmas * np.maximum(mad, 1e-9))
        out[start:stop][bad] = med[bad]
    return out


@functools.lru_cache(maxsize=32)
def _butter(order: int, wn: float) -> tuple[np.ndarray, np.ndarray]:
    """Butterworth low-pass coefficients, designed once per (order, normalised cut-off): the
    design costs ~2.5 ms, more than filtering a short window (the live path filters one per rep)."""
    return signal.butter(order, wn)


def lowpass(x: np.ndarray, fs: float, cutoff: float = 6.0, order: int = 4) -> np.ndarray:
    """Zero-phase Butterworth low-pass along axis 0 at ``cutoff`` Hz for sampling rate ``fs`` Hz.

    Applied to each run of finite samples separately (NaN gaps stay NaN); runs too short for
    ``filtfilt``'s padding are left as they are. Variable-frame-rate clips are treated as
    sampled at their median rate ``fs``.
    """
    x = np.asarray(x, dtype=np.float64)
    out = x.copy()
    if x.shape[0] < 2 or not np.isfinite(fs) or fs <= 2 * cutoff:
        return out
    b, a = _butter(order, cutoff / (fs / 2.0))
    padlen = 3 * max(len(a), len(b))
    t_len = x.shape[0]
    flat_in = x.reshape(t_len, -1)
    flat_out = out.reshape(t_len, -1)
    finite = np.isfinite(flat_in)
    # Columns share their NaN pattern in practice (a landmark is missing as a whole): group by it
    # (hashing each column's packed pattern: np.unique over rows of T booleans costs ~0.1 s per
    # call at 18,000 frames, measured in issue 14).
    groups: dict[bytes, list[int]] = {}
    for c, packed in enumerate(np.packbits(finite, axis=0).T):  # a loop over columns
        groups.setdefault(packed.tobytes(), []).append(c)
    for cols in groups.values():
        for start, stop in _runs(finite[:, cols[0]]):
            if stop - start > padlen:
                flat_out[start:stop, cols] = signal.filtfilt(b, a, flat_in[start:stop, cols], axis=0)
    return out


def sample_rate(t: np.ndarray) -> float:
    """Frames per second from the median frame interval (robust to VFR jitter)."""
    if len(t) < 2:
        return 30.0
    dt = np.median(np.diff(t))
    return float(1.0 / dt) if dt > 0 else 30.0


class OneEuro:
    """Causal one-euro filter over arrays of any shape; call once per frame with its time (s).

    Args:
        min_cutoff: Hz, cut-off at rest (lower = smoother).
        beta: speed coefficient (higher = less lag when moving fast).
        d_cutoff: Hz, cut-off of the derivative estimate.
    """

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.007, d_cutoff: float = 1.0):
        self.min_cutoff, self.beta, self.d_cutoff = min_cutoff, beta, d_cutoff
        self._x = None
        self._dx = None
        self._t = None

    @staticmethod
    def _alpha(cutoff, dt):
        tau = 1.0 / (2 * np.pi * cutoff)
        return 1.0 / (1.0 + tau / dt)

    def __call__(self, x: np.ndarray, t: float) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if self._x is None or self._t is None or t <= self._t:
            self._x = x.copy()
            self._dx = np.zeros_like(x)
            self._t = t
            return x.copy()
        dt = t - self._t
        self._t = t
        prev = np.where(np.isfinite(self._x), self._x, x)  # a landmark that reappears restarts
        dx = (x - prev) / dt
        a_d = self._alpha(self.d_cutoff, dt)
        old_dx = self._dx
        if not np.isfinite(old_dx).all():  # only after an overflow: nan_to_num is slow on every frame
            old_dx = np.nan_to_num(old_dx)
        self._dx = np.where(np.isfinite(dx), a_d * dx + (1 - a_d) * old_dx, self._dx)
        cutoff = self.min_cutoff + self.beta * np.abs(self._dx)
        a = self._alpha(cutoff, dt)
        out = np.where(np.isfinite(x), a * x + (1 - a) * prev, np.nan)
        self._x = np.where(np.isfinite(out), out, self._x)
        return out

    def split(self, n: int) -> tuple[OneEuro, OneEuro]:
        """Two filters carrying on this one's first ``n`` elements (of the flattened array) and
        the rest: every element is filtered on its own, so they continue exactly as if the two
        parts had been filtered apart all along."""
        a, b = (OneEuro(self.min_cutoff, self.beta, self.d_cutoff) for _ in range(2))
        if self._x is not None:
            x, dx = self._x.ravel(), self._dx.ravel()
            a._x, b._x, a._dx, b._dx = x[:n].copy(), x[n:].copy(), dx[:n].copy(), dx[n:].copy()
        a._t = b._t = self._t
        return a, b


class RunningMedian:
    """Median of the values added so far, or of the last ``window`` added, ignoring NaN, kept
    sorted as they come (``bisect``): each frame of a live session costs a binary search and one
    insertion instead of a median over its whole history. Equals ``np.nanmedian`` of the same
    values (NaN when there is none); :meth:`percentile` equals ``np.nanpercentile``.

    Args:
        window: how many of the most recent values count (NaN ones included); 0 = all of them.
    """

    def __init__(self, window: int = 0):
        from collections import deque

        self.window = max(0, int(window))
        self._sorted: list[float] = []
        self._recent: deque = deque()

    def add(self, x: float) -> None:
        from bisect import bisect_left, insort

        x = float(x)
        if self.window:
            self._recent.append(x)
            if len(self._recent) > self.window:
                old = self._recent.popleft()
                if old == old:  # not NaN: it is in the sorted list
                    del self._sorted[bisect_left(self._sorted, old)]
        if x == x:
            insort(self._sorted, x)

    def clear(self) -> None:
        """Forget every value."""
        self._sorted.clear()
        self._recent.clear()

    def finite_count(self) -> int:
        """How many of the values that count are finite (NaN and ±inf are not)."""
        s, n = self._sorted, len(self._sorted)
        lo, hi = 0, n
        while lo < hi and s[lo] == -math.inf:
            lo += 1
        while hi > lo and s[hi - 1] == math.inf:
            hi -= 1
        return hi - lo

    def percentile(self, q: float) -> float:
        """``np.nanpercentile`` (linear method, the same arithmetic) of the values that count;
        ``q`` in percent (0..100). NaN when there is none."""
        s, n = self._sorted, len(self._sorted)
        if n == 0:
            return float("nan")
        v = (n - 1) * (q / 100.0)
        if v >= n - 1:  # numpy takes the last value twice, weighted by v + 1
            lo = hi = n - 1
            gamma = v + 1
        else:
            lo = math.floor(v)
            hi = lo + 1
            gamma = v - lo
        a, b = s[lo], s[hi]
        diff = b - a
        return b - diff * (1 - gamma) if gamma >= 0.5 else a + diff * gamma

    def median(self) -> float:
        s, n = self._sorted, len(self._sorted)
        if n == 0:
            return float("nan")
        return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2.0
