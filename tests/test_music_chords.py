"""live.music.chords, roman and voicing: symbols through pychord, recognition of every triad and
seventh in every inversion and key, roman numerals per key and mode, smooth voice leading."""

from __future__ import annotations

import pytest

from live.music.chords import Chord, chord_from_symbol, chord_of, drone, recognise
from live.music.roman import PROGRESSIONS, chord_from_roman, is_roman, progression
from live.music.scales import MODES, pitch_class
from live.music.voicing import movement, root_position, voice, voice_progression

# Semitones above the root, as any theory book spells them (independent of pychord's table).
INTERVALS = {
    "": (0, 4, 7), "m": (0, 3, 7), "dim": (0, 3, 6), "aug": (0, 4, 8),
    "7": (0, 4, 7, 10), "maj7": (0, 4, 7, 11), "m7": (0, 3, 7, 10), "m7b5": (0, 3, 6, 10), "dim7": (0, 3, 6, 9),
    "mmaj7": (0, 3, 7, 11),
}
SYMMETRIC = {"aug", "dim7"}   # every inversion is the same chord: rooted on the lowest note


def inversion(root_pc: int, quality: str, k: int, base: int = 48) -> list[int]:
    """Close position, ``k``-th inversion: the chord tones rotated, each stacked above the last."""
    tones = [(root_pc + i) % 12 for i in INTERVALS[quality]]
    tones = tones[k:] + tones[:k]
    notes = [base + tones[0]]
    for pc in tones[1:]:
        notes.append(notes[-1] + ((pc - notes[-1]) % 12 or 12))
    return notes


@pytest.mark.parametrize("quality", list(INTERVALS))
@pytest.mark.parametrize("root_pc", range(12))
def test_chord_of_every_quality_has_the_textbook_pitch_classes_in_chord_tone_order(root_pc, quality):
    chord = chord_of(root_pc, quality)
    assert chord.pitch_classes == tuple((root_pc + i) % 12 for i in INTERVALS[quality])
    assert chord_from_symbol(chord.symbol) == chord


@pytest.mark.parametrize("quality", list(INTERVALS))
@pytest.mark.parametrize("root_pc", range(12))
def test_every_triad_and_seventh_is_recognised_in_every_inversion(root_pc, quality):
    for k in range(len(INTERVALS[quality])):
        notes = inversion(root_pc, quality, k)
        for played in (notes, notes + [notes[0] + 12], [notes[0] - 12] + notes[1:] + [notes[1] + 12]):
            chord = recognise(played)
            assert chord is not None and chord.quality == quality, (root_pc, quality, k, played, chord)
            assert chord.root_pc == (min(played) % 12 if quality in SYMMETRIC else root_pc), (played, chord)
            assert set(chord.pitch_classes) == {(root_pc + i) % 12 for i in INTERVALS[quality]}
            assert chord.bass_pc is None


def test_recognition_prefers_triads_and_sevenths_then_the_lowest_note_as_root():
    assert recognise([60, 64, 67, 69]).symbol == "Am7"        # not C6
    assert recognise([63, 66, 70, 72]).symbol == "Cm7b5"      # not Ebm6
    assert recognise([55, 60, 62]).symbol == "Gsus4" and recognise([60, 62, 67]).symbol == "Csus2"
    assert recognise([48, 64, 67, 71, 74]).symbol == "Cmaj9"
    assert recognise([67, 60, 76]).symbol == "C"              # order of the notes does not matter


def test_recognition_needs_three_pitch_classes_that_form_a_chord():
    assert recognise([60, 67, 72]) is None and recognise([60, 64]) is None and recognise([]) is None
    assert recognise([60, 61, 62]) is None
    with pytest.raises(ValueError, match="MIDI note 128: must be an integer 0..127"):
        recognise([60, 64, 128])


def test_symbols_are_read_through_pychord_and_written_sharp_spelled():
    assert chord_from_symbol("Bbmaj7") == Chord(10, "maj7", "A#maj7", (10, 2, 5, 9))
    assert chord_from_symbol("Cm7-5").symbol == "Cm7b5" and chord_from_symbol("CM7").symbol == "Cmaj7"
    assert chord_from_symbol("Amin").symbol == "Am" and chord_from_symbol("G7sus4").pitch_classes == (7, 0, 2, 5)
    assert chord_from_symbol("C/E") == Chord(0, "", "C/E", (0, 4, 7), 4)
    assert chord_from_symbol("C/Bb") == Chord(0, "", "C/A#", (0, 4, 7, 10), 10)
    assert chord_from_symbol("F#7") == chord_of(pitch_class("Gb"), "7")


@pytest.mark.parametrize("symbol, message", [
    ("H7", "chord symbol 'H7': Invalid note H; must be a root A..G"),
    ("Cfoo", "chord symbol 'Cfoo': Unknown quality: foo; must be a root A..G"),
    ("", "chord symbol '': must be a root A..G"),
])
def test_a_bad_symbol_raises_one_line_saying_what_is_allowed(symbol, message):
    with pytest.raises(ValueError) as caught:
        chord_from_symbol(symbol)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_drone_is_root_and_fifth_and_in_every_mode():
    assert drone(9) == Chord(9, "5", "A5", (9, 4))
    assert all(7 in MODES[m] for m in MODES)


