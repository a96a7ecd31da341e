"""A live session: the session loop (:mod:`live.run.session`) on the live edges, the audio device
(:mod:`live.run.live_audio`), MIDI (JACK or rtmidi), a microphone, the client's touch screen,
the therapist's console and the store writer's thread; every input scored and stored as the
session goes, and nothing lost when it stops.

:class:`LiveSetup` opens the devices (so a command can say at once what is missing, and read
the calibrations for the sample rate they opened at); :meth:`LiveSetup.run` builds the input
sources, each with the client it belongs to and its path's latency, and plays the presets.

Realtime-safe: no (control thread).
"""

from __future__ import annotations

import signal
import sys
from typing import Any, Callable, Sequence

from live.engine.events import ScheduledSound
from live.run.live_audio import LiveAudio
from live.run.live_writer import ThreadedWriter
from live.run.loop import Edges, Feedback
from live.run.options import LiveOptions, SessionError
from live.run.outcome import SessionOutcome
from live.run.plain import LogConsole, NoScreen
from live.run.session import Session, SessionSettings
from live.run.sources.midi import JackMidiPort, MidiSource, RtMidiPort, rtmidi_pad

__all__ = ["GM_ACCENT_NOTE", "GM_BEAT_NOTE", "LiveSetup", "MidiOut", "install_signal_handlers"]

GM_ACCENT_NOTE, GM_BEAT_NOTE = 76, 77  # General MIDI percussion: Hi / Low Wood Block


