"""A small numpy renderer: shaded spheres with a z-buffer, over a textured room, from a camera
that looks at the lifter from the side, at an angle, or from the front.

Orthographic projection with a yaw angle: ``yaw = 0`` sees the lifter's right side with the
lifter facing right in the image; ``180`` sees the left side facing left; ``±45`` oblique; ``90``
the front. Deterministic for a given seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Lambert lighting: light direction (camera frame: x right, y up, z away from the camera).
LIGHT = np.array([-0.45, 0.65, -0.62])
AMBIENT = 0.38


@dataclass(frozen=True)
class Camera:
    """Where the lifter appears: ``yaw`` degrees (see module doc), ``scale`` pixels per metre,
    the image position of the body origin (between the ankles, on the floor), image size."""

    yaw: float = 0.0
    scale: float = 215.0
    origin_x: float = 300.0
    floor_y: float = 440.0
    width: int = 640
    height: int = 480

    def project(self, p: np.ndarray, shift_x: float = 0.0) -> np.ndarray:
        """Body-frame points ``(..., 3)`` (metres) → ``(..., 3)``: pixel x, pixel y, depth (m)."""
        a = np.radians(self.yaw)
        x = (p[..., 0] + shift_x) * np.cos(a) + p[..., 2] * np.sin(a)
        z = -(p[..., 0] + shift_x) * np.sin(a) + p[..., 2] * np.cos(a)
        # Camera at −z in the rotated frame for yaw 0 (sees the right side, whose z < 0).
        return np.stack([self.origin_x + self.scale * x, self.floor_y - self.scale * p[..., 1], z], axis=-1)


def background(cam: Camera, seed: int, wall=(196, 188, 174), floor=(120, 104, 92)) -> np.ndarray:
    """A room: a wall with soft texture and a floor with boards, RGB uint8 ``(H, W, 3)``."""
    rng = np.random.default_rng(seed)
    h, w = cam.height, cam.width
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    coarse = rng.random((h // 32 + 2, w // 32 + 2)).astype(np.float32)
    tex = np.kron(coarse, np.ones((32, 32), np.float32))[:h, :w]
    from scipy.ndimage import gaussian_filter

    tex = gaussian_filter(tex, 10)
    img = np.empty((h, w, 3), np.float32)
    wall_c = np.array(wall, np.float32)
    floor_c = np.array(floor, np.float32)
    img[:] = wall_c * (0.9 + 0.2 * tex[..., None]) * (1.0 - 0.15 * yy[..., None] / h)
    horizon = int(cam.floor_y - 0.12 * cam.scale)
    fl = yy >= horizon
    boards = 0.92 + 0.08 * np.sin(xx / 23.0 + 3 * tex)
    img[fl] = (floor_c[None, :] * boards[fl][:, None]).astype(np.float32)
    img[horizon - 3 : horizon + 1] *= 0.8  # skirting shadow
    return np.clip(img, 0, 255)


def render(
    spheres,
    cam: Camera,
    bg: np.ndarray,
    shift_x: float = 0.0,
    noise: float = 2.0,
    rng: np.random.Generator | None = None,
    others: tuple = (),
) -> np.ndarray:
    """Draw spheres ``(centre, radius, rgb)`` (metres, body frame) over ``bg``; RGB uint8.

    ``others``: more people, each a list of spheres already placed in the lifter's body frame
    (not shifted by ``shift_x``), drawn in the same z-buffer, each with its own floor shadow."""
    h, w = cam.height, cam.width
    img = bg.copy()
    zbuf = np.full((h, w), np.inf, np.float32)
    centres = cam.project(np.array([c for c, _, _ in spheres]).reshape(-1, 3), shift_x)
    light = LIGHT / np.linalg.norm(LIGHT)
    groups = [centres] + [cam.project(np.array([c for c, _, _ in o]).reshape(-1, 3)) for o in others]
    # A soft contact shadow on the floor under each person.
    for g in groups:
        if not len(g):
            continue
        sx = g[:, 0].mean()
        yy, xx = np.ogrid[0:h, 0:w]
        shadow = np.exp(-(((xx - sx) / (0.35 * cam.scale)) ** 2 + ((yy - cam.floor_y) / 8.0) ** 2))
        img *= (1.0 - 0.35 * shadow)[..., None]
    if others:
        centres = np.concatenate(groups)
        spheres = list(spheres) + [sp for o in others for sp in o]
    for (cx, cy, cz), (_, r, color) in zip(centres, spheres):
        rp = r * cam.scale
        x0, x1 = int(max(0, np.floor(cx - rp))), int(min(w, np.ceil(cx + rp) + 1))
        y0, y1 = int(max(0, np.floor(cy - rp))), int(min(h, np.ceil(cy + rp) + 1))
        if x0 >= x1 or y0 >= y1:
            continue
        dx = (np.arange(x0, x1, dtype=np.float32) + 0.5 - cx)[None, :] / rp
        dy = (np.arange(y0, y1, dtype=np.float32) + 0.5 - cy)[:, None] / rp
        d2 = dx * dx + dy * dy
        inside = d2 < 1.0
        nz = np.sqrt(np.clip(1.0 - d2, 0.0, 1.0))
        depth = cz - r * nz
        win = zbuf[y0:y1, x0:x1]
        draw = inside & (depth < win)
        if not draw.any():
            continue
        # Normal in camera frame: x right, y up, z away from the camera (−nz faces the camera).
        shade = AMBIENT + (1 - AMBIENT) * np.clip(dx * light[0] - dy * light[1] - nz * light[2], 0.0, 1.0)
        win[draw] = depth[draw]
        img[y0:y1, x0:x1][draw] = np.asarray(color, np.float32)[None, :] * shade[draw][:, None]
    if noise > 0:
        rng = rng or np.random.default_rng(0)
        img += rng.normal(0.0, noise, img.shape).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)
