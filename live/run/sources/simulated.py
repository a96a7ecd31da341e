"""A simulated client as an input source: the activity's own (``Activity.simulated_client``),
made anew for each run, hearing every sound the run plans and answering with inputs.

It is what ``live demo`` and the tests play with, through the same loop and scoring as a
person at a pad. Realtime-safe: no (control thread).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from live.activities.types import Polled
from live.engine.events import ScheduledSound
from live.sim.base import SimulatedClient

__all__ = ["SimulatedSource"]


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
        self._heard_until_frame = 0

    def run_started(self, activity: type, params: Any, start_frame: int) -> None:
        self.sim = activity.simulated_client(params, seed=self.seed, sample_rate=self.sample_rate,
                                             client=self.client, **self.settings)
        self.sim.start(start_frame)
        self._heard_until_frame = start_frame

    def planned(self, sounds: Sequence[ScheduledSound], until_frame: int) -> None:
        for sound in sounds:
            self.sim.hear(sound)
        self._heard_until_frame = until_frame

    def poll(self, now_frame: int) -> Polled:
        """Its inputs before ``now_frame`` (each at its exact frame, as a real edge stamps them)."""
        return Polled(inputs=self.sim.inputs_before(now_frame, heard_until_frame=self._heard_until_frame))

    def status(self) -> str:
        done = self.sim.produced() if self.sim is not None else {}
        return f"simulated client {self.client}: {done.get('inputs', 0)} inputs"

    def describe(self) -> dict[str, Any]:
        """The latest run's client's true parameters (empty before a run)."""
        return self.sim.describe() if self.sim is not None else {}

    def produced(self) -> dict[str, int]:
        """What the latest run's client did: inputs, omitted, extra (empty before a run)."""
        return self.sim.produced() if self.sim is not None else {}
