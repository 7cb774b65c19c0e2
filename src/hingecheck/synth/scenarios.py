"""Labelled scenarios: joint-angle trajectories over time, rendered to clips with ground truth.

A scenario is a list of reps, each with its own bottom pose and timing, performed by one lifter
seen by one camera. :func:`render_scenario` writes the clip (H.264 MP4) and returns the ground
truth: per-frame angles (degrees, the conventions of :mod:`hingecheck.core.kinematics`, computed from
the true joint centres in the sagittal plane), the rep each frame belongs to, and the expected
verdicts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from hingecheck.atomic import write_text
from hingecheck.render.videoio import H264Writer
from hingecheck.synth.body import POSE_KEYS, SHIRT, joints, loose_shirt, primitives
from hingecheck.synth.render import Camera, background, render

STAND = dict(shin=0.0, knee=3.0, pelvis=0.0, lumbar=0.0, thoracic=0.0, neck=0.0, arm=0.0, elbow=5.0)
#: Bottom poses (degrees) per kind of rep; see hingecheck.synth.body for the angle meanings.
BOTTOMS = {
    # RDL-like: knees ~20, hips ~90 at the bottom (issue: knees 15-25, hips 80-100).
    "neutral": dict(shin=6.0, knee=20.0, pelvis=78.0, lumbar=0.0, thoracic=0.0, neck=0.0, arm=0.0, elbow=5.0),
    # Knees 80, hips drop, shins forward.
    "squatty_hinge": dict(shin=30.0, knee=82.0, pelvis=45.0, lumbar=0.0, thoracic=0.0, neck=0.0, arm=0.0, elbow=5.0),
    # Neutral legs, 35 deg of lumbar flexion at the bottom (issue: 25-40).
    "lumbar_rounding": dict(shin=6.0, knee=20.0, pelvis=55.0, lumbar=35.0, thoracic=12.0, neck=0.0, arm=0.0, elbow=5.0),
    # Neutral hinge, head tipped back 40 deg.
    "neck_extension": dict(shin=6.0, knee=20.0, pelvis=78.0, lumbar=0.0, thoracic=0.0, neck=40.0, arm=0.0, elbow=5.0),
    "lockout_hyperextension": dict(
        shin=6.0, knee=20.0, pelvis=78.0, lumbar=0.0, thoracic=0.0, neck=0.0, arm=0.0, elbow=5.0
    ),
    # Good morning (dowel drill style, hands down the legs), knees nearly straight.
    "good_morning": dict(shin=2.0, knee=8.0, pelvis=75.0, lumbar=0.0, thoracic=0.0, neck=0.0, arm=0.0, elbow=5.0),
    # Kettlebell deadlift from the floor: a lot more knee bend in a correct pull.
    "deadlift": dict(shin=18.0, knee=70.0, pelvis=72.0, lumbar=0.0, thoracic=0.0, neck=0.0, arm=0.0, elbow=3.0),
    "hips_rise_first": dict(shin=18.0, knee=70.0, pelvis=72.0, lumbar=0.0, thoracic=0.0, neck=0.0, arm=0.0, elbow=3.0),
    # Kettlebell swing: hips ~75, knees ~30; arms swing up to the chest at the top.
    "kb_swing": dict(shin=8.0, knee=30.0, pelvis=70.0, lumbar=0.0, thoracic=0.0, neck=0.0, arm=0.0, elbow=3.0),
}
#: The verdict each kind of rep should get.
EXPECTED = {
    "neutral": "neutral",
    "squatty_hinge": "squatty_hinge",
    "lumbar_rounding": "lumbar_rounding",
    "neck_extension": "neck_extension",
    "lockout_hyperextension": "lockout_hyperextension",
    "good_morning": "neutral",
    "deadlift": "neutral",
    "hips_rise_first": "hips_rise_first",
    "kb_swing": "neutral",
}
#: How far the trunk tips forward while the hips shoot up (degrees of pelvis flexion at its peak).
HIPS_FIRST_TIP_DEG = 12.0
#: Lean-back at the lockout of a hyperextended rep (degrees of pelvis and lumbar extension).
HYPEREXTENSION = dict(pelvis=-16.0, lumbar=-14.0)


@dataclass(frozen=True)
class Timing:
    """Seconds of each phase of a rep."""

    descent: float = 1.5
    pause: float = 0.3
    ascent: float = 1.2
    top: float = 0.8


@dataclass(frozen=True)
class Bystander:
    """A second person in view who never hinges (issue 12: gyms have other people in view):
    standing, or walking at a constant speed, the arms swaying a little. Metres and degrees in
    the lifter's body frame (x the lifter's forward, z toward the lifter's left: a yaw-0 camera
    looks toward +z, so a positive ``z`` stands behind the lifter in depth)."""

    x: float = -1.2  # m along the lifter's forward axis at t = 0 (negative: behind the lifter's back)
    z: float = 1.0  # m toward the lifter's left
    speed: float = 0.0  # m/s along x (0: standing)
    height: float = 1.7  # m (the lifter is 1.75)
    facing: float = 90.0  # deg about the vertical from the lifter's facing; 90: toward a yaw-0 camera
    shirt: tuple = (150, 52, 48)  # RGB, so the two are told apart in a frame by eye


#: A lifter stepping out of view walks this far (m) along their backward axis, in STEP_WALK_S.
STEP_OUT_M = 3.2
STEP_WALK_S = 0.8


@dataclass(frozen=True)
class Scenario:
    """A clip to render: reps (kinds from :data:`BOTTOMS`), camera, scene, timing, seed."""

    name: str
    exercise: str
    reps: tuple[str, ...]
    yaw: float = 0.0
    timing: Timing = field(default_factory=Timing)
    lead_in: float = 1.2
    tail: float = 0.8
    from_floor: bool = False  # deadlift: set up at the floor first, reps start from there
    walk_in: float = 0.0  # seconds the lifter takes to walk in from off screen
    load: str | None = None
    fps: float = 30.0
    width: int = 640
    height: int = 480
    seed: int = 0
    empty: bool = False
    noise: float = 1.5
    #: Pull from the floor filmed the usual way: the clip opens at the set-up (already bent over,
    #: no standing phase first) and ends at the last lockout.
    start_at_setup: bool = False
    #: Pixels per metre as a fraction of the frame height (0.45: the lifter fills most of the
    #: frame; 0.19: a far camera, the body about a third of the frame height).
    camera_scale: float = 0.45
    #: A loose shirt billowing off the back by up to this fraction of body height, afresh every
    #: frame (0: a fitted shirt): the back outline no longer follows the spine.
    shirt_flap: float = 0.0
    #: Expected rep verdicts when they differ from :data:`EXPECTED` (e.g. ``not_judged`` where
    #: the lifter is too small for the spine to be judged).
    expect: tuple[str, ...] | None = None
    #: The clip's verdict, written by hand when its reps disagree (the renderer never asks the
    #: core what a clip's verdict should be).
    verdict: str | None = None
    #: Another person in view (never hinging), or ``None``.
    bystander: Bystander | None = None
    #: The lifter walks out of view after this rep (1-based; 0 = never) and is away for
    #: ``step_out_s`` seconds (walking out and back in included), standing, before the next rep.
    step_out_after: int = 0
    step_out_s: float = 0.0

    @property
    def expected_reps(self) -> list[str]:
        if self.empty:
            return []
        if self.yaw % 180 == 90:
            return []
        return list(self.expect) if self.expect is not None else [EXPECTED[k] for k in self.reps]

    @property
    def expected_verdict(self) -> str:
        if self.empty:
            return "no_reps"
        if self.yaw % 180 == 90:
            return "unusable_view"
        if self.verdict is not None:
            return self.verdict
        kinds = set(self.expected_reps)
        if len(kinds) != 1:
            raise ValueError(f"scenario {self.name}: reps disagree, write its clip verdict by hand")
        return kinds.pop()


def _ease(x: np.ndarray) -> np.ndarray:
    """Smooth 0→1 (raised cosine)."""
    return 0.5 - 0.5 * np.cos(np.pi * np.clip(x, 0.0, 1.0))


def trajectory(sc: Scenario) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """Times ``(T,)`` s, pose angles ``{key: (T,)}`` degrees, and the rep index per frame (0 = none)."""
    t, pose, rep, _ = _trajectory(sc)
    return t, pose, rep


def _trajectory(sc: Scenario) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """:func:`trajectory` and the lifter's step-out shift per frame ``(T,)`` (m along x)."""
    tm = sc.timing
    away = []  # (start, duration) of the lifter's step out of view
    segments = []  # (duration, from_pose, to_pose, rep_index, key_lead)
    top = dict(STAND)
    t_total = sc.walk_in + sc.lead_in
    current = top
    if sc.start_at_setup:
        current = BOTTOMS[sc.reps[0]]
        segments.append((tm.pause, current, current, 0, None))
    else:
        segments.append((t_total, top, top, 0, None))
    if sc.from_floor and not sc.start_at_setup:
        first = BOTTOMS[sc.reps[0]]
        segments.append((tm.descent, top, first, 0, None))
        segments.append((tm.pause, first, first, 0, None))
        current = first
    for i, kind in enumerate(sc.reps, start=1):
        bottom = BOTTOMS[kind]
        lock = dict(STAND)
        if kind == "lockout_hyperextension":
            lock.update(HYPEREXTENSION)
        lead = "knee" if kind == "hips_rise_first" else None
        if sc.from_floor:
            segments.append((tm.ascent, current, lock, i, lead))
            segments.append((tm.top, lock, lock, i, None))
            if sc.start_at_setup and i == len(sc.reps):
                current = lock  # filmed to the lockout of the last pull
                continue
            nxt = BOTTOMS[sc.reps[i]] if i < len(sc.reps) else BOTTOMS[kind]
            segments.append((tm.descent, lock, nxt, i + 1 if i < len(sc.reps) else 0, None))
            segments.append((tm.pause, nxt, nxt, i + 1 if i < len(sc.reps) else 0, None))
            current = nxt
        else:
            segments.append((tm.descent, current, bottom, i, None))
            segments.append((tm.pause, bottom, bottom, i, None))
            segments.append((tm.ascent, bottom, lock, i, lead))
            segments.append((tm.top, lock, top, i, None))
            current = top
            if i == sc.step_out_after and sc.step_out_s > 0:
                away.append((sum(seg[0] for seg in segments), sc.step_out_s))
                segments.append((sc.step_out_s, top, top, 0, None))
    # A pull from the floor ends with the load back on the floor (the clip stops there: standing up
    # without the load would look like one more pull).
    segments.append((sc.tail, current, current, 0, None))
    duration = sum(s[0] for s in segments)
    n = int(round(duration * sc.fps))
    t = np.arange(n) / sc.fps
    pose = {k: np.zeros(n) for k in POSE_KEYS}
    rep = np.zeros(n, int)
    start = 0.0
    for dur, a, b, r, lead in segments:
        sel = (t >= start) & (t < start + dur)
        x = (t[sel] - start) / dur
        for k in POSE_KEYS:
            w = _ease(x)
            if lead is not None:
                # Hips rise first: the knees straighten in the first ~45% of the ascent while the
                # shoulders stay down, so the trunk tips further forward (HIPS_FIRST_TIP_DEG), then rises.
                w = _ease(x / 0.45) if k in ("knee", "shin") else _ease((x - 0.35) / 0.65)
            pose[k][sel] = a[k] + (b[k] - a[k]) * w
            if lead is not None and k == "pelvis":
                pose[k][sel] += HIPS_FIRST_TIP_DEG * np.sin(np.pi * np.clip(x / 0.5, 0.0, 1.0))
        rep[sel] = r
        start += dur
    shift = np.zeros(n)
    for a0, dur in away:
        x = t - a0
        out = _ease(x / STEP_WALK_S) * _ease((dur - x) / STEP_WALK_S)
        shift -= STEP_OUT_M * np.where((x >= 0) & (x < dur), out, 0.0)
    return t, pose, rep, shift


