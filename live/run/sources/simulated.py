"""A simulated client as an input source: the activity's own (``Activity.simulated_client``),
made anew for each run, hearing every sound the run plans and answering with inputs; and the
activity's simulated therapist (``Activity.simulated_therapist``), whose notes come in on the
therapist's side (``client`` None) and are heard by the simulated client, as in the room.

It is what ``live demo`` and the tests play with, through the same loop and scoring as a
person at a pad. Realtime-safe: no (control thread).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from live.activities.types import AudioChunk, Polled, SingsAudio
from live.engine.events import InputEvent, ScheduledSound
from live.sim.base import SimulatedClient

__all__ = ["SimulatedSource", "SimulatedTherapistSource"]


class SimulatedSource:
    """The simulated client of each run (an :class:`~live.activities.types.InputSource` and a
    :class:`~live.run.edges.Listener`).

    Parameters
    ----------
    client : str
        The client code its inputs carry.
    seed : int
        Seeds each run's client (the same seed each run).
    sample_rate : int
        Engine frames per second.
    settings : mapping
        The client's settings, as its activity's ``simulated_client`` takes them (for the
        simulated tapper: ``alpha``, ``miss_rate``, ...).
    """

    name = "sim"

    def __init__(self, *, client: str, seed: int, sample_rate: int, settings: Mapping[str, Any] | None = None):
        self.client = client
        self.seed = seed
        self.sample_rate = sample_rate
        self.settings = dict(settings or {})
        self.sim: SimulatedClient | None = None
        self._sings = False  # whether ``sim`` gives audio (checked once: a Protocol isinstance is slow)
        self._heard_until_frame = 0
        self._audio: list[AudioChunk] = []

    def run_started(self, activity: type, params: Any, start_frame: int) -> None:
        self.sim = activity.simulated_client(params, seed=self.seed, sample_rate=self.sample_rate,
                                             client=self.client, **self.settings)
        self.sim.start(start_frame)
        self._sings = isinstance(self.sim, SingsAudio)
        self._heard_until_frame = start_frame
        self._audio = []

    def planned(self, sounds: Sequence[ScheduledSound], until_frame: int) -> None:
        for sound in sounds:
            self.sim.hear(sound)
        self._heard_until_frame = until_frame

    def hear_therapist(self, ev: InputEvent) -> None:
        """A note the therapist played (the simulated therapist's), heard by this run's client."""
        self.sim.hear_therapist(ev)

    def poll(self, now_frame: int) -> Polled:
        """Its inputs before ``now_frame`` (each at its exact frame, as a real edge stamps them);
        a simulated singer's audio too, as a voice source gives a microphone's."""
        inputs = self.sim.inputs_before(now_frame, heard_until_frame=self._heard_until_frame)
        audio = self.sim.audio_before(now_frame) if self._sings else None
        if audio is not None:
            self._audio.append(audio)
        return Polled(inputs=inputs, audio=audio)

    def audio_given(self) -> list[AudioChunk]:
        """The latest run's client's audio as it was handed out (a simulated singer's voice), in
        frame order: what the room heard besides the engine (the demo's WAV mixes it in)."""
        return list(self._audio)

    def status(self) -> str:
        done = self.sim.produced() if self.sim is not None else {}
        return f"simulated client {self.client}: {done.get('inputs', 0)} inputs"

    def describe(self) -> dict[str, Any]:
        """The latest run's client's true parameters (empty before a run)."""
        return self.sim.describe() if self.sim is not None else {}

    def produced(self) -> dict[str, int]:
        """What the latest run's client did: inputs, omitted, extra (empty before a run)."""
        return self.sim.produced() if self.sim is not None else {}


class SimulatedTherapistSource:
    """The activity's simulated therapist for each run, an input source (and a listener) on the
    therapist's side: its notes are inputs with ``client`` None, handed to the activity's
    ``on_therapist_input`` by the loop like a therapist's keyboard's, and heard by ``audience``
    (the simulated client) once they have happened. Poll it before the client's source, so the
    client hears a note in the same control step. Silent for activities without a simulated
    therapist (``simulated_therapist`` returns None).

    Parameters
    ----------
    seed : int
        Seeds each run's therapist.
    sample_rate : int
        Engine frames per second.
    audience : SimulatedSource
        The simulated client who hears the therapist play.
    """

    name = "sim-therapist"

    def __init__(self, *, seed: int, sample_rate: int, audience: SimulatedSource):
        self.seed = seed
        self.sample_rate = sample_rate
        self.audience = audience
        self.sim: SimulatedClient | None = None
        self._heard_until_frame = 0
        self._audio: list[AudioChunk] = []

    def run_started(self, activity: type, params: Any, start_frame: int) -> None:
        self.sim = activity.simulated_therapist(params, seed=self.seed, sample_rate=self.sample_rate)
        if self.sim is not None:
            self.sim.start(start_frame)
        self._heard_until_frame = start_frame
        self._audio = []

    def planned(self, sounds: Sequence[ScheduledSound], until_frame: int) -> None:
        if self.sim is None:
            return
        for sound in sounds:
            self.sim.hear(sound)
        self._heard_until_frame = until_frame

    def poll(self, now_frame: int) -> Polled:
        """The therapist's notes before ``now_frame`` (each at its exact frame), passed on to
        the simulated client too."""
        if self.sim is None:
            return Polled()
        notes: list[InputEvent] = self.sim.inputs_before(now_frame, heard_until_frame=self._heard_until_frame)
        for ev in notes:
            self.audience.hear_therapist(ev)
        return Polled(inputs=notes)

    def status(self) -> str:
        if self.sim is None:
            return "simulated therapist: none"
        return f"simulated therapist: {self.sim.produced().get('inputs', 0)} notes"

    def describe(self) -> dict[str, Any]:
        """The latest run's therapist's true parameters (empty without one)."""
        return self.sim.describe() if self.sim is not None else {}
