"""The audio edge of a live session: the engine on a PortAudio stream (and, under JACK, our JACK
MIDI client on the same server), stepped in real time, lost and opened again when the device or
server goes away and comes back (:mod:`live.run.outage`).

Each :meth:`LiveAudio.step` sleeps one control period, reads the sampler's block rows (they map
JACK frames and host time onto engine frames) and says whether the stream stalled
(:class:`~live.run.edges.AudioLost`) or, during an outage, whether a new stream plays
(:class:`~live.run.edges.AudioBack`), opened on a worker thread so the loop never waits on it.
What hangs on a stream (the JACK MIDI input, the microphone's onsets, rtmidi's clock) is told
of each new one through :meth:`LiveAudio.on_new_stream`.

Realtime-safe: no (control thread; the callback runs behind it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Mapping

from live.engine.clock import FrameMap, HostClock
from live.engine.engine import Engine
from live.engine.events import Release, ScheduledSound
from live.engine.jack_midi import JackMidiClient, JackUnavailable, jack_ports, silence_jack_errors
from live.engine.midi import JackMidiInput
from live.engine.layout import R_FRAME, R_HOST_NS, R_JACK_FRAME
from live.engine.sampler import SamplerState
from live.run.edges import AudioBack, AudioLost
from live.run.options import LiveOptions, SessionError
from live.run.sounds import build_session_bank
from live.run.outage import Attempt, Outage, Retry, ServerWatch, StallWatch, close_within, resume_frame

__all__ = ["LiveAudio", "Stream"]

PLAY_OUT_TIMEOUT_S = 1.0  # closing waits at most this for the last released sounds' fades


@dataclass(slots=True)
class Stream:
    """One audio stream and what hangs on it: its sampler memory, driver and engine, the maps of
    its clock, and the JACK MIDI client it shares a server with (with its input on the engine
    clock), when MIDI comes through JACK."""

    state: SamplerState
    driver: Any
    engine: Engine
    frame_map: FrameMap
    host_clock: HostClock
    midi_client: JackMidiClient | None
    midi_in: JackMidiInput | None

    def clock_rows(self) -> None:
        rows = self.state.take_rows()
        if len(rows):
            self.frame_map.update(rows[:, [R_FRAME, R_JACK_FRAME]])
            self.host_clock.update(rows[:, [R_FRAME, R_HOST_NS]])

    def abandon(self) -> None:
        """Leave it with no call that could block on a server that has gone (the memory is
        kept by whoever keeps this)."""
        self.driver.abandon()
        if self.midi_client is not None:
            close_within(self.midi_client.close, 1.0, "live-midi")


class LiveAudio:
    """The live audio edge (:class:`live.run.edges.AudioEdge`).

    Parameters
    ----------
    options : LiveOptions
    midi_client : JackMidiClient or None
        Our JACK client ``live-midi``, open, when MIDI comes through JACK (a new one is opened
        with each stream after an outage); None with python-rtmidi.
    pad_notes : dict
        Under JACK, the notes whose pads the callback plays itself: note -> (sound, gain).
    log : callable
        One line for the therapist.

    Raises
    ------
    SessionError
        When the audio device cannot be opened (the message lists the devices there are).
    """

    def __init__(self, options: LiveOptions, *, midi_client: JackMidiClient | None, pad_notes: dict[int, tuple[str, float]],
                 log: Callable[[str], None]) -> None:
        from live.engine.live_driver import DeviceError
        from live.engine.system_parts import MissingPart

        self.options = options
        self.jack_midi = midi_client is not None
        self.pad_notes = pad_notes
        self._table: dict[int, tuple[str, float]] | None = None
        self._callback_reads_midi = False
        self.log = log
        self.bank = build_session_bank(options.notes, sample_rate=options.sample_rate, soundfont=options.soundfont,
                                       log=log, extra=options.sounds)
        self.sound_names = frozenset(self.bank.slices)
        self._outage: Outage | None = None
        self._lost: list[Stream] = []    # streams lost to outages: kept (the dead callbacks' memory), never used
        self._failed: list[Stream] = []  # streams opened during an outage that did not start: kept, never used
        self._missed_frames_lost = 0
        self._listeners: list[Callable[[Stream], None]] = []
        self._start_lag_ns = 0
        self._heard_after_ns = 0
        self._closed = False
        self._fading_until = 0  # the last fade a release of a planned sound began (its end frame)
        try:
            self.stream = self._open(midi_client)
        except (DeviceError, MissingPart, JackUnavailable) as exc:
            where = (f"--audio-device {options.audio_device}: "
                     if isinstance(exc, DeviceError) and options.audio_device else "")
            raise SessionError(f"{where}{exc}") from None
        self.sample_rate = self.stream.driver.sample_rate
        self.period_frames = self.stream.midi_client.period_frames if self.jack_midi else None
        self._watch = StallWatch(options.stall_timeout_s)

    # --- opening -------------------------------------------------------------------------------
    def _open(self, midi_client: JackMidiClient | None) -> Stream:
        """A new driver (its stream not open yet) on a new sampler memory, with the engine, clock
        maps and the JACK MIDI client around it; closes ``midi_client`` when it fails."""
        from live.engine.live_driver import LiveDriver

        opts = self.options
        state = SamplerState(self.bank, channels=2, in_channels=1 if opts.mic or opts.voice else 0)
        try:
            driver = LiveDriver(state, sample_rate=opts.sample_rate, device=opts.audio_device, jack_client_name="live")
        except BaseException:
            if midi_client is not None:
                close_within(midi_client.close, 1.0, "live-midi")
            raise
        frame_map = FrameMap()
        midi_in = None
        if midi_client is not None:
            state.use_jack_clock(midi_client.last_frame_time_address, midi_client.client_address)
            midi_in = JackMidiInput(midi_client, frame_map)
        return Stream(state, driver, Engine(driver, self.bank), frame_map, HostClock(), midi_client, midi_in)

    def use_note_table(self, table: Mapping[int, tuple[str, float]] | None) -> bool:
        """Under JACK, the MIDI note table the callback plays from: a run's activity's (note ->
        (bank sound, gain), e.g. each key's scale note on the preset's instrument) or, with
        None, the session's own pads; the therapist's channels always play the session's pads.
        True when the callback plays MIDI notes itself (JACK)."""
        self._table = None if table is None else dict(table)
        stream = getattr(self, "stream", None)
        if stream is None or stream.midi_client is None or not self._callback_reads_midi:
            return False
        stream.state.set_note_sounds(self._note_table(), **self._therapist_sounds())
        return True

    def _note_table(self) -> dict[int, tuple[str, float]]:
        return self.pad_notes if self._table is None else self._table

    def _therapist_sounds(self) -> dict[str, Any]:
        """The therapist's channels keep the session's pads whatever the run's activity plays
        for the client's keys."""
        return {"channel_sounds": self.pad_notes, "channels": self.options.controls.therapist_channels}

    def pad_delay_frames(self) -> int:
        """How long after its input frame a pad sounds: whole JACK periods, or rtmidi's delay."""
        opts = self.options
        return (opts.pad_delay_periods * self.period_frames if self.period_frames
                else round(opts.rtmidi_pad_delay_s * self.sample_rate))

    def _start(self, stream: Stream, start_frame: int | Callable[[], int] = 0) -> tuple[int, int]:
        """Start ``stream`` (its pads sounding from the callback under JACK), its clock counting
        from ``start_frame`` (or what it returns, asked just before the stream starts); returns
        once its first block has played, with that block's (frame, CLOCK_MONOTONIC ns)."""
        self._callback_reads_midi = bool(self.pad_notes or self._table) and stream.midi_client is not None
        if self._callback_reads_midi:
            stream.state.play_midi_notes(stream.midi_client.header, delay_frames=self.pad_delay_frames(),
                                         sounds=self._note_table(), **self._therapist_sounds())
        stream.driver.open()
        asked_ns = time.monotonic_ns()
        stream.state.start_at(start_frame() if callable(start_frame) else start_frame)
        stream.driver.start()
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            rows = stream.state.take_rows()
            if len(rows):
                stream.frame_map.update(rows[:, [R_FRAME, R_JACK_FRAME]])
                stream.host_clock.update(rows[:, [R_FRAME, R_HOST_NS]])
                first = int(rows[0, R_FRAME]), int(rows[0, R_HOST_NS])
                break
            time.sleep(0.005)
        else:
            raise SessionError("the audio stream did not start within 5 s")
        self._start_lag_ns = first[1] - asked_ns
        # A cue is heard the stream's output latency after its block is computed.
        self._heard_after_ns = round(stream.driver.output_latency_s * 1e9)
        return first

    def start(self) -> None:
        """Start the session's first stream.

        Raises
        ------
        SessionError
            When it cannot be opened or started.
        """
        from live.engine.live_driver import DeviceError

        try:
            self._start(self.stream)
        except DeviceError as exc:
            raise SessionError(str(exc)) from None
        self._watch.restart(time.monotonic())

    def on_new_stream(self, listener: Callable[[Stream], None]) -> None:
        """Call ``listener(stream)`` with each stream opened after an outage."""
        self._listeners.append(listener)

    # --- the AudioEdge protocol ----------------------------------------------------------------
    def now_frame(self) -> int:
        if self._outage is None:
            return self.stream.engine.frame
        return resume_frame(self._outage, time.monotonic_ns(), self.sample_rate)

    def playing(self) -> bool:
        return self._outage is None

    def schedule(self, sound: ScheduledSound, *, key: int = -1) -> None:
        self.stream.engine.schedule(sound, key=key)

    def release(self, key: int, frame: int) -> None:
        self.stream.engine.release(key, frame)

    def release_sound(self, release: Release) -> None:
        if self.stream.engine.release_sound(release):  # closing lets its fade play out (close)
            end = release.frame + self.bank[release.sound.sound].release_frames
            self._fading_until = max(self._fading_until, end)

    def host_ns_at(self, frame: int) -> int | None:
        clock = self.stream.host_clock
        return clock.host_ns_at(frame) + self._heard_after_ns if clock.ready else None

    def frame_at_host_ns(self, host_ns: int) -> int:
        clock = self.stream.host_clock
        return clock.frame_at(host_ns) if clock.ready and self._outage is None else self.now_frame()

    def step(self) -> AudioLost | AudioBack | None:
        time.sleep(self.options.control_period_s)
        self.stream.clock_rows()
        if self._outage is None:
            if self._watch.stalled(self.stream.engine.frame, time.monotonic()):
                return self._lose()
            return None
        return self._try_resume()

    def status(self) -> str:
        if self._outage is not None:
            lost_s = (time.monotonic_ns() - self._outage.stopped_ns) / 1e9
            return f"audio: LOST {lost_s:.0f} s ago, waiting for it (q ends and saves)"
        return f"audio: {self.stream.driver.host_api}, {self.sample_rate} Hz"

    def stats(self) -> dict[str, Any]:
        """The callback's counters over every stream of the session (frames: the last one's
        clock), and the JACK cycles the engine missed (None without JACK)."""
        states = [s.state for s in self._lost] + [self.stream.state]
        each = [st.stats() for st in dict.fromkeys(states)]
        stats = {k: sum(d[k] for d in each) for k in each[-1]}
        stats["frames"], stats["active_max"] = each[-1]["frames"], max(d["active_max"] for d in each)
        missed = self._missed_frames_lost + (self.stream.frame_map.missed_frames if self._outage is None else 0)
        stats["missed_cycles"] = missed // self.period_frames if self.period_frames else None
        stats["streams"] = len(each)
        return stats

    def midi_client_stats(self) -> dict[str, int]:
        """The JACK MIDI clients' counters, summed over every stream of the session."""
        clients = dict.fromkeys([s.midi_client for s in self._lost] + [self.stream.midi_client])
        each = [c.stats() for c in clients if c is not None]
        return {k: sum(d[k] for d in each) for k in each[-1]} if each else {}

    # --- losing and finding the audio ----------------------------------------------------------
    def _lose(self) -> AudioLost:
        """The stream stopped: leave it and its JACK MIDI client without any call that could
        block; from now on look for the audio again."""
        s = self.stream
        stopped_frame = s.state.frame
        now_ns = time.monotonic_ns()
        stopped_ns = s.host_clock.host_ns_at(stopped_frame) if s.host_clock.ready else now_ns
        started_at = datetime.now(timezone.utc) - timedelta(seconds=max(now_ns - stopped_ns, 0) / 1e9)
        device = f"audio on {s.driver.host_api}"
        s.abandon()
        self._lost.append(s)
        self._missed_frames_lost += s.frame_map.missed_frames
        self._outage = Outage(stopped_frame, stopped_ns, started_at, device, 0, None)
        self._retry = Retry(time.monotonic())
        self._server = ServerWatch()
        self._attempt: Attempt | None = None
        silence_jack_errors()  # the attempts to reopen fail until a server runs: not a line each
        self._retry_failures: set[str] = set()
        return AudioLost(stopped_frame, stopped_ns, started_at, device,
                         f"no audio for {self.options.stall_timeout_s:g} s")

    def _try_resume(self) -> AudioBack | None:
        """During an outage: look for the audio (at most every 0.25 s) and, once it is there,
        open it again on a worker thread; an :class:`AudioBack` once a new stream plays."""
        from live.run.outage import waiting_message

        outage = self._outage
        now_s = time.monotonic()
        if self._retry.remind(now_s):
            self.log(waiting_message(outage, now_ns=time.monotonic_ns()))
        if self._attempt is not None:
            status, result = self._attempt.poll(now_s)
            if status == "pending":
                return None
            attempt, self._attempt = self._attempt, None
            if status == "done":
                stream, first_frame, first_ns = result
                return self._resumed(stream, first_frame, first_ns, reopen_s=first_ns / 1e9 - attempt.started_s)
            why = (f"opening it took over {now_s - attempt.started_s:.0f} s; it is left and tried again"
                   if status == "timed out" else str(result))
            self._retry.back_off(now_s, 2.0)  # each attempt may cost a fresh PortAudio: not 4 a second
            if why not in self._retry_failures:
                self._retry_failures.add(why)
                self.log(f"the audio is not back yet: {why}")
            return None
        if not self._retry.due(now_s):
            return None
        if self.jack_midi and not self._server.settled(
                jack_ports(midi=True, outputs=True, client_name="live-probe") is not None, now_s):
            return None  # no JACK server yet, or one that has only just started (asked quietly)
        self._attempt = Attempt(lambda: self._reopen(outage), timeout_s=10.0)
        return None

    def _reopen(self, outage: Outage) -> tuple[Stream, int, int]:
        """Open the audio again (on the worker thread): the JACK MIDI client first, checked to
        run (a stalled graph would make PortAudio's open wait for minutes), then a fresh
        PortAudio stream whose first frame continues the timeline."""
        from live.engine.live_driver import DeviceError, release_portaudio

        midi_client = None
        if self.jack_midi:
            midi_client = JackMidiClient("live-midi")
            if not midi_client.wait_running():
                close_within(midi_client.close, 1.0, "live-midi")
                raise JackUnavailable("the JACK server answers but its graph does not run")
        try:
            stream = self._open(midi_client)  # closes the MIDI client when it fails
        except DeviceError:
            release_portaudio(terminate=not self.jack_midi)  # the next attempt lists the devices again
            raise
        try:
            # The first block plays a moment after its frame is chosen: as long as it took when
            # the session's stream started, so its frame is the one it plays at.
            first_frame, first_ns = self._start(
                stream, lambda: resume_frame(outage, time.monotonic_ns() + self._start_lag_ns, self.sample_rate))
        except BaseException:
            stream.abandon()  # opened but not playing: left like the lost ones
            self._failed.append(stream)
            raise
        return stream, first_frame, first_ns

    def _resumed(self, stream: Stream, first_frame: int, first_ns: int, *, reopen_s: float) -> AudioBack:
        outage = self._outage
        self.stream = stream
        if self.jack_midi:
            self.period_frames = stream.midi_client.period_frames
        # How far the new stream's first block is from where the monotonic clock puts it.
        ideal = outage.start_frame + (first_ns - outage.stopped_ns) * self.sample_rate / 1e9
        back_at = datetime.now(timezone.utc) - timedelta(seconds=max(time.monotonic_ns() - first_ns, 0) / 1e9)
        self._outage = None
        self._watch.restart(time.monotonic())
        for listener in self._listeners:
            listener(stream)
        return AudioBack(first_frame, back_at, reopen_s, first_frame - ideal, stream.driver.host_api)

    def close(self) -> None:
        """Stop the audio and the JACK MIDI client (idempotent), once the fades of the planned
        sounds released last have played (:meth:`_play_out`). Audio lost to an outage is not
        touched (its clean-up would block: :mod:`live.engine.portaudio_instance`)."""
        if self._outage is not None:  # a reopening may be under way on its thread: leave what it opens
            from live.engine.portaudio_instance import leave_for_good

            leave_for_good()
            return
        s = self.stream
        if self._closed:
            return
        self._play_out()
        self._closed = True
        try:
            s.driver.close()
        finally:
            if s.midi_client is not None:
                s.midi_client.close()

    def _play_out(self, timeout_s: float = PLAY_OUT_TIMEOUT_S) -> None:
        """Wait (at most ``timeout_s``) until the callback has played the fade of every planned
        sound released: a session ended by a signal closed the stream a few ms after its last
        step, cutting a stopped song mid-fade (12 ms after the stop; tests/test_song_stop_live.py)."""
        deadline = time.monotonic() + timeout_s
        while self.stream.engine.frame < self._fading_until and time.monotonic() < deadline:
            time.sleep(0.002)
