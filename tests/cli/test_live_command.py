"""``live_command``, the function the CLI calls: exit codes, one-line errors, a summary from a played clip."""

import json

from hingecheck.cli.live import live_command

ARGS = dict(camera=None, exercise="hinge", mirror=False, record=None, audio=False, window=False, summary=None,
            model=None)


def test_usage_errors_are_one_line_exit_2(capsys):
    assert live_command(**{**ARGS, "camera": 0}, source="x.mp4") == 2
    assert live_command(**{**ARGS, "exercise": "curl"}, source="x.mp4") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("error: ") for line in err)


def test_missing_clip_is_one_line_exit_1(tmp_path, capsys):
    assert live_command(**ARGS, source=str(tmp_path / "nope.mp4")) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err


def test_played_clip_prints_and_saves_the_summary(tmp_path, astronaut_clip, capsys):
    out = tmp_path / "s.json"
    assert live_command(**{**ARGS, "summary": str(out)}, source=str(astronaut_clip)) == 0
    data = json.loads(out.read_text())
    assert data["source"] == str(astronaut_clip) and data["frames"] > 0 and data["exercise"] == "hinge"
    assert "reps" in capsys.readouterr().out
