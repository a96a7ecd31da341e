"""A test-only activity, "echo-toy": the session plays pulses at a steady gap and the client
answers each with an echo a moment later. Everything an activity is lives in this one file: its
params, targets of its own kind ("pulse"), its metric catalogue with the better direction of
each, its simulated client, its live numbers and its record names. Nothing outside tests/
knows it: tests/test_new_activity.py registers it and runs it through the session loop, the
store, every export, ``live sessions show``, the report and the console.
"""

from __future__ import annotations

import dataclasses
import random
from typing import Any, ClassVar, Iterable

from live.config.params import param
from live.activities.types import ActivityContext, ControlEvent, FixedEnds, LiveNumber, RecordNames, Response, Summary, Target
from live.engine.events import Cue, InputEvent, ScheduledSound
from live.metrics.info import Catalogue, MetricInfo

ECHO_METRICS = Catalogue([
    MetricInfo("pulses", "pulses played", "{pulses}", "", "d"),
    MetricInfo("echoes", "echoes", "{echoes}", "", "d", "higher"),
    MetricInfo("unanswered", "pulses without an echo", "{pulses}", "", "d", "lower"),
    MetricInfo("mean_echo_lag_ms", "mean echo lag", "ms", "ms", ".1f", "lower"),
])


@dataclasses.dataclass(frozen=True, slots=True)
class EchoToyParams:
    pulses: int = param(8, help="how many pulses are played", range=(1, 1000))
    gap_ms: float = param(700.0, help="time from one pulse to the next", range=(200.0, 5000.0), unit="ms")
    reach_ms: float = param(400.0, help="how long after a pulse an echo counts", range=(50.0, 2000.0), unit="ms")
    sound: str = param("cowbell", help="the pulse's sound")


class EchoClient:
    """The echo-toy's simulated client: answers every pulse it hears ``lag_ms`` (+- ``jitter_ms``)
    later; misses one with probability ``miss_rate`` (a SimulatedClient)."""

    def __init__(self, *, seed: int, sample_rate: int, client: str, lag_ms: float = 120.0, jitter_ms: float = 15.0,
                 miss_rate: float = 0.0, extra_rate: float = 0.0):
        self.client = client
        self.sample_rate = sample_rate
        self.lag_ms, self.jitter_ms, self.miss_rate, self.seed = lag_ms, jitter_ms, miss_rate, seed
        self._rng = random.Random(seed)
        self._pending: list[int] = []
        self._done = {"inputs": 0, "omitted": 0, "extra": 0}

    def start(self, start_frame: int) -> None:
        pass

    def hear(self, sound: ScheduledSound) -> None:
        if sound.cue_index is None:
            return
        if self.miss_rate and self._rng.random() < self.miss_rate:
            self._done["omitted"] += 1
            return
        lag_ms = self.lag_ms + self._rng.gauss(0.0, self.jitter_ms)
        self._pending.append(sound.frame + round(lag_ms * self.sample_rate / 1000))

    def hear_therapist(self, ev: InputEvent) -> None:
        pass  # echoes the pulses only

    def inputs_before(self, frame: int, *, heard_until_frame: int) -> list[InputEvent]:
        due = sorted(f for f in self._pending if f < frame)
        self._pending = [f for f in self._pending if f >= frame]
        self._done["inputs"] += len(due)
        return [InputEvent(frame=f, source="sim", note=60, velocity=90, client=self.client) for f in due]

    def describe(self) -> dict[str, Any]:
        return {"lag_ms": self.lag_ms, "jitter_ms": self.jitter_ms, "miss_rate": self.miss_rate, "seed": self.seed}

    def produced(self) -> dict[str, int]:
        return dict(self._done)


