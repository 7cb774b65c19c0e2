"""Property-based fuzzing (hypothesis): the config loader, the command line and the core's array
inputs never crash; they give a result or a clear one-line error."""

import json
import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from hingecheck.core.analysis import analyze
from hingecheck.core.config import _FIELDS, ConfigError, Thresholds, load_config
from hingecheck.core.results import FAULTS
from hingecheck.core.series import N_LANDMARKS, PoseSeries


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v == math.inf else "-inf" if v == -math.inf else repr(v))
    if isinstance(v, int):
        return str(v)
    return json.dumps(v)


keys = st.one_of(st.sampled_from(sorted(_FIELDS)), st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12))
values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-(10**6), 10**6), st.booleans(), st.text(max_size=8)
)
tables = st.sampled_from(["common", "exercise.hinge", "exercise.deadlift", "exercise.nope", "other"])


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(entries=st.lists(st.tuples(tables, keys, values), max_size=6))
def test_config_loader_never_crashes(tmp_path, entries):
    by_table: dict[str, dict] = {}
    for table, key, value in entries:
        by_table.setdefault(table, {})[key] = value
    text = "".join(
        f"[{t}]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in kv.items()) for t, kv in by_table.items()
    )
    path = tmp_path / "fuzz.toml"
    path.write_text(text)
    try:
        th = load_config(path, exercise="deadlift")
    except ConfigError as exc:
        msg = str(exc)
        assert "\n" not in msg and str(path) in msg or "thresholds.toml" in msg
        return
    assert isinstance(th, Thresholds)
    for name in _FIELDS:  # whatever was accepted is a finite number or a bool
        v = getattr(th, name)
        assert isinstance(v, bool) or math.isfinite(v)


coords = st.one_of(st.floats(-1e9, 1e9), st.just(float("nan")), st.floats(-5, 5))


@st.composite
def pose_series(draw):
    n = draw(st.integers(0, 40))
    image = draw(hnp.arrays(np.float32, (n, N_LANDMARKS, 3), elements=st.floats(-1e9, 1e9, width=32) | st.just(np.nan)))
    world = draw(hnp.arrays(np.float32, (n, N_LANDMARKS, 3), elements=st.floats(-1e3, 1e3, width=32) | st.just(np.nan)))
    vis = draw(hnp.arrays(np.float32, (n, N_LANDMARKS), elements=st.sampled_from([0.0, 0.25, 1.0])))
    detected = draw(hnp.arrays(bool, (n,)))
    profile = draw(
        st.none() | hnp.arrays(np.float32, (n, 29, 2), elements=st.floats(-1e6, 1e6, width=32) | st.just(np.nan))
    )
    t = np.cumsum(draw(hnp.arrays(np.float64, (n,), elements=st.floats(0.001, 0.2))))
    return PoseSeries(
        image=image,
        visibility=vis,
        world=world,
        t=t,
        detected=detected,
        width=640,
        height=480,
        fps=30.0,
        profile=profile,
        source="fuzz",
    )


@settings(max_examples=120, deadline=None)
@given(series=pose_series(), exercise=st.sampled_from(["hinge", "deadlift", "kb_swing"]))
def test_core_never_crashes_on_odd_arrays(series, exercise):
    with np.errstate(all="ignore"):
        result = analyze(series, exercise=exercise)
    doc = result.to_dict()
    json.dumps(doc, allow_nan=False)  # always valid JSON: no NaN, no inf
    assert doc["verdict"] in {"no_reps", "unusable_view", "not_judged", "neutral", *FAULTS}


words = st.sampled_from(
    [
        "score",
        "review",
        "landmarks",
        "live",
        "compare",
        "evaluate",
        "synth",
        "--exercise",
        "deadlift",
        "nope",
        "--format",
        "csv",
        "xml",
        "--jobs",
        "-3",
        "0",
        "--out",
        "/nonexistent/dir/x.json",
        "--config",
        "missing.toml",
        "--max-width",
        "-1",
        "--engine",
        "spark",
        "--camera",
        "99",
        "--resume",
        "--recursive",
        "''",
        "*.mp4",
        "--help",
        "--version",
        "ü",
        "-",
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=st.lists(words, min_size=1, max_size=6))
def test_command_line_never_tracebacks(tmp_path, monkeypatch, argv):
    from typer.testing import CliRunner

    from hingecheck.cli.main import app

    monkeypatch.chdir(tmp_path)
    if argv[0] in ("live",) and "--camera" not in argv and "--source" not in argv:
        argv = [*argv, "--source", "missing.mp4"]  # never open a physical camera here
    if argv[0] == "synth":
        argv = ["synth", "--help"]  # rendering all samples takes minutes; its errors are tested elsewhere
    result = CliRunner().invoke(app, argv)
    assert result.exit_code in (0, 1, 2, 3), (argv, result.output)
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), (argv, repr(result.exception))
