"""General MIDI names: the percussion key map and note names."""

from __future__ import annotations

import pytest

from live.engine.gm import GM_DRUM_CHANNEL, GM_DRUMS, note_name


def test_gm_drum_map_spot_values():
    assert GM_DRUMS[35] == "Acoustic Bass Drum"
    assert GM_DRUMS[36] == "Bass Drum 1"
    assert GM_DRUMS[38] == "Acoustic Snare"
    assert GM_DRUMS[42] == "Closed Hi-Hat"
    assert GM_DRUMS[46] == "Open Hi-Hat"
    assert GM_DRUMS[81] == "Open Triangle"
    assert GM_DRUM_CHANNEL == 10


def test_gm_drum_map_covers_35_to_81_and_is_read_only():
    assert sorted(GM_DRUMS) == list(range(35, 82))
    assert len(set(GM_DRUMS.values())) == len(GM_DRUMS)
    with pytest.raises(TypeError):
        GM_DRUMS[34] = "High Q"  # type: ignore[index]


def test_note_names_put_middle_c_at_c4():
    assert note_name(60) == "C4"
    assert note_name(69) == "A4"
    assert note_name(61) == "C#4"
    assert note_name(0) == "C-1"
    assert note_name(127) == "G9"
    assert note_name(36) == "C2"


@pytest.mark.parametrize("bad", [-1, 128, 60.0, True, "60"])
def test_note_name_rejects_what_is_not_a_midi_note(bad):
    with pytest.raises(ValueError, match="must be a whole number 0..127"):
        note_name(bad)
