#!/usr/bin/env bash
# Rebuild models/pose_landmarker_full.task in a throwaway venv and check its SHA-256.
# Needs Python 3.9-3.12 (the mediapipe 0.10.21 wheels) and access to PyPI.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
expect=c8311eb19c0adf6d950011078a7fa858e8adfbaf270c7773198df797940562f2
py=${PYTHON:-python3}
venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
"$py" -m venv "$venv"
"$venv/bin/pip" install --quiet "mediapipe==0.10.21"
"$venv/bin/python" "$here/tools/build_pose_model.py" --out "$here/models/pose_landmarker_full.task" --expect "$expect"
