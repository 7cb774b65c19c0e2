"""A 2D stick figure with known angles, as MediaPipe-style landmark arrays (for core tests)."""

from __future__ import annotations

import numpy as np

from hingecheck.core.series import INDEX, PROFILE_STATIONS, PoseSeries

#: Segment lengths in pixels.
SHIN, THIGH, TRUNK, NECK, ARM, FOOT, HEEL = 180.0, 180.0, 200.0, 60.0, 230.0, 70.0, 20.0


def _u(angle_from_up_deg, facing):
    """Image-space unit vector at an angle from vertical-up, positive toward facing (y down)."""
    a = np.radians(angle_from_up_deg)
    return np.stack([facing * np.sin(a), -np.cos(a)], axis=-1)


def figure(trunk, thigh, shin, neck=0.0, arm=0.0, facing=1, ankle=(400.0, 700.0), hands_at_knees=True):
    """Landmarks ``(T, 33, 3)`` for per-frame angles (degrees, arrays or scalars):

    trunk: hip→shoulder from vertical (+ forward); thigh: hip→knee from the downward vertical
    (+ forward); shin: ankle→knee from vertical (+ forward); neck: extension of the head relative
    to the trunk line (+ back); arm: arm from hanging straight down (+ forward).
    So hip flexion = trunk + thigh and knee flexion = thigh + shin.
    """
    trunk, thigh, shin, neck, arm = np.broadcast_arrays(*map(np.atleast_1d, (trunk, thigh, shin, neck, arm)))
    n = len(trunk)
    ank = np.tile(np.asarray(ankle, float), (n, 1))
    knee = ank + SHIN * _u(shin, facing)
    hip = knee + THIGH * _u(-thigh, facing) * np.array([1.0, 1.0])
    sho = hip + TRUNK * _u(trunk, facing)
    ear = sho + NECK * _u(trunk - neck, facing)
    nose = ear + 25.0 * _u(trunk - neck + 90.0, facing)
    wrist = sho + ARM * _u(180.0 - arm, facing)
    if hands_at_knees:  # the load kept close: hands just in front of the knees
        wrist = knee + np.stack([facing * 15.0 * np.ones(n), -30.0 * np.ones(n)], axis=-1)
    heel = ank + np.array([-facing * HEEL, 15.0])
    toe = ank + np.array([facing * (FOOT - HEEL), 18.0])
    img = np.zeros((n, 33, 3))
    parts = {
        "shoulder": sho,
        "hip": hip,
        "knee": knee,
        "ankle": ank,
        "heel": heel,
        "foot_index": toe,
        "ear": ear,
        "wrist": wrist,
        "elbow": (sho + wrist) / 2,
    }
    for side in ("left", "right"):
        for part, p in parts.items():
            img[:, INDEX[f"{side}_{part}"], :2] = p
    for name in (
        "nose",
        "left_eye_inner",
        "left_eye",
        "left_eye_outer",
        "right_eye_inner",
        "right_eye",
        "right_eye_outer",
        "mouth_left",
        "mouth_right",
    ):
        img[:, INDEX[name], :2] = nose
    for name in ("left_pinky", "left_index", "left_thumb"):
        img[:, INDEX[name], :2] = wrist
    for name in ("right_pinky", "right_index", "right_thumb"):
        img[:, INDEX[name], :2] = wrist
    # The near side (right when facing +x, as a camera sees a lifter facing right) is nearer: smaller z.
    near = "right" if facing > 0 else "left"
    for name in INDEX:
        img[:, INDEX[name], 2] = -10.0 if name.startswith(near) else 10.0
    return img


def series(
    trunk, thigh, shin, neck=0.0, arm=0.0, facing=1, fps=30.0, profile=None, noise=0.0, seed=0, hands_at_knees=True
):
    img = figure(trunk, thigh, shin, neck, arm, facing, hands_at_knees=hands_at_knees)
    if noise:
        img[..., :2] += np.random.default_rng(seed).normal(0, noise, img[..., :2].shape)
    n = img.shape[0]
    near = "right" if facing > 0 else "left"
    vis = np.array(
        [[0.99 if name.startswith(near) or not name.startswith(("left", "right")) else 0.6 for name in INDEX]] * n,
        np.float32,
    )
    world = img / 500.0
    return PoseSeries(
        image=img.astype(np.float32),
        visibility=vis,
        world=world.astype(np.float32),
        t=np.arange(n) / fps,
        detected=np.ones(n, bool),
        width=800,
        height=800,
        fps=fps,
        profile=profile if profile is not None else np.full((n, len(PROFILE_STATIONS), 2), np.nan, np.float32),
    )


def hinge_reps(
    n_reps=3,
    fps=30.0,
    bottom_trunk=75.0,
    bottom_thigh=10.0,
    bottom_shin=5.0,
    neck=0.0,
    rep_s=3.0,
    stand_s=1.5,
    top_trunk=0.0,
):
    """Trunk/thigh/shin trajectories of ``n_reps`` smooth hinge reps with standing between."""
    t = np.arange(int((stand_s + n_reps * (rep_s + stand_s)) * fps)) / fps
    w = np.zeros_like(t)
    lock = np.zeros_like(t)
    for k in range(n_reps):
        t0 = stand_s + k * (rep_s + stand_s)
        x = (t - t0) / rep_s
        inside = (x >= 0) & (x <= 1)
        w[inside] = np.sin(np.pi * x[inside]) ** 2
        after = (x > 1) & (t - t0 - rep_s < 0.8 * stand_s)
        lock[after] = 1.0
    trunk = bottom_trunk * w + top_trunk * lock
    return t, trunk, bottom_thigh * w, bottom_shin * w, neck * w


def long_series(minutes: float) -> PoseSeries:
    """A stick-figure hinge set repeated to ``minutes`` of 30 frames/s, with a back profile."""
    t, trunk, thigh, shin, neck = hinge_reps(3, bottom_trunk=70, bottom_thigh=15, bottom_shin=8)
    one = series(trunk, thigh, shin, neck, noise=1.0)
    reps = max(1, int(round(minutes * 60 * 30 / one.n_frames)))
    n = one.n_frames * reps
    prof = np.tile(np.linspace(0, 30, len(PROFILE_STATIONS))[:, None], (n, 1, 2)).reshape(n, -1, 2)
    return PoseSeries(
        image=np.tile(one.image, (reps, 1, 1)),
        visibility=np.tile(one.visibility, (reps, 1)),
        world=np.tile(one.world, (reps, 1, 1)),
        t=np.arange(n) / 30.0,
        detected=np.ones(n, bool),
        width=800,
        height=800,
        fps=30.0,
        profile=prof.astype(np.float32),
    )
