"""Rebuild ``models/pose_landmarker_full.task`` from the Apache-2.0 TFLite files in mediapipe 0.10.21.

Why: the official ``.task`` downloads cannot be reached from this project's machines, and
mediapipe 1.x refuses the bare TFLite files ("Input tensor has type float32: it requires
specifying NormalizationOptions metadata"). This script writes TFLite metadata with an image
input into each model and zips them (stored, no compression) into a MediaPipe Task bundle.

Run it with the *0.10.21* wheel importable (its metadata writer has a compiled half that the
1.x wheel lacks)::

    python tools/build_pose_model.py              # in a venv with mediapipe==0.10.21
    bash tools/rebuild_model.sh                   # does the throwaway venv for you

The zip entries get a fixed timestamp so the output is byte-for-byte reproducible.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import zipfile
from pathlib import Path

#: Normalisation written into each model's metadata: input = (pixel - mean) / std.
#: The detector expects [-1, 1] input; the landmark model expects [0, 1] input.
DETECTOR = ("mediapipe/modules/pose_detection/pose_detection.tflite", "pose_detector.tflite", 127.5, 127.5)
LANDMARKER = ("mediapipe/modules/pose_landmark/pose_landmark_full.tflite", "pose_landmarks_detector.tflite", 0.0, 255.0)
#: Fixed zip timestamp (the DOS epoch) for reproducible bytes.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def _with_metadata(model: bytes, mean: float, std: float) -> bytes:
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

    writer = metadata_writer.MetadataWriter.create(bytearray(model))
    writer.add_image_input(norm_mean=[mean], norm_std=[std])
    out, _ = writer.populate()
    return bytes(out)


def build(out_path: Path) -> str:
    import mediapipe

    root = Path(mediapipe.__file__).parent.parent
    if not getattr(mediapipe, "__version__", "").startswith("0.10.21"):
        sys.exit(f"build_pose_model: needs mediapipe 0.10.21, found {mediapipe.__version__}")
    tmp = out_path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as bundle:
        for src, name, mean, std in (DETECTOR, LANDMARKER):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            bundle.writestr(info, _with_metadata((root / src).read_bytes(), mean, std))
    tmp.replace(out_path)
    return hashlib.sha256(out_path.read_bytes()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent.parent / "models" / "pose_landmarker_full.task"
    )
    parser.add_argument("--expect", help="SHA-256 the result must have (fails otherwise)")
    args = parser.parse_args()
    digest = build(args.out)
    print(f"{args.out}: sha256 {digest}")
    if args.expect and digest != args.expect:
        sys.exit(f"build_pose_model: checksum mismatch: got {digest}, expected {args.expect}")


if __name__ == "__main__":
    main()
