"""What the analysis core hands to every feature (overlay, cues, reports, batch): typed results.

Plain dataclasses of numpy arrays and numbers; no OpenCV, no MediaPipe. Units are in the
field names or docstrings: angles in **degrees**, times in **seconds**, image positions in
**pixels** of the source frame.

The JSON schema of ``hingecheck score`` (``SCHEMA_VERSION``) is produced here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hingecheck.core.faults import FAULTS as _FAULTS

SCHEMA_VERSION = 2

#: Fault names, most important first: the verdict order (see :mod:`hingecheck.core.faults`).
FAULTS: tuple[str, ...] = _FAULTS
#: Notes inform without failing a rep.
NOTES: tuple[str, ...] = ("rushed_tempo", "shallow_depth", "spine_from_landmarks_only", "oblique_view", "partial_rep")
#: A rep (or clip) whose spine could not be judged and that shows no other fault.
NOT_JUDGED = "not_judged"
#: Clip verdicts besides a rep verdict.
CLIP_ONLY_VERDICTS: tuple[str, ...] = ("no_reps", "unusable_view", "not_judged")
NEUTRAL = "neutral"
EXERCISES: tuple[str, ...] = ("hinge", "good_morning", "deadlift", "kb_swing")
VIEWS: tuple[str, ...] = ("side", "oblique", "front", "unknown")


@dataclass(frozen=True)
class Kinematics:
    """Per-frame sagittal kinematics of one clip, all arrays ``(T,)`` float64, NaN where unknown.

    Angle conventions (degrees; see ``kinematics`` for the formulas):
        hip_flexion: 180 − shoulder-hip-knee angle; 0 standing tall, positive flexed.
        knee_flexion: 180 − hip-knee-ankle angle; 0 straight.
        trunk_incline: hip→shoulder from vertical; 0 upright, 90 horizontal, negative = leaning
            back behind the hips (signed with the facing direction).
        shin_angle: ankle→knee from vertical; positive when the knee is ahead of the ankle.
        neck_change: the neck angle (ear−shoulder direction relative to the trunk line,
            positive = extension) minus the lifter's standing value.
        spine_flexion: virtual-dowel equivalent flexion against a straight dowel (the standing
            outline subtracted only as far as it reads flexed); positive = rounded. From the mask
            when available, else the landmark-only fallback (``spine_source`` says which).
        head_offset: distance of the back of the head from the dowel line as seen (not relative
            to standing), as a fraction of trunk length; positive = head off the line.
    Other fields:
        t: seconds; side: "left" or "right" (the side nearer the camera); facing: +1 when the
        lifter faces +x (right in the image), −1 when facing left; valid: bool mask of frames
        with hip and knee angles (reps are segmented on ``hip_flexion``).
    """

    t: np.ndarray
    hip_flexion: np.ndarray
    knee_flexion: np.ndarray
    trunk_incline: np.ndarray
    shin_angle: np.ndarray
    neck_change: np.ndarray
    spine_flexion: np.ndarray
    head_offset: np.ndarray
    valid: np.ndarray
    side: str = "left"
    facing: int = 1
    spine_source: str = "mask"  # "mask" or "landmarks"
    dowel_contacts: np.ndarray | None = None  # (T, 3, 2) px: sacral contact, upper-back contact, head point on the line
    #: Per-frame warnings, fault name → bool (T,): what the frame already shows before its rep ends
    #: (the one rule of ``faults.frame_warnings``, as live applies it).
    warnings: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Rep:
    """One repetition, with its verdict and the evidence behind it (degrees, seconds)."""

    index: int  # 1-based
    start_frame: int
    bottom_frame: int
    end_frame: int
    start_s: float
    bottom_s: float
    end_s: float
    verdict: str
    faults: tuple[str, ...]
    notes: tuple[str, ...]
    hip_flexion_deg: float  # at the bottom
    knee_flexion_deg: float  # at the bottom
    trunk_incline_deg: float  # at the bottom
    # held through the rep (median over its frames), against a straight dowel; its peak is in evidence
    spine_flexion_deg: float
    descent_s: float
    ascent_s: float
    score: float  # 0-100: how far inside (100) or outside (0) the thresholds the rep stayed
    evidence: dict = field(default_factory=dict)  # extra named measurements (knee_hip_ratio, ...)
    #: Checks (fault names) that could not be judged on this rep, each with why, e.g.
    #: ``{"lumbar_rounding": "lifter too small for the pose model"}``: their faults are never called.
    not_judged: dict = field(default_factory=dict)
    #: 0-1: the share of this rep's checks that could be judged.
    confidence: float = 1.0

    def to_dict(self) -> dict:
        return {
            "index": self.index,
            "start_s": _r(self.start_s),
            "bottom_s": _r(self.bottom_s),
            "end_s": _r(self.end_s),
            "verdict": self.verdict,
            "faults": list(self.faults),
            "notes": list(self.notes),
            "hip_flexion_deg": _r(self.hip_flexion_deg, 1),
            "knee_flexion_deg": _r(self.knee_flexion_deg, 1),
            "trunk_incline_deg": _r(self.trunk_incline_deg, 1),
            "spine_flexion_deg": _r(self.spine_flexion_deg, 1),
            "descent_s": _r(self.descent_s),
            "ascent_s": _r(self.ascent_s),
            "score": _r(self.score, 1),
            "evidence": {k: _r(v, 3) if isinstance(v, float) else v for k, v in self.evidence.items()},
            "not_judged": dict(self.not_judged),
            "confidence": _r(self.confidence, 2),
        }


@dataclass(frozen=True)
class ClipResult:
    """The analysis of one clip: the ``clips[]`` entry of the JSON schema, plus the curves."""

    file: str
    status: str  # "ok" or "error"
    error: str | None = None
    exercise: str | None = "hinge"  # the profile judged by; None (null) for a clip that could not be read
    view: str = "unknown"
    frames: int | None = 0  # None (null) for a clip that could not be read: unknown, not 0
    fps: float | None = 0.0
    detected_fraction: float | None = 0.0
    verdict: str | None = None
    score: float | None = None
    reps: tuple[Rep, ...] = ()
    kinematics: Kinematics | None = None  # not serialised
    yaw_deg: float | None = None  # median body yaw against the image plane (90 = side view)
    why: str | None = None  # for no_reps / unusable_view / not_judged: the reason, one line
    warnings: tuple[str, ...] = ()  # what a user should know about the input (a truncated file, ...)

    def to_dict(self) -> dict:
        return {
            "file": self.file,
            "status": self.status,
            "error": self.error,
            "exercise": self.exercise,
            "view": self.view,
            "frames": self.frames,
            "fps": _r(self.fps, 3),
            "detected_fraction": _r(self.detected_fraction, 4),
            "verdict": self.verdict,
            "score": _r(self.score, 1),
            "yaw_deg": _r(self.yaw_deg, 1),
            "why": self.why,
            "warnings": list(self.warnings),
            "reps": [r.to_dict() for r in self.reps],
        }

    @classmethod
    def failed(cls, file: str, error: str) -> ClipResult:
        """A clip that could not be scored: what was not measured is unknown (``null``), never 0
        (a table's mean frame rate or share of frames with the lifter must not count it), and it
        was judged as no exercise (``null``: the one asked for, ``auto`` most often, is not a result).
        ``error`` is the problem; the clip is ``file``."""
        return cls(file=file, status="error", error=error, exercise=None, frames=None, fps=None, detected_fraction=None)


def _r(x, nd: int = 3):
    """Round a float for JSON; NaN and None become None (JSON has no NaN)."""
    if x is None:
        return None
    x = float(x)
    return None if not np.isfinite(x) else round(x, nd)
