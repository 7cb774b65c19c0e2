"""Segmentation mask → back profile: the small per-frame array the virtual dowel is built from.

Runs inside the pose stream, once per frame, so masks are never kept. Pure numpy, vectorized
over stations and samples (no Python loop over pixels). See :mod:`hingecheck.core.series` for the
layout of the result and its conventions.
"""

from __future__ import annotations

import numpy as np

from hingecheck.core.series import PROFILE_REACH, PROFILE_STATIONS

#: Mask probability above which a pixel counts as the person (MediaPipe's masks are soft).
MASK_THRESHOLD = 0.5


def profile_from_mask(mask: np.ndarray, hip_xy, shoulder_xy, scale: float = 1.0) -> np.ndarray:
    """Distances from the hip→shoulder axis to the body's edge, on both sides, at each station.

    Args:
        mask: ``(h, w)`` float person probability (MediaPipe segmentation mask, 0..1), at the
            resolution inference ran at.
        hip_xy, shoulder_xy: axis end points in **full-frame pixels** (mid-hip, mid-shoulder).
        scale: mask pixels per full-frame pixel (``mask_width / frame_width``).

    Returns:
        ``(len(PROFILE_STATIONS), 2)`` float32 distances in full-frame pixels: column 0 along
        the normal ``(dx, dy) -> (-dy, dx)`` of the hip→shoulder direction, column 1 along the
        opposite normal. The edge is located to sub-pixel precision by interpolating the mask
        probability across :data:`MASK_THRESHOLD`. NaN where the station itself lies outside
        the body, where no edge is found within :data:`PROFILE_REACH` of the trunk length, or
        when the axis is degenerate.
    """
    out = np.full((len(PROFILE_STATIONS), 2), np.nan, np.float32)
    hip = np.asarray(hip_xy, np.float64) * scale
    sho = np.asarray(shoulder_xy, np.float64) * scale
    axis = sho - hip
    length = float(np.hypot(*axis))
    if not np.isfinite(length) or length < 4.0:
        return out
    u = axis / length
    normals = np.array([[-u[1], u[0]], [u[1], -u[0]]])  # (2, 2): column 0 and column 1 directions
    steps = np.arange(0.0, PROFILE_REACH * length, 1.0)  # one mask pixel per step
    origins = hip + PROFILE_STATIONS[:, None] * axis  # (S, 2)
    pts = origins[:, None, None, :] + normals[None, :, None, :] * steps[None, None, :, None]  # (S, 2, N, 2)
    h, w = mask.shape[:2]
    xi = np.clip(np.rint(pts[..., 0]).astype(np.intp), 0, w - 1)
    yi = np.clip(np.rint(pts[..., 1]).astype(np.intp), 0, h - 1)
    inside_frame = (pts[..., 0] >= 0) & (pts[..., 0] <= w - 1) & (pts[..., 1] >= 0) & (pts[..., 1] <= h - 1)
    prob = np.where(inside_frame, mask.reshape(h, w)[yi, xi], 0.0)  # (S, 2, N)
    outside = prob < MASK_THRESHOLD
    first_out = np.argmax(outside, axis=-1)  # index of the first sample outside the body
    found = outside.any(axis=-1) & (first_out > 0)  # station inside the body, edge within reach
    k = np.maximum(first_out, 1)
    p_in = np.take_along_axis(prob, (k - 1)[..., None], -1)[..., 0]
    p_out = np.take_along_axis(prob, k[..., None], -1)[..., 0]
    frac = np.clip((p_in - MASK_THRESHOLD) / np.maximum(p_in - p_out, 1e-6), 0.0, 1.0)
    dist = (k - 1 + frac) / scale
    out[found] = dist[found]
    return out
