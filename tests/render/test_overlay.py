"""Overlay annotators on a real sample frame with the real model's landmarks: each draws its part where
it belongs, colours follow the state, and nothing is drawn without data."""

from dataclasses import replace

import numpy as np
import pytest

from hingecheck.core.kinematics import SIDES
from hingecheck.render.overlay import (
    FAULT,
    OK,
    AngleLabelAnnotator,
    CueAnnotator,
    DowelAnnotator,
    OverlayState,
    RepCounterAnnotator,
    SkeletonAnnotator,
    StatsAnnotator,
    VerdictBannerAnnotator,
    default_annotators,
    draw,
)

from conftest import SAMPLES


@pytest.fixture(scope="module")
def real_frame():
    """A mid-clip frame of a side-on hinge and the real model's landmarks on it (pixels)."""
    from hingecheck.pose.landmarker import PoseEstimator, PoseSettings
    from hingecheck.pose.sources import VideoFile

    frames = list(VideoFile(SAMPLES / "hinge_neutral_right.mp4").frames())[:40]
    with PoseEstimator(settings=PoseSettings()) as est:
        for f in frames:
            box = (0, 0, f.rgb.shape[1], f.rgb.shape[0])
            fp = est.infer(est.prepare(f.rgb, box), f.t, box, f.index)
    assert fp.detected
    return f.rgb.copy(), fp.image


def _changed(a, b):
    return np.any(a != b, axis=2)


def _near(img, xy, color, r=3, tol=12):
    """Some pixel within ``r`` px of ``xy`` has (about) ``color`` (lines are antialiased)."""
    x, y = (int(round(v)) for v in xy)
    patch = img[y - r : y + r + 1, x - r : x + r + 1].astype(int)
    return bool((np.abs(patch - np.array(color)).max(axis=2) <= tol).any())


def _state(landmarks, **kw):
    idx = SIDES["right"]
    contacts = np.array([landmarks[idx["hip"], :2], landmarks[idx["shoulder"], :2], landmarks[idx["ear"], :2]])
    return OverlayState(landmarks=landmarks, side="right", contacts=contacts, **kw)


def test_no_data_draws_nothing(real_frame):
    rgb, _ = real_frame
    empty = OverlayState()
    for a in (
        SkeletonAnnotator(),
        DowelAnnotator(),
        AngleLabelAnnotator(),
        VerdictBannerAnnotator(),
        CueAnnotator(),
        StatsAnnotator(),
    ):
        out = a.annotate(rgb.copy(), empty)
        assert not _changed(out, rgb).any(), type(a).__name__


def test_skeleton_on_the_joints_and_fault_region_red(real_frame):
    rgb, lm = real_frame
    idx = SIDES["right"]
    out = SkeletonAnnotator().annotate(rgb.copy(), _state(lm, faults=("lumbar_rounding",)))
    mid_back = (lm[idx["hip"], :2] + lm[idx["shoulder"], :2]) / 2
    mid_thigh = (lm[idx["hip"], :2] + lm[idx["knee"], :2]) / 2
    plain = SkeletonAnnotator().annotate(rgb.copy(), _state(lm))
    assert _near(out, mid_back, FAULT) and not _near(plain, mid_back, FAULT)  # the back segment turns red
    assert _near(out, mid_thigh, OK) and not _near(out, mid_thigh, FAULT)  # the thigh stays green


def test_dowel_contact_points_light_up(real_frame):
    rgb, lm = real_frame
    s_ok, s_lost = _state(lm), _state(lm, contact_lost=(True, False, False))
    ok = DowelAnnotator().annotate(rgb.copy(), s_ok)
    lost = DowelAnnotator().annotate(rgb.copy(), s_lost)
    p = s_ok.contacts[0]
    assert _near(ok, p, OK, r=1) and _near(lost, p, FAULT, r=1) and not _near(lost, p, OK, r=1)
    assert _changed(ok, rgb).sum() > 200  # the line itself


def test_angle_labels_beside_their_joints(real_frame):
    rgb, lm = real_frame
    out = AngleLabelAnnotator().annotate(rgb.copy(), _state(lm, angles={"hip_flexion": 42.0}))
    ys, xs = np.nonzero(_changed(out, rgb))
    hip = lm[SIDES["right"]["hip"], :2]
    assert len(xs) > 50 and np.hypot(xs.mean() - hip[0], ys.mean() - hip[1]) < 80


