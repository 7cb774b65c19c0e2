"""Mirror test-time augmentation (issue 12): infer each frame and its horizontal mirror, average.

The pose model is not mirror-equivariant: the mirrored copy of a real clip can read a back
bend of 8.5° where the clip reads 1.2°, and values near a threshold then flip the verdict. With
:attr:`~hingecheck.pose.landmarker.PoseSettings.mirror_tta` the :class:`PoseEstimator` runs a
second landmarker (VIDEO-mode tracking state is per stream, so the mirrored stream needs its
own) on every frame flipped left to right, maps that result back into the frame and averages
the two. The result is then (up to the model's run-to-run noise) the same for a clip and its
mirrored copy, and about twice the inference cost.

Mapping a pose found in the mirrored image back (:func:`unmirror`):

* image x: MediaPipe's normalised x is continuous over the image (0 = left edge of the first
  pixel column, 1 = right edge of the last), so the mirror of a point at ``x`` px inside the box
  ``x0..x1`` lies at ``x0 + x1 - x`` (not ``w - 1 - x``, which is the mirror of a pixel *index*);
  y and the relative depth z are unchanged;
* world x (metres, origin at the mid-hip) is negated; y and z unchanged;
* left and right landmarks swap (the person's left side looks like a right side in a mirror):
  :data:`MIRROR_PERMUTATION`, built from :data:`~hingecheck.core.series.LANDMARKS` names;
* the back profile's two columns swap: column 0 lies along ``(dx, dy) -> (-dy, dx)`` of the
  hip→shoulder direction, and mirroring turns that normal into the opposite one (see
  :mod:`hingecheck.pose.backprofile`, :func:`hingecheck.core.dowel.back_column`).

:func:`merge` averages the two views: landmarks (image, world) and visibility when both found
the person, the profile NaN-aware (a station one view lost keeps the other's distance); when
only one view found the person, that view alone.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from hingecheck.core.series import INDEX, LANDMARKS


def _mirror_permutation() -> np.ndarray:
    perm = np.arange(len(LANDMARKS))
    for name, i in INDEX.items():
        for a, b in (("left", "right"), ("right", "left")):
            if a in name:
                perm[i] = INDEX[name.replace(a, b)]
    return perm


#: ``unmirrored[i] = mirrored[MIRROR_PERMUTATION[i]]``: each landmark's left/right counterpart
#: (the nose maps to itself). Its own inverse.
MIRROR_PERMUTATION: np.ndarray = _mirror_permutation()


def unmirror(fp, box: tuple[int, int, int, int]):
    """A :class:`~hingecheck.pose.landmarker.FramePose` found in the left-right mirror of the
    region ``box = (x0, y0, x1, y1)`` (and reported with that box), mapped back into the frame."""
    x0, _, x1, _ = box
    perm = MIRROR_PERMUTATION
    image = fp.image[perm].copy()
    image[:, 0] = (x0 + x1) - image[:, 0]
    world = fp.world[perm].copy()
    world[:, 0] = -world[:, 0]
    profile = None if fp.profile is None else fp.profile[:, ::-1].copy()
    return dataclasses.replace(fp, image=image, visibility=fp.visibility[perm].copy(), world=world, profile=profile)


def merge(plain, mirrored, box: tuple[int, int, int, int]):
    """The average of ``plain`` and ``mirrored`` (a pose found in the mirror of ``box``, see
    :func:`unmirror`); either one alone when only it found the person."""
    if not mirrored.detected:
        return plain
    back = unmirror(mirrored, box)
    if not plain.detected:
        return back
    profile = plain.profile
    if profile is not None and back.profile is not None:
        both = np.stack([plain.profile, back.profile])
        ok = np.isfinite(both)
        n = ok.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            profile = np.where(n > 0, np.where(ok, both, 0.0).sum(axis=0) / n, np.nan).astype(np.float32)
    return dataclasses.replace(
        plain,
        image=((plain.image + back.image) * 0.5).astype(np.float32),
        visibility=((plain.visibility + back.visibility) * 0.5).astype(np.float32),
        world=((plain.world + back.world) * 0.5).astype(np.float32),
        profile=profile,
    )


def flip(rgb: np.ndarray) -> np.ndarray:
    """The left-right mirror of an ``(h, w, 3)`` image, contiguous (as ``mp.Image`` needs)."""
    return np.ascontiguousarray(rgb[:, ::-1])


__all__ = ["MIRROR_PERMUTATION", "flip", "merge", "unmirror"]
