"""Composable annotators that draw the analysis on a video frame (OpenCV), for review and live.

Each annotator has one job and an ``annotate(frame, state) -> frame`` method; :func:`draw` runs
a list of them. Frames are RGB ``uint8`` at full resolution, drawn in place. Sizes scale with
the frame height so 480p and 1080p look alike.

Colours: ok green, warning amber, fault red. The skeleton shows the graded side only.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import cv2
import numpy as np

from hingecheck.core.faults import REGISTRY, warnings_at
from hingecheck.core.kinematics import SIDES
from hingecheck.render.cues import cue_for

if TYPE_CHECKING:  # pragma: no cover
    from hingecheck.core.analysis import FrameState
    from hingecheck.core.results import ClipResult

OK = (60, 200, 90)
WARN = (255, 190, 40)
FAULT = (235, 60, 50)
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
FONT = cv2.FONT_HERSHEY_SIMPLEX

#: Skeleton segments of the graded side and the body region they show.
SEGMENTS = (
    ("ear", "shoulder", "neck"),
    ("shoulder", "hip", "back"),
    ("hip", "knee", "thigh"),
    ("knee", "ankle", "shin"),
    ("ankle", "heel", "foot"),
    ("heel", "foot_index", "foot"),
    ("ankle", "foot_index", "foot"),
    ("shoulder", "elbow", "arm"),
    ("elbow", "wrist", "arm"),
)
#: Which body region each fault lights up (from the fault registry).
FAULT_REGIONS = {f.name: f.regions for f in REGISTRY}


@dataclass
class OverlayState:
    """What to draw on one frame. Positions in pixels of the frame; angles in degrees."""

    landmarks: np.ndarray | None = None  # (33, ≥2)
    side: str | None = None
    angles: dict = field(default_factory=dict)  # hip_flexion, knee_flexion, trunk_incline, spine_flexion
    contacts: np.ndarray | None = None  # (3, 2): sacral contact, upper-back contact, head point on the line
    contact_lost: tuple[bool, bool, bool] = (False, False, False)  # sacrum, upper back, head
    faults: tuple[str, ...] = ()  # lit in red on the skeleton
    warnings: tuple[str, ...] = ()  # lit in amber
    reps: int = 0
    last_verdict: str | None = None
    cue: str | None = None
    fps: float | None = None
    latency_ms: float | None = None

    @classmethod
    def from_clip(cls, i: int, landmarks: np.ndarray | None, result: ClipResult) -> OverlayState:
        """Frame ``i`` of a whole-clip analysis (review): ``landmarks`` ``(33, ≥2)`` px of that
        frame or None when no person was found. A rep's faults light once it has passed its
        bottom; warnings follow the per-frame rule live uses (``Kinematics.warnings``)."""
        k = result.kinematics
        if k is None:
            return cls()
        done = [r for r in result.reps if r.end_frame <= i]
        current = next((r for r in result.reps if r.start_frame <= i < r.end_frame), None)
        last = done[-1] if done else None
        warnings = warnings_at(k.warnings, i)
        return cls(
            landmarks=landmarks,
            side=k.side,
            angles={
                "hip_flexion": float(k.hip_flexion[i]),
                "knee_flexion": float(k.knee_flexion[i]),
                "trunk_incline": float(k.trunk_incline[i]),
                "spine_flexion": float(k.spine_flexion[i]),
            },
            contacts=None if k.dowel_contacts is None else k.dowel_contacts[i],
            contact_lost=_contacts_lost(warnings),
            faults=current.faults if current is not None and i >= current.bottom_frame else (),
            warnings=warnings,
            reps=len(done),
            last_verdict=last.verdict if last else None,
            cue=cue_for(last.faults[0]) if last and last.faults else None,
        )

    def scaled(self, sx: float, sy: float) -> OverlayState:
        """The same state for the frame resized by ``sx`` across and ``sy`` down: landmark and
        dowel positions in the resized frame's pixels (depth, angles and the rest unchanged)."""
        f = np.array([sx, sy], np.float32)
        lm = self.landmarks
        if lm is not None:
            lm = np.concatenate([lm[:, :2] * f, lm[:, 2:]], axis=1)
        return replace(self, landmarks=lm, contacts=None if self.contacts is None else self.contacts * f)

    @classmethod
    def from_frame(
        cls, state: FrameState, cue: str | None = None, fps: float | None = None, latency_ms: float | None = None
    ) -> OverlayState:
        """One live frame: the finished rep's faults light on the frame it ends."""
        last = state.last_rep
        return cls(
            landmarks=state.landmarks,
            side=state.side,
            angles=state.angles,
            contacts=state.contacts,
            contact_lost=_contacts_lost(state.warnings),
            warnings=state.warnings,
            faults=last.faults if state.new_rep is not None and last else (),
            reps=state.reps,
            last_verdict=last.verdict if last else None,
            cue=cue,
            fps=fps,
            latency_ms=latency_ms,
        )


