"""Before / after: two clips side by side, time-aligned on the bottom of each rep.

``compare_clips(a, b, out_dir)`` writes ``compare.mp4`` (for each rep pair, a window around the
two bottoms, both clips scaled to one height, the overlay drawn on each, labelled BEFORE and AFTER), ``compare.html`` (both
verdicts, each clip's notes and the checks its reps left unjudged with why, as the review report
says them, a per-rep table of each, before then after: verdict, faults, key angles in degrees,
descent, score, as the review report's; the angle curves of both on one plot aligned on the first
bottom, the video; on a phone 390 px wide the page fits the screen, each per-rep table scrolling
inside its own box) and ``compare.json``.
"""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from hingecheck.atomic import write_text
from hingecheck.core.analysis import analyze, thresholds_for
from hingecheck.core.results import SCHEMA_VERSION, ClipResult, Kinematics
from hingecheck.pose.landmarker import PoseSettings, estimate_clip
from hingecheck.render.cues import set_sentence
from hingecheck.render.overlay import OverlayState, default_annotators, draw, draw_text
from hingecheck.render.plots import angle_plot
from hingecheck.render.report import clip_notes, environment, not_judged_lines, rep_rows
from hingecheck.render.videoio import H264Writer

#: Output frame height in pixels (both clips are scaled to it).
COMPARE_HEIGHT = 480
#: The BEFORE / AFTER label on each panel: font scale and box colour (RGB).
LABEL_SCALE = 0.7
LABEL_BG = (30, 30, 30)
#: Seconds shown before and after each bottom.
WINDOW_BEFORE_S = 1.5
WINDOW_AFTER_S = 1.5

PAGE = """{% from "rep_table.html" import rep_table %}<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>hingecheck compare</title>
<style>body{font-family:system-ui,"DejaVu Sans",sans-serif;max-width:980px;margin:0 auto;padding:24px;color:#1d2330}
table{border-collapse:collapse;width:100%;margin-bottom:16px}td,th{border-bottom:1px solid #ddd;padding:6px;text-align:right}
td:first-child,th:first-child,td.v,th.v{text-align:left}img,video{width:100%} #clips th+th,#clips td+td{overflow-wrap:anywhere}
table.reps{table-layout:fixed;min-width:900px;margin-bottom:0} .reps th:nth-child(1){width:5%} .reps th:nth-child(2){width:15%} .reps th:nth-child(3){width:16%} .reps th:nth-child(8){width:9%} .reps th:nth-child(10){width:10%} td.t,.reps th{white-space:nowrap}
.wide{overflow-x:auto;margin-bottom:16px}
.ok{color:#1e8a45;font-weight:600} .bad{color:#c0392b;font-weight:600}</style></head><body>
<h1>Before / after</h1>
<table id="clips"><tr><th></th><th>{{ a.name }}</th><th>{{ b.name }}</th></tr>
<tr><td>exercise</td><td>{{ a.exercise }}</td><td>{{ b.exercise }}</td></tr>
<tr><td>view</td><td>{{ a.view }}</td><td>{{ b.view }}</td></tr>
<tr><td>verdict</td><td>{{ a.verdict }}</td><td>{{ b.verdict }}</td></tr>
<tr><td>reps</td><td>{{ a.reps }}</td><td>{{ b.reps }}</td></tr>
<tr><td title="{{ SCORE_MEANS }}">score</td><td>{{ a.score }}</td><td>{{ b.score }}</td></tr>
<tr><td>summary</td><td>{{ a.summary }}</td><td>{{ b.summary }}</td></tr>
<tr><td>notes</td><td>{% for n in a.notes %}<div>{{ n }}</div>{% endfor %}</td><td>{% for n in b.notes %}<div>{{ n }}</div>{% endfor %}</td></tr>
<tr id="not-judged"><td>not judged</td><td>{% for n in a.not_judged %}<div>{{ n }}</div>{% endfor %}</td><td>{% for n in b.not_judged %}<div>{{ n }}</div>{% endfor %}</td></tr></table>
{% if a.exercise != b.exercise %}<p id="profiles"><strong>The two clips were judged as different exercises ({{ a.exercise }}, {{ b.exercise }}):</strong> their limits differ; pass <code>--exercise</code> to judge both alike. The curves' limit lines are the {{ a.exercise }}'s.</p>{% endif %}
<h2>Rep by rep</h2>
{% for c in (a, b) %}<h3>{{ c.label }}: {{ c.name }}</h3>
{% if c.rows %}<div class="wide">{{ rep_table(c.rows, "reps-" ~ c.key, "reps") }}</div>
{% else %}<p id="reps-{{ c.key }}-none">No reps found.</p>{% endif %}{% endfor %}
<h2>Angles, aligned on the first bottom</h2><img alt="angles" src="data:image/png;base64,{{ plot }}">
<h2>Side by side</h2><video id="video" controls preload="auto" src="data:video/mp4;base64,{{ video }}"></video>
</body></html>"""


def _shifted(r: ClipResult, dt: float) -> ClipResult:
    """The result with its times moved by ``dt`` seconds (for overlaying curves)."""
    k = r.kinematics
    reps = tuple(replace(x, start_s=x.start_s + dt, bottom_s=x.bottom_s + dt, end_s=x.end_s + dt) for x in r.reps)
    return replace(r, reps=reps, kinematics=replace(k, t=k.t + dt) if isinstance(k, Kinematics) else k)


