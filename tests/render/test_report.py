"""The HTML report's fixed text says what README says about the numbers."""

import re

from hingecheck.core.results import ClipResult
from hingecheck.render.report import render_report

from conftest import REPO


def test_footer_says_what_readme_says_spine_flexion_is():
    """README (schema 2): spine_flexion_deg is the flexion held through the rep against a straight
    dowel, not a change from the lifter's standing posture (schema 1)."""
    html = render_report(ClipResult(file="c.mp4", status="ok", verdict="no_reps"), "c.mp4", None, None, [])
    footer = re.search(r"<footer>(.*?)</footer>", html, re.S).group(1)
    assert "standing" not in footer
    assert "the flexion held through the rep, against a straight dowel" in footer
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "`spine_flexion_deg` is the flexion held through the rep" in readme and "against a straight" in readme
