"""Landmark export and PoseSeries persistence: written atomically, read back equal."""

import csv
import io

import numpy as np
import pytest

from hingecheck.core.series import PROFILE_STATIONS, PoseSeries
from hingecheck.pose.export import csv_header, export_landmarks, series_to_csv


def _series(n=4):
    rng = np.random.default_rng(1)
    image = rng.random((n, 33, 3)).astype(np.float32) * 100
    image[1] = np.nan
    det = np.ones(n, bool)
    det[1] = False
    return PoseSeries(
        image=image,
        visibility=rng.random((n, 33)).astype(np.float32),
        world=rng.random((n, 33, 3)).astype(np.float32),
        t=np.arange(n) / 30.0,
        detected=det,
        width=640,
        height=480,
        fps=30.0,
        profile=rng.random((n, len(PROFILE_STATIONS), 2)).astype(np.float32),
        source="x.mp4",
        scene_change=rng.random(n).astype(np.float32),
        model_scale=0.5,
    )


def test_npz_round_trip(tmp_path):
    s = _series()
    export_landmarks(s, tmp_path / "s.npz")
    back = PoseSeries.from_npz(tmp_path / "s.npz")
    for name in ("image", "visibility", "world", "t", "detected", "profile", "scene_change"):
        assert np.array_equal(getattr(s, name), getattr(back, name), equal_nan=True), name
    assert (back.width, back.height, back.fps, back.source, back.model_scale) == (640, 480, 30.0, "x.mp4", 0.5)
    assert list(tmp_path.iterdir()) == [tmp_path / "s.npz"]  # no temp files left behind


def test_csv_layout_and_missing_values():
    s = _series()
    rows = list(csv.reader(io.StringIO(series_to_csv(s))))
    assert rows[0] == csv_header() and len(rows[0]) == 3 + 33 * 4 + 33 * 3
    assert len(rows) == 1 + s.n_frames
    assert rows[2][2] == "0" and rows[2][3] == ""  # undetected frame: empty cells
    assert float(rows[1][3]) == pytest.approx(float(s.image[0, 0, 0]), rel=1e-5)
    assert float(rows[1][6]) == pytest.approx(float(s.visibility[0, 0]), rel=1e-5)


def test_shape_validation():
    s = _series()
    with pytest.raises(ValueError, match="visibility"):
        PoseSeries(
            image=s.image,
            visibility=s.visibility[:, :5],
            world=s.world,
            t=s.t,
            detected=s.detected,
            width=1,
            height=1,
            fps=1.0,
        )


def test_failed_write_leaves_old_file(tmp_path, monkeypatch):
    out = tmp_path / "s.npz"
    out.write_bytes(b"old")
    s = _series()

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez_compressed", boom)
    with pytest.raises(OSError):
        export_landmarks(s, out)
    assert out.read_bytes() == b"old" and list(tmp_path.iterdir()) == [out]
