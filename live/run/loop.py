"""One run of an activity: the control loop that ``live demo`` and ``live run`` share.

Each control step (DESIGN.md section 3), in this order:

1. the audio edge says whether the audio went away or came back since the last step;
2. the activity plans every sound inside the look-ahead; each is scheduled on the engine,
   heard by the listeners (a simulated client, the MIDI output) and kept for the store; the
   releases the activity moved earlier (a held chord ended at a chord change) go to the engine
   and to the store (the stored sound's end frame);
3. every input source is polled: an input is stored, and scored by the activity unless it is
   the therapist's (``client`` None: handed to the activity's ``on_therapist_input``, whose
   controls, e.g. a chord recognised, are acted on like the controller's); the client's audio
   (a voice source's) goes to an activity that hears audio itself; a control is acted
   on (the run's own: ``start_stop``, ``next_activity``, ``mark``, ``quit``) or handed to the
   activity, and stored;
4. the activity's new cues go to the client's screen, its live numbers to the console;
5. what was gathered goes to the writer when a batch is due, or when the run ends.

A run ended early, however (the therapist's stop, next or quit control, a signal's stop of the
session, an outage), is stopped the same way: the activity's ``stop`` is told the frame it
ended at (the step that took the control or the signal; the last frame heard for an outage), and the
releases that gives (a song's queued slices) go to the engine and the store with the last batch.

Then the audio edge lets one step pass (offline it renders it; live it sleeps it). Everything
here goes through the edges of :mod:`live.run.edges`; an edge that is not there is not in the
lists, so this loop never asks whether something exists.

Realtime-safe: no (control thread).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

from live.activities.types import AudioChunk, ControlEvent, HearsAudio, InputSource, KeepsAudio, Response
from live.engine.events import InputEvent, Release, ScheduledSound
from live.engine.engine import CALLER_KEY_LIMIT
from live.engine.instruments import parse_note_sound
from live.run.edges import AudioBack, AudioEdge, AudioLost, BatchWriter, ConsoleEdge, ConsoleView, Control, Listener, ScreenEdge

if TYPE_CHECKING:
    from live.activities.protocol import Activity

KEY_LIMIT = CALLER_KEY_LIMIT  # release keys a caller may name: 0 .. 2**19 - 1 (the engine's own above)

__all__ = ["Edges", "Feedback", "RunLoop", "RUN_ACTIONS", "first_finished_frame"]

# Controls the run acts on itself (the activity is handed every other one).
RUN_ACTIONS = {"start_stop": "run stopped by the therapist", "next_activity": "next activity"}
RUN_ENDS = {"start_stop": "stop", "next_activity": "next"}


class Feedback:
    """Sounds an input starts in answer to it (a pad's own sound), scheduled while the audio
    plays; those ``stored`` go into the run's sounds (the session's audio can be rendered again
    from the store).

    Parameters
    ----------
    audio : AudioEdge
    delays : mapping of str to int
        By input source (``"sim"``, ``"touch"``, ``"midi"``): the fixed delay in frames after an
        input's frame at which a sound the activity gives it starts (so its latency is
        constant); a source not named gets ``default_delay_frames``.
    default_delay_frames : int
    lead_frames : int
        Such a sound never starts sooner than this after the engine's frame now (live: what
        the callback may already have passed; offline: 0).
    note_table : callable, optional
        Hands the audio callback the MIDI note table of a run whose activity gives its inputs
        their sounds (note -> (bank sound, gain); None: the session's own pads), and says
        whether the callback plays MIDI notes itself (under JACK, at the note's frame + the pad
        delay, GIL-free): then those notes' sounds are only stored from here, not scheduled.

    Attributes
    ----------
    by_activity : bool
        The run's activity gives its inputs their sounds (:meth:`Activity.input_sounds`,
        :meth:`Activity.note_sounds`): the sources' own pad sound stays silent. Set for each run
        by the session (:meth:`use_activity_sounds`).
    """

    def __init__(self, audio: AudioEdge, *, delays: Mapping[str, int] | None = None, default_delay_frames: int = 0,
                 lead_frames: int = 0,
                 note_table: Callable[[Mapping[int, tuple[str, float]] | None], bool] = lambda table: False) -> None:
        self.audio = audio
        self._note_table = note_table
        self.delays = dict(delays or {})
        self.default_delay_frames = default_delay_frames
        self.lead_frames = lead_frames
        self.by_activity = False
        self._midi_by_callback = False
        self._table: Any = None
        self._stored: list[ScheduledSound] = []
        self._held: dict[tuple[str | None, int | None], list[tuple[ScheduledSound, int]]] = {}
        self._next_key = 0

    def play(self, sound: ScheduledSound, *, stored: bool, key: int = -1) -> None:
        if not self.audio.playing():
            return
        self.audio.schedule(sound, key=key)
        if stored:
            self._stored.append(sound)

    def use_activity_sounds(self, on: bool) -> None:
        """Whether the run starting now has its activity give its inputs their sounds."""
        self.by_activity = on
        self._table = None
        self._note_table({} if on else None)  # the session's pads silent until the activity's table
        self._midi_by_callback = False

    def follow(self, activity: "Activity", now_frame: int) -> None:
        """Keep the callback's MIDI note table the activity's as of ``now_frame`` (a key change
        moves it); a no-op unless the run's activity gives its inputs their sounds."""
        if not self.by_activity:
            return
        table = activity.note_sounds(now_frame)
        if table is not self._table:
            self._table = table
            self._midi_by_callback = self._note_table(table) if table is not None else False

    def give(self, sounds: Iterable[ScheduledSound], ev: InputEvent) -> None:
        """The sounds the activity gives input ``ev``: scheduled and stored, or only stored when
        the audio callback plays them itself (a MIDI note under JACK). A MIDI note's sustained
        (pitched) sounds are held until its note-off (:meth:`release`), then stored with the
        frame their release began."""
        for sound in sounds:
            sustains = ev.source == "midi" and parse_note_sound(sound.sound) is not None
            if ev.source == "midi" and self._midi_by_callback:
                if sustains:
                    self._held.setdefault((ev.client, ev.note), []).append((sound, -1))
                else:
                    self._stored.append(sound)
            elif sustains:
                if not self.audio.playing():
                    continue
                key, self._next_key = self._next_key, (self._next_key + 1) % KEY_LIMIT
                self.play(sound, stored=False, key=key)
                self._held.setdefault((ev.client, ev.note), []).append((sound, key))
            else:
                self.play(sound, stored=True)

    def release(self, ev: InputEvent, now_frame: int) -> None:
        """A note-off ``ev`` (velocity 0): the sustained sounds its note's note-on started
        release from its frame + its source's fixed delay (as their start came after the
        note-on; released by the audio callback itself under JACK) and are stored so."""
        held = self._held.pop((ev.client, ev.note), [])
        end = self.sound_frame(ev, now_frame)
        for sound, key in held:
            if key >= 0 and self.audio.playing():
                self.audio.release(key, end)
            self._stored.append(replace(sound, end_frame=max(end, sound.frame)))

    def let_ring(self) -> None:
        """The run ends: sounds still held (no note-off came) are stored as they play, whole."""
        for held in self._held.values():
            self._stored.extend(sound for sound, _ in held)
        self._held = {}

    def sound_frame(self, ev: InputEvent, now_frame: int) -> int:
        """Where the sound of input ``ev`` starts: its frame + its source's fixed delay (never
        sooner than ``lead_frames`` after ``now_frame``, unless the callback plays it)."""
        at = ev.frame + self.delays.get(ev.source, self.default_delay_frames)
        return at if ev.source == "midi" and self._midi_by_callback else max(at, now_frame + self.lead_frames)

    def take_stored(self) -> list[ScheduledSound]:
        out, self._stored = self._stored, []
        return out


