"""Signal cleaning: gaps, outliers, zero-phase low-pass, one-euro."""

import numpy as np
import pytest

from hingecheck.core.filters import OneEuro, fill_gaps, hampel, lowpass


def test_fill_gaps_only_short_inner_gaps():
    x = np.arange(20, dtype=float)
    x[3:5] = np.nan  # 2 frames: filled
    x[10:16] = np.nan  # 6 frames: kept
    x[0] = np.nan  # at the edge: kept
    y = fill_gaps(x, max_gap=3)
    assert np.allclose(y[3:5], [3, 4]) and np.isnan(y[10:16]).all() and np.isnan(y[0])


def test_fill_gaps_multichannel_shape():
    x = np.random.default_rng(0).random((30, 33, 3))
    x[5:7, 4] = np.nan
    y = fill_gaps(x, 3)
    assert y.shape == x.shape and np.isfinite(y).all()


def test_hampel_removes_spikes_keeps_steps():
    x = np.concatenate([np.zeros(30), np.ones(30) * 10.0])
    spiky = x.copy()
    spiky[[10, 45]] = [50.0, -40.0]
    y = hampel(spiky, 7, 3.0)
    assert np.allclose(y, x)


def test_lowpass_zero_phase_and_attenuation():
    fs = 30.0
    t = np.arange(300) / fs
    slow = np.sin(2 * np.pi * 0.5 * t)
    fast = 0.5 * np.sin(2 * np.pi * 12.0 * t)
    y = lowpass(slow + fast, fs, 6.0, 4)
    inner = slice(30, -30)
    assert np.max(np.abs(y[inner] - slow[inner])) < 0.03  # fast part gone, no lag on the slow part


def test_lowpass_respects_nan_runs():
    x = np.sin(np.arange(100) / 5.0)
    x[40:45] = np.nan
    y = lowpass(x, 30.0)
    assert np.isnan(y[40:45]).all() and np.isfinite(y[:40]).all() and np.isfinite(y[45:]).all()


def test_one_euro_smooths_noise_and_follows_motion():
    rng = np.random.default_rng(1)
    f = OneEuro(1.0, 0.007, 1.0)
    t = np.arange(300) / 30.0
    truth = np.where(t < 5, 0.0, 50.0 * (t - 5))  # still, then a ramp
    noisy = truth + rng.normal(0, 2.0, t.shape)
    out = np.array([f(np.array([v]), ti)[0] for v, ti in zip(noisy, t)])
    still = slice(30, 140)
    assert np.std(out[still]) < 0.5 * np.std(noisy[still])
    assert abs(out[-1] - truth[-1]) < 0.1 * truth[-1]  # follows the motion, little lag


def test_nanquantile_matches_numpy():
    from hingecheck.core.nanstats import nanquantile

    rng = np.random.default_rng(3)
    a = rng.normal(size=(50, 7))
    a[rng.random(a.shape) < 0.3] = np.nan
    a[4] = np.nan
    for q in (0.0, 0.5, 0.9, 1.0):
        with np.errstate(all="ignore"):
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ref = np.nanquantile(a, q, axis=1)
        assert np.allclose(nanquantile(a, q, axis=1), ref, equal_nan=True)


def test_hampel_in_blocks_equals_one_block(monkeypatch):
    """Blocks bound the scratch memory and change nothing (each output sees its own window)."""
    import hingecheck.core.filters as filters

    rng = np.random.default_rng(3)
    x = rng.normal(size=(1000, 4, 3))
    x[rng.random(x.shape) < 0.1] = np.nan
    x[rng.random(x.shape) < 0.02] = 40.0
    whole = {w: hampel(x, w) for w in (4, 7)}
    monkeypatch.setattr(filters, "HAMPEL_BLOCK_FRAMES", 97)
    for w, expected in whole.items():
        assert np.array_equal(hampel(x, w), expected, equal_nan=True)


