"""The virtual dowel on hand-drawn masks with a known bend, and the landmark-only fallback."""

import numpy as np
import pytest

from hingecheck.core.dowel import back_column, bend_from_chord_ratio, dowel_from_profile
from hingecheck.core.series import INDEX
from hingecheck.pose.backprofile import profile_from_mask

HIP, SHO = np.array([200.0, 400.0]), np.array([200.0, 200.0])  # trunk axis straight up, 200 px


def torso_mask(sagitta=0.0, facing=1, hair=False):
    """An upright torso 80 px thick; its back (opposite the facing direction) bulges between
    stations 0.2 and 0.65 in a circular arc of the given sagitta (px)."""
    h, w = 500, 400
    yy, xx = np.mgrid[0:h, 0:w].astype(float)
    back_x = np.full(h, 160.0) if facing > 0 else np.full(h, 240.0)
    y_lo, y_hi = 400 - 0.65 * 200, 400 - 0.2 * 200  # 270 .. 360
    c = y_hi - y_lo
    if sagitta > 0:
        r = (c * c / 4 + sagitta * sagitta) / (2 * sagitta)
        ym = (y_lo + y_hi) / 2
        ys = np.arange(h, dtype=float)
        inside = (ys >= y_lo) & (ys <= y_hi)
        bulge = np.sqrt(np.maximum(r * r - (ys - ym) ** 2, 0)) - (r - sagitta)
        back_x = back_x - facing * np.where(inside, np.maximum(bulge, 0), 0)
    lo = np.where(facing > 0, back_x, 160.0)
    hi = np.where(facing > 0, 240.0, back_x)
    # Anti-aliased: each pixel holds the fraction of it inside the body, as a soft mask does.
    cover = np.clip(xx + 0.5 - lo[:, None], 0, 1) * np.clip(hi[:, None] - (xx - 0.5), 0, 1)
    m = (cover * ((yy >= 150) & (yy < 440))).astype(np.float32)
    if hair:  # a strand of hair / a fold of cloth: one thin spike off the back
        m[300:303, 100:160] = 1.0
    return m


def landmarks(facing=1):
    img = np.full((1, 33, 3), np.nan)
    for side in ("left", "right"):
        img[0, INDEX[f"{side}_hip"], :2] = HIP
        img[0, INDEX[f"{side}_shoulder"], :2] = SHO
        img[0, INDEX[f"{side}_ear"], :2] = SHO + np.array([facing * 10.0, -60.0])
    return img


def measure(mask, facing=1):
    prof = profile_from_mask(mask, HIP, SHO)[None]
    return dowel_from_profile(prof, landmarks(facing), facing, INDEX["right_ear"])


@pytest.mark.parametrize("facing", [1, -1])
@pytest.mark.parametrize("sagitta", [0.0, 4.0, 8.0, 14.0])
def test_known_bend(facing, sagitta):
    d = measure(torso_mask(sagitta, facing), facing)
    chord = 0.45 * 200  # between the contact points at stations 0.2 and 0.65
    expected = np.degrees(4 * np.arctan(2 * sagitta / chord))
    assert d.bend_deg[0] == pytest.approx(expected, abs=3.0)


def test_bend_grows_with_bulge_and_hair_does_not_count():
    bends = [measure(torso_mask(s)).bend_deg[0] for s in (0, 5, 10, 15)]
    assert np.all(np.diff(bends) > 3)
    assert measure(torso_mask(8.0, hair=True)).bend_deg[0] == pytest.approx(measure(torso_mask(8.0)).bend_deg[0], abs=2)


def test_contacts_lie_on_the_back():
    d = measure(torso_mask(0.0))
    sacral, upper, head = d.contacts[0]
    assert sacral[0] == pytest.approx(160, abs=1.5) and upper[0] == pytest.approx(160, abs=1.5)
    assert 360 - 1 <= sacral[1] <= 400 + 31 and 200 - 11 <= upper[1] <= 270 + 1


def test_back_column_follows_facing():
    assert back_column(1) == 1 and back_column(-1) == 0


def test_chord_fallback():
    # Hip→shoulder chords of 0.5, 0.5 and 0.49 m against a standing 0.5 m.
    bend = bend_from_chord_ratio(np.array([0.5, 0.5, 0.49]) / 0.5)
    assert bend[0] == pytest.approx(0, abs=1.0)
    # 2% shorter chord ~ 40 deg of bend over the arc: weak, but the right direction and size.
    assert 30 < bend[2] < 45
