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
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from live.activities.registry import activity_class
from live.activities.types import ActivityContext, ControlEvent, Response
from live.control_binding import DEFAULT_STEP_BPM
from live.controls import ControlMap
from live.engine.bank import default_bank
from live.engine.clock import FrameMap, HostClock
from live.engine.engine import Engine
from live.engine.events import InputEvent, ScheduledSound
from live.engine.jack_midi import JackMidiClient, JackUnavailable, silence_jack_errors
from live.engine.midi import JackMidiInput
from live.engine.onsets import OnsetDetector
from live.engine.layout import R_FRAME, R_HOST_NS, R_JACK_FRAME
from live.engine.sampler import SamplerState
from live.engine.system_parts import MissingPart, jack_server_missing
from live.presets import Preset
from live.session.audio_outage import (
    Attempt, Outage, Retry, ServerWatch, StallWatch, back_message, close_within, lost_message, resume_frame,
    waiting_message,
)
from live.store.exports import first_start_frame
from live.store.store import Store
from live.store.writer import SessionWriter

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
    # An input is committed at most flush_period_s + one control step + the commit after it
    # arrived: 0.4 s leaves 0.1 s of the 0.5 s promise (DESIGN.md section 7) for the step, the
    # commit and a loaded machine (tests/test_records_live.py measures it; docs/performance.md).
    flush_period_s: float = 0.4
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
    activity: str                      # the registered activity that ran (its records' names)
    summary: dict[str, Any]
    responses: tuple[Response, ...]
    phases: dict[str, dict[str, Any]] = field(default_factory=dict)
    start_frame: int = 0
    segment: int = 1                   # 2, 3, ...: played again after an outage cut the run short
    resumes_run_id: int | None = None  # the run it plays again


@dataclass(frozen=True, slots=True)
class LiveOutcome:
    """A finished live session: its id, runs, its time origin and why it ended.

    ``origin_frame`` is the engine frame times count from: the first run's start
    (:func:`live.store.exports.first_start_frame`, as in every export).
    """

    session_id: str
    runs: tuple[RunOutcome, ...]
    origin_frame: int
    sample_rate: int
    ended_because: str
    engine_stats: dict
    midi_stats: dict
    outages: tuple[dict[str, Any], ...] = ()
    writer: dict[str, Any] = field(default_factory=dict)  # writes, max_batch_gap_ms, max_wait_ms, max_write_ms


@dataclass(slots=True)
class _Edges:
    """One audio stream and what hangs on it: its sampler memory, driver and engine, the maps
    of its clock, and the JACK MIDI client it shares a server with (None with rtmidi)."""

    state: SamplerState
    driver: Any
    engine: Engine
    frame_map: FrameMap
    host_clock: HostClock
    midi_client: JackMidiClient | None

    def abandon(self) -> None:
        """Leave them with no call that could block on a server that has gone (the memory is
        kept by whoever keeps this)."""
        self.driver.abandon()
        if self.midi_client is not None:
            close_within(self.midi_client.close, 1.0, "live-midi")


