"""Sound for the live coach: the lifter's eyes are on the floor mid-rep, so each rep ends with a
tone (high = good, low = fault) and the cue is spoken by an offline text-to-speech engine
(espeak-ng) when one is installed.

Everything runs in a background thread so the video loop never waits; with no audio device, no
player or no espeak-ng, it is silently off. Nothing leaves the machine.
"""

from __future__ import annotations

import io
import queue
import shutil
import subprocess
import threading
import wave
from pathlib import Path

import numpy as np

#: Tone frequencies (Hz) and length (s) at the end of a rep.
GOOD_TONE_HZ = 880.0
FAULT_TONE_HZ = 220.0
TONE_S = 0.18
SAMPLE_RATE = 22050
#: Speech rate for espeak-ng (words per minute).
SPEECH_WPM = 165
#: :meth:`Speaker.close` waits at most this long (s) for what is queued to be played and said:
#: a session's last rep is judged as it ends, and its cue was cut off with the program.
CLOSE_WAIT_S = 8.0


def tone(freq_hz: float, seconds: float = TONE_S, rate: int = SAMPLE_RATE) -> np.ndarray:
    """A sine tone with 10 ms fades, int16 mono samples."""
    t = np.arange(int(seconds * rate)) / rate
    env = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.01)
    return (0.5 * 32767 * env * np.sin(2 * np.pi * freq_hz * t)).astype(np.int16)


def wav_bytes(samples: np.ndarray, rate: int = SAMPLE_RATE) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return buf.getvalue()


def player() -> str | None:
    """The program that plays a WAV (PulseAudio's ``paplay``, else ALSA's ``aplay``), or None."""
    return shutil.which("paplay") or shutil.which("aplay")


def speech_engine() -> str | None:
    """The offline text-to-speech program (``espeak-ng``, else ``espeak``), or None."""
    return shutil.which("espeak-ng") or shutil.which("espeak")


def speak_to_file(text: str, path: str | Path) -> bool:
    """Synthesize ``text`` to a WAV file with espeak-ng; False when espeak-ng is not installed."""
    exe = speech_engine()
    if exe is None:
        return False
    subprocess.run([exe, "-s", str(SPEECH_WPM), "-w", str(path), text], check=True, capture_output=True, timeout=30)
    return True


def audio_device_present() -> bool:
    """A sound card (ALSA) or a PulseAudio/PipeWire server is there to play to."""
    import os

    if os.environ.get("PULSE_SERVER") or Path(f"/run/user/{os.getuid()}/pulse/native").exists():
        return True
    cards = Path("/proc/asound/cards")
    try:
        return cards.exists() and "no soundcards" not in cards.read_text()
    except OSError:
        return False


def sound_problem() -> str | None:
    """Why a live session would play no sound, or say no cue, in one line; None when it can do
    both (the checks :class:`Speaker` makes, which then stays quiet without a word)."""
    if not player():
        return "no sound: no audio player (paplay or aplay) is installed"
    if not audio_device_present():
        return "no sound: no sound card or sound server was found"
    if not speech_engine():
        return "cues are not spoken, only the tones play: espeak-ng is not installed"
    return None


class Speaker:
    """Plays tones and speaks cues in a background thread; ``enabled=False`` or no device = silent."""

    def __init__(self, enabled: bool = True):
        self.player = player()
        self.tts = speech_engine()
        self.enabled = bool(enabled and self.player and audio_device_present())
        self._q: queue.Queue = queue.Queue(maxsize=4)
        self._thread = None
        if self.enabled:
            self._thread = threading.Thread(target=self._run, name="hingecheck-audio", daemon=True)
            self._thread.start()

    def rep_done(self, good: bool, cue: str | None) -> None:
        """End-of-rep sound: a tone, then the cue spoken. An older rep's sound not yet started is
        dropped: when reps come faster than their cues are said, the lifter hears the rep just
        done, not one from reps ago."""
        if not self.enabled:
            return
        self._drop_pending()
        try:
            self._q.put_nowait(("tone", GOOD_TONE_HZ if good else FAULT_TONE_HZ))
            if cue:
                self._q.put_nowait(("say", cue))
        except queue.Full:
            pass

    def say(self, text: str) -> None:
        if self.enabled:
            try:
                self._q.put_nowait(("say", text))
            except queue.Full:
                pass

    def _drop_pending(self) -> None:
        try:
            while True:
                self._q.get_nowait()
        except queue.Empty:
            pass

    def close(self) -> None:
        """Stop once what is queued has been played and said (:data:`CLOSE_WAIT_S` at most)."""
        if self._thread is not None:
            try:
                self._q.put(None, timeout=CLOSE_WAIT_S)
            except queue.Full:
                pass
            self._thread.join(timeout=CLOSE_WAIT_S)

    def _run(self) -> None:
        while True:
            item = self._q.get()
            if item is None:
                return
            kind, value = item
            try:
                if kind == "tone":
                    subprocess.run([self.player], input=wav_bytes(tone(value)), capture_output=True, timeout=5)
                elif self.tts:
                    subprocess.run([self.tts, "-s", str(SPEECH_WPM), value], capture_output=True, timeout=15)
            except (OSError, subprocess.SubprocessError):
                self.enabled = False  # the device went away: stay quiet
                return
