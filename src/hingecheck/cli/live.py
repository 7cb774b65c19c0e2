"""``hingecheck live``: the webcam coach. Skeleton, dowel, angles, a rep counter, one cue at a time,
a tone and a spoken cue at the end of each rep, and a session summary.

* Capture runs in its own thread and keeps only the newest frame: inference always gets the
  latest picture, stale frames are dropped, so latency never builds up.
* ``--source CLIP`` plays a file as if it were the camera, paced at the clip's own timestamps
  (frames the loop cannot take in time are dropped, as with a camera).
* The analysis is :class:`hingecheck.core.streaming.StreamingAnalyzer`: the same core as review and
  batch, one frame at a time, for what is shown and said during the session. The session keeps
  every frame's landmarks (and its picture change, for cuts in a played clip) and, when it ends,
  its summary is :func:`hingecheck.core.analysis.analyze` of them all: the answer ``score`` gives
  the same frames (whole-session baselines and filtering; the verdicts said after each rep were
  made with only the frames before it).
* Keys: q / Esc quit · space pause · r reset · m mirror (a new set) · s snapshot. Ctrl-C in the
  terminal ends the session as q does.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from hingecheck.atomic import write_text
from hingecheck.core.analysis import analyze
from hingecheck.core.results import ClipResult
from hingecheck.core.streaming import FrameState, StreamingAnalyzer
from hingecheck.pose.landmarker import PoseCollector, PoseEstimator, PoseSettings, content_box
from hingecheck.pose.scenechange import SceneChange
from hingecheck.pose.sources import Camera, Frame, VideoFile, kept_every
from hingecheck.render.audio import Speaker
from hingecheck.render.cues import (  # noqa: F401 (CUE_HOLD_S re-exported)
    CUE_HOLD_S,
    SETUP_CUES,
    CueBoard,
    RepCues,
    cue_for,
    main_fault,
    set_sentence,
)
from hingecheck.render.display import qt_fonts, shown_scale, window_closed, window_size
from hingecheck.render.overlay import OverlayState, default_annotators, draw

WINDOW = "hingecheck live"
#: Set-up checks: mean frame brightness (0-255) under this asks for more light.
DARK_LEVEL = 45.0
#: A set-up cue is said when it comes up on the screen, and not again within this many seconds.
SETUP_REPEAT_S = 10.0
#: Shown instead of the skeleton and angles while the space key has paused the analysis.
PAUSED_CUE = "Paused - press space to resume"
#: The feet count as seen when the graded side's ankle and toe have at least this visibility.
FEET_VISIBILITY = 0.5


@dataclass
class SessionSummary:
    """What a session did; small and JSON-friendly (a history store can keep it as is)."""

    started: str
    source: str
    exercise: str
    duration_s: float
    frames: int
    dropped_frames: int
    reps: list[dict] = field(default_factory=list)  # index, verdict, faults, score
    verdict: str | None = None
    most_common_fault: str | None = None
    cue: str | None = None
    #: As in score's JSON: why the session got no verdict on the form (a front view, no reps), and
    #: what to know about the input (the lifter lost for a while, an edited clip's shot judged).
    why: str | None = None
    warnings: list[str] = field(default_factory=list)
    #: The whole session as the core judged it (reps with their angles), for the history; not in
    #: the JSON.
    result: ClipResult | None = field(default=None, repr=False, compare=False)
    #: Why the summary could not be written to its file (one line), if it could not; not in the JSON.
    unsaved: str | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict:
        d = asdict(replace(self, result=None))
        d.pop("result")
        d.pop("unsaved")
        return d

    def text(self) -> str:
        lines = [f"{self.source}: {len(self.reps)} rep{'' if len(self.reps) == 1 else 's'}, verdict {self.verdict}"]
        lines += [f"  why: {self.why}"] if self.why else []
        lines += [f"  warning: {w}" for w in self.warnings]
        lines += [f"  rep {r['index']}: {r['verdict']}" for r in self.reps]
        if self.most_common_fault:
            lines.append(f"most common fault: {self.most_common_fault} — {self.cue}")
        return "\n".join(lines)


class LatestFrame:
    """A capture thread that keeps only the newest frame (older ones are dropped)."""

    def __init__(self, frames, pace: bool):
        self._frames = frames
        self._pace = pace
        self._cond = threading.Condition()
        self._frame: Frame | None = None
        self._captured_at = 0.0
        self.done = False
        self.error: BaseException | None = None
        self.dropped = 0
        self.captured = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hingecheck-capture", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        start = None
        try:
            for f in self._frames:
                if self._stop.is_set():
                    break
                if self._pace:  # a file plays like a camera: frame t arrives at wall time t
                    start = start if start is not None else time.monotonic() - f.t
                    delay = start + f.t - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                with self._cond:
                    if self._frame is not None:
                        self.dropped += 1
                    self._frame = f
                    self._captured_at = time.monotonic()
                    self.captured += 1
                    self._cond.notify()
        except BaseException as exc:  # noqa: BLE001 - handed to the loop
            self.error = exc
        finally:
            with self._cond:
                self.done = True
                self._cond.notify()

    def get(self, timeout: float = 1.0) -> tuple[Frame | None, float]:
        """The newest frame not yet taken and when it was captured (monotonic s); None at the end."""
        with self._cond:
            self._cond.wait_for(lambda: self._frame is not None or self.done, timeout=timeout)
            f, at = self._frame, self._captured_at
            self._frame = None
            return f, at

    def stop(self) -> None:
        self._stop.set()
        close = getattr(self._frames, "close", None)
        self._thread.join(timeout=2)
        if close is not None and not self._thread.is_alive():
            close()


def setup_cue(state: FrameState, rgb: np.ndarray) -> str | None:
    """Set-up guidance before grading: light, person in view, side-on, feet in the picture."""
    if float(rgb.mean()) < DARK_LEVEL:
        return SETUP_CUES["dark"]
    if not state.detected:
        return SETUP_CUES["no_person"]
    if state.view == "front":
        return SETUP_CUES["front"]
    if state.landmarks is not None and state.side:
        from hingecheck.core.kinematics import SIDES

        idx = SIDES[state.side]
        h = rgb.shape[0]
        feet = state.landmarks[[idx["ankle"], idx["foot_index"]]]
        if not np.isfinite(feet).all() or (feet[:, 1] > h).any():
            return SETUP_CUES["feet"]
    return None


#: What each window key does (OpenCV key codes; 27 = Esc).
KEYS: dict[int, str] = {
    ord("q"): "quit",
    27: "quit",
    ord(" "): "pause",
    ord("r"): "reset",
    ord("m"): "mirror",
    ord("s"): "snapshot",
}


class LiveSession:
    """One live session: the loop's state and its three jobs — :meth:`process` a frame (pose →
    core → cues → overlay), :meth:`apply` a key's action, and :meth:`run` the capture loop."""

    def __init__(
        self,
        source,
        exercise: str = "auto",
        mirror: bool = False,
        record: str | None = None,
        audio: bool = True,
        window: bool = True,
        model: str | None = None,
        stats: list | None = None,
        hold_s: float = 0.0,
        people: int = 1,
    ):
        self.is_file = not isinstance(source, int)
        self.source = source
        # A clip plays at the rate and with the crop ``score`` analyses it at (PoseSettings: the
        # analysis-rate cap, black bars cropped): the session's summary then judges the same frames.
        self.settings = PoseSettings(num_poses=people)
        self.src = VideoFile(source, max_fps=self.settings.max_fps) if self.is_file else Camera(source)
        info = self.src.info
        self.info = info
        fps = info.fps / (kept_every(info.fps, self.settings.max_fps) if self.is_file else 1)
        self.mirror = mirror
        self.window = window
        self.model = model
        self.stats = stats
        #: When the clip ends by itself, its last picture and the set's summary stay in the
        #: window until a key is pressed, the window is closed or this many seconds pass.
        self.hold_s = hold_s
        self.exercise = exercise
        self.analyzer = StreamingAnalyzer(exercise, fps=fps)
        self._restart_record()
        self.speaker = Speaker(audio)
        self.cues = CueBoard()
        self.rep_cues = RepCues()
        self._setup_said: dict[str, float] = {}  # set-up cue -> when it was last said (monotonic s)
        self.annotators = default_annotators(stats=True)
        self.writer = None
        if record:
            from hingecheck.render.videoio import H264Writer

            self.writer = H264Writer(
                record, info.fps, (info.width - info.width % 2, info.height - info.height % 2), preset="veryfast"
            ).__enter__()
        self.paused = False
        self.frames = 0  # frames analysed
        self.fps_ema: float | None = None
        self._last_shown: float | None = None
        self._box = None
        self._state: FrameState | None = None
        self._last_rgb: np.ndarray | None = None
        #: Screen px per frame px of the picture in the window (None until shown, or no window):
        #: the overlay's text grows to stay readable from a few metres (render.overlay.readable).
        self._display_scale: float | None = None
        self.snapshots: list[Path] = []

    def _restart_record(self) -> None:
        """The session's frames, for its summary (see module doc); restarted by the reset key."""
        self._record = PoseCollector(masks=self.settings.masks)
        self._scene = SceneChange()

    def process(self, est: PoseEstimator, frame: Frame, captured_at: float) -> np.ndarray:
        """One captured frame: analysed unless paused, then drawn; returns the RGB picture shown."""
        rgb = np.ascontiguousarray(frame.rgb[:, ::-1]) if self.mirror else frame.rgb
        if not self.paused:
            if self._box is None:
                whole = (0, 0, rgb.shape[1], rgb.shape[0])
                self._box = est.fit_box(content_box(rgb) if self.is_file and est.settings.crop_bars else whole)
                self.analyzer.model_scale = est.model_scale(self._box)
            small = est.prepare(rgb, self._box)
            fp = est.infer(small, frame.t, self._box, frame.index)
            change = self._scene(small)
            self._record.add(fp, change)
            self._last_rgb = rgb  # the picture under the overlay, for the end of the set
            state = self.analyzer.push(fp.image, fp.visibility, fp.world, frame.t, fp.detected, fp.profile, change)
            self.frames += 1
            self._offer_cue(state, rgb, time.monotonic())
            self._state = state
        out = rgb.copy()
        if self.paused:
            # Nothing is analysed: the last analysed frame's skeleton and angles would stand still
            # over a lifter who moves on (it looked frozen, with nothing saying why).
            last = self._state
            paused = OverlayState(reps=last.reps if last else 0, cue=PAUSED_CUE, display_scale=self._display_scale)
            draw(out, paused, self.annotators)
        elif self._state is not None:
            latency_ms = (time.monotonic() - captured_at) * 1e3
            shown = OverlayState.from_frame(self._state, self.cues.text, self.fps_ema, latency_ms)
            draw(out, replace(shown, display_scale=self._display_scale), self.annotators)
        if self.writer is not None:
            self.writer.write(out[: out.shape[0] - out.shape[0] % 2, : out.shape[1] - out.shape[1] % 2], frame.t)
        return out

    def _offer_cue(self, state: FrameState, rgb: np.ndarray, now: float) -> None:
        """A finished rep's cue (spoken, urgent), else set-up guidance (spoken when it comes up),
        else the frame's warning."""
        shown = self.cues.text
        self._choose_cue(state, rgb, now)
        text = self.cues.text
        if text != shown and text in SETUP_CUES.values() and now - self._setup_said.get(text, -1e9) >= SETUP_REPEAT_S:
            # The lifter's eyes are on the floor through a hinge: a cue only shown goes unseen.
            self.speaker.say(text)
            self._setup_said[text] = now

    def _choose_cue(self, state: FrameState, rgb: np.ndarray, now: float) -> None:
        if state.new_rep is not None:
            self._rep_done(state.new_rep, now)
        elif self.analyzer.side is None or state.view == "front" or not state.detected:
            self.cues.offer(setup_cue(state, rgb), now)
        elif state.warnings:
            self.cues.offer(cue_for(state.warnings[0]), now)
        else:
            self.cues.offer(setup_cue(state, rgb), now)

    def _rep_done(self, rep, now: float) -> None:
        """A finished rep's cue, shown at once and said after its tone."""
        cue = self.rep_cues.next(rep)
        self.cues.offer(cue, now, urgent=True)
        self.speaker.rep_done(rep.verdict == "neutral", None if rep.verdict == "neutral" else cue)

    def apply(self, action: str | None, shown: np.ndarray | None = None) -> bool:
        """Do a key's action (:data:`KEYS`); False to quit. ``shown``: the RGB picture on screen
        (what a snapshot saves, in the working folder)."""
        if action == "quit":
            return False
        if action == "pause":
            self.paused = not self.paused
            if not self.paused:  # the picture after a pause is not a cut: no change measured across it
                self._scene = SceneChange()
        elif action == "reset":
            self.analyzer.reset()
            self.rep_cues.reset()
            self._restart_record()
        elif action == "mirror":
            # The model then sees the other way round (left is right, the lifter faces the other
            # way, the bars' crop flips): a new set, as with the reset key.
            self.mirror = not self.mirror
            self._box = None
            self.analyzer.reset()
            self.rep_cues.reset()
            self._restart_record()
        elif action == "snapshot" and shown is not None:
            import cv2

            snap = Path(f"hingecheck-snapshot-{datetime.now().strftime('%Y%m%d-%H%M%S-%f')}.png")
            cv2.imwrite(str(snap), cv2.cvtColor(shown, cv2.COLOR_RGB2BGR))
            self.snapshots.append(snap)
        return True

    def final_result(self) -> ClipResult:
        """The session judged as a whole: :func:`analyze` of every frame analysed since the start
        (or the last reset), with their picture changes — the answer ``score`` gives those frames."""
        # At the analysed rate, and as big as the model saw it.
        series = replace(self._record.series(self.info), fps=self.analyzer.fps, model_scale=self.analyzer.model_scale)
        return analyze(series, exercise=self.exercise, file=str(self.source))

    def _show(self, out: np.ndarray) -> bool:
        """Show the picture and handle a key; False to quit (also when the window was closed)."""
        import cv2

        cv2.imshow(WINDOW, cv2.cvtColor(out, cv2.COLOR_RGB2BGR))
        key = cv2.waitKey(1)
        if window_closed(WINDOW):
            return False  # the next imshow would open it again
        self._display_scale = shown_scale(WINDOW, out.shape)
        return self.apply(KEYS.get(key & 0xFF), out)

    def _tick(self, captured_at: float) -> None:
        shown = time.monotonic()
        if self.stats is not None:
            self.stats.append((shown - captured_at, shown))
        if self._last_shown is not None:
            inst = 1.0 / max(shown - self._last_shown, 1e-6)
            self.fps_ema = inst if self.fps_ema is None else 0.9 * self.fps_ema + 0.1 * inst
        self._last_shown = shown

    def run(self, summary_path: str | None = None) -> SessionSummary:
        """The capture loop until the source ends or the user quits; returns the summary (also
        written to ``summary_path``, even when the source failed mid-session)."""
        import cv2

        if self.window:
            qt_fonts()
            cv2.namedWindow(WINDOW, cv2.WINDOW_NORMAL)
            cv2.resizeWindow(WINDOW, *window_size(self.info.width, self.info.height))
        started = datetime.now(timezone.utc).isoformat(timespec="seconds")
        t_start = time.monotonic()
        capture = None
        ran_out = False  # the source ended by itself (not q, the close button or Ctrl-C)
        try:
            with PoseEstimator(self.model, self.settings) as est:
                # The camera starts once the model is loaded, so no frame waits for start-up.
                capture = LatestFrame(self.src.frames(), pace=self.is_file)
                try:
                    while True:
                        frame, captured_at = capture.get(timeout=0.5)
                        if frame is None:
                            if capture.done:
                                ran_out = True
                                break
                            continue
                        out = self.process(est, frame, captured_at)
                        if self.window and not self._show(out):
                            break
                        self._tick(captured_at)
                except KeyboardInterrupt:
                    pass  # Ctrl-C ends the session as q does (with --no-window, the only way)
            # The rep the stream's end cut short, as the live overlay ends: judged, and said like
            # any other (the speaker is still open; closing it lets what is queued be said).
            cut = self.analyzer.finish()
            if cut is not None:
                self._rep_done(cut, time.monotonic())
            result = self.final_result()
            if self.window and ran_out and self.hold_s > 0:
                self._hold(result, cut)
        finally:
            if capture is not None:
                capture.stop()
            self.speaker.close()
            if self.writer is not None:
                self.writer.__exit__(None, None, None)
            if self.window:
                cv2.destroyAllWindows()
        summary = _session_summary(
            result,
            started,
            str(self.source),
            time.monotonic() - t_start,
            self.frames,
            capture.dropped if capture else 0,
        )
        if summary_path:
            summary.unsaved = _write_summary(summary_path, summary)
        if capture is not None and capture.error is not None:
            raise capture.error  # SourceError: a one-line message for the CLI; anything else is a bug
        return summary

    def _hold(self, result: ClipResult, cut) -> None:
        """The clip is over: its last picture stays in the window with the last rep's verdict and
        the set's sentence (the summary's) until a key, the close button or :attr:`hold_s`. The
        window closed as the clip ended, the last verdict up for half a second."""
        import cv2

        if self._last_rgb is None or window_closed(WINDOW):
            return
        state = self._state
        if state is not None and cut is not None:  # the rep the end cut, judged just now
            state = replace(state, reps=len(self.analyzer.reps), last_rep=cut, new_rep=cut)
        last = OverlayState.from_frame(state) if state is not None else OverlayState()
        sentence = set_sentence(result.reps, result.verdict, result.view)
        shown = replace(last, cue=sentence, display_scale=self._display_scale)
        out = draw(self._last_rgb.copy(), shown, self.annotators)
        cv2.imshow(WINDOW, cv2.cvtColor(out, cv2.COLOR_RGB2BGR))
        end = time.monotonic() + self.hold_s
        try:
            while time.monotonic() < end:
                if cv2.waitKey(50) != -1 or window_closed(WINDOW):
                    return
        except KeyboardInterrupt:
            return


