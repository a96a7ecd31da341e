"""The engine facade: the one clock, scheduling sounds, and the queue of inputs.

Activities see only this small interface. Realtime-safe: no (control thread); the audio
thread runs only the sampler callback.
"""

from __future__ import annotations

import threading
from collections import deque

from live.engine.bank import Bank
from live.engine.drivers import Driver
from live.engine.events import InputEvent, Release, ScheduledSound
from live.engine.layout import KEY_MIDI

CALLER_KEY_LIMIT = KEY_MIDI // 2  # callers name keys below it; from it up to KEY_MIDI, schedule gives sounds its own


class Engine:
    """Schedules bank sounds at exact frames and collects timestamped inputs.

    Parameters
    ----------
    driver : Driver
        Runs the sampler callback (offline or live).
    bank : Bank
        The sounds the driver's sampler state was built with.
    """

    def __init__(self, driver: Driver, bank: Bank):
        if driver.state.bank is not bank:
            raise ValueError("the driver's sampler was built with another bank")
        self.driver = driver
        self.bank = bank
        self.sample_rate = driver.sample_rate
        self._lock = threading.Lock()
        self._inputs: deque[InputEvent] = deque()
        # Sounds with an end frame scheduled without a key get one, for a later release_sound
        self._keys: dict[ScheduledSound, int] = {}
        self._next_key = CALLER_KEY_LIMIT

    @property
    def frame(self) -> int:
        """The engine clock: frames played so far (end of the last block)."""
        return self.driver.state.frame

    def schedule(self, sound: ScheduledSound, *, fade_frames: int = 0, key: int = -1) -> None:
        """Queue ``sound`` to start at ``sound.frame`` (its release, the bank sound's, from
        ``sound.end_frame`` when it has one). Never blocks.

        ``key`` (0 .. :data:`CALLER_KEY_LIMIT` - 1) names the voice for a later :meth:`release` (a live note-off);
        a sound with an ``end_frame`` scheduled without one gets a key of the engine's own
        (2**19 .. 2**20 - 1, below the callback's pads' keys), for :meth:`release_sound`.

        Raises
        ------
        KeyError
            When the bank has no such sound (the message lists the ones it has).
        live.engine.sampler.RingFull
            When the callback is not taking commands.
        """
        where = self.bank[sound.sound]
        if key < 0 and sound.end_frame is not None:
            key = self._key_for(sound)
        with self._lock:
            self.driver.state.push(
                frame=sound.frame, bank_start=where.start_frame, length_frames=where.length_frames,
                gain=sound.gain, fade_frames=fade_frames, end_frame=sound.end_frame,
                release_frames=where.release_frames, key=key,
            )

    def release(self, key: int, frame: int) -> None:
        """Start the release of the sounds scheduled with ``key`` at ``frame`` (a note-off).
        Never blocks."""
        with self._lock:
            self.driver.state.release(key=key, frame=frame)

    def release_sound(self, release: Release) -> bool:
        """Start the release of ``release.sound`` (scheduled with its ``end_frame`` and no key of
        its own) at ``release.frame`` if that is before its planned end (before its start: it
        never sounds); False when there is
        nothing to release (not scheduled here, already ended, or the frame is not earlier).
        Never blocks."""
        sound = release.sound
        key = self._keys.get(sound)
        if key is None or sound.end_frame is None or release.frame >= sound.end_frame:
            return False
        self.release(key, release.frame)
        return True

    def _key_for(self, sound: ScheduledSound) -> int:
        """A key for ``sound`` (equal sounds share one: they start and end together); keys of
        sounds that have ended are forgotten."""
        key = self._keys.get(sound)
        if key is not None:
            return key
        if len(self._keys) >= 4096:
            now = self.frame
            self._keys = {s: k for s, k in self._keys.items() if s.end_frame is not None and s.end_frame > now}
        key = self._next_key
        self._next_key = key + 1 if key + 1 < KEY_MIDI else CALLER_KEY_LIMIT
        self._keys[sound] = key
        return key

    def post_input(self, event: InputEvent) -> None:
        """Hand an input to the control thread (thread-safe; called by input edges)."""
        self._inputs.append(event)

    def take_inputs(self) -> list[InputEvent]:
        """Every input posted since the last call, in arrival order."""
        out = []
        while self._inputs:
            out.append(self._inputs.popleft())
        return out

    def stats(self) -> dict[str, int]:
        """The callback's counters (see :meth:`SamplerState.stats`)."""
        return self.driver.state.stats()
