"""The pose front end: MediaPipe ``PoseLandmarker`` (Tasks API) over a frame source.

* The model is a Task bundle loaded from the project's ``models/`` folder (or ``--model PATH``);
  nothing is downloaded, ever.
* Frames are scaled down to :attr:`PoseSettings.max_width` before inference (inference cost
  grows with frame size; landmarks come back normalised, so they are reported in full-frame
  pixels regardless).
* VIDEO mode with the container's timestamps (tracking between frames, variable frame rate
  respected); IMAGE mode for unrelated still images.
* Results stream frame by frame (:meth:`PoseEstimator.stream`); each segmentation mask is turned
  into a back profile (:mod:`hingecheck.pose.backprofile`) at once and dropped, so memory stays flat.
* :func:`estimate_clip` gathers a whole source into a :class:`~hingecheck.core.series.PoseSeries`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
import threading
from array import array
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from hingecheck.core.series import INDEX, N_LANDMARKS, PROFILE_STATIONS, PoseSeries
from hingecheck.pose import chunks as chunking
from hingecheck.pose.backprofile import profile_from_mask
from hingecheck.pose.cache import file_sha256
from hingecheck.pose.closer import closer_box
from hingecheck.pose.lifter import TRACKER_VERSION, LifterTracker
from hingecheck.pose.scenechange import SceneChange
from hingecheck.pose.sources import (
    IMAGE_EXTENSIONS,
    Frame,
    SourceError,
    SourceInfo,
    VideoFile,
    frame_pts,
    kept_every,
    open_source,
    prefetch,
)

#: File name of the pose model that ships with the project (see models/README.md).
DEFAULT_MODEL_NAME = "pose_landmarker_full.task"
#: Its SHA-256, checked by the tests and by ``tools/rebuild_model.sh``.
DEFAULT_MODEL_SHA256 = "c8311eb19c0adf6d950011078a7fa858e8adfbaf270c7773198df797940562f2"
#: Environment variable that points at another model bundle (e.g. an installed wheel's data).
MODEL_ENV = "HINGECHECK_MODEL"
#: The two models a pose landmarker bundle holds (person detector, landmark model).
BUNDLE_MEMBERS = ("pose_detector.tflite", "pose_landmarks_detector.tflite")

_HIPS = (INDEX["left_hip"], INDEX["right_hip"])
_SHOULDERS = (INDEX["left_shoulder"], INDEX["right_shoulder"])


class PoseError(Exception):
    """The pose model cannot be loaded or run; one-line message."""


@dataclass(frozen=True)
class PoseSettings:
    """How inference runs. Part of the landmark cache key, so every field must be hashable.

    Attributes:
        max_width: frames wider than this many pixels are scaled down before inference
            (measured here: ~41 frames/s at 640 px vs ~30 at 1080p, same verdicts). ``0`` = never.
        masks: compute the segmentation mask (needed for the virtual dowel's back profile).
        min_detection_confidence, min_presence_confidence, min_tracking_confidence: MediaPipe's
            thresholds (0..1); MediaPipe's defaults are 0.5.
        crop_bars: crop black letterbox/pillarbox bars (found on the first frame) before inference.
        num_poses: people the model looks for per frame; with more than one, the lifter is chosen
            among them (:class:`~hingecheck.pose.lifter.LifterTracker`) and the others dropped
            (issue 12: gyms have other people in view). Default 1, measured: 2 costs 1.5-2x the
            inference CPU and changes the model's landmarks and mask for a lone lifter (the
            rendered 45-deg clip's spine reading 2.4 -> 7.4 deg; 17 of 48 development clips
            changed verdict, 26/38 -> 22/38 right), so 2 is for clips with others in view.
        mirror_tta: also infer every frame's left-right mirror (a second landmarker) and average
            the two (:mod:`hingecheck.pose.tta`); about twice the inference cost.
        max_fps: analysis-rate cap for video files (frames/s; ``0`` = every frame). A clip whose
            nominal rate is above it is analysed at about this rate: a frame is kept when its
            timestamp is at least ``1/max_fps`` less half a frame after the last kept one (60 fps
            keeps every other frame, 50 fps too: 25 fps); the others are skipped in the decoder
            before any conversion (issue 14: hinge reps last seconds; 30 fps is what the
            thresholds were chosen on). Clips at or below the cap are read frame for frame as
            before, and their cache entries stay valid (the cache key holds ``max_fps`` only for
            a clip above it: :meth:`hingecheck.pose.cache.LandmarkCache.key`).
        chunk_s: a video file longer than 1.5 times this (seconds of analysed frames) is cut into
            equal chunks of about this length, inferred side by side on the cores
            (:mod:`hingecheck.pose.chunks`; ``0`` = one pass straight through). The cut depends on
            the clip alone, so its landmarks do not depend on the machine. Part of the cache key
            only for a clip that is cut (shorter clips' entries stay valid).
    """

    max_width: int = 640
    masks: bool = True
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    crop_bars: bool = True
    num_poses: int = 1
    mirror_tta: bool = False
    max_fps: float = 30.0
    chunk_s: float = 30.0

    def key(self) -> dict:
        """The settings part of the cache key, without ``max_fps`` and ``chunk_s`` (the cache adds
        them for a clip above the cap, and a clip that is cut, only)."""
        key = asdict(self)
        del key["max_fps"], key["chunk_s"]
        # Options added later are left out at their defaults: entries cached before they existed
        # stay valid.
        for name, default in (("num_poses", 1), ("mirror_tta", False)):
            if key[name] == default:
                del key[name]
        if self.num_poses > 1:  # who is kept among the people found is the tracker's choice
            key["lifter"] = TRACKER_VERSION
        return key


@dataclass
class FramePose:
    """Pose of one frame, in full-frame pixels (see :mod:`hingecheck.core.series` for conventions)."""

    index: int
    t: float
    detected: bool
    image: np.ndarray  # (33, 3) px
    visibility: np.ndarray  # (33,)
    world: np.ndarray  # (33, 3) m
    profile: np.ndarray | None  # (29, 2) px, or None without masks


def default_model() -> Path:
    """The shipped model: ``models/`` in a source tree, ``hingecheck/_models`` when installed."""
    source_tree = Path(__file__).resolve().parents[3] / "models" / DEFAULT_MODEL_NAME
    if source_tree.is_file():
        return source_tree
    try:
        from importlib.resources import files

        return Path(str(files("hingecheck._models") / DEFAULT_MODEL_NAME))
    except (ImportError, ModuleNotFoundError):
        return source_tree


def resolve_model(model: str | os.PathLike | None = None) -> Path:
    """The model bundle to use: ``model``, else ``$HINGECHECK_MODEL``, else the shipped one."""
    path = Path(model or os.environ.get(MODEL_ENV) or default_model())
    if not path.is_file():
        raise PoseError(f"{path}: pose model not found (pass --model PATH to a MediaPipe pose_landmarker .task bundle)")
    return path


def check_model(model: str | os.PathLike | None = None) -> Path:
    """:func:`resolve_model`, and the file is a pose model bundle (a ``.task`` is a zip archive
    holding :data:`BUNDLE_MEMBERS`): a cheap check a command makes once, before any work, instead
    of every clip failing alike."""
    import zipfile

    path = resolve_model(model)
    what = "a MediaPipe pose_landmarker .task bundle is a zip archive of " + " and ".join(BUNDLE_MEMBERS)
    if not zipfile.is_zipfile(path):
        raise PoseError(f"{path}: not a pose model ({what})")
    try:
        with zipfile.ZipFile(path) as bundle:
            missing = [name for name in BUNDLE_MEMBERS if name not in bundle.namelist()]
    except (zipfile.BadZipFile, OSError) as exc:
        raise PoseError(f"{path}: not a pose model ({exc})") from None
    if missing:
        raise PoseError(f"{path}: not a pose model: no {' or '.join(missing)} in it ({what})")
    return path


@contextlib.contextmanager
def _quiet_native_stderr():
    """Silence the native libraries' start-up chatter (TFLite/glog write straight to fd 2).

    Process-wide and re-entrant across threads (a long clip's chunks start landmarkers side by
    side): fd 2 goes to /dev/null when the first thread enters and comes back when the last one
    leaves; two threads each saving and restoring fd 2 could restore /dev/null for good."""
    global _quiet_depth, _quiet_saved
    if os.environ.get("HINGECHECK_DEBUG"):
        yield
        return
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, ValueError, OSError):
        yield
        return
    with _QUIET_LOCK:
        if _quiet_depth == 0:
            sys.stderr.flush()
            _quiet_saved = os.dup(fd)
            with open(os.devnull, "w") as devnull:
                os.dup2(devnull.fileno(), fd)
        _quiet_depth += 1
    try:
        yield
    finally:
        with _QUIET_LOCK:
            _quiet_depth -= 1
            if _quiet_depth == 0:
                os.dup2(_quiet_saved, fd)
                os.close(_quiet_saved)
                _quiet_saved = None


_QUIET_LOCK = threading.Lock()
_quiet_depth = 0  # threads inside _quiet_native_stderr
_quiet_saved: int | None = None  # the real fd 2 while they are


os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


class PoseEstimator:
    """A ``PoseLandmarker`` and the state to feed it; use as a context manager.

    Measured with mediapipe 1.2.2: a landmarker that is not closed explicitly prints an ignored
    ``TypeError`` traceback at interpreter exit, hence the context manager.

    Args:
        model: path to a ``.task`` bundle (default: the shipped full model).
        settings: see :class:`PoseSettings`.
        still_images: IMAGE mode (each frame independent) instead of VIDEO mode (tracking).
    """

    def __init__(
        self, model: str | os.PathLike | None = None, settings: PoseSettings | None = None, still_images: bool = False
    ):
        self.model_path = resolve_model(model)
        self.settings = settings or PoseSettings()
        self.still_images = still_images
        self._landmarker = None
        self._last_ms = -1
        self._tracker: LifterTracker | None = None
        self._mirror: PoseEstimator | None = None  # mirror_tta's second landmarker

    def __enter__(self) -> PoseEstimator:
        from mediapipe.tasks.python import BaseOptions, vision

        s = self.settings
        mode = vision.RunningMode.IMAGE if self.still_images else vision.RunningMode.VIDEO
        opts = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.model_path)),
            running_mode=mode,
            num_poses=s.num_poses,
            min_pose_detection_confidence=s.min_detection_confidence,
            min_pose_presence_confidence=s.min_presence_confidence,
            min_tracking_confidence=s.min_tracking_confidence,
            output_segmentation_masks=s.masks,
        )
        try:
            with _quiet_native_stderr():
                self._landmarker = vision.PoseLandmarker.create_from_options(opts)
        except (RuntimeError, ValueError) as exc:
            raise PoseError(f"{self.model_path}: cannot load pose model ({' '.join(str(exc).split())[:160]})") from None
        if s.mirror_tta:
            self._mirror = PoseEstimator(self.model_path, dataclasses.replace(s, mirror_tta=False), self.still_images)
            try:
                self._mirror.__enter__()
            except PoseError:
                self.__exit__()
                raise
        return self

    def __exit__(self, *exc) -> None:
        if self._mirror is not None:
            self._mirror.__exit__()
            self._mirror = None
        if self._landmarker is not None:
            with _quiet_native_stderr():  # some releases log as the graph shuts down
                self._landmarker.close()
            self._landmarker = None

    def infer(self, rgb: np.ndarray, t: float, box: tuple[int, int, int, int], index: int = 0) -> FramePose:
        """Pose of one RGB image ``rgb``, which shows the region ``box = (x0, y0, x1, y1)`` of the
        full frame, possibly scaled down. Landmarks are reported in full-frame pixels. ``t`` in s."""
        import mediapipe as mp

        if self._landmarker is None:
            raise RuntimeError("PoseEstimator used outside its 'with' block")
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        # The graph logs a one-off warning on its first frame; keep it off the user's terminal.
        quiet = _quiet_native_stderr() if self._last_ms < 0 else contextlib.nullcontext()
        with quiet:
            if self.still_images:
                result = self._landmarker.detect(image)
                self._last_ms = 0
            else:
                ms = max(int(round(t * 1000.0)), self._last_ms + 1)  # strictly increasing, as VIDEO mode needs
                self._last_ms = ms
                result = self._landmarker.detect_for_video(image, ms)
        pose = _to_frame_pose(result, index, t, box, self.settings.masks, self._choose(result, t, box))
        if self._mirror is not None:
            from hingecheck.pose import tta

            pose = tta.merge(pose, self._mirror.infer(tta.flip(rgb), t, box, index), box)
        return pose

    def _choose(self, result, t: float, box: tuple[int, int, int, int]) -> int | None:
        """Which of ``result``'s people is the lifter (``None``: not in this frame)."""
        people = result.pose_landmarks or []
        if len(people) <= 1 and self.settings.num_poses <= 1:
            return 0 if people else None
        x0, y0, x1, y1 = box
        scale = np.array([x1 - x0, y1 - y0, x1 - x0], np.float32)
        arrays = [np.array([(p.x, p.y, p.z) for p in lms], np.float32) * scale for lms in people]
        if self._tracker is None or self.still_images:  # still images: each one on its own
            self._tracker = LifterTracker(x1 - x0)
        return self._tracker.choose(arrays, t)

    def prepare(self, rgb: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
        """Crop ``rgb`` (a full frame) to ``box`` and scale it down to ``max_width``."""
        import cv2

        x0, y0, x1, y1 = box
        if (x0, y0, x1, y1) != (0, 0, rgb.shape[1], rgb.shape[0]):
            rgb = rgb[y0:y1, x0:x1]
        h, w = rgb.shape[:2]
        mw = model_width(self.settings)
        if mw and w > mw:
            rgb = cv2.resize(rgb, (mw, max(1, int(round(h * mw / w)))), interpolation=cv2.INTER_AREA)
        return rgb

    def model_scale(self, box: tuple[int, int, int, int]) -> float:
        """Pixels of the model's picture per source pixel for a frame cropped to ``box`` (see
        :meth:`prepare`): the downscale to ``max_width``, 1 when the crop is not wider."""
        mw = model_width(self.settings)
        w = box[2] - box[0]
        return mw / w if mw and w > mw else 1.0

    def fit_box(self, box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        """``box`` narrowed on the right so the image given to the model is a multiple of
        :data:`ROW_ALIGN_PX` wide (after scaling to ``max_width``, which is rounded down the same way).

        mediapipe 0.10.30-0.10.33 abort the whole process (``image_frame.cc:362 Check failed:
        1 == ChannelSize()``) when a segmentation mask's rows are padded, i.e. when the image is
        not a multiple of 4 px wide; measured on a portrait clip cropped out of its pillarbox."""
        x0, y0, x1, y1 = box
        mw = model_width(self.settings)
        w = x1 - x0
        if mw and w > mw:
            return box
        return (x0, y0, x1 - (w % ROW_ALIGN_PX if w > ROW_ALIGN_PX else 0), y1)

    def prepared(
        self, frames: Iterator[Frame], box: tuple[int, int, int, int] | None = None
    ) -> Iterator[tuple[Frame, tuple[int, int, int, int], np.ndarray]]:
        """``(frame, box, image for the model)`` for every frame of ``frames``.

        Black letterbox/pillarbox bars (a phone clip inside a 16:9 frame) are found on the first
        frame and cropped off before downscaling, so the person keeps more pixels; a given ``box``
        (full-frame pixels) is used instead. Uses no model state, so it can run in the decoding
        thread while the model works on an earlier frame.
        """
        if box is not None:
            box = self.fit_box(box)
        for frame in frames:
            if box is None:
                box = self.first_box(frame.rgb)
            yield frame, box, self.prepare(frame.rgb, box)

    def first_box(self, rgb: np.ndarray) -> tuple[int, int, int, int]:
        """The region of a clip's frames the model is shown, found on its first frame ``rgb``:
        inside black bars (``crop_bars``), else the whole frame."""
        return self.fit_box(content_box(rgb) if self.settings.crop_bars else (0, 0, rgb.shape[1], rgb.shape[0]))

    def stream(self, frames: Iterator[Frame], info: SourceInfo) -> Iterator[tuple[Frame, FramePose]]:
        """Infer every frame of ``frames`` (bars cropped, see :meth:`prepared`); yields ``(frame, pose)`` pairs."""
        for frame, box, small in self.prepared(frames):
            yield frame, self.infer(small, frame.t, box, frame.index)


#: Width granularity of the image given to the model (px): see :meth:`PoseEstimator.fit_box`.
ROW_ALIGN_PX = 16


def model_width(settings: PoseSettings) -> int:
    """Width (px) frames are scaled down to for the model: ``settings.max_width`` rounded down to
    a multiple of :data:`ROW_ALIGN_PX` (0 = full size)."""
    return settings.max_width - settings.max_width % ROW_ALIGN_PX


#: A pixel darker than this (0-255, all channels) counts as a black bar.
BAR_LEVEL = 20
#: A row or column is picture, not bar, when more than this fraction of its pixels is brighter.
BAR_CONTENT_FRACTION = 0.02
#: Bars narrower than this fraction of the frame are left alone (not worth a crop).
BAR_MIN_FRACTION = 0.05


def content_box(rgb: np.ndarray) -> tuple[int, int, int, int]:
    """``(x0, y0, x1, y1)`` of the picture inside black letterbox/pillarbox bars (pixels)."""
    h, w = rgb.shape[:2]
    lit = rgb.max(axis=2) > BAR_LEVEL
    cols = np.flatnonzero(lit.mean(axis=0) > BAR_CONTENT_FRACTION)
    rows = np.flatnonzero(lit.mean(axis=1) > BAR_CONTENT_FRACTION)
    if len(cols) == 0 or len(rows) == 0:
        return 0, 0, w, h
    x0, x1, y0, y1 = int(cols[0]), int(cols[-1]) + 1, int(rows[0]), int(rows[-1]) + 1
    if (w - (x1 - x0)) < BAR_MIN_FRACTION * w:
        x0, x1 = 0, w
    if (h - (y1 - y0)) < BAR_MIN_FRACTION * h:
        y0, y1 = 0, h
    return x0, y0, x1, y1


def _to_frame_pose(
    result, index: int, t: float, box: tuple[int, int, int, int], masks: bool, pick: int | None = 0
) -> FramePose:
    """The ``pick``-th person of ``result`` (``None``: nobody) as a :class:`FramePose`; the mask
    comes per person, so the back profile is the chosen person's."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    if not result.pose_landmarks or pick is None:
        nan3 = np.full((N_LANDMARKS, 3), np.nan, np.float32)
        return FramePose(
            index,
            t,
            False,
            nan3,
            np.zeros(N_LANDMARKS, np.float32),
            nan3.copy(),
            np.full((len(PROFILE_STATIONS), 2), np.nan, np.float32) if masks else None,
        )
    lms = result.pose_landmarks[pick]
    arr = np.array([(p.x, p.y, p.z, p.visibility if p.visibility is not None else 0.0) for p in lms], np.float32)
    image = arr[:, :3] * np.array([w, h, w], np.float32) + np.array([x0, y0, 0], np.float32)
    world = (
        np.array([(p.x, p.y, p.z) for p in result.pose_world_landmarks[pick]], np.float32)
        if result.pose_world_landmarks and len(result.pose_world_landmarks) > pick
        else np.full((N_LANDMARKS, 3), np.nan, np.float32)
    )
    profile = None
    if masks:
        if result.segmentation_masks and len(result.segmentation_masks) > pick:
            mask = result.segmentation_masks[pick].numpy_view()
            mask = mask[..., 0] if mask.ndim == 3 else mask
            hip = image[list(_HIPS), :2].mean(axis=0)
            sho = image[list(_SHOULDERS), :2].mean(axis=0)
            offset = np.array([x0, y0], np.float32)
            profile = profile_from_mask(mask, hip - offset, sho - offset, scale=mask.shape[1] / w)
        else:
            profile = np.full((len(PROFILE_STATIONS), 2), np.nan, np.float32)
    return FramePose(index, t, True, image, arr[:, 3].copy(), world, profile)


#: Frames whose :class:`FramePose` objects are held before they are stacked into arrays (about
#: 2.3 KB of landmarks each; a chunk is ~0.6 MB).
COLLECT_CHUNK_FRAMES = 256


class PoseCollector:
    """Grows per-frame arrays in chunks of :data:`COLLECT_CHUNK_FRAMES` frames (no per-frame Python
    objects are kept beyond one chunk); :meth:`series` joins them once, field by field. Used by
    every path that turns frames into a :class:`PoseSeries`: a clip's pose pass and a live session."""

    def __init__(self, masks: bool):
        self.rows: dict[str, list[np.ndarray]] = {
            k: [] for k in ("image", "visibility", "world", "t", "detected", "profile")
        }
        self.masks = masks
        self.n = 0
        self._chunk: list[FramePose] = []
        self._changes = array("f")  # per frame, grey levels (no Python object per frame)

    def add(self, fp: FramePose, scene_change: float | None = None) -> None:
        """One frame's pose, and, if measured, how much its picture changed from the previous
        frame's (:class:`~hingecheck.pose.scenechange.SceneChange`; the series carries it when
        every frame gave one)."""
        self._chunk.append(fp)
        if scene_change is not None:
            self._changes.append(scene_change)
        self.n += 1
        if len(self._chunk) >= COLLECT_CHUNK_FRAMES:
            self._flush()

    def extend(self, other: PoseCollector) -> None:
        """Append ``other``'s frames (the next chunk of the same clip) after this one's."""
        self._flush()
        other._flush()
        for k, rows in other.rows.items():
            self.rows[k].extend(rows)
        self._changes.extend(other._changes)
        self.n += other.n
        other.rows = {k: [] for k in other.rows}
        other.n = 0

    def _flush(self) -> None:
        c = self._chunk
        if not c:
            return
        self.rows["image"].append(np.stack([f.image for f in c]))
        self.rows["visibility"].append(np.stack([f.visibility for f in c]))
        self.rows["world"].append(np.stack([f.world for f in c]))
        self.rows["t"].append(np.array([f.t for f in c], np.float64))
        self.rows["detected"].append(np.array([f.detected for f in c], bool))
        if self.masks:
            self.rows["profile"].append(np.stack([f.profile for f in c]))
        self._chunk = []

    def series(self, info: SourceInfo) -> PoseSeries:
        self._flush()
        if self.n == 0:
            return PoseSeries.empty(info.width, info.height, info.fps, info.name, with_profile=self.masks)
        # One field at a time, each field's chunks dropped as soon as it is joined: the series is
        # never held twice over (at 108,000 frames, one hour, that is ~125 MB saved at the peak).
        cat = {}
        for k in list(self.rows):
            chunks = self.rows.pop(k)
            if chunks:
                cat[k] = np.concatenate(chunks)
            del chunks
        self.rows = {k: [v] for k, v in cat.items()}  # the joined arrays (not copies): callable again
        if 0 < len(self._changes) < self.n:
            raise ValueError(f"PoseCollector: picture changes for {len(self._changes)} of {self.n} frames")
        changes = np.frombuffer(self._changes, np.float32).copy() if len(self._changes) == self.n else None
        return PoseSeries(
            image=cat["image"],
            visibility=cat["visibility"],
            world=cat["world"],
            t=cat["t"],
            detected=cat["detected"],
            width=info.width,
            height=info.height,
            fps=info.fps,
            profile=cat.get("profile"),
            source=info.name,
            scene_change=changes,
        )


def release_freed_memory() -> None:
    """Hand memory the native libraries freed back to the OS (glibc ``malloc_trim``). Without it,
    what a closed landmarker freed stays in the process's resident set while the analysis
    allocates its own (issue 14: a cold 1-minute clip then a 60-minute analysis in one process
    peaked at 616 MB). Takes milliseconds; a no-op where there is no glibc."""
    import ctypes
    import ctypes.util

    try:
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)
    except (OSError, AttributeError, TypeError):
        pass


def _staged(prepared, tap, scene: SceneChange | None):
    """``(frame, box, image for the model, picture change or None)`` per frame, run in the prefetch
    (decoding) thread so the tap and the picture change stay off the inference thread."""
    for frame, box, small in prepared:
        if tap is not None:
            tap(frame, box, small)
        yield frame, box, small, (scene(small) if scene is not None else None)


def _pass(src, model_path: Path, settings: PoseSettings, tap, progress, total, box=None):
    """One pass of the model over the opened source ``src``: ``(collector, the box the model
    saw, its model scale)``. ``box`` (full-frame pixels) replaces the bars' crop; with it the
    picture change is not measured (the first pass's, over the whole picture, is kept)."""
    collector = PoseCollector(settings.masks)
    seen_box = None
    if progress is not None:
        progress(0, total)  # a pass starts (the closer look's second one included): callers restart their clocks
    with PoseEstimator(model_path, settings, still_images=src.info.still) as est:
        # Decoding, cropping and downscaling, the tap and the picture change run in the prefetch thread.
        staged = _staged(est.prepared(src.frames(), box), tap, SceneChange() if box is None else None)
        for frame, seen_box, small, change in prefetch(staged):
            collector.add(est.infer(small, frame.t, seen_box, frame.index), change)
            if progress is not None and collector.n % 16 == 0:
                progress(collector.n, total)
        scale = est.model_scale(seen_box) if seen_box is not None else float("nan")
    release_freed_memory()  # the landmarker is closed: what it freed goes back before the analysis allocates
    return collector, seen_box, scale  # the box is fixed for the clip (see prepared)


@dataclass(frozen=True)
class _Cut:
    """A video file cut into chunks (:mod:`hingecheck.pose.chunks`): its analysed frames'
    timestamps (stream ticks), the chunks, how many frames the file holds."""

    pts: np.ndarray
    chunks: list
    frames: int


def _cut(source, settings: PoseSettings) -> _Cut | None:
    """How a video file is cut into chunks; ``None`` when it is read in one pass (not a video
    file, chunks off, shorter than 1.5 chunks, or timestamps the packets do not give)."""
    if settings.chunk_s <= 0 or not isinstance(source, (str, os.PathLike)):
        return None
    path = Path(source)
    if path.suffix.lower() in IMAGE_EXTENSIONS or not path.is_file():
        return None
    kept = frame_pts(path, settings.max_fps)
    if kept is None:
        return None
    pts, tb, frames = kept
    cut = chunking.plan((pts - pts[0]) * tb, settings.chunk_s)
    return _Cut(pts, cut, frames) if len(cut) > 1 else None


def _chunked_pass(
    path: Path, cut: _Cut, model_path: Path, settings: PoseSettings, tap, progress, threads, box, measure_change
):
    """:func:`_pass` over a clip cut into chunks, the chunks inferred side by side on ``threads``
    threads (each its own decoder and landmarker): ``(collector, model scale)``, or ``None`` when
    a chunk came back short (a frame that does not decode where it was sought: the caller reads
    the clip straight through instead). ``box`` (full-frame pixels) is what the model is shown
    of every frame; ``measure_change``: the picture change is measured (the first pass)."""
    total = len(cut.pts)
    collectors = [PoseCollector(settings.masks) for _ in cut.chunks]

    def task(chunk: chunking.Chunk, stop) -> float:
        if stop.is_set():  # stopped before this chunk began: start no model
            raise chunking.Stopped
        k = cut.chunks.index(chunk)
        src = VideoFile(path, max_fps=settings.max_fps)
        chunk_tap = None
        if tap is not None:

            def chunk_tap(frame, b, small, _first=chunk.first):
                if frame.index >= _first:  # warm-up frames are not the chunk's
                    tap(frame, b, small)

        with PoseEstimator(model_path, settings) as est:
            frames = src.frames_between(cut.pts, chunk.warm, chunk.stop)
            staged = _staged(est.prepared(frames, box), chunk_tap, SceneChange() if measure_change else None)
            for frame, seen, small, change in prefetch(staged):
                if stop.is_set():
                    raise chunking.Stopped
                pose = est.infer(small, frame.t, seen, frame.index)
                if frame.index >= chunk.first:
                    collectors[k].add(pose, change)
            scale = est.model_scale(box)
        release_freed_memory()
        return scale

    if progress is not None:
        progress(0, total)
    report = (lambda: progress(sum(c.n for c in collectors), total)) if progress is not None else None
    scales = chunking.run(cut.chunks, task, threads or chunking.default_threads(), report)
    release_freed_memory()
    if any(c.n != ch.stop - ch.first for c, ch in zip(collectors, cut.chunks)):
        return None
    collector = collectors[0]
    for other in collectors[1:]:
        collector.extend(other)
    return collector, scales[0]


def estimate_clip(
    source: str | os.PathLike | int,
    model: str | os.PathLike | None = None,
    settings: PoseSettings | None = None,
    cache=None,
    progress: Callable[[int, int | None], None] | None = None,
    tap: Callable[[Frame, tuple[int, int, int, int], np.ndarray], None] | None = None,
    threads: int | None = None,
) -> PoseSeries:
    """Pose landmarks of a whole source as a :class:`PoseSeries`.

    Args:
        source: a video file, an image or glob of images, or a camera index.
        model: model bundle path (default: the shipped one).
        settings: inference settings.
        cache: a :class:`hingecheck.pose.cache.LandmarkCache`, or ``None`` for no caching.
        progress: called as ``progress(frames_done, frames_total_or_None)`` now and then, from
            the calling thread, with 0 frames done when a pass over the clip starts: the first,
            and the closer look's (:mod:`hingecheck.pose.closer`) second one.
        tap: called as ``tap(frame, box, image_for_the_model)`` for every analysed frame (every
            decoded frame but those ``settings.max_fps`` skips), in a decoding thread (so its work
            overlaps inference), before the frame's inference; not called on a cache hit. Frames
            come in order, except for a clip cut into chunks (``settings.chunk_s``): then each
            chunk's frames come in order from the chunk's own thread, chunks side by side. The
            review writes its video frames this way.
        threads: how many chunks of a long clip are inferred at once (default: every core this
            process may use; a batch worker among others gets its share). The landmarks do not
            depend on it.

    Raises:
        SourceError: the source cannot be read (one-line message naming it).
        PoseError: the model cannot be loaded.
    """
    settings = settings or PoseSettings()
    model_path = resolve_model(model)
    cut = _cut(source, settings)
    key = None
    if cache is not None and isinstance(source, (str, os.PathLike)) and Path(source).is_file():
        key = cache.key(Path(source), model_path, settings, cut=cut is not None)
        hit = cache.get(key)
        if hit is not None:
            # The entry is keyed by the clip's bytes: a copy, or the clip moved or renamed, finds
            # the one cached from another path. The series names the file it was asked for.
            return dataclasses.replace(hit, source=str(source))
    src = open_source(source if not isinstance(source, os.PathLike) else str(source), max_fps=settings.max_fps)
    info = src.info
    total = info.frame_count
    if total and getattr(src, "max_fps", None):  # the frames that will be analysed: every k-th of a constant rate
        total = -(-total // kept_every(info.fps, settings.max_fps))
    done = None
    if cut is not None:
        frames = src.frames()
        seen_box = PoseEstimator(model_path, settings).first_box(next(frames).rgb)  # as one pass finds it
        frames.close()
        done = _chunked_pass(Path(source), cut, model_path, settings, tap, progress, threads, seen_box, True)
    if done is not None:
        (collector, scale), decoded = done, cut.frames
    else:
        if cut is not None:  # a chunk came back short: read the clip straight through
            cut, src = None, open_source(str(source), max_fps=settings.max_fps)
        collector, seen_box, scale = _pass(src, model_path, settings, tap, progress, total)
    series = dataclasses.replace(collector.series(info), model_scale=scale)
    del collector, done
    crop = None
    if isinstance(source, (str, os.PathLike)) and not info.still and seen_box is not None:
        crop = closer_box(series, seen_box, model_width(settings))  # a small lifter (closer.py)
    if crop is not None:
        again = None
        if cut is not None:
            done2 = _chunked_pass(Path(source), cut, model_path, settings, None, progress, threads, crop, False)
            if done2 is not None:
                again, scale2 = done2[0].series(info), done2[1]
        else:
            src2 = open_source(str(source), max_fps=settings.max_fps)
            collector2, _, scale2 = _pass(src2, model_path, settings, None, progress, total, crop)
            again = collector2.series(info)
            del collector2
        # The closer look is kept unless it found the lifter on fewer frames (a tie: it saw them bigger).
        if (
            again is not None
            and again.n_frames == series.n_frames
            and np.count_nonzero(again.detected) >= np.count_nonzero(series.detected)
        ):
            series = dataclasses.replace(again, scene_change=series.scene_change, model_scale=scale2)
            if cut is None:
                src = src2
        del again
    expected = info.frame_count or -1
    if cut is None:
        decoded = getattr(src, "decoded", 0)
    n = series.n_frames
    if n and decoded > n:
        # Frames were skipped (analysis-rate cap): the series is at the effective rate, and the
        # announced count is scaled by the share kept, so frames read against frames announced
        # (the "truncated" warning) still compares what was decoded with what the file announces.
        # The nominal rate over the nominal frames per kept frame (60 fps -> 30, 50 -> 25): exact,
        # where the median gap of millisecond timestamps would give 30.3.
        t = series.t
        per_kept = max(1, round(float(np.median(np.diff(t))) * info.fps)) if len(t) > 1 else 1
        series = dataclasses.replace(series, fps=info.fps / per_kept)
        if expected > 0:
            expected = int(round(expected * n / decoded))
    series = dataclasses.replace(
        series,
        expected_frames=expected,
        damaged_packets=getattr(src, "damaged_packets", 0) if cut is None else 0,
    )
    if progress is not None:
        progress(n, n)
    if key is not None:
        cache.put(key, series)
    return series


__all__ = [
    "DEFAULT_MODEL_NAME",
    "DEFAULT_MODEL_SHA256",
    "default_model",
    "FramePose",
    "PoseCollector",
    "PoseError",
    "PoseEstimator",
    "PoseSettings",
    "SourceError",
    "estimate_clip",
    "file_sha256",
    "resolve_model",
]
