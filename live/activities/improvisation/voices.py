"""The improvisation's pitched sounds: what the band and the client's instrument play, by the
bank's names of pitched notes (:mod:`live.engine.instruments`), and every note a run may play,
declared so the bank holds it before the session.

Chord voicings come from :func:`live.music.voicing.voice` within :data:`CHORD_RANGE`, each
chord moving as little as it can from the last.

Realtime-safe: no (control thread).
"""

from __future__ import annotations

from live.activities.improvisation.band import BASS_LOW, BandNote
from live.activities.improvisation.styles import Style
from live.engine.events import ScheduledSound
from live.engine.instruments import PitchedNote, note_sound
from live.music.chords import Chord
from live.music.voicing import voice

__all__ = ["CHORD_RANGE", "BASS_RANGE", "KEYBOARD_RANGE", "band_sound", "client_sound", "declared_notes", "voiced"]

CHORD_RANGE = (52, 76)      # E3..E5: where chord voices sit
BASS_RANGE = (BASS_LOW - 1, BASS_LOW + 23)   # B1..B3: every note the bass lines reach
BAND_VELOCITY = 104        # the band's one velocity layer (its velocities are gains over it)
CLIENT_VELOCITY = 127      # the client's one layer (velocity is a gain over it)
KEYBOARD_RANGE = (48, 84)   # C3..C6: a keyboard's notes that sound (others are logged, silent)
# The highest pad above the first pad's octave's C: a tonic up to B (11), then 12 pentatonic
# pads reach two octaves and a second above it (11 + 24 + 2).
_CLIENT_SPAN = 37


def voiced(chord: Chord, previous: tuple[int, ...]) -> tuple[int, ...]:
    """``chord``'s voices (MIDI, low to high) in :data:`CHORD_RANGE`, led smoothly from
    ``previous`` (empty: a close position near the range's middle)."""
    return voice(chord, low_note=CHORD_RANGE[0], high_note=CHORD_RANGE[1], previous=previous or None)


def band_sound(note: BandNote, start_frame: int, end_frame: int, volume: float, *,
               cue_index: int | None = None) -> ScheduledSound:
    """A band note as a sound: its instrument's sample for the note in the band's one velocity
    layer (:data:`BAND_VELOCITY`), its loudness by gain (``volume`` x velocity / that layer's
    velocity), from ``start_frame``, released at ``end_frame``."""
    return ScheduledSound(start_frame, note_sound(note.instrument, note.note, BAND_VELOCITY),
                          gain=volume * note.velocity / BAND_VELOCITY, cue_index=cue_index,
                          end_frame=end_frame if end_frame > start_frame else None)


def client_sound(instrument: str, note: int, velocity: int, at_frame: int, volume: float) -> ScheduledSound:
    """A client's note: ``instrument`` playing ``note`` from ``at_frame`` (a pitched note ends
    with its sample: a pad is struck, not held), from its full velocity layer
    (:data:`CLIENT_VELOCITY`), loudness following ``velocity`` by gain, as the audio callback
    plays a JACK keyboard's note."""
    velocity = max(1, min(127, velocity))
    return ScheduledSound(at_frame, note_sound(instrument, note, CLIENT_VELOCITY),
                          gain=max(volume, 0.6) * velocity / CLIENT_VELOCITY)


def declared_notes(params: object, style: Style) -> list[PitchedNote]:
    """Every pitched note a run of ``params`` (an ImprovisationParams) may play in any key the
    therapist moves it to: the bass over :data:`BASS_RANGE` and the chords over
    :data:`CHORD_RANGE` in the band's layer, the client's pads in every key from the first
    pad's octave up and a keyboard's :data:`KEYBOARD_RANGE` in the client's layer."""
    p = params
    out: list[PitchedNote] = []
    if p.bass:
        inst = p.bass_instrument or style.bass_instrument
        out += [PitchedNote(inst, n, BAND_VELOCITY) for n in range(BASS_RANGE[0], BASS_RANGE[1] + 1)]
    if p.chords:
        inst = p.chord_instrument or style.chord_instrument
        out += [PitchedNote(inst, n, BAND_VELOCITY) for n in range(CHORD_RANGE[0], CHORD_RANGE[1] + 1)]
    first = 12 * (p.octave + 1)
    lo, hi = min(first, KEYBOARD_RANGE[0]), min(127, max(first + _CLIENT_SPAN, KEYBOARD_RANGE[1]))
    out += [PitchedNote(p.instrument, n, CLIENT_VELOCITY) for n in range(lo, hi + 1)]
    return out
