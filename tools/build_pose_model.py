"""Build a MediaPipe pose landmarker Task bundle (lite, full or heavy) from Apache-2.0 TFLite files.

Why: the official ``.task`` downloads cannot be reached from this project's machines, and
mediapipe 1.x refuses the bare TFLite files ("Input tensor has type float32: it requires
specifying NormalizationOptions metadata"). This script writes TFLite metadata with an image
input into each model and zips them (stored, no compression) into a MediaPipe Task bundle.

Where the landmark models come from:

* ``full`` (the shipped ``models/pose_landmarker_full.task``): ``pose_landmark_full.tflite`` in the
  mediapipe 0.10.21 wheel.
* ``lite`` and ``heavy``: ``pose_landmark_lite.tflite`` / ``pose_landmark_heavy.tflite`` in the npm
  package ``@mediapipe/pose`` 0.5.1675469404 (Apache-2.0), passed as ``--npm-tarball``. The same
  package's ``pose_landmark_full.tflite`` is byte-identical to the wheel's (SHA-256 e9a5c5cb…), so
  the three are one release of the legacy BlazePose GHUM 3D models.

The person detector is always the wheel's ``pose_detection.tflite``.

Run it with the *0.10.21* wheel importable (its metadata writer has a compiled half that the
1.x wheel lacks)::

    python tools/build_pose_model.py              # in a venv with mediapipe==0.10.21
    bash tools/rebuild_model.sh                   # does the throwaway venv for you
    bash tools/rebuild_model.sh heavy             # also fetches the npm tarball (checked) first

The zip entries get a fixed timestamp so the output is byte-for-byte reproducible.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import tarfile
import zipfile
from pathlib import Path

#: Normalisation written into each model's metadata: input = (pixel - mean) / std.
#: The detector expects [-1, 1] input; the landmark model expects [0, 1] input.
DETECTOR = ("mediapipe/modules/pose_detection/pose_detection.tflite", "pose_detector.tflite", 127.5, 127.5)
LANDMARKER = ("mediapipe/modules/pose_landmark/pose_landmark_full.tflite", "pose_landmarks_detector.tflite", 0.0, 255.0)
#: The npm package holding the lite and heavy landmark models, and its SHA-256.
NPM_TARBALL = "https://registry.npmjs.org/@mediapipe/pose/-/pose-0.5.1675469404.tgz"
NPM_SHA256 = "8bb349a7b3a3ba699df23be804ddd3b3eab810b50b15406894be257859388a84"
#: SHA-256 of each bundle this script builds.
EXPECTED = {
    "full": "c8311eb19c0adf6d950011078a7fa858e8adfbaf270c7773198df797940562f2",
    "lite": "15a3d041a9a6cb11c2a021f7f9c306198e6a512ec87adc86f31bf301b8c4e4de",
    "heavy": "a6872fc0c5b27426f81817e173f1e34d67118de8ebe8053e3a07240f78c48650",
}
#: Fixed zip timestamp (the DOS epoch) for reproducible bytes.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def _with_metadata(model: bytes, mean: float, std: float) -> bytes:
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

    writer = metadata_writer.MetadataWriter.create(bytearray(model))
    writer.add_image_input(norm_mean=[mean], norm_std=[std])
    out, _ = writer.populate()
    return bytes(out)


def _landmark_model(variant: str, root: Path, npm_tarball: Path | None) -> bytes:
    """The landmark model's TFLite bytes: the wheel's for ``full``, the npm package's otherwise."""
    if variant == "full":
        return (root / LANDMARKER[0]).read_bytes()
    if npm_tarball is None:
        sys.exit(f"build_pose_model: --variant {variant} needs --npm-tarball ({NPM_TARBALL})")
    data = npm_tarball.read_bytes()
    if hashlib.sha256(data).hexdigest() != NPM_SHA256:
        sys.exit(f"build_pose_model: {npm_tarball}: not the expected @mediapipe/pose tarball (SHA-256 differs)")
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        member = tar.extractfile(f"package/pose_landmark_{variant}.tflite")
        return member.read()


def build(out_path: Path, variant: str = "full", npm_tarball: Path | None = None) -> str:
    import mediapipe

    root = Path(mediapipe.__file__).parent.parent
    if not getattr(mediapipe, "__version__", "").startswith("0.10.21"):
        sys.exit(f"build_pose_model: needs mediapipe 0.10.21, found {mediapipe.__version__}")
    models = (
        ((root / DETECTOR[0]).read_bytes(), DETECTOR[1], DETECTOR[2], DETECTOR[3]),
        (_landmark_model(variant, root, npm_tarball), LANDMARKER[1], LANDMARKER[2], LANDMARKER[3]),
    )
    tmp = out_path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as bundle:
        for model, name, mean, std in models:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            bundle.writestr(info, _with_metadata(model, mean, std))
    tmp.replace(out_path)
    return hashlib.sha256(out_path.read_bytes()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", choices=sorted(EXPECTED), default="full")
    parser.add_argument("--out", type=Path, help="default: models/pose_landmarker_<variant>.task")
    parser.add_argument("--npm-tarball", type=Path, help=f"{NPM_TARBALL}, downloaded (lite and heavy only)")
    parser.add_argument("--expect", help="SHA-256 the result must have (default: the known one for the variant)")
    args = parser.parse_args()
    out = args.out or Path(__file__).resolve().parent.parent / "models" / f"pose_landmarker_{args.variant}.task"
    digest = build(out, args.variant, args.npm_tarball)
    print(f"{out}: sha256 {digest}")
    expect = args.expect or EXPECTED[args.variant]
    if digest != expect:
        sys.exit(f"build_pose_model: checksum mismatch: got {digest}, expected {expect}")


if __name__ == "__main__":
    main()