class MidiOut:
    """Sends every cue to ``live-midi:out`` (an external sound module) as a General MIDI
    percussion note on channel 10 at the JACK frames it plays at (accent: Hi Wood Block, else
    Low Wood Block), note-off 50 ms later (a :class:`~live.run.edges.Listener`)."""

    def __init__(self, audio: LiveAudio):
        self.audio = audio

    def run_started(self, activity: type, params: Any, start_frame: int) -> None:
        pass

    def planned(self, sounds: Sequence[ScheduledSound], until_frame: int) -> None:
        stream, sr = self.audio.stream, self.audio.sample_rate
        for sound in sounds:
            jack = stream.frame_map.jack_frame(sound.frame) if sound.cue_index is not None else None
            if jack is None:
                continue
            note = GM_ACCENT_NOTE if sound.sound.endswith("_accent") else GM_BEAT_NOTE
            velocity = max(1, min(127, round(sound.gain * 127)))
            stream.midi_client.send(jack, bytes([0x99, note, velocity]))
            stream.midi_client.send(jack + sr // 20, bytes([0x89, note, 0]))


class LiveSetup:
    """The live devices, open: audio (and JACK MIDI), the MIDI port, the client screen.

    Parameters
    ----------
    options : LiveOptions
    log : callable, optional
        One line for the therapist (default: ``live: ...`` on stderr).

    Raises
    ------
    SessionError
        When a device or port asked for is not there (the message lists what is).
    """

    def __init__(self, options: LiveOptions, *, log: Callable[[str], None] | None = None):
        from live.engine.jack_midi import JackMidiClient, JackUnavailable
        from live.engine.system_parts import jack_server_missing

        self.options = options
        self.log = log or (lambda line: print(f"live: {line}", file=sys.stderr, flush=True))
        if options.midi_backend not in ("auto", "jack", "rtmidi"):
            raise SessionError(f"midi backend {options.midi_backend!r}: must be auto, jack or rtmidi")
        midi_client = None  # MIDI through our JACK client when a server runs, else python-rtmidi
        if options.midi_backend in ("auto", "jack"):
            try:
                midi_client = JackMidiClient("live-midi")
            except JackUnavailable as exc:
                if options.midi_backend == "jack":
                    raise SessionError(str(exc) if "libjack" in str(exc) else
                                       str(jack_server_missing("--midi-backend jack takes MIDI from it"))) from None
        jack_midi = midi_client is not None
        if not jack_midi and options.midi_out is not None:
            raise SessionError(str(jack_server_missing("--midi-out sends each beat at its exact JACK frame")))
        self.bound = options.controls.bound_notes()
        pads = {} if options.pad_sound is None else {
            note: (options.pad_sound, 0.8) for note in range(128) if note not in self.bound}
        self.audio = LiveAudio(options, midi_client=midi_client, pad_notes=pads, log=self._log)
        self.sample_rate = self.audio.sample_rate
        self.link = None
        self.midi: JackMidiPort | RtMidiPort | None = None
        self._session: Session | None = None
        self._stop_before = ""
        try:
            self.midi = (JackMidiPort(self.audio, midi_in=options.midi_in, midi_out=options.midi_out, log=self._log)
                         if jack_midi else RtMidiPort(self.audio, midi_in=options.midi_in, api=options.rtmidi_api,
                                                      log=self._log))
            if options.touch:
                from live.ui.link import ScreenUnavailable, TouchLink

                try:
                    self.link = TouchLink(display=options.display, window=options.window,
                                          display_latency_ms=options.display_latency_ms, log=self._log)
                except ScreenUnavailable as exc:
                    raise SessionError(str(exc)) from None
                w, h = self.link.ready_info["size"]
                self.log(f"client screen on display {options.display} ({w}x{h}), beat cue drawn "
                         f"{self.link.ready_info['display_latency_ms']:g} ms early")
        except BaseException:
            self.close()
            raise

    def _log(self, line: str) -> None:
        self.log(line)

    def request_stop(self, reason: str) -> None:
        """End the session at the next control step (thread- and signal-safe)."""
        if self._session is not None:
            self._session.request_stop(reason)
        else:
            self._stop_before = self._stop_before or reason

    def playback(self) -> dict[str, Any]:
        """How pads sound, stored with each run so its audio can be rendered again exactly."""
        return {"channels": self.audio.stream.state.channels, "pad_sound": self.options.pad_sound, "pad_gain": 0.8,
                "pad_delay_frames": self.audio.pad_delay_frames(), "pad_source": "midi",
                "silent_notes": sorted(self.bound)}

    def run(self, presets: Sequence[Any], *, store: Any, latency_frames: dict[str, int] | None = None,
            calibration: dict | None = None) -> SessionOutcome:
        """Play ``presets`` one after the other (the therapist's next-activity control skips
        ahead), store everything, and return when the last ends or the session is stopped; the
        devices are closed when it returns.

        Raises
        ------
        SessionError
            When a port asked for is not there or the audio does not start.
        """
        opts, audio, latency = self.options, self.audio, latency_frames or {}
        try:
            chosen, outs = self.midi.connect()  # a port asked for that is not there: SessionError
            if chosen:
                self.log(f"MIDI input from {', '.join(chosen)}")
            if outs:
                self.log(f"beats also sent as MIDI to {', '.join(outs)}")
            audio.start()
            touch_delay = round(opts.touch_pad_delay_s * audio.sample_rate)
            feedback = Feedback(audio, delays={"midi": latency.get("midi", 0) + audio.pad_delay_frames(),
                                               "touch": latency.get("touch", 0) + touch_delay},
                                default_delay_frames=audio.pad_delay_frames(), lead_frames=64,
                                note_table=audio.use_note_table)
            pad = (rtmidi_pad(feedback, sound=opts.pad_sound, delay_frames=audio.pad_delay_frames(),
                              silent_notes=self.bound, therapist_channels=opts.controls.therapist_channels)
                   if self.midi.path == "rtmidi" and opts.pad_sound is not None else (lambda msg: None))
            sources: list[Any] = [MidiSource(self.midi, controls=opts.controls, client=opts.client,
                                             latency_frames=latency.get("midi", 0), pad=pad)]
            if opts.mic:
                from live.run.sources.mic import MicSource

                sources.append(MicSource(audio, client=opts.client, threshold=opts.mic_threshold,
                                         latency_frames=latency.get("mic", 0), reject_bleed=opts.mic_reject_bleed))
            if opts.voice:
                from live.run.sources.voice import VoiceSource

                sources.append(VoiceSource(audio, client=opts.client, latency_frames=latency.get("mic", 0),
                                           reject_bleed=opts.mic_reject_bleed))
            screen: Any = NoScreen("none (--headless)")
            if self.link is not None:
                from live.run.sources.touch import TouchScreen

                screen = TouchScreen(self.link, audio, feedback, client=opts.client,
                                     latency_frames=latency.get("touch", 0), pad_sound=opts.pad_sound,
                                     pad_delay_frames=touch_delay,
                                     display=opts.display, log=self._log)
                sources.append(screen)
            console: Any = LogConsole(self.log)
            keys = self._console() if opts.console else None
            if keys is not None:
                console = keys
                sources.append(keys)
            listeners = [MidiOut(audio)] if opts.midi_out is not None else []
            edges = Edges(audio=audio, sources=sources, listeners=listeners,
                          writer=ThreadedWriter(store, opts.flush_period_s), console=console, screen=screen,
                          feedback=feedback)
            settings = SessionSettings(
                clients=(opts.client,), realtime=True, lookahead_frames=opts.lookahead_frames,
                start_delay_frames=opts.start_delay_frames, phase_length_s=opts.duration_s, calibration=calibration,
                playback=self.playback, songs=opts.songs,
                greeting=f"audio on {audio.stream.driver.host_api}, MIDI through {self.midi.path}; "
                         "Ctrl-C ends it and saves it")
            self._session = Session(edges, store, settings)
            if self._stop_before:
                self._session.request_stop(self._stop_before)
            # The control thread must get the GIL back quickly from any busy Python thread: a
            # 0.2 ms switch interval instead of CPython's 5 ms while the session runs. Each call of
            # a control step that releases the GIL waits up to one interval to get it back; at
            # 1 ms a busy thread held steps up 100-135 ms, past the 100 ms look-ahead, in 8 of 9
            # 30-s runs on a 2-core VM (docs/performance.md, "The 30-s busy-thread live run").
            switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(0.0002)
            try:
                return self._session.run(presets)
            finally:
                sys.setswitchinterval(switch_interval)
        finally:
            self.close()

    def _console(self) -> Any:
        """The therapist's console on the terminal (None when it cannot start)."""
        from live.run.sources.console import ConsoleKeys
        from live.ui.console import Console

        console = Console()
        console.start()
        if console.error is not None:
            self.log(f"no console ({console.error}); keys are not read")
            console.close()
            return None
        keys = ConsoleKeys(console, self.audio, self.log)
        self.log = keys.log
        return keys

    def midi_stats(self) -> dict[str, Any]:
        """The MIDI path's counters (``live run --json``'s ``midi``)."""
        return self.midi.stats()

    def close(self) -> None:
        """Stop audio, MIDI and the client screen (idempotent)."""
        if self.link is not None:
            self.link.close()
            self.link = None
        try:
            self.audio.close()
        finally:
            if self.midi is not None:
                self.midi.close()


def install_signal_handlers(setup: LiveSetup) -> None:
    """Ctrl-C and SIGTERM end the session cleanly (it is saved)."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda signum, frame: setup.request_stop(f"stopped by {signal.Signals(signum).name}"))