@pytest.mark.parametrize("tonic_pc", range(12))
def test_roman_numerals_of_the_named_progressions_in_every_key(tonic_pc):
    def expect(*pairs):
        return tuple(chord_of((tonic_pc + step) % 12, q) for step, q in pairs)
    assert progression(PROGRESSIONS["pop"], tonic_pc, "major") == expect((0, ""), (7, ""), (9, "m"), (5, ""))
    assert progression(PROGRESSIONS["ii_V_I"], tonic_pc, "major") == expect((2, "m7"), (7, "7"), (0, "maj7"),
                                                                           (0, "maj7"))
    blues = progression(PROGRESSIONS["blues_12"], tonic_pc, "blues")
    assert blues == expect(*[(s, "7") for s in (0, 0, 0, 0, 5, 5, 0, 0, 7, 5, 0, 7)])
    assert progression(PROGRESSIONS["blues_12"], tonic_pc, "major") == blues
    assert progression(PROGRESSIONS["minor_i_iv_v"], tonic_pc, "minor") == expect((0, "m"), (5, "m"), (7, "m"),
                                                                                 (0, "m"))


@pytest.mark.parametrize("numeral, tonic, mode, symbol", [
    ("vii\u00b0", "C", "major", "Bdim"), ("viio7", "C", "major", "Bdim7"), ("vii\u00f87", "C", "major", "Bm7b5"),
    ("viidim", "G", "major", "F#dim"), ("III", "A", "minor", "C"), ("VII", "A", "minor", "G"),
    ("iio", "A", "minor", "Bdim"), ("IV", "D", "dorian", "G"), ("bVII", "C", "major", "A#"),
    ("bIII7", "E", "major", "G7"), ("#iv\u00f8", "C", "major", "F#m7b5"), ("Imaj7", "F", "major", "Fmaj7"),
    ("V+", "C", "major", "Gaug"), ("vi", "C", "major_pentatonic", "Am"), ("VI", "A", "minor_pentatonic", "F"),
    ("v7", "G", "mixolydian", "Dm7"), ("Isus4", "C", "major", "Csus4"), ("ii9", "C", "major", "Dm9"),
])
def test_roman_numerals_follow_the_modes_own_degrees_and_their_suffixes(numeral, tonic, mode, symbol):
    assert chord_from_roman(numeral, pitch_class(tonic), mode).symbol == symbol


def test_progressions_mix_numerals_and_symbols_and_name_a_bad_bar():
    assert [c.symbol for c in progression(["I", "Am", "IV", "G7"], 0, "major")] == ["C", "Am", "F", "G7"]
    assert is_roman("bVII7") and not is_roman("Bb7") and not is_roman("E")
    with pytest.raises(ValueError, match=r"^progression bar 2: roman numeral 'Vx': suffix 'x' is not one of"):
        progression(["I", "Vx"], 0, "major")
    with pytest.raises(ValueError, match=r"^progression bar 3: chord symbol 'Q': Invalid note Q"):
        progression(["I", "V", "Q"], 0, "major")
    with pytest.raises(ValueError, match="^mode 'lydian': must be one of"):
        chord_from_roman("I", 0, "lydian")
    with pytest.raises(ValueError, match="must be a list of one roman numeral or chord symbol per bar"):
        progression("I V", 0, "major")


def chord_tones_once_in_range(voicing, chord, low, high, max_span=12):
    return (sorted(n % 12 for n in voicing) == sorted(chord.pitch_classes) and low <= min(voicing)
            and max(voicing) <= high and max(voicing) - min(voicing) <= max_span and list(voicing) == sorted(voicing))


@pytest.mark.parametrize("name, mode", [("pop", "major"), ("ii_V_I", "major"), ("blues_12", "blues"),
                                        ("minor_i_iv_v", "minor")])
def test_voice_leading_moves_less_than_root_position_in_every_key(name, mode):
    low, high = 52, 76
    for tonic_pc in range(12):
        chords = progression(PROGRESSIONS[name], tonic_pc, mode) * 2
        led = voice_progression(chords, low_note=low, high_note=high)
        rooted = [root_position(c, low_note=low, high_note=high) for c in chords]
        assert all(chord_tones_once_in_range(v, c, low, high) for v, c in zip(led, chords))
        moved = sum(movement(a, b) for a, b in zip(led, led[1:]))
        moved_rooted = sum(movement(a, b) for a, b in zip(rooted, rooted[1:]))
        assert moved < moved_rooted, (name, tonic_pc, moved, moved_rooted)


def test_voice_keeps_common_tones_and_moves_by_steps():
    c = (60, 64, 67)
    assert voice(chord_from_symbol("Am"), low_note=48, high_note=79, previous=c) == (60, 64, 69)
    assert voice(chord_from_symbol("F"), low_note=48, high_note=79, previous=c) == (60, 65, 69)
    assert voice(chord_from_symbol("G7"), low_note=48, high_note=79, previous=c) == (59, 62, 65, 67)
    assert movement(c, (59, 62, 65, 67)) == (1 + 1 + 0) + (1 + 2 + 1 + 0)   # nearest-note rule both ways, 3 to 4 voices
    assert root_position(chord_from_symbol("G7"), low_note=48, high_note=79) == (55, 59, 62, 65)


def test_a_range_too_narrow_for_the_chord_says_so():
    with pytest.raises(ValueError, match=r"^chord Cmaj7: no root position fits in MIDI notes 60..66; widen the range"):
        voice(chord_from_symbol("Cmaj7"), low_note=60, high_note=66)
    with pytest.raises(ValueError, match=r"^chord C: no voicing within 12 semitones fits in MIDI notes 61..63"):
        voice(chord_from_symbol("C"), low_note=61, high_note=63, previous=(60, 64, 67))
    with pytest.raises(ValueError, match=r"^voicing range 70..60: the high note must not be below the low note"):
        voice(chord_from_symbol("C"), low_note=70, high_note=60)
