"""The coach's report: one self-contained HTML file (inline CSS, images and the annotated video
as data URIs, no scripts, no external resources) that can be emailed to a client.

Everything user-supplied (file names, labels) goes through Jinja2's autoescaping.
"""

from __future__ import annotations

import base64
import math

from jinja2 import DictLoader, Environment, select_autoescape

from hingecheck import __version__
from hingecheck.core.results import FAULTS, ClipResult
from hingecheck.render.cues import cue_for, main_fault, set_sentence

#: The per-rep table, the review report's and compare's (``rep_table(rows, id, class_)``: rows
#: from :func:`rep_rows`; one line of HTML, ``class_`` left out when empty).
REP_TABLE = """{% macro rep_table(rows, id, class_="") -%}
<table{% if class_ %} class="{{ class_ }}"{% endif %} id="{{ id }}"><thead><tr><th>rep</th><th class="v">verdict</th><th class="v">faults</th><th>hip °</th><th>knee °</th><th>trunk °</th><th>spine °</th><th>descent s</th><th title="{{ SCORE_MEANS }}">score</th><th>time s</th></tr></thead>
<tbody>{% for r in rows %}<tr><td data-label="rep">{{ r.index }}</td><td data-label="verdict" class="v {{ 'ok' if r.verdict == 'neutral' else 'bad' }}">{{ r.verdict|replace('_', ' ') }}</td><td data-label="faults" class="v">{{ r.faults|join(', ')|replace('_', ' ') }}{% if r.notes %} <small>({{ r.notes|join(', ')|replace('_', ' ') }})</small>{% endif %}</td><td data-label="hip °">{{ r.hip }}</td><td data-label="knee °">{{ r.knee }}</td><td data-label="trunk °">{{ r.trunk }}</td><td data-label="spine °">{{ r.spine }}</td><td data-label="descent s">{{ r.descent }}</td><td data-label="score">{{ r.score }}</td><td data-label="time s" class="t">{{ r.time }}</td></tr>{% endfor %}</tbody></table>
{%- endmacro %}"""

