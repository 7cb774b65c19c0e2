#!/usr/bin/env bash
# Rebuild a pose landmarker bundle in a throwaway venv and check its SHA-256.
#   bash tools/rebuild_model.sh            # models/pose_landmarker_full.task (the shipped one)
#   bash tools/rebuild_model.sh lite       # models/pose_landmarker_lite.task  (not shipped; measured)
#   bash tools/rebuild_model.sh heavy      # models/pose_landmarker_heavy.task (not shipped; measured)
# Needs Python 3.9-3.12 (the mediapipe 0.10.21 wheels) and access to PyPI (and, for lite and heavy,
# to the npm registry, for the @mediapipe/pose package that holds those two landmark models).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
variant=${1:-full}
py=${PYTHON:-python3}
venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
"$py" -m venv "$venv"
"$venv/bin/pip" install --quiet "mediapipe==0.10.21"
extra=()
if [ "$variant" != full ]; then
    url=$("$venv/bin/python" -c "import sys; sys.path.insert(0, '$here/tools'); import build_pose_model as b; print(b.NPM_TARBALL)")
    curl -fsSL -o "$venv/pose.tgz" "$url"
    extra=(--npm-tarball "$venv/pose.tgz")
fi
"$venv/bin/python" "$here/tools/build_pose_model.py" --variant "$variant" "${extra[@]}"
