"""The folders are the layers (ARCHITECTURE.md): every import inside the package points the allowed way."""

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "src" / "hingecheck"
#: What each layer may import from the package (besides itself and the shared ``atomic``).
ALLOWED = {
    "core": set(),
    "pose": {"core"},
    "render": {"core"},
    "history": {"core"},
    "synth": {"render"},
    "cli": {"core", "pose", "render", "history", "synth"},
}
#: Third-party packages the core must never import.
CORE_FORBIDDEN = {"cv2", "mediapipe", "av", "matplotlib", "jinja2", "typer", "rich"}
#: The core's pipeline, first to last: each of these modules imports only those before it (the live
#: core judges a rep with the clip analysis, never the reverse); the core's other modules, its
#: building blocks, import none of them.
CORE_PIPELINE = ("clean", "measures", "analysis", "streaming")


def imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{a.name}" for a in node.names)


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_imports_point_down(layer):
    files = sorted((PKG / layer).rglob("*.py"))
    assert files
    for f in files:
        for name in imports(f):
            parts = name.split(".")
            if layer == "core":
                assert parts[0] not in CORE_FORBIDDEN, f"{f.name} imports {name}"
            if parts[0] == "hingecheck" and len(parts) > 1 and parts[1] in ALLOWED and parts[1] != layer:
                assert parts[1] in ALLOWED[layer], f"{layer}/{f.name} imports {name}"


def test_features_do_not_import_each_other():
    features = {p.stem for p in (PKG / "cli").glob("*.py")} - {"__init__", "main", "batch", "output"}
    for f in (PKG / "cli").glob("*.py"):
        if f.stem in features:
            for name in imports(f):
                other = name.split(".")[2] if name.startswith("hingecheck.cli.") else None
                assert other is None or other == f.stem or other not in features, f"{f.name} imports {name}"


def test_core_pipeline_points_one_way():
    for f in sorted((PKG / "core").glob("*.py")):
        allowed = CORE_PIPELINE[: CORE_PIPELINE.index(f.stem)] if f.stem in CORE_PIPELINE else ()
        for name in imports(f):
            parts = name.split(".")
            if parts[:2] == ["hingecheck", "core"] and len(parts) > 2 and parts[2] in CORE_PIPELINE:
                assert parts[2] in allowed, f"core/{f.name} imports {name}"