def test_lowpass_groups_columns_by_nan_pattern():
    """Columns with different gaps are filtered run by run, each as if alone."""
    rng = np.random.default_rng(4)
    x = np.cumsum(rng.normal(size=(400, 6)), axis=0)
    x[50:60, :3] = np.nan
    x[200:205, 4] = np.nan
    y = lowpass(x, 30.0, 6.0, 4)
    for c in range(6):
        assert np.array_equal(y[:, c], lowpass(x[:, c], 30.0, 6.0, 4), equal_nan=True)


@pytest.mark.parametrize("window", [0, 1, 7, 90])
def test_running_median_equals_nanmedian(window):
    """The live path's running medians give exactly np.nanmedian of the same values."""
    import warnings

    from hingecheck.core.filters import RunningMedian

    rng = np.random.default_rng(window)
    x = rng.normal(size=400).round(1)  # ties too
    x[rng.random(400) < 0.15] = np.nan
    rm = RunningMedian(window)
    for i, v in enumerate(x):
        rm.add(v)
        seen = x[: i + 1] if window == 0 else x[max(0, i + 1 - window) : i + 1]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            expected = np.nanmedian(seen)
        assert rm.median() == expected or (np.isnan(expected) and np.isnan(rm.median()))


@pytest.mark.parametrize("window", [0, 5, 120])
def test_running_percentile_equals_nanpercentile(window):
    """The live warning's held back flexion: any percentile of the window, exactly np.nanpercentile,
    and the count of finite values (NaN and ±inf excluded), also after clear()."""
    import warnings

    from hingecheck.core.filters import RunningMedian

    rng = np.random.default_rng(window + 1)
    x = rng.normal(size=300) * 20
    x[rng.random(300) < 0.2] = np.nan
    x[rng.random(300) < 0.02] = np.inf
    x[rng.random(300) < 0.02] = -np.inf
    rm = RunningMedian(window)
    start = 0
    for i, v in enumerate(x):
        if i == 150:
            rm.clear()
            start = 150
        rm.add(v)
        seen = x[start : i + 1] if window == 0 else x[max(start, i + 1 - window) : i + 1]
        assert rm.finite_count() == np.isfinite(seen).sum()
        for q in (0.0, 12.5, 50.0, 90.0, 100.0):
            with warnings.catch_warnings(), np.errstate(invalid="ignore"):
                warnings.simplefilter("ignore", RuntimeWarning)
                expected = np.nanpercentile(seen, q)
            got = rm.percentile(q)
            assert got == expected or (np.isnan(expected) and np.isnan(got)), (i, q, got, expected)


def test_one_euro_split_continues_as_if_filtered_apart():
    """The live path filters landmarks and back profile in one call while both come, and splits
    when the profile stops: the two parts then go on exactly as two filters would have."""
    rng = np.random.default_rng(4)
    body = np.cumsum(rng.normal(size=(80, 12)), axis=0)
    prof = np.cumsum(rng.normal(size=(80, 5)), axis=0)
    body[rng.random(body.shape) < 0.05] = np.nan
    t = np.cumsum(rng.uniform(0.02, 0.05, 80))
    fused, apart_body, apart_prof = OneEuro(1.0, 0.05, 1.0), OneEuro(1.0, 0.05, 1.0), OneEuro(1.0, 0.05, 1.0)
    for i in range(40):
        out = fused(np.concatenate([body[i], prof[i]]), t[i])
        assert np.array_equal(
            out, np.concatenate([apart_body(body[i], t[i]), apart_prof(prof[i], t[i])]), equal_nan=True
        )
    f_body, f_prof = fused.split(12)
    for i in range(40, 80):
        assert np.array_equal(f_body(body[i], t[i]), apart_body(body[i], t[i]), equal_nan=True)
        if i % 3:  # the profile now comes on some frames only
            assert np.array_equal(f_prof(prof[i], t[i]), apart_prof(prof[i], t[i]), equal_nan=True)
