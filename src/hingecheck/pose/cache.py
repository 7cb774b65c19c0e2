"""Landmark cache: a second run on the same clip skips pose inference.

Entries are ``.npz`` files (see :meth:`PoseSeries.to_npz`) named by a key that hashes
everything the landmarks depend on: the clip's bytes, the model's bytes, the inference
settings and the layout version of :class:`~hingecheck.core.series.PoseSeries`. Re-scoring with
another exercise or thresholds file therefore reuses the landmarks. Writes are atomic, and a
damaged entry is treated as a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from hingecheck.core.series import PROFILE_STATIONS, PoseSeries
from hingecheck.pose.sources import IMAGE_EXTENSIONS, min_step_s, nominal_fps

#: Bump when the meaning of cached arrays changes.
CACHE_VERSION = 5  # 2: the series carries scene_change (cuts in edited clips); 3: a lifter the model kept losing is looked at again, closer (closer.py); 4: model_scale; 5: a lifter small to the model is looked at closer too
#: Where the cache lives unless ``$HINGECHECK_CACHE`` says otherwise.
DEFAULT_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "hingecheck" / "landmarks"


def _mediapipe_version() -> str:
    """The installed mediapipe's version: another release may find other landmarks."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mediapipe")
    except PackageNotFoundError:
        return "none"


def file_sha256(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes, hex (read in 1 MiB chunks)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


class LandmarkCache:
    """A folder of cached :class:`PoseSeries`, keyed by content (see module docstring)."""

    def __init__(self, folder: str | os.PathLike | None = None):
        self.folder = Path(folder or os.environ.get("HINGECHECK_CACHE") or DEFAULT_DIR)
        self._model_digests: dict[tuple[str, float, int], str] = {}
        self.hits = 0
        self.misses = 0

    def _model_digest(self, model: Path) -> str:
        st = model.stat()
        k = (str(model.resolve()), st.st_mtime, st.st_size)
        if k not in self._model_digests:
            self._model_digests[k] = file_sha256(model)
        return self._model_digests[k]

    def key(self, clip: Path, model: Path, settings, cut: bool = False) -> str:
        """The entry's name for ``clip`` under ``model`` and ``settings``. The analysis-rate cap
        (``settings.max_fps``) is part of it only when the clip's nominal frame rate (a container
        probe, no decoding) is above the cap, i.e. when frames are skipped: entries of clips at or
        below it, cached before the cap existed, stay valid. The chunking (``settings.chunk_s``
        and the warm-up, :mod:`hingecheck.pose.chunks`) is part of it only for a clip that is
        ``cut`` into chunks."""
        content = {
            "v": CACHE_VERSION,
            "clip": file_sha256(clip),
            "model": self._model_digest(model),
            "settings": settings.key(),
            "stations": PROFILE_STATIONS.tolist(),
            "mediapipe": _mediapipe_version(),
        }
        max_fps = getattr(settings, "max_fps", 0)
        # The decoder's own rule for "frames are skipped" (min_step_s), on the container's rate.
        if (
            max_fps
            and Path(clip).suffix.lower() not in IMAGE_EXTENSIONS
            and min_step_s(nominal_fps(clip) or 0.0, max_fps)
        ):
            content["settings"] = {**content["settings"], "max_fps": float(max_fps)}
        if cut:
            from hingecheck.pose.chunks import WARMUP_S

            content["settings"] = {**content["settings"], "chunk_s": float(settings.chunk_s), "warmup_s": WARMUP_S}
        payload = json.dumps(content, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:32]

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.npz"

    def get(self, key: str) -> PoseSeries | None:
        p = self.path(key)
        if not p.is_file():
            self.misses += 1
            return None
        try:
            series = PoseSeries.from_npz(p)
        except Exception:  # noqa: BLE001 - a damaged entry is a miss, never an error
            self.misses += 1
            return None
        self.hits += 1
        return series

    def put(self, key: str, series: PoseSeries) -> None:
        try:
            series.to_npz(self.path(key))
        except OSError:
            pass  # a read-only or full cache folder must not fail the analysis
