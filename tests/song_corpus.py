"""Test songs with known beats: Standard MIDI Files made here (mido), rendered by FluidSynth with
the General MIDI SoundFont live uses (:func:`live.engine.soundfont.find_soundfont`).

Each song is a few bars of one style (drums, bass and chords; piano alone; strings and a pad
with soft onsets; a waltz; a fast band; a slow ballad; a rubato piano whose tempo follows a
curve). Its beats are the quarter notes of the MIDI file's tempo map, in seconds; the rendered
beat is where FluidSynth starts the note: FluidSynth runs its voices in blocks of 64 frames and
a note-on given between two blocks starts with the next one, so each beat's true frame is its
MIDI time rounded up to the next multiple of 64 (:func:`render`). Renders are cached by the
caller (``cache`` folder: a test's tmp dir, or the benchmark's).
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import math
from dataclasses import dataclass
from pathlib import Path

import mido
import numpy as np
import soundfile

from live.engine.soundfont import find_soundfont

RATE = 44_100
BLOCK = 64  # FluidSynth's block: note-ons take effect at the next multiple of it
TPB = 480  # MIDI ticks per quarter note
DRUMS = 9  # the General MIDI percussion channel (0-based)
KICK, SNARE, HAT, RIDE = 36, 38, 42, 51


@dataclass(frozen=True, slots=True)
class SongSpec:
    """A test song: ``style`` (see :func:`_notes`), tempo (BPM), meter, length in bars;
    ``rubato`` > 0: the tempo swings by that fraction over the song (one sine period)."""

    name: str
    style: str
    tempo_bpm: float
    beats_per_bar: int
    bars: int
    rubato: float = 0.0


CORPUS: tuple[SongSpec, ...] = (
    SongSpec("band-100", "band", 100.0, 4, 8),
    SongSpec("piano-66", "piano", 66.0, 4, 5),
    SongSpec("strings-84", "strings", 84.0, 4, 6),
    SongSpec("waltz-132", "waltz", 132.0, 3, 10),
    SongSpec("rock-160", "band", 160.0, 4, 12),
    SongSpec("ballad-60", "ballad", 60.0, 4, 4),
    SongSpec("rubato-90", "piano", 90.0, 4, 8, rubato=0.15),
)
"""The corpus the tests and benchmarks/song_analysis.py use: tempi 60..160 BPM."""

# chords of a I-vi-IV-V progression in C (MIDI notes), one per bar
_CHORDS = ((60, 64, 67), (57, 60, 64), (53, 57, 60), (55, 59, 62))
_ROOTS = (36, 33, 41, 43)


def _notes(spec: SongSpec) -> list[tuple[float, int, int, int, float]]:
    """(beat, channel, note, velocity, length in beats) of every note; beat 0 is the first."""
    out: list[tuple[float, int, int, int, float]] = []
    n = spec.beats_per_bar
    for bar in range(spec.bars):
        chord, root = _CHORDS[bar % 4], _ROOTS[bar % 4]
        b0 = bar * n
        if spec.style == "band":
            for k in range(n):
                out.append((b0 + k, DRUMS, KICK if k % 2 == 0 else SNARE, 110 if k % 2 == 0 else 100, 0.5))
                out += [(b0 + k, DRUMS, HAT, 80, 0.25), (b0 + k + 0.5, DRUMS, HAT, 55, 0.25)]
                out.append((b0 + k, 1, root + (12 if k % 2 else 0), 100, 0.9))
                out += [(b0 + k, 2, p, 70, 0.9) for p in chord]
        elif spec.style == "piano":
            out.append((b0, 0, root + 12, 100, n))
            for k in range(n):
                out += [(b0 + k, 0, p, 85 if k == 0 else 70, 0.9) for p in chord]
                out.append((b0 + k + 0.5, 0, chord[(k + 1) % 3] + 12, 50, 0.4))  # a soft eighth
        elif spec.style == "strings":
            out.append((b0, 4, root + 24, 55, n))  # a held pad under the bar
            for k in range(n):  # detached string chords: each beat a soft attack after a gap
                out += [(b0 + k, 3, p, 95 if k == 0 else 85, 0.55) for p in chord]
                out.append((b0 + k, 3, root, 95, 0.55))
        elif spec.style == "waltz":
            out.append((b0, 1, root, 105, 1.0))
            out += [(b0 + k, 0, p, 70, 0.8) for k in (1, 2) for p in chord]
            out.append((b0, 0, chord[2] + 12, 90, 2.0))
        elif spec.style == "ballad":
            out.append((b0, 0, root, 95, n))
            for k in range(n):
                out += [(b0 + k, 0, p, 80 if k == 0 else 68, 1.0) for p in chord]
                out += [(b0 + k, 3, chord[0] + 12, 55, 1.0)]
                out.append((b0 + k + 0.5, 0, chord[(k + 2) % 3] + 12, 45, 0.45))
        else:
            raise ValueError(f"style {spec.style!r}")
    return out


_PROGRAMS = {"band": {1: 33, 2: 4}, "piano": {0: 0}, "strings": {3: 48, 4: 89}, "waltz": {0: 0, 1: 32},
             "ballad": {0: 0, 3: 48}}


def _tempo_at(spec: SongSpec, beat: int) -> float:
    """The tempo (BPM) of beat ``beat``: constant, or with rubato one sine period over the song."""
    total = spec.bars * spec.beats_per_bar
    return spec.tempo_bpm * (1 + spec.rubato * math.sin(2 * math.pi * beat / total))


def song_midi(spec: SongSpec) -> mido.MidiFile:
    """The song as a type-0 Standard MIDI File (a tempo change on every beat when rubato)."""
    events: list[tuple[int, int, mido.Message | mido.MetaMessage]] = []  # (tick, order, message)
    total = spec.bars * spec.beats_per_bar
    for beat in range(total if spec.rubato else 1):
        events.append((beat * TPB, 0, mido.MetaMessage("set_tempo", tempo=round(60e6 / _tempo_at(spec, beat)))))
    for ch, prog in _PROGRAMS[spec.style].items():
        events.append((0, 1, mido.Message("program_change", channel=ch, program=prog)))
    for beat, ch, note, vel, length in _notes(spec):
        on = round(beat * TPB)
        events.append((on, 3, mido.Message("note_on", channel=ch, note=note, velocity=vel)))
        events.append((on + round(length * TPB), 2, mido.Message("note_off", channel=ch, note=note)))
    events.append((total * TPB + 2 * TPB, 4, mido.MetaMessage("end_of_track")))
    events.sort(key=lambda e: (e[0], e[1]))
    track, last = mido.MidiTrack(), 0
    for tick, _, msg in events:
        track.append(msg.copy(time=tick - last))
        last = tick
    mf = mido.MidiFile(type=0, ticks_per_beat=TPB)
    mf.tracks.append(track)
    return mf


def midi_beats_s(spec: SongSpec) -> np.ndarray:
    """The song's quarter-note beats by its MIDI tempo map, seconds."""
    tempos = [_tempo_at(spec, b) if spec.rubato else spec.tempo_bpm for b in range(spec.bars * spec.beats_per_bar)]
    return np.concatenate([[0.0], np.cumsum(60.0 / np.asarray(tempos))[:-1]])


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered song: its file, true beats and downbeats (s, as FluidSynth started them)."""

    path: Path
    beats_s: np.ndarray
    downbeats_s: np.ndarray
    spec: SongSpec


def lead_in_s() -> float:
    """Silence before the first beat (s): a song rarely starts on its first sample."""
    return 0.5


def render(spec: SongSpec, cache: Path, *, fmt: str = "wav") -> Rendered:
    """Render ``spec`` from its MIDI file with FluidSynth into ``cache`` (kept there: a second
    call reads it), stereo 16-bit at 44.1 kHz; ``fmt`` ``wav``, ``flac`` or ``ogg``."""
    lead = round(lead_in_s() * RATE)
    beats_frame = lead + np.ceil(np.round(midi_beats_s(spec) * RATE) / BLOCK).astype(np.int64) * BLOCK
    beats = beats_frame / RATE
    downbeats = beats[:: spec.beats_per_bar]
    path = cache / f"{spec.name}.{fmt}"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        audio = _fluidsynth(song_midi(spec))
        audio = np.concatenate([np.zeros((lead, 2), np.float32), audio])
        soundfile.write(path, audio, RATE, subtype="PCM_16" if fmt != "ogg" else "VORBIS")
    return Rendered(path, beats, downbeats, spec)


def _fluidsynth(mf: mido.MidiFile) -> np.ndarray:
    """Stereo float32 frames of ``mf`` played by FluidSynth from t = 0 (reverb and chorus off)."""
    with contextlib.redirect_stdout(io.StringIO()):
        import fluidsynth
    synth = fluidsynth.Synth(gain=0.5, samplerate=float(RATE), **{"synth.reverb.active": 0, "synth.chorus.active": 0})
    write = fluidsynth._fl.fluid_synth_write_float
    write.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                      ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
    parts: list[np.ndarray] = []

    def frames(n: int) -> None:
        while n > 0:
            k = min(n, 1 << 15)
            left, right = np.zeros(k, np.float32), np.zeros(k, np.float32)
            write(synth.synth, k, left.ctypes.data, 0, 1, right.ctypes.data, 0, 1)
            parts.append(np.stack([left, right], axis=1))
            n -= k

    try:
        font = synth.sfload(str(find_soundfont()))
        for ch in range(16):
            synth.program_select(ch, font, 128 if ch == DRUMS else 0, 0)
        done, t = 0, 0.0
        for msg in mf:  # mido gives each message's time in seconds since the previous one
            t += msg.time
            at = round(t * RATE)
            if at > done:
                frames(at - done)
                done = at
            if msg.type == "program_change" and msg.channel != DRUMS:
                synth.program_select(msg.channel, font, 0, msg.program)
            elif msg.type == "note_on":
                synth.noteon(msg.channel, msg.note, msg.velocity)
            elif msg.type == "note_off":
                synth.noteoff(msg.channel, msg.note)
        frames(RATE)  # the last notes' tails
    finally:
        synth.delete()
    return np.concatenate(parts)
