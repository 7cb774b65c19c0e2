"""Coach review: the annotated video, the report in a real browser, escaping of user text."""

import contextlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from hingecheck.cli.review import review_clip
from hingecheck.core.analysis import analyze
from hingecheck.core.kinematics import SIDES
from hingecheck.pose.cache import LandmarkCache
from hingecheck.pose.landmarker import estimate_clip
from hingecheck.pose.sources import VideoFile

from conftest import SAMPLES, require, write_clip


def hingecheck(*args, timeout: int = 600) -> subprocess.CompletedProcess:
    """``python -m hingecheck ARGS...`` as a user runs it: output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "hingecheck", *map(str, args)], capture_output=True, text=True, timeout=timeout
    )


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
SHOTS = Path(__file__).resolve().parents[2] / "out"


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory, sample_series):
    out = tmp_path_factory.mktemp("review")
    r = hingecheck("review", str(SAMPLES / "mixed_set.mp4"), "--out", str(out))
    assert r.returncode == 0, r.stderr
    return out


def header_lines_js(headers: str) -> str:
    """JavaScript giving each of the table headers ``headers`` (a CSS selector) the number of lines
    its text takes in the page (Chromium's line boxes): 1 when a header's unit stays on its line."""
    return (
        f"Object.fromEntries([...document.querySelectorAll('{headers}')].map(t => {{"
        " const r = document.createRange(); r.selectNodeContents(t);"
        " return [t.innerText, new Set([...r.getClientRects()].map(b => Math.round(b.top))).size]; }))"
    )


def open_page(path: Path, screenshot: Path | None = None):
    """Load a file in headless Chromium; return (console errors, dialogs, facts from the page)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    require(CHROMIUM, package="chromium")
    errors, dialogs = [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1000, "height": 1400})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(path.resolve().as_uri())
        facts = {"rows": page.locator("#reps tbody tr").count(), "title": page.title()}
        facts["tables"] = page.evaluate(  # every table's body rows, each a list of cell texts as shown
            "Object.fromEntries([...document.querySelectorAll('table[id]')].map(t => [t.id,"
            " [...t.querySelectorAll('tbody tr')].map(r => [...r.cells].map(c => c.innerText.trim()))]))"
        )
        if page.locator("#video").count():
            page.wait_for_function("document.getElementById('video').readyState >= 2", timeout=20000)
            facts["ready"] = page.evaluate("document.getElementById('video').readyState")
            facts["duration"] = page.evaluate("document.getElementById('video').duration")
        facts["text"] = page.inner_text("body")
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
        browser.close()
    return errors, dialogs, facts


def test_outputs_written(reviewed):
    for name in ("annotated.mp4", "report.html", "result.json", "reps.csv"):
        assert (reviewed / name).stat().st_size > 0
    result = json.loads((reviewed / "result.json").read_text())
    assert result["schema"] == 2 and len(result["clips"][0]["reps"]) == 4
    assert len((reviewed / "reps.csv").read_text().splitlines()) == 1 + 4


def test_annotated_video_is_h264_with_every_frame(reviewed):
    def frames(p):
        with av.open(str(p)) as c:
            s = c.streams.video[0]
            return s.codec_context.name, sum(1 for _ in c.decode(video=0))

    codec, n = frames(reviewed / "annotated.mp4")
    assert codec == "h264"
    assert n == frames(SAMPLES / "mixed_set.mp4")[1]
    assert not [p.name for p in reviewed.iterdir() if p.name.startswith(".")]  # no intermediate or temp file left
    # faststart: the moov atom (the index a browser needs) comes before the media data.
    data = (reviewed / "annotated.mp4").read_bytes()
    assert 0 <= data.find(b"moov") < data.find(b"mdat")


def test_report_in_chromium(reviewed):
    errors, dialogs, facts = open_page(reviewed / "report.html", SHOTS / "report_mixed_set.png")
    assert errors == [] and dialogs == []
    assert facts["rows"] == 4
    assert facts["ready"] >= 2 and facts["duration"] > 10
    # mixed_set: one rounded rep and one squatty rep; the tie goes to the more important fault.
    assert "1 of 4 reps rounded at the bottom" in facts["text"] and "Cue: Brace" in facts["text"]


def test_hostile_file_name_is_escaped(tmp_path, sample_series):
    name = "<img src=x onerror=alert(1)>.mp4"
    clip = tmp_path / name
    shutil.copy(SAMPLES / "hinge_squatty.mp4", clip)
    out = tmp_path / "out"
    review_clip(clip, out)
    html = (out / "report.html").read_text()
    assert "<img src=x onerror" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    errors, dialogs, facts = open_page(out / "report.html")
    assert dialogs == [] and errors == []
    assert name in facts["text"]  # shown as text, not run


def test_review_bad_input_one_line(tmp_path):
    bad = tmp_path / "notes.mp4"
    bad.write_text("not a video\n" * 10)
    r = hingecheck("review", str(bad), "--out", str(tmp_path / "o"), timeout=120)
    assert r.returncode == 1 and "Traceback" not in r.stderr and str(bad) in r.stderr
    assert not (tmp_path / "o" / "report.html").exists()


