"""Thresholds: shipped profiles, overrides, and one-line errors for bad files."""

import pytest

from hingecheck.core.config import ConfigError, load_config


def test_profiles_override_common():
    hinge, gm, dl = (load_config(exercise=e) for e in ("hinge", "good_morning", "deadlift"))
    assert gm.knee_max_deg < hinge.knee_max_deg
    assert dl.check_hips_rise_first and not hinge.check_hips_rise_first
    assert not dl.use_knee_angle_for_squat and hinge.use_knee_angle_for_squat
    assert hinge.lowpass_hz == dl.lowpass_hz == 6.0


def test_user_file_overrides(tmp_path):
    p = tmp_path / "mine.toml"
    p.write_text("[common]\nlumbar_flexion_max_deg = 22.5\n[exercise.deadlift]\nhip_drop_max = 0.4\n")
    assert load_config(p).lumbar_flexion_max_deg == 22.5
    assert load_config(p, "deadlift").hip_drop_max == 0.4
    assert load_config(p, "hinge").hip_drop_max == load_config(exercise="hinge").hip_drop_max


@pytest.mark.parametrize(
    "text, problem",
    [
        ("[common]\nlumbar_max = 3\n", "unknown setting common.lumbar_max"),
        ("[common]\nknee_max_deg = 'high'\n", "common.knee_max_deg must be a number"),
        ("[common]\ncheck_tempo = 1\n", "common.check_tempo must be true/false"),
        ("[exercise.squat]\nknee_max_deg = 3\n", "unknown exercise [exercise.squat]"),
        ("[oops]\n", "unknown table [oops]"),
        ("this is = = not toml", "not valid TOML"),
    ],
)
def test_bad_files_one_line(tmp_path, text, problem):
    p = tmp_path / "bad.toml"
    p.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(p)
    assert str(p) in str(err.value) and problem in str(err.value) and "\n" not in str(err.value)


def test_unknown_exercise_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="unknown exercise"):
        load_config(exercise="bench_press")
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "nope.toml")


def test_override_order(tmp_path):
    """Lowest to highest: shipped [common], shipped [exercise.NAME], your [common], your
    [exercise.NAME] (README, "Verdicts"): your file always wins over the shipped one."""
    shipped_gm = load_config(exercise="good_morning").knee_max_deg
    p = tmp_path / "mine.toml"
    p.write_text("[common]\nknee_max_deg = 33.0\n")
    assert shipped_gm != 33.0 and load_config(p, "good_morning").knee_max_deg == 33.0
    p.write_text("[common]\nknee_max_deg = 33.0\n[exercise.good_morning]\nknee_max_deg = 27.0\n")
    assert load_config(p, "good_morning").knee_max_deg == 27.0
    assert load_config(p, "hinge").knee_max_deg == 33.0
