"""Songs for the tests of entrainment on a song: drums and a bass line synthesized at known beat
times (the beats are known, not tracked), stored in a library with store.add_song."""

from __future__ import annotations

import hashlib
import io

import numpy as np

from live.engine.bank import synth_click, synth_drum

SONG_RATE = 44100  # a CD rate: the cue is resampled to the engine's 48 kHz


def drum_song(beats_s: np.ndarray, *, sample_rate: int = SONG_RATE, tail_s: float = 1.0,
              beat_sound: str = "click", bass: float = 0.0) -> np.ndarray:
    """``beat_sound`` (the drum kit's; its attack starts on its first sample) on every beat, a
    hi-hat half-way to the next beat and, with ``bass`` > 0, a bass note of that amplitude under
    each beat: float32, ``tail_s`` after the last beat. With clicks on the beats, the warped song's beats are where the click
    track check finds them; other attacks Rubber Band places within a few ms of that, measured
    by benchmarks/song_warp.py (docs/performance.md)."""
    beats = np.asarray(beats_s, dtype=np.float64)
    n = int((beats[-1] + tail_s) * sample_rate)
    out = np.zeros(n, dtype=np.float64)
    beat = synth_click(sample_rate, accent=True) if beat_sound == "click" else 0.8 * synth_drum(beat_sound, sample_rate)
    kick, hat = beat, 0.25 * synth_drum("hat", sample_rate)
    for i, b in enumerate(beats):
        at = int(round(b * sample_rate))
        out[at: at + kick.size] += kick[: n - at]
        nxt = beats[i + 1] if i + 1 < beats.size else b + (beats[-1] - beats[-2])
        h = int(round((b + nxt) / 2 * sample_rate))
        out[h: h + hat.size] += hat[: max(0, n - h)]
        end = min(n, int(round(nxt * sample_rate)))
        t = np.arange(end - at) / sample_rate
        out[at:end] += bass * np.sin(2 * np.pi * (55.0 if i % 2 else 73.4) * t) * np.minimum(1.0, t / 0.05)
    return out.astype(np.float32)


def wav_bytes(samples: np.ndarray, sample_rate: int) -> bytes:
    import soundfile

    buf = io.BytesIO()
    soundfile.write(buf, samples, sample_rate, format="WAV", subtype="FLOAT")
    return buf.getvalue()


def add_song(store, beats_s, *, title: str = "Test Song", beats_per_bar: int = 4,
             sample_rate: int = SONG_RATE, bass: float = 0.0) -> str:
    """A drum song with ``beats_s`` in ``store``'s library (its beats as the analysis, as if
    tracked exactly: ``live songs adjust`` works on it), a bass line of amplitude ``bass`` under
    it (:func:`drum_song`); its id."""
    from live.songs.analysis import BeatAnalysis

    beats = tuple(float(b) for b in beats_s)
    audio = wav_bytes(drum_song(np.asarray(beats), sample_rate=sample_rate, bass=bass), sample_rate)
    ibi = float(np.median(np.diff(beats)))
    analysis = BeatAnalysis(tempo_bpm=60.0 / ibi, beats_s=beats, downbeats_s=beats[::beats_per_bar],
                            beats_per_bar=beats_per_bar, confidence=1.0, raw_beats_s=beats,
                            on_onset=(True,) * len(beats), median_offset_ms=0.0, tracked_tempo_bpm=60.0 / ibi,
                            level="as tracked", alternation=1.0, midpoint=0.0)
    return store.add_song(content_hash=hashlib.sha256(audio).hexdigest(), title=title, source_name=f"{title}.wav",
                          file_format="wav", duration_s=beats[-1] + 1.0, sample_rate=sample_rate, channels=1,
                          analysis=analysis.stored(), audio=audio)