def _signed(a: np.ndarray, b: np.ndarray) -> float:
    """Angle from 2-D vector ``a`` to ``b``, degrees, counter-clockwise positive (x forward, y up)."""
    return float(np.degrees(np.arctan2(a[0] * b[1] - a[1] * b[0], a[0] * b[0] + a[1] * b[1])))


def _angles(j) -> dict[str, float]:
    """Ground-truth angles of the right side from the true joint centres, in the body's sagittal
    plane (x forward, y up), computed here from the geometry itself — never with the core's
    code, so a convention error there cannot leak into the truth. Degrees:
    trunk_incline / shin_angle: hip→shoulder / ankle→knee from the upward vertical, forward +;
    thigh_angle: hip→knee from the downward vertical, forward +; hip_flexion: the trunk's turn
    forward from the thigh's line (0 standing straight, negative leaning back); knee_flexion:
    the shank's turn back from the thigh's line; neck_angle: the shoulder→ear line's turn back
    from the trunk line (extension +)."""
    sho, hip, knee, ankle, ear = (np.asarray(p[1], float)[:2] for p in (j.shoulder, j.hip, j.knee, j.ankle, j.ear))
    up, down = np.array([0.0, 1.0]), np.array([0.0, -1.0])
    trunk, thigh, shank, neck = sho - hip, knee - hip, ankle - knee, ear - sho
    return {
        "trunk_incline": -_signed(up, trunk),  # forward = clockwise from up
        "shin_angle": -_signed(up, knee - ankle),
        "thigh_angle": _signed(down, thigh),  # forward = counter-clockwise from down
        "hip_flexion": _signed(trunk, hip - knee),  # the thigh's upward line to the trunk
        "knee_flexion": _signed(shank, thigh),
        "neck_angle": _signed(trunk, neck),
    }


