"""The simulated improviser (live.sim.improviser, live.sim.improviser_client): its density,
pulse locking, velocities and register come back through live.metrics.improv; following the
therapist it listens while they play; the session's client, fed beat by beat, plays exactly
what the pure model returns."""

from __future__ import annotations

import math

import numpy as np
import pytest

from live.engine.events import InputEvent, ScheduledSound
from live.metrics.improv import improv_metrics
from live.sim.base import SimulatedClient
from live.sim.improviser import ImproviserParams, improvise
from live.sim.improviser_client import SimulatedImproviser

SR = 48_000
PAD_NOTES = (60, 62, 64, 67, 69, 72, 74, 76, 79, 81)   # C major pentatonic from C4


def beats(bpm: float, seconds: float, start_s: float = 0.0) -> list[float]:
    return [start_s + i * 60.0 / bpm for i in range(int(seconds * bpm / 60.0) + 1)]


def metrics_of(notes, *, duration_s, bpm, **options):
    return improv_metrics([n.onset_s for n in notes], [PAD_NOTES[n.pad] for n in notes], [n.velocity for n in notes],
                          duration_s=duration_s, bpm=bpm, **options)


@pytest.mark.parametrize("density, locking, subdivision, bpm, sd_ms", [
    (1.0, 0.9, 1, 90.0, 20.0), (2.0, 0.5, 2, 120.0, 25.0), (3.0, 0.2, 2, 100.0, 15.0), (1.5, 0.0, 1, 80.0, 20.0),
    (4.0, 1.0, 4, 110.0, 10.0),
])
def test_density_pulse_locking_velocity_and_register_come_back_through_the_metrics(density, locking, subdivision,
                                                                                  bpm, sd_ms):
    params = ImproviserParams(density_per_s=density, pulse_locking=locking, subdivision=subdivision,
                              timing_sd_ms=sd_ms, velocity_mean=70.0, velocity_sd=15.0, low_pad=2, high_pad=6)
    duration_s = 600.0
    notes = improvise(params, seed=7, beats_s=beats(bpm, duration_s), start_s=0.0, end_s=duration_s)
    grid_bpm = bpm * subdivision
    m = metrics_of(notes, duration_s=duration_s, bpm=grid_bpm)
    assert m["density_per_s"] == pytest.approx(density, rel=0.06)
    period_s = 60.0 / grid_bpm
    expected_r = locking * math.exp(-(2 * math.pi * sd_ms / 1000 / period_s) ** 2 / 2)
    assert m["pulse_R"] == pytest.approx(expected_r, abs=0.05)
    assert m["velocity_mean"] == pytest.approx(70.0, abs=1.5) and m["velocity_sd"] == pytest.approx(15.0, rel=0.1)
    assert (m["pitch_min"], m["pitch_max"]) == (PAD_NOTES[2], PAD_NOTES[6])
    assert m["in_scale_pct"] is None and all(2 <= n.pad <= 6 for n in notes)


def test_more_locking_gives_a_higher_pulse_r_in_order():
    rs = []
    for locking in (0.0, 0.3, 0.6, 0.9):
        params = ImproviserParams(density_per_s=1.5, pulse_locking=locking, subdivision=1, timing_sd_ms=20.0)
        notes = improvise(params, seed=3, beats_s=beats(100.0, 300.0), end_s=300.0)
        rs.append(metrics_of(notes, duration_s=300.0, bpm=100.0)["pulse_R"])
    assert rs == sorted(rs) and rs[0] < 0.15 and rs[-1] > 0.8


def test_the_same_seed_plays_the_same_and_another_seed_does_not():
    params = ImproviserParams()
    grid = beats(96.0, 60.0)
    assert improvise(params, seed=5, beats_s=grid) == improvise(params, seed=5, beats_s=grid)
    assert improvise(params, seed=5, beats_s=grid) != improvise(params, seed=6, beats_s=grid)