def _frames(path: Path, wanted: set[int], max_fps: float = 0.0) -> dict[int, np.ndarray]:
    """Frames ``wanted`` by series index (decoded under the same analysis-rate cap as the series)."""
    from hingecheck.pose.sources import VideoFile

    out = {}
    for f in VideoFile(path, max_fps=max_fps).frames():
        if f.index in wanted:
            out[f.index] = f.rgb
        if f.index > max(wanted, default=-1):
            break
    return out


def compare_clips(
    a: str | Path,
    b: str | Path,
    out_dir: str | Path,
    exercise: str = "auto",
    model: str | Path | None = None,
    cache=None,
    settings: PoseSettings | None = None,
) -> dict[str, Path]:
    """Write compare.mp4, compare.html and compare.json (see module doc). Returns their paths and,
    under ``results``, the two clips' :class:`ClipResult` (before, after)."""
    import cv2

    a, b, out = Path(a), Path(b), Path(out_dir)
    settings = settings or PoseSettings()
    sa, sb = (estimate_clip(p, model=model, cache=cache, settings=settings) for p in (a, b))
    (ta, na), (tb, nb) = (thresholds_for(s, exercise) for s in (sa, sb))
    ra, rb = analyze(sa, config=ta, file=str(a), notes=na), analyze(sb, config=tb, file=str(b), notes=nb)
    th = ta  # the plot's limit lines: the earlier clip's profile
    pairs = list(zip(ra.reps, rb.reps))
    fps = sa.fps or 30.0
    n_before, n_after = int(WINDOW_BEFORE_S * fps), int(WINDOW_AFTER_S * fps)
    wanted_a = {
        int(np.clip(x.bottom_frame + d, 0, sa.n_frames - 1)) for x, _ in pairs for d in range(-n_before, n_after)
    }
    wanted_b = {
        int(np.clip(y.bottom_frame + d, 0, sb.n_frames - 1)) for _, y in pairs for d in range(-n_before, n_after)
    }
    fa, fb = _frames(a, wanted_a, settings.max_fps), _frames(b, wanted_b, settings.max_fps)
    annotators = default_annotators()

    def panel(frames, i, series, result, label):
        rgb = frames[i].copy()
        draw(rgb, OverlayState.from_clip(i, series.image[i] if series.detected[i] else None, result), annotators)
        h, w = rgb.shape[:2]
        out = cv2.resize(rgb, (int(round(w * COMPARE_HEIGHT / h / 2)) * 2, COMPARE_HEIGHT))
        # Which side is which, on the video itself (it is also sent on its own): top right, where
        # neither the rep counter nor the verdict banner goes.
        (tw, _), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, LABEL_SCALE, 2)
        draw_text(out, label, (out.shape[1] - tw - 14, 34), LABEL_SCALE, thick=2, bg=LABEL_BG)
        return out

    out.mkdir(parents=True, exist_ok=True)
    video = out / "compare.mp4"

    def rows():
        for x, y in pairs:
            for d in range(-n_before, n_after):
                i = int(np.clip(x.bottom_frame + d, 0, sa.n_frames - 1))
                j = int(np.clip(y.bottom_frame + d, 0, sb.n_frames - 1))
                if i in fa and j in fb:
                    yield np.hstack([panel(fa, i, sa, ra, "BEFORE"), panel(fb, j, sb, rb, "AFTER")])

    frames = rows()
    first = next(frames, None)
    if first is None:  # no rep pairs: one still frame of each, so the page still shows them
        first = np.hstack([panel(_frames(a, {0}), 0, sa, ra, "BEFORE"), panel(_frames(b, {0}), 0, sb, rb, "AFTER")])
    with H264Writer(video, fps, (first.shape[1], first.shape[0])) as writer:  # the first row sets the size
        writer.write(first)
        for row in frames:
            writer.write(row)
    dt = (ra.reps[0].bottom_s - rb.reps[0].bottom_s) if ra.reps and rb.reps else 0.0
    plot = angle_plot([(a.name, ra), (b.name, _shifted(rb, dt) if rb.kinematics is not None else rb)], th)

    def facts(p, r, key, label):
        return dict(
            key=key,
            label=label,
            rows=rep_rows(r),
            name=p.name,
            verdict=(r.verdict or "").replace("_", " "),
            exercise=r.exercise.replace("_", " "),
            view=r.view,
            notes=clip_notes(r),
            not_judged=not_judged_lines(r),
            reps=len(r.reps),
            score="" if r.score is None else f"{r.score:.0f}/100",
            summary=set_sentence(r.reps, r.verdict, r.view),
        )

    html = environment.from_string(PAGE).render(
        a=facts(a, ra, "a", "Before"),
        b=facts(b, rb, "b", "After"),
        plot=base64.b64encode(plot).decode(),
        video=base64.b64encode(video.read_bytes()).decode(),
    )
    write_text(out / "compare.html", html)
    write_text(
        out / "compare.json",
        json.dumps({"schema": SCHEMA_VERSION, "clips": [ra.to_dict(), rb.to_dict()]}, indent=2) + "\n",
    )
    return {"video": video, "html": out / "compare.html", "json": out / "compare.json", "results": (ra, rb)}