def _contacts_lost(warnings: tuple[str, ...]) -> tuple[bool, bool, bool]:
    """Which dowel contacts (sacrum, upper back, head) a frame's warnings mark as lost."""
    return ("lumbar_rounding" in warnings, False, "neck_extension" in warnings)


class BaseAnnotator(ABC):
    """One thing drawn on a frame (as roboflow supervision's ``BaseAnnotator``): subclasses draw
    from an :class:`OverlayState` onto an RGB ``uint8`` frame in place and return it."""

    @abstractmethod
    def annotate(self, frame: np.ndarray, s: OverlayState) -> np.ndarray: ...


def _scale(frame: np.ndarray) -> float:
    return frame.shape[0] / 480.0


def _pt(p) -> tuple[int, int]:
    return int(round(float(p[0]))), int(round(float(p[1])))


def _text(frame, text, org, scale, color=WHITE, thick=1, bg=None):
    (w, h), base = cv2.getTextSize(text, FONT, scale, thick)
    x, y = org
    if bg is not None:
        cv2.rectangle(frame, (x - 4, y - h - 4), (x + w + 4, y + base + 4), bg, -1)
    # A dark outline (not an offset shadow, which reads as ghosted text once a window is scaled).
    cv2.putText(frame, text, (x, y), FONT, scale, BLACK, thick + 2, cv2.LINE_AA)
    cv2.putText(frame, text, (x, y), FONT, scale, color, thick, cv2.LINE_AA)
    return w, h


