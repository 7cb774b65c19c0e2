"""The boundary between the pose front end and the analysis core: a clip's landmarks as arrays.

Everything here is plain numpy (no OpenCV, no MediaPipe), so the core, the tests and the
synthetic renderer can build a :class:`PoseSeries` without a pose model.

Conventions
-----------
* ``T`` frames, ``J = 33`` MediaPipe pose landmarks (see :data:`LANDMARKS`; odd = left side).
* Image coordinates are **pixels** of the source frame (after rotation metadata is applied):
  x grows to the right, y grows **down**, origin at the top-left corner. ``image[..., 2]`` is
  MediaPipe's relative depth scaled by the frame width (pixels, smaller = nearer the camera).
* World coordinates are **metres**, origin at the mid-hip, as MediaPipe gives them (y down).
* Frames where no person was found have ``detected == False`` and NaN landmarks.
* ``t`` is the presentation time of each frame in **seconds** from the container, so variable
  frame rate clips keep their true timing.

Back profile (the input of the virtual dowel)
---------------------------------------------
For every frame the pose stream samples the segmentation mask along the hip→shoulder axis, from
the **mid-hip** (mean of image landmarks 23, 24) to the **mid-shoulder** (mean of 11, 12); in a
side view the two sides nearly coincide and the midpoints jitter less than either. At each station ``s`` in :data:`PROFILE_STATIONS` (fraction of the
hip→shoulder distance; 0 = hip, 1 = shoulder) it walks out along both normals of the axis and
records the distance, in pixels, to the first mask edge (probability < 0.5). Column 0 is the
normal obtained by rotating the hip→shoulder direction by +90° in image coordinates
(``(dx, dy) -> (-dy, dx)``), column 1 the opposite normal. Which of the two is the back depends
on the facing direction, which the core decides. NaN where the mask was unavailable or the
station lay outside the body.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

#: Names of the 33 MediaPipe pose landmarks, index = position.
LANDMARKS: tuple[str, ...] = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)
N_LANDMARKS = len(LANDMARKS)
INDEX = {name: i for i, name in enumerate(LANDMARKS)}

#: Stations of the back profile, as a fraction of the hip→shoulder distance (0 = hip, 1 = shoulder).
#: From a little below the hip (sacrum) to a little above the shoulder (upper back / base of neck).
PROFILE_STATIONS: np.ndarray = np.round(np.linspace(-0.2, 1.2, 29), 4) + 0.0
#: How far out along each normal the profile looks for the mask edge, as a fraction of the
#: hip→shoulder distance (a torso is far thinner than this; it only bounds the search).
PROFILE_REACH = 0.8


@dataclass(frozen=True)
class PoseSeries:
    """Pose landmarks of one clip, one row per frame (see the module docstring for units).

    Attributes:
        image: ``(T, 33, 3)`` float32, pixels (x right, y down, z relative depth in pixels).
        visibility: ``(T, 33)`` float32 in [0, 1]; MediaPipe's visibility score.
        world: ``(T, 33, 3)`` float32, metres, origin at the mid-hip, y down.
        t: ``(T,)`` float64, seconds from the start of the clip (container timestamps).
        detected: ``(T,)`` bool, a person was found in the frame.
        width, height: frame size in pixels (after rotation).
        fps: nominal frame rate (frames per second) from the container; ``t`` is authoritative.
        profile: ``(T, len(PROFILE_STATIONS), 2)`` float32 back-profile distances in pixels
            (see module docstring), or ``None`` when no segmentation mask was computed.
        source: where the frames came from (a path, ``camera:N``, or a label), for messages.
        expected_frames: frames the container announced (-1 unknown); fewer read means the file
            ends early (truncated) or was damaged.
        damaged_packets: packets the decoder could not read and skipped.
        scene_change: ``(T,)`` float32, how much the picture changed from the previous frame: the
            mean absolute grey-level difference (0-255) of a 64x36 thumbnail of the frame the model
            saw, NaN on the first frame (and after a live pause, and in the live core's rep windows
            when the caller measured none); ``None`` when not measured (synthetic series). A cut to
            another shot in an edited clip is a jump in it (:mod:`hingecheck.core.shots`).
        model_scale: pixels of the picture the pose model was given per source-frame pixel (the
            frame cropped to its content or to the lifter, then scaled down to the model's input
            width): 0.5 for a 1280-px-wide frame given at 640 px, 1 when given at full size; NaN
            when unknown (then taken as 1). How big the lifter is *for the model* decides what
            can be trusted, not the file's resolution.
    """

    image: np.ndarray
    visibility: np.ndarray
    world: np.ndarray
    t: np.ndarray
    detected: np.ndarray
    width: int
    height: int
    fps: float
    profile: np.ndarray | None = None
    source: str = ""
    meta: dict = field(default_factory=dict)
    expected_frames: int = -1
    damaged_packets: int = 0
    scene_change: np.ndarray | None = None
    model_scale: float = float("nan")

    def __post_init__(self) -> None:
        n = len(self.t)
        shapes = {
            "image": (n, N_LANDMARKS, 3),
            "visibility": (n, N_LANDMARKS),
            "world": (n, N_LANDMARKS, 3),
            "detected": (n,),
        }
        for name, shape in shapes.items():
            got = np.shape(getattr(self, name))
            if got != shape:
                raise ValueError(f"PoseSeries.{name}: shape {got}, expected {shape}")
        if self.profile is not None and np.shape(self.profile) != (n, len(PROFILE_STATIONS), 2):
            raise ValueError(
                f"PoseSeries.profile: shape {np.shape(self.profile)}, expected {(n, len(PROFILE_STATIONS), 2)}"
            )
        if self.scene_change is not None and np.shape(self.scene_change) != (n,):
            raise ValueError(f"PoseSeries.scene_change: shape {np.shape(self.scene_change)}, expected {(n,)}")

    @property
    def n_frames(self) -> int:
        return len(self.t)

    @property
    def detected_fraction(self) -> float:
        return float(np.mean(self.detected)) if len(self.detected) else 0.0

    def slice(self, start: int, stop: int) -> PoseSeries:
        """Frames ``start:stop`` as a new series (views, no copy)."""
        sl = slice(start, stop)
        return dataclasses.replace(
            self,
            image=self.image[sl],
            visibility=self.visibility[sl],
            world=self.world[sl],
            t=self.t[sl],
            detected=self.detected[sl],
            profile=None if self.profile is None else self.profile[sl],
            scene_change=None if self.scene_change is None else self.scene_change[sl],
        )

    # --- persistence -------------------------------------------------------------------------
    def to_npz(self, path: str | Path) -> None:
        """Write to ``path`` (numpy ``.npz``), atomically: a crash never leaves half a file."""
        from hingecheck.atomic import atomic_path

        arrays = dict(
            image=self.image,
            visibility=self.visibility,
            world=self.world,
            t=self.t,
            detected=self.detected,
            width=self.width,
            height=self.height,
            fps=self.fps,
            source=np.array(self.source),
            stations=PROFILE_STATIONS,
            expected_frames=self.expected_frames,
            damaged_packets=self.damaged_packets,
            model_scale=self.model_scale,
        )
        if self.profile is not None:
            arrays["profile"] = self.profile
        if self.scene_change is not None:
            arrays["scene_change"] = self.scene_change
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                np.savez_compressed(fh, **arrays)

    @classmethod
    def from_npz(cls, path: str | Path) -> PoseSeries:
        with np.load(path, allow_pickle=False) as z:
            profile = z["profile"] if "profile" in z.files else None
            if profile is not None and not np.array_equal(z["stations"], PROFILE_STATIONS):
                profile = None  # written with other stations: do not misread it
            return cls(
                image=z["image"],
                visibility=z["visibility"],
                world=z["world"],
                t=z["t"],
                detected=z["detected"].astype(bool),
                width=int(z["width"]),
                height=int(z["height"]),
                fps=float(z["fps"]),
                profile=profile,
                source=str(z["source"]),
                expected_frames=int(z["expected_frames"]) if "expected_frames" in z.files else -1,
                damaged_packets=int(z["damaged_packets"]) if "damaged_packets" in z.files else 0,
                scene_change=z["scene_change"] if "scene_change" in z.files else None,
                model_scale=float(z["model_scale"]) if "model_scale" in z.files else float("nan"),
            )

    @classmethod
    def empty(cls, width: int, height: int, fps: float, source: str = "", with_profile: bool = True) -> PoseSeries:
        """A valid series with no frames (a clip with no decodable frames)."""
        return cls(
            image=np.zeros((0, N_LANDMARKS, 3), np.float32),
            visibility=np.zeros((0, N_LANDMARKS), np.float32),
            world=np.zeros((0, N_LANDMARKS, 3), np.float32),
            t=np.zeros(0),
            detected=np.zeros(0, bool),
            width=width,
            height=height,
            fps=fps,
            profile=np.zeros((0, len(PROFILE_STATIONS), 2), np.float32) if with_profile else None,
            source=source,
        )
