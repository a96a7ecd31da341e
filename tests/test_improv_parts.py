"""The improvisation's pure parts: the client's pads and keyboard, the harmony beat by beat,
the band's patterns (swing, intensity, walking bass), the therapist's chords recognised."""

import pytest

from live.activities.improvisation.band import BeatContext, beat_notes, bass_note, velocity_of
from live.activities.improvisation.harmony import Harmony, resolve
from live.activities.improvisation.instrument import keyboard_note, pad_note, pad_notes
from live.activities.improvisation.steering import ChordListener
from live.activities.improvisation.styles import STYLES, swung
from live.engine.events import InputEvent
from live.music.chords import chord_from_symbol
from live.music.scales import MODES, scale_pitch_classes

ALL_PARTS = frozenset({"drums", "bass", "chords"})


@pytest.mark.parametrize("mode", sorted(MODES))
def test_every_pad_plays_a_note_of_the_scale_in_every_key_and_octave(mode):
    for tonic in range(12):
        scale = set(scale_pitch_classes(tonic, mode))
        for octave in range(1, 8):
            notes = pad_notes(12, tonic_pc=tonic, mode=mode, octave=octave)
            assert all(0 <= n <= 127 and n % 12 in scale for n in notes)
            assert notes[0] % 12 == tonic  # pad 0 is the tonic
            if octave < 7:
                assert list(notes) == sorted(notes) and len(set(notes)) == 12  # up the scale, no repeats


def test_pads_walk_up_the_scale_from_the_tonic_of_the_octave():
    assert pad_notes(8, tonic_pc=0, mode="major_pentatonic", octave=4) == (60, 62, 64, 67, 69, 72, 74, 76)
    assert pad_notes(3, tonic_pc=2, mode="minor_pentatonic", octave=4) == (62, 65, 67)
    assert pad_note(7, tonic_pc=9, mode="minor", octave=3) == 69


def test_a_keyboard_snaps_to_the_nearest_scale_note_ties_downward_filters_or_plays_as_is():
    # C major: C# (61) lies between C and D: a tie goes down to C; F# (66) between F and G: F
    assert keyboard_note(61, tonic_pc=0, mode="major", snap="nearest") == 60
    assert keyboard_note(66, tonic_pc=0, mode="major", snap="nearest") == 65
    assert keyboard_note(64, tonic_pc=0, mode="major", snap="nearest") == 64
    # C major pentatonic (C D E G A): F (65) is nearer E than G; B (71) nearer C (72) than A (69)
    assert keyboard_note(65, tonic_pc=0, mode="major_pentatonic", snap="nearest") == 64
    assert keyboard_note(71, tonic_pc=0, mode="major_pentatonic", snap="nearest") == 72
    assert keyboard_note(61, tonic_pc=0, mode="major", snap="filter") is None
    assert keyboard_note(62, tonic_pc=0, mode="major", snap="filter") == 62
    assert keyboard_note(61, tonic_pc=0, mode="major", snap="off") == 61
    for note in range(128):
        snapped = keyboard_note(note, tonic_pc=7, mode="blues", snap="nearest")
        assert snapped % 12 in scale_pitch_classes(7, "blues") and abs(snapped - note) <= 2


def _decide(h: Harmony, beats: range) -> list:
    return [h.at_beat(k, 1000 * k) for k in beats]


def test_the_progression_moves_one_chord_per_bar_and_cycles():
    h = Harmony(key="C", mode="major", progression=("I", "V", "vi", "IV"), drone=False, meter=4)
    ats = _decide(h, range(0, 24))
    assert [a.chord.symbol for a in ats[::4]] == ["C", "G", "Am", "F", "C", "G"]
    assert ats[0].next_chord.symbol == "G" and ats[15].next_chord.symbol == "C"
    assert [(s.start_frame, s.end_frame, s.chord.symbol) for s in h.segments[:2]] == [(0, 4000, "C"), (4000, 8000, "G")]
    h.close(24000)
    assert h.segments[-1].end_frame == 24000 and len(h.segments) == 6


def test_a_drone_is_one_segment_and_the_therapist_moves_the_harmony_from_the_beat_named():
    h = Harmony(key="D", mode="minor", progression=(), drone=True, meter=4)
    _decide(h, range(0, 40))
    h.close(40000)
    assert [(s.chord.symbol, s.start_frame, s.end_frame) for s in h.segments] == [("D5", 0, 40000)]

    h = Harmony(key="C", mode="major", progression=("I", "IV"), drone=False, meter=4)
    _decide(h, range(0, 3))
    h.schedule(6, "chord", chord_from_symbol("Dm7"))      # held from beat 6 until the next change
    h.schedule(16, "key_up")                                # C# major from beat 16; the held chord moves with it
    h.schedule(20, "next_chord")                            # back to the progression
    ats = _decide(h, range(3, 28))
    by_beat = {k: a for k, a in zip(range(3, 28), ats)}
    assert by_beat[5].chord.symbol == "F" and by_beat[6].chord.symbol == "Dm7" and by_beat[15].chord.symbol == "Dm7"
    assert by_beat[16].chord.symbol == "D#m7" and by_beat[16].tonic_pc == 1
    # the progression's next chord (I after IV, the held chord standing in between), now in C#
    assert by_beat[20].chord.symbol == "C#" and by_beat[24].chord.symbol == "F#"
    assert resolve("IV", 1, "major").symbol == "F#"