class EchoToy(FixedEnds):
    """Pulses every ``gap_ms``; each input within ``reach_ms`` after a pulse is its echo."""

    name: ClassVar[str] = "echo-toy"
    Params: ClassVar[type] = EchoToyParams
    metrics: ClassVar[Catalogue] = ECHO_METRICS
    target_kind: ClassVar[str] = "pulse"
    record_names: ClassVar[RecordNames] = RecordNames(target="pulse", error="echo_lag_ms")
    response_fields: ClassVar[tuple[str, ...]] = ("pitch",)
    note_table: ClassVar[dict[str, str]] = {"pulses": "pulses", "echoes": "echoes", "mean_echo_lag_ms": "lag (ms)"}
    note_plots: ClassVar[tuple] = ()
    plays_inputs: ClassVar[bool] = False

    def __init__(self, params: EchoToyParams):
        self.params = params
        self._inputs: list[InputEvent] = []
        self._cues: list[Cue] = []
        self._planned = 0
        self._limit = params.pulses

    @classmethod
    def with_phase_length(cls, params: EchoToyParams, seconds: float) -> EchoToyParams:
        return dataclasses.replace(params, pulses=max(1, round(1000 * seconds / params.gap_ms)))

    @classmethod
    def simulated_client(cls, params: EchoToyParams, *, seed: int, sample_rate: int, client: str,
                         **rates: float) -> EchoClient:
        return EchoClient(seed=seed, sample_rate=sample_rate, client=client, **rates)

    @classmethod
    def simulated_therapist(cls, params: EchoToyParams, *, seed: int, sample_rate: int) -> None:
        return None  # the pulses are the engine's

    @classmethod
    def pitched_notes(cls, params: EchoToyParams) -> tuple[()]:
        return ()  # a drum sound only

    @classmethod
    def soundfont(cls, params: EchoToyParams) -> None:
        return None

    def start(self, ctx: ActivityContext) -> None:
        self.sr, self.start_frame = ctx.sample_rate, ctx.start_frame

    def _frame(self, i: int) -> int:
        return self.start_frame + round(i * self.params.gap_ms * self.sr / 1000)

    def plan(self, until_frame: int) -> Iterable[ScheduledSound]:
        out = []
        while self._planned < self._limit and self._frame(self._planned) < until_frame:
            i = self._planned
            out.append(ScheduledSound(self._frame(i), self.params.sound, gain=0.8, cue_index=i))
            self._cues.append(Cue(index=i, frame=self._frame(i), accent=i % 4 == 0))
            self._planned += 1
        return out

    def take_cues(self) -> list[Cue]:
        out, self._cues = self._cues, []
        return out

    def _score(self, ev: InputEvent) -> Response:
        reach = round(self.params.reach_ms * self.sr / 1000)
        for i in range(self._planned):
            if 0 <= ev.frame - self._frame(i) <= reach:
                return Response(ev, Target(i, self._frame(i), "pulse"), 1000 * (ev.frame - self._frame(i)) / self.sr,
                                {"pitch": ev.note})
        return Response(ev, None, None, {"pitch": ev.note})

    def on_input(self, ev: InputEvent) -> Iterable[Response]:
        self._inputs.append(ev)
        return [self._score(ev)]

    def on_therapist_input(self, ev: InputEvent) -> list[ControlEvent]:
        return []  # the therapist's playing changes nothing here

    def input_sounds(self, ev: InputEvent, at_frame: int) -> list[ScheduledSound]:
        return []

    def note_sounds(self, now_frame: int) -> None:
        return None

    def on_control(self, ev: ControlEvent) -> str | None:
        return None  # no control changes a pulse train

    def live_numbers(self, now_frame: int) -> tuple[LiveNumber, ...]:
        echoes = sum(r.target is not None for r in map(self._score, self._inputs))
        return (LiveNumber("Pulses", self._planned, fmt="d"), LiveNumber("Echoes", echoes, fmt="d"))

    def stop(self, until_frame: int | None = None, *, at_frame: int | None = None) -> None:
        if until_frame is not None:
            self._planned = sum(self._frame(i) < until_frame for i in range(self._planned))
        self._limit = self._planned

    def is_finished(self, now_frame: int) -> bool:
        return (self._planned >= self._limit
                and now_frame >= self._frame(self._limit - 1) + round(self.params.reach_ms * self.sr / 1000))

    def final_responses(self) -> list[Response]:
        return [self._score(ev) for ev in self._inputs]

    def summary(self) -> Summary:
        matched = [r for r in self.final_responses() if r.target is not None]
        answered = {r.target.index for r in matched}
        lags = [r.error_ms for r in matched]
        metrics = {"pulses": self._planned, "echoes": len(matched), "unanswered": self._planned - len(answered),
                   "mean_echo_lag_ms": sum(lags) / len(lags) if lags else None}
        halves = {"first half": range(0, self._planned // 2), "second half": range(self._planned // 2, self._planned)}
        trials = tuple({"index": t, "echoes": sum(r.target.index in idx for r in matched)}
                       for t, idx in enumerate(halves.values()))
        return Summary(metrics=metrics, phases={"echo": dict(metrics)}, trials=trials)