def _centered(frame, text, y, bg):
    """A line of large text centred horizontally at baseline ``y`` on a ``bg`` box."""
    k = _scale(frame)
    thick = max(2, int(2 * k))
    (w, _), _ = cv2.getTextSize(text, FONT, 0.8 * k, thick)
    _text(frame, text, (frame.shape[1] // 2 - w // 2, y), 0.8 * k, thick=thick, bg=bg)


class SkeletonAnnotator(BaseAnnotator):
    """Segments of the graded side, coloured by the state of the body region they show."""

    def annotate(self, frame: np.ndarray, s: OverlayState) -> np.ndarray:
        if s.landmarks is None or s.side is None:
            return frame
        idx = SIDES[s.side]
        bad = {r for f in s.faults for r in FAULT_REGIONS.get(f, ())}
        warn = {r for f in s.warnings for r in FAULT_REGIONS.get(f, ())}
        k = _scale(frame)
        for a, b, region in SEGMENTS:
            pa, pb = s.landmarks[idx[a], :2], s.landmarks[idx[b], :2]
            if not (np.isfinite(pa).all() and np.isfinite(pb).all()):
                continue
            color = FAULT if region in bad else WARN if region in warn else OK
            cv2.line(frame, _pt(pa), _pt(pb), color, max(2, int(4 * k)), cv2.LINE_AA)
        for name in ("ear", "shoulder", "hip", "knee", "ankle", "wrist"):
            p = s.landmarks[idx[name], :2]
            if np.isfinite(p).all():
                cv2.circle(frame, _pt(p), max(3, int(5 * k)), WHITE, -1, cv2.LINE_AA)
        return frame


class DowelAnnotator(BaseAnnotator):
    """The virtual dowel along the back, its three contact points red when contact is lost."""

    def annotate(self, frame: np.ndarray, s: OverlayState) -> np.ndarray:
        c = s.contacts
        if c is None or not np.isfinite(c[:2]).all():
            return frame
        k = _scale(frame)
        a, b = c[0], c[1]
        d = (b - a) / max(np.linalg.norm(b - a), 1e-6)
        ends = [a - 0.25 * np.linalg.norm(b - a) * d, c[2] if np.isfinite(c[2]).all() else b + 0.4 * (b - a)]
        cv2.line(frame, _pt(ends[0]), _pt(ends[1]), (230, 200, 120), max(2, int(3 * k)), cv2.LINE_AA)
        for p, lost in zip(c, s.contact_lost):
            if np.isfinite(p).all():
                cv2.circle(frame, _pt(p), max(4, int(7 * k)), FAULT if lost else OK, -1, cv2.LINE_AA)
                cv2.circle(frame, _pt(p), max(4, int(7 * k)), WHITE, 1, cv2.LINE_AA)
        return frame


class AngleLabelAnnotator(BaseAnnotator):
    """Hip, knee, trunk and spine angles beside the joints (degrees)."""

    LABELS = (("hip_flexion", "hip", "hip"), ("knee_flexion", "knee", "knee"), ("trunk_incline", "shoulder", "trunk"))

    def annotate(self, frame: np.ndarray, s: OverlayState) -> np.ndarray:
        if s.landmarks is None or s.side is None:
            return frame
        idx = SIDES[s.side]
        k = _scale(frame)
        for key, joint, label in self.LABELS:
            v = s.angles.get(key)
            p = s.landmarks[idx[joint], :2]
            if v is None or not np.isfinite(v) or not np.isfinite(p).all():
                continue
            _text(frame, f"{label} {v:.0f}", (int(p[0] + 12 * k), int(p[1] - 8 * k)), 0.5 * k, thick=max(1, int(k)))
        spine = s.angles.get("spine_flexion")
        if spine is not None and np.isfinite(spine) and s.contacts is not None and np.isfinite(s.contacts[0]).all():
            p = (s.contacts[0] + s.contacts[1]) / 2
            _text(frame, f"spine {spine:+.0f}", (int(p[0]), int(p[1] - 14 * k)), 0.5 * k, thick=max(1, int(k)))
        return frame


class RepCounterAnnotator(BaseAnnotator):
    """A large rep counter in the top-left corner."""

    def annotate(self, frame: np.ndarray, s: OverlayState) -> np.ndarray:
        k = _scale(frame)
        x0, y0, w, h = int(10 * k), int(10 * k), int(120 * k), int(90 * k)
        sub = frame[y0 : y0 + h, x0 : x0 + w]
        sub[:] = (sub * 0.35).astype(frame.dtype)
        _text(frame, "REPS", (x0 + int(10 * k), y0 + int(24 * k)), 0.55 * k, thick=max(1, int(k)))
        _text(frame, str(s.reps), (x0 + int(12 * k), y0 + int(78 * k)), 1.8 * k, thick=max(2, int(3 * k)))
        return frame


class VerdictBannerAnnotator(BaseAnnotator):
    """The last rep's verdict as a banner across the top."""

    def annotate(self, frame: np.ndarray, s: OverlayState) -> np.ndarray:
        if not s.last_verdict:
            return frame
        good = s.last_verdict == "neutral"
        text = "GOOD REP" if good else s.last_verdict.replace("_", " ").upper()
        _centered(frame, text, int(40 * _scale(frame)), OK if good else FAULT)
        return frame


class CueAnnotator(BaseAnnotator):
    """One short cue along the bottom of the frame."""

    def annotate(self, frame: np.ndarray, s: OverlayState) -> np.ndarray:
        if not s.cue:
            return frame
        _centered(frame, s.cue, frame.shape[0] - int(20 * _scale(frame)), (30, 30, 30))
        return frame


class StatsAnnotator(BaseAnnotator):
    """Frames per second and latency in the top-right corner."""

    def annotate(self, frame: np.ndarray, s: OverlayState) -> np.ndarray:
        parts = []
        if s.fps is not None:
            parts.append(f"{s.fps:.0f} fps")
        if s.latency_ms is not None:
            parts.append(f"{s.latency_ms:.0f} ms")
        if not parts:
            return frame
        k = _scale(frame)
        text = "  ".join(parts)
        (w, _), _ = cv2.getTextSize(text, FONT, 0.45 * k, 1)
        _text(frame, text, (frame.shape[1] - w - int(10 * k), int(20 * k)), 0.45 * k)
        return frame


def default_annotators(stats: bool = False) -> list[BaseAnnotator]:
    """The standard overlay: skeleton, dowel, angles, rep counter, verdict banner, cue (and stats)."""
    out = [
        SkeletonAnnotator(),
        DowelAnnotator(),
        AngleLabelAnnotator(),
        RepCounterAnnotator(),
        VerdictBannerAnnotator(),
        CueAnnotator(),
    ]
    if stats:
        out.append(StatsAnnotator())
    return out


def draw(frame: np.ndarray, state: OverlayState, annotators: list[BaseAnnotator] | None = None) -> np.ndarray:
    """Run the annotators over ``frame`` (in place) and return it."""
    for a in annotators if annotators is not None else default_annotators():
        frame = a.annotate(frame, state)
    return frame
