"""What call-and-response tells the client's screen: "listen" from each call's start, "your
turn" from its window's opening, cleared at the close; each call note's pad lit while it sounds;
for pitched calls a pad per note, labelled with its name, and a touched pad scored as its note."""

from __future__ import annotations

from live.activities.call_response import CallResponse, CallResponseParams
from live.activities.call_response.activity import FEEDBACK_DELAY_S
from live.activities.types import ActivityContext
from live.engine.bank import default_bank
from live.engine.events import Cue, InputEvent, PadLight, PadLook, ScreenPrompt

SR = 48000
PENTATONIC = ("C4", "D4", "E4", "G4", "A4")


def started(**kw) -> CallResponse:
    params = CallResponseParams(**kw)
    sounds = frozenset(default_bank(SR).slices) | {n.name for n in CallResponse.pitched_notes(params)}
    act = CallResponse(params)
    act.start(ActivityContext(SR, 10_000, sounds))
    return act


def test_prompts_and_lit_pads_follow_the_trial():
    act = started(tempo_bpm=120, start_level=3, trials=1, count_in_beats=2)
    act.plan(10_000 + 5 * SR)
    [trial] = act._trials
    cues = act.take_cues()
    prompts = [(c.frame, c.text) for c in cues if isinstance(c, ScreenPrompt)]
    assert prompts == [(trial.call_frames[0], "listen"), (trial.open_frame, "your turn"), (trial.close_frame, "")]
    lit = [c for c in cues if isinstance(c, PadLight)]
    assert [(c.frame, c.end_frame, c.pads) for c in lit] == [
        (f, f + d, (0,)) for f, d in zip(trial.call_frames, trial.call_lengths_frames)]
    assert [c.frame for c in cues if isinstance(c, Cue)] == trial.call_frames
    assert not [c for c in cues if isinstance(c, PadLook)]  # unpitched: the layout's own pads
    assert act.take_cues() == []


def test_pitched_calls_label_a_pad_per_note_light_each_notes_pad_and_score_a_touched_pad_as_its_note():
    act = started(tempo_bpm=120, start_level=4, trials=1, pitches=PENTATONIC, light_pads=True)
    act.plan(10_000 + 3 * SR)
    [trial] = act._trials
    cues = act.take_cues()
    [look] = [c for c in cues if isinstance(c, PadLook)]
    assert look.frame == 10_000 and look.labels == PENTATONIC
    notes = [60, 62, 64, 67, 69]
    lit = [c.pads for c in cues if isinstance(c, PadLight)]
    assert lit == [(notes.index(n),) for n in trial.call_notes]
    # The client touches the pads of the call's notes, one bar later: every pitch right.
    bar = 4 * SR // 2
    for f, n in zip(trial.call_frames, trial.call_notes):
        act.on_input(InputEvent(f + bar, "touch", notes.index(n), 100, "C1"))
    act.plan(trial.close_frame + round(FEEDBACK_DELAY_S * SR) + 1)
    assert trial.score.pitch_accuracy == 1.0 and trial.answer_notes == trial.call_notes
    [record] = act.summary().trials
    assert [a["note"] for a in record["answer"]] == trial.call_notes


def test_no_lit_pads_when_the_preset_says_so():
    act = started(tempo_bpm=120, start_level=2, trials=1, light_pads=False)
    act.plan(10_000 + 3 * SR)
    assert not [c for c in act.take_cues() if isinstance(c, PadLight)]
