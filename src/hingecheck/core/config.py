"""Thresholds: the shipped ``thresholds.toml`` merged with a user's ``--config`` file.

Every number the core judges by is a named field of :class:`Thresholds` (units in
``thresholds.toml``, next to each value, with its source). Profiles (``[exercise.NAME]``)
override the ``[common]`` values for one exercise.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from hingecheck.core.results import EXERCISES


class ConfigError(ValueError):
    """A thresholds file that cannot be used; the message is one line naming the file and key."""


@dataclass(frozen=True)
class Thresholds:
    """One exercise's thresholds (see thresholds.toml for units and sources)."""

    exercise: str
    min_visibility: float
    max_gap_s: float
    hampel_window: int
    hampel_sigmas: float
    lowpass_hz: float
    lowpass_order: int
    euro_min_cutoff_hz: float
    euro_beta: float
    euro_d_cutoff_hz: float
    side_view_min_yaw_deg: float
    oblique_view_min_yaw_deg: float
    min_detected_fraction: float
    min_read_fraction: float
    cut_min_change: float
    cut_min_ratio: float
    lifter_lost_s: float
    min_trunk_px: float
    min_judged_fraction: float
    max_outline_jitter_deg: float
    plausible_hip_min_deg: float
    plausible_hip_max_deg: float
    plausible_knee_min_deg: float
    plausible_knee_max_deg: float
    plausible_spine_max_deg: float
    spine_reference_max_arch_deg: float
    rep_enter_deg: float
    rep_exit_deg: float
    standing_max_deg: float
    baseline_window_s: float
    min_standing_s: float
    min_rep_s: float
    rep_edge_deg: float
    lockout_seen_s: float
    lumbar_flexion_max_deg: float
    spine_rep_percentile: float
    lumbar_tolerance_deg: float
    lumbar_fallback_max_deg: float
    knee_max_deg: float
    knee_hip_ratio_max: float
    hip_drop_max: float
    torso_shin_margin_deg: float
    squat_tolerance_deg: float
    use_knee_angle_for_squat: bool
    shin_max_deg: float
    knee_past_toe_frac: float
    heel_lift_max: float
    heel_lift_tolerance: float
    check_heels_lift: bool
    neck_extension_max_deg: float
    neck_tolerance_deg: float
    lockout_hip_max_deg: float
    lockout_trunk_min_deg: float
    hyperextension_hip_deg: float
    load_drift_max: float
    check_load_drift: bool
    hips_first_trunk_gain_deg: float
    check_hips_rise_first: bool
    rushed_descent_s: float
    check_tempo: bool
    shallow_hip_deg: float
    pull_hands_max_leg: float
    pull_knee_min_deg: float
    pull_min_s: float
    shin_length_min_ratio: float


_FIELDS = {f.name: f for f in dataclasses.fields(Thresholds) if f.name != "exercise"}


def _read(path: Path | None) -> dict:
    try:
        if path is None:
            text = resources.files("hingecheck.core").joinpath("thresholds.toml").read_text(encoding="utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
        return tomllib.loads(text)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read ({exc})") from None


def _check(table: dict, where: str, path) -> dict:
    out = {}
    for key, value in table.items():
        if key not in _FIELDS:
            raise ConfigError(f"{path}: unknown setting {where}.{key}")
        want = _FIELDS[key].type
        ok = (
            isinstance(value, bool)
            if want == "bool"
            else (isinstance(value, (int, float)) and not isinstance(value, bool))
        )
        if not ok:
            raise ConfigError(
                f"{path}: {where}.{key} must be {'true/false' if want == 'bool' else 'a number'}, got {value!r}"
            )
        lo, hi = _range(key)
        if want != "bool" and not (lo <= value <= hi):
            raise ConfigError(f"{path}: {where}.{key} = {value!r} is out of range ({lo:g} to {hi:g})")
        out[key] = int(value) if want == "int" else value
    return out


#: Allowed ranges by setting name (first match): fractions and shares 0-1, angles a half turn
#: either way, durations and rates positive, counts at least 1.
_RANGES: tuple[tuple[tuple[str, ...], tuple[float, float]], ...] = (
    (("knee_past_toe_frac",), (-1.0, 1.0)),
    (("shin_length_min_ratio",), (0.0, 1.0)),
    (("min_visibility", "_fraction", "_frac"), (0.0, 1.0)),
    (
        (
            "hip_drop_max",
            "pull_hands_max_leg",
            "load_drift_max",
            "knee_hip_ratio_max",
            "heel_lift_max",
            "heel_lift_tolerance",
        ),
        (0.0, 5.0),
    ),
    (("spine_rep_percentile",), (0.0, 100.0)),
    (("_deg",), (-180.0, 180.0)),
    (("_s", "_hz", "beta", "sigmas"), (1e-6, 1e6)),
    (("_window", "_order"), (1, 1000)),
    (("_px",), (0.0, 1e5)),
)


def _range(key: str) -> tuple[float, float]:
    for names, bounds in _RANGES:
        if any(key == n or key.endswith(n) for n in names):
            return bounds
    return (-1e9, 1e9)


def check_exercise(exercise: str) -> None:
    """Raise :class:`ConfigError` (one line) unless ``exercise`` is a known profile."""
    if exercise not in EXERCISES:
        raise ConfigError(f"unknown exercise {exercise!r} (choose from {', '.join(EXERCISES)})")


def load_config(path: str | Path | None = None, exercise: str = "hinge") -> Thresholds:
    """Thresholds for ``exercise``: shipped defaults, that exercise's profile, then ``path``'s
    ``[common]`` and ``[exercise.NAME]`` tables on top. Raises :class:`ConfigError`."""
    check_exercise(exercise)
    base = _read(None)
    values = _check(base.get("common", {}), "common", "thresholds.toml")
    values.update(_check(base.get("exercise", {}).get(exercise, {}), f"exercise.{exercise}", "thresholds.toml"))
    if path is not None:
        user = _read(Path(path))
        unknown = set(user) - {"common", "exercise"}
        if unknown:
            raise ConfigError(f"{path}: unknown table [{sorted(unknown)[0]}] (use [common] or [exercise.NAME])")
        for name in user.get("exercise", {}):
            if name not in EXERCISES:
                raise ConfigError(f"{path}: unknown exercise [exercise.{name}]")
        values.update(_check(user.get("common", {}), "common", path))
        values.update(_check(user.get("exercise", {}).get(exercise, {}), f"exercise.{exercise}", path))
    missing = set(_FIELDS) - set(values)
    if missing:
        raise ConfigError(f"thresholds.toml: missing setting common.{sorted(missing)[0]}")
    return Thresholds(exercise=exercise, **values)
