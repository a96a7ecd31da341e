"""A session: presets played one after the other on the session's edges, everything stored.

The same for ``live demo`` (offline, a simulated client) and ``live run`` (live): the edges
differ (:mod:`live.run.offline`, :mod:`live.run.live`), this does not. Each preset is one run
(:class:`live.run.loop.RunLoop`); the therapist's next-activity control skips ahead, and their
stop ends the run (with a console, the session then waits for them to start the next one).
When the audio goes away the session stays open (:mod:`live.run.outage`): the run playing ends
at the last frame heard, and when the audio is back the same preset plays again as that run's
next segment, its frames continuing the session's timeline.

Realtime-safe: no (control thread).
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any, Callable, Sequence

from live.activities.registry import activity_class
from live.activities.types import ActivityContext, KeepsAudio, LiveNumber
from live.run.edges import AudioBack, AudioLost, ConsoleView
from live.run.loop import Edges, RunLoop
from live.run.outage import Outage, back_message, lost_message
from live.run.outcome import RunOutcome, SessionOutcome
from live.store.exports import first_start_frame

__all__ = ["Session", "SessionSettings"]


@dataclasses.dataclass(frozen=True, slots=True)
class SessionSettings:
    """How a session runs its presets.

    Parameters
    ----------
    clients : tuple of str
        The clients' pseudonymous codes (each input source stamps one of them, or None for the
        therapist).
    simulated : bool
        Flag the session as simulated in the store (``live demo``).
    realtime : bool
        The clock runs in real time (``live run``): told to each activity (its context).
    lookahead_frames : int
        How far ahead sounds are planned (~100 ms).
    start_delay_frames : int
        A run starts this long after it is opened (its first sound, or its baseline).
    phase_length_s : float, optional
        Each phase's length (``live run --duration``), through the activity's
        ``with_phase_length``; None keeps the presets'.
    calibration : dict, optional
        The latency corrections the inputs were given, stored with each run.
    playback : callable
        How pads sound (stored with each run so its audio can be rendered again), or None.
    greeting : str
        What the session's first line says after its id and client (its devices).
    songs : live.songs.library.FixedSongs, optional
        The library as the session's songs were rendered from it: each run records the songs
        its params name (the activity's ``song_names``) from it, with their beats then.
    """

    clients: tuple[str, ...]
    simulated: bool = False
    realtime: bool = False
    lookahead_frames: int = 4800
    start_delay_frames: int = 24000
    phase_length_s: float | None = None
    calibration: dict[str, Any] | None = None
    playback: Callable[[], dict[str, Any] | None] = lambda: None
    greeting: str = "offline"
    songs: Any = None


class Session:
    """Plays presets on ``edges`` and stores everything in ``store``.

    Parameters
    ----------
    edges : live.run.loop.Edges
    store : live.store.store.Store
    settings : SessionSettings
    """

    def __init__(self, edges: Edges, store: Any, settings: SessionSettings) -> None:
        self.edges = edges
        self.store = store
        self.settings = settings
        self._stop = threading.Event()
        self._stop_reason = ""
        self._outage: Outage | None = None
        self._resumes: list[dict[str, Any]] = []   # one per outage the audio came back from
        self._segments: dict[int, int] = {}        # run id -> its segment
        self._queue: list[Any] = []
        self.session_id = ""
        self._session_start = 0

    def log(self, line: str) -> None:
        self.edges.console.log(line)

    # --- asked by the run loop ----------------------------------------------------------------
    def request_stop(self, reason: str) -> None:
        """End the session at the next control step (thread- and signal-safe)."""
        self._stop_reason = self._stop_reason or reason
        self._stop.set()

    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def audio_lost(self, lost: AudioLost, run_id: int | None) -> None:
        """The stream stopped: record the outage (after every batch before it) and say so."""
        self.edges.writer.flush()
        outage_id = self.store.begin_outage(self.session_id, start_frame=lost.frame, device=lost.device,
                                            run_id=run_id, started_at=lost.started_at)
        self._outage = Outage(lost.frame, lost.stopped_ns, lost.started_at, lost.device, outage_id, run_id)
        elapsed_s = (lost.frame - self._session_start) / self.edges.audio.sample_rate
        self.log(lost_message(self._outage, elapsed_s=elapsed_s, reason=lost.reason))

    def audio_back(self, back: AudioBack) -> None:
        """The audio plays again: record the outage's end and say so."""
        outage, self._outage = self._outage, None
        self._resumes.append({"outage_id": outage.outage_id, "start_frame": outage.start_frame,
                              "end_frame": back.frame, "reopen_s": back.reopen_s,
                              "timeline_error_frames": back.timeline_error_frames})
        self.store.end_outage(outage.outage_id, end_frame=back.frame, ended_at=back.ended_at)
        self.log(back_message(outage, end_frame=back.frame, sample_rate=self.edges.audio.sample_rate,
                              reopen_s=back.reopen_s, host_api=back.host_api))

    def view(self, preset: Any, run_number: int, state: str, numbers: tuple[LiveNumber, ...] = ()) -> ConsoleView:
        """The console's picture of the session now."""
        e = self.edges
        now = e.audio.now_frame()
        return ConsoleView(
            session_id=self.session_id, client=", ".join(self.settings.clients),
            activity=f"{preset.title} ({preset.name})", run_number=run_number, presets_left=len(self._queue),
            state="AUDIO LOST" if self._outage is not None else state,
            elapsed_s=(now - self._session_start) / e.audio.sample_rate, numbers=numbers,
            devices=(e.audio.status(), *(edge.status() for edge in dict.fromkeys([*e.sources, e.screen])
                                         if edge is not e.console)))

    # --- the session --------------------------------------------------------------------------
    def run(self, presets: Sequence[Any]) -> SessionOutcome:
        """Play ``presets`` in turn and return when the last ends or the session is stopped;
        the session is stored complete, or incomplete when something failed."""
        e, s = self.edges, self.settings
        self._session_start = e.audio.now_frame()
        self.session_id = self.store.create_session(client_codes=list(s.clients), simulated=s.simulated,
                                                    sample_rate=e.audio.sample_rate)
        self.log(f"session {self.session_id} for client {', '.join(s.clients)}: {s.greeting}")
        loop = RunLoop(e, self.store, self.session_id, lookahead_frames=s.lookahead_frames, session=self,
                       log=self.log)
        runs: list[RunOutcome] = []
        ended = "finished"
        failed = True  # until the presets are played: an exception leaves the session incomplete
        try:
            self._queue = list(presets)
            resumes: int | None = None  # the run the next one plays again after an outage
            while self._queue and not self._stop.is_set():
                preset = self._queue.pop(0)
                outcome, next_wanted = self._run_one(loop, preset, run_number=len(runs) + 1, resumes=resumes)
                runs.append(outcome)
                resumes = None
                if next_wanted == "resume":  # the audio is back: this preset again, as the run's next segment
                    self._queue.insert(0, preset)
                    resumes = outcome.run_id
                elif next_wanted == "stop":
                    if not e.console.waits_for_start or not self._wait_for_start(outcome.run_id, preset, len(runs)):
                        break
                    if not self._queue:
                        self._queue.append(preset)  # no other preset planned: this one again
            if self._stop.is_set():
                ended = self._stop_reason
            if self._outage is not None:
                ended += " (the audio had not returned)"
            failed = False
        finally:
            try:
                e.console.close()  # shows "saving" until the writer is done
                e.writer.close()  # every batch handed over is written (or its failure raised)
            finally:
                self.store.close_session(self.session_id, status="incomplete" if failed else "complete")
        return SessionOutcome(
            self.session_id, tuple(runs), first_start_frame(r.start_frame for r in runs), e.audio.sample_rate,
            ended, e.audio.stats(), tuple(self._outages()), e.writer.stats())

    def _run_one(self, loop: RunLoop, preset: Any, *, run_number: int, resumes: int | None
                 ) -> tuple[RunOutcome, str]:
        e, s = self.edges, self.settings
        cls = activity_class(preset.activity)
        params = preset.params if s.phase_length_s is None else cls.with_phase_length(preset.params, s.phase_length_s)
        activity = cls(params)
        start_frame = e.audio.now_frame() + s.start_delay_frames
        outage_id = self._resumes[-1]["outage_id"] if resumes is not None and self._resumes else None
        playback = s.playback()
        if playback and cls.plays_inputs:  # the client's own sounds are stored with the run's sounds;
            playback = {**playback, "pad_inputs": "therapist"}  # the therapist's notes play the pads
        run_id = self.store.create_run(
            self.session_id, activity=preset.activity, preset_name=preset.name, preset_path=str(preset.path),
            params=dataclasses.asdict(params), start_frame=start_frame, calibration=s.calibration,
            playback=playback, resumes_run_id=resumes, outage_id=outage_id)
        song_names = getattr(cls, "song_names", None)
        if s.songs is not None and song_names is not None:  # the beats its cue was rendered with
            self.store.record_run_songs(run_id, s.songs.used(song_names(params)))
        activity.start(ActivityContext(e.audio.sample_rate, start_frame, e.audio.sound_names,
                                       session_start_frame=self._session_start, realtime=s.realtime))
        e.feedback.use_activity_sounds(cls.plays_inputs)
        e.feedback.follow(activity, start_frame)
        for listener in e.listeners:
            listener.run_started(cls, params, start_frame)
        again = f", played again after the audio came back (it resumes run {resumes})" if resumes is not None else ""
        self.log(f"run {run_id}: {preset.name} ({preset.title}){again}")
        e.screen.set_layout(preset.screen)
        next_wanted, end_frame = loop.play(
            activity, run_id=run_id, start_frame=start_frame,
            describe=lambda state, numbers=(): self.view(preset, run_number, state, numbers))
        summary = activity.summary()
        final = activity.final_responses()
        kept = activity.take_audio_clips() if isinstance(activity, KeepsAudio) else []
        if kept:  # windows it finished as the run ended (scored above)
            e.writer.batch(run_id, sounds=[], inputs=[], responses=[], controls=[], audio=kept)
        e.writer.flush()
        self.store.close_run(run_id, summary=summary, final_responses=final, end_frame=end_frame)
        segment = self._segments.get(resumes, 0) + 1 if resumes is not None else 1
        self._segments[run_id] = segment
        return RunOutcome(run_id, preset.name, preset.activity, summary, tuple(final), start_frame, end_frame,
                          segment, resumes), next_wanted

    def _wait_for_start(self, run_id: int, preset: Any, run_number: int) -> bool:
        """Between runs, at the console: True when the therapist starts again (their start/stop
        control), False when the session is to end (q, a signal). Inputs are not scored nor
        stored meanwhile; marks are kept (on the run just ended)."""
        e = self.edges
        self.log("stopped: space starts the next activity, q ends and saves the session")
        change: AudioLost | AudioBack | None = None
        while not self._stop.is_set():
            if isinstance(change, AudioLost):
                self.audio_lost(change, run_id=None)
            elif isinstance(change, AudioBack):
                self.audio_back(change)
            start = False
            for source in e.sources:
                for control in source.poll(e.audio.now_frame()).controls:
                    start |= control.action == "start_stop"
                    if control.action == "quit":
                        self.request_stop("ended by the therapist at the console")
                    elif control.action == "mark":
                        e.writer.call(self.store.add_note, self.session_id, control.text or "", run_id=run_id,
                                      frame=control.frame)
                        self.log(f"marked: {control.text}")
            if start and self._outage is None:
                return True
            if start:
                self.log("the audio is not back yet: the next activity starts when it is (q ends and saves)")
            e.console.show(lambda: self.view(preset, run_number, "stopped"))
            change = e.audio.step()
        return False

    def _outages(self) -> list[dict[str, Any]]:
        """The session's outages with how long each lasted and how long reopening took."""
        by_id = {r["outage_id"]: r for r in self._resumes}
        out = []
        for o in self.store.session_outages(self.session_id):
            back = by_id.get(o["id"])
            out.append({"outage_id": o["id"], "run_id": o["run_id"], "start_frame": o["start_frame"],
                        "end_frame": o["end_frame"], "device": o["device"],
                        "reopen_s": None if back is None else back["reopen_s"],
                        "timeline_error_frames": None if back is None else back["timeline_error_frames"]})
        return out
