"""The fault registry: one object per fault, and everything that lists faults follows it."""

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest

from hingecheck.core.classify import classify_rep
from hingecheck.core.config import Thresholds, load_config
from hingecheck.core.faults import REGISTRY, FrameSignals, frame_warnings, readme_table
from hingecheck.core.results import FAULTS
from hingecheck.render.cues import ADVICE, CUES, PHRASES
from hingecheck.render.overlay import FAULT_REGIONS, SEGMENTS

from test_classify import W, features

REPO = Path(__file__).resolve().parents[2]
TOML = REPO / "src" / "hingecheck" / "core" / "thresholds.toml"


def test_readme_lists_the_registry():
    """README's fault table is the registry's (regenerate: python -m hingecheck.core.faults)."""
    assert readme_table() in (REPO / "README.md").read_text(encoding="utf-8")


def test_every_fault_names_real_documented_thresholds():
    fields = {f.name for f in dataclasses.fields(Thresholds)}
    toml = TOML.read_text(encoding="utf-8")
    for fault in REGISTRY:
        for name in fault.thresholds:
            assert name in fields, (fault.name, name)
            line = re.search(rf"^{name} = .*$", toml, re.M)
            assert line, (fault.name, name)
            value = line.group(0).split("=", 1)[1]
            assert "#" in value or value.strip() in ("true", "false"), f"{name} has no unit/source comment"


def test_tables_follow_the_registry():
    names = [f.name for f in REGISTRY]
    assert list(FAULTS) == names and len(set(names)) == len(names)
    assert set(CUES) == set(PHRASES) == set(ADVICE) == set(FAULT_REGIONS) == set(names)
    regions = {s[2] for s in SEGMENTS}
    for fault in REGISTRY:
        assert fault.regions and set(fault.regions) <= regions, fault.name
        assert len(fault.cue) <= 30, fault.cue


def test_heels_lift_is_off_unless_configured(tmp_path):
    """Off by default (the landmarks behind plates do not separate it on real pulls); with the
    check on, a heel 0.1 foot lengths over the limit through the rep is the fault."""
    lifted = features(heel_lift=np.full(120, 0.35))
    off = classify_rep(lifted, W, load_config(), 1)
    assert "heels_lift" not in off.faults and "heels_lift" not in off.not_judged
    cfg = tmp_path / "heels.toml"
    cfg.write_text("[common]\ncheck_heels_lift = true\n")
    th = load_config(cfg)
    assert th.heel_lift_max == pytest.approx(0.25)
    assert classify_rep(lifted, W, th, 1).verdict == "heels_lift"
    assert "heels_lift" not in classify_rep(features(heel_lift=np.full(120, 0.2)), W, th, 1).faults
    unseen = classify_rep(features(), W, th, 1)  # no heel reading at all
    assert "heels_lift" in unseen.not_judged and unseen.verdict == "neutral"


def test_one_warning_rule():
    """In a rep only, held flexion over the limit, never for an untrusted check."""
    th = load_config()
    over = th.lumbar_flexion_max_deg + 1
    s = FrameSignals(
        spine_held=np.array([over, over, 0.0]),
        knee=np.zeros(3),
        neck_change=np.array([0.0, th.neck_extension_max_deg + 1, 0.0]),
        in_rep=np.array([False, True, True]),
    )
    w = frame_warnings(s, th)
    assert w["lumbar_rounding"].tolist() == [False, True, False]
    assert w["neck_extension"].tolist() == [False, True, False]
    assert "neck_extension" not in frame_warnings(s, th, {"neck_extension": "too small"})
