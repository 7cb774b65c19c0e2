"""NaN-aware helpers: landmarks go missing, so most core arrays hold NaN where a joint was not seen."""

from __future__ import annotations

import warnings

import numpy as np


def nanquantile(a: np.ndarray, q: float, axis: int = -1) -> np.ndarray:
    """Quantile ``q`` (0..1, linear interpolation, as ``np.nanquantile``) ignoring NaN, without
    numpy's masked-array path (an order of magnitude faster on many short rows). NaN where a row
    has no finite value.

    >>> nanquantile(np.array([[1., 2, 3, np.nan], [np.nan] * 4]), 0.5).tolist()
    [2.0, nan]
    >>> nanquantile(np.array([0., 10, 20, 30]), 0.25).item()
    7.5
    """
    a = np.moveaxis(np.asarray(a, np.float64), axis, -1)
    srt = np.sort(a, axis=-1)  # NaN sorts last
    n = np.isfinite(a).sum(axis=-1)
    pos = q * np.maximum(n - 1, 0)
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, np.maximum(n - 1, 0))
    v_lo = np.take_along_axis(srt, lo[..., None], -1)[..., 0]
    v_hi = np.take_along_axis(srt, hi[..., None], -1)[..., 0]
    out = v_lo + (v_hi - v_lo) * (pos - lo)
    return np.where(n > 0, out, np.nan)


class quiet_nan:
    """Silence numpy's 'All-NaN slice' warnings inside a block (they are expected here)."""

    def __enter__(self):
        self._w = warnings.catch_warnings()
        self._w.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc):
        self._w.__exit__(*exc)