def test_swing_moves_only_off_beat_eighths():
    assert swung(1.5, 1.0) == pytest.approx(1 + 2 / 3) and swung(1.5, 0.0) == 1.5
    assert swung(2.0, 1.0) == 2.0 and swung(2.25, 1.0) == 2.25


def test_low_intensity_thins_the_band_and_plays_softer():
    style = STYLES["pop"]
    h = Harmony(key="C", mode="major", progression=("I",), drone=False, meter=4)
    at = h.at_beat(0, 0)
    counts = {}
    for intensity in (0.0, 1.0):
        total_drums, total_notes, vel = 0, 0, []
        for k in range(4):
            d, n = beat_notes(style, BeatContext(k, k, at, (60, 64, 67), 0.0, intensity, False, "epiano", "bass", ALL_PARTS))
            total_drums += len(d)
            total_notes += len(n)
            vel += [x.velocity for x in n]
        counts[intensity] = (total_drums, total_notes, max(vel))
    assert counts[0.0][0] < counts[1.0][0] and counts[0.0][1] < counts[1.0][1] and counts[0.0][2] < counts[1.0][2]
    assert velocity_of(1.0, 1.0) == 127 and velocity_of(0.5, 0.0) == round(127 * 0.5 * 0.55)


def test_the_walking_bass_walks_into_the_next_root_by_a_chord_tone_a_step_away_else_chromatically():
    c, f, a7, e7 = (chord_from_symbol(s) for s in ("C7", "F", "A7", "E7"))
    assert [bass_note("walk", c, f, b) for b in range(4)] == [36, 40, 43, 40]   # C E G, then E (C7's) into F
    assert [bass_note("walk", a7, a7, b) for b in range(4)] == [45, 49, 52, 55]  # A C# E, the root stays: G, the 7th
    assert [bass_note("walk", e7, a7, b) for b in range(4)] == [40, 44, 47, 44]  # G# (E7's) into A
    assert bass_note("walk", f, c, 3) == 37  # no tone of F A C a step from C: C# from above
    assert bass_note("fifth", chord_from_symbol("Bdim"), c, 0) == 47 + 6       # a flat fifth where there is one


def test_a_fill_replaces_the_beats_drums_and_the_styles_are_the_six_asked_for_and_more():
    assert {"ballad", "pop", "reggae", "blues_shuffle", "bossa", "ambient_drone"} <= set(STYLES)
    for style in STYLES.values():
        assert style.drums and style.bass and style.chords and all(0 <= h.at_beats < style.meter for h in style.drums)
    h = Harmony(key="C", mode="major", progression=("I",), drone=False, meter=4)
    at = h.at_beat(3, 0)
    d, _ = beat_notes(STYLES["pop"], BeatContext(3, 3, at, (60, 64, 67), 0.0, 0.5, True, "epiano", "bass", ALL_PARTS))
    assert [x.sound for x in d] == ["snare"] * 4 and [x.start_beats for x in d] == [3.0, 3.25, 3.5, 3.75]


def test_three_notes_within_50_ms_on_the_therapists_channel_are_a_chord_two_are_not():
    listen = ChordListener(48000)
    def note(frame, n):
        return InputEvent(frame, "midi", n, 90, None)
    assert listen.add(note(1000, 62)) == [] and listen.add(note(1500, 65)) == []
    [control] = listen.add(note(3000, 69))           # 2000 frames = 41.7 ms after the first
    assert (control.frame, control.action, control.text) == (3000, "chord", "Dm")
    [bigger] = listen.add(note(3200, 72))            # a fourth voice within the 50 ms: Dm7
    assert bigger.text == "Dm7"
    assert listen.add(note(10_000, 60)) == [] and listen.add(note(10_100, 64)) == []
    assert listen.add(note(10_000 + 2401, 67)) == []  # 50.02 ms after the first: too late


def test_a_chord_changed_mid_bar_is_struck_on_its_beat_where_the_style_holds_its_chords():
    style = STYLES["ballad"]  # a chord held from the bar's first beat, bass on 1 and 3
    h = Harmony(key="C", mode="major", progression=("I",), drone=False, meter=4)
    h.schedule(1, "chord", chord_from_symbol("F#"))
    h.at_beat(0, 0)
    at = h.at_beat(1, 1)
    _, notes = beat_notes(style, BeatContext(1, 1, at, (61, 66, 70), 0.0, 0.5, False, "piano", "bass", ALL_PARTS,
                                             changed=True))
    chords = [(n.note, n.start_beats, n.length_beats) for n in notes if n.part == "chords"]
    bass = [(n.note, n.start_beats, n.length_beats) for n in notes if n.part == "bass"]
    assert chords == [(61, 1.0, 3.0), (66, 1.0, 3.0), (70, 1.0, 3.0)] and bass == [(42, 1.0, 1.0)]  # F#2 to beat 3
    _, same = beat_notes(style, BeatContext(1, 1, at, (61, 66, 70), 0.0, 0.5, False, "piano", "bass", ALL_PARTS))
    assert same == []  # no change: the held chord goes on
