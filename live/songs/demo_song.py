"""A small song for ``live demo`` when a preset's song is not in the library: written as a MIDI
file (drums on channel 10, bass, electric-piano chords) and rendered through the project's own
sounds (the drum kit of :mod:`live.engine.bank`, the pitched notes of
:mod:`live.engine.note_bank`: FluidSynth when it and a SoundFont are there, the built-in voices
otherwise). Its beats are the MIDI file's (a steady tempo, 4/4), read back from the file.

Realtime-safe: no (before a session).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from live.engine.instruments import PitchedNote
from live.engine.note_bank import build_session_bank
from live.metrics.midi_notes import read_midi_notes

__all__ = ["DemoSong", "add_demo_song", "render_demo_song", "write_demo_midi"]

_DRUMS = {36: "kick", 38: "snare", 42: "hat"}   # General MIDI percussion keys -> the bank's kit
_PROGRESSION = ((45, (57, 60, 64)), (41, (57, 60, 65)), (36, (55, 60, 64)), (43, (55, 59, 62)))  # Am F C G
_TICKS = 480


@dataclass(frozen=True, slots=True)
class DemoSong:
    """A rendered demo song: mono float32 ``samples`` at ``sample_rate``, its beats and downbeats
    (seconds from the start) and the MIDI file it was rendered from."""

    samples: np.ndarray
    sample_rate: int
    beats_s: tuple[float, ...]
    downbeats_s: tuple[float, ...]
    midi_path: Path


def write_demo_midi(path: str | os.PathLike[str], *, tempo_bpm: float, bars: int) -> Path:
    """A 4/4 pop groove of ``bars`` bars at ``tempo_bpm`` as a MIDI file: kick on 1 and 3, snare
    on 2 and 4, hi-hat eighths (channel 10), a bass note per beat (channel 1) and a chord per bar
    (channel 2) over Am F C G."""
    import mido

    mid = mido.MidiFile(ticks_per_beat=_TICKS)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(tempo_bpm), time=0))
    track.append(mido.MetaMessage("time_signature", numerator=4, denominator=4, time=0))
    events: list[tuple[int, int, mido.Message]] = []  # (tick, order, message): note-offs first at a tick

    def note(start: int, length: int, channel: int, key: int, velocity: int) -> None:
        events.append((start, 1, mido.Message("note_on", channel=channel, note=key, velocity=velocity)))
        events.append((start + length, 0, mido.Message("note_off", channel=channel, note=key, velocity=0)))

    for bar in range(bars):
        root, chord = _PROGRESSION[bar % len(_PROGRESSION)]
        at = bar * 4 * _TICKS
        for key in chord:
            note(at, 4 * _TICKS - 20, 1, key, 60)
        for beat in range(4):
            b = at + beat * _TICKS
            note(b, _TICKS // 8, 9, 36 if beat % 2 == 0 else 38, 110 if beat == 0 else 96)
            note(b, _TICKS // 16, 9, 42, 70)
            note(b + _TICKS // 2, _TICKS // 16, 9, 42, 50)
            note(b, _TICKS - 30, 0, root - 12 if beat % 2 == 0 else root, 90)
    events.sort(key=lambda e: (e[0], e[1]))
    now = 0
    for tick, _, msg in events:
        track.append(msg.copy(time=tick - now))
        now = tick
    path = Path(path)
    mid.save(str(path))
    return path


def render_demo_song(folder: str | os.PathLike[str], *, tempo_bpm: float = 96.0, bars: int = 8,
                     sample_rate: int = 48000, log: Callable[[str], None] = lambda line: None) -> DemoSong:
    """Write the demo MIDI file into ``folder`` and render it through the project's sounds.

    Drum notes play the bank's kit (the plain or accented hit by velocity); the bass
    (``bass``) and chords (``epiano``) play their bank notes, each note its own length (the
    note's release after its note-off). Beats: one per quarter note from the file's start.
    """
    midi = write_demo_midi(Path(folder) / "demo-song.mid", tempo_bpm=tempo_bpm, bars=bars)
    notes, _ = read_midi_notes(midi)
    pitched = [PitchedNote("bass" if n.channel == 0 else "epiano", n.note, n.velocity) for n in notes if n.channel != 9]
    bank = build_session_bank(pitched, sample_rate=sample_rate, log=log)
    beat_s = 60.0 / tempo_bpm
    length = int((bars * 4 * beat_s + 2.0) * sample_rate)
    out = np.zeros(length, dtype=np.float64)
    for n in notes:
        at = int(round(n.onset_s * sample_rate))
        if n.channel == 9:
            drum = _DRUMS.get(n.note)
            if drum is None:
                continue
            x = bank.samples(f"{drum}_accent" if n.velocity >= 100 else drum).astype(np.float64)
        else:
            x = bank.samples(PitchedNote("bass" if n.channel == 0 else "epiano", n.note, n.velocity).sound.name)
            keep = int(round(n.duration_s * sample_rate))
            x = x[: keep + bank[PitchedNote("bass" if n.channel == 0 else "epiano", n.note, n.velocity).sound.name]
                  .release_frames].astype(np.float64) * (0.5 if n.channel == 0 else 0.25)
            fade = x.size - keep
            if fade > 0:
                x[keep:] *= np.linspace(1.0, 0.0, fade)
        end = min(length, at + x.size)
        out[at:end] += x[: end - at]
    out *= 0.7 / max(float(np.max(np.abs(out))), 1e-9)
    beats = tuple(round(i * beat_s, 6) for i in range(bars * 4))
    return DemoSong(out.astype(np.float32), sample_rate, beats, beats[::4], midi)


def add_demo_song(store, title: str, folder: str | os.PathLike[str], *, tempo_bpm: float = 92.0, bars: int = 8,
                  log: Callable[[str], None] = lambda line: None) -> str:
    """Render the demo song (:func:`render_demo_song`) into ``folder`` as a WAV file and add it to
    ``store``'s library as ``title``, its beats the MIDI file's; returns its id."""
    import hashlib
    import io

    import soundfile

    song = render_demo_song(folder, tempo_bpm=tempo_bpm, bars=bars, log=log)
    buf = io.BytesIO()
    soundfile.write(buf, song.samples, song.sample_rate, format="WAV", subtype="PCM_16")
    audio = buf.getvalue()
    (Path(folder) / "demo-song.wav").write_bytes(audio)
    return store.add_song(content_hash=hashlib.sha256(audio).hexdigest(), title=title, source_name="demo-song.wav",
                          file_format="wav", duration_s=song.samples.size / song.sample_rate,
                          sample_rate=song.sample_rate, channels=1,
                          analysis={"tempo_bpm": float(tempo_bpm), "beats_per_bar": 4, "confidence": 1.0,
                                    "beats_s": list(song.beats_s), "downbeats_s": list(song.downbeats_s),
                                    "details": {"source": "live demo: rendered from demo-song.mid, beats from the MIDI file"}},
                          audio=audio)
