"""Therapist controller mapping: shipped mappings load, every mistake gives one exact line,
and MIDI messages fire the bindings they should."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from live.controls import ControlError, ControlAction, ControlMap, default_path

HEADER = "schema = 1\n"
KNOB = '[[bindings]]\naction = "tempo_set"\nmessage = "cc"\nnumber = 22\n'


def problems(tmp_path: Path, text: str) -> list[str]:
    """The problem lines for a mapping file, with the ``FILE: `` prefix checked and removed."""
    path = tmp_path / "controls.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ControlError) as err:
        ControlMap.load(path)
    assert str(err.value) == "\n".join(err.value.problems)
    assert all(p.startswith(f"{path}: ") for p in err.value.problems)
    return [p[len(f"{path}: "):] for p in err.value.problems]


def load(tmp_path: Path, text: str) -> ControlMap:
    path = tmp_path / "controls.toml"
    path.write_text(text, encoding="utf-8")
    return ControlMap.load(path)


# ---------------------------------------------------------------- shipped mappings


SHIPPED = sorted(default_path().parent.glob("controls-*.toml"))


def test_the_default_mapping_is_shipped():
    assert default_path() in SHIPPED


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_mapping_loads(path):
    cm = ControlMap.load(path)
    assert cm.bindings and cm.path == path
    assert "#" in path.read_text(encoding="utf-8")  # commented for the therapist


def test_default_mapping_uses_ccs_20_to_24_and_reads_well():
    cm = ControlMap.default()
    assert cm.path == default_path()
    assert cm.describe() == [
        "CC 20 (any channel): tempo down by 2 BPM (on press: value 64..127)",
        "CC 21 (any channel): tempo up by 2 BPM (on press: value 64..127)",
        "CC 22 (any channel): tempo knob, 40..160 BPM",
        "CC 23 (any channel): start/stop (on press: value 64..127)",
        "CC 24 (any channel): next activity (on press: value 64..127)",
    ]
    assert cm.bound_notes() == set()  # no drum pad note is taken from the client


# ---------------------------------------------------------------- every kind of mistake


def test_syntax_error_gives_line_and_column(tmp_path):
    assert problems(tmp_path, "schema = 1\n[[bindings]]\naction = \n") == [
        "line 3, column 10: Invalid value"
    ]


def test_missing_file(tmp_path):
    with pytest.raises(ControlError) as err:
        ControlMap.load(tmp_path / "nope.toml")
    assert err.value.problems == [f"{tmp_path / 'nope.toml'}: cannot read the file: No such file or directory"]


def test_top_level_problems(tmp_path):
    assert problems(tmp_path, 'schema = 2\ntitle = "mine"\n') == [
        "schema: 2: must be 1",
        'title: "mine": unknown key; allowed: schema, bindings, therapist',
        "bindings: (missing): must be a list of [[bindings]] tables",
    ]
    assert problems(tmp_path, "bindings = 3\n") == [  # in file order, missing keys last
        "bindings: 3: must be a list of [[bindings]] tables",
        "schema: (missing): must be 1",
    ]
    assert problems(tmp_path, HEADER + "bindings = [1]\n") == [
        "bindings[0]: 1: must be a table ([[bindings]]) with action, message and number"
    ]


def test_unknown_and_missing_binding_keys(tmp_path):
    text = HEADER + '[[bindings]]\naction = "start_stop"\nvelocity = 3\n'
    assert problems(tmp_path, text) == [
        "bindings[0].velocity: 3: unknown key; allowed: action, message, channel, number, step_bpm, min_bpm, max_bpm",
        "bindings[0].message: (missing): must be one of: note, cc",
        "bindings[0].number: (missing): must be a whole number, 0..127",
    ]


def test_values_out_of_range_or_of_the_wrong_type(tmp_path):
    text = HEADER + (
        '[[bindings]]\naction = "faster"\nmessage = "sysex"\nchannel = 17\nnumber = 200\n'
        '[[bindings]]\naction = "start_stop"\nmessage = "cc"\nchannel = 1.5\nnumber = "23"\n'
        '[[bindings]]\naction = "start_stop"\nmessage = "note"\nchannel = 0\nnumber = true\n'
    )
    assert problems(tmp_path, text) == [
        'bindings[0].action: "faster": must be one of: tempo_up, tempo_down, tempo_set, start_stop, next_activity, end_turn, '
        'next_chord, key_up, key_down, drone, intensity_up, intensity_down, fill, stop',
        'bindings[0].message: "sysex": must be one of: note, cc',
        "bindings[0].channel: 17: must be a whole number, 1..16 (leave out for any channel)",
        "bindings[0].number: 200: must be a whole number, 0..127",
        "bindings[1].channel: 1.5: must be a whole number, 1..16 (leave out for any channel)",
        'bindings[1].number: "23": must be a whole number, 0..127',
        "bindings[2].channel: 0: must be a whole number, 1..16 (leave out for any channel)",
        "bindings[2].number: true: must be a whole number, 0..127",
    ]


def test_tempo_options_belong_to_their_actions_and_ranges(tmp_path):
    text = HEADER + (
        '[[bindings]]\naction = "tempo_up"\nmessage = "cc"\nnumber = 21\nstep_bpm = 25\nmin_bpm = 40\n'
        '[[bindings]]\naction = "start_stop"\nmessage = "cc"\nnumber = 23\nstep_bpm = 2\n'
        '[[bindings]]\naction = "tempo_set"\nmessage = "note"\nnumber = 22\nmin_bpm = 10\nmax_bpm = 300\n'
        '[[bindings]]\naction = "tempo_set"\nmessage = "cc"\nnumber = 25\nmin_bpm = 120\nmax_bpm = 90\n'
        '[[bindings]]\naction = "tempo_set"\nmessage = "cc"\nnumber = 26\nmin_bpm = 170\n'
    )
    assert problems(tmp_path, text) == [
        "bindings[0].step_bpm: 25: must be a number, 0.5..20 BPM",
        "bindings[0].min_bpm: 40: only for tempo_set; remove it",
        "bindings[1].step_bpm: 2: only for tempo_up, tempo_down; remove it",
        'bindings[2].message: "note": must be "cc" for tempo_set (a knob or fader)',
        "bindings[2].min_bpm: 10: must be a number, 20..240 BPM",
        "bindings[2].max_bpm: 300: must be a number, 20..240 BPM",
        "bindings[3].max_bpm: 90: must make min_bpm (120) less than max_bpm (90)",
        "bindings[4].min_bpm: 170: must make min_bpm (170) less than max_bpm (160)",  # default max
    ]


def test_the_same_control_bound_twice_is_refused(tmp_path):
    def cc(action, number, channel=None):
        chan = f"channel = {channel}\n" if channel else ""
        return f'[[bindings]]\naction = "{action}"\nmessage = "cc"\nnumber = {number}\n{chan}'

    text = HEADER + (
        cc("tempo_down", 20)
        + cc("tempo_up", 20)  # same CC, both any channel
        + cc("start_stop", 20, channel=3)  # channel 3 meets "any channel"
        + cc("tempo_up", 30, channel=2)
        + cc("start_stop", 30, channel=2)  # same CC and channel
        + cc("next_activity", 30, channel=4)  # another channel: fine
        + cc("next_activity", 30)  # any channel meets channel 2 and 4
        + '[[bindings]]\naction = "start_stop"\nmessage = "note"\nnumber = 20\n'  # a note: fine
    )
    assert problems(tmp_path, text) == [
        "bindings[1].number: 20: CC 20 on any channel is already bound by bindings[0] (tempo_down); "
        "a control may do one thing",
        "bindings[2].number: 20: CC 20 on any channel is already bound by bindings[0] (tempo_down); "
        "a control may do one thing",
        "bindings[4].number: 30: CC 30 on channel 2 is already bound by bindings[3] (tempo_up); "
        "a control may do one thing",
        "bindings[6].number: 30: CC 30 on channel 2 is already bound by bindings[3] (tempo_up); "
        "a control may do one thing",
    ]


def test_a_clash_names_the_file_s_binding_index_even_after_an_invalid_one(tmp_path):
    text = HEADER + (
        '[[bindings]]\naction = "start_stop"\nmessage = "cc"\nnumber = 999\n'
        '[[bindings]]\naction = "start_stop"\nmessage = "cc"\nnumber = 23\n'
        '[[bindings]]\naction = "next_activity"\nmessage = "cc"\nnumber = 23\nchannel = 1\n'
    )
    assert problems(tmp_path, text) == [
        "bindings[0].number: 999: must be a whole number, 0..127",
        "bindings[2].number: 23: CC 23 on any channel is already bound by bindings[1] (start_stop); "
        "a control may do one thing",
    ]


def test_an_empty_mapping_is_allowed(tmp_path):
    cm = load(tmp_path, HEADER + "bindings = []\n")
    assert cm.bindings == () and cm.describe() == []
    assert cm.match(0xB0, 20, 127) is None


# ---------------------------------------------------------------- matching messages


def test_cc_buttons_fire_on_press_only():
    cm = ControlMap.default()
    assert cm.match(0xB0, 21, 127) == ControlAction("tempo_up", 2.0)
    assert cm.match(0xB5, 21, 64) == ControlAction("tempo_up", 2.0)  # any channel; 64 is "on"
    assert cm.match(0xB0, 21, 63) is None  # release / "off"
    assert cm.match(0xB0, 20, 127) == ControlAction("tempo_down", 2.0)  # the step is positive
    assert cm.match(0xB0, 23, 127) == ControlAction("start_stop", None)
    assert cm.match(0xB0, 24, 100) == ControlAction("next_activity", None)
    assert cm.match(0xB0, 25, 127) is None  # unbound controller


def test_tempo_knob_maps_linearly_onto_its_range():
    cm = ControlMap.default()
    assert cm.match(0xB0, 22, 0) == ControlAction("tempo_set", 40.0)
    assert cm.match(0xB0, 22, 127) == ControlAction("tempo_set", 160.0)
    assert cm.match(0xB9, 22, 64).value == pytest.approx(40 + 120 * 64 / 127)


def test_note_bindings_fire_on_note_on_only_and_respect_the_channel(tmp_path):
    cm = load(tmp_path, HEADER + (
        '[[bindings]]\naction = "start_stop"\nmessage = "note"\nnumber = 36\nchannel = 16\n'
        '[[bindings]]\naction = "tempo_up"\nmessage = "note"\nnumber = 84\nstep_bpm = 0.5\n'
    ))
    assert cm.match(0x9F, 36, 100) == ControlAction("start_stop", None)  # channel 16
    assert cm.match(0x99, 36, 100) is None  # channel 10: the client's drum pad
    assert cm.match(0x9F, 36, 0) is None  # velocity 0 = note-off
    assert cm.match(0x8F, 36, 64) is None  # note-off
    assert cm.match(0xBF, 36, 127) is None  # a CC with the same number
    assert cm.match(0x93, 84, 1) == ControlAction("tempo_up", 0.5)
    assert cm.bound_notes() == {36, 84}
    assert cm.describe() == [
        "note 36 C2 (channel 16): start/stop",
        "note 84 C6 (any channel): tempo up by 0.5 BPM",
    ]


def test_describe_warns_when_a_note_is_a_drum_pad_note(tmp_path):
    cm = load(tmp_path, HEADER + '[[bindings]]\naction = "next_activity"\nmessage = "note"\nnumber = 38\n')
    assert cm.describe() == ["note 38 D2 (any channel; a drum pad's Acoustic Snare): next activity"]


@pytest.mark.parametrize(
    "message", [(0xF8, 0, 0), (0xE0, 0, 64), (0xC0, 22, 0), (0xB0, 128, 127), (0xB0, 22, 200), (0x30, 22, 1)]
)
def test_other_or_malformed_messages_match_nothing(message):
    assert ControlMap.default().match(*message) is None


def test_control_event_is_frozen_and_slotted():
    ev = ControlAction("tempo_set", 90.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ev.value = 100.0  # type: ignore[misc]
    assert not hasattr(ev, "__dict__")


# ---------------------------------------------------------------- the therapist's own notes


def test_therapist_channels_keep_the_therapists_notes_apart(tmp_path):
    cm = load(tmp_path, HEADER + "[therapist]\nchannels = [2, 3]\n" + KNOB)
    assert cm.therapist_channels == {2, 3}
    assert cm.is_therapist(0x91) and cm.is_therapist(0x92)  # note-ons on channels 2 and 3
    assert not cm.is_therapist(0x90) and not cm.is_therapist(0x99)  # channel 1, channel 10 (drums)
    assert cm.describe_therapist() == ("therapist's notes: channels 2, 3 (stored apart from the client's, "
                                       "not scored, sounding like pads)")
    default = ControlMap.default()
    assert default.therapist_channels == frozenset() and not default.is_therapist(0x91)
    assert default.describe_therapist().startswith("therapist's notes: none (every note is the client's")


@pytest.mark.parametrize("table, problem", [
    ("channels = [0]", "therapist.channels: [0]: must be a list of different MIDI channels, 1..16"),
    ("channels = [2, 2]", "therapist.channels: [2, 2]: must be a list of different MIDI channels, 1..16"),
    ('channels = "2"', "therapist.channels: \"2\": must be a list of different MIDI channels, 1..16"),
    ("channel = [2]", "therapist.channel: [2]: unknown key; allowed: channels"),
])
def test_bad_therapist_channels_say_what_is_allowed(tmp_path, table, problem):
    assert problems(tmp_path, HEADER + KNOB + f"[therapist]\n{table}\n") == [problem]


def test_the_band_mapping_binds_the_improvisations_controls_and_the_therapists_channel():
    cm = ControlMap.load(default_path().parent / "controls-band.toml")
    assert cm.describe()[5:] == [
        "CC 25 (any channel): the band's next chord (on press: value 64..127)",
        "CC 26 (any channel): key up a semitone (on press: value 64..127)",
        "CC 27 (any channel): key down a semitone (on press: value 64..127)",
        "CC 28 (any channel): drone on/off (on press: value 64..127)",
        "CC 29 (any channel): band intensity up (on press: value 64..127)",
        "CC 30 (any channel): band intensity down (on press: value 64..127)",
        "CC 31 (any channel): a drum fill (on press: value 64..127)",
        "CC 32 (any channel): the band stops after the bar (on press: value 64..127)",
    ]
    assert cm.match(0xB0, 25, 127).action == "next_chord" and cm.is_therapist(0x91) and not cm.is_therapist(0x90)
