"""Echo scoring of a sung answer (issue 14): pitch counted right within +/-50 cents of the call's
note, the mean cents error; MIDI answers scored as before; and a sung echo (synthesized singing,
analysed by live.voice) with one known wrong note is scored with exactly that note wrong."""

from __future__ import annotations

import numpy as np
import pytest

from live.metrics.echo import EchoNote, score_echo
from live.sim.singing import VOICES, SungNoteSpec, sing
from live.voice.notes import find_sung_notes

CALL = [EchoNote(0.0, 60), EchoNote(0.5, 62), EchoNote(1.0, 64, 0.4)]


def sung(onsets_s, pitches):
    return [EchoNote(t, int(round(p)), 0.0, p) for t, p in zip(onsets_s, pitches)]


def test_a_sung_pitch_counts_right_within_50_cents_of_the_call_note_and_wrong_beyond():
    answer = sung([2.0, 2.5, 3.0], [60.49, 61.49, 64.5])  # +49, -51, +50 cents
    s = score_echo(CALL, answer, pitch_tolerance_cents=50.0)
    assert s.matched == 3
    assert s.pitch_accuracy == pytest.approx(2 / 3)
    assert s.mean_cents_error == pytest.approx((49 + 51 + 50) / 3)


def test_mean_cents_error_counts_every_matched_pitched_pair_right_or_wrong_and_none_unmatched():
    answer = sung([2.0, 2.5, 3.0, 3.7], [59.9, 64.0, 64.2, 70.0])  # -10, +200, +20; the last unmatched
    s = score_echo(CALL, answer, pitch_tolerance_cents=50.0)
    assert (s.matched, s.pitch_accuracy) == (3, pytest.approx(2 / 3))
    assert s.mean_cents_error == pytest.approx((10 + 200 + 20) / 3)
    assert s.as_dict()["mean_cents_error"] == pytest.approx(s.mean_cents_error)


def test_midi_answers_are_scored_as_before_equal_notes_only_and_no_cents_error():
    answer = [EchoNote(2.0, 60, 0.0, 60.3), EchoNote(2.5, 63), EchoNote(3.0, 64)]
    s = score_echo(CALL, answer)  # no pitch tolerance: pitch_midi plays no part
    assert s.pitch_accuracy == pytest.approx(2 / 3) and s.mean_cents_error is None
    plain = score_echo(CALL, [EchoNote(n.onset_s, n.note) for n in answer])
    assert s == plain


def test_no_cents_error_when_nothing_matched_or_the_call_is_unpitched():
    assert score_echo(CALL, sung([9.0], [60.0]), pitch_tolerance_cents=50.0).mean_cents_error is not None  # one shift matches it
    assert score_echo(CALL, [], pitch_tolerance_cents=50.0).mean_cents_error is None
    rhythm = [EchoNote(0.0), EchoNote(0.5)]
    s = score_echo(rhythm, sung([2.0, 2.5], [60.0, 61.0]), pitch_tolerance_cents=50.0)
    assert s.pitch_accuracy is None and s.mean_cents_error is None


def test_a_bad_pitch_tolerance_or_sung_pitch_is_one_line():
    with pytest.raises(ValueError, match=r"^pitch_tolerance_cents -1.0: must be a finite number of cents >= 0$"):
        score_echo(CALL, [], pitch_tolerance_cents=-1.0)
    with pytest.raises(ValueError, match=r"^answer: pitch_midi nan is not allowed"):
        score_echo(CALL, [EchoNote(2.0, 60, 0.0, float("nan"))], pitch_tolerance_cents=50.0)


def test_a_sung_echo_with_one_known_wrong_note_is_scored_with_exactly_that_note_wrong():
    sr = 48000
    call_notes = [57, 60, 62, 64, 60]
    call = [EchoNote(0.5 * k, n, 0.4) for k, n in enumerate(call_notes)]
    wrong = 3  # sung a whole tone flat: 62 instead of 64
    rng = np.random.default_rng(14)
    sung_midi = [n + rng.uniform(-0.3, 0.3) for n in call_notes]  # in tune within 30 cents ...
    sung_midi[wrong] = call_notes[wrong] - 2 + rng.uniform(-0.2, 0.2)  # ... but this one
    start_s = 0.3
    specs = [SungNoteSpec(start_s + 0.5 * k, 0.42, m, "a") for k, m in enumerate(sung_midi)]
    audio = sing(specs, voice=VOICES["alto"], sample_rate=sr, duration_s=3.4, seed=9)
    found = find_sung_notes(audio, sr)
    answer = [EchoNote(n.onset_s + 10.0, n.note, 0.0, n.pitch_midi) for n in found]
    s = score_echo(call, answer, pitch_tolerance_cents=50.0)
    assert (s.n_answer, s.matched) == (5, 5)
    right = {c: abs(100 * (answer[a].pitch_midi - call_notes[c])) <= 50 for c, a in s.pairs}
    assert [c for c, ok in sorted(right.items()) if not ok] == [wrong]
    assert s.pitch_accuracy == pytest.approx(4 / 5)
    truth_cents = np.mean([abs(100 * (m - n)) for m, n in zip(sung_midi, call_notes)])
    assert s.mean_cents_error == pytest.approx(truth_cents, abs=10.0)
