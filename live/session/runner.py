"""Running a simulated session offline: engine, activity, simulated client and store together.

The loop is the live control loop with the clock driven by hand: render a few blocks, then do
what the control thread does every ~10 ms (plan sounds inside the look-ahead, take inputs,
score them, write the store every <= 0.5 s of session time). Inputs carry their exact frames,
so the result does not depend on block or control-period sizes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from live.activities.registry import activity_class
from live.activities.types import ActivityContext, ControlEvent, Response, Summary
from live.engine.bank import default_bank
from live.engine.drivers import OfflineDriver
from live.engine.engine import Engine
from live.engine.events import InputEvent, ScheduledSound
from live.engine.sampler import SamplerState
from live.presets import Preset
from live.store.store import Store
from live.sim.tapper import TapperParams


@dataclass(frozen=True, slots=True)
class LoopTiming:
    """How the offline loop steps the clock, in frames (defaults: 48 kHz, as the live engine)."""

    sample_rate: int = 48000
    block_frames: int = 128
    control_period_frames: int = 512      # ~10.7 ms: the control thread's wake-up
    lookahead_frames: int = 4800          # 100 ms planned ahead
    start_frame: int = 24000              # first sound 0.5 s into the session
    flush_period_frames: int = 24000      # store written at least every 0.5 s


@dataclass(frozen=True, slots=True)
class SessionOutcome:
    """What a finished simulated session produced; ``simulated`` is the simulated client's true
    parameters and ``produced`` what it actually did (inputs, omitted, extra)."""

    session_id: str
    run_id: int
    summary: Summary
    responses: tuple[Response, ...]
    engine_stats: dict
    wav_path: Path | None
    simulated: dict = dataclasses.field(default_factory=dict)
    produced: dict = dataclasses.field(default_factory=dict)


def simulate_session(
    preset: Preset,
    *,
    store: Store,
    tapper: TapperParams,
    client: str = "SIM-001",
    wav_dir: Path | None = None,
    timing: LoopTiming = LoopTiming(),
    controls: Sequence[tuple[int, str, float | None]] = (),
) -> SessionOutcome:
    """Render ``preset`` with a simulated client tapping along; store and score everything.

    The session is flagged simulated; with ``wav_dir`` its audio is written there as
    ``session-<id>.wav``. If anything fails midway, what was written stays and the
    session is marked incomplete. ``controls`` are a simulated therapist's actions
    ``(frame, action, value)`` (e.g. ``(240000, "tempo_set", 110)``), each handed to the
    activity at the first control step at or after its frame and stored, as ``live run`` does
    with a MIDI controller. The simulated client is the activity's own (``simulated_client``),
    with ``tapper``'s settings; it is told when the run starts (a client of a preset with a
    baseline starts tapping, or walking, there).
    """
    sr = timing.sample_rate
    bank = default_bank(sr)
    driver = OfflineDriver(SamplerState(bank, channels=1), sample_rate=sr, record=wav_dir is not None)
    engine = Engine(driver, bank)
    activity_cls = activity_class(preset.activity)
    activity = activity_cls(preset.params)
    sim = activity_cls.simulated_client(preset.params, sample_rate=sr, client=client, **dataclasses.asdict(tapper))

    session_id = store.create_session(client_codes=[client], simulated=True, sample_rate=sr)
    try:
        run_id = store.create_run(
            session_id, activity=preset.activity, preset_name=preset.name, preset_path=str(preset.path),
            params=dataclasses.asdict(preset.params), start_frame=timing.start_frame,
        )
        activity.start(ActivityContext(sr, timing.start_frame, frozenset(bank.slices)))
        sim.start(timing.start_frame)
        todo = sorted(controls, key=lambda c: c[0])
        done: list[tuple[int, str, float | None, str | None]] = []
        sounds: list[ScheduledSound] = []
        inputs: list[InputEvent] = []
        responses: list[Response] = []
        flushed_at = 0
        blocks_per_step = max(1, timing.control_period_frames // timing.block_frames)
        while True:
            now = engine.frame
            while todo and todo[0][0] <= now:
                frame, action, value = todo.pop(0)
                done.append((frame, action, value, activity.on_control(ControlEvent(frame, action, value))))
            horizon = now + timing.lookahead_frames
            for sound in activity.plan(horizon):
                engine.schedule(sound)
                sim.hear(sound)
                sounds.append(sound)
            for tap in sim.inputs_before(now, heard_until_frame=horizon):
                engine.post_input(tap)
            for ev in engine.take_inputs():
                inputs.append(ev)
                responses.extend(activity.on_input(ev))
            finished = activity.is_finished(now)
            if finished or now - flushed_at >= timing.flush_period_frames:
                store.add_batch(run_id, sounds=sounds, inputs=inputs, responses=responses, controls=done)
                sounds, inputs, responses, done = [], [], [], []
                flushed_at = now
            if finished:
                break
            driver.render(timing.block_frames, blocks_per_step)

        summary = activity.summary()
        final = activity.final_responses()
        store.close_run(run_id, summary=summary, final_responses=final, end_frame=engine.frame)
        wav_path = None if wav_dir is None else driver.write_wav(Path(wav_dir) / f"session-{session_id}.wav")
        store.close_session(session_id, status="complete")
    except BaseException:
        store.close_session(session_id, status="incomplete")
        raise
    return SessionOutcome(session_id, run_id, summary, tuple(final), engine.stats(), wav_path,
                          sim.describe(), sim.produced())
