"""The synthetic lifter's body: anthropometric segments, a joint-angle pose → 3D joints and the
shaded primitives (spheres, swept along segments) the renderer draws.

Body frame (metres): X forward (the lifter's facing direction), Y up, Z toward the lifter's
left; the floor is Y = 0 and the ankles sit above X = 0. Segment lengths are fractions of the
body height from Winter's anthropometric table (Winter, Biomechanics and Motor Control of Human
Movement, 4th ed., table 4.1).

Pose angles (degrees), all in the sagittal plane:

* ``shin``: ankle→knee from vertical, + knee forward;
* ``knee``: knee flexion, 0 straight (thigh angle = knee − shin);
* ``pelvis``: hip→lumbosacral joint from vertical, + tipped forward (the hinge itself);
* ``lumbar``: lumbar flexion relative to the neutral standing curve, + rounded;
* ``thoracic``: thoracic flexion relative to neutral, + rounded;
* ``neck``: neck extension relative to the trunk, + head tipped back;
* ``arm``: the arms' swing forward (+) from hanging toward a point just in front of the knees
  (where a lifter keeping the load close holds it), and ``elbow`` flexion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Segment lengths and joint offsets as fractions of body height (Winter, table 4.1).
SHANK = 0.246
THIGH = 0.245
ANKLE_HEIGHT = 0.039
FOOT = 0.152
HEEL_BACK = 0.035  # heel behind the ankle
PELVIS = 0.085  # hip joint centre → lumbosacral joint
PELVIS_BACK = 0.035  # lumbosacral joint lies behind the hip joint centre
LUMBAR = 0.10
THORACIC = 0.16
SHOULDER_DROP = 0.035  # shoulder joint below C7 along the trunk
SHOULDER_FRONT = 0.035  # and in front of it
NECK = 0.06
HEAD_RADIUS = 0.06
UPPER_ARM = 0.186
FOREARM = 0.146
HAND = 0.07
HIP_HALF_WIDTH = 0.055
LOAD_CLEARANCE = 0.04  # hands (the load) this far in front of the knees
SHOULDER_HALF_WIDTH = 0.10
#: Neutral standing curve: the lumbar segment leans back and the thoracic forward (lordosis, kyphosis), degrees.
LUMBAR_NEUTRAL = -12.0
THORACIC_NEUTRAL = 14.0

POSE_KEYS = ("shin", "knee", "pelvis", "lumbar", "thoracic", "neck", "arm", "elbow")


@dataclass(frozen=True)
class Joints:
    """3D joint centres of one frame (metres, body frame), each ``(3,)``; sides ``(2, 3)`` [left, right]."""

    ankle: np.ndarray
    heel: np.ndarray
    toe: np.ndarray
    knee: np.ndarray
    hip: np.ndarray
    sacrum: np.ndarray
    t12: np.ndarray
    c7: np.ndarray
    shoulder: np.ndarray
    elbow: np.ndarray
    wrist: np.ndarray
    hand: np.ndarray
    head: np.ndarray
    ear: np.ndarray
    nose: np.ndarray
    eye: np.ndarray


def _dir(angle_deg: float) -> np.ndarray:
    """Unit vector in the sagittal plane at ``angle_deg`` from vertical-up, + forward."""
    a = np.radians(angle_deg)
    return np.array([np.sin(a), np.cos(a), 0.0])


def _perp(u: np.ndarray) -> np.ndarray:
    """The forward normal of a sagittal direction (u rotated −90°: up → forward)."""
    return np.array([u[1], -u[0], 0.0])


def joints(pose: dict, height: float = 1.75) -> Joints:
    """3D joints for a pose (see module doc). Both legs and both arms move together."""
    h = height
    side = np.array([[0, 0, 1.0], [0, 0, -1.0]])  # left, right
    ankle0 = np.array([0.0, ANKLE_HEIGHT * h, 0.0])
    thigh_angle = pose["knee"] - pose["shin"]
    knee0 = ankle0 + SHANK * h * _dir(pose["shin"])
    hip0 = knee0 - THIGH * h * np.array([np.sin(np.radians(thigh_angle)), -np.cos(np.radians(thigh_angle)), 0.0])
    pel = _dir(pose["pelvis"])
    sacrum = hip0 + PELVIS * h * pel - PELVIS_BACK * h * _perp(pel)
    lum_angle = pose["pelvis"] + LUMBAR_NEUTRAL + pose["lumbar"]
    t12 = sacrum + LUMBAR * h * _dir(lum_angle)
    tho_angle = lum_angle + THORACIC_NEUTRAL + pose["thoracic"]
    tho = _dir(tho_angle)
    c7 = t12 + THORACIC * h * tho
    shoulder0 = c7 - SHOULDER_DROP * h * tho + SHOULDER_FRONT * h * _perp(tho)
    neck_dir = _dir(tho_angle + 4.0 - pose["neck"])
    head0 = c7 + NECK * h * neck_dir + 0.5 * HEAD_RADIUS * h * neck_dir + 0.25 * HEAD_RADIUS * h * _perp(neck_dir)
    face = _perp(neck_dir)  # the way the face points
    nose0 = head0 + HEAD_RADIUS * h * (1.02 * face) - 0.1 * HEAD_RADIUS * h * neck_dir
    eye0 = head0 + 0.8 * HEAD_RADIUS * h * face + 0.3 * HEAD_RADIUS * h * neck_dir
    ear0 = head0 - 0.1 * HEAD_RADIUS * h * face
    # The hands keep the load close: the arms hang toward a point just in front of the knees
    # (as a lifter pulling the bar into the legs does), plus the pose's own arm swing.
    reach = (UPPER_ARM + FOREARM + 0.5 * HAND) * h
    target_x = knee0[0] + LOAD_CLEARANCE * h
    base = np.degrees(np.arcsin(np.clip((target_x - shoulder0[0]) / reach, -1.0, 1.0)))
    arm_angle = base + pose["arm"]
    arm = _dir(180.0 - arm_angle)  # hanging straight down at 0, swinging forward with +
    elbow0 = shoulder0 + UPPER_ARM * h * arm
    fore = _dir(180.0 - arm_angle - pose["elbow"])
    wrist0 = elbow0 + FOREARM * h * fore
    hand0 = wrist0 + HAND * h * fore
    heel0 = np.array([-HEEL_BACK * h, 0.02 * h, 0.0])
    toe0 = np.array([(FOOT - HEEL_BACK) * h, 0.015 * h, 0.0])

    def pair(p, half):
        return p[None, :] + half * h * side

    return Joints(
        ankle=pair(ankle0, HIP_HALF_WIDTH),
        heel=pair(heel0, HIP_HALF_WIDTH),
        toe=pair(toe0, HIP_HALF_WIDTH),
        knee=pair(knee0, HIP_HALF_WIDTH),
        hip=pair(hip0, HIP_HALF_WIDTH),
        sacrum=sacrum,
        t12=t12,
        c7=c7,
        shoulder=pair(shoulder0, SHOULDER_HALF_WIDTH),
        elbow=pair(elbow0, SHOULDER_HALF_WIDTH + 0.01),
        wrist=pair(wrist0, SHOULDER_HALF_WIDTH - 0.005),
        hand=pair(hand0, SHOULDER_HALF_WIDTH - 0.01),
        head=head0,
        ear=pair(ear0, 0.9 * HEAD_RADIUS),
        nose=nose0,
        eye=pair(eye0, 0.35 * HEAD_RADIUS),
    )


#: Colours (RGB 0-255) of the body parts.
SKIN = (214, 160, 128)
SHIRT = (46, 96, 168)
SHORTS = (38, 40, 52)
SHOE = (235, 235, 235)
HAIR = (45, 32, 24)
DARK = (25, 25, 30)
IRON = (40, 40, 44)


def _chain(points, radii, color, step: float = 0.35):
    """Spheres swept along a polyline with linearly varying radius (metres)."""
    out = []
    for (p, q), (r0, r1) in zip(zip(points[:-1], points[1:]), zip(radii[:-1], radii[1:])):
        length = float(np.linalg.norm(q - p))
        n = max(2, int(np.ceil(length / (step * min(r0, r1)))) + 1)
        for s in np.linspace(0.0, 1.0, n):
            out.append((p + s * (q - p), r0 + s * (r1 - r0), color))
    return out


def primitives(j: Joints, height: float = 1.75, load: str | None = None) -> list[tuple[np.ndarray, float, tuple]]:
    """The body as shaded spheres ``(centre (3,), radius, rgb)``, metres, body frame.

    ``load``: ``None``, ``"kettlebell"`` (held at the hands) or ``"bar"`` (a bar with plates at
    the hands).
    """
    h = height
    s: list = []
    for k in (0, 1):  # legs and arms, left then right
        s += _chain([j.heel[k], j.toe[k]], [0.03 * h, 0.022 * h], SHOE)
        s += _chain([j.ankle[k], j.heel[k] + np.array([0.01 * h, 0.01 * h, 0])], [0.028 * h, 0.03 * h], SHOE)
        s += _chain([j.ankle[k], j.knee[k]], [0.026 * h, 0.036 * h], SKIN)
        s += _chain([j.knee[k], j.hip[k]], [0.036 * h, 0.05 * h], SHORTS)
        s += _chain([j.shoulder[k], j.elbow[k]], [0.03 * h, 0.024 * h], SHIRT if k == 0 else SHIRT)
        s += _chain([j.elbow[k], j.wrist[k]], [0.022 * h, 0.018 * h], SKIN)
        s += _chain([j.wrist[k], j.hand[k]], [0.02 * h, 0.017 * h], SKIN)
    # Pelvis and glutes around the hip joints and the sacrum.
    mid_hip = j.hip.mean(axis=0)
    for dz in (-0.045 * h, 0.045 * h):
        off = np.array([0, 0, dz])
        s += _chain([mid_hip + off, j.sacrum + off], [0.06 * h, 0.055 * h], SHORTS)
        glute = mid_hip + 0.35 * (j.sacrum - mid_hip) - 0.02 * h * _perp(_unit(j.sacrum - mid_hip)) + off
        s.append((glute, 0.06 * h, SHORTS))
    # Trunk: two chains (left and right halves) along sacrum → T12 → C7, thick at the chest.
    for dz in (-0.05 * h, 0.05 * h):
        off = np.array([0, 0, dz])
        s += _chain(
            [j.sacrum + off, j.t12 + off, j.c7 + off - 0.02 * h * _unit(j.c7 - j.t12)],
            [0.055 * h, 0.058 * h, 0.05 * h],
            SHIRT,
        )
    # Chest volume in front of the thoracic spine.
    tho = _unit(j.c7 - j.t12)
    for dz in (-0.05 * h, 0.05 * h):
        off = np.array([0, 0, dz])
        s += _chain(
            [j.t12 + 0.03 * h * _perp(tho) + off, j.c7 - 0.03 * h * tho + 0.035 * h * _perp(tho) + off],
            [0.05 * h, 0.052 * h],
            SHIRT,
        )
    s += _chain([j.shoulder[0], j.shoulder[1]], [0.035 * h, 0.035 * h], SHIRT)
    # Neck and head with a face side.
    s += _chain([j.c7, j.head], [0.03 * h, 0.03 * h], SKIN)
    s.append((j.head, HEAD_RADIUS * h, SKIN))
    back = _unit(j.head - j.nose)
    s.append(
        (j.head + 0.25 * HEAD_RADIUS * h * back + np.array([0, 0.2 * HEAD_RADIUS * h, 0]), 0.9 * HEAD_RADIUS * h, HAIR)
    )
    s.append((j.nose, 0.018 * h, SKIN))
    for k in (0, 1):
        s.append((j.eye[k], 0.009 * h, DARK))
        s.append((j.ear[k], 0.016 * h, SKIN))
    hands = j.hand.mean(axis=0)
    if load == "kettlebell":
        s.append((hands + np.array([0, -0.09 * h / 1.75, 0]) * 1.0, 0.1, IRON))
    elif load == "bar":
        s += _chain([hands + np.array([0, 0, 0.4]), hands - np.array([0, 0, 0.4])], [0.016, 0.016], IRON)
    return s


def loose_shirt(j: Joints, rng: np.random.Generator, flap: float, height: float = 1.75) -> list:
    """A loose shirt hanging off the back, as spheres ``(centre, radius, rgb)``: cloth bulging
    behind the spine from the sacrum to C7 by a random 0..``flap`` (fraction of body height)
    afresh on every frame, the way a loose shirt billows and folds as the lifter moves. The
    spine under it (the ground truth) is untouched."""
    h = height
    out = []
    for a, b in ((j.sacrum, j.t12), (j.t12, j.c7)):
        back = -_perp(_unit(b - a))
        for s in np.linspace(0.1, 0.9, 4):
            centre = a + s * (b - a) + (0.035 * h + rng.uniform(0.0, flap) * h) * back
            out += [(centre + np.array([0, 0, dz]), 0.04 * h, SHIRT) for dz in (-0.05 * h, 0.05 * h)]
    return out


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v)
    return v / n if n > 0 else v
