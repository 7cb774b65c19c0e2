"""Which of the people the model finds is the lifter (issue 12, failure mode 7: gyms have other
people in view).

The landmarker returns up to :attr:`~hingecheck.pose.landmarker.PoseSettings.num_poses` people
per frame, in no stable order. :class:`LifterTracker` keeps two tracks, each a mid-hip position,
a body size and the time it was last seen: the lifter, and the other person in view.

* **Acquire** (no lifter yet): the larger, more centred person (:func:`acquire_score`); the
  other one, if any, starts the other track.
* **Keep**: each frame the people are matched to the two tracks by the hip distance in body
  sizes (the pairing with the smaller sum). A lone person nearer the other track than the
  lifter's is the other person, so a lifter who leaves the view is *lost* (the frame has no
  lifter) instead of replaced by whoever stands beside them; the core says so
  (``lifter_lost_s``). That needs the other person *confirmed*: seen beside the lifter for
  :data:`OTHER_CONFIRM_S`. The model sometimes splits one bent-over lifter into two people for a
  frame; an other track made from that veto'd the lifter for the rest of the clip
  (``deadlift-web/good011``: 2 frames of 55 kept). A lone person with no confirmed other person
  is the lifter, wherever they are: on real clips the first frames' landmarks jump (box sizes
  2.4x apart a few frames apart, measured on a development clip), so a distance or size gate
  lost lifters who never left, and with one person in view there is nobody else to take.
* A person within :data:`DUPLICATE_BODIES` of the lifter is the same person found twice, never
  the other track.

Pure numpy over landmark arrays (pixels), so it is tested without the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hingecheck.core.exercise import MAX_FRAME_S
from hingecheck.core.series import INDEX

_HIPS = [INDEX["left_hip"], INDEX["right_hip"]]

#: Acquiring: the fraction of a person's size taken off at the frame's left or right edge (see
#: :func:`acquire_score`; 0.5: a person at the edge needs twice the size of one at the centre).
#: Project choice: a lifter is filmed from the middle of the frame; a clearly larger body still wins.
CENTRE_WEIGHT = 0.5
#: Changes when the choice changes, so cached landmarks of clips read with more than one person
#: looked for are read again (part of their cache key). 2: the other person must be confirmed.
TRACKER_VERSION = 2
#: Two people whose mid-hips lie closer than this many body sizes are one person found twice
#: (a body size is the longer side of the landmarks' box; two people side by side stand at least
#: a shoulder width apart, about a quarter of a standing body's height). Unitless.
DUPLICATE_BODIES = 0.15
#: The other person must have been seen beside the lifter (the same frames, as two people) for this
#: long (s, frame intervals added up, each at most ``core.exercise.MAX_FRAME_S``, as ``auto``
#: counts a pull's time) before a lone person near them is taken for them. Measured on the 48 real development clips with two people looked for:
#: a lifter split in two (``good009``, ``good011``, ``3_Deadlift``) or a front-view lifter found
#: twice (``good010``) is beside the lifter for 0.03-0.13 s; the people training behind the lifter
#: in ``bad016``, small and far, for 0.5 s; the rendered bystanders of the tests for their whole
#: clip. Project choice: the shortest rep (``lifter_lost_s``).
OTHER_CONFIRM_S = 0.5
#: The other person's track is forgotten after this long unseen (s). Project choice: longer than
#: a rep (so someone briefly hidden behind the lifter is still known), shorter than a set's rest.
OTHER_FORGET_S = 3.0


def hip_and_size(image: np.ndarray) -> tuple[np.ndarray, float]:
    """Mid-hip ``(2,)`` px and body size (the longer side of the 33 landmarks' box, px)."""
    xy = image[:, :2]
    hip = xy[_HIPS].mean(axis=0)
    span = np.nanmax(xy, axis=0) - np.nanmin(xy, axis=0)
    return hip.astype(np.float64), float(max(span.max(), 1.0))


def acquire_score(size: float, hip_x: float, width: float) -> float:
    """How much a person looks like the lifter when nobody is tracked yet: the body size (px),
    less :data:`CENTRE_WEIGHT` of it at the frame's left or right edge (linear in between)."""
    off = min(abs(hip_x - 0.5 * width) / (0.5 * width), 1.0) if width > 0 else 0.0
    return size * (1.0 - CENTRE_WEIGHT * off)


@dataclass
class _Track:
    hip: np.ndarray
    size: float
    t: float
    #: Seconds seen in the same frames as the lifter (the other person's track only).
    beside_s: float = 0.0

    def distance(self, hip: np.ndarray) -> float:
        """Hip distance in this track's body sizes."""
        return float(np.linalg.norm(hip - self.hip) / self.size)


class LifterTracker:
    """Chooses the lifter among each frame's people (see the module doc).

    Args:
        width: the frame's width (px), for "centred".
    """

    def __init__(self, width: float):
        self.width = float(width)
        self.lifter: _Track | None = None
        self.other: _Track | None = None
        self._last_t: float | None = None

    def choose(self, people: list[np.ndarray], t: float) -> int | None:
        """Index into ``people`` (each ``(33, 3)`` px landmarks) of the lifter at time ``t`` (s),
        or ``None`` when the lifter is not among them."""
        found = [hip_and_size(p) for p in people]
        dt = 0.0 if self._last_t is None else min(max(t - self._last_t, 0.0), MAX_FRAME_S)
        self._last_t = t
        if self.other is not None and t - self.other.t > OTHER_FORGET_S:
            self.other = None
        if not found:
            return None
        if self.lifter is None:
            scores = [acquire_score(s, h[0], self.width) for h, s in found]
            pick = int(np.argmax(scores))
        else:
            pick = self._match(found)
        if pick is not None:
            hip, size = found[pick]
            self.lifter = _Track(hip, size, t)
        self._update_other(found, pick, t, dt)
        return pick

    def _match(self, found) -> int | None:
        lifter, other = self.lifter, self.other
        d_lift = [lifter.distance(h) for h, _ in found]
        if other is None:
            return int(np.argmin(d_lift))
        d_other = [other.distance(h) for h, _ in found]
        if len(found) == 1:  # the one person here may be the other one, once that is a person for sure
            return 0 if d_lift[0] <= d_other[0] or other.beside_s < OTHER_CONFIRM_S else None
        # Two people, two tracks: the pairing with the smaller summed distance.
        return 0 if d_lift[0] + d_other[1] <= d_lift[1] + d_other[0] else 1

    def _update_other(self, found, pick: int | None, t: float, dt: float) -> None:
        rest = [i for i in range(len(found)) if i != pick]
        if pick is not None:
            rest = [i for i in rest if self.lifter.distance(found[i][0]) >= DUPLICATE_BODIES]
        if not rest:
            return
        if self.other is not None:
            i = min(rest, key=lambda k: self.other.distance(found[k][0]))
            beside = self.other.beside_s
        else:
            i = max(rest, key=lambda k: found[k][1])
            beside = 0.0
        self.other = _Track(found[i][0], found[i][1], t, beside + (dt if pick is not None else 0.0))


__all__ = ["TRACKER_VERSION", "LifterTracker", "acquire_score", "hip_and_size"]
