"""A live session: the engine on a real audio device, MIDI from the client and therapist, every
input scored and stored as the session goes, and nothing lost when it stops.

The control loop runs in the calling thread and wakes every ~10 ms (DESIGN.md section 3). Each
time it reads the sampler's block rows (they map JACK frames and host time onto engine frames),
plans sounds inside the look-ahead, takes MIDI (therapist controls are acted on; notes are the
client's inputs, corrected by the input path's calibrated latency and scored, except notes on
the therapist's channels, stored as the therapist's and not scored), and hands what
it has to the writer thread at least every 0.5 s (the loop never waits on the database). Pads sound from the audio callback itself at input frame + a fixed
delay (:meth:`live.engine.sampler.SamplerState.play_midi_notes`), so Python is never on that path.
"""

from __future__ import annotations

import dataclasses
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from live.activities.base import ActivityContext, Response, activity_class
from live.control_binding import DEFAULT_STEP_BPM
from live.controls import ControlMap
from live.engine.bank import default_bank
from live.engine.clock import FrameMap, HostClock
from live.engine.engine import Engine
from live.engine.events import InputEvent, ScheduledSound
from live.engine.jack_midi import JackMidiClient, JackUnavailable
from live.engine.midi import JackMidiInput
from live.engine.onsets import OnsetDetector
from live.engine.layout import R_FRAME, R_HOST_NS, R_JACK_FRAME
from live.engine.sampler import SamplerState
from live.engine.system_parts import MissingPart, jack_server_missing
from live.presets import Preset
from live.session.exports import first_start_frame
from live.session.store import Store
from live.session.writer import SessionWriter

GM_ACCENT_NOTE, GM_BEAT_NOTE = 76, 77  # General MIDI percussion: Hi / Low Wood Block


class SessionError(RuntimeError):
    """The session cannot start: a device or port that is not there (the message lists what is)."""


@dataclass(frozen=True, slots=True)
class LiveOptions:
    """How to run a live session.

    Parameters
    ----------
    client : str
        Pseudonymous code of the client (created in the store when new).
    duration_s : float, optional
        Length of each cued phase of each preset (replaces its ``beats`` or ``duration_s``);
        a baseline and a continuation keep the preset's lengths, and a run ends at its
        activity's own planned end.
    audio_device : str, optional
        PortAudio device index or name part; default: JACK's when a JACK server runs.
    midi_in : str, optional
        Part of the name of the MIDI port(s) to take input from (connected to ``live-midi:in``).
    midi_out : str, optional
        Part of the name of an external sound module's MIDI input port(s): every beat is also
        sent there (``live-midi:out``) as a General MIDI percussion note at its exact frame.
    pad_delay_periods : int
        A pad's own sound plays this many audio periods after its input frame (constant latency).
    touch : bool
        Open the client's touchscreen (:mod:`live.ui.touch`, its own process) on screen
        ``display`` (full screen, or a ``window`` of (width, height) pixels); its beat cue is
        drawn ``display_latency_ms`` early. A touched pad sounds ``touch_pad_delay_s`` after the
        touch (started from Python, like rtmidi's pads), when the preset's screen has feedback.
    """

    client: str
    duration_s: float | None = None
    audio_device: str | None = None
    midi_in: str | None = None
    midi_out: str | None = None
    mic: bool = False                 # take onsets from the audio input (an instrument at a microphone)
    mic_threshold: float = 0.05       # onset threshold floor, full scale 1.0
    midi_backend: str = "auto"        # "auto" (JACK when a server runs, else rtmidi), "jack", "rtmidi"
    rtmidi_api: str | None = None     # rtmidi's API ("alsa", "jack", ...); None: its default
    rtmidi_pad_delay_s: float = 0.015  # rtmidi: pads are started from Python, this long after the hit
    sample_rate: int = 48000
    lookahead_frames: int = 4800
    start_delay_frames: int = 24000
    control_period_s: float = 0.01
    flush_period_s: float = 0.45  # + one control step and jitter: batches stay <= 0.5 s apart
    pad_delay_periods: int = 2
    pad_sound: str | None = "woodblock"  # None: pads play no sound
    stall_timeout_s: float = 1.0
    controls: ControlMap = field(default_factory=ControlMap.default)
    touch: bool = False
    display: int = 0
    window: tuple[int, int] | None = None
    display_latency_ms: float = 0.0
    touch_pad_delay_s: float = 0.03
    console: bool = False             # the therapist's terminal view and keys (live.ui.console)


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """A finished run: its summary, per-phase summaries, scored responses and start frame."""

    run_id: int
    preset: str
    summary: dict[str, Any]
    responses: tuple[Response, ...]
    phases: dict[str, dict[str, Any]] = field(default_factory=dict)
    start_frame: int = 0