def render_scenario(sc: Scenario, out: str | Path) -> dict:
    """Render ``sc`` to ``out`` (MP4) and return its ground truth (also written beside it as JSON
    when ``out`` has a ``truth/`` sibling folder)."""
    t, pose, rep, away = _trajectory(sc)
    cam = Camera(
        yaw=sc.yaw,
        width=sc.width,
        height=sc.height,
        origin_x=sc.width * (0.5 if sc.yaw % 180 == 90 else 0.47),
        floor_y=sc.height * 0.93,
        scale=sc.height * sc.camera_scale,
    )
    rng = np.random.default_rng(sc.seed)
    bg = background(cam, sc.seed)
    truth = {
        "scenario": sc.name,
        "exercise": sc.exercise,
        "fps": sc.fps,
        "verdict": sc.expected_verdict,
        "reps": sc.expected_reps,
        "frames": [],
    }
    with H264Writer(out, sc.fps, (sc.width, sc.height), crf=26) as w:
        for i, ti in enumerate(t):
            p = {k: float(pose[k][i]) for k in POSE_KEYS}
            j = joints(p)
            if sc.empty:
                img = render([], cam, bg, noise=sc.noise, rng=rng)
            else:
                shift = 0.0
                if sc.walk_in > 0 and ti < sc.walk_in:
                    shift = -3.2 * (1.0 - ti / sc.walk_in)  # metres: from off screen to the mark
                shift += away[i]
                others = (_bystander(sc.bystander, ti),) if sc.bystander is not None else ()
                prims = primitives(j, load=sc.load)
                if sc.shirt_flap > 0:
                    prims += loose_shirt(j, rng, sc.shirt_flap)
                img = render(prims, cam, bg, shift_x=shift, noise=sc.noise, rng=rng, others=others)
            w.write(img)
            a = _angles(j)
            extra = {}
            if sc.bystander is not None:
                # Where the two people's mid-hips are in the image (px), from the geometry.
                extra["hip_px"] = [round(float(v), 1) for v in cam.project(j.hip.mean(axis=0), shift)[:2]]
                extra["bystander_hip_px"] = [
                    round(float(v), 1) for v in cam.project(_bystander_hip(sc.bystander, ti))[:2]
                ]
            truth["frames"].append(
                {
                    "t": round(float(ti), 4),
                    "rep": int(rep[i]),
                    "hip_flexion": round(a["hip_flexion"], 2),
                    "knee_flexion": round(a["knee_flexion"], 2),
                    "trunk_incline": round(a["trunk_incline"], 2),
                    "shin_angle": round(a["shin_angle"], 2),
                    # The pure hip joint angle: pelvis (hip→lumbosacral axis) against the thigh, 0 at the
                    # body model's neutral; hip_flexion above is what the pipeline measures (the
                    # shoulder-hip line, so it also contains the lumbar and thoracic bend).
                    "pelvis_thigh_flexion": round(p["pelvis"] + p["knee"] - p["shin"], 2),
                    "lumbar_flexion": round(p["lumbar"], 2),
                    "neck_extension": round(p["neck"], 2),
                    "in_view": bool(
                        not sc.empty
                        and (sc.walk_in <= 0 or ti >= 0.6 * sc.walk_in)
                        and away[i] > -0.4 * STEP_OUT_M  # as much of the body as 0.6 of a walk-in
                    ),
                    **extra,
                }
            )
    return truth