class LiveSession:
    """Opens the audio and MIDI edges; :meth:`run` plays presets on them.

    Raises
    ------
    SessionError
        When the audio device or the MIDI port asked for is not there.
    """

    def __init__(self, options: LiveOptions, *, log: Callable[[str], None] | None = None):
        from live.engine.live_driver import DeviceError

        self.options = options
        self.log = log or (lambda line: print(f"live: {line}", file=sys.stderr, flush=True))
        if options.midi_backend not in ("auto", "jack", "rtmidi"):
            raise SessionError(f"midi backend {options.midi_backend!r}: must be auto, jack or rtmidi")
        self.bank = default_bank(options.sample_rate)
        self.driver = self.midi_client = self.midi = None
        self.jack_midi = False        # MIDI comes through our JACK client (else python-rtmidi)
        self._outage: Outage | None = None
        self._lost: list[_Edges] = []  # streams lost to outages: kept (the dead callbacks' memory), never used
        self._failed: list[_Edges] = []  # streams opened during an outage that did not start: kept, never used
        self._missed_frames_lost = 0  # FrameMap.missed_frames of those streams
        self.resumes: list[dict[str, Any]] = []  # one per outage the audio came back from
        self._segments: dict[int, int] = {}     # run id -> its segment
        self._start_lag_ns = 0                  # from choosing a stream's first frame to its first block
        self._max_batch_gap_s = 0.0             # longest time between two batches handed to the writer
        midi_client = None
        if options.midi_backend in ("auto", "jack"):
            try:
                midi_client = JackMidiClient("live-midi")
            except JackUnavailable as exc:
                if options.midi_backend == "jack":
                    raise SessionError(str(exc) if "libjack" in str(exc) else
                                       str(jack_server_missing("--midi-backend jack takes MIDI from it"))) from None
        self.jack_midi = midi_client is not None
        if midi_client is None and options.midi_out is not None:
            raise SessionError(str(jack_server_missing("--midi-out sends each beat at its exact JACK frame")))
        try:
            self._use(self._open_audio(midi_client))
        except (DeviceError, MissingPart) as exc:  # the MIDI client is closed already
            where = f"--audio-device {options.audio_device}: " if isinstance(exc, DeviceError) and options.audio_device else ""
            raise SessionError(f"{where}{exc}") from None
        if midi_client is None:
            from live.engine.rtmidi_input import RtMidiInput
            from live.engine.rtmidi_ports import MidiPortError

            try:
                self.midi = RtMidiInput(options.midi_in, self.host_clock, api=options.rtmidi_api,
                                        client_name="live-midi")
            except (MidiPortError, RuntimeError, OSError) as exc:
                self.close()
                raise SessionError(str(exc)) from None
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

    # --- the audio and JACK MIDI edges (opened again after an outage) ---------------------------
    def _open_audio(self, midi_client: JackMidiClient | None) -> _Edges:
        """A new audio driver (its stream not open yet) on a new sampler memory, with the engine,
        clock maps and JACK MIDI client around it. Nothing of the session is replaced yet.

        Raises
        ------
        live.engine.live_driver.DeviceError
            When the audio device cannot be opened (the message lists the devices there are).
        """
        from live.engine.live_driver import LiveDriver

        opts = self.options
        state = SamplerState(self.bank, channels=2, in_channels=1 if opts.mic else 0)
        try:
            driver = LiveDriver(state, sample_rate=opts.sample_rate, device=opts.audio_device, jack_client_name="live")
        except BaseException:
            if midi_client is not None:
                close_within(midi_client.close, 1.0, "live-midi")
            raise
        edges = _Edges(state, driver, Engine(driver, self.bank), FrameMap(), HostClock(), midi_client)
        if midi_client is not None:
            state.use_jack_clock(midi_client.last_frame_time_address, midi_client.client_address)
        return edges

    def _use(self, edges: _Edges) -> None:
        """Play on ``edges`` from now on."""
        opts = self.options
        self._edges = edges
        self.state, self.driver, self.engine = edges.state, edges.driver, edges.engine
        self.frame_map, self.host_clock, self.midi_client = edges.frame_map, edges.host_clock, edges.midi_client
        self.sample_rate = edges.driver.sample_rate
        self.onsets = OnsetDetector(self.sample_rate, threshold=opts.mic_threshold) if opts.mic else None
        if edges.midi_client is not None:
            self.period_frames = edges.midi_client.period_frames
            self.midi = JackMidiInput(edges.midi_client, self.frame_map)
        else:
            self.period_frames = None
            if self.midi is not None:  # rtmidi goes on; its times map through the new stream's clock
                self.midi.use_clock(self.host_clock)
        self.pad_delay_frames = self._pad_delay_frames(self.period_frames)

    def _pad_delay_frames(self, period_frames: int | None) -> int:
        """How long after its input frame a pad sounds: whole JACK periods, or rtmidi's delay."""
        opts = self.options
        return (opts.pad_delay_periods * period_frames if period_frames
                else round(opts.rtmidi_pad_delay_s * self.sample_rate))

    def _start_audio(self, edges: _Edges, start_frame: int | Callable[[], int] = 0) -> tuple[int, int]:
        """Open and start the stream of ``edges``: pads on its JACK MIDI client sound from the
        callback, the engine's clock counts from ``start_frame`` (or what it returns, asked just
        before the stream starts); returns once the first block has played, with that block's
        (frame, CLOCK_MONOTONIC ns).

        Raises
        ------
        live.engine.live_driver.DeviceError
            When the stream cannot be opened or started.
        SessionError
            When no block has played within 5 s.
        """
        midi = edges.midi_client
        if self.options.pad_sound is not None and midi is not None:
            edges.state.play_midi_notes(midi.header, delay_frames=self._pad_delay_frames(midi.period_frames),
                                        sounds=self._pad_sounds())
        edges.driver.open()
        asked_ns = time.monotonic_ns()
        edges.state.start_at(start_frame() if callable(start_frame) else start_frame)
        edges.driver.start()
        first = self._wait_for_audio(edges)
        self._start_lag_ns = first[1] - asked_ns
        # A beat is heard the stream's output latency after its block is computed: the screen
        # gets the time it is heard.
        self._heard_after_ns = round(edges.driver.output_latency_s * 1e9)
        return first

    def _now_frame(self) -> int:
        """The session's frame now: the engine's clock, or during an outage the frame it will
        count from when the audio returns now (the timeline goes on through the outage)."""
        if self._outage is None:
            return self.engine.frame
        return resume_frame(self._outage, time.monotonic_ns(), self.sample_rate)

    def _lose_audio(self, store: Store, run_id: int | None) -> None:
        """The stream has stopped: leave it and the JACK MIDI client without any call that could
        block, record the outage and say so. The session goes on (inputs that still arrive,
        the console's keys, signals) and looks for the audio again (:meth:`_try_resume`)."""
        session_id, session_start = self._session
        stopped_frame = self.state.frame
        now_ns = time.monotonic_ns()
        stopped_ns = self.host_clock.host_ns_at(stopped_frame) if self.host_clock.ready else now_ns
        started_at = datetime.now(timezone.utc) - timedelta(seconds=max(now_ns - stopped_ns, 0) / 1e9)
        device = f"audio on {self.driver.host_api}"
        self._edges.abandon()
        self._lost.append(self._edges)
        self._missed_frames_lost += self.frame_map.missed_frames
        self.writer.flush()
        outage_id = store.begin_outage(session_id, start_frame=stopped_frame, device=device, run_id=run_id,
                                       started_at=started_at)
        self._outage = Outage(stopped_frame, stopped_ns, started_at, device, outage_id, run_id)
        self._retry = Retry(time.monotonic())
        self._server = ServerWatch()
        self._attempt: Attempt | None = None
        silence_jack_errors()  # the attempts to reopen fail until a server runs: not a line each
        self._retry_failures: set[str] = set()
        self._midi_connected = False
        self.log(lost_message(self._outage, elapsed_s=(stopped_frame - session_start) / self.sample_rate,
                              reason=f"no audio for {self.options.stall_timeout_s:g} s"))

    def _try_resume(self, store: Store) -> bool:
        """During an outage: look for the audio (at most every 0.25 s) and, once it is there,
        open it again on a worker thread (:meth:`_reopen`; the control loop never waits on it).
        True once a new stream plays, its frames continuing the session's timeline past the
        outage."""
        from live.engine.jack_midi import jack_ports

        outage = self._outage
        now_s = time.monotonic()
        if self._retry.remind(now_s):
            self.log(waiting_message(outage, now_ns=time.monotonic_ns()))
        if self._attempt is not None:
            status, result = self._attempt.poll(now_s)
            if status == "pending":
                return False
            attempt, self._attempt = self._attempt, None
            if status == "done":
                edges, first_frame, first_ns = result
                return self._resumed(store, edges, first_frame, first_ns, reopen_s=first_ns / 1e9 - attempt.started_s)
            why = (f"opening it took over {now_s - attempt.started_s:.0f} s; it is left and tried again"
                   if status == "timed out" else str(result))
            self._retry.back_off(now_s, 2.0)  # each attempt may cost a fresh PortAudio: not 4 a second
            if why not in self._retry_failures:
                self._retry_failures.add(why)
                self.log(f"the audio is not back yet: {why}")
            return False
        if not self._retry.due(now_s):
            return False
        if self.jack_midi and not self._server.settled(
                jack_ports(midi=True, outputs=True, client_name="live-probe") is not None, now_s):
            return False  # no JACK server yet, or one that has only just started (asked quietly)
        self._attempt = Attempt(lambda: self._reopen(outage), timeout_s=10.0)
        return False

    def _reopen(self, outage: Outage) -> tuple[_Edges, int, int]:
        """Open the audio again (on the worker thread): the JACK MIDI client first, checked to
        run (a stalled graph would make PortAudio's open wait for minutes), then a fresh
        PortAudio stream whose first frame continues the timeline. On failure what was opened
        is left or closed, and the error says why.

        Returns
        -------
        (edges, first_frame, first_ns)
        """
        from live.engine.live_driver import DeviceError, release_portaudio

        midi_client = None
        if self.jack_midi:
            midi_client = JackMidiClient("live-midi")
            if not midi_client.wait_running():
                close_within(midi_client.close, 1.0, "live-midi")
                raise JackUnavailable("the JACK server answers but its graph does not run")
        try:
            edges = self._open_audio(midi_client)  # closes the MIDI client when it fails
        except DeviceError:
            release_portaudio(terminate=not self.jack_midi)  # the next attempt lists the devices again
            raise
        try:
            # The first block plays a moment after the frame is chosen: as long as it took when the
            # session's stream started (measured then), so its frame is the one it plays at.
            first_frame, first_ns = self._start_audio(
                edges, lambda: resume_frame(outage, time.monotonic_ns() + self._start_lag_ns, self.sample_rate))
        except BaseException:
            edges.abandon()  # opened but not playing: left like the lost ones
            self._failed.append(edges)
            raise
        return edges, first_frame, first_ns

    def _resumed(self, store: Store, edges: _Edges, first_frame: int, first_ns: int, *, reopen_s: float) -> bool:
        """The audio plays again on ``edges``: use them, record the outage's end, say so, and
        connect the MIDI ports asked for again."""
        outage = self._outage
        self._use(edges)
        # How far the new stream's first block is from where the monotonic clock puts it on the
        # timeline (the stream starts a moment after its first frame was chosen).
        ideal = outage.start_frame + (first_ns - outage.stopped_ns) * self.sample_rate / 1e9
        self.resumes.append({"outage_id": outage.outage_id, "start_frame": outage.start_frame,
                             "end_frame": first_frame, "reopen_s": reopen_s,
                             "timeline_error_frames": first_frame - ideal})
        back_at = datetime.now(timezone.utc) - timedelta(seconds=max(time.monotonic_ns() - first_ns, 0) / 1e9)
        store.end_outage(outage.outage_id, end_frame=first_frame, ended_at=back_at)
        self._outage = None
        self.log(back_message(outage, end_frame=first_frame, sample_rate=self.sample_rate, reopen_s=reopen_s,
                              host_api=self.driver.host_api))
        if self.jack_midi:
            for connect, what in ((self.connect_midi, "MIDI input from"), (self.connect_midi_out, "beats sent as MIDI to")):
                try:
                    chosen = connect()
                except (SessionError, JackUnavailable) as exc:
                    self.log(f"not yet: {exc}")
                else:
                    if chosen:
                        self.log(f"{what} {', '.join(chosen)} again")
        return True

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
        ahead), store everything, and return when the last ends or the session is stopped.

        When the audio goes away the session stays open (:mod:`live.session.audio_outage`): the
        run playing ends at the last frame heard, and when the audio is back the same preset
        plays again as that run's next segment, its frames continuing the session's timeline."""
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
        from live.engine.live_driver import DeviceError

        try:
            self._start_audio(self._edges)
        except (DeviceError, SessionError) as exc:
            self.close()
            raise SessionError(str(exc)) from None
        # The control thread must get the GIL back quickly from any busy Python thread: 1 ms
        # instead of CPython's 5 ms switch interval while the session runs.
        switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(0.001)
        self.writer = SessionWriter()
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
            resumes: int | None = None  # the run the next one plays again after an outage
            while queue and not self._stop.is_set():
                preset = queue.pop(0)
                outcome, next_wanted = self._run_one(preset, store, session_id, latency, calibration,
                                                     run_number=len(runs) + 1, resumes=resumes)
                runs.append(outcome)
                resumes = None
                if next_wanted == "resume":  # the audio is back: this preset again, as the run's next segment
                    queue.insert(0, preset)
                    resumes = outcome.run_id
                elif next_wanted == "stop":
                    # At the console the therapist starts the next activity (or this one again);
                    # without one, stop ends the session.
                    if self.console is None or not self._wait_for_start(store, outcome.run_id, preset, len(runs)):
                        break
                    if not queue:
                        queue.append(preset)
            if self._stop.is_set():
                ended = self._stop_reason
            if self._outage is not None:
                ended += " (the audio had not returned)"
            failed = False
        finally:
            sys.setswitchinterval(switch_interval)
            if self.console is not None:
                self.console.publish(dataclasses.replace(self.console.status, state="saving"))
                self.console.close()
                self.console = None
                self.log = self._log_before_console
            try:
                self.writer.close()  # every batch handed over is written (or its failure raised)
            finally:
                try:
                    store.close_session(session_id, status="incomplete" if failed else "complete")
                finally:
                    self.close()  # audio lost to an outage is left alone (close)
        origin = first_start_frame(r.start_frame for r in runs)
        writer = {"writes": self.writer.writes, "max_batch_gap_ms": round(1000 * self._max_batch_gap_s, 1),
                  "max_wait_ms": round(1000 * self.writer.max_wait_s, 1),
                  "max_write_ms": round(1000 * self.writer.max_write_s, 1)}
        return LiveOutcome(session_id, tuple(runs), origin, self.sample_rate, ended, self._engine_stats(),
                           self._midi_stats(), tuple(self._outages(store, session_id)), writer)

    def _engine_stats(self) -> dict[str, Any]:
        """The callback's counters over every stream of the session (frames: the last one's
        clock), and the JACK cycles the engine missed (None without JACK)."""
        states = [e.state for e in self._lost] + [self.state]
        each = [st.stats() for st in dict.fromkeys(states)]
        stats = {k: sum(d[k] for d in each) for k in each[-1]}
        stats["frames"], stats["active_max"] = each[-1]["frames"], max(d["active_max"] for d in each)
        missed = self._missed_frames_lost + (self.frame_map.missed_frames if self._outage is None else 0)
        stats["missed_cycles"] = missed // self.period_frames if self.period_frames else None
        stats["streams"] = len(each)
        return stats

    def _midi_stats(self) -> dict[str, Any]:
        if not self.jack_midi:
            return {"path": "rtmidi", "filtered": self.midi.filtered}
        clients = dict.fromkeys([e.midi_client for e in self._lost] + [self.midi_client])
        each = [c.stats() for c in clients if c is not None]
        return {k: sum(d[k] for d in each) for k in each[-1]}

    def _outages(self, store: Store, session_id: str) -> list[dict[str, Any]]:
        """The session's outages with how long each lasted and how long reopening took."""
        by_id = {r["outage_id"]: r for r in self.resumes}
        out = []
        for o in store.session_outages(session_id):
            back = by_id.get(o["id"])
            out.append({"outage_id": o["id"], "run_id": o["run_id"], "start_frame": o["start_frame"],
                        "end_frame": o["end_frame"], "device": o["device"],
                        "reopen_s": None if back is None else back["reopen_s"],
                        "timeline_error_frames": None if back is None else back["timeline_error_frames"]})
        return out

    def _wait_for_audio(self, edges: _Edges, timeout_s: float = 5.0) -> tuple[int, int]:
        """Wait for the first block of the stream of ``edges``: its (frame, CLOCK_MONOTONIC ns)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            rows = edges.state.take_rows()
            if len(rows):
                edges.frame_map.update(rows[:, [R_FRAME, R_JACK_FRAME]])
                edges.host_clock.update(rows[:, [R_FRAME, R_HOST_NS]])
                return int(rows[0, R_FRAME]), int(rows[0, R_HOST_NS])
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
        return self.host_clock.frame_at(host_ns) if self.host_clock.ready else self._now_frame()

    def _devices(self) -> tuple[str, ...]:
        """One status line per device, for the console."""
        midi = "a source is connected" if self._midi_connected else "nothing connected"
        audio = f"audio: {self.driver.host_api}, {self.sample_rate} Hz"
        if self._outage is not None:
            lost_s = (time.monotonic_ns() - self._outage.stopped_ns) / 1e9
            audio = f"audio: LOST {lost_s:.0f} s ago, waiting for it (q ends and saves)"
        lines = [audio,
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

    def _publish(self, preset: Preset, run_number: int, state: str, activity=None) -> None:
        from live.ui.console import ConsoleStatus

        session_id, session_start = self._session
        now = self._now_frame()
        if self._outage is not None:
            state = "AUDIO LOST"
        self.console.publish(ConsoleStatus(
            session_id=session_id, client=self.options.client, activity=f"{preset.title} ({preset.name})",
            run_number=run_number, presets_left=len(self._queue), state=state, elapsed_s=(now - session_start) / self.sample_rate,
            numbers=activity.live_numbers(now) if activity is not None else (), devices=self._devices()))

    def _wait_for_start(self, store: Store, run_id: int, preset: Preset, run_number: int) -> bool:
        """Between runs, at the console: True when the therapist starts again (space, or the
        controller's start/stop), False when the session is to end (q, a signal). Inputs are
        not scored meanwhile; marks are kept (on the run just ended)."""
        self.log("stopped: space starts the next activity, q ends and saves the session")
        session_id = self._session[0]
        watch = StallWatch(self.options.stall_timeout_s)
        while not self._stop.is_set():
            rows = self.state.take_rows()
            if len(rows):
                self._clock_rows(rows)
            if self._outage is None and watch.stalled(self.engine.frame, time.monotonic()):
                self._lose_audio(store, run_id=None)
            elif self._outage is not None and self._try_resume(store):
                watch.restart(time.monotonic())
            start = False
            if self.touch is not None:
                self.touch.take()
            for msg in self.midi.take():
                control = self.options.controls.match(msg.status, msg.data1, msg.data2)
                start |= control is not None and control.action == "start_stop"
            for cmd in self.console.take():
                start |= cmd.action == "start_stop"
                if cmd.action == "quit":
                    self.request_stop("ended by the therapist at the console")
                elif cmd.action == "mark":
                    self.writer.submit(store.add_note, session_id, cmd.text, run_id=run_id,
                                       frame=self._console_frame(cmd.host_ns))
                    self.log(f"marked: {cmd.text}")
            if start and self._outage is None:
                return True
            if start:
                self.log("the audio is not back yet: the next activity starts when it is (q ends and saves)")
            self._publish(preset, run_number, "stopped")
            time.sleep(self.options.control_period_s)
        return False

    def _run_one(self, preset: Preset, store: Store, session_id: str, latency: dict[str, int],
                 calibration: dict | None, run_number: int = 1,
                 resumes: int | None = None) -> tuple[RunOutcome, str]:
        """Play one preset; returns its outcome and what comes next: ``"next"`` preset,
        ``"stop"`` (the therapist stopped the run) or ``"resume"`` (the audio was lost and is
        back: this preset again, as the next segment of this run). ``resumes``: the run this one
        plays again after an outage."""
        opts, sr, engine = self.options, self.sample_rate, self.engine
        params = preset.params
        activity_cls = activity_class(preset.activity)
        if opts.duration_s is not None:
            params = activity_cls.with_phase_length(params, opts.duration_s)
        activity = activity_cls(params)
        start_frame = engine.frame + opts.start_delay_frames
        outage_id = self.resumes[-1]["outage_id"] if resumes is not None and self.resumes else None
        run_id = store.create_run(session_id, activity=preset.activity, preset_name=preset.name,
                                  preset_path=str(preset.path), params=dataclasses.asdict(params),
                                  start_frame=start_frame, calibration=calibration,
                                  playback=self._playback(), resumes_run_id=resumes, outage_id=outage_id)
        activity.start(ActivityContext(sr, start_frame, frozenset(self.bank.slices)))
        again = f", played again after the audio came back (it resumes run {resumes})" if resumes is not None else ""
        self.log(f"run {run_id}: {preset.name} ({preset.title}){again}")
        if self.touch is not None:
            self.touch.set_layout(preset.screen)
        touch_sound = opts.pad_sound if preset.screen.feedback else None
        sounds, inputs, responses, controls = [], [], [], []
        last_flush = time.monotonic()
        watch = StallWatch(opts.stall_timeout_s)
        last_port_check = 0.0
        next_wanted, end_now = "next", False
        while True:
            rows = self.state.take_rows()
            if len(rows):
                self._clock_rows(rows)
            now = engine.frame
            wall = time.monotonic()
            if self._outage is None and watch.stalled(now, wall):
                # The audio is gone: the run ends at the last frame heard (its later beats never
                # sounded), and takes what still arrives until the audio is back or the session ends.
                activity.stop(until_frame=now)
                self._lose_audio(store, run_id)
            elif self._outage is not None and self._try_resume(store):
                next_wanted, end_now = "resume", True
            playing = self._outage is None and not end_now
            if playing:
                for sound in activity.plan(now + opts.lookahead_frames):
                    engine.schedule(sound)
                    sounds.append(sound)
                    if opts.midi_out is not None and sound.cue_index is not None:
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
                    if playing and not self.jack_midi and opts.pad_sound is not None and msg.data1 not in self._bound:
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
                for ev in self._touch_step(cues, latency.get("touch", 0), touch_sound if playing else None, sounds):
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
                effect = activity.on_control(ControlEvent(frame, action, value))
                if action == "start_stop":
                    effect, next_wanted = "run stopped by the therapist", "stop"
                elif action == "next_activity":
                    effect, next_wanted = "next activity", "next"
                controls.append((frame, action, value, effect))
                if effect:
                    self.log(effect)
                if action in ("start_stop", "next_activity"):
                    end_now = True
            if self.console is not None:
                self._publish(preset, run_number, "playing", activity)
            if self._outage is None and wall - last_port_check > 1.0:
                last_port_check = wall
                self._watch_midi_port()
            # The activity ends at its own planned end (every phase of a protocol: baseline, cued
            # phases, continuation), whatever --duration made each phase's length.
            finished = (playing and activity.is_finished(now)) or self._stop.is_set() or end_now
            if finished or wall - last_flush >= opts.flush_period_s:
                self.writer.submit(store.add_batch, run_id, sounds=sounds, inputs=inputs,
                                   responses=responses, controls=controls)  # one transaction
                self._max_batch_gap_s = max(self._max_batch_gap_s, wall - last_flush)
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
        segment = self._segments.get(resumes, 0) + 1 if resumes is not None else 1
        self._segments[run_id] = segment
        return RunOutcome(run_id, preset.name, preset.activity, summary.metrics, tuple(final), summary.phases, start_frame,
                          segment, resumes), next_wanted

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
        self.touch.send_cues((c.index, clock.host_ns_at(c.frame) + self._heard_after_ns, c.accent) for c in cues)
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
        """Stop audio, MIDI and the client screen (idempotent). Audio lost to an outage is not
        touched (its clean-up would block: :mod:`live.engine.portaudio_instance`)."""
        if getattr(self, "touch", None) is not None:
            self.touch.close()
            self.touch = None
        if self._outage is not None:  # a reopening may be under way on its thread: leave what it opens
            from live.engine.portaudio_instance import leave_for_good

            leave_for_good()
        try:
            if self.driver is not None and self._outage is None:
                self.driver.close()
        finally:
            if self.jack_midi:
                if self.midi_client is not None and self._outage is None:
                    self.midi_client.close()
            elif self.midi is not None:
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


def outages_json(outcome: LiveOutcome) -> list[dict[str, Any]]:
    """The session's audio outages as ``live run --json`` prints them: ``start_time_s`` (the
    last moment heard) and ``end_time_s`` (the audio back; None when it had not returned when
    the session ended), in seconds on the session's one timeline (as ``responses``),
    ``lost_s`` their difference, ``reopen_s`` how long opening the audio again took once the
    device was there, ``timeline_error_ms`` how far the new stream's first block is from where
    the monotonic clock puts it (the stream starts a moment after its first frame is chosen:
    positive = its frames are ahead), ``run_id`` the run it cut short (None between runs),
    ``device``."""
    sr, t0 = outcome.sample_rate, outcome.origin_frame
    out = []
    for o in outcome.outages:
        end, error = o["end_frame"], o["timeline_error_frames"]
        out.append({"start_time_s": (o["start_frame"] - t0) / sr,
                    "end_time_s": None if end is None else (end - t0) / sr,
                    "lost_s": None if end is None else (end - o["start_frame"]) / sr,
                    "reopen_s": o["reopen_s"], "timeline_error_ms": None if error is None else 1000 * error / sr,
                    "run_id": o["run_id"], "device": o["device"]})
    return out


def responses_json(outcome: LiveOutcome) -> list[dict[str, Any]]:
    """Every scored response of the session, as ``live run --json`` prints them: the same
    shape and the same time origin as ``live export --format json``
    (:func:`live.store.exports.json_doc.response_json`).

    ``time_s``: seconds from the session's start (the first run's start frame) on the engine
    clock, after the input path's latency correction; then the input's ``source``, ``note`` and
    ``velocity``, its target's time on the same clock and its error (1000 x (time_s - target's
    time)), named as the run's activity declares, and the extra fields it declares.
    """
    from live.store.declared import declared
    from live.store.exports.json_doc import scored_json

    sr, t0 = outcome.sample_rate, outcome.origin_frame
    return [scored_json(r, t0, sr, declared(run.activity)) for run in outcome.runs for r in run.responses]