def therapist_turns(bpm: float, seconds: float) -> list[tuple[float, int]]:
    """A phrase of four eighths every other bar of 4 beats (the bars between: the client's turn)."""
    beat_s = 60.0 / bpm
    out = []
    for bar in range(0, int(seconds / (4 * beat_s)), 2):
        out += [(bar * 4 * beat_s + i * beat_s / 2, 48 + 2 * i) for i in range(4)]
    return out


def test_following_the_therapist_it_listens_while_they_play_and_takes_turns():
    bpm, seconds = 100.0, 300.0
    therapist = therapist_turns(bpm, seconds)
    grid = beats(bpm, seconds)
    follows = ImproviserParams(density_per_s=2.0, follows_therapist=True, listen_s=1.0)
    alone = ImproviserParams(density_per_s=2.0, follows_therapist=False)
    turns = improvise(follows, seed=2, beats_s=grid, therapist=therapist, pad_notes=PAD_NOTES, end_s=seconds)
    free = improvise(alone, seed=2, beats_s=grid, therapist=therapist, pad_notes=PAD_NOTES, end_s=seconds)
    times = np.array([t for t, _ in therapist])
    assert not any(np.any((times < n.onset_s) & (times >= n.onset_s - 1.0)) for n in turns)
    assert any(np.any((times < n.onset_s) & (times >= n.onset_s - 1.0)) for n in free)
    t_onsets = [t for t, _ in therapist]
    m_turns = metrics_of(turns, duration_s=seconds, bpm=bpm, therapist_onset_s=t_onsets, window_s=1.2)
    m_free = metrics_of(free, duration_s=seconds, bpm=bpm, therapist_onset_s=t_onsets, window_s=1.2)
    assert m_turns["both_active_pct"] < m_free["both_active_pct"] / 2
    assert m_turns["client_only_pct"] > 0 and m_turns["therapist_only_pct"] > m_free["therapist_only_pct"]


def test_following_the_first_note_after_a_turn_is_the_pad_nearest_the_therapists_last_note():
    params = ImproviserParams(density_per_s=2.0, follows_therapist=True, listen_s=0.5, low_pad=0, high_pad=9)
    therapist = [(10.0, 60), (10.2, 66), (30.0, 80)]   # F#4 sits between E4 (pad 2) and G4 (pad 3): nearer G
    notes = improvise(params, seed=4, beats_s=beats(120.0, 40.0), therapist=therapist, pad_notes=PAD_NOTES)
    after = next(n for n in notes if n.onset_s >= 10.2)
    assert after.onset_s >= 10.7 and after.pad == 3
    assert next(n for n in notes if n.onset_s >= 30.0).pad == 8   # G5 = 79 is nearest 80


def play_session(client: SimulatedImproviser, beat_frames: list[int], *, count_in: int = 0, lookahead: int = 4800,
                 block: int = 480, end_frame: int, therapist: list[InputEvent] = ()) -> list[InputEvent]:
    """The session loop's order of calls: sounds heard up to the look-ahead horizon (each beat as
    two sounds of the same cue index, between them a sound of no cue), therapist notes once they
    have happened, then the client's inputs before the current frame."""
    sounds = []
    for i, f in enumerate(beat_frames):
        sounds += [ScheduledSound(f, "kick", cue_index=i - count_in), ScheduledSound(f, "hat", cue_index=i - count_in),
                   ScheduledSound(f + 100, "bass")]
    client.start(beat_frames[count_in])
    heard = told = 0
    out: list[InputEvent] = []
    for frame in [*range(0, end_frame, block), end_frame]:   # the run ends at end_frame
        while heard < len(sounds) and sounds[heard].frame < frame + lookahead:
            client.hear(sounds[heard])
            heard += 1
        while told < len(therapist) and therapist[told].frame < frame:
            client.hear_therapist(therapist[told])
            told += 1
        out += client.inputs_before(frame, heard_until_frame=frame + lookahead)
    return out