TEMPLATE = """{% from "rep_table.html" import rep_table %}<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hingecheck report: {{ name }}</title>
<style>
body{font-family:system-ui,-apple-system,"DejaVu Sans",sans-serif;margin:0;background:#f5f6f8;color:#1d2330}
main{max-width:960px;margin:0 auto;padding:24px}
h1{font-size:1.4rem;margin:0 0 4px} .sub{color:#5b6475;margin:0 0 16px}
.verdict{padding:16px 20px;border-radius:10px;background:#fff;border-left:8px solid {{ colour }};margin-bottom:20px}
.verdict .big{font-size:1.25rem;font-weight:600} .cue{font-size:1.1rem;margin-top:6px}
.notes{margin:10px 0 0;padding-left:20px;color:#5b6475;font-size:.92rem} .notes li{margin-top:2px}
table{border-collapse:collapse;width:100%;background:#fff;border-radius:8px;overflow:hidden;margin-bottom:20px}
th,td{padding:8px 10px;border-bottom:1px solid #e4e7ec;text-align:right;font-size:.92rem} td.t,#reps th{white-space:nowrap}
th:first-child,td:first-child,td.v,th.v{text-align:left}
.ok{color:#1e8a45;font-weight:600} .bad{color:#c0392b;font-weight:600}
.thumbs{display:flex;flex-wrap:wrap;gap:12px;margin-bottom:20px}
figure{margin:0;background:#fff;padding:8px;border-radius:8px} figure img{width:220px;display:block}
figcaption{font-size:.85rem;color:#5b6475;margin-top:4px}
video,.plot{width:100%;background:#000;border-radius:8px} .plot{background:#fff}
tr.now td{font-weight:600;background:#eef4fb} #trend-table td.v{overflow-wrap:anywhere}
.wide{overflow-x:auto;margin-bottom:20px;border-radius:8px} .wide table{margin-bottom:0}
footer{color:#8a93a3;font-size:.8rem;margin-top:24px}
@media (max-width:600px){main{padding:16px 12px}
table.stack thead{display:none} table.stack,table.stack tbody{display:block}
table.stack tr{display:grid;grid-template-columns:1fr 1fr;column-gap:4px;border-bottom:2px solid #d5dae2;padding:4px 0}
table.stack td{display:flex;justify-content:space-between;gap:8px;min-width:0;border:0;padding:3px 10px;text-align:right;overflow-wrap:anywhere}
table.stack td::before{content:attr(data-label);color:#5b6475;font-weight:400;text-align:left;white-space:nowrap}
table.stack td:first-child,table.stack td.v{grid-column:1/-1} table.stack td.t{white-space:normal}}
</style></head>
<body><main>
<h1>{{ name }}</h1>
<p class="sub">{{ exercise }} · {{ view }} view · {{ reps|length }} rep{{ '' if reps|length == 1 else 's' }}{% if score is not none %} · <span id="clip-score" title="{{ SCORE_MEANS }}">score {{ score }}/100</span>{% endif %}</p>
<section class="verdict"><div class="big">{{ headline }}</div>{% if cue %}<div class="cue">Cue: <strong>{{ cue }}</strong></div>{% endif %}
{% if notes %}<ul class="notes" id="clip-notes">{% for n in notes %}<li>{{ n }}</li>{% endfor %}</ul>{% endif %}</section>
{% if reps %}
<div class="wide">{{ rep_table(reps, "reps", "stack") }}</div>
{% if not_judged %}<p class="sub">Not judged (the tool abstains rather than guess):</p><ul class="notes" id="not-judged">{% for n in not_judged %}<li>{{ n }}</li>{% endfor %}</ul>{% endif %}
{% endif %}
{% if trend %}<h2 id="trend">Progress of {{ trend.athlete }} ({{ exercise }})</h2>
<div class="wide"><table class="stack" id="trend-table"><thead><tr>{% for c in trend.columns %}<th class="{{ 'v' if c in trend.text_columns else '' }}">{{ c }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in trend.rows %}{% set this = loop.last %}<tr{% if this %} class="now"{% endif %}>{% for c in trend.columns %}<td data-label="{{ c }}" class="{{ 'v' if c in trend.text_columns else '' }}">{{ row[loop.index0] }}{% if this and loop.first %} <small>(this review)</small>{% endif %}</td>{% endfor %}</tr>{% endfor %}</tbody></table></div>
{% if trend.plot %}<img class="plot" id="trend-plot" alt="progress over sessions" src="data:image/png;base64,{{ trend.plot }}">{% endif %}
{% endif %}
{% if thumbs %}<h2>Each rep at its worst moment</h2><div class="thumbs">{% for t in thumbs %}<figure><img alt="rep {{ t.index }}" src="data:image/jpeg;base64,{{ t.data }}"><figcaption>rep {{ t.index }}: {{ t.caption }}</figcaption></figure>{% endfor %}</div>{% endif %}
{% if plot %}<h2>Angles over time</h2><img class="plot" alt="angle curves" src="data:image/png;base64,{{ plot }}">{% endif %}
{% if video %}<h2>Annotated video</h2><video id="video" controls preload="auto" playsinline src="data:video/mp4;base64,{{ video }}"></video>{% endif %}
<footer>hingecheck {{ version }} · angles in degrees, spine: the flexion held through the rep, against a straight dowel (below 0: arched) · <span id="score-means">{{ SCORE_MEANS }}</span> · analysed on this computer, nothing was uploaded</footer>
</main></body></html>
"""

#: What a score is (README, "Output"): the report's footer and the score's tooltips say it (a global
#: of :data:`environment`, so compare's page has it too).
SCORE_MEANS = (
    "score: 0-100, 50 at a threshold, 100 comfortably inside every threshold, under 50 when the rep has a fault; "
    "the clip's is the mean of its judged reps' scores"
)

#: The pages' Jinja environment (autoescaping everything): templates import ``rep_table`` from
#: ``"rep_table.html"``.
environment = Environment(
    loader=DictLoader({"rep_table.html": REP_TABLE}),
    autoescape=select_autoescape(default=True, default_for_string=True),
)
environment.globals["SCORE_MEANS"] = SCORE_MEANS
_template = environment.from_string(TEMPLATE)


