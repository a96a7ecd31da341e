"""``live export --format midi``: a Standard MIDI File (type 1) of what was played.

Tracks: 0 ``conductor`` (tempo, the session id, marked moments as markers, and ``audio lost`` /
``audio back`` markers at each audio outage); 1 ``cues`` (every sound live played, channel 10:
the sounds that mark one of the activity's cues (a beat, a call's onset: those stored with a
cue index) as GM Hi/Low Wood Block 76/77, the accented ones high, pads as Side Stick 37, other
sounds as Claves 75; none planned to start inside an outage, which never sounded; pitched
sounds are in their instrument's track instead); one track per pitched instrument that played
(``band piano``, ``band bass``: each stored pitched sound,
:func:`live.engine.instruments.parse_note_sound`, as its note, with its layer's velocity scaled
by its gain, on a channel of its own from 4 up, 10 skipped; except a sound an activity's own
track takes: one of its run at the same frame playing the same note, e.g. a call-and-response
call note, which is in the ``call`` track only); one track per client
(``client C-014``: their inputs, channel 1 for MIDI notes, channel 2 for mic and touch hits as
note 60 with their velocity, or as the note the activity says it played, a response's
``played_note``, e.g. an improvisation's pad); and
``therapist`` (the notes the therapist played along, on their own MIDI channels, as channel 3
notes with their note and velocity; the therapist's controls as markers with their effect,
and as the control's value on CC 16 channel 16 where it has one); then the tracks an activity
declares of its own (``midi_tracks``: call-and-response's ``call`` and ``answer``), one track
each over the session's runs of that activity. Notes last 50 ms (the store keeps onsets only)
unless the activity's track gives their length.

Timing: 960 ticks per quarter note at a fixed 120 BPM tempo, so a tick is 1/1920 s (0.52 ms)
and every onset is within 0.27 ms of its stored time. Time 0 is the first run's start
(:func:`live.store.exports.origin_frame`); an event earlier than that moves time 0 back.
"""

from __future__ import annotations

import io
from typing import Any

import mido

from live.engine.instruments import parse_note_sound
from live.store.declared import session_declared
from live.store.exports import origin_frame, outage_spans, sounded

TICKS_PER_BEAT = 960
TEMPO_US = 500_000  # 120 BPM: 1 tick = 500000 / 960 us
TICKS_PER_S = TICKS_PER_BEAT * 1_000_000 / TEMPO_US
NOTE_S = 0.05
GM_CUE, GM_ACCENT, GM_PAD, GM_OTHER = 77, 76, 37, 75


def _track(name: str, events: list[tuple[int, int, mido.Message | mido.MetaMessage]]) -> mido.MidiTrack:
    """A track from (tick, order, message) triples: sorted, times made relative."""
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("track_name", name=name, time=0))
    now = 0
    for tick, _, msg in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(msg.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=0))
    return track


def _notes(tick: int, channel: int, note: int, velocity: int, off_ticks: int) -> list[tuple[int, int, Any]]:
    velocity = max(1, min(127, int(velocity)))
    return [(tick, 1, mido.Message("note_on", channel=channel, note=note, velocity=velocity)),
            (tick + off_ticks, 0, mido.Message("note_off", channel=channel, note=note, velocity=0))]


def render(session: dict[str, Any]) -> bytes:
    sr = session["sample_rate"]
    frames = [e["frame"] for r in session["runs"] for e in (*r["sounds"], *r["inputs"])]
    t0 = min([origin_frame(session), *frames])
    off = round(NOTE_S * TICKS_PER_S)

    def tick(frame: int) -> int:
        return round((frame - t0) * TICKS_PER_S / sr)

    conductor: list = [(0, 0, mido.MetaMessage("set_tempo", tempo=TEMPO_US)),
                       (0, 0, mido.MetaMessage("text", text=f"live session {session['id']}"))]
    for n in session["notes"]:
        if n["frame"] is not None:
            conductor.append((max(0, tick(n["frame"])), 2, mido.MetaMessage("marker", text=n["text"][:120])))
    spans = outage_spans(session)
    for start, end in spans:
        conductor.append((max(0, tick(start)), 3, mido.MetaMessage("marker", text="audio lost")))
        if end is not None:
            conductor.append((max(0, tick(end)), 3, mido.MetaMessage("marker", text="audio back")))
    cues: list = []
    clients: dict[str, list] = {code: [] for code in session["clients"]}
    therapist: list = []
    band: dict[str, list] = {}
    own: dict[str, list] = {}
    declared = session_declared(session)
    for r in session["runs"]:
        taken: set[tuple[int, int]] = set()  # (frame, note) of the pitched sounds the activity's tracks hold
        for track in declared[r["activity"]].midi_tracks:
            events = own.setdefault(track.name, [])
            for frame, channel, note, velocity, length in track.notes(r, sr):
                taken.add((frame, note))
                events += _notes(max(0, tick(frame)), channel, note, velocity, max(1, round(length * TICKS_PER_S / sr)))
        pad = (r.get("playback") or {}).get("pad_sound")
        played = {(x["frame"], x["source"]): (x.get("extra") or {}).get("played_note") for x in r.get("responses", ())}
        for e in r["sounds"]:
            if not sounded(e["frame"], spans):
                continue
            pitched = parse_note_sound(e["sound"])
            if pitched is not None:
                if (e["frame"], pitched.note) not in taken:
                    velocity = round(pitched.velocity * min(1.0, e["gain"] if e["gain"] is not None else 1.0))
                    band.setdefault(pitched.instrument, []).extend(
                        _notes(tick(e["frame"]), 0, pitched.note, velocity, off))
                continue
            if e["cue_index"] is not None:
                note = GM_ACCENT if e["sound"].endswith("_accent") else GM_CUE
            else:
                note = GM_PAD if e["sound"] == pad else GM_OTHER
            cues += _notes(tick(e["frame"]), 9, note, round((e["gain"] or 0) * 127), off)
        for e in r["inputs"]:
            if e["client"] is None:  # the therapist's notes
                therapist += _notes(tick(e["frame"]), 2, e["note"] if e["note"] is not None else 60,
                                    e["velocity"], off)
            elif e["source"] == "midi" and e["note"] is not None:
                clients[e["client"]] += _notes(tick(e["frame"]), 0, e["note"], e["velocity"], off)
            else:
                note = played.get((e["frame"], e["source"]))
                clients[e["client"]] += _notes(tick(e["frame"]), 1, 60 if note is None else note, e["velocity"], off)
        for c in r["controls"]:
            at = max(0, tick(c["frame"]))
            therapist.append((at, 1, mido.MetaMessage("marker", text=(c["effect"] or c["action"])[:120])))
            if c["value"] is not None:
                therapist.append((at, 2, mido.Message("control_change", channel=15, control=16,
                                                      value=max(0, min(127, round(c["value"]))))))
    mid = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_BEAT)
    mid.tracks.append(_track("conductor", conductor))
    mid.tracks.append(_track("cues", cues))
    channels = [c for c in range(3, 16) if c != 9]
    for k, (instrument, events) in enumerate(sorted(band.items())):
        ch = channels[k % len(channels)]
        mid.tracks.append(_track(f"band {instrument}", [(t, o, m.copy(channel=ch)) for t, o, m in events]))
    for code, events in clients.items():
        mid.tracks.append(_track(f"client {code}", events))
    mid.tracks.append(_track("therapist", therapist))
    for name, events in own.items():
        mid.tracks.append(_track(name, events))
    buf = io.BytesIO()
    mid.save(file=buf)
    return buf.getvalue()
