"""Export a clip's landmarks for researchers: ``.npz`` (arrays) or ``.csv`` (one row per frame).

CSV columns: ``frame, t_s, detected``, then for each of the 33 landmarks ``<name>_x_px,
<name>_y_px, <name>_z_px, <name>_visibility``, then ``<name>_wx_m, <name>_wy_m, <name>_wz_m``
(world landmarks, metres, origin mid-hip). Missing values are empty cells.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from hingecheck.atomic import write_text
from hingecheck.core.series import LANDMARKS, PoseSeries

FORMATS = (".npz", ".csv")


def csv_header() -> list[str]:
    cols = ["frame", "t_s", "detected"]
    cols += [f"{n}_{c}" for n in LANDMARKS for c in ("x_px", "y_px", "z_px", "visibility")]
    cols += [f"{n}_{c}" for n in LANDMARKS for c in ("wx_m", "wy_m", "wz_m")]
    return cols


def series_to_csv(series: PoseSeries) -> str:
    n = series.n_frames
    image = np.concatenate([series.image, series.visibility[..., None]], axis=-1).reshape(n, -1)
    table = np.concatenate(
        [
            np.arange(n)[:, None],
            series.t[:, None],
            series.detected[:, None].astype(float),
            image,
            series.world.reshape(n, -1),
        ],
        axis=1,
    )
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(csv_header())
    fmt = np.vectorize(lambda v: "" if not np.isfinite(v) else f"{v:.6g}", otypes=[object])
    cells = fmt(table)
    cells[:, 0] = np.arange(n).astype(str)
    cells[:, 2] = series.detected.astype(int).astype(str)
    w.writerows(cells.tolist())
    return buf.getvalue()


def export_landmarks(series: PoseSeries, out: str | Path) -> Path:
    """Write ``series`` to ``out`` (format from its extension), atomically."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix == ".npz":
        series.to_npz(out)
    elif suffix == ".csv":
        write_text(out, series_to_csv(series))
    else:
        raise ValueError(f"{out}: unknown output format {suffix!r} (use .npz or .csv)")
    return out
