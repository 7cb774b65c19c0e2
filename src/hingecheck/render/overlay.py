"""Composable annotators that draw the analysis on a video frame (OpenCV), for review and live.

Each annotator has one job and an ``annotate(frame, state) -> frame`` method; :func:`draw` runs
a list of them. Frames are RGB ``uint8`` at full resolution, drawn in place. Sizes scale with
the frame's shorter side (its height in landscape) so 480p and 1080p look alike and a portrait
phone frame gets the sizes of the same picture in landscape. :func:`layout` places the text
boxes (rep counter top left, stats top right, verdict banner, cue along the bottom) so they
stay inside the frame and never overlap: text too wide is wrapped or made smaller.

Colours: ok green, warning amber, fault red. The skeleton shows the graded side only.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import cv2
import numpy as np

from hingecheck.core.dowel import spine_words
from hingecheck.core.faults import REGISTRY, warnings_at
from hingecheck.core.kinematics import SIDES
from hingecheck.render.cues import SETUP_CUES, cue_for, rep_cue

if TYPE_CHECKING:  # pragma: no cover
    from hingecheck.core.results import ClipResult, Rep
    from hingecheck.core.streaming import FrameState

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
    #: Screen px per frame px where the frame is shown in a window (live: the window's picture
    #: over the frame), None for a file: text is then grown to stay readable on the screen
    #: (:func:`readable`).
    display_scale: float | None = None

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
            cue=cue_for(last.faults[0]) if last and last.faults else _abstain_cue(result.verdict),
        )

    def as_rep(self, rep: Rep) -> OverlayState:
        """The frame as a picture of ``rep`` alone (a report's thumbnail): the counter at its
        number, its own verdict on the banner, its cue and its faults lit. ``from_clip`` shows
        the last *finished* rep's, as the video plays, which at a rep's bottom is the rep before:
        a thumbnail captioned "rep 2: neck extension" read "LUMBAR ROUNDING - Brace"."""
        return replace(self, reps=rep.index, last_verdict=rep.verdict, cue=rep_cue(rep), faults=rep.faults)

    def scaled(self, sx: float, sy: float) -> OverlayState:
        """The same state for the frame resized by ``sx`` across and ``sy`` down: landmark and
        dowel positions in the resized frame's pixels (depth, angles and the rest unchanged)."""
        f = np.array([sx, sy], np.float32)
        lm = self.landmarks
        if lm is not None:
            lm = np.concatenate([lm[:, :2] * f, lm[:, 2:]], axis=1)
        return replace(self, landmarks=lm, contacts=None if self.contacts is None else self.contacts * f)

    def moved(self, dx: float, dy: float) -> OverlayState:
        """The same state for the frame cropped at ``(-dx, -dy)``: landmark and dowel positions
        moved by ``dx`` across and ``dy`` down (a thumbnail cut around the lifter)."""
        d = np.array([dx, dy], np.float32)
        lm = self.landmarks
        if lm is not None:
            lm = np.concatenate([lm[:, :2] + d, lm[:, 2:]], axis=1)
        return replace(self, landmarks=lm, contacts=None if self.contacts is None else self.contacts + d)

    @classmethod
    def from_frame(
        cls, state: FrameState, cue: str | None = None, fps: float | None = None, latency_ms: float | None = None
    ) -> OverlayState:
        """One live frame: the finished rep's faults light on the frame it ends. A front view
        shows no angles or dowel: a hinge toward the camera foreshortens (a 90-deg hip read 30)."""
        last = state.last_rep
        front = state.view == "front"
        return cls(
            landmarks=state.landmarks,
            side=state.side,
            angles={} if front else state.angles,
            contacts=None if front else state.contacts,
            contact_lost=_contacts_lost(state.warnings),
            warnings=state.warnings,
            faults=last.faults if state.new_rep is not None and last else (),
            reps=state.reps,
            last_verdict=last.verdict if last else None,
            cue=cue,
            fps=fps,
            latency_ms=latency_ms,
        )


def _abstain_cue(verdict: str | None) -> str | None:
    """What a clip the tool would not judge asks for, on every frame of its video (a front view
    showed angles and a rep counter at 0 with nothing saying why no rep was judged)."""
    return SETUP_CUES["front"] if verdict == "unusable_view" else None


def _contacts_lost(warnings: tuple[str, ...]) -> tuple[bool, bool, bool]:
    """Which dowel contacts (sacrum, upper back, head) a frame's warnings mark as lost."""
    return ("lumbar_rounding" in warnings, False, "neck_extension" in warnings)


class BaseAnnotator(ABC):
    """One thing drawn on a frame (as roboflow supervision's ``BaseAnnotator``): subclasses draw
    from an :class:`OverlayState` onto an RGB ``uint8`` frame in place and return it."""

    @abstractmethod
    def annotate(self, frame: np.ndarray, s: OverlayState) -> np.ndarray: ...


def degrees(v: float, signed: bool = False) -> str:
    """An angle in degrees as drawn beside a joint: the nearest whole degree (``0`` for anything
    under half a degree either way: "-0", what ``f"{-0.3:.0f}"`` gives, reads as a fault's sign);
    with ``signed``, a sign always (``+0``, ``+7``, ``-3``)."""
    n = int(round(v))
    return f"{n:+d}" if signed else f"{n:d}"


def _scale(frame: np.ndarray) -> float:
    """Size factor of a frame: its shorter side over 480 px (the height of a landscape frame)."""
    return min(frame.shape[:2]) / 480.0


#: The smallest text on the screen (px, OpenCV's text height; the capitals are about 3/4 of it)
#: for a lifter 2-3 m from it: the angle labels, and the verdict banner and cue (the words that
#: matter most). Sized by the frame alone, a 640x480 camera in the window Qt's toolbar shrinks
#: to 557x418 drew its labels with capitals 8-9 px tall. 30 px puts the labels' capitals at about
#: 22 px: 5.6 mm on a 100-dpi screen, 7.7 arc minutes at 2.5 m (the letters of 20/20 sight are
#: 5); the banner and cue, 36. Larger would cover the lifter in a small window: a larger window
#: shows all of it larger (the text keeps its share of the picture above these sizes).
LABEL_MIN_SCREEN_PX = 30
CUE_MIN_SCREEN_PX = 36
#: OpenCV's height of text at font scale 1, px.
_UNIT_H = cv2.getTextSize("H", FONT, 1.0, 1)[0][1]


def readable(scale: float, display_scale: float | None, min_px: float) -> float:
    """Font ``scale`` for a frame shown at ``display_scale`` screen px per frame px: as given
    (text then grows and shrinks with the window), or larger where the window would show it
    under ``min_px`` px tall; as given for a frame not shown in a window (None)."""
    if not display_scale or display_scale <= 0:
        return scale
    return max(scale, min_px / (_UNIT_H * display_scale))


def _pt(p) -> tuple[int, int]:
    return int(round(float(p[0]))), int(round(float(p[1])))


def _drawable(text: str) -> str:
    """``text`` in the characters OpenCV's Hershey font has (it draws any other as ``?``)."""
    return text.replace("\u2014", "-").replace("\u2013", "-").replace("\u2019", "'")


#: Offsets (px) at which a text's dark outline is stamped: one pixel all round its letters.
_RING = ((-1, -1), (0, -1), (1, -1), (-1, 0), (1, 0), (-1, 1), (0, 1), (1, 1))


def draw_text(frame, text, org, scale, color=WHITE, thick=1, bg=None):
    (w, h), base = cv2.getTextSize(text, FONT, scale, thick)
    x, y = org
    if bg is not None:
        cv2.rectangle(frame, (x - 4, y - h - 4), (x + w + 4, y + base + 4), bg, -1)
    # A dark outline (not an offset shadow, which reads as ghosted text once a window is scaled):
    # the text itself stamped 1 px around, not one stroke 2 px thicker. OpenCV 5 draws every
    # thickness from 2 up alike, in a bold face whose letters are wider than thickness 1's: a
    # thicker stroke there ran ahead of thin text letter by letter ("trunk 79" with a dark "9"
    # after it) and hid under bold text, which got no outline at all (8 µs a stamp).
    for dx, dy in _RING:
        cv2.putText(frame, text, (x + dx, y + dy), FONT, scale, BLACK, thick, cv2.LINE_AA)
    cv2.putText(frame, text, (x, y), FONT, scale, color, thick, cv2.LINE_AA)
    return w, h


#: Padding of a text box around its text, px.
PAD = 4

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 px: the pixels x0 <= x < x1, y0 <= y < y1


@dataclass(frozen=True)
class TextBlock:
    """Lines of text placed on a frame: font scale and thickness, each line's baseline origin
    (px) and the box around them, padding included."""

    lines: tuple[str, ...]
    scale: float
    thick: int
    origins: tuple[tuple[int, int], ...]
    box: Box


@dataclass(frozen=True)
class Layout:
    """Where the rep counter, stats, verdict banner and cue go on one frame (None: not shown)."""

    counter: Box
    stats: TextBlock | None
    banner: TextBlock | None
    cue: TextBlock | None


def _width(text: str, scale: float, thick: int) -> int:
    return cv2.getTextSize(text, FONT, scale, thick)[0][0]


def _split(text: str, scale: float, thick: int) -> list[str]:
    """``text`` on two lines broken at the space that makes the wider line narrowest."""
    words = text.split()
    if len(words) < 2:
        return [text]
    pairs = ([" ".join(words[:n]), " ".join(words[n:])] for n in range(1, len(words)))
    return min(pairs, key=lambda ab: max(_width(t, scale, thick) for t in ab))


def _fit(text: str, max_w: int, scale: float, thick: int, lines: int) -> tuple[list[str], float]:
    """Lines and font scale that fit ``text`` in ``max_w`` px: whole at ``scale``, else (with
    ``lines`` = 2) broken onto two balanced lines, else made smaller in 10% steps (to a tenth)."""
    floor = scale / 10
    while True:
        out = [text] if lines < 2 or _width(text, scale, thick) <= max_w else _split(text, scale, thick)
        if all(_width(t, scale, thick) <= max_w for t in out) or scale * 0.9 < floor:
            return out, scale
        scale *= 0.9


def _line_step(scale: float, thick: int) -> int:
    """Baseline to baseline of wrapped lines, px: a line with descenders and both paddings."""
    (_, h), base = cv2.getTextSize("Hg", FONT, scale, thick)
    return h + base + 2 * PAD


def _block(lines: list[str], scale: float, thick: int, left: int, right: int, last_baseline: int) -> TextBlock:
    """``lines`` one under the other, each centred between x = ``left`` and ``right`` px, the
    last one's baseline at ``last_baseline`` px."""
    step = _line_step(scale, thick)
    sizes = [cv2.getTextSize(t, FONT, scale, thick) for t in lines]
    first = last_baseline - (len(lines) - 1) * step
    origins = tuple(((left + right) // 2 - w // 2, first + n * step) for n, ((w, _), _) in enumerate(sizes))
    (_, h), _ = sizes[0]
    x0 = min(x for x, _ in origins) - PAD
    x1 = max(x + w for (x, _), ((w, _), _) in zip(origins, sizes)) + PAD + 1
    return TextBlock(
        tuple(lines), scale, thick, origins, (x0, first - h - PAD, x1, last_baseline + sizes[-1][1] + PAD + 1)
    )


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _counter_box(shape: tuple[int, ...]) -> Box:
    k = min(shape[:2]) / 480.0
    x0, y0 = int(10 * k), int(10 * k)
    return x0, y0, x0 + int(120 * k), y0 + int(90 * k)


def _stats_block(shape: tuple[int, ...], text: str) -> TextBlock:
    k = min(shape[:2]) / 480.0
    tw = _width(text, 0.45 * k, 1)
    mid = shape[1] - tw - int(10 * k) + tw // 2  # its right end 10 px (at 480p) from the edge
    return _block([text], 0.45 * k, 1, mid, mid, int(20 * k))


def _big_text(k: float, display_scale: float | None) -> tuple[float, int]:
    """Font scale and thickness of the banner and the cue (``k``: the frame's size factor)."""
    scale = readable(0.8 * k, display_scale, CUE_MIN_SCREEN_PX)
    return scale, max(2, int(2.5 * scale))


def _banner_block(shape: tuple[int, ...], text: str, taken: list[Box], display_scale: float | None = None) -> TextBlock:
    """The verdict banner: centred across the top; where that would cover a ``taken`` box (the
    rep counter, the stats: a narrow frame), centred in the room between them, made smaller if
    it does not fit there."""
    h, w = shape[:2]
    k = min(h, w) / 480.0
    (scale, thick), margin = _big_text(k, display_scale), int(10 * k)
    y = int(40 * k)
    centred = _block([text], scale, thick, 0, w, y)
    beside = [b for b in taken if _overlaps((0, centred.box[1], w, centred.box[3]), b)]
    if not any(_overlaps(centred.box, b) for b in beside):
        return centred
    left = max([b[2] for b in beside if b[0] < w // 2], default=0) + margin
    right = min([b[0] for b in beside if b[0] >= w // 2], default=w) - margin
    lines, fitted = _fit(text, right - left - 2 * PAD, scale, thick, 1)
    return _block(lines, fitted, thick, left, right, y)


def _cue_block(shape: tuple[int, ...], text: str, display_scale: float | None = None) -> TextBlock:
    """The cue, centred along the bottom: wrapped onto two lines or made smaller to fit the width."""
    h, w = shape[:2]
    k = min(h, w) / 480.0
    (scale, thick), margin = _big_text(k, display_scale), int(10 * k)
    lines, fitted = _fit(text, w - 2 * margin - 2 * PAD, scale, thick, 2)
    return _block(lines, fitted, thick, 0, w, h - int(20 * k))


def _inside(b: TextBlock, shape: tuple[int, ...]) -> TextBlock:
    """``b`` moved the least that puts its box inside a frame of ``shape`` (height, width, ...):
    at small sizes the padding and outline reach past the margins the blocks are placed by (the
    stats box of a 200-px-wide frame ended 1 px past its right and top edges). A box larger than
    the frame keeps its left or top edge on the frame's."""
    h, w = shape[:2]
    x0, y0, x1, y1 = b.box
    dx = max(-x0, min(0, w - x1))
    dy = max(-y0, min(0, h - y1))
    if not (dx or dy):
        return b
    return replace(b, origins=tuple((x + dx, y + dy) for x, y in b.origins), box=(x0 + dx, y0 + dy, x1 + dx, y1 + dy))


def _banner_text(verdict: str) -> str:
    return "GOOD REP" if verdict == "neutral" else verdict.replace("_", " ").upper()


def layout(shape: tuple[int, ...], s: OverlayState) -> Layout:
    """The text boxes of a frame of ``shape`` (height, width, ...) showing ``s``, each inside the
    frame. The rep counter always keeps its corner, so the banner never covers it whether it is
    drawn or not."""
    counter = _counter_box(shape)
    parts = ([f"{s.fps:.0f} fps"] if s.fps is not None else []) + (
        [f"{s.latency_ms:.0f} ms"] if s.latency_ms is not None else []
    )
    stats = _inside(_stats_block(shape, "  ".join(parts)), shape) if parts else None
    taken = [counter] + ([stats.box] if stats else [])
    d = s.display_scale
    banner = _inside(_banner_block(shape, _banner_text(s.last_verdict), taken, d), shape) if s.last_verdict else None
    cue = _inside(_cue_block(shape, _drawable(s.cue), d), shape) if s.cue else None
    return Layout(counter, stats, banner, cue)


def _draw_block(frame: np.ndarray, b: TextBlock, color=WHITE, bg=None) -> None:
    if bg is not None:
        x0, y0, x1, y1 = b.box
        cv2.rectangle(frame, (x0, y0), (x1 - 1, y1 - 1), bg, -1)
    for line, org in zip(b.lines, b.origins):
        draw_text(frame, line, org, b.scale, color, b.thick)


def _label_box(frame: np.ndarray, text: str, org: tuple[int, int], scale: float, thick: int) -> Box:
    """Where :func:`_label` draws ``text`` at ``org``: its box (px), the outline included."""
    (w, h), base = cv2.getTextSize(text, FONT, scale, thick)
    x = max(0, min(org[0], frame.shape[1] - w - 2))
    return x - 2, org[1] - h - 2, x + w + 2, org[1] + base + 2


def _label(frame: np.ndarray, text: str, org: tuple[int, int], scale: float, thick: int) -> Box:
    """``text`` at ``org`` (px), moved left where it would run off the frame's right edge; its box."""
    box = _label_box(frame, text, org, scale, thick)
    draw_text(frame, text, (box[0] + 2, org[1]), scale, thick=thick)
    return box


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
        scale = readable(0.5 * k, s.display_scale, LABEL_MIN_SCREEN_PX)
        thick = max(1, int(2 * scale))
        # Never under the counter, banner or cue, drawn over the labels later (text grown for a
        # small window reached them: "GOOD REP" over the spine label).
        boxes = layout(frame.shape, s)
        reserved = [boxes.counter] + [b.box for b in (boxes.banner, boxes.cue) if b is not None]

        def free(text: str, tries: list[tuple[int, int]], avoid: list[Box]) -> tuple[int, int]:
            """The first place in ``tries`` where ``text`` covers none of ``avoid``; else, at one of
            the tries' x, the free height in the frame nearest the first try (on a small frame a
            shoulder near the top had all three tries under the banner); else the first."""

            def clear(o: tuple[int, int]) -> bool:
                return not any(_overlaps(_label_box(frame, text, o, scale, thick), b) for b in avoid)

            found = next((o for o in tries if clear(o)), None)
            if found is not None:
                return found
            (_, h), base = cv2.getTextSize(text, FONT, scale, thick)
            heights = range(h + 2, frame.shape[0] - base - 2, max(2, h // 3))  # the label's box inside the frame
            xs = dict.fromkeys(x for x, _ in tries)
            near = [(x, y) for x in xs for y in heights if clear((x, y))]
            x0, y0 = tries[0]
            return min(near, key=lambda o: (o[0] - x0) ** 2 + (o[1] - y0) ** 2, default=tries[0])

        taken = []
        for key, joint, label in self.LABELS:
            v = s.angles.get(key)
            p = s.landmarks[idx[joint], :2]
            if v is None or not np.isfinite(v) or not np.isfinite(p).all():
                continue
            text = f"{label} {degrees(v)}"
            (w, h), _ = cv2.getTextSize(text, FONT, scale, thick)
            x, y = int(p[0] + 12 * k), int(p[1] - 8 * k)  # right of the joint, else below it, else left
            org = free(text, [(x, y), (x, int(p[1] + 8 * k + h)), (int(p[0] - 12 * k - w), y)], reserved)
            taken.append(_label(frame, text, org, scale, thick))
        spine = s.angles.get("spine_flexion")
        if spine is not None and np.isfinite(spine) and s.contacts is not None and np.isfinite(s.contacts[0]).all():
            p = (s.contacts[0] + s.contacts[1]) / 2
            text = f"spine {spine_words(spine)}"  # "spine 28 arched", not "spine -28"
            # Above the dowel's middle, else below it, else further up, then the same left of it:
            # at a pull's bottom the middle of the back sits by the shoulder and the label was
            # written over "trunk".
            (w, h), _ = cv2.getTextSize(text, FONT, scale, thick)
            step = h + int(10 * k)
            ys = [int(p[1] - 14 * k), int(p[1] + 14 * k + h)] + [int(p[1] - 14 * k) - n * step for n in (1, 2, 3)]
            tries = [(int(p[0]), y) for y in ys] + [(int(p[0] - w - 16 * k), y) for y in ys]
            org = free(text, tries, taken + reserved)
            _label(frame, text, org, scale, thick)
        return frame


class RepCounterAnnotator(BaseAnnotator):
    """A large rep counter in the top-left corner."""

    def annotate(self, frame: np.ndarray, s: OverlayState) -> np.ndarray:
        k = _scale(frame)
        x0, y0, x1, y1 = _counter_box(frame.shape)
        sub = frame[y0:y1, x0:x1]
        sub[:] = (sub * 0.35).astype(frame.dtype)
        draw_text(frame, "REPS", (x0 + int(10 * k), y0 + int(24 * k)), 0.55 * k, thick=max(1, int(k)))
        draw_text(frame, str(s.reps), (x0 + int(12 * k), y0 + int(78 * k)), 1.8 * k, thick=max(2, int(3 * k)))
        return frame


class VerdictBannerAnnotator(BaseAnnotator):
    """The last rep's verdict as a banner across the top."""

    def annotate(self, frame: np.ndarray, s: OverlayState) -> np.ndarray:
        b = layout(frame.shape, s).banner
        if b is not None:
            _draw_block(frame, b, bg=OK if s.last_verdict == "neutral" else FAULT)
        return frame


class CueAnnotator(BaseAnnotator):
    """One short cue along the bottom of the frame."""

    def annotate(self, frame: np.ndarray, s: OverlayState) -> np.ndarray:
        b = layout(frame.shape, s).cue
        if b is not None:
            _draw_block(frame, b, bg=(30, 30, 30))
        return frame


class StatsAnnotator(BaseAnnotator):
    """Frames per second and latency in the top-right corner."""

    def annotate(self, frame: np.ndarray, s: OverlayState) -> np.ndarray:
        b = layout(frame.shape, s).stats
        if b is not None:
            _draw_block(frame, b)
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
