"""The live core: :class:`StreamingAnalyzer` takes one frame at a time and gives the live view a
:class:`FrameState` for each.

A causal one-euro filter and :mod:`~hingecheck.core.liveframe`
(:func:`~hingecheck.core.measures.frame_measures`' float-math twin: the same numbers without ~80
small numpy calls a frame) give the live overlay its angles and warnings on every frame; once a
rep is finished (the lockout held, or the stream ended), the raw frames since just before it go
through :func:`~hingecheck.core.analysis.measure` — the batch path — and
:func:`~hingecheck.core.classify.classify_rep`, so a clip played live gets the reps and verdicts
``score`` gives it, judged against the lifter's standing posture before the first rep, as there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from hingecheck.core import exercise as exercise_choice
from hingecheck.core import liveframe
from hingecheck.core.analysis import measure
from hingecheck.core.classify import classify_rep
from hingecheck.core.config import Thresholds, load_config
from hingecheck.core.faults import HELD_MIN_SEEN, WARN_HELD_WINDOW_S, FrameSignals, frame_warnings_now
from hingecheck.core.filters import OneEuro, RunningMedian
from hingecheck.core.kinematics import choose_side, facing_direction
from hingecheck.core.measures import (
    BASELINE_MEASURES,
    MEASURES,
    Baselines,
    baselines,
    model_factor,
    settled_frames,
    spine_flexion,
    standing_frames,
    untrusted_checks,
)
from hingecheck.core.reps import hysteresis_state, hysteresis_step, top_reached
from hingecheck.core.results import Rep
from hingecheck.core.series import PoseSeries
from hingecheck.core.view import rectify_oblique, view_from_yaw

#: Frames used to decide side and facing in the live path before they are fixed.
LIVE_SETUP_FRAMES = 15
#: Live: a rep is closed once the lifter has held the lockout this long (s) or starts down again.
#: (The batch path reads the lockout over ``classify.LOCKOUT_WINDOW_S`` = 0.4 s after the rep's end;
#: waiting 0.5 s made live equal ``score`` on 2 more real dev clips but moved a rendered oblique rep's
#: held spine from 7.43 to 7.50 deg, over its 7.5 limit, where batch reads 6.8: kept at 0.3 s.)
LIVE_LOCKOUT_HOLD_S = 0.3
#: ... and has been at the top for the batch segmentation's ``lockout_seen_s`` plus this (s): the live
#: filter's top and the cleaned window's differ by a frame or two near the window's edge, and a rep
#: judged a moment early would read its lockout as not seen where ``score`` sees it. Live and batch
#: agree on 297 of 314 dev and metamorphic clips' reps (verdicts and checks not judged) with 0.1 s,
#: 295 without (and 296 before lockouts at the clip's end were told apart).
LIVE_LOCKOUT_MARGIN_S = 0.1
#: Live: the view is the median body yaw over this many seconds of the most recent frames.
LIVE_VIEW_WINDOW_S = 3.0
#: Live: a finished rep is judged on the raw frames from this long (s) before the last lockout
#: (the batch filters settle within ~0.3 s of a window's edge; the rep starts after the lockout).
LIVE_CONTEXT_S = 2.0
#: Live: the first rep's window reaches this far back (s) for the standing baselines (batch takes
#: them from the ``baseline_window_s`` before the first rep).
LIVE_FIRST_WINDOW_S = 30.0
#: Live, ``--exercise auto``: the frames are counted for a pull from the floor in batches of this
#: many (a sixth of a second at 30 fps; and always before a rep is judged): counting them one by
#: one cost 0.07 ms a frame, half a percent of inference. Once it is a deadlift, it stays one.
LIVE_PULL_EVERY = 6


@dataclass
class FrameState:
    """What the live view shows for one frame (angles in degrees, positions in pixels)."""

    t: float
    detected: bool
    phase: str  # "setup" (not graded yet), "standing", "descending", "ascending"
    reps: int  # completed reps so far
    angles: dict = field(
        default_factory=dict
    )  # hip_flexion, knee_flexion, trunk_incline, shin_angle, neck_change, spine_flexion
    landmarks: np.ndarray | None = None  # (33, 3) filtered image landmarks, pixels
    contacts: np.ndarray | None = None  # (3, 2) dowel contact points, pixels
    side: str | None = None
    facing: int = 0
    view: str = "unknown"
    new_rep: Rep | None = None  # the rep completed on this frame, if any
    last_rep: Rep | None = None
    warnings: tuple[str, ...] = ()  # fault names the current frame already shows (for cues)


class StreamingAnalyzer:
    """The live path: feed frames one at a time with :meth:`push`; same functions as
    :func:`~hingecheck.core.analysis.analyze`."""

    def __init__(self, exercise: str = "hinge", config: Thresholds | None = None, fps: float = 30.0):
        #: ``exercise="auto"``: judged as a hinge until the frames seen so far show a pull from the
        #: floor (:mod:`hingecheck.core.exercise`, counted as
        #: :func:`~hingecheck.core.analysis.choose_exercise` counts them), then as a deadlift;
        #: counted every ``LIVE_PULL_EVERY`` frames and before a rep is judged.
        self.auto = exercise == exercise_choice.AUTO and config is None
        self.th = config or load_config(exercise="hinge" if self.auto else exercise)
        self.exercise = self.th.exercise
        self.fps = fps
        # Image and world landmarks and the back profile, flattened, in one filter: every element
        # is filtered on its own, so one call does all three while every frame with a person has
        # a profile (masks on). A profile that is missing on some frames is filtered apart from
        # then on (OneEuro.split), as it would have been all along.
        self._euro = self._new_euro()
        self._euro_profile: OneEuro | None = None  # the profile's own filter once it is apart
        self._euro_has_profile = False  # self._euro has filtered profiles (its last elements)
        #: :attr:`PoseSeries.model_scale` of the frames pushed (set by the caller once it knows
        #: the picture it gives the model; NaN = unknown, taken as 1).
        self.model_scale = float("nan")
        self.reset()

    def _new_euro(self) -> OneEuro:
        th = self.th
        return OneEuro(th.euro_min_cutoff_hz, th.euro_beta, th.euro_d_cutoff_hz)

    def reset(self) -> None:
        """Forget everything (the ``r`` key): reps, baselines, side and facing."""
        # Frames seen before the side is fixed: visibility, landmarks, world, profile, t.
        self._setup: list[tuple] = []
        self._yaw = float("nan")
        self.side: str | None = None
        self.facing = 0
        self.view = "unknown"
        self._m: dict[str, list[float]] = {k: [] for k in MEASURES}
        self._t: list[float] = []
        self._state = 0
        self._down_since_close = False  # a rep excursion began after the last closed rep
        self._base: Baselines | None = None
        self._spine_from_mask: bool | None = None
        self._closed_until = 0  # frames before this index belong to finished reps
        self.reps: list[Rep] = []
        self._last_rep: Rep | None = None
        # Running medians (sorted as frames come, not recomputed over the history on every frame):
        # the view's yaw over the last LIVE_VIEW_WINDOW_S, the trunk length over the session, and,
        # until the first rep fixes the baselines, each baseline measure over the standing frames.
        self._yaws = RunningMedian(window=int(self.fps * LIVE_VIEW_WINDOW_S))
        self._trunks = RunningMedian()
        self._standing = {k: RunningMedian() for k in BASELINE_MEASURES}
        # Spine flexion of the current rep so far (its last WARN_HELD_WINDOW_S), for the live warning.
        self._rep_spine = RunningMedian(window=int(self.fps * WARN_HELD_WINDOW_S))
        # Raw landmarks of the measured frames (image, visibility, world, profile, t, picture
        # change, and the frames without the lifter just before it as (t, picture change) pairs)
        # from index _raw_offset on, for judging finished reps with the batch path (_judge_window).
        self._raw: list[tuple] = []
        # Frames without the lifter since the last in _raw, as (t, picture change): the first and the
        # last _gap_keep of a long absence (the cleaning sees a gap longer than max_gap_s the same
        # whatever its length), the largest picture change of those between carried on a kept one.
        self._missing: list[tuple[float, float]] = []
        self._raw_offset = 0
        self._judge_base: Baselines | None = None  # the session's standing baselines, batch-measured
        self._last_end = 0  # end frame of the last rep judged
        # exercise="auto": seconds seen at the bottom of a pull, counted over the raw frames up to
        # _pull_next (an index into every raw frame of the session), the last one's time.
        self.pull_s = 0.0
        self._pull_next = 0
        self._pull_t: float | None = None
        if self.auto and self.exercise != "hinge":
            self.th = load_config(exercise="hinge")
            self.exercise = "hinge"

    def push(
        self,
        image: np.ndarray,
        visibility: np.ndarray,
        world: np.ndarray,
        t: float,
        detected: bool,
        profile: np.ndarray | None = None,
        scene_change: float = float("nan"),
    ) -> FrameState:
        """One frame: landmarks ``(33, 3)`` px, visibility ``(33,)``, world ``(33, 3)`` m, ``t`` s,
        back profile ``(29, 2)`` px or None, the picture's change from the previous frame
        (:attr:`PoseSeries.scene_change`, grey levels; NaN if not measured: a cut between shots
        of a played clip is then not seen). Returns what the overlay and cues need."""
        th = self.th
        if not detected:
            if self._raw:  # kept as a gap, so a judged window is the batch series frame for frame
                self._missing.append((t, scene_change))
                keep = self._gap_keep()
                if len(self._missing) > 2 * keep:  # drop the middle frame, its picture change carried on
                    _, change = self._missing.pop(keep)
                    t_next, change_next = self._missing[keep]
                    self._missing[keep] = (t_next, float(np.fmax(change_next, change)))
            return FrameState(
                t=t,
                detected=False,
                phase="setup" if self.side is None else self._phase(),
                reps=len(self.reps),
                side=self.side,
                facing=self.facing,
                view=self.view,
                last_rep=self._last_rep,
            )
        self._raw.append((image, visibility, world, profile, t, scene_change, self._missing))
        self._missing = []
        n_img, n_body = np.size(image), np.size(image) + np.size(world)
        fused = profile is not None and self._euro_profile is None
        parts = (image, world, profile) if fused else (image, world)
        flat = np.concatenate([np.ravel(a) for a in parts], dtype=np.float64)
        flat[:n_img].reshape(np.shape(image))[np.asarray(visibility) < th.min_visibility] = np.nan
        if not fused and self._euro_profile is None:  # no profile on this frame: apart from now on
            if self._euro_has_profile:  # profiles came before: their part of the filter goes on apart
                self._euro, self._euro_profile = self._euro.split(n_body)
            else:
                self._euro_profile = self._new_euro()
        self._euro_has_profile |= fused
        flat = self._euro(flat, t)
        img, wld = flat[:n_img].reshape(np.shape(image)), flat[n_img:n_body].reshape(np.shape(world))
        prof = None
        if fused:
            prof = flat[n_body:].reshape(np.shape(profile))
        elif profile is not None:
            prof = self._euro_profile(np.ravel(np.asarray(profile, np.float64)), t).reshape(np.shape(profile))
        early = None  # a rep closed while measuring the set-up frames
        # One frame in plain float math (liveframe: the same numbers as the vectorized functions).
        if self.side is None:
            self._setup.append((np.asarray(visibility, np.float64), img, wld, prof, t))
            yaw_now = liveframe.body_yaw(wld)
            self._yaws.add(yaw_now)
            if len(self._setup) < LIVE_SETUP_FRAMES:
                return FrameState(t=t, detected=True, phase="setup", reps=0, landmarks=img, view=self.view)
            vis = np.stack([s[0] for s in self._setup])
            imgs = np.stack([s[1] for s in self._setup])
            self.side = choose_side(vis, imgs)
            self.facing = facing_direction(imgs, self.side)
            self._yaws.add(yaw_now)  # the frame that fixes the side counts twice, as it always has
            # The frames that fixed the side are measured now, not lost: a pull filmed from the
            # set-up starts on them (batch measures every frame).
            self._update_view()
            for _, i, w, p, ts in self._setup[:-1]:
                early = self._ingest(i, w, p, ts)[2] or early
            self._setup = []
        else:
            self._yaws.add(liveframe.body_yaw(wld))
            self._update_view()
        if (
            self.auto
            and self.exercise == "hinge"
            and self._raw_offset + len(self._raw) - self._pull_next >= LIVE_PULL_EVERY
        ):
            self._choose_exercise()  # the frame's warnings then use the profile the movement shows
        m, contacts, new_rep = self._ingest(img, wld, prof, t)
        new_rep = new_rep or early
        hip = m["hip_flexion"]
        # Before the first rep the baselines are the medians over every standing frame so far
        # (what standing_frames gives without a rep), kept up to date frame by frame.
        base = self._base or Baselines(*(self._standing[k].median() for k in BASELINE_MEASURES))
        # What features() gives for this frame, of the measures the view and the warnings show.
        spine_from_mask = bool(self._spine_from_mask)
        spine = float(spine_flexion(m["bend"], m["chord_bend_base"], base, spine_from_mask, th))
        neck = m["neck_angle"] - base.neck
        angles = {
            "hip_flexion": hip,
            "knee_flexion": m["knee_flexion"],
            "trunk_incline": m["trunk_incline"],
            "shin_angle": m["shin_angle"],
            "neck_change": neck,
            "spine_flexion": spine,
        }
        return FrameState(
            t=t,
            detected=True,
            phase=self._phase(),
            reps=len(self.reps),
            angles=angles,
            landmarks=img,
            contacts=contacts,
            side=self.side,
            facing=self.facing,
            view=self.view,
            new_rep=new_rep,
            last_rep=self._last_rep,
            warnings=self._warnings(spine, m["knee_flexion"], neck, not spine_from_mask),
        )

    def _update_view(self) -> None:
        self._yaw = self._yaws.median()
        self.view = view_from_yaw(self._yaw, self.th.side_view_min_yaw_deg, self.th.oblique_view_min_yaw_deg)

    def _ingest(self, img: np.ndarray, wld: np.ndarray, prof: np.ndarray | None, t: float):
        """Measure one filtered frame into the buffers (plain float math: :mod:`liveframe`), step
        the rep state, close a finished rep: ``(measures, dowel contacts, the rep closed on this
        frame or None)``."""
        th = self.th
        img_m = img if self.view != "oblique" else rectify_oblique(img[None], self._yaw)[0]
        m, contacts = liveframe.frame_measures(img_m, wld, prof, self.side, self.facing)
        liveframe.drop_implausible(m, th)
        self._trunks.add(liveframe.trunk_length(img))
        if self._spine_from_mask is None:
            self._spine_from_mask = prof is not None
        for k, buf in self._m.items():
            buf.append(m[k])
        self._t.append(t)
        hip = m["hip_flexion"]
        self._state = hysteresis_step(self._state, hip, th.rep_enter_deg, th.rep_exit_deg)
        self._down_since_close |= self._state == 1
        if self._base is None and self._state == 1:
            self._base = self._baselines()
        elif self._base is None and math.isfinite(hip) and hip < th.standing_max_deg:
            for k, med in self._standing.items():  # no rep yet: every standing frame counts
                med.add(m[k])
        return m, contacts, self._maybe_close_rep()

    def _arrays(self, start: int = 0) -> dict[str, np.ndarray]:
        return {k: np.asarray(v[start:], np.float64) for k, v in self._m.items()}

    def _baselines(self) -> Baselines:
        m = self._arrays()
        t = np.asarray(self._t)
        return baselines(m, standing_frames(m["hip_flexion"], t, self.th), settled_frames(t, self.th))

    def _untrusted(self) -> dict[str, str]:
        return untrusted_checks(self._trunks.median() * model_factor(self.model_scale), self.view, self.th)

    def _phase(self) -> str:
        h = self._m["hip_flexion"][-3:]
        if self._state == 0:
            return "standing"
        return "descending" if len(h) < 2 or h[-1] >= h[0] else "ascending"

    def finish(self) -> Rep | None:
        """The stream has ended (the clip is over, or the lifter quit): close what the batch path
        would still judge — a rep whose lockout was reached but not yet held, and, when the session
        has no rep at all, the pull cut by the clip's edge (a single pull filmed from the set-up,
        judged as a partial rep) — so a clip played live gets the reps ``score`` gives it."""
        if not self._down_since_close:
            return None
        rep = self._maybe_close_rep(final=True)
        if rep is not None:
            self._last_rep = rep
        return rep

    def _maybe_close_rep(self, final: bool = False) -> Rep | None:
        """Once the lifter is back up and has held the lockout (or starts down again), run the
        batch segmentation and classification on the frames since the last finished rep.
        ``final``: the stream has ended (see :meth:`finish`)."""
        if not self._down_since_close or (self._state != 0 and not final):
            return None  # only once back up after a descent: no buffer scan on every standing frame
        h = np.asarray(self._m["hip_flexion"][self._closed_until :], np.float64)
        state = hysteresis_state(h, self.th.rep_enter_deg, self.th.rep_exit_deg)
        if not (state == 1).any():
            return None
        last_down = int(np.flatnonzero(state == 1)[-1])
        top = h[last_down + 1 :]
        t = np.asarray(self._t[self._closed_until :])
        held = t[-1] - t[last_down + 1] if len(top) else 0.0
        rising = len(top) > 1 and np.isfinite(top).any() and top[-1] > np.nanmin(top) + self.th.rep_edge_deg
        # ... and has been at the top (within rep_edge_deg of its lowest flexion since) for
        # lockout_seen_s, as the batch segmentation needs to count a lockout at the clip's end as seen.
        reached = top_reached(top, self.th.rep_edge_deg)
        at_top = 0.0 if reached is None else t[-1] - t[last_down + 1 + reached]
        # A session filmed from the set-up has no standing posture before its first pull: batch takes
        # it from the standing frames after the lockout, so the first rep waits for that much of them
        # (``baseline_window_s``) unless the lifter starts down again first.
        no_stance = self._base is None or not np.isfinite(self._base.neck)
        need = LIVE_LOCKOUT_HOLD_S
        if no_stance and self._judge_base is None:
            need = max(need, self.th.baseline_window_s)
        if (held < need or at_top < self.th.lockout_seen_s + LIVE_LOCKOUT_MARGIN_S) and not rising and not final:
            return None
        if no_stance:
            # No standing frames before the first pull (filmed from the set-up): the lockout
            # just reached is the standing reference, as offline.
            self._base = self._baselines()
        rep = None
        # As offline: a clip with no complete rep is judged on the pull its edge cuts.
        for rep in self._judge_window(final and not self.reps and self._closed_until == 0):
            self.reps.append(rep)
        self._last_rep = rep or self._last_rep
        # The next rep may start from this lockout: keep the standing frames after the bottom.
        self._closed_until += last_down + 1
        self._down_since_close = False
        self._trim_raw()
        return rep

    def _judge_window(self, partial_ok: bool) -> list[Rep]:
        """One core, one answer: a finished rep is judged on the raw landmarks buffered since just
        before it, cleaned and measured by the batch path (:func:`measure`: Hampel, zero-phase
        Butterworth, the same baselines, the outline's jitter) — the one-euro filter only draws
        the live overlay — so a clip played live gets the verdicts ``score`` gives it. The first
        rep's window reaches back :data:`LIVE_FIRST_WINDOW_S` for the standing baselines; later
        windows start :data:`LIVE_CONTEXT_S` before the last lockout and keep those baselines."""
        n = len(self._t)
        if self._judge_base is None:
            w0 = max(0, n - int(round(LIVE_FIRST_WINDOW_S * self.fps)))
        else:
            w0 = max(0, self._closed_until - int(round(LIVE_CONTEXT_S * self.fps)))
        w0 = max(w0, self._raw_offset)
        if self.auto and self.exercise == "hinge":
            self._choose_exercise()
        series, measured = self._raw_series(w0)  # measured: series frame -> measured frame (from w0)
        # The clip's "person found on too few frames" rule is for a whole clip: a window that spans
        # the lifter's absence before this rep is still judged (the session's record is score's).
        th = replace(self.th, min_detected_fraction=0.0)
        meas = measure(series, config=th, base=self._judge_base, per_frame=False, last_shot=True)
        if meas.features is None:
            return []
        if self._judge_base is None:
            self._judge_base = meas.baselines
        out = []
        for w in meas.windows:
            # Reps follow one another: one that starts before the last judged rep ended is that
            # rep again, seen from inside (the window opens during it).
            if w0 + measured[w.start] < self._last_end or (w.partial and not partial_ok):
                continue
            rep = classify_rep(meas.features, w, self.th, len(self.reps) + len(out) + 1, meas.view)
            out.append(_shift(rep, measured, w0))
            self._last_end = w0 + measured[w.end]
        return out

    def _choose_exercise(self) -> None:
        """``auto``: count the raw frames not yet counted
        (:func:`~hingecheck.core.analysis.choose_exercise`'s measure, frame by frame) and switch to
        the deadlift profile once they show a pull from the floor."""
        new = self._raw[max(0, self._pull_next - self._raw_offset) :]
        if new and self.side is not None:
            image = np.stack([np.asarray(r[0], np.float64) for r in new])
            t = np.array([r[4] for r in new], np.float64)
            self.pull_s += exercise_choice.seconds_at_floor(
                image, t, self.side, self.facing, self.th, previous_t=self._pull_t
            )
            self._pull_next += len(new)
            self._pull_t = float(t[-1])
        chosen = exercise_choice.choose(self.pull_s, self.th)
        if chosen != self.exercise:
            self.th = load_config(exercise=chosen)
            self.exercise = chosen

    def _gap_keep(self) -> int:
        """Frames kept at each end of an absence: more than a filled gap and a Hampel window."""
        return int(math.ceil(self.th.max_gap_s * self.fps)) + self.th.hampel_window + 1

    def _raw_series(self, start: int) -> tuple[PoseSeries, np.ndarray]:
        """The buffered raw frames from index ``start`` (of the measured frames) as a series, with
        the frames without the lifter between them put back as undetected frames (the batch
        series has them: its gap filling and filters run on the frame grid), and for each of the
        series' frames the index of the measured frame at or before it (from ``start``)."""
        rows = self._raw[start - self._raw_offset :]
        gaps = [len(r[6]) if i else 0 for i, r in enumerate(rows)]  # the first row's gap is outside
        n = len(rows) + sum(gaps)
        at = np.cumsum(np.asarray(gaps, np.intp) + 1) - 1  # each measured frame's row in the series
        detected = np.zeros(n, bool)
        detected[at] = True

        def grid(k: int, fill: float) -> np.ndarray:  # column k of the rows on the frame grid
            got = np.stack([r[k] for r in rows])
            out = np.full((n, *got.shape[1:]), fill, got.dtype)
            out[at] = got
            return out

        image, visibility, world = grid(0, np.nan), grid(1, 0.0), grid(2, np.nan)
        t = np.empty(n)
        change = np.empty(n, np.float32)
        t[at] = [r[4] for r in rows]
        change[at] = [r[5] for r in rows]
        gap_rows = np.flatnonzero(~detected)
        missing = [m for i, r in enumerate(rows) if i for m in r[6]]
        if missing:
            t[gap_rows], change[gap_rows] = np.asarray(missing, np.float64).T
        profile = None if any(r[3] is None for r in rows) else grid(3, np.nan)
        series = PoseSeries(
            image=image,
            visibility=visibility,
            world=world,
            t=t,
            detected=detected,
            width=0,
            height=0,
            fps=self.fps,
            profile=profile,
            source="live",
            scene_change=change,
            model_scale=self.model_scale,
        )
        return series, np.cumsum(detected) - 1

    def _trim_raw(self) -> None:
        """Drop the raw frames no later window can reach (the core's buffer stays bounded in
        session length; the live session's record for its summary is the caller's)."""
        drop = self._closed_until - int(round(LIVE_CONTEXT_S * self.fps)) - self._raw_offset
        if drop > 0 and self._judge_base is not None:
            del self._raw[:drop]
            self._raw_offset += drop

    def _warnings(self, spine: float, knee: float, neck_change: float, from_landmarks: bool) -> tuple[str, ...]:
        """The one warning rule (:func:`~hingecheck.core.faults.frame_warnings`) on this frame, from
        its spine flexion, knee flexion and neck change (degrees): the back flexion held is
        :func:`~hingecheck.core.faults.held_in_rep` over the rep so far, kept sorted as frames come."""
        th = self.th
        held = float("nan")
        if self._state == 1:
            self._rep_spine.add(spine)
            if self._rep_spine.finite_count() >= HELD_MIN_SEEN:
                held = self._rep_spine.percentile(th.spine_rep_percentile)
        else:
            self._rep_spine.clear()
        signals = FrameSignals(
            spine_held=held,
            knee=knee,
            neck_change=neck_change,
            in_rep=self._state == 1,
            spine_from_landmarks=from_landmarks,
        )
        return frame_warnings_now(signals, th, self._untrusted())


def _shift(rep: Rep, measured: np.ndarray, offset: int) -> Rep:
    """A rep judged on a live window, its frames counted in the session's measured frames:
    ``measured`` maps the window's frames to measured frames from ``offset``."""
    return replace(
        rep,
        start_frame=int(measured[rep.start_frame]) + offset,
        bottom_frame=int(measured[rep.bottom_frame]) + offset,
        end_frame=int(measured[rep.end_frame]) + offset,
    )


__all__ = ["FrameState", "StreamingAnalyzer"]
