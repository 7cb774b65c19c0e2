"""Regenerate sample_videos/ (clips, labels.json, truth/) deterministically.

python tools/make_samples.py [OUT_DIR] [NAME ...]
"""

import sys
from pathlib import Path

from hingecheck.synth import make_samples

if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "sample_videos"
    for clip in make_samples(out, sys.argv[2:] or None):
        print(clip)
