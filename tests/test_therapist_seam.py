"""The therapist's notes reach the activity: the session loop hands every therapist input
(``client`` None) to ``on_therapist_input`` (never to ``on_input``), acts on and stores the
controls it returns like a controller's, and ``live demo``'s offline session plays the
activity's simulated therapist through the same input path, heard by the simulated client."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import pytest

from echo_toy_activity import EchoClient, EchoToy, EchoToyParams
from live.activities import registry
from live.activities.entrainment import Entrainment, EntrainmentParams
from live.activities.protocol import Activity
from live.activities.registry import register
from live.activities.types import ControlEvent
from live.engine.events import InputEvent, ScheduledSound
from live.presets import Preset
from live.run.offline import simulate_session
from live.sim.base import SimulatedClient
from live.store.store import Store

SR = 48000
THERAPIST_FRAMES = (60_000, 61_000, 62_000, 90_000)


class ScriptedTherapist:
    """Plays fixed notes at fixed frames (a SimulatedClient with ``client`` None)."""

    client = None

    def __init__(self, frames: tuple[int, ...]):
        self._due = list(frames)
        self.made = 0

    def start(self, start_frame: int) -> None:
        pass

    def hear(self, sound: ScheduledSound) -> None:
        pass

    def hear_therapist(self, ev: InputEvent) -> None:
        pass

    def inputs_before(self, frame: int, *, heard_until_frame: int) -> list[InputEvent]:
        now = [f for f in self._due if f < frame]
        self._due = [f for f in self._due if f >= frame]
        out = [InputEvent(frame=f, source="sim", note=60 + self.made + i, velocity=100, client=None)
               for i, f in enumerate(now)]
        self.made += len(now)
        return out

    def describe(self) -> dict[str, Any]:
        return {"frames": list(THERAPIST_FRAMES)}

    def produced(self) -> dict[str, int]:
        return {"inputs": self.made, "omitted": 0, "extra": 0}


class ListeningClient(EchoClient):
    """The toy's echo client that also keeps what it heard the therapist play."""

    heard: ClassVar[list[InputEvent]] = []

    def hear_therapist(self, ev: InputEvent) -> None:
        ListeningClient.heard.append(ev)


class LedToy(EchoToy):
    """The echo toy with a therapist: every third therapist note amounts to a "chord" control."""

    name: ClassVar[str] = "led-toy"
    taken: ClassVar[list[InputEvent]] = []

    @classmethod
    def simulated_client(cls, params, *, seed, sample_rate, client, **rates):
        return ListeningClient(seed=seed, sample_rate=sample_rate, client=client, **rates)

    @classmethod
    def simulated_therapist(cls, params, *, seed, sample_rate):
        return ScriptedTherapist(THERAPIST_FRAMES)

    def on_therapist_input(self, ev: InputEvent) -> list[ControlEvent]:
        LedToy.taken.append(ev)
        if len(LedToy.taken) % 3:
            return []
        return [ControlEvent(ev.frame, "chord", text="C")]

    def on_input(self, ev: InputEvent):
        assert ev.client is not None, "a therapist's note reached on_input"
        return super().on_input(ev)

    def on_control(self, ev: ControlEvent) -> str | None:
        return f"chord {ev.text}" if ev.action == "chord" else None


@pytest.fixture()
def led_toy():
    LedToy.taken.clear()
    ListeningClient.heard.clear()
    register(LedToy)
    yield LedToy
    registry._REGISTRY.pop(LedToy.name)


def test_therapist_notes_go_to_on_therapist_input_and_its_controls_are_applied_and_stored(led_toy, tmp_path):
    preset = Preset(name="led", title="Led echo", goal="answer", activity="led-toy", path=tmp_path / "led.toml", raw_params={},
                    params=EchoToyParams(pulses=6, gap_ms=500))
    with Store.open(tmp_path / "led.db") as store:
        out = simulate_session(preset, store=store, seed=2)
        inputs = store.run_events(out.run_id, kind="input")
        controls = store.run_controls(out.run_id)
    # Every therapist note reached the activity at its own frame, none was scored.
    assert [ev.frame for ev in LedToy.taken] == list(THERAPIST_FRAMES)
    assert all(ev.client is None for ev in LedToy.taken)
    assert all(r.event.client is not None for r in out.responses)
    stored_therapist = [(e["frame"], e["note"]) for e in inputs if e["client"] is None]
    assert stored_therapist == [(f, 60 + i) for i, f in enumerate(THERAPIST_FRAMES)]
    # The third note's control was acted on (its effect) and stored at the note's frame.
    assert controls == [{"frame": THERAPIST_FRAMES[2], "action": "chord", "value": None, "effect": "chord C"}]
    # The simulated client heard the therapist, each note once it had happened.
    assert [ev.frame for ev in ListeningClient.heard] == list(THERAPIST_FRAMES)
    assert out.therapist == {"frames": list(THERAPIST_FRAMES)}


def test_entrainment_has_no_simulated_therapist_and_ignores_the_therapists_notes():
    params = EntrainmentParams(beats=4)
    assert Entrainment.simulated_therapist(params, seed=1, sample_rate=SR) is None
    assert Entrainment(params).on_therapist_input(InputEvent(100, "midi", 60, 90, None)) == []
    assert isinstance(Entrainment(params), Activity)
    assert isinstance(ScriptedTherapist(()), SimulatedClient)


def test_an_activity_without_a_simulated_therapist_plays_offline_with_no_therapist_inputs(tmp_path):
    register(EchoToy)
    try:
        preset = Preset(name="toy", title="Toy", goal="answer", activity="echo-toy", path=tmp_path / "t.toml", raw_params={},
                        params=dataclasses.replace(EchoToyParams(), pulses=3))
        with Store.open(tmp_path / "toy.db") as store:
            out = simulate_session(preset, store=store, seed=1)
            inputs = store.run_events(out.run_id, kind="input")
        assert inputs and all(e["client"] == "SIM-001" for e in inputs)
        assert out.therapist == {}
    finally:
        registry._REGISTRY.pop(EchoToy.name)
