"""live.music.scales: the seven modes in every key, note names both ways, snapping to a scale."""

from __future__ import annotations

import pytest

from live.music.scales import (MODES, in_scale, key_name, note_name, note_number, pc_name, pitch_class,
                               scale_notes, scale_pitch_classes, snap_to_scale)

# Each mode as its steps between degrees (W = 2, H = 1, m3 = 3), as theory books write them: an
# independent spelling of issue 13's pitch-class sets.
STEPS = {
    "major": "W W H W W W H",
    "minor": "W H W W H W W",
    "dorian": "W H W W W H W",
    "mixolydian": "W W H W W H W",
    "major_pentatonic": "W W m3 W m3",
    "minor_pentatonic": "m3 W W m3 W",
    "blues": "m3 W H H m3 W",
}
SIZE = {"H": 1, "W": 2, "m3": 3}


def from_steps(tonic_pc: int, steps: str) -> tuple[int, ...]:
    pcs, pc = [], tonic_pc
    for step in steps.split():
        pcs.append(pc % 12)
        pc += SIZE[step]
    assert pc - tonic_pc == 12
    return tuple(pcs)


def test_modes_are_exactly_issue_13s_seven_with_their_pitch_classes():
    assert dict(MODES) == {
        "major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10), "dorian": (0, 2, 3, 5, 7, 9, 10),
        "mixolydian": (0, 2, 4, 5, 7, 9, 10), "major_pentatonic": (0, 2, 4, 7, 9),
        "minor_pentatonic": (0, 3, 5, 7, 10), "blues": (0, 3, 5, 6, 7, 10)}


@pytest.mark.parametrize("mode", list(STEPS))
@pytest.mark.parametrize("tonic_pc", range(12))
def test_every_key_and_mode_has_the_pitch_classes_of_its_steps(tonic_pc, mode):
    assert scale_pitch_classes(tonic_pc, mode) == from_steps(tonic_pc, STEPS[mode])


@pytest.mark.parametrize("key, names", [
    ("F# major", "F# G# A# B C# D# F"), ("Bb minor", "Bb C Db Eb F Gb Ab"), ("D dorian", "D E F G A B C"),
    ("G mixolydian", "G A B C D E F"), ("Eb major_pentatonic", "Eb F G Bb C"),
    ("A minor_pentatonic", "A C D E G"), ("E blues", "E G A Bb B D"), ("Db major", "Db Eb F Gb Ab Bb C"),
])
def test_named_scales_read_from_sheet_music(key, names):
    tonic, mode = key.split()
    assert scale_pitch_classes(pitch_class(tonic), mode) == tuple(pitch_class(n) for n in names.split())


def test_pitch_class_reads_sharps_flats_doubles_and_lower_case():
    assert [pitch_class(n) for n in "C C# Db D D# Eb E F F# Gb G G# Ab A A# Bb B".split()] == \
        [0, 1, 1, 2, 3, 3, 4, 5, 6, 6, 7, 8, 8, 9, 10, 10, 11]
    assert (pitch_class("Cb"), pitch_class("B#"), pitch_class("E#"), pitch_class("Fb")) == (11, 0, 5, 4)
    assert (pitch_class("F##"), pitch_class("Bbb"), pitch_class("bb"), pitch_class(" f# ")) == (7, 9, 10, 6)
    assert (pitch_class("F\u266f"), pitch_class("B\u266d")) == (6, 10)


def test_pc_name_is_sharp_spelled_and_inverts_pitch_class():
    assert [pc_name(pc) for pc in range(12)] == "C C# D D# E F F# G G# A A# B".split()
    assert all(pitch_class(pc_name(pc)) == pc for pc in range(12))


def test_note_names_both_ways_with_c4_as_60():
    assert note_number("C4") == 60 and note_number("C#4") == 61 and note_number("A4") == 69
    assert note_number("C-1") == 0 and note_number("G9") == 127 and note_number("Bb3") == 58
    assert note_number("Cb4") == 59 and note_number("B#3") == 60 and note_number("db5") == 73
    assert note_name(61) == "C#4" and note_name(0) == "C-1" and note_name(127) == "G9" and note_name(58) == "A#3"
    assert all(note_number(note_name(n)) == n for n in range(128))


@pytest.mark.parametrize("call, message", [
    (lambda: pitch_class("H"), "pitch class 'H': must be a letter A..G with an optional # or b (e.g. C, F#, Bb)"),
    (lambda: pitch_class("C#b"), "pitch class 'C#b': must be a letter A..G"),
    (lambda: note_number("C"), "note 'C': must be a pitch name and an octave, C4 = 60"),
    (lambda: note_number("G#9"), "note 'G#9' is MIDI note 128: must be"),
    (lambda: note_number("Cb-1"), "note 'Cb-1' is MIDI note -1: must be"),
    (lambda: note_name(128), "MIDI note 128: must be an integer 0..127 (C4 = 60)"),
    (lambda: note_name(True), "MIDI note True: must be an integer 0..127"),
    (lambda: pc_name(12), "pitch class 12: must be an integer 0..11 (C = 0)"),
    (lambda: scale_pitch_classes(0, "lydian"), "mode 'lydian': must be one of major, minor, dorian, mixolydian, "
                                               "major_pentatonic, minor_pentatonic, blues"),
    (lambda: scale_pitch_classes(-1, "major"), "tonic -1: must be an integer 0..11"),
    (lambda: scale_notes(0, "major", 70, 60), "note range 70..60: the high note must not be below the low note"),
])
def test_bad_names_and_numbers_raise_one_line_saying_what_is_allowed(call, message):
    with pytest.raises(ValueError) as caught:
        call()
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_scale_notes_and_in_scale_over_a_range():
    assert scale_notes(pitch_class("A"), "minor_pentatonic", 57, 69) == (57, 60, 62, 64, 67, 69)
    assert in_scale(66, 7, "major") and not in_scale(65, 7, "major")


def test_snap_to_scale_takes_the_nearest_and_ties_go_downward():
    # C major pentatonic {C D E G A}: F (65) is 1 from E, 2 from G; B (71) is 1 from C5;
    # G# (68) is 1 from G and from A: the lower wins; in-scale notes stay.
    assert [snap_to_scale(n, 0, "major_pentatonic") for n in (65, 71, 68, 64, 61, 70)] == [64, 72, 67, 64, 60, 69]
    assert snap_to_scale(127, 0, "major") == 127 and snap_to_scale(126, 0, "minor_pentatonic") == 125 and snap_to_scale(0, 1, "major") == 0
    assert snap_to_scale(0, 2, "major") == 1   # C-1 in D major: C# above (B below does not exist)
    assert all(snap_to_scale(n, t, m) % 12 in scale_pitch_classes(t, m)
               for t in range(12) for m in MODES for n in range(128))


def test_key_name_is_sharp_spelled():
    assert key_name(6, "minor") == "F# minor" and key_name(10, "dorian") == "A# dorian"
