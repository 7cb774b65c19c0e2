"""Choosing the lifter among the people in view (no model: stick-figure landmarks, known positions)."""

import numpy as np

from hingecheck.pose.lifter import LifterTracker

import stick

W = 1280.0


def person(x: float, trunk: float = 0.0, thigh: float = 0.0, scale: float = 1.0) -> np.ndarray:
    """One stick figure's ``(33, 3)`` landmarks (px), ankles at ``x``, hinged ``trunk`` degrees."""
    lm = stick.figure(trunk, thigh, 0.0, ankle=(x, 700.0))[0]
    return (lm - [x, 700.0, 0.0]) * scale + [x, 700.0, 0.0]


def tracker() -> LifterTracker:
    return LifterTracker(W)


def run(frames, fps=30.0):
    tr = tracker()
    return [tr.choose(people, i / fps) for i, people in enumerate(frames)]


def test_acquires_the_larger_centred_person_and_keeps_them_when_the_order_swaps():
    frames = []
    for i in range(60):
        lifter = person(640, trunk=min(i * 2.0, 80.0))  # hinging in the middle
        other = person(150, scale=0.8)  # smaller, at the edge
        frames.append([lifter, other] if i % 3 else [other, lifter])
    picks = run(frames)
    assert all(frames[i][p][0, 0] > 400 for i, p in enumerate(picks))  # nose of the centred one


def test_a_lone_bystander_is_not_taken_for_a_lifter_who_left():
    """The lifter walks out; the person standing beside them stays: those frames have no lifter,
    and when the lifter comes back they are the lifter again."""
    frames = [[person(640), person(1000)] for _ in range(30)]
    frames += [[person(1000)] for _ in range(90)]  # 3 s away
    frames += [[person(1000), person(600)] for _ in range(30)]
    picks = run(frames)
    assert all(frames[i][p][0, 0] < 800 for i, p in enumerate(picks[:30]))
    assert picks[30:120] == [None] * 90
    assert all(p is not None and frames[i][p][0, 0] < 800 for i, p in enumerate(picks[120:], start=120))


def test_a_lone_person_jumping_is_still_the_lifter():
    """Real clips' first landmarks jump (box 2.4x larger, hips 80 px off): with nobody else in
    view the one person is the lifter."""
    frames = [[person(640, scale=2.4)]] + [[person(720)] for _ in range(10)]
    assert run(frames) == [0] * 11


def test_the_same_person_found_twice_is_not_a_second_person():
    frames = [[person(640), person(645)] for _ in range(10)] + [[person(642)] for _ in range(10)]
    assert None not in run(frames)


def test_a_lifter_walking_in_is_followed():
    frames = [[person(100 + 20 * i)] for i in range(30)]  # 600 px/s: a brisk walk at this size
    assert run(frames) == [0] * 30


def test_a_lifter_split_in_two_for_a_frame_is_not_shut_out():
    """Measured on a real clip (deadlift-web/good011, two people looked for): frame 0 finds the
    lifter standing; frame 1 splits them, bending, into two small "people" and the tracker keeps
    the part nearer the standing hips; from frame 2 on the model finds one person, the lifter,
    where the other part was. A second person seen for one frame is not someone else in view: the
    lone person is the lifter from then on (the earlier rule left 2 frames of 55 with a lifter)."""
    standing = person(640, scale=1.0)
    split = [person(700, trunk=70.0, scale=0.4), person(520, trunk=70.0, scale=0.4)]
    frames = [[standing], split] + [[person(520, trunk=70.0, scale=0.5)] for _ in range(40)]
    picks = run(frames)
    assert picks[0] == 0 and picks[1] is not None
    assert picks[2:] == [0] * 40