def test_the_spine_label_is_not_written_over_the_trunk_label(real_frame):
    """At a pull's bottom the dowel's middle (where "spine" is written) sits by the shoulder
    (where "trunk" is): on a real deadlift the window wrote "spine +24" across "trunk 51". The pixels of the
    trunk label drawn alone are what the two labels drawn together show there."""
    rgb, lm = real_frame
    shoulder = lm[SIDES["right"]["shoulder"], :2]
    contacts = np.array([shoulder - (20, -10), shoulder + (20, -10), shoulder + (60, -30)])
    trunk = OverlayState(landmarks=lm, side="right", contacts=contacts, angles={"trunk_incline": 51.0})
    both = replace(trunk, angles={"trunk_incline": 51.0, "spine_flexion": 24.0})
    alone = AngleLabelAnnotator().annotate(rgb.copy(), trunk)
    drawn = AngleLabelAnnotator().annotate(rgb.copy(), both)
    ys, xs = np.nonzero(_changed(alone, rgb))
    box = (slice(ys.min() - 1, ys.max() + 2), slice(xs.min() - 1, xs.max() + 2))
    assert np.array_equal(drawn[box], alone[box])  # nothing written over the trunk label
    assert _changed(drawn, alone).sum() > 50  # and the spine label is drawn, elsewhere