@dataclass(frozen=True, slots=True)
class LiveOutcome:
    """A finished live session: its id, runs, its time origin and why it ended.

    ``origin_frame`` is the engine frame times count from: the first run's start
    (:func:`live.session.exports.first_start_frame`, as in every export).
    """

    session_id: str
    runs: tuple[RunOutcome, ...]
    origin_frame: int
    sample_rate: int
    ended_because: str
    engine_stats: dict
    midi_stats: dict


class LiveSession:
    """Opens the audio and MIDI edges; :meth:`run` plays presets on them.

    Raises
    ------
    SessionError
        When the audio device or the MIDI port asked for is not there.
    """

    def __init__(self, options: LiveOptions, *, log: Callable[[str], None] | None = None):
        from live.engine.live_driver import DeviceError, LiveDriver

        self.options = options
        self.log = log or (lambda line: print(f"live: {line}", file=sys.stderr, flush=True))
        if options.midi_backend not in ("auto", "jack", "rtmidi"):
            raise SessionError(f"midi backend {options.midi_backend!r}: must be auto, jack or rtmidi")
        self.bank = default_bank(options.sample_rate)
        self.state = SamplerState(self.bank, channels=2, in_channels=1 if options.mic else 0)
        self.onsets = OnsetDetector(options.sample_rate, threshold=options.mic_threshold) if options.mic else None
        self.midi_client = None
        self.frame_map = FrameMap()
        self.host_clock = HostClock()
        if options.midi_backend in ("auto", "jack"):
            try:
                self.midi_client = JackMidiClient("live-midi")
            except JackUnavailable as exc:
                if options.midi_backend == "jack":
                    raise SessionError(str(exc) if "libjack" in str(exc) else
                                       str(jack_server_missing("--midi-backend jack takes MIDI from it"))) from None
        if self.midi_client is None and options.midi_out is not None:
            raise SessionError(str(jack_server_missing("--midi-out sends each beat at its exact JACK frame")))
        try:
            self.driver = LiveDriver(self.state, sample_rate=options.sample_rate, device=options.audio_device,
                                     jack_client_name="live")
        except (DeviceError, MissingPart) as exc:
            self.close()
            where = f"--audio-device {options.audio_device}: " if isinstance(exc, DeviceError) and options.audio_device else ""
            raise SessionError(f"{where}{exc}") from None
        self.sample_rate = self.driver.sample_rate
        if self.midi_client is not None:
            self.state.use_jack_clock(self.midi_client.last_frame_time_address, self.midi_client.client_address)
            self.period_frames = self.midi_client.period_frames
            self.midi = JackMidiInput(self.midi_client, self.frame_map)
        else:
            from live.engine.rtmidi_input import RtMidiInput
            from live.engine.rtmidi_ports import MidiPortError

            self.period_frames = None
            try:
                self.midi = RtMidiInput(options.midi_in, self.host_clock, api=options.rtmidi_api,
                                        client_name="live-midi")
            except (MidiPortError, RuntimeError, OSError) as exc:
                self.close()
                raise SessionError(str(exc)) from None
        self.pad_delay_frames = (options.pad_delay_periods * self.period_frames if self.period_frames
                                 else round(options.rtmidi_pad_delay_s * self.sample_rate))
        self.engine = Engine(self.driver, self.bank)
        self.touch = None
        self._screen_gone = False
        if options.touch:
            from live.ui.link import ScreenUnavailable, TouchLink

            try:
                self.touch = TouchLink(display=options.display, window=options.window,
                                       display_latency_ms=options.display_latency_ms,
                                       log=lambda line: self.log(line))
            except ScreenUnavailable as exc:
                self.close()
                raise SessionError(str(exc)) from None
            w, h = self.touch.ready_info["size"]
            self.log(f"client screen on display {options.display} ({w}x{h}), beat cue drawn "
                     f"{self.touch.ready_info['display_latency_ms']:g} ms early")
        self._bound = options.controls.bound_notes()
        self._stop = threading.Event()
        self._stop_reason = ""
        self._midi_connected = False
        self._midi_seen = False
        self.console = None

    # --- set-up -------------------------------------------------------------------------------
    def connect_midi(self) -> list[str]:
        """Connect every MIDI source whose name contains ``options.midi_in`` to ``live-midi:in``."""
        if self.midi_client is None:  # rtmidi opened its port by name already
            return [self.midi.port_name]
        return self._connect_matching(self.options.midi_in, sources=True)

    def connect_midi_out(self) -> list[str]:
        """Connect ``live-midi:out`` to every MIDI input whose name contains ``options.midi_out``."""
        return self._connect_matching(self.options.midi_out, sources=False)

    def _connect_matching(self, want: str | None, *, sources: bool) -> list[str]:
        if want is None:
            return []
        ports = [p for p in self.midi_client.ports(midi=True, outputs=sources) if not p.startswith("live-midi:")]
        chosen = [p for p in ports if want.lower() in p.lower()]
        if not chosen:
            option, kind = ("--midi-in", "source") if sources else ("--midi-out", "input")
            raise SessionError(f"{option} {want}: no MIDI {kind} port's name contains it; MIDI {kind}s here: "
                               f"{', '.join(ports) or 'none'}")
        for port in chosen:
            if sources:
                self.midi_client.connect(port)
            else:
                self.midi_client.connect("live-midi:out", port)
        return chosen

    def _send_midi(self, sound: ScheduledSound) -> None:
        """A beat as a GM percussion note on channel 10 (accent: Hi Wood Block, else Low Wood
        Block), note-off 50 ms later, at the JACK frames the beat plays at."""
        jack = self.frame_map.jack_frame(sound.frame)
        if jack is None:
            return
        note = GM_ACCENT_NOTE if sound.sound.endswith("_accent") else GM_BEAT_NOTE
        velocity = max(1, min(127, round(sound.gain * 127)))
        self.midi_client.send(jack, bytes([0x99, note, velocity]))
        self.midi_client.send(jack + self.sample_rate // 20, bytes([0x89, note, 0]))

    def _pad_sounds(self) -> dict[int, tuple[str, float]]:
        """Every note plays the pad sound (the client's and the therapist's alike), except notes
        the therapist's controls use."""
        bound = self._bound
        return {note: (self.options.pad_sound, 0.8) for note in range(128) if note not in bound}

    def _playback(self) -> dict[str, Any]:
        """How pads sound, stored with each run so its audio can be rendered again exactly."""
        return {"channels": self.state.channels, "pad_sound": self.options.pad_sound, "pad_gain": 0.8,
                "pad_delay_frames": self.pad_delay_frames, "pad_source": "midi",
                "silent_notes": sorted(self._bound)}

    def request_stop(self, reason: str) -> None:
        """End the session at the next control step (thread- and signal-safe)."""
        self._stop_reason = self._stop_reason or reason
        self._stop.set()

    # --- the session -------------------------------------------------------------------------
    def run(self, presets: list[Preset], *, store: Store, latency_frames: dict[str, int] | None = None,
            calibration: dict | None = None) -> LiveOutcome:
        """Play ``presets`` one after the other (the therapist's next-activity control skips
        ahead), store everything, and return when the last ends or the session is stopped."""
        opts = self.options
        latency = latency_frames or {}
        try:  # a port named on the command line that is not there ends the session before it starts
            chosen = self.connect_midi()
            outs = self.connect_midi_out()
        except SessionError:
            self.close()
            raise
        if chosen:
            self.log(f"MIDI input from {', '.join(chosen)}")
        if outs:
            self.log(f"beats also sent as MIDI to {', '.join(outs)}")
        if opts.pad_sound is not None and self.midi_client is not None:
            self.state.play_midi_notes(self.midi_client.header, delay_frames=self.pad_delay_frames,
                                       sounds=self._pad_sounds())
        # The control thread must get the GIL back quickly from any busy Python thread: 1 ms
        # instead of CPython's 5 ms switch interval while the session runs.
        switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(0.001)
        self.writer = SessionWriter()
        self.driver.start()
        self._wait_for_audio()
        # A beat is heard the stream's output latency after its block is computed: the screen
        # gets the time it is heard.
        self._heard_after_ns = round(self.driver.output_latency_s * 1e9)
        session_start = self.engine.frame
        session_id = store.create_session(client_codes=[opts.client], simulated=False, sample_rate=self.sample_rate)
        self._session = (session_id, session_start)
        if opts.console:
            self._start_console()
        self.log(f"session {session_id} for client {opts.client}: audio on {self.driver.host_api}, MIDI "
                 f"through {self.midi.path}; Ctrl-C ends it and saves it")
        runs: list[RunOutcome] = []
        ended = "finished"
        failed = True  # until the loop below ends normally: an exception leaves the session incomplete
        try:
            queue = self._queue = list(presets)
            while queue and not self._stop.is_set():
                preset = queue.pop(0)
                outcome, next_wanted = self._run_one(preset, store, session_id, latency, calibration,
                                                     run_number=len(runs) + 1)
                runs.append(outcome)
                if next_wanted == "stop":
                    # At the console the therapist starts the next activity (or this one again);
                    # without one, stop ends the session.
                    if self.console is None or not self._wait_for_start(store, outcome.run_id, preset, len(runs)):
                        break
                    if not queue:
                        queue.append(preset)
            if self._stop.is_set():
                ended = self._stop_reason
            failed = False
        finally:
            sys.setswitchinterval(switch_interval)
            if self.console is not None:
                self.console.publish(dataclasses.replace(self.console.status, state="saving"))
                self.console.close()
                self.console = None
                self.log = self._log_before_console
            vanished = ended.startswith("audio")
            try:
                self.writer.close()  # every batch handed over is written (or its failure raised)
            finally:
                try:
                    store.close_session(session_id, status="incomplete" if vanished or failed else "complete")
                finally:
                    if not vanished:  # a dead server blocks PortAudio's and libjack's stop calls: leave them
                        self.close()
        missed = self.frame_map.missed_frames // self.period_frames if self.period_frames else None
        stats = dict(self.engine.stats(), missed_cycles=missed)
        midi_stats = self.midi_client.stats() if self.midi_client else {"path": "rtmidi", "filtered": self.midi.filtered}
        origin = first_start_frame(r.start_frame for r in runs)
        return LiveOutcome(session_id, tuple(runs), origin, self.sample_rate, ended, stats, midi_stats)

    def _wait_for_audio(self, timeout_s: float = 5.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            rows = self.state.take_rows()
            if len(rows):
                self._clock_rows(rows)
                return
            time.sleep(0.005)
        raise SessionError(f"the audio stream did not start within {timeout_s:g} s")

    def _start_console(self) -> None:
        from live.ui.console import Console

        self.console = Console()
        self._log_before_console = self.log
        self.console.start()
        if self.console.error is not None:
            self.log(f"no console ({self.console.error}); keys are not read")
            self.console.close()
            self.console = None
            return
        self.log = self.console.log

    def _console_frame(self, host_ns: int) -> int:
        """Engine frame of a key press (its host time), or now when the clock is not ready."""
        return self.host_clock.frame_at(host_ns) if self.host_clock.ready else self.engine.frame

    def _devices(self) -> tuple[str, ...]:
        """One status line per device, for the console."""
        midi = "a source is connected" if self._midi_connected else "nothing connected"
        lines = [f"audio: {self.driver.host_api}, {self.sample_rate} Hz",
                 f"MIDI: {self.midi.path} ({midi})" if self.midi_client is not None else f"MIDI: {self.midi.path}"]
        if self.touch is None:
            lines.append("client screen: none (--headless)")
        else:
            w, h = self.touch.ready_info["size"]
            state = "running" if self.touch.alive else "CLOSED"
            lines.append(f"client screen: display {self.options.display} ({w}x{h}), {state}, "
                         f"{self.touch.received} touches")
        if self.onsets is not None:
            lines.append("microphone: listening for onsets")
        return tuple(lines)

    def _publish(self, preset: Preset, run_number: int, state: str, tally=None, activity=None) -> None:
        from live.ui.console import ConsoleStatus

        session_id, session_start = self._session
        now = self.engine.frame
        numbers = tally.numbers(now) if tally is not None else {}
        self.console.publish(ConsoleStatus(
            session_id=session_id, client=self.options.client, activity=f"{preset.title} ({preset.name})",
            run_number=run_number, presets_left=len(self._queue), state=state, elapsed_s=(now - session_start) / self.sample_rate,
            beats_total=getattr(activity, "n_beats", 0) if activity is not None else 0,
            window_ms=getattr(preset.params, "window_ms", 50.0), devices=self._devices(), **numbers))

    def _wait_for_start(self, store: Store, run_id: int, preset: Preset, run_number: int) -> bool:
        """Between runs, at the console: True when the therapist starts again (space, or the
        controller's start/stop), False when the session is to end (q, a signal). Inputs are
        not scored meanwhile; marks are kept (on the run just ended)."""
        self.log("stopped: space starts the next activity, q ends and saves the session")
        session_id = self._session[0]
        while not self._stop.is_set():
            rows = self.state.take_rows()
            if len(rows):
                self._clock_rows(rows)
            if self.touch is not None:
                self.touch.take()
            for msg in self.midi.take():
                control = self.options.controls.match(msg.status, msg.data1, msg.data2)
                if control is not None and control.action == "start_stop":
                    return True
            for cmd in self.console.take():
                if cmd.action == "start_stop":
                    return True
                if cmd.action == "quit":
                    self.request_stop("ended by the therapist at the console")
                elif cmd.action == "mark":
                    self.writer.submit(store.add_note, session_id, cmd.text, run_id=run_id,
                                       frame=self._console_frame(cmd.host_ns))
                    self.log(f"marked: {cmd.text}")
            self._publish(preset, run_number, "stopped")
            time.sleep(self.options.control_period_s)
        return False

    def _run_one(self, preset: Preset, store: Store, session_id: str, latency: dict[str, int],
                 calibration: dict | None, run_number: int = 1) -> tuple[RunOutcome, str]:
        opts, sr, engine = self.options, self.sample_rate, self.engine
        params = preset.params
        if opts.duration_s is not None:
            params = dataclasses.replace(params, duration_s=opts.duration_s, beats=None)
        activity = activity_class(preset.activity)(params)
        start_frame = engine.frame + opts.start_delay_frames
        run_id = store.create_run(session_id, activity=preset.activity, preset_name=preset.name,
                                  preset_path=str(preset.path), params=dataclasses.asdict(params),
                                  start_frame=start_frame, calibration=calibration,
                                  playback=self._playback())
        activity.start(ActivityContext(sr, start_frame, frozenset(self.bank.slices)))
        self.log(f"run {run_id}: {preset.name} ({preset.title})")
        if self.touch is not None:
            self.touch.set_layout(preset.screen)
        touch_sound = opts.pad_sound if preset.screen.feedback else None
        tally = None
        if self.console is not None:
            from live.ui.console import RunTally

            tally = RunTally(sr, getattr(params, "window_ms", 50.0))
        sounds, inputs, responses, controls = [], [], [], []
        last_flush = time.monotonic()
        last_frame, last_progress = engine.frame, time.monotonic()
        last_port_check = 0.0
        next_wanted, end_now = "next", False
        while True:
            n_before = len(responses)
            rows = self.state.take_rows()
            if len(rows):
                self._clock_rows(rows)
            now = engine.frame
            wall = time.monotonic()
            if now != last_frame:
                last_frame, last_progress = now, wall
            elif wall - last_progress > opts.stall_timeout_s:
                self.request_stop("audio server vanished: the audio stream stopped")
            for sound in activity.plan(now + opts.lookahead_frames):
                engine.schedule(sound)
                sounds.append(sound)
                if opts.midi_out is not None and sound.beat_index is not None:
                    self._send_midi(sound)
            wanted = []  # therapist's controls: (frame, action, value), from the controller and the console
            for msg in self.midi.take():
                control = opts.controls.match(msg.status, msg.data1, msg.data2)
                if control is not None:
                    wanted.append((msg.frame, control.action, control.value))
                elif msg.is_note_on:
                    # A note on one of the therapist's channels is the therapist's: stored, not scored.
                    therapist = opts.controls.is_therapist(msg.status)
                    ev = InputEvent(frame=msg.frame - latency.get("midi", 0), source="midi", note=msg.data1,
                                    velocity=msg.data2, client=None if therapist else opts.client)
                    inputs.append(ev)
                    if not therapist:
                        responses.extend(activity.on_input(ev))
                    if self.midi_client is None and opts.pad_sound is not None and msg.data1 not in self._bound:
                        # rtmidi: no GIL-free path, so the pad is started from here, at a fixed delay
                        engine.schedule(ScheduledSound(msg.frame + self.pad_delay_frames, opts.pad_sound,
                                                       gain=0.8 * msg.data2 / 127))
            if self.onsets is not None:
                first, samples = self.state.take_input()
                for onset in self.onsets.process(first, samples[:, 0]):
                    ev = InputEvent(frame=onset.frame - latency.get("mic", 0), source="mic", note=None,
                                    velocity=onset.velocity, client=opts.client)
                    inputs.append(ev)
                    responses.extend(activity.on_input(ev))
            cues = activity.take_cues()
            if self.touch is not None:
                for ev in self._touch_step(cues, latency.get("touch", 0), touch_sound, sounds):
                    inputs.append(ev)
                    responses.extend(activity.on_input(ev))
            if self.console is not None:
                for cmd in self.console.take():
                    frame = self._console_frame(cmd.host_ns)
                    if cmd.action == "mark":
                        self.writer.submit(store.add_note, session_id, cmd.text, run_id=run_id, frame=frame)
                        self.log(f"marked at {(frame - start_frame) / sr:.1f} s of run {run_id}: {cmd.text}")
                    elif cmd.action == "quit":
                        self.request_stop("ended by the therapist at the console")
                    else:
                        step = DEFAULT_STEP_BPM if cmd.action in ("tempo_up", "tempo_down") else None
                        wanted.append((frame, cmd.action, step))
            for frame, action, value in wanted:
                effect = activity.on_control(action, value)
                if action == "start_stop":
                    effect, next_wanted = "run stopped by the therapist", "stop"
                elif action == "next_activity":
                    effect, next_wanted = "next activity", "next"
                controls.append((frame, action, value, effect))
                if effect:
                    self.log(effect)
                if action in ("start_stop", "next_activity"):
                    end_now = True
            if tally is not None:
                tally.add_cues(cues)
                tally.add_responses(responses[n_before:])
                self._publish(preset, run_number, "playing", tally, activity)
            if wall - last_port_check > 1.0:
                last_port_check = wall
                self._watch_midi_port()
            # The activity ends at its own planned end (every phase of a protocol: baseline, cued
            # phases, continuation), whatever --duration made each phase's length.
            finished = activity.is_finished(now) or self._stop.is_set() or end_now
            if finished or wall - last_flush >= opts.flush_period_s:
                self.writer.submit(store.add_batch, run_id, sounds=sounds, inputs=inputs,
                                   responses=responses, controls=controls)  # one transaction
                sounds, inputs, responses, controls = [], [], [], []
                last_flush = wall
            if finished:
                break
            time.sleep(opts.control_period_s)
        if not activity.is_finished(engine.frame):
            activity.stop()  # ended early: only the beats that were played count
        summary = activity.summary()
        final = activity.final_responses()
        self.writer.flush()
        store.close_run(run_id, summary=summary, final_responses=final, end_frame=engine.frame)
        return RunOutcome(run_id, preset.name, summary.metrics, tuple(final), summary.phases, start_frame), next_wanted

    def _touch_step(self, cues, latency_frames: int, pad_sound: str | None,
                    sounds: list[ScheduledSound]) -> list[InputEvent]:
        """Send the new beat cues to the screen (host time each beat is heard) and turn its
        touches into inputs: host time -> engine frame, minus the touch path's latency. Each
        touched pad's sound (when ``pad_sound``) is scheduled and added to ``sounds`` (stored
        with the run's sounds, so the session's audio can be rendered again)."""
        clock = self.host_clock
        if not self.touch.alive and not self._screen_gone:
            self._screen_gone = True
            self.log("the client screen has closed; the session goes on (MIDI and microphone still count)")
        if not clock.ready:
            return []
        self.touch.send_cues((c.beat_index, clock.host_ns_at(c.frame) + self._heard_after_ns, c.accent) for c in cues)
        events = []
        for pad, velocity, host_ns in self.touch.take():
            ev = touch_input(pad, velocity, host_ns, clock, latency_frames=latency_frames, client=self.options.client)
            events.append(ev)
            if pad_sound is not None:
                frame = ev.frame + latency_frames
                at = max(frame + round(self.options.touch_pad_delay_s * self.sample_rate), self.engine.frame + 64)
                sound = ScheduledSound(at, pad_sound, gain=0.8 * velocity / 127)
                self.engine.schedule(sound)
                sounds.append(sound)
        return events

    def _clock_rows(self, rows) -> None:
        self.frame_map.update(rows[:, [R_FRAME, R_JACK_FRAME]])
        self.host_clock.update(rows[:, [R_FRAME, R_HOST_NS]])

    def _watch_midi_port(self) -> None:
        """Say when the MIDI source goes away or comes back; reconnect a named port that returns."""
        if self.midi_client is None:
            for line in self.midi.take_events():
                self.log(line)
            return
        connected = self.midi_client.connections() > 0
        if connected and not self._midi_connected:
            self.log("MIDI: a source is connected to live-midi:in" + (" again" if self._midi_seen else ""))
        elif self._midi_connected and not connected:
            self.log("MIDI: nothing is connected to live-midi:in any more; the session goes on and "
                     "takes MIDI again when it returns")
        self._midi_seen |= connected
        self._midi_connected = connected
        if not connected and self.options.midi_in:
            try:
                self.connect_midi()
            except (SessionError, JackUnavailable):
                pass

    def close(self) -> None:
        """Stop audio, MIDI and the client screen (idempotent)."""
        if getattr(self, "touch", None) is not None:
            self.touch.close()
            self.touch = None
        try:
            if getattr(self, "driver", None) is not None:
                self.driver.close()
        finally:
            if self.midi_client is not None:
                self.midi_client.close()
            elif getattr(self, "midi", None) is not None:
                self.midi.close()


def touch_input(pad: int, velocity: int, host_ns: int, clock: HostClock, *, latency_frames: int,
                client: str) -> InputEvent:
    """A touch from the client screen as an input: its host time (``time.perf_counter_ns``,
    ``CLOCK_MONOTONIC``) mapped onto the engine's frames, minus the touch path's calibrated
    latency; ``note`` is the pad index."""
    return InputEvent(frame=clock.frame_at(host_ns) - latency_frames, source="touch", note=pad, velocity=velocity,
                      client=client)


def install_signal_handlers(session: LiveSession) -> None:
    """Ctrl-C and SIGTERM end the session cleanly (it is saved)."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda signum, frame: session.request_stop(f"stopped by {signal.Signals(signum).name}"))


def responses_json(outcome: LiveOutcome) -> list[dict[str, Any]]:
    """Every scored response of the session, as ``live run --json`` prints them: the same
    shape and the same time origin as ``live export --format json``
    (:func:`live.session.exports.json_doc.response_json`).

    ``time_s``: seconds from the session's start (the first run's start frame) on the engine
    clock the beats are scheduled on, after the input path's latency correction;
    ``beat_time_s`` the matched beat's time on the same clock; ``asynchrony_ms`` = 1000 x
    (time_s - beat_time_s).
    """
    from live.session.exports.json_doc import response_json

    sr, t0 = outcome.sample_rate, outcome.origin_frame
    return [response_json({"frame": r.event.frame, "source": r.event.source, "note": r.event.note,
                           "velocity": r.event.velocity, "beat_frame": r.beat_frame}, t0, sr)
            for run in outcome.runs for r in run.responses]
