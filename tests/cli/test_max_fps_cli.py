"""``--max-fps`` (issue 14) as a user runs it: a 60 fps clip is scored at 30 fps with the verdicts
of every frame, and review's annotated video holds the analysed frames, one per result frame."""

import json
import os
import subprocess
import sys

import av
import pytest

from conftest import SAMPLES


def run(*args, cache):
    env = {**os.environ, "HINGECHECK_CACHE": str(cache)}
    return subprocess.run(
        [sys.executable, "-m", "hingecheck", *map(str, args)], capture_output=True, text=True, timeout=600, env=env
    )


@pytest.fixture(scope="module")
def scored(tmp_path_factory, hinge60_clip):
    d = tmp_path_factory.mktemp("maxfps")
    out = {}
    for name, extra in (("capped", ()), ("every", ("--max-fps", "0", "--no-cache"))):
        r = run("score", hinge60_clip, "--no-history", "--out", d / f"{name}.json", *extra, cache=d / "cache")
        assert r.returncode == 0, r.stderr
        out[name] = json.loads((d / f"{name}.json").read_text())["clips"][0]
    return d, out


def test_score_60fps_at_30_same_verdicts(scored, sample_labels):
    _, out = scored
    capped, every = out["capped"], out["every"]
    label = sample_labels["hinge_neutral_right.mp4"]
    assert every["fps"] == pytest.approx(60, abs=0.01) and capped["fps"] == pytest.approx(30, abs=0.01)
    assert capped["frames"] == pytest.approx(every["frames"] / 2, abs=1)
    assert capped["warnings"] == [] and every["warnings"] == []  # no "truncated" warning
    assert capped["verdict"] == every["verdict"] == label["verdict"]
    assert [r["verdict"] for r in capped["reps"]] == [r["verdict"] for r in every["reps"]] == label["reps"]
    for a, b in zip(capped["reps"], every["reps"]):
        assert a["bottom_s"] == pytest.approx(b["bottom_s"], abs=0.1)


@pytest.mark.parametrize("no_cache", [True, False], ids=["tap", "cache-hit"])
def test_review_video_is_at_the_analysis_rate(scored, hinge60_clip, no_cache):
    d, out = scored
    folder = d / f"review-{no_cache}"
    r = run(
        "review",
        hinge60_clip,
        "--out",
        folder,
        "--no-history",
        *(["--no-cache"] if no_cache else []),
        cache=d / "cache",
    )
    assert r.returncode == 0, r.stderr
    result = json.loads((folder / "result.json").read_text())["clips"][0]
    assert result["frames"] == out["capped"]["frames"] and result["verdict"] == out["capped"]["verdict"]
    with av.open(str(folder / "annotated.mp4")) as c:
        times = [f.time for f in c.decode(video=0)]
    assert len(times) == result["frames"]
    assert times[-1] - times[0] == pytest.approx((result["frames"] - 1) / 30, abs=0.05)


def test_max_fps_is_checked(tmp_path):
    r = run("score", SAMPLES / "hinge_neutral_right.mp4", "--max-fps", "-1", cache=tmp_path)
    assert r.returncode == 2 and "--max-fps" in r.stderr
