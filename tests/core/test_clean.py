"""The landmark cleaning (``core/clean``): in blocks of columns, only the coordinates the analysis
reads, kept in float32 — none of it changes the analysis."""

import numpy as np

from hingecheck.core.analysis import analyze

import stick


def test_analysis_blocks_change_nothing(monkeypatch):
    """clean_series (column blocks), hampel (frame blocks) and frame_measures (frame blocks)
    give exactly what one block gives."""
    import hingecheck.core.analysis as analysis
    import hingecheck.core.clean as clean
    import hingecheck.core.filters as filters
    import hingecheck.core.measures as measures

    s = stick.long_series(0.5)
    whole = analyze(s)
    monkeypatch.setattr(clean, "CLEAN_BLOCK_COLUMNS", 5)
    monkeypatch.setattr(measures, "MEASURE_BLOCK_FRAMES", 101)
    monkeypatch.setattr(analysis, "MEASURE_BLOCK_FRAMES", 101)  # measure's blocks of an oblique clip
    monkeypatch.setattr(filters, "HAMPEL_BLOCK_FRAMES", 64)
    blocked = analyze(s)
    assert blocked.to_dict() == whole.to_dict()
    for name in ("hip_flexion", "knee_flexion", "spine_flexion", "neck_change", "dowel_contacts"):
        assert np.array_equal(getattr(blocked.kinematics, name), getattr(whole.kinematics, name), equal_nan=True)


def _reading_variants(s):
    """The stick series four ways, so each kind of landmark the analysis reads is read: as it is
    (right side, facing right); both sides equally visible (the side chosen by depth); mirrored
    (the left side, facing left); mirrored with the feet unseen (the facing read from the nose)."""
    from dataclasses import replace

    from hingecheck.core.series import INDEX, LANDMARKS

    swap = [INDEX[n.replace("left", "@").replace("right", "left").replace("@", "right")] for n in LANDMARKS]
    image = s.image[:, swap].copy()
    image[..., 0] = s.width - image[..., 0]
    world = s.world[:, swap].copy()
    world[..., 0] = -world[..., 0]
    mirrored = replace(
        s, image=image, world=world, visibility=np.full_like(s.visibility, 0.99), profile=s.profile[..., ::-1].copy()
    )
    feet = [INDEX[f"{side}_{part}"] for side in ("left", "right") for part in ("heel", "foot_index")]
    visibility = mirrored.visibility.copy()
    visibility[:, feet] = 0.0
    return {
        "as is": s,
        "both sides seen alike": replace(s, visibility=np.full_like(s.visibility, 0.99)),
        "mirrored": mirrored,
        "mirrored, feet unseen": replace(mirrored, visibility=visibility),
    }


def test_cleaning_only_what_is_read_changes_nothing(monkeypatch):
    """measure cleans only the image coordinates the analysis reads (MEASURED_IMAGE_COLUMNS) and
    the back's side of the profile: cleaning every column instead gives exactly the same result.
    A measure that read a landmark left out would get NaN here and differ (checked: leaving out
    the nose, the left side's joints or the depths fails one of the variants)."""
    import hingecheck.core.analysis as analysis

    variants = _reading_variants(stick.long_series(0.5))
    some = {k: analyze(v) for k, v in variants.items()}
    every = tuple((j, c) for j in range(33) for c in range(3))
    monkeypatch.setattr(analysis, "MEASURED_IMAGE_COLUMNS", every)
    clean_profile = analysis.clean_profile
    monkeypatch.setattr(analysis, "clean_profile", lambda series, th, columns=(0, 1): clean_profile(series, th))
    for k, v in variants.items():
        full = analyze(v)
        assert some[k].to_dict() == full.to_dict(), k
        for name in ("hip_flexion", "knee_flexion", "spine_flexion", "neck_change", "dowel_contacts"):
            assert np.array_equal(getattr(some[k].kinematics, name), getattr(full.kinematics, name), equal_nan=True)


def test_float32_cleaned_landmarks_change_nothing_that_matters(monkeypatch):
    """clean_series keeps its outputs in float32 (CLEAN_DTYPE): the same reps, verdicts and
    warnings as float64 outputs, and angles within a thousandth of a degree."""
    import hingecheck.core.clean as clean

    s = stick.long_series(0.5)
    r32 = analyze(s)
    monkeypatch.setattr(clean, "CLEAN_DTYPE", np.float64)
    r64 = analyze(s)
    assert r32.verdict == r64.verdict
    assert [(r.start_frame, r.bottom_frame, r.end_frame, r.verdict) for r in r32.reps] == [
        (r.start_frame, r.bottom_frame, r.end_frame, r.verdict) for r in r64.reps
    ]
    for name in ("hip_flexion", "knee_flexion", "spine_flexion", "neck_change", "dowel_contacts"):
        a, b = getattr(r32.kinematics, name), getattr(r64.kinematics, name)
        assert np.array_equal(np.isnan(a), np.isnan(b))
        assert np.nanmax(np.abs(a - b)) < 1e-3, name
    for k, on in r64.kinematics.warnings.items():
        assert np.array_equal(r32.kinematics.warnings[k], on), k
