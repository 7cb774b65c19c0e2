"""``hingecheck live``: the webcam coach. Skeleton, dowel, angles, a rep counter, one cue at a time,
a tone and a spoken cue at the end of each rep, and a session summary.

* Capture runs in its own thread and keeps only the newest frame: inference always gets the
  latest picture, stale frames are dropped, so latency never builds up.
* ``--source CLIP`` plays a file as if it were the camera, paced at the clip's own timestamps
  (frames the loop cannot take in time are dropped, as with a camera).
* The analysis is :class:`hingecheck.core.analysis.StreamingAnalyzer`: the same core as review and
  batch, one frame at a time.
* Keys: q / Esc quit · space pause · r reset · m mirror · s snapshot.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np

from hingecheck.core.analysis import FrameState, StreamingAnalyzer
from hingecheck.atomic import write_text
from hingecheck.render.audio import Speaker
from hingecheck.render.display import qt_fonts
from hingecheck.render.cues import CUE_HOLD_S, CUES, SETUP_CUES, CueBoard, cue_for, rep_cue  # noqa: F401 (CUE_HOLD_S re-exported)
from hingecheck.render.overlay import OverlayState, default_annotators, draw
from hingecheck.pose.landmarker import PoseEstimator, PoseSettings
from hingecheck.core.results import FAULTS, ClipResult
from hingecheck.pose.sources import Camera, Frame, SourceError, VideoFile

WINDOW = "hingecheck live"
#: Set-up checks: mean frame brightness (0-255) under this asks for more light.
DARK_LEVEL = 45.0
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
    #: The whole session as the core judged it (reps with their angles), for the history; not in
    #: the JSON.
    result: ClipResult | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict:
        d = asdict(replace(self, result=None))
        d.pop("result")
        return d

    def text(self) -> str:
        lines = [f"{self.source}: {len(self.reps)} reps, verdict {self.verdict}"]
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


def run_live(source, exercise: str = "hinge", mirror: bool = False, record: str | None = None,
             audio: bool = True, window: bool = True, summary_path: str | None = None,
             model: str | None = None, stats: list | None = None) -> SessionSummary:
    """Run a session on ``source`` (a camera index or a clip path); returns its summary.

    ``stats``, if given, receives ``(capture_to_display_s, processed_at)`` per displayed frame.
    """
    import cv2

    is_file = not isinstance(source, int)
    src = VideoFile(source) if is_file else Camera(source)
    info = src.info
    capture = None
    analyzer = StreamingAnalyzer(exercise, fps=info.fps)
    speaker = Speaker(audio)
    cues = CueBoard()
    annotators = default_annotators(stats=True)
    writer = None
    if record:
        from hingecheck.render.videoio import H264Writer

        writer = H264Writer(record, info.fps, (info.width - info.width % 2, info.height - info.height % 2),
                            preset="veryfast").__enter__()
    if window:
        qt_fonts()
        cv2.namedWindow(WINDOW, cv2.WINDOW_NORMAL)
        cv2.resizeWindow(WINDOW, info.width, info.height)
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    t_start = time.monotonic()
    frames = 0
    paused = False
    fps_ema = None
    last_shown = None
    box = None
    state = None
    try:
        with PoseEstimator(model, PoseSettings()) as est:
            # The camera starts once the model is loaded, so no frame waits for start-up.
            capture = LatestFrame(src.frames(), pace=is_file)
            while True:
                frame, captured_at = capture.get(timeout=0.5)
                if frame is None:
                    if capture.done:
                        break
                    continue
                rgb = np.ascontiguousarray(frame.rgb[:, ::-1]) if mirror else frame.rgb
                if not paused:
                    box = box or est.fit_box((0, 0, rgb.shape[1], rgb.shape[0]))
                    fp = est.infer(est.prepare(rgb, box), frame.t, box, frame.index)
                    state = analyzer.push(fp.image, fp.visibility, fp.world, frame.t, fp.detected, fp.profile)
                    frames += 1
                    now = time.monotonic()
                    if state.new_rep is not None:
                        rep = state.new_rep
                        cue = rep_cue(rep)
                        cues.offer(cue, now, urgent=True)
                        speaker.rep_done(rep.verdict == "neutral", None if rep.verdict == "neutral" else cue)
                    elif analyzer.side is None or state.view == "front" or not state.detected:
                        cues.offer(setup_cue(state, rgb), now)
                    elif state.warnings:
                        cues.offer(CUES.get(state.warnings[0]), now)
                    else:
                        cues.offer(setup_cue(state, rgb), now)
                out = rgb.copy()
                if state is not None:
                    draw(out, _overlay(state, cues.text, fps_ema, (time.monotonic() - captured_at) * 1e3), annotators)
                if writer is not None:
                    writer.write(out[: out.shape[0] - out.shape[0] % 2, : out.shape[1] - out.shape[1] % 2], frame.t)
                if window:
                    cv2.imshow(WINDOW, cv2.cvtColor(out, cv2.COLOR_RGB2BGR))
                    key = cv2.waitKey(1) & 0xFF
                    if key in (ord("q"), 27):
                        break
                    if key == ord(" "):
                        paused = not paused
                    elif key == ord("r"):
                        analyzer.reset()
                    elif key == ord("m"):
                        mirror = not mirror
                    elif key == ord("s"):
                        snap = Path(f"hingecheck-snapshot-{datetime.now().strftime('%Y%m%d-%H%M%S')}.png")
                        cv2.imwrite(str(snap), cv2.cvtColor(out, cv2.COLOR_RGB2BGR))
                shown = time.monotonic()
                if stats is not None:
                    stats.append((shown - captured_at, shown))
                if last_shown is not None:
                    inst = 1.0 / max(shown - last_shown, 1e-6)
                    fps_ema = inst if fps_ema is None else 0.9 * fps_ema + 0.1 * inst
                last_shown = shown
    finally:
        if capture is not None:
            capture.stop()
        speaker.close()
        if writer is not None:
            writer.__exit__(None, None, None)
        if window:
            cv2.destroyAllWindows()
    summary = _summary(analyzer, started, str(source), time.monotonic() - t_start, frames, capture.dropped)
    if summary_path:  # saved even when the source failed mid-session
        write_text(summary_path, json.dumps(summary.to_dict(), indent=2) + "\n")
    if capture.error is not None:
        raise capture.error  # SourceError: a one-line message for the CLI; anything else is a bug
    return summary


def live_command(camera: int | None, source: str | None, exercise: str, mirror: bool, record: str | None,
                 audio: bool, window: bool, summary: str | None, model: str | None,
                 on_session: Callable[[SessionSummary], None] | None = None) -> int:
    """``hingecheck live`` as a function: runs a session, prints its summary; returns the exit code.

    ``on_session(summary)`` is called once a session ended normally (the CLI keeps it in the
    training history); it must not raise for a foreseeable problem.

    0 on success; 2 for a usage error (both ``camera`` and ``source``, unknown exercise); 1 for a
    source, model or file error. Errors are printed as one line on stderr, never a traceback.
    """
    import sys

    from hingecheck.core.config import ConfigError, check_exercise
    from hingecheck.pose.landmarker import PoseError

    try:
        check_exercise(exercise)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if camera is not None and source is not None:
        print("error: give --camera or --source, not both", file=sys.stderr)
        return 2
    try:
        result = run_live(source if source is not None else (camera or 0), exercise, mirror, record, audio,
                          window, summary, model)
    except (SourceError, PoseError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(result.text())
    if on_session is not None:
        on_session(result)
    return 0


def _overlay(state: FrameState, cue: str | None, fps: float | None, latency_ms: float) -> OverlayState:
    return OverlayState(
        landmarks=state.landmarks, side=state.side, angles=state.angles, contacts=state.contacts,
        contact_lost=("lumbar_rounding" in state.warnings, False, "neck_extension" in state.warnings),
        warnings=state.warnings, faults=state.last_rep.faults if state.new_rep is not None and state.last_rep else (),
        reps=state.reps, last_verdict=state.last_rep.verdict if state.last_rep else None, cue=cue, fps=fps,
        latency_ms=latency_ms,
    )


def _summary(analyzer: StreamingAnalyzer, started, source, duration, frames, dropped) -> SessionSummary:
    result = analyzer.summary_result(source)
    counts = Counter(f for r in result.reps for f in r.faults)
    fault = min(counts, key=lambda f: (-counts[f], FAULTS.index(f))) if counts else None
    return SessionSummary(
        started=started, source=source, exercise=analyzer.exercise, duration_s=round(duration, 2), frames=frames,
        dropped_frames=dropped,
        reps=[{"index": r.index, "verdict": r.verdict, "faults": list(r.faults), "score": round(r.score, 1)}
              for r in result.reps],
        verdict=result.verdict, most_common_fault=fault, cue=cue_for(fault), result=result,
    )
