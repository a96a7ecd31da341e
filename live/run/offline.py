"""The session offline: the engine's clock moved by hand, a simulated client playing, the store
written at once. What ``live demo``, the tests and the benchmarks run.

The loop is the live one (:mod:`live.run.loop`); only the edges differ. The clock steps one
control period at a time, rendered in blocks of ``block_frames`` (the last one shorter when the
period is not a whole number of blocks), and exactly to the frame of a scripted control, so a
control acts at its own frame. Inputs carry their exact frames and a run ends at the first frame
its activity counts as finished, so nothing stored depends on the block size or the control
period (tests/test_demo.py checks it).

Realtime-safe: no (this *is* the offline stand-in for real time).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from live.activities.types import AudioChunk, Response, Summary
from live.engine.bank import Bank, default_bank
from live.engine.drivers import OfflineDriver
from live.engine.engine import Engine
from live.engine.files import write_wav
from live.engine.events import InputEvent, Release, ScheduledSound
from live.engine.sampler import SamplerState
from live.run.edges import Control
from live.run.loop import Edges, Feedback
from live.run.plain import LogConsole, NoScreen
from live.run.session import Session, SessionSettings
from live.run.sounds import build_session_bank, declared_notes, declared_soundfont, prepared_sounds
from live.songs.library import FixedSongs
from live.run.sources.scripted import ScriptedControls
from live.run.sources.simulated import SimulatedSource, SimulatedTherapistSource

__all__ = ["LoopTiming", "OfflineAudio", "InlineWriter", "SimulatedOutcome", "simulate_session"]


@dataclass(frozen=True, slots=True)
class LoopTiming:
    """How the offline loop steps the clock, in frames (defaults: 48 kHz, as the live engine)."""

    sample_rate: int = 48000
    block_frames: int = 128
    control_period_frames: int = 512      # ~10.7 ms: the control thread's wake-up
    lookahead_frames: int = 4800          # 100 ms planned ahead
    start_frame: int = 24000              # first sound 0.5 s into the session
    flush_period_frames: int = 24000      # store written at least every 0.5 s


class OfflineAudio:
    """The audio edge offline: the sampler rendered by hand (:class:`OfflineDriver`).

    Parameters
    ----------
    timing : LoopTiming
    record : bool
        Keep what is rendered (for :meth:`write_wav`).
    stops : iterable of int
        Frames a control step must fall on (scripted controls'), besides every control period.
    bank : Bank, optional
        The session's sounds (:func:`live.run.sounds.build_session_bank`); default: the
        default sounds alone.
    """

    def __init__(self, timing: LoopTiming, *, record: bool = False, stops: Sequence[int] = (),
                 bank: Bank | None = None):
        self.timing = timing
        self.sample_rate = timing.sample_rate
        bank = bank if bank is not None else default_bank(timing.sample_rate)
        self.driver = OfflineDriver(SamplerState(bank, channels=1), sample_rate=timing.sample_rate, record=record)
        self.engine = Engine(self.driver, bank)
        self.sound_names = frozenset(bank.slices)
        self._stops = sorted(set(int(f) for f in stops))

    def now_frame(self) -> int:
        return self.engine.frame

    def step(self) -> None:
        """Render one control period, or up to the next stop within it."""
        now = self.engine.frame
        target = now + max(1, self.timing.control_period_frames)
        while self._stops and self._stops[0] <= now:
            self._stops.pop(0)
        if self._stops and self._stops[0] < target:
            target = self._stops[0]
        whole, rest = divmod(target - now, self.timing.block_frames)
        self.driver.render([self.timing.block_frames] * whole + ([rest] if rest else []))
        return None

    def playing(self) -> bool:
        return True

    def schedule(self, sound: ScheduledSound, *, key: int = -1) -> None:
        self.engine.schedule(sound, key=key)

    def release(self, key: int, frame: int) -> None:
        self.engine.release(key, frame)

    def release_sound(self, release: Release) -> None:
        self.engine.release_sound(release)

    def host_ns_at(self, frame: int) -> int | None:
        return None  # no host clock offline

    def frame_at_host_ns(self, host_ns: int) -> int:
        return self.engine.frame

    def status(self) -> str:
        return f"audio: offline, {self.sample_rate} Hz"

    def stats(self) -> dict[str, Any]:
        return self.engine.stats()

    def write_wav(self, path: str | os.PathLike, *, end_frame: int, mixed: Sequence[AudioChunk] = ()) -> Path:
        """Write what was rendered up to ``end_frame`` as 16-bit PCM WAV, file mode 0600
        (:func:`live.engine.files.write_wav`), with ``mixed`` (a simulated client's audio, e.g.
        a singer's voice) added into every channel at its frames."""
        audio = self.driver.recording()[:end_frame]
        if mixed:
            audio = audio.copy()
            for chunk in mixed:
                x = np.asarray(chunk.samples, dtype=np.float32).reshape(-1)
                lo, hi = max(chunk.first_frame, 0), min(chunk.first_frame + x.size, audio.shape[0])
                if hi > lo:
                    audio[lo:hi] += x[lo - chunk.first_frame: hi - chunk.first_frame, None]
        return write_wav(path, audio, sample_rate=self.sample_rate)


class InlineWriter:
    """Writes each batch at once (offline: the loop does not run against a clock), every
    ``period_frames`` of session time."""

    def __init__(self, store: Any, period_frames: int):
        self.store = store
        self.period_frames = period_frames
        self._last_frame = 0

    def start_run(self) -> None:
        pass

    def due(self, now_frame: int) -> bool:
        if now_frame - self._last_frame < self.period_frames:
            return False
        self._last_frame = now_frame
        return True

    def batch(self, run_id: int, *, sounds: list[ScheduledSound], inputs: list[InputEvent],
              responses: list[Response], controls: list[Control], releases: Sequence[Release] = (),
              audio: Sequence[AudioChunk] = ()) -> None:
        self.store.add_batch(run_id, sounds=sounds, inputs=inputs, responses=responses, controls=controls,
                             releases=releases, audio=audio)

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        fn(*args, **kwargs)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def stats(self) -> dict[str, Any]:
        return {}


@dataclass(frozen=True, slots=True)
class SimulatedOutcome:
    """What a simulated one-preset session produced; ``simulated`` is the simulated client's
    true parameters and ``produced`` what it actually did (inputs, omitted, extra);
    ``therapist`` the simulated therapist's true parameters (empty when the activity has none)."""

    session_id: str
    run_id: int
    summary: Summary
    responses: tuple[Response, ...]
    engine_stats: dict
    wav_path: Path | None
    simulated: dict = field(default_factory=dict)
    produced: dict = field(default_factory=dict)
    end_frame: int = 0
    therapist: dict = field(default_factory=dict)


def simulate_session(
    preset: Any,
    *,
    store: Any,
    seed: int = 1,
    settings: Mapping[str, Any] | None = None,
    client: str = "SIM-001",
    wav_dir: Path | None = None,
    timing: LoopTiming = LoopTiming(),
    controls: Sequence[tuple[int, str, float | None]] = (),
    console: Any = None,
    log: Callable[[str], None] = lambda line: None,
) -> SimulatedOutcome:
    """Render ``preset`` with its activity's simulated client playing (and its simulated
    therapist, when it has one, on the therapist's side of the input path); store and score
    everything.

    The session is flagged simulated; with ``wav_dir`` its audio is written there as
    ``session-<id>.wav``: the engine's output, and a simulated singer's voice mixed in at its
    frames (what the room heard, the voice as the analysis heard it). If anything fails midway, what was written stays and the session is
    marked incomplete.

    Offline, an input the activity gives a sound (:meth:`Activity.input_sounds`) sounds one
    control period after its frame: the least fixed delay at which every input polled in the
    control step it falls in can still be scheduled ahead of the clock, so the audio never
    depends on the block size. An input a simulated client gives later than that (the
    simulated improviser decides a beat's notes once it has heard the next beat) sounds at the
    step it arrives in.

    Parameters
    ----------
    preset : live.presets.Preset
    store : live.store.store.Store
    seed : int
        Seeds the simulated client.
    settings : mapping, optional
        The simulated client's settings, as the activity's ``simulated_client`` takes them.
    client : str
        The simulated client's code in the store.
    controls : sequence of (frame, action, value)
        A simulated therapist's actions (e.g. ``(240000, "tempo_set", 110)``), each handed to
        the session at its own frame, as ``live run`` does with a controller's, and stored.
    console : ConsoleEdge, optional
        Where the session's view and lines go (default: nowhere).
    log : callable
        One line at a time about the bank built before the session (a missing FluidSynth or
        SoundFont, the notes rendered, a song warped; default: nowhere).

    Raises
    ------
    live.songs.library.SongNotFound
        The preset names a song the store's library does not have (before any session).
    """
    scripted = ScriptedControls(controls)
    songs = FixedSongs.pinned(store)  # the runs record the songs rendered
    extra = prepared_sounds([preset], songs=songs, sample_rate=timing.sample_rate, log=log)
    bank = build_session_bank(declared_notes([preset]), sample_rate=timing.sample_rate,
                              soundfont=declared_soundfont([preset]), log=log, extra=extra)
    audio = OfflineAudio(timing, record=wav_dir is not None, stops=scripted.frames, bank=bank)
    sim = SimulatedSource(client=client, seed=seed, sample_rate=timing.sample_rate, settings=settings)
    therapist = SimulatedTherapistSource(seed=seed, sample_rate=timing.sample_rate, audience=sim)
    edges = Edges(audio=audio, sources=(therapist, sim, scripted), listeners=(sim, therapist),
                  writer=InlineWriter(store, timing.flush_period_frames),
                  console=console if console is not None else LogConsole(lambda line: None),
                  screen=NoScreen("none (offline)"),
                  feedback=Feedback(audio, default_delay_frames=timing.control_period_frames))
    settings_ = SessionSettings(clients=(client,), simulated=True, lookahead_frames=timing.lookahead_frames,
                                start_delay_frames=timing.start_frame, songs=songs)
    outcome = Session(edges, store, settings_).run([preset])
    [run] = outcome.runs
    wav_path = None
    if wav_dir is not None:
        wav_path = audio.write_wav(Path(wav_dir) / f"session-{outcome.session_id}.wav", end_frame=run.end_frame,
                                   mixed=sim.audio_given())
    return SimulatedOutcome(outcome.session_id, run.run_id, run.summary, run.responses, outcome.engine_stats,
                            wav_path, sim.describe(), sim.produced(), run.end_frame, therapist.describe())
