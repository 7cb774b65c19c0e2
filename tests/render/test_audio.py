"""Sound: the tones have the right pitch, espeak-ng speaks a cue to a real WAV file."""

import subprocess
import wave

import numpy as np
import pytest

from hingecheck.render.audio import FAULT_TONE_HZ, GOOD_TONE_HZ, SAMPLE_RATE, Speaker, speak_to_file, tone, wav_bytes

from conftest import require


@pytest.mark.parametrize("freq", [GOOD_TONE_HZ, FAULT_TONE_HZ])
def test_tone_pitch(freq):
    x = tone(freq).astype(float)
    spectrum = np.abs(np.fft.rfft(x))
    peak = np.fft.rfftfreq(len(x), 1 / SAMPLE_RATE)[np.argmax(spectrum)]
    assert peak == pytest.approx(freq, rel=0.03)
    assert wav_bytes(tone(freq))[:4] == b"RIFF"


def test_espeak_speaks_a_cue(tmp_path):
    require("espeak-ng", "sox", package="espeak-ng sox")
    out = tmp_path / "cue.wav"
    assert speak_to_file("Push your hips back", out)
    with wave.open(str(out)) as w:
        frames = np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(float)
        seconds = w.getnframes() / w.getframerate()
    assert 0.5 < seconds < 5
    loud = np.abs(frames) > 1000
    assert loud.mean() > 0.1  # speech, not silence
    stat = subprocess.run(["sox", str(out), "-n", "stat"], capture_output=True, text=True).stderr
    rms = float(next(line.split(":")[1] for line in stat.splitlines() if line.startswith("RMS     amplitude")))
    assert rms > 0.01


def test_speaker_without_device_is_silent_and_never_blocks(monkeypatch):
    monkeypatch.setattr("hingecheck.render.audio.audio_device_present", lambda: False)
    s = Speaker(True)
    assert not s.enabled
    s.rep_done(False, "Brace — flat back")  # no error, returns at once
    s.close()
    assert not Speaker(False).enabled


def test_the_sound_keeps_up_with_reps_faster_than_their_cues(sound_device):
    """Reps come faster than their cues can be said (a quick set of swings or drills, each with
    a fault): each rep's tone and cue waited behind every older one, so the lifter heard rep 3's
    cue during rep 6. An older rep's sound not yet started now gives way to the newest rep's."""
    import time

    log = sound_device
    s = Speaker(True)
    assert s.enabled
    cues = ["Push your hips back", "Brace — flat back", "Chest and hips rise together"] * 2
    for cue in cues:  # a rep every 0.6 s, each cue longer than that to say
        s.rep_done(False, cue)
        last_rep = time.time()
        time.sleep(0.6)
    time.sleep(4.0)  # what is still queued plays out
    s.close()
    heard = [line.split(" ", 2) for line in log.read_text().splitlines()]
    tones = [float(t) for t, kind, *_ in heard if kind == "tone"]
    said = [words for _, kind, words in (h for h in heard if h[1] == "say")]
    # The last rep's tone comes at most one cue (under 2.1 s with its tone) after the rep.
    assert tones and tones[-1] - last_rep < 2.5, (tones[-1] - last_rep, heard)
    assert said[-1] == cues[-1], said  # and the last words heard are the last rep's cue