BEFORE, AFTER = SAMPLES / "hinge_rounded.mp4", SAMPLES / "hinge_neutral_left.mp4"


@pytest.fixture(scope="module")
def compared(tmp_path_factory, sample_series):
    out = tmp_path_factory.mktemp("cmp")
    r = hingecheck("compare", str(BEFORE), str(AFTER), "--out", str(out))
    assert r.returncode == 0, r.stderr
    return out


def test_compare_before_after(compared):
    out = compared
    data = json.loads((out / "compare.json").read_text())
    assert [c["verdict"] for c in data["clips"]] == ["lumbar_rounding", "neutral"]
    with av.open(str(out / "compare.mp4")) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "h264" and s.height == 480 and s.width > 900  # two panels
        n = sum(1 for _ in c.decode(video=0))
    assert n == 3 * 90  # three rep pairs, 3 s around each bottom at 30 frames/s
    errors, dialogs, facts = open_page(out / "compare.html", SHOTS / "compare.png")
    assert errors == [] and facts["ready"] >= 2 and "lumbar rounding" in facts["text"]


def test_compare_per_rep_tables_match_score(compared, tmp_path):
    """compare.html has a per-rep table for each clip, as README promises: in Chromium, one row
    a rep with the verdict, faults and key angles (degrees) that ``score`` gives the same clips."""
    scored = tmp_path / "scored.json"
    r = hingecheck("score", str(BEFORE), str(AFTER), "--format", "json", "--out", str(scored), "--no-history")
    assert r.returncode == 0, r.stderr
    clips = {Path(c["file"]).name: c for c in json.loads(scored.read_text())["clips"]}
    errors, dialogs, facts = open_page(compared / "compare.html")
    assert errors == [] and dialogs == []
    tables = facts["tables"]
    text = facts["text"]
    assert text.index(BEFORE.name, text.index("Rep by rep")) < text.index(AFTER.name, text.index("Rep by rep"))
    for key, clip in (("reps-a", BEFORE), ("reps-b", AFTER)):
        reps = clips[clip.name]["reps"]
        rows = tables[key]
        assert len(reps) == 3 and len(rows) == len(reps), key  # one row a rep
        for row, rep in zip(rows, reps):
            index, verdict, faults, hip, knee, trunk, spine = row[:7]
            assert int(index) == rep["index"]
            assert verdict == rep["verdict"].replace("_", " ")
            assert faults == ", ".join(rep["faults"]).replace("_", " ")
            for shown, name in ((hip, "hip"), (knee, "knee"), (trunk, "trunk"), (spine, "spine")):
                want = rep[f"{name}_flexion_deg" if name != "trunk" else "trunk_incline_deg"]
                assert abs(float(shown) - want) <= 0.5 + 1e-9, (key, name, shown, want)  # whole degrees
    assert {r[1] for r in tables["reps-a"]} == {"lumbar rounding"} and {r[1] for r in tables["reps-b"]} == {"neutral"}
    assert "hip °" in text and "spine °" in text  # the units in the header


def _video(path):
    """(size, [(t, rgb)]) of a video as a browser would show it (rotation applied)."""
    src = VideoFile(path)
    return (src.info.width, src.info.height), [(f.t, f.rgb) for f in src.frames()]


