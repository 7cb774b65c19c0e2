"""ruff's lint rules and formatting (configured in pyproject.toml) hold for the whole tree."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import require

REPO = Path(__file__).resolve().parents[1]


def ruff():
    exe = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    require(exe, package="ruff (the test extra)")
    return exe


@pytest.mark.parametrize("args", [["check", "."], ["format", "--check", "."]], ids=["lint", "format"])
def test_ruff(args):
    r = subprocess.run([ruff(), *args], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
