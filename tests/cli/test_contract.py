"""What users and scripts rely on: README documents every command and option, and the JSON and CSV
layouts stay as README's "Output" section says (a change here is a schema change: bump it)."""

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from hingecheck.cli.main import app

REPO = Path(__file__).resolve().parents[2]
CLIP = REPO / "sample_videos" / "hinge_rounded.mp4"

CLIP_KEYS = [
    "file",
    "status",
    "error",
    "exercise",
    "view",
    "frames",
    "fps",
    "detected_fraction",
    "verdict",
    "score",
    "yaw_deg",
    "why",
    "warnings",
    "reps",
]
REP_KEYS = [
    "index",
    "start_s",
    "bottom_s",
    "end_s",
    "verdict",
    "faults",
    "notes",
    "hip_flexion_deg",
    "knee_flexion_deg",
    "trunk_incline_deg",
    "spine_flexion_deg",
    "descent_s",
    "ascent_s",
    "score",
    "evidence",
    "not_judged",
    "confidence",
]
CSV_HEADER = [
    "file",
    "status",
    "error",
    "exercise",
    "view",
    "frames",
    "fps",
    "detected_fraction",
    "verdict",
    "score",
    "rep",
    "start_s",
    "bottom_s",
    "end_s",
    "rep_verdict",
    "faults",
    "notes",
    "hip_flexion_deg",
    "knee_flexion_deg",
    "trunk_incline_deg",
    "spine_flexion_deg",
    "descent_s",
    "ascent_s",
    "rep_score",
    "yaw_deg",
    "why",
    "warnings",
    "not_judged",
    "confidence",
]


def _commands():
    """Every command and sub-command, by its full name (``history delete``)."""
    out = []

    def walk(prefix, group):
        for name, c in group.commands.items():
            out.append((f"{prefix}{name}", c))
            if hasattr(c, "commands"):
                walk(f"{prefix}{name} ", c)

    walk("", typer.main.get_command(app))
    return sorted(out, key=lambda x: x[0])


@pytest.mark.parametrize("name, command", _commands(), ids=lambda x: x if isinstance(x, str) else "")
def test_readme_documents_every_command_and_option(name, command):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    rows = [
        line
        for line in readme.splitlines()
        if line.startswith(f"| `hingecheck {name}")
        and not any(
            line.startswith(f"| `hingecheck {other}") for other, _ in _commands() if other.startswith(f"{name} ")
        )
    ]
    assert rows, f"README's command table has no row for `hingecheck {name}`"
    row = " ".join(rows)
    for p in command.params:
        if p.param_type_name == "option":
            assert any(re.search(rf"{re.escape(o)}\b", row) for o in p.opts), f"{name}: {p.opts[0]} not in README"


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    d = tmp_path_factory.mktemp("contract")
    for ext in ("json", "csv"):
        subprocess.run(
            [sys.executable, "-m", "hingecheck", "score", str(CLIP), "--out", str(d / f"r.{ext}")],
            check=True,
            capture_output=True,
        )
    return d


def test_json_layout(scored):
    doc = json.loads((scored / "r.json").read_text())
    assert list(doc) == ["schema", "clips"] and doc["schema"] == 2
    clip = doc["clips"][0]
    assert list(clip) == CLIP_KEYS and clip["reps"], clip
    assert list(clip["reps"][0]) == REP_KEYS


def test_csv_header(scored):
    with open(scored / "r.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == CSV_HEADER and len(rows) > 1