def run_live(
    source,
    exercise: str = "auto",
    mirror: bool = False,
    record: str | None = None,
    audio: bool = True,
    window: bool = True,
    summary_path: str | None = None,
    model: str | None = None,
    stats: list | None = None,
    hold_s: float = 0.0,
    people: int = 1,
) -> SessionSummary:
    """Run a session on ``source`` (a camera index or a clip path); returns its summary.

    ``stats``, if given, receives ``(capture_to_display_s, processed_at)`` per displayed frame.
    ``hold_s``: how long a clip's end stays in the window (:attr:`LiveSession.hold_s`);
    ``people``: how many the pose model looks for (``PoseSettings.num_poses``; the lifter is kept).
    Raises SourceError / PoseError / OSError for foreseeable problems (one-line messages).
    """
    return LiveSession(source, exercise, mirror, record, audio, window, model, stats, hold_s, people).run(summary_path)


def _write_summary(path: str, summary: SessionSummary) -> str | None:
    """Write the summary's JSON to ``path``; a one-line problem instead of raising (the session's
    summary must not be lost with its file)."""
    try:
        write_text(path, json.dumps(summary.to_dict(), indent=2) + "\n")
    except OSError as exc:
        return f"{path}: summary not written ({exc.strerror or exc})"
    return None


def _session_summary(result: ClipResult, started, source, duration, frames, dropped) -> SessionSummary:
    fault, _ = main_fault(result.reps)
    return SessionSummary(
        started=started,
        source=source,
        exercise=result.exercise,
        duration_s=round(duration, 2),
        frames=frames,
        dropped_frames=dropped,
        reps=[
            {"index": r.index, "verdict": r.verdict, "faults": list(r.faults), "score": round(r.score, 1)}
            for r in result.reps
        ],
        verdict=result.verdict,
        most_common_fault=fault,
        cue=cue_for(fault),
        why=result.why,
        warnings=list(result.warnings),
        result=result,
    )
