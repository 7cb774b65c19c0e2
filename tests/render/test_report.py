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


def _rep(i, verdict, faults=(), notes=()):
    from hingecheck.core.results import Rep

    return Rep(
        index=i,
        start_frame=30 * i,
        bottom_frame=30 * i + 15,
        end_frame=30 * i + 29,
        start_s=float(i),
        bottom_s=i + 0.5,
        end_s=i + 0.97,
        verdict=verdict,
        faults=tuple(faults),
        notes=tuple(notes),
        hip_flexion_deg=80.4 + i,
        knee_flexion_deg=20.6,
        trunk_incline_deg=70.0,
        spine_flexion_deg=12.5 if faults else 3.2,
        descent_s=1.26,
        ascent_s=1.0,
        score=40.0 if faults else 95.0,
    )


def test_report_and_compare_share_one_per_rep_table():
    """The per-rep table's markup is written once (a Jinja macro both pages import; it was two
    copies, one in the report and one in compare), and both pages show the same rows for the same
    reps: the cells read as the hand-made reps say."""
    sources = {p: p.read_text(encoding="utf-8") for p in (REPO / "src" / "hingecheck").rglob("*.py")}
    assert sum(s.count("<th>descent s</th>") for s in sources.values()) == 1, [
        p.name for p, s in sources.items() if "<th>descent s</th>" in s
    ]
    from hingecheck.cli.compare import PAGE
    from hingecheck.render.report import environment, rep_rows

    reps = (_rep(1, "neutral"), _rep(2, "lumbar_rounding", ("lumbar_rounding",), ("rushed_tempo",)))
    result = ClipResult(file="c.mp4", status="ok", verdict="lumbar_rounding", view="side", reps=reps)
    report = render_report(result, "c.mp4", None, None, [])
    clip = dict(key="a", label="Before", name="c.mp4", rows=rep_rows(result), notes=[])
    compare = environment.from_string(PAGE).render(a=clip, b={**clip, "key": "b"}, plot="", video="")
    tables = [
        re.search(r'<table[^>]* id="reps"><thead>.*?</table>', report, re.S).group(0),
        re.search(r'<table class="reps" id="reps-a"><thead>.*?</table>', compare, re.S).group(0),
    ]
    bodies = {re.sub(r"<table[^>]*>", "", t) for t in tables}
    assert len(bodies) == 1
    rows = [
        [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr)]
        for tr in re.findall(r"<tr>(.*?)</tr>", bodies.pop())[1:]
    ]
    assert rows == [
        ["1", "neutral", "", "81", "21", "70", "3", "1.3", "95", "1.0\u20132.0"],
        ["2", "lumbar rounding", "lumbar rounding (rushed tempo)", "82", "21", "70", "12", "1.3", "40", "2.0\u20133.0"],
    ]


def test_the_clip_score_says_its_scale_and_what_it_means():
    """A coach read "score 33" with no scale: the report says 33/100, and what the score is as
    README defines it (0-100, 50 at a threshold, 100 comfortably inside every threshold, under 50
    for a faulted rep, the clip's the mean of its judged reps'), in the score's tooltip, the
    footer and the rep table's score header."""
    reps = (_rep(1, "lumbar_rounding", ("lumbar_rounding",)), _rep(2, "neutral"))
    result = ClipResult(file="c.mp4", status="ok", verdict="lumbar_rounding", view="side", reps=reps, score=33.4)
    html = render_report(result, "c.mp4", None, None, [])
    sub = re.search(r'<p class="sub">(.*?)</p>', html, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", sub).endswith("score 33/100"), sub
    tooltip = re.search(r'id="clip-score" title="([^"]*)"', html).group(1)
    footer = re.search(r"<footer>(.*?)</footer>", html, re.S).group(1)
    header = re.search(r'<th title="([^"]*)">score</th>', html).group(1)
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    for said in (tooltip, footer, header):
        for part in (
            "0-100",
            "50 at a threshold",
            "100 comfortably inside every threshold",
            "under 50 when the rep has a fault",
        ):
            assert part in said and part in readme, (part, said)
        assert "mean of its judged reps" in said.replace("&#39;", "'")