def _bystander_place(b: Bystander, t: float):
    """Rotation (3, 3) and position (3,) of the bystander's body frame in the lifter's at ``t``."""
    a = np.radians(b.facing)
    rot = np.array([[np.cos(a), 0.0, np.sin(a)], [0.0, 1.0, 0.0], [-np.sin(a), 0.0, np.cos(a)]])
    return rot, np.array([b.x + b.speed * t, 0.0, b.z])


def _bystander(b: Bystander, t: float) -> list:
    """The bystander's spheres at ``t`` (s), in the lifter's body frame: standing, arms swaying."""
    pose = dict(STAND, arm=8.0 * np.sin(2 * np.pi * t / 1.6), elbow=10.0)
    rot, pos = _bystander_place(b, t)
    out = []
    for c, r, col in primitives(joints(pose, height=b.height), height=b.height):
        out.append((rot @ c + pos, r, b.shirt if col == SHIRT else col))
    return out


def _bystander_hip(b: Bystander, t: float) -> np.ndarray:
    rot, pos = _bystander_place(b, t)
    return rot @ joints(dict(STAND), height=b.height).hip.mean(axis=0) + pos


def with_seed(sc: Scenario, seed: int) -> Scenario:
    return replace(sc, seed=seed)


#: The committed sample clips (sample_videos/): name → scenario.
SAMPLES: tuple[Scenario, ...] = (
    Scenario("hinge_neutral_right", "hinge", ("neutral",) * 3, yaw=0.0, seed=1),
    Scenario("hinge_neutral_left", "hinge", ("neutral",) * 3, yaw=180.0, seed=2),
    Scenario("hinge_squatty", "hinge", ("squatty_hinge",) * 3, yaw=0.0, seed=3),
    Scenario("hinge_rounded", "hinge", ("lumbar_rounding",) * 3, yaw=180.0, seed=4),
    Scenario("hinge_neck_extension", "hinge", ("neck_extension",) * 3, yaw=0.0, seed=5),
    Scenario("hinge_lockout_hyperextension", "hinge", ("lockout_hyperextension",) * 3, yaw=180.0, seed=6),
    Scenario("good_morning_neutral", "good_morning", ("good_morning",) * 3, yaw=0.0, seed=7),
    Scenario(
        "deadlift_kettlebell", "deadlift", ("deadlift",) * 3, yaw=180.0, from_floor=True, load="kettlebell", seed=8
    ),
    Scenario(
        "deadlift_hips_rise_first",
        "deadlift",
        ("hips_rise_first",) * 3,
        yaw=0.0,
        from_floor=True,
        load="kettlebell",
        seed=9,
    ),
    Scenario(
        "kb_swing",
        "kb_swing",
        ("kb_swing",) * 4,
        yaw=0.0,
        load="kettlebell",
        timing=Timing(descent=0.55, pause=0.05, ascent=0.5, top=0.3),
        seed=10,
    ),
    Scenario(
        "mixed_set",
        "hinge",
        ("neutral", "lumbar_rounding", "neutral", "squatty_hinge"),
        yaw=0.0,
        seed=11,
        verdict="lumbar_rounding",
    ),  # two of four reps faulted: a faulted set, its first fault in the order a coach corrects
    Scenario("walk_in_late", "hinge", ("neutral",) * 3, yaw=180.0, walk_in=2.0, seed=12),
    Scenario("front_view", "hinge", ("neutral",) * 3, yaw=90.0, seed=13),
    Scenario("empty_scene", "hinge", (), empty=True, lead_in=4.0, seed=14),
)


def make_samples(out_dir: str | Path, names: list[str] | None = None) -> list[Path]:
    """Render the sample clips into ``out_dir`` with ``labels.json`` and ``truth/<name>.json``.

    Deterministic: the same code gives the same frames (the encoder's bytes may differ between
    x264 builds).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    labels_path = out_dir / "labels.json"
    labels = json.loads(labels_path.read_text()) if labels_path.exists() and names else {}
    written = []
    for sc in SAMPLES:
        if names and sc.name not in names:
            continue
        clip = out_dir / f"{sc.name}.mp4"
        truth = render_scenario(sc, clip)
        write_text(out_dir / "truth" / f"{sc.name}.json", json.dumps(truth, separators=(",", ":")) + "\n")
        labels[clip.name] = {"exercise": sc.exercise, "verdict": sc.expected_verdict, "reps": sc.expected_reps}
        written.append(clip)
    write_text(labels_path, json.dumps(labels, indent=2, sort_keys=True) + "\n")
    return written