def _fmt(x, nd=0):
    return "" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{x:.{nd}f}"


def rep_rows(result: ClipResult) -> list[dict]:
    """The per-rep table's rows (the report's and compare's): index, verdict, faults, notes, key
    angles as text (hip, knee, trunk, spine: degrees, whole), descent (s, one decimal), score, and
    when the rep is in the clip (``time``: start-end, seconds, one decimal), to find it in the video."""
    return [
        dict(
            index=r.index,
            verdict=r.verdict,
            faults=list(r.faults),
            notes=list(r.notes),
            hip=_fmt(r.hip_flexion_deg),
            knee=_fmt(r.knee_flexion_deg),
            trunk=_fmt(r.trunk_incline_deg),
            spine=_fmt(r.spine_flexion_deg),
            descent=_fmt(r.descent_s, 1),
            score=_fmt(r.score),
            time=f"{_fmt(r.start_s, 1)}\u2013{_fmt(r.end_s, 1)}",
        )
        for r in result.reps
    ]


def clip_notes(result: ClipResult) -> list[str]:
    """Lines about the clip for a person: why it got no verdict on its form, then its input
    warnings (an edited clip's shot judged, the exercise chosen, a truncated file, the lifter lost),
    as result.json's ``why`` and ``warnings`` say them."""
    return ([result.why] if result.why else []) + list(result.warnings)


def not_judged_lines(result: ClipResult) -> list[str]:
    """One line per check a rep left unjudged and its reason, reps with the same pair together:
    "squatty hinge (reps 1, 2): hip height or shin not tracked at the bottom"."""
    reps: dict[tuple[str, str], list[int]] = {}
    for r in result.reps:
        for check, why in r.not_judged.items():
            reps.setdefault((check, why), []).append(r.index)
    return [
        f"{check.replace('_', ' ')} (rep{'s' if len(ix) > 1 else ''} {', '.join(map(str, ix))}): {why}"
        for (check, why), ix in reps.items()
    ]


#: The verdict box's edge: red when any rep has a fault (the headline then names it, though the
#: clip's verdict is neutral when fewer of its reps were faulted than neutral), green for a set judged neutral
#: side-on, amber for the rest (no verdict on the form: not judged, no reps, a front view; or no
#: fault seen from an oblique camera, whose back's curve is not reliable).
GREEN, RED, AMBER = "#1e8a45", "#c0392b", "#d68910"


def verdict_colour(result: ClipResult) -> str:
    if result.verdict in FAULTS or any(r.faults for r in result.reps):
        return RED
    return GREEN if result.verdict == "neutral" and result.view != "oblique" else AMBER


def render_report(
    result: ClipResult,
    name: str,
    video: bytes | None,
    plot_png: bytes | None,
    thumbs: list[tuple[int, bytes, str]],
    trend: dict | None = None,
) -> str:
    """The HTML text. ``thumbs``: ``(rep index, JPEG bytes, caption)``. ``trend``, when the
    athlete has earlier sessions: ``athlete``, ``columns`` (names), ``text_columns`` (the
    left-aligned ones), ``rows`` (tuples of text, oldest first, this review last) and ``plot``
    (PNG bytes or None)."""
    fault, _ = main_fault(result.reps)
    reps = rep_rows(result)
    b64 = lambda b: base64.b64encode(b).decode("ascii") if b else None  # noqa: E731
    return _template.render(
        name=name,
        exercise=result.exercise.replace("_", " "),
        view=result.view,
        reps=reps,
        score=_fmt(result.score) or None,
        headline=set_sentence(result.reps, result.verdict, result.view),
        notes=clip_notes(result),
        not_judged=not_judged_lines(result),
        cue=cue_for(fault),
        colour=verdict_colour(result),
        plot=b64(plot_png),
        video=b64(video),
        thumbs=[dict(index=i, data=b64(j), caption=c) for i, j, c in thumbs],
        version=__version__,
        trend=None if not trend else {**trend, "plot": b64(trend.get("plot"))},
    )