@dataclass(slots=True)
class Edges:
    """Everything the loop drives and is fed through (:mod:`live.run.edges`)."""

    audio: AudioEdge
    sources: Sequence[InputSource]
    listeners: Sequence[Listener]
    writer: BatchWriter
    console: ConsoleEdge
    screen: ScreenEdge
    feedback: Feedback


def first_finished_frame(activity: "Activity", after_frame: int, now_frame: int) -> int:
    """The first frame in ``(after_frame, now_frame]`` at which ``activity`` is finished (it is
    at ``now_frame``): where the run ends, whatever the control step's length (the activity's
    :meth:`is_finished` holds from some frame on)."""
    lo, hi = after_frame, now_frame  # not finished at lo (or lo is before the step), finished at hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if activity.is_finished(mid):
            hi = mid
        else:
            lo = mid
    return hi


class RunLoop:
    """Plays one run of an activity on the session's edges.

    Parameters
    ----------
    edges : Edges
    store : Store
        Where runs are opened and closed (batches go through ``edges.writer``).
    session_id : str
    lookahead_frames : int
        How far ahead sounds are planned (~100 ms).
    session : object
        The session the run belongs to: ``stop_requested()``, ``request_stop(reason)``,
        ``audio_lost(lost, run_id)``, ``audio_back(back)``, ``view(state, activity, now)``.
    log : callable
        One line for the therapist.
    """

    def __init__(self, edges: Edges, store: Any, session_id: str, *, lookahead_frames: int, session: Any,
                 log: Callable[[str], None]) -> None:
        self.edges = edges
        self.store = store
        self.session_id = session_id
        self.lookahead_frames = lookahead_frames
        self.session = session
        self.log = log

    def play(self, activity: "Activity", *, run_id: int, start_frame: int, describe: Callable[..., ConsoleView]
             ) -> tuple[str, int]:
        """Play ``activity`` (started already) until it finishes, the therapist ends it, the
        audio comes back after an outage or the session is stopped. Returns what comes next
        (``"next"`` preset, ``"stop"``: the therapist stopped it, ``"resume"``: the audio is back,
        play this preset again) and the run's end frame."""
        e = self.edges
        audio, sr = e.audio, e.audio.sample_rate
        sounds: list[ScheduledSound] = []
        inputs: list[InputEvent] = []
        responses: list[Response] = []
        controls: list[Control] = []
        releases: list[Release] = []
        kept: list[AudioChunk] = []  # audio input the activity keeps for the record (a sung answer's window)
        hears, keeps = isinstance(activity, HearsAudio), isinstance(activity, KeepsAudio)  # once: a Protocol check is slow
        next_wanted, end_now = "next", False
        change: AudioLost | AudioBack | None = None
        lost_frame: int | None = None  # the audio went away here: the run ends at it
        last_frame = audio.now_frame() - 1
        e.writer.start_run()
        while True:
            now = audio.now_frame()
            if isinstance(change, AudioLost):
                activity.stop(until_frame=change.frame)  # its later sounds were never heard
                lost_frame = change.frame
                self.session.audio_lost(change, run_id)
            elif isinstance(change, AudioBack):
                self.session.audio_back(change)
                next_wanted, end_now = "resume", True
            playing = audio.playing() and not end_now
            if playing:
                horizon = now + self.lookahead_frames
                planned = list(activity.plan(horizon))
                for sound in planned:
                    audio.schedule(sound)
                sounds.extend(planned)
                for listener in e.listeners:
                    listener.planned(planned, horizon)
                for release in activity.take_releases():  # held notes ended early (a chord change)
                    audio.release_sound(release)
                    releases.append(release)
            wanted: list[ControlEvent] = []
            for source in e.sources:
                polled = source.poll(now)
                for ev in polled.inputs:
                    inputs.append(ev)
                    if ev.client is not None:
                        responses.extend(activity.on_input(ev))
                        if e.feedback.by_activity:
                            e.feedback.give(activity.input_sounds(ev, e.feedback.sound_frame(ev, now)), ev)
                    else:  # the therapist's playing is stored, never scored; it may amount to controls
                        wanted.extend(activity.on_therapist_input(ev))
                if polled.audio is not None and hears:  # a voice, for a sung answer
                    activity.on_audio(polled.audio)
                for ev in polled.releases:
                    e.feedback.release(ev, now)
                wanted.extend(polled.controls)
            sounds.extend(e.feedback.take_stored())
            for control in wanted:
                if control.action == "quit":
                    self.session.request_stop("ended by the therapist at the console")
                elif control.action == "mark":
                    e.writer.call(self.store.add_note, self.session_id, control.text or "", run_id=run_id,
                                  frame=control.frame)
                    self.log(f"marked at {(control.frame - start_frame) / sr:.1f} s of run {run_id}: {control.text}")
                else:
                    effect = activity.on_control(control)
                    if control.action in RUN_ACTIONS:
                        effect, next_wanted, end_now = RUN_ACTIONS[control.action], RUN_ENDS[control.action], True
                    controls.append((control.frame, control.action, control.value, effect))
                    if effect:
                        self.log(effect)
            e.feedback.follow(activity, now)
            e.screen.show_cues(activity.take_cues())
            e.console.show(lambda: describe("playing", activity.live_numbers(audio.now_frame())))
            # The activity ends at its own planned end (every phase of a protocol), at the first
            # frame it counts as finished, however long the control step.
            end_frame = now if lost_frame is None else lost_frame
            done_itself = playing and activity.is_finished(now)
            if done_itself:
                end_frame = first_finished_frame(activity, last_frame, now)
            finished = done_itself or end_now or self.session.stop_requested()
            if finished:
                if not activity.is_finished(end_frame):  # ended early: a stop, next or quit, a signal, an outage
                    # At the run's end frame: this step's, not the control's own frame, which a
                    # console key read late puts a step or more in the past, where a release
                    # would sound later than stored (tests/test_song_stop_live.py, 1 run in 4).
                    activity.stop(at_frame=end_frame)
                for release in activity.take_releases():  # what it cuts short as it ends (a stopped song)
                    audio.release_sound(release)
                    releases.append(release)
                e.feedback.let_ring()
                sounds.extend(e.feedback.take_stored())
            if keeps:
                kept.extend(activity.take_audio_clips())
            if finished or e.writer.due(now):
                e.writer.batch(run_id, sounds=sounds, inputs=inputs, responses=responses, controls=controls,
                               releases=releases, audio=kept)
                sounds, inputs, responses, controls, releases, kept = [], [], [], [], [], []
            if finished:
                return next_wanted, end_frame
            last_frame = now
            change = audio.step()