def test_big_rotated_vfr_clip_gets_every_frame_at_its_time_upright_and_scaled(tmp_path):
    """A 960x720 phone clip stored sideways with variable frame rate: the annotated video is
    upright, 640 px wide, with every frame at the clip's timestamps and the skeleton drawn where
    the person is in the scaled picture; a second review from the landmark cache (no pose pass to
    write frames during) gives the same video and the same results."""
    n = 75
    upright = [cv2.resize(f.rgb, (960, 720)) for f in list(VideoFile(SAMPLES / "hinge_squatty.mp4").frames())[:n]]
    pts = np.cumsum([0.0] + [0.025 if k % 3 else 0.05 for k in range(n - 1)])
    clip = write_clip(
        tmp_path / "phone.mp4", [np.ascontiguousarray(np.rot90(f, k=-1)) for f in upright], pts=pts, rotation=90
    )
    cache = LandmarkCache(tmp_path / "cache")
    runs = []
    for name in ("first", "cached"):
        out = review_clip(clip, tmp_path / name, cache=cache)
        size, frames = _video(out.video)
        assert size == (640, 480) and len(frames) == n
        np.testing.assert_allclose([t for t, _ in frames], pts, atol=2e-3)
        assert not [p.name for p in out.folder.iterdir() if p.name.startswith(".")]
        runs.append((frames, out.result.read_text(), out.reps_csv.read_text()))
    assert cache.hits == 1
    assert runs[0][1:] == runs[1][1:]  # same results from the cache
    diff = [np.abs(a.astype(int) - b).mean() for (_, a), (_, b) in zip(runs[0][0], runs[1][0])]
    assert max(diff) < 4  # the intermediate file costs no visible quality

    series = estimate_clip(clip, cache=cache)
    side = SIDES[analyze(series, exercise="hinge").kinematics.side]
    i = int(np.flatnonzero(series.detected)[n // 2])
    plain = cv2.resize(upright[i], (640, 480), interpolation=cv2.INTER_AREA).astype(int)
    drawn = np.abs(runs[0][0][i][1].astype(int) - plain).max(axis=2) > 60
    for joint in ("hip", "knee", "shoulder"):
        x, y = (series.image[i, side[joint], :2] * 640 / 960).round().astype(int)
        assert drawn[y - 4 : y + 5, x - 4 : x + 5].any(), joint  # the joint's dot, at the scaled position
        X, Y = (series.image[i, side[joint], :2]).round().astype(int)  # the full-size position: not drawn there
        if 0 <= X < 640 and 0 <= Y < 480 and np.hypot(X - x, Y - y) > 40:
            assert not drawn[Y - 2 : Y + 3, X - 2 : X + 3].all(), joint


def test_a_clip_cut_into_chunks_gets_every_frame_in_order(tmp_path):
    """A long clip's chunks are inferred side by side and each chunk's frames are written to its
    own intermediate file (pose/chunks.py; here a 17-s clip cut into 6-s chunks): the annotated
    video still holds every frame once, in order, each showing its own moment of the clip."""
    from hingecheck.pose.landmarker import PoseSettings

    clip = SAMPLES / "mixed_set.mp4"
    out = review_clip(clip, tmp_path / "cut", settings=PoseSettings(chunk_s=6.0))
    assert not [p.name for p in out.folder.iterdir() if p.name.startswith(".")]  # every intermediate file removed

    def thumbs(path):
        return np.stack(
            [
                cv2.resize(cv2.cvtColor(f.rgb, cv2.COLOR_RGB2GRAY), (64, 48), interpolation=cv2.INTER_AREA)
                for f in VideoFile(path).frames()
            ]
        ).astype(np.float32)

    annotated, source = thumbs(out.video), thumbs(clip)
    assert len(annotated) == len(source)
    for i in range(0, len(source), 7):
        cost = np.abs(source - annotated[i]).mean(axis=(1, 2))
        # Its own moment is the one it looks most like (standing still, several moments are).
        assert cost[i] - cost.min() < 0.25 * (np.median(cost) - cost.min()), i


@pytest.mark.parametrize("command", ["review", "compare"])
def test_an_out_that_is_a_file_is_a_usage_error_naming_the_option(tmp_path, command):
    afile = tmp_path / "afile"
    afile.write_text("keep me")
    clip = str(SAMPLES / "kb_swing.mp4")
    clips = [clip] if command == "review" else [clip, clip]
    r = hingecheck(
        command, *clips, "--out", str(afile), *(["--no-history"] if command == "review" else []), timeout=120
    )
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.strip() == f"error: {afile}: --out must be a folder, and this is a file"
    assert afile.read_text() == "keep me"


def test_review_says_the_warnings_score_writes(tmp_path, sample_series):
    """review says on stderr, one line each, the warnings score puts in the clip's JSON: here
    auto's choice of the deadlift profile for a pull from the floor (a copy: the samples' folder
    names each clip's exercise in labels.json)."""
    clip = tmp_path / "pull.mp4"
    shutil.copy(SAMPLES / "deadlift_hips_rise_first.mp4", clip)

    def run(command: str, out: str) -> str:
        r = hingecheck(command, str(clip), "--out", str(tmp_path / out), "--no-history")
        assert r.returncode == 0, r.stderr
        return r.stderr

    run("score", "s.json")
    (scored,) = json.loads((tmp_path / "s.json").read_text())["clips"]
    assert any(w.startswith("exercise chosen: deadlift") for w in scored["warnings"])
    stderr = run("review", "r")
    said = [line for line in stderr.splitlines() if line.startswith("warning: ")]
    assert said == [f"warning: {clip}: {w}" for w in scored["warnings"]]


def test_report_says_why_and_what_was_not_judged(tmp_path):
    """The report a coach sends says what result.json says about the clip: its warnings (here a
    truncated file), the reason a clip got no verdict (a front view), and each check a rep left
    unjudged with its reason (the lockout of a clip cut mid-rep), in the page as Chromium shows it."""
    cut = tmp_path / "cut.mp4"
    cut.write_bytes((SAMPLES / "hinge_squatty.mp4").read_bytes()[:60000])
    front = tmp_path / "front.mp4"
    shutil.copy(SAMPLES / "front_view.mp4", front)
    for clip in (cut, front):
        out = tmp_path / clip.stem
        review_clip(clip, out)
        (c,) = json.loads((out / "result.json").read_text())["clips"]
        errors, dialogs, facts = open_page(out / "report.html", SHOTS / f"report_notes_{clip.stem}.png")
        assert errors == [] and dialogs == []
        text = facts["text"]
        for line in ([c["why"]] if c["why"] else []) + c["warnings"]:
            assert line in text
        for r in c["reps"]:
            for check, why in r["not_judged"].items():
                assert f"{check.replace('_', ' ')} (rep {r['index']}): {why}" in text
    assert c["why"] and "side view" in c["why"]  # the front view said why
    (cut_result,) = json.loads((tmp_path / "cut" / "result.json").read_text())["clips"]
    assert cut_result["warnings"] and any(r["not_judged"] for r in cut_result["reps"])  # the case was there


def report_thumbnails(report: Path) -> list[np.ndarray]:
    """The report's rep thumbnails (JPEG data URIs), decoded to BGR, in page order."""
    import base64
    import re

    data = re.findall(r'src="data:image/jpeg;base64,([A-Za-z0-9+/=]+)"', report.read_text())
    return [cv2.imdecode(np.frombuffer(base64.b64decode(d), np.uint8), cv2.IMREAD_COLOR) for d in data]


def test_each_thumbnail_shows_its_own_reps_verdict(tmp_path):
    """A rep's thumbnail showed the video's frame at its bottom, whose banner, cue and counter are
    the rep *before*'s (the video shows the last finished rep): on a real deadlift clip the
    thumbnail captioned "rep 2: neck extension" read "LUMBAR ROUNDING" and "Brace - flat back",
    and rep 1's had no banner at all. Now each thumbnail's banner is its own rep's verdict: green
    on the rendered set's neutral reps, red on its rounded and squatty ones (labels.json)."""
    review_clip(SAMPLES / "mixed_set.mp4", tmp_path)
    truth = json.loads((SAMPLES / "labels.json").read_text())["mixed_set.mp4"]["reps"]
    thumbs = report_thumbnails(tmp_path / "report.html")
    assert len(thumbs) == len(truth) == 4

    def near(img, rgb):  # pixels of about the banner's colour (JPEG: give or take)
        return int((np.abs(img.astype(int) - np.array(rgb[::-1])).max(axis=2) < 45).sum())

    for n, (verdict, thumb) in enumerate(zip(truth, thumbs), 1):
        top = thumb[: thumb.shape[0] // 8]  # the banner across the top
        green, red = near(top, (60, 200, 90)), near(top, (235, 60, 50))
        if verdict == "neutral":
            assert green > 300 and red < 30, (n, verdict, green, red)
        else:
            assert red > 300 and green < 30, (n, verdict, green, red)


def test_the_report_says_when_each_rep_is_in_the_video(tmp_path):
    """A coach reading the per-rep table had no way to find rep 3 in the video (the report has no
    scripts, so no link can seek it): neither the table nor the thumbnails said when a rep was.
    Now the table has a 'time s' column (start-end) and each thumbnail's caption its moment. On
    the rendered set each row's span holds the renderer's deepest frame of that rep and lies within
    the renderer's rep (truth/mixed_set.json), and each thumbnail's time is inside its row's span."""
    import re

    review_clip(SAMPLES / "mixed_set.mp4", tmp_path)
    truth = json.loads((SAMPLES / "truth" / "mixed_set.json").read_text())["frames"]
    errors, dialogs, facts = open_page(tmp_path / "report.html")
    assert errors == [] and dialogs == []
    rows = facts["tables"]["reps"]
    captions = re.findall(r"rep (\d+): [a-z ]+, at ([\d.]+) s", facts["text"])
    assert len(rows) == len(captions) == 4
    for n, (row, (k, at)) in enumerate(zip(rows, captions), 1):
        start, end = map(float, row[-1].split("\u2013"))
        frames = [f for f in truth if f["rep"] == n]
        deepest = max(frames, key=lambda f: f["hip_flexion"])["t"]
        assert start < deepest < end, (n, row[-1], deepest)
        assert frames[0]["t"] - 0.5 <= start and end <= frames[-1]["t"] + 0.5, (n, row[-1])
        assert int(k) == n and start <= float(at) <= end


def test_a_lockout_faults_thumbnail_shows_the_top_not_the_bottom(tmp_path):
    """'Each rep at its worst moment' showed every rep at its bottom, bent over, whatever its
    fault: a rep that leaned back at the lockout showed the lifter hinged at the bottom, nothing of
    the lean. Now a lockout fault's thumbnail is at the top (the hip leaned furthest back), a
    rounded back's at its most flexed frame, a craned neck's at its most extended. On the rendered
    hyperextension set each thumbnail's moment is within 0.25 s of the renderer's most leaned-back
    frame of that rep (truth/hinge_lockout_hyperextension.json)."""
    import re

    name = "hinge_lockout_hyperextension.mp4"
    out = review_clip(SAMPLES / name, tmp_path, exercise="hinge")
    assert [r.verdict for r in out.clip.reps] == json.loads((SAMPLES / "labels.json").read_text())[name]["reps"]
    truth = json.loads((SAMPLES / "truth" / name.replace(".mp4", ".json")).read_text())["frames"]
    captions = re.findall(r"rep (\d+): [a-z ]+, at ([\d.]+) s", out.report.read_text())
    assert len(captions) == len(out.clip.reps) == 3
    for k, at in captions:
        frames = [f for f in truth if f["rep"] == int(k)]
        leaned = min(frames, key=lambda f: f["hip_flexion"])
        assert leaned["hip_flexion"] < -5  # the case: a lean back past straight
        assert abs(float(at) - leaned["t"]) <= 0.25, (k, at, leaned["t"])


def test_the_headline_says_a_rounded_back_that_is_not_the_most_common_fault(tmp_path):
    """The report's headline named the set's most common fault only: on deadlift-wrong/1_Deadlift
    it said '2 of 3 reps craned the neck' and nothing of rep 1's rounded lower back, the fault a
    coach corrects first (README: faults come in the order a coach corrects them, the spine
    first). Now the headline adds the more important fault and its reps. A rendered set of three
    craned necks then a rounded back (the renderer's reps) is headlined with both."""
    import html
    import re

    from hingecheck.synth.scenarios import Scenario, render_scenario

    clip = tmp_path / "set.mp4"
    kinds = ("neck_extension",) * 3 + ("lumbar_rounding",)
    render_scenario(Scenario("neck_then_round", "hinge", kinds, seed=5, verdict="neck_extension"), clip)
    out = review_clip(clip, tmp_path / "out", exercise="hinge")
    verdicts = [r.verdict for r in out.clip.reps]
    assert verdicts[3] == "lumbar_rounding" and verdicts.count("neck_extension") >= 2, verdicts  # the case
    errors, dialogs, facts = open_page(out.report)
    assert errors == [] and dialogs == []
    headline = html.unescape(re.search(r'<div class="big">(.*?)</div>', out.report.read_text()).group(1))
    assert headline in facts["text"]
    assert "reps craned the neck" in headline, headline
    assert "Rep 4 also rounded" in headline, headline  # the rendered rounded rep


def test_a_far_lifters_thumbnail_is_cut_around_them(tmp_path):
    """A rep's thumbnail was the whole frame scaled to 440 px (shown at 220): a lifter far from the
    camera, or between black bars (deadlift-web/bad009), was a few dozen pixels of it, the skeleton
    and angle labels a smudge. Now the thumbnail is cut around the lifter. A lifter rendered at a
    fifth of a 1280x720 frame's height per metre: the pose model, run again on the thumbnail
    itself, finds them spanning at least 45% of its width or height (about 20% before)."""
    from hingecheck.synth.scenarios import Scenario, render_scenario

    clip = tmp_path / "far.mp4"
    far = Scenario("far", "hinge", ("neutral",), camera_scale=0.2, width=1280, height=720, seed=23)
    render_scenario(far, clip)
    out = review_clip(clip, tmp_path / "out", exercise="hinge")
    (thumb,) = report_thumbnails(out.report)
    still = tmp_path / "thumb.png"
    cv2.imwrite(str(still), thumb)
    series = estimate_clip(still)
    assert series.detected[0], "no one in the thumbnail"
    pts = series.image[0, :, :2]
    h, w = thumb.shape[:2]
    span = max((pts[:, 0].max() - pts[:, 0].min()) / w, (pts[:, 1].max() - pts[:, 1].min()) / h)
    assert span >= 0.45, span


def test_the_rep_tables_headers_keep_their_unit_on_their_line(tmp_path):
    """On a screen 800 px wide (a tablet, a half-screen window; on 1280 px too with two faults a
    rep, as deadlift-wrong/1_Deadlift has) the per-rep table's headers broke before their unit:
    'hip' over a lone '°', 'descent' over 's', a unit belonging to nothing. Now each header is one
    line (Chromium: the line boxes of its text) and the page still fits a phone's width."""
    sync_api = pytest.importorskip("playwright.sync_api")
    require(CHROMIUM, package="chromium")
    review_clip(SAMPLES / "mixed_set.mp4", tmp_path)
    lines = header_lines_js("#reps th")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 800, "height": 900})
            page.goto((tmp_path / "report.html").resolve().as_uri())
            shown = page.evaluate(lines)
            page.set_viewport_size({"width": 390, "height": 844})
            phone = page.evaluate("document.documentElement.scrollWidth")
        finally:
            browser.close()
    assert "hip °" in shown and "descent s" in shown, shown
    assert all(n == 1 for n in shown.values()), shown
    assert phone <= 390


def test_an_oblique_clip_is_not_praised_for_a_neutral_spine(tmp_path):
    """A clip filmed about 45 deg off the side whose reps showed no fault was headlined "The rep
    hinged with a neutral spine - keep it up.", right above its own warning that from there a
    rounded back can read neutral (README: an oblique 'neutral' says little about the lower back).
    Now the headline says no fault was seen but the spine cannot be vouched for from that angle.
    The rendered lifter is filmed 42 deg round from the side (the renderer's camera)."""
    from hingecheck.synth.scenarios import Scenario, render_scenario

    clip = tmp_path / "oblique.mp4"
    render_scenario(Scenario("oblique", "hinge", ("neutral",), yaw=42.0, seed=22), clip)
    out = review_clip(clip, tmp_path / "out", exercise="hinge")
    assert out.clip.view == "oblique" and not any(r.faults for r in out.clip.reps)  # the case: no fault seen
    errors, dialogs, facts = open_page(out.report, SHOTS / "report_oblique.png")
    assert errors == [] and dialogs == []
    import html
    import re

    headline = html.unescape(re.search(r'<div class="big">(.*?)</div>', out.report.read_text()).group(1))
    assert headline in facts["text"]
    assert "neutral spine" not in headline and "keep it up" not in headline, headline
    assert "film side-on" in headline, headline  # and says what to do


def test_the_verdict_box_is_red_for_a_fault_only_and_green_for_a_side_on_neutral_only(tmp_path, sample_series):
    """The verdict box's edge was green for a clip verdict of neutral and red for everything else:
    a front view, with no fault found, was boxed red like a rounded back; an oblique clip, whose
    back the tool does not vouch for, green like a good side-on set; and a set of four with one
    rounded rep green under '1 of 4 reps rounded at the bottom'. Now red is for a set with a
    fault, green for a side-on neutral set, amber otherwise. Real model: the samples' front view
    (labels.json: unusable_view), rounded set, mixed set (a rounded and a squatty rep among four)
    and neutral side-on set, and a lifter rendered 42 deg round from the side; each report as
    review writes it (without its video), read in Chromium."""
    from hingecheck.render.report import render_report
    from hingecheck.synth.scenarios import Scenario, render_scenario

    oblique = tmp_path / "oblique.mp4"
    render_scenario(Scenario("oblique", "hinge", ("neutral",), yaw=42.0, seed=22), oblique)
    series = {"oblique": estimate_clip(oblique)}
    for name in ("front_view", "hinge_rounded", "mixed_set", "hinge_neutral_right"):
        series[name] = sample_series[f"{name}.mp4"]
    pages = {}
    for name, s in series.items():
        pages[name] = tmp_path / f"{name}.html"
        pages[name].write_text(render_report(analyze(s, exercise="hinge"), f"{name}.mp4", None, None, []))
    sync_api = pytest.importorskip("playwright.sync_api")
    colours = {}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        for name, html in pages.items():
            page.goto(html.resolve().as_uri())
            colours[name] = page.evaluate("getComputedStyle(document.querySelector('.verdict')).borderLeftColor")
        browser.close()
    green, red = "rgb(30, 138, 69)", "rgb(192, 57, 43)"
    assert colours["hinge_rounded"] == colours["mixed_set"] == red, colours
    assert colours["hinge_neutral_right"] == green, colours
    assert colours["front_view"] not in (red, green) and colours["oblique"] not in (red, green), colours


def test_compare_says_what_each_clip_left_unjudged(tmp_path):
    """compare.html gave each clip's verdict and per-rep table but never the checks a rep left
    unjudged (the review report lists them): an 'after' clip cut mid-rep, its lockout not judged,
    read as a clean comparison. Now the clips' table has a 'not judged' row, each check with its
    reps and reason as ``score`` gives them for the same clips."""
    cut = tmp_path / "cut.mp4"
    cut.write_bytes((SAMPLES / "hinge_squatty.mp4").read_bytes()[:60000])  # ends mid-rep
    whole = tmp_path / "whole.mp4"
    shutil.copy(SAMPLES / "hinge_squatty.mp4", whole)
    r = hingecheck("compare", whole, cut, "--out", tmp_path / "cmp")
    assert r.returncode == 0, r.stderr
    scored = hingecheck("score", whole, cut, "--no-history")
    clips = {Path(c["file"]).name: c for c in json.loads(scored.stdout)["clips"]}
    unjudged = [(c, r) for c in clips.values() for r in c["reps"] if r["not_judged"]]
    assert unjudged  # the case: the cut clip's last rep has checks not judged
    errors, dialogs, facts = open_page(tmp_path / "cmp" / "compare.html", SHOTS / "compare_not_judged.png")
    assert errors == [] and dialogs == []
    row = facts["text"][facts["text"].index("not judged") :]
    for _, rep in unjudged:
        for check, why in rep["not_judged"].items():
            assert f"{check.replace('_', ' ')} (rep" in row and why in row, (check, why)


def test_compare_video_says_which_side_is_before(tmp_path):
    """compare.mp4 put the two clips side by side with nothing on the video saying which was the
    before and which the after: sent on its own (or played full screen), a coach's client could
    not tell. Now each panel carries a label box in its top right corner (where neither the rep
    counter nor the banner goes): a dark box with white letters, the left one ('BEFORE') wider
    than the right ('AFTER'). The rendered clips' wall there is light."""
    r = hingecheck("compare", BEFORE, AFTER, "--out", tmp_path / "cmp")
    assert r.returncode == 0, r.stderr
    frames = _video(tmp_path / "cmp" / "compare.mp4")[1]
    rgb = frames[len(frames) // 2][1]
    h, w = rgb.shape[:2]
    boxes = []
    for x0, x1 in ((0, w // 2), (w // 2, w)):
        corner = rgb[16:40, x1 - 160 : x1 - 4].astype(int)
        dark = (np.abs(corner - 30).max(axis=2) < 20).mean(axis=0) > 0.4  # the box's columns
        white = (corner.min(axis=2) > 200).sum()
        assert dark.any() and white > 30, (x0, dark.sum(), white)
        boxes.append(int(dark.sum()))
    assert boxes[0] > boxes[1] > 0, boxes  # BEFORE is the longer word


def test_compare_rep_headers_keep_their_unit_on_their_line(tmp_path):
    """With the 'time s' column (78c6fef) compare's fixed-width per-rep tables broke 'knee °',
    'trunk °' and 'spine °' before their unit on a 1280-px screen. Now every header is one line
    at 1280 and on a 390-px phone (where the table scrolls in its box), no cell's text spilling."""
    sync_api = pytest.importorskip("playwright.sync_api")
    require(CHROMIUM, package="chromium")
    r = hingecheck("compare", BEFORE, AFTER, "--out", tmp_path / "cmp")
    assert r.returncode == 0, r.stderr
    spilled = (
        "[...document.querySelectorAll('table.reps th, table.reps td')]"
        ".filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.innerText)"
    )
    lines = header_lines_js("#reps-a th")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto((tmp_path / "cmp" / "compare.html").resolve().as_uri())
            wide = page.evaluate(lines), page.evaluate(spilled)
            page.set_viewport_size({"width": 390, "height": 844})
            phone = page.evaluate(lines), page.evaluate(spilled), page.evaluate("document.documentElement.scrollWidth")
        finally:
            browser.close()
    for shown, spill in (wide, phone[:2]):
        assert "knee °" in shown and all(n == 1 for n in shown.values()), shown
        assert spill == [], spill
    assert phone[2] <= 390


def test_compare_says_each_clips_exercise_view_and_warnings(tmp_path, landmark_cache_dir):
    """compare shows, per clip, the exercise it was judged as, the view and the warnings (on
    stderr as review says them, and on the page), and says so when auto judged the two as
    different exercises (a pull from the floor and a hinge: different limits)."""
    before, after = tmp_path / "pull.mp4", tmp_path / "hinge.mp4"  # out of the samples' labels.json
    shutil.copy(SAMPLES / "deadlift_hips_rise_first.mp4", before)
    shutil.copy(SAMPLES / "hinge_neutral_left.mp4", after)
    out = tmp_path / "cmp"
    r = hingecheck("compare", str(before), str(after), "--out", str(out))
    assert r.returncode == 0, r.stderr
    a, b = json.loads((out / "compare.json").read_text())["clips"]
    assert (a["exercise"], b["exercise"]) == ("deadlift", "hinge") and a["warnings"]
    said = [line for line in r.stderr.splitlines() if line.startswith("warning: ")]
    assert said == [f"warning: {before}: {w}" for w in a["warnings"]] + [
        f"warning: {after}: {w}" for w in b["warnings"]
    ]
    errors, dialogs, facts = open_page(out / "compare.html", SHOTS / "compare_profiles.png")
    assert errors == [] and dialogs == []
    rows = {row[0]: row[1:] for row in facts["tables"]["clips"]}
    assert rows["exercise"] == ["deadlift", "hinge"] and rows["view"] == ["side", "side"]
    assert rows["verdict"] == [a["verdict"].replace("_", " "), "neutral"]
    for w in a["warnings"]:
        assert w in rows["notes"][0]
    assert "judged as different exercises (deadlift, hinge)" in facts["text"]


@contextlib.contextmanager
def phone_page(path: Path):
    """``path`` loaded in headless Chromium on a phone's screen, 390 x 844 CSS px."""
    sync_api = pytest.importorskip("playwright.sync_api")
    require(CHROMIUM, package="chromium")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto(path.resolve().as_uri())
            yield page
        finally:
            browser.close()


def test_report_fits_a_phone_screen(reviewed):
    """The report is sent to be read on a phone: at 390 px wide the page does not scroll
    sideways (the per-rep table made it 640 px wide, cutting the verdict box and text short);
    a table wider than the screen scrolls inside its own box, all its columns kept."""
    with phone_page(reviewed / "report.html") as page:
        width = page.evaluate("document.documentElement.scrollWidth")
        headers = page.evaluate("[...document.querySelectorAll('#reps th')].map(t => t.innerText)")
        page.screenshot(path=str(SHOTS / "report_phone.png"), full_page=True)
    assert width <= 390, width
    assert len(headers) == 10 and headers[-2:] == ["score", "time s"]


def test_compare_fits_a_phone_screen(compared):
    """compare.html is read on a phone too: at 390 px wide the page does not scroll sideways (the
    clips' table, long file names in its header, and the per-rep tables, squeezed into the width
    with their text spilling out of the cells, made it wider); each per-rep table keeps its ten
    columns, every cell holds its text, and scrolls inside its own box. On a wide screen the
    before and after tables' columns still line up."""
    spilled = (  # cells whose text is wider than the cell (the columns squeezed past their text)
        "[...document.querySelectorAll('table.reps th, table.reps td')]"
        ".filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.innerText)"
    )
    columns = "id => [...document.querySelectorAll('#' + id + ' th')].map(t => t.getBoundingClientRect().left)"
    with phone_page(compared / "compare.html") as page:
        width = page.evaluate("document.documentElement.scrollWidth")
        headers = page.evaluate("[...document.querySelectorAll('#reps-a th')].map(t => t.innerText)")
        phone_spilled = page.evaluate(spilled)
        clips_header = page.evaluate("document.querySelector('#clips tr').innerText")
        page.screenshot(path=str(SHOTS / "compare_phone.png"), full_page=True)
        page.set_viewport_size({"width": 1000, "height": 1400})
        wide_spilled = page.evaluate(spilled)
        before, after = page.evaluate(columns, "reps-a"), page.evaluate(columns, "reps-b")
    assert width <= 390, width
    assert len(headers) == 10 and headers[-2:] == ["score", "time s"]
    assert phone_spilled == [] and wide_spilled == []
    assert BEFORE.name in clips_header and AFTER.name in clips_header  # the names shown whole, wrapped
    assert before == after


def test_review_says_the_verdict_on_stdout(tmp_path):
    """review's line on stdout gives the clip's verdict and rep count, and why when it has none
    on the form, before the paths (it gave the paths only: the verdict meant opening the report)."""
    clip = tmp_path / "front.mp4"
    shutil.copy(SAMPLES / "front_view.mp4", clip)
    out = tmp_path / "r"
    r = hingecheck("review", str(clip), "--out", str(out), "--no-history")
    assert r.returncode == 0, r.stderr
    (c,) = json.loads((out / "result.json").read_text())["clips"]
    assert c["verdict"] == "unusable_view" and c["why"]
    # In words a lifter acts on (it said "the sagittal plane cannot be seen"): what went wrong, what to do.
    assert c["why"].startswith("filmed from the front") and c["why"].endswith("film side-on")
    report, video = out / "report.html", out / "annotated.mp4"
    assert r.stdout == f"{clip}: unusable view, 0 reps ({c['why']}); report {report}, video {video}\n"


def test_the_report_reads_on_a_phone_without_sideways_scrolling(tmp_path):
    """On a phone (390x844) the per-rep table's angle columns scrolled sideways inside their box
    (the page itself fitted). Now neither the page nor any box in it scrolls sideways, every cell
    of the rep and progress tables lies inside the screen, and each cell whose column header is
    hidden says which column it is (hip °, knee °, ... as the headers read on a wide screen)."""
    from hingecheck.core.results import ClipResult, Rep
    from hingecheck.render.report import render_report

    sync_api = pytest.importorskip("playwright.sync_api")
    require(CHROMIUM, package="chromium")
    faults = ("lumbar_rounding", "hips_rise_first", "lockout_hyperextension")  # 1_Deadlift's reps had two or more
    reps = tuple(
        Rep(
            i,
            30 * i,
            30 * i + 15,
            30 * i + 29,
            i * 2.0,
            i * 2 + 0.8,
            i * 2 + 1.9,
            faults[0],
            faults,
            ("rushed_tempo",),
            138.9,
            77.0,
            70.4,
            -12.5,
            0.83,
            1.1,
            42.1,
        )  # fmt: skip
        for i in (1, 2, 3)
    )
    result = ClipResult(
        file="c.mp4", status="ok", exercise="deadlift", view="side", verdict=faults[0], reps=reps, score=33.4
    )
    columns = ("date", "kind", "source", "reps", "verdict", "% neutral", "peak spine °", "most common fault")
    row = ("2026-11-20 18:04", "review", "/home/coach/clips/a_long_folder_name/1_Deadlift.mp4", "3", "lumbar rounding",
           "33", "20.8", "lumbar rounding")  # fmt: skip
    trend = dict(
        athlete="sam", columns=columns, text_columns=("date", "kind", "source", "verdict"), rows=[row] * 3, plot=None
    )
    report = tmp_path / "report.html"
    report.write_text(render_report(result, "1_Deadlift.mp4", None, None, [], trend), encoding="utf-8")
    facts_js = """() => {
      const de = document.documentElement, W = de.clientWidth;
      const boxes = [...document.querySelectorAll('main *')].filter(e => e.scrollWidth > e.clientWidth + 1
        && getComputedStyle(e).overflowX !== 'visible').map(e => e.tagName + '.' + e.className);
      const cells = [...document.querySelectorAll('#reps td, #trend-table td')];
      const outside = cells.filter(c => { const r = c.getBoundingClientRect(); return r.left < -1 || r.right > W + 1; })
        .map(c => c.innerText);
      const heads = [...document.querySelectorAll('#reps th')].map(h => h.innerText.trim());
      const headShown = [...document.querySelectorAll('#reps th')].some(h => h.getBoundingClientRect().width > 2);
      const labels = [...document.querySelector('#reps tbody tr').cells].map(c =>
        getComputedStyle(c, '::before').content.replace(/^"|"$/g, ''));
      return {scroll: de.scrollWidth, width: W, boxes, outside, heads, headShown, labels};
    }"""
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto(report.resolve().as_uri())
            phone = page.evaluate(facts_js)
            page.set_viewport_size({"width": 1000, "height": 900})
            wide = page.evaluate(facts_js)
        finally:
            browser.close()
    assert phone["scroll"] <= phone["width"], phone
    assert phone["boxes"] == [] and phone["outside"] == [], phone
    assert wide["boxes"] == [] and wide["outside"] == [] and wide["headShown"], wide  # the wide table as it was
    if not phone["headShown"]:  # stacked: each cell names its column
        assert phone["labels"] == phone["heads"], phone
    assert {"hip °", "knee °", "trunk °", "spine °"} <= set(phone["heads"])
