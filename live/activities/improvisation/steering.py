"""How the therapist steers the band live: chords they play, recognised, and their controls.

A chord is 3 or more notes on the therapist's channels whose onsets fall within 50 ms of the
first (:class:`ChordListener`); it is recognised (root and quality, :func:`live.music.chords.recognise`)
and becomes a ``chord`` control at the frame of the note that completed it; a later note of the
same 50 ms (a fourth voice) makes it again with the fuller chord, which replaces the first from
the same beat. :func:`apply` carries out a control on the activity: the harmony changes from the
beat :meth:`~live.activities.improvisation.activity.Improvisation.change_beat` names (the next
beat or bar not yet planned), the intensity and tempo from the next beat not yet planned, a fill
on the last beat of the bar, ``stop`` after the bar. Each returns what it did, for the record.

Realtime-safe: no (control thread).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from live.activities.types import ControlEvent
from live.engine.events import InputEvent
from live.music.chords import chord_from_symbol, recognise
from live.music.scales import pc_name

if TYPE_CHECKING:
    from live.activities.improvisation.activity import Improvisation

__all__ = ["ChordListener", "apply", "CHORD_WINDOW_MS", "STEERING_ACTIONS"]

CHORD_WINDOW_MS = 50.0
INTENSITY_STEP = 0.1
STEERING_ACTIONS = ("chord", "next_chord", "key_up", "key_down", "drone", "intensity_up", "intensity_down",
                    "intensity_set", "fill", "stop", "tempo_set", "tempo_up", "tempo_down")
"""Every control the improvisation acts on."""


class ChordListener:
    """Finds chords in the therapist's notes: 3+ note-ons within ``window_ms`` of the first.

    Parameters
    ----------
    sample_rate : int
        Engine frames per second.
    window_ms : float
    """

    def __init__(self, sample_rate: int = 48000, window_ms: float = CHORD_WINDOW_MS) -> None:
        self.window_frames = round(window_ms * sample_rate / 1000)
        self._group: list[InputEvent] = []
        self._said: str | None = None

    def add(self, ev: InputEvent) -> list[ControlEvent]:
        """Take one therapist's note-on; the ``chord`` control it completes (or enlarges), if any."""
        if ev.note is None or ev.velocity <= 0:
            return []
        if not self._group or ev.frame - self._group[0].frame > self.window_frames:
            self._group, self._said = [], None
        self._group.append(ev)
        notes = sorted({e.note for e in self._group})
        if len(notes) < 3:
            return []
        chord = recognise(notes)
        if chord is None or chord.symbol == self._said:
            return []
        self._said = chord.symbol
        return [ControlEvent(ev.frame, "chord", None, chord.symbol)]


def apply(act: "Improvisation", ev: ControlEvent) -> str | None:
    """Carry out control ``ev`` on the improvisation ``act``; what it did (None: ignored)."""
    h, meter = act.harmony, act.style.meter
    if ev.action in ("tempo_set", "tempo_up", "tempo_down"):
        return None if ev.value is None else act.tempo_change(ev.action, ev.value)
    if act.next_beat >= act.n_beats:
        return None  # the band has played its last beat
    k = act.change_beat()
    if ev.action == "chord":
        if not ev.text:
            return None
        try:
            chord = chord_from_symbol(ev.text)
        except ValueError:
            return None
        h.schedule(k, "chord", chord)
        return f"chord {chord.symbol} from beat {k}"
    if ev.action == "next_chord":
        h.schedule(k, "next_chord")
        return f"next chord from beat {k}"
    if ev.action in ("key_up", "key_down"):
        step = 1 if ev.action == "key_up" else -1
        act.wanted_tonic = (act.wanted_tonic + step) % 12
        h.schedule(k, ev.action)
        return f"key {pc_name(act.wanted_tonic)} {h.mode} from beat {k}"
    if ev.action == "drone":
        on = (not act.wanted_drone) if ev.value is None else bool(ev.value)
        act.wanted_drone = on
        h.schedule(k, "drone", on)
        return f"drone {'on' if on else 'off'} from beat {k}"
    if ev.action in ("intensity_up", "intensity_down", "intensity_set"):
        step = INTENSITY_STEP if ev.value is None else float(ev.value)
        old = act.intensity
        new = step if ev.action == "intensity_set" else old + (step if ev.action == "intensity_up" else -step)
        act.intensity = round(min(max(new, 0.0), 1.0), 3)
        return None if act.intensity == old else f"intensity {old:g} -> {act.intensity:g} from beat {act.next_beat}"
    if ev.action == "fill":
        last = (max(act.next_beat, 0) // meter) * meter + meter - 1
        act.fill_beat = last
        return f"fill on beat {last}"
    if ev.action == "stop":
        end = -(-max(act.next_beat, 0) // meter) * meter
        if end >= act.n_beats:
            return None
        act.n_beats = max(end, act.next_beat)
        return f"the band stops after beat {act.n_beats - 1}"
    return None