@pytest.mark.parametrize("count_in, block, lookahead", [(0, 480, 4800), (2, 64, 2400), (1, 1999, 9600)])
def test_the_session_client_plays_exactly_what_the_pure_model_returns(count_in, block, lookahead):
    params = ImproviserParams(density_per_s=2.5, pulse_locking=0.6, subdivision=2, timing_sd_ms=30.0)
    beat_frames = [24_000 + i * 30_000 for i in range(200)]    # 96 BPM from 0.5 s
    client = SimulatedImproviser(params, seed=11, sample_rate=SR, client="SIM-9")
    assert isinstance(client, SimulatedClient)
    played = play_session(client, beat_frames, count_in=count_in, block=block, lookahead=lookahead,
                          end_frame=beat_frames[-1])
    model = improvise(params, seed=11, beats_s=[f / SR for f in beat_frames], first_beat=count_in,
                      start_s=beat_frames[count_in] / SR, end_s=beat_frames[-1] / SR)
    assert [e.frame for e in played] == sorted(e.frame for e in played)
    assert [(e.frame, e.note, e.velocity) for e in played] == [(round(n.onset_s * SR), n.pad, n.velocity) for n in model]
    assert all(e.source == "sim" and e.client == "SIM-9" for e in played)
    assert client.produced() == {"inputs": len(played), "omitted": 0, "extra": 0}
    assert client.describe()["density_per_s"] == 2.5 and client.describe()["seed"] == 11


def test_the_session_client_follows_the_therapist_as_the_model_does():
    params = ImproviserParams(density_per_s=2.0, follows_therapist=True, listen_s=1.0, timing_sd_ms=0.0)
    beat_frames = [i * 30_000 for i in range(160)]
    therapist = [InputEvent(round(t * SR), "midi", note, 90, None) for t, note in therapist_turns(96.0, 100.0)]
    client = SimulatedImproviser(params, seed=3, sample_rate=SR, client="SIM-1", pad_notes=PAD_NOTES)
    played = play_session(client, beat_frames, end_frame=beat_frames[-1], therapist=therapist)
    model = improvise(params, seed=3, beats_s=[f / SR for f in beat_frames], start_s=0.0,
                      end_s=beat_frames[-1] / SR, therapist=[(e.frame / SR, e.note) for e in therapist],
                      pad_notes=PAD_NOTES)
    assert [(e.frame, e.note, e.velocity) for e in played] == [(round(n.onset_s * SR), n.pad, n.velocity) for n in model]
    assert client.produced()["omitted"] > 0


def test_the_session_client_follows_a_tempo_change_from_the_next_beat():
    # Every eighth taken, on time: the eighths of a beat fall at half the interval it expects,
    # the one it last heard.
    params = ImproviserParams(density_per_s=6.0, pulse_locking=1.0, subdivision=2, timing_sd_ms=0.0)
    slow = [i * 36_000 for i in range(100)]                      # 80 BPM
    fast = [slow[-1] + (i + 1) * 24_000 for i in range(100)]     # then 120 BPM
    client = SimulatedImproviser(params, seed=1, sample_rate=SR, client="SIM-1")
    played = [e.frame for e in play_session(client, slow + fast, end_frame=fast[-1])]
    # The last slow beat is followed by a fast one: its eighth still falls where the slow tempo
    # would put it; from the next beat on the client knows the new interval.
    expected = [f + d for f in slow for d in (0, 18_000)] + [f + d for f in fast[:-1] for d in (0, 12_000)]
    assert played == expected


@pytest.mark.parametrize("kwargs, message", [
    ({"density_per_s": 0.0}, "density_per_s 0.0: must be more than 0 and at most 20 notes/s"),
    ({"velocity_mean": 0.0}, "velocity_mean 0.0: must be 1..127"),
    ({"pulse_locking": 1.5}, "pulse_locking 1.5: must be 0..1"),
    ({"subdivision": 3.0}, "subdivision 3.0: must be a whole number 1..8"),
    ({"low_pad": 5, "high_pad": 2}, "register 5..2: must be pads 0 <= low_pad <= high_pad"),
    ({"timing_sd_ms": -1.0}, "timing_sd_ms -1.0: must be a finite number >= 0"),
    ({"listen_s": 0.0}, "listen_s 0.0: must be more than 0 s"),
])
def test_bad_parameters_raise_one_line(kwargs, message):
    with pytest.raises(ValueError, match=f"^{message}$".replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        ImproviserParams(**kwargs)