def test_counter_banner_cue_stats_in_their_regions(real_frame):
    rgb, lm = real_frame
    h, w = rgb.shape[:2]
    s = _state(lm, reps=7, last_verdict="lumbar_rounding", cue="Brace — flat back", fps=30.0, latency_ms=55.0)
    regions = {
        RepCounterAnnotator: (slice(0, h // 4), slice(0, w // 4)),
        VerdictBannerAnnotator: (slice(0, h // 6), slice(w // 4, 3 * w // 4)),
        CueAnnotator: (slice(5 * h // 6, h), slice(w // 6, 5 * w // 6)),
        StatsAnnotator: (slice(0, h // 10), slice(3 * w // 4, w)),
    }
    for cls, (ry, rx) in regions.items():
        ch = _changed(cls().annotate(rgb.copy(), s), rgb)
        assert ch[ry, rx].sum() > 0.5 * ch.sum() > 0, cls.__name__  # drawn, and mostly in its corner
    banner = VerdictBannerAnnotator().annotate(rgb.copy(), s)
    assert (banner[: h // 6, w // 4 : 3 * w // 4] == FAULT).all(axis=2).sum() > 500  # a red banner for a fault
    good = VerdictBannerAnnotator().annotate(rgb.copy(), _state(lm, last_verdict="neutral"))
    assert (good[: h // 6, w // 4 : 3 * w // 4] == OK).all(axis=2).sum() > 500


def test_draw_runs_the_default_stack_at_any_resolution(real_frame):
    import cv2

    rgb, lm = real_frame
    for scale in (1.0, 2.0):
        big = cv2.resize(rgb, None, fx=scale, fy=scale)
        s = _state(lm * scale, reps=3, last_verdict="neutral", cue="Good rep", angles={"hip_flexion": 60.0})
        out = draw(big.copy(), s, default_annotators(stats=True))
        assert out.shape == big.shape and out.dtype == np.uint8 and _changed(out, big).mean() > 0.01


def test_scaled_state_draws_on_a_resized_frame_where_the_full_size_state_does(real_frame):
    """The review draws on frames scaled to the pose model's width: ``scaled`` moves the
    skeleton and the dowel with the pixels, and leaves the full-size state alone."""
    import cv2

    rgb, lm = real_frame
    big = cv2.resize(rgb, None, fx=3, fy=3)  # a full-size frame three times the model's
    full = _state(lm * 3, faults=("lumbar_rounding",))
    small = full.scaled(1 / 3, 1 / 3)
    np.testing.assert_allclose(small.landmarks[:, :2], lm[:, :2], rtol=1e-5)
    np.testing.assert_array_equal(small.landmarks[:, 2], full.landmarks[:, 2])  # depth untouched
    np.testing.assert_allclose(small.contacts, full.contacts / 3, rtol=1e-5)
    assert full.landmarks[0, 0] == pytest.approx(lm[0, 0] * 3)  # a copy, not scaled in place
    stack = [SkeletonAnnotator(), DowelAnnotator()]
    drawn_small = _changed(draw(rgb.copy(), small, stack), rgb)
    drawn_big = _changed(draw(big.copy(), full, stack), big)
    drawn_big = cv2.resize(drawn_big.astype(np.uint8), (rgb.shape[1], rgb.shape[0]), interpolation=cv2.INTER_AREA)
    drawn_big = cv2.dilate(drawn_big, np.ones((3, 3), np.uint8)) > 0  # antialiased edges round differently
    wrong = _changed(draw(rgb.copy(), full.scaled(0.5, 0.5), stack), rgb)  # the check can tell
    assert drawn_small.sum() > 300 and (drawn_small & drawn_big).sum() > 0.9 * drawn_small.sum()
    assert wrong.sum() > 300 and (wrong & drawn_big).sum() < 0.5 * wrong.sum()
    mid_back = (lm[SIDES["right"]["hip"], :2] + lm[SIDES["right"]["shoulder"], :2]) / 2
    assert _near(SkeletonAnnotator().annotate(rgb.copy(), small), mid_back, FAULT)  # the faults kept


# Portrait phone footage and narrow frames: text fits the width and the boxes keep apart.

CUE_BG = (30, 30, 30)


@pytest.fixture(scope="module")
def still():
    """A real frame of a sample clip (640x480), no model needed."""
    from hingecheck.pose.sources import VideoFile

    return next(f.rgb for f in VideoFile(SAMPLES / "hinge_neutral_right.mp4").frames() if f.index == 30)


def _portrait(rgb, w, h):
    """The middle 9:16 of a landscape frame, resized to ``w`` x ``h`` (as a phone films it)."""
    import cv2

    cw = rgb.shape[0] * 9 // 16
    x0 = (rgb.shape[1] - cw) // 2
    return cv2.resize(np.ascontiguousarray(rgb[:, x0 : x0 + cw]), (w, h), interpolation=cv2.INTER_AREA)


def _bbox(mask):
    """(x0, y0, x1, y1) of the set pixels, ends exclusive."""
    ys, xs = np.nonzero(mask)
    assert len(xs), "nothing drawn"
    return xs.min(), ys.min(), xs.max() + 1, ys.max() + 1


def _apart(a, b):
    return a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


def _is(img, color, tol=2):
    return np.abs(img.astype(int) - np.array(color)).max(axis=2) <= tol


def _longest_cue():
    import cv2

    from hingecheck.render.cues import CUES, NOT_JUDGED_CUE, SETUP_CUES

    cues = [*CUES.values(), *SETUP_CUES.values(), NOT_JUDGED_CUE]
    return max(cues, key=lambda t: cv2.getTextSize(t, cv2.FONT_HERSHEY_SIMPLEX, 1, 2)[0][0])


@pytest.mark.parametrize("size", [(360, 640), (640, 1138)])
@pytest.mark.parametrize(
    "verdict, cue, stats",
    [
        ("hips_rise_first", "Chest and hips rise together", False),  # the tester's clip
        ("lumbar_rounding", None, True),  # the longest banner, with the live stats
        ("squatty_hinge", "longest", True),
    ],
)
def test_portrait_overlay_fits_the_width_and_nothing_overlaps(still, size, verdict, cue, stats):
    """On a portrait frame the cue lies whole inside the frame (its dark box around the text on
    both sides, short of both edges), and the banner, rep counter, cue and stats each keep to
    their own pixels: the counter drawn with everything else looks as it does alone."""
    w, h = size
    rgb = _portrait(still, w, h)
    cue = _longest_cue() if cue == "longest" else cue
    s = OverlayState(
        reps=12, last_verdict=verdict, cue=cue, fps=30.0 if stats else None, latency_ms=48.0 if stats else None
    )
    alone = {cls: _changed(cls().annotate(rgb.copy(), s), rgb) for cls in (RepCounterAnnotator, VerdictBannerAnnotator)}
    if cue:
        alone[CueAnnotator] = _changed(CueAnnotator().annotate(rgb.copy(), s), rgb)
    if stats:
        alone[StatsAnnotator] = _changed(StatsAnnotator().annotate(rgb.copy(), s), rgb)
    boxes = {cls: _bbox(m) for cls, m in alone.items()}
    for cls, (x0, y0, x1, y1) in boxes.items():
        assert x0 > 0 and y0 >= 0 and x1 < w and y1 < h, (cls.__name__, boxes[cls])  # short of the edges
    names = list(boxes)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert _apart(boxes[a], boxes[b]), (a.__name__, boxes[a], b.__name__, boxes[b])

    full = draw(rgb.copy(), s, default_annotators(stats=stats))
    counter_only = RepCounterAnnotator().annotate(rgb.copy(), s)
    x0, y0, x1, y1 = boxes[RepCounterAnnotator]
    np.testing.assert_array_equal(full[y0:y1, x0:x1], counter_only[y0:y1, x0:x1])  # "REPS" and 12 uncovered

    banner = VerdictBannerAnnotator().annotate(rgb.copy(), s)
    assert _is(banner, FAULT).sum() > 0.2 * alone[VerdictBannerAnnotator].sum()  # a red banner, not a sliver

    if cue:
        drawn = CueAnnotator().annotate(rgb.copy(), s)
        text = _is(drawn, (255, 255, 255), tol=30) & alone[CueAnnotator]
        tx0, ty0, tx1, ty1 = _bbox(text)
        bg = _is(drawn, CUE_BG) & alone[CueAnnotator]
        rows = slice(ty0, ty1)
        assert bg[rows, :tx0].any() and bg[rows, tx1:].any()  # box padding on both sides: no letter cut off
        assert ty1 - ty0 >= 0.02 * w  # still readable: not shrunk to a thread
        assert boxes[CueAnnotator][1] > h // 2  # along the bottom


@pytest.mark.parametrize("size", [(1280, 720), (640, 360)])
def test_landscape_banner_and_cue_centred_at_their_height(still, size):
    """Landscape keeps its layout: the banner and a one-line cue centred across the frame, their
    text sized by the height (0.8 font scale at 480 px: about 22 px high per 480 px)."""
    import cv2

    w, h = size
    rgb = cv2.resize(still, (w, h))
    s = OverlayState(reps=3, last_verdict="lumbar_rounding", cue="Chest and hips rise together")
    k = h / 480
    for cls, (top, bottom) in {VerdictBannerAnnotator: (0, h // 6), CueAnnotator: (5 * h // 6, h)}.items():
        x0, y0, x1, y1 = _bbox(_changed(cls().annotate(rgb.copy(), s), rgb))
        assert abs((x0 + x1) / 2 - w / 2) <= 2, cls.__name__
        assert top <= y0 and y1 <= bottom, cls.__name__
        assert 26 * k <= y1 - y0 <= 40 * k, (cls.__name__, y1 - y0)  # one line of 0.8 x k text


@pytest.mark.parametrize(
    "text,scale,thick", [("trunk 79", 0.375, 1), ("spine +28  hip 141  knee 84", 0.5, 1), ("GOOD REP", 0.8, 2)]
)
def test_text_outline_hugs_the_letters_it_outlines(text, scale, thick):
    """Every text has a dark outline, and it ends where the letters end: no dark letters trailing
    it (OpenCV 5 draws a thickness of 1 narrower than 3, so a thicker outline stroke ran ahead of
    the text letter by letter; and it draws 2 and 4 alike, so bold text had no outline at all)."""
    from hingecheck.render.overlay import draw_text

    frame = np.full((80, 400, 3), 128, np.uint8)
    draw_text(frame, text, (20, 50), scale, thick=thick)
    dark = np.flatnonzero((frame.max(axis=2) < 60).any(axis=0))
    light = np.flatnonzero((frame.min(axis=2) > 200).any(axis=0))
    assert len(light) and len(dark), "no outline"
    assert light[0] - 2 <= dark[0] and dark[-1] <= light[-1] + 2, (dark[[0, -1]], light[[0, -1]])


def test_a_front_view_clip_says_so_on_its_frames(landmark_cache_dir):
    """A clip judged ``unusable_view`` says on every frame of its review video and --play window
    what to do ("Turn side-on to the camera"); before, its frames showed angles and a counter at 0
    and nothing said why no rep was judged. A side view's frames carry no such cue."""
    from hingecheck.core.analysis import analyze
    from hingecheck.pose.cache import LandmarkCache
    from hingecheck.pose.landmarker import estimate_clip
    from hingecheck.render.cues import SETUP_CUES

    cache = LandmarkCache(landmark_cache_dir)
    front = estimate_clip(SAMPLES / "front_view.mp4", cache=cache)
    result = analyze(front, file="front_view.mp4")
    assert result.verdict == "unusable_view"
    for i in (0, front.n_frames // 2, front.n_frames - 1):
        state = OverlayState.from_clip(i, front.image[i], result)
        assert state.cue == SETUP_CUES["front"]
        frame = np.zeros((front.height, front.width, 3), np.uint8)
        assert _changed(CueAnnotator().annotate(frame.copy(), state), frame).any()
    side = estimate_clip(SAMPLES / "hinge_neutral_left.mp4", cache=cache)
    ok = analyze(side, file="hinge_neutral_left.mp4")
    assert OverlayState.from_clip(0, side.image[0], ok).cue is None


#: Small frames (width, height px): 200 px wide in portrait, square and landscape, and widths
#: from 100 to 320 px at phone and camera aspect ratios.
SMALL = [(200, 356), (200, 200), (200, 150), (200, 112)] + [
    (w, round(w * r)) for w in range(100, 330, 10) for r in (16 / 9, 4 / 3, 1, 3 / 4, 9 / 16)
]


def test_every_text_lies_inside_a_small_frame():
    """At small sizes every text block (stats, banner, cue) lies inside the frame, none cut at an
    edge: the live stats on a 200-px-wide frame had their box 1 px past the right and top edges,
    and on a frame 67 px high their letters 1 px above the top. Each block drawn on a canvas 40 px
    larger all round than the frame (where OpenCV draws the letters is the truth) inks only the
    frame's pixels, and its box (padding included: the banner's and cue's background) and the rep
    counter's lie inside the frame."""
    from dataclasses import replace

    from hingecheck.render.overlay import _draw_block, layout

    m = 40
    s = OverlayState(reps=12, last_verdict="lumbar_rounding", cue=_longest_cue(), fps=120.0, latency_ms=1234.0)
    for w, h in SMALL:
        lay = layout((h, w, 3), s)
        x0, y0, x1, y1 = lay.counter
        assert 0 <= x0 and 0 <= y0 and x1 <= w and y1 <= h, (w, h, "counter", lay.counter)
        for name in ("stats", "banner", "cue"):
            b = getattr(lay, name)
            x0, y0, x1, y1 = b.box
            assert 0 <= x0 and 0 <= y0 and x1 <= w and y1 <= h, (w, h, name, b.box)
            canvas = np.full((h + 2 * m, w + 2 * m, 3), 128, np.uint8)
            _draw_block(canvas, replace(b, origins=tuple((x + m, y + m) for x, y in b.origins)))
            ys, xs = np.nonzero((canvas != 128).any(axis=2))
            ink = (xs.min() - m, ys.min() - m, xs.max() - m + 1, ys.max() - m + 1)
            assert 0 <= ink[0] and 0 <= ink[1] and ink[2] <= w and ink[3] <= h, (w, h, name, ink)


@pytest.mark.parametrize(
    ("v", "signed", "text"),
    [
        (-0.3, False, "0"),
        (0.3, False, "0"),
        (-0.6, False, "-1"),
        (12.4, False, "12"),
        (-0.3, True, "+0"),
        (7.6, True, "+8"),
        (-3.2, True, "-3"),
    ],
)
def test_angles_are_drawn_in_whole_degrees_without_a_negative_zero(v, signed, text):
    """A standing lifter's hip at -0.3 deg was drawn "hip -0" (``f"{-0.3:.0f}"``)."""
    from hingecheck.render.overlay import degrees

    assert degrees(v, signed) == text


def test_a_standing_hip_is_labelled_0_not_minus_0():
    """The label drawn beside the hip for -0.3 deg is the one for "hip 0", pixel for pixel (the
    hip clear of the rep counter, which a label now keeps out of)."""
    from hingecheck.render.overlay import AngleLabelAnnotator, _label

    lm = np.full((33, 3), np.nan)
    lm[24, :2] = (300.0, 300.0)  # right hip
    drawn = AngleLabelAnnotator().annotate(
        np.zeros((480, 640, 3), np.uint8), OverlayState(landmarks=lm, side="right", angles={"hip_flexion": -0.3})
    )
    want = np.zeros((480, 640, 3), np.uint8)
    _label(want, "hip 0", (312, 292), 0.5, 1)  # beside the joint: 12 px right, 8 px up on a 480-px frame
    assert drawn.any() and np.array_equal(drawn, want)


def test_an_arched_spine_is_labelled_arched_not_minus(real_frame):
    """Standing, the window read "spine -28" (the back's outline curves in: lordosis, glutes), a
    minus sign a lifter could not read. An extension now reads "spine 28 arched"; a flexion stays
    a number ("spine 28"). The label's drawn width is the width of those words in the label font."""
    import cv2

    rgb, lm = real_frame

    def width(spine):
        out = AngleLabelAnnotator().annotate(rgb.copy(), _state(lm, angles={"spine_flexion": spine}))
        xs = np.nonzero(_changed(out, rgb))[1]
        return xs.max() - xs.min() + 1

    k = min(rgb.shape[:2]) / 480.0

    def text_w(text):
        return cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.5 * k, max(1, int(k)))[0][0]

    assert abs(width(-28.0) - width(28.0) - (text_w("spine 28 arched") - text_w("spine 28"))) <= 2


def test_grown_labels_are_not_drawn_under_the_banner_counter_or_cue(real_frame):
    """Grown for a small window (live: a 640x480 camera shown at 557x418), the spine label, moved
    up away from the trunk label, went under the verdict banner drawn after it ("GOOD REP" over
    "spine 2 arched"). Every pixel the labels draw is still there once the counter, banner and cue
    are drawn over the frame."""
    from hingecheck.render.overlay import CueAnnotator, RepCounterAnnotator, VerdictBannerAnnotator, draw

    rgb, lm = real_frame
    angles = {"hip_flexion": 8.0, "knee_flexion": 10.0, "trunk_incline": 0.0, "spine_flexion": -2.0}
    for shift in range(0, 80, 10):  # the lifter higher in the picture, toward the banner, head in view
        moved = lm.copy()
        moved[:, 1] -= shift
        assert np.nanmin(moved[:, 1]) > 0
        s = _state(moved, angles=angles, reps=4, last_verdict="neutral", cue="Brace — flat back", display_scale=0.87)
        labels = AngleLabelAnnotator().annotate(rgb.copy(), s)
        drawn = _changed(labels, rgb)
        full = draw(labels.copy(), s, [RepCounterAnnotator(), VerdictBannerAnnotator(), CueAnnotator()])
        covered = drawn & _changed(full, labels)
        assert covered.sum() == 0, (shift, covered.sum())


def test_labels_keep_out_of_the_banner_on_a_small_frame(real_frame):
    """On a 360x306 frame the trunk label at a shoulder near the top found no free place among its
    three tries (right of the joint, below, left: each under the banner) and was drawn at the first,
    under the banner. For every height of the lifter that keeps the shoulder in the picture, the
    labels drawn alone ink no pixel inside the banner's box (nor the counter's or the cue's) from
    ``layout``, and the banner, counter and cue drawn afterwards cover none of them."""
    import cv2

    from hingecheck.render.overlay import CueAnnotator, RepCounterAnnotator, VerdictBannerAnnotator, draw, layout

    rgb, lm = real_frame
    h0, w0 = rgb.shape[:2]
    small = cv2.resize(rgb, (360, 306), interpolation=cv2.INTER_AREA)
    base = lm.copy()
    base[:, 0] *= 360 / w0
    base[:, 1] *= 306 / h0
    angles = {"hip_flexion": 31.0, "knee_flexion": 12.0, "trunk_incline": 28.0, "spine_flexion": 6.0}
    shoulder = SIDES["right"]["shoulder"]
    shifts = [d for d in range(0, 200, 4) if 0 < base[shoulder, 1] - d]
    assert len(shifts) > 10
    for shift in shifts:
        moved = base.copy()
        moved[:, 1] -= shift
        s = _state(moved, angles=angles, reps=3, last_verdict="lumbar_rounding", cue="Brace — flat back")
        lay = layout(small.shape, s)
        labels = AngleLabelAnnotator().annotate(small.copy(), s)
        drawn = _changed(labels, small)
        assert drawn.any()
        for name, (x0, y0, x1, y1) in (("banner", lay.banner.box), ("counter", lay.counter), ("cue", lay.cue.box)):
            assert not drawn[max(0, y0) : y1, max(0, x0) : x1].any(), (shift, name, moved[shoulder])
        full = draw(labels.copy(), s, [RepCounterAnnotator(), VerdictBannerAnnotator(), CueAnnotator()])
        assert not (drawn & _changed(full, labels)).any(), shift
