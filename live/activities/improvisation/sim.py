"""Who plays an improvisation run in ``live demo`` and the tests: the simulated improviser on the
client's pads (:mod:`live.sim.improviser`'s model, as :mod:`live.sim.improviser_client`'s
session client: it learns the beats from the sounds that mark them) and a simulated therapist
on their keyboard.

The therapist (:class:`SimulatedTherapist`, inputs with ``client`` None on the therapist's side
of the input path) plays, by the preset's ``therapist_part``: ``"turns"``, a two-bar phrase of
scale notes every four bars, for the client to answer in the two between; ``"chords"``, a
chord of three notes within 12 ms on beat 2 of every second bar, walking through the key's
I, IV, V and vi, which the run recognises and the band takes up. Beats are placed on the
preset's tempo from the run's start (a simulated therapist does not follow live tempo changes).

Realtime-safe: no (control thread).
"""

from __future__ import annotations

import dataclasses
import random
from typing import Any

from live.activities.improvisation.instrument import pad_note, pad_notes
from live.activities.improvisation.params import ImprovisationParams
from live.activities.improvisation.styles import STYLES
from live.engine.events import InputEvent, ScheduledSound
from live.music.roman import chord_from_roman
from live.music.scales import pitch_class
from live.sim.improviser import ImproviserParams
from live.sim.improviser_client import SimulatedImproviser

__all__ = ["SimulatedTherapist", "improviser_for", "therapist_for", "THERAPIST_CHORDS"]

#: The improviser's traits by style (a calm player over a drone, a busier one over a groove);
#: ``live demo``'s settings override them.
_STYLE_TRAITS: dict[str, dict[str, Any]] = {
    "ambient_drone": {"density_per_s": 0.8, "velocity_mean": 60.0, "pulse_locking": 0.3, "subdivision": 1},
    "ballad": {"density_per_s": 1.2, "velocity_mean": 70.0, "pulse_locking": 0.6},
}

THERAPIST_CHORDS = ("IV", "V", "vi", "I")
"""The chords the simulated therapist walks through (``therapist_part = "chords"``)."""
_CHORD_SPREAD_MS = 12.0
_PHRASE_EIGHTHS = (0, 1, 2, 4, 6)   # a phrase's onsets, in eighths from the bar's start


class SimulatedTherapist:
    """A seeded therapist playing phrases or chords on the preset's tempo grid (a SimulatedClient
    whose ``client`` is None).

    Parameters
    ----------
    params : ImprovisationParams
    seed : int
    sample_rate : int
    """

    client = None

    def __init__(self, params: ImprovisationParams, *, seed: int, sample_rate: int) -> None:
        self.params = params
        self.seed = seed
        self.sample_rate = sample_rate
        self.meter = STYLES[params.style].meter
        self._rng = random.Random(seed)
        self._events: list[InputEvent] = []
        self._given = 0

    def _beat_frame(self, start_frame: int, beat: float) -> int:
        """Frame of ``beat`` (0 = the harmony's first) at the preset's tempo."""
        p = self.params
        return start_frame + int(round((beat + p.count_in_beats) * 60.0 * self.sample_rate / p.tempo_bpm))

    def start(self, start_frame: int) -> None:
        p = self.params
        bars = p.bars if p.bars is not None else int(p.duration_s * p.tempo_bpm / 60.0 / self.meter) + 1
        tonic = pitch_class(p.key)
        events: list[InputEvent] = []
        for bar in range(0, bars, 2):
            first = bar * self.meter
            if p.therapist_part == "turns" and bar % 4 == 0:   # two bars of phrase, two to answer
                for phrase_bar in (0, 1):
                    for eighth in _PHRASE_EIGHTHS:
                        if eighth >= 2 * self.meter:
                            break
                        note = pad_note(self._rng.randrange(0, 6), tonic_pc=tonic, mode=p.mode, octave=p.octave)
                        frame = self._beat_frame(start_frame, first + phrase_bar * self.meter + eighth / 2)
                        events.append(InputEvent(frame, "sim", note, self._rng.randint(70, 100), None))
            elif p.therapist_part == "chords":
                chord = chord_from_roman(THERAPIST_CHORDS[(bar // 2) % len(THERAPIST_CHORDS)], tonic, p.mode)
                at = self._beat_frame(start_frame, first + 1)
                root = 48 + (chord.root_pc - 48) % 12   # C3..B3
                notes = sorted({root + ((pc - chord.root_pc) % 12) for pc in chord.pitch_classes[:3]})
                spread = round(_CHORD_SPREAD_MS * self.sample_rate / 1000 / max(len(notes) - 1, 1))
                events += [InputEvent(at + i * spread, "sim", n, 90, None) for i, n in enumerate(notes)]
        self._events = sorted(events, key=lambda e: e.frame)

    def hear(self, sound: ScheduledSound) -> None:
        pass  # plays its own part on the grid

    def hear_therapist(self, ev: InputEvent) -> None:
        pass  # it is the therapist

    def inputs_before(self, frame: int, *, heard_until_frame: int) -> list[InputEvent]:
        out = []
        while self._given < len(self._events) and self._events[self._given].frame < frame:
            out.append(self._events[self._given])
            self._given += 1
        return out

    def describe(self) -> dict[str, Any]:
        return {"part": self.params.therapist_part, "seed": self.seed}

    def produced(self) -> dict[str, int]:
        return {"inputs": self._given, "omitted": 0, "extra": 0}


def therapist_for(params: ImprovisationParams, *, seed: int, sample_rate: int) -> SimulatedTherapist | None:
    """The simulated therapist of a run (None with ``therapist_part = "none"``)."""
    if params.therapist_part == "none":
        return None
    return SimulatedTherapist(params, seed=seed, sample_rate=sample_rate)


def improviser_for(params: ImprovisationParams, *, seed: int, sample_rate: int, client: str,
                   **settings: Any) -> SimulatedImproviser:
    """The simulated improviser (:class:`live.sim.improviser_client.SimulatedImproviser`) on the
    run's ``pads`` pads: traits by style (:data:`_STYLE_TRAITS`, else the model's defaults) and
    ``settings`` (:class:`live.sim.improviser.ImproviserParams` fields); with ``therapist_part =
    "turns"`` it listens while the therapist plays.

    Raises
    ------
    TypeError
        For a setting the improviser does not have.
    """
    known = {f.name for f in dataclasses.fields(ImproviserParams)}
    unknown = sorted(set(settings) - known)
    if unknown:
        raise TypeError(f"the simulated improviser has no {', '.join(unknown)}; it has: {', '.join(sorted(known))}")
    traits = {"high_pad": params.pads - 1, "follows_therapist": params.therapist_part == "turns",
              **_STYLE_TRAITS.get(params.style, {}), **settings}
    notes = pad_notes(params.pads, tonic_pc=pitch_class(params.key), mode=params.mode, octave=params.octave)
    return SimulatedImproviser(ImproviserParams(**traits), seed=seed, sample_rate=sample_rate, client=client,
                               pad_notes=notes)
