"""Writing small Standard MIDI Files for tests: notes at exact milliseconds.

The file has 1000 ticks per beat at 60 BPM (tempo 1 000 000 us per beat), so one tick is one
millisecond and every time written in whole milliseconds reads back exactly.
"""

from __future__ import annotations

from pathlib import Path

import mido

TICKS_PER_BEAT = 1000
TEMPO_US = 1_000_000  # 60 BPM: one tick = 1 ms


def write_midi(path: Path, notes, *, channel: int = 0, zero_velocity_off: bool = False, extra=()) -> Path:
    """Write ``notes`` as a type 1 file of one track and return ``path``.

    ``notes``: (onset_ms, note, duration_ms[, velocity]) with whole milliseconds. A note-off is a
    note_off message, or a note_on of velocity 0 with ``zero_velocity_off``. ``extra``: more
    (time_ms, mido.Message) to put on the time line (controls, program changes).
    """
    events = []
    for n in notes:
        on_ms, note, dur_ms = n[:3]
        vel = n[3] if len(n) > 3 else 90
        events.append((on_ms + dur_ms, 0, mido.Message("note_on" if zero_velocity_off else "note_off",
                                                      channel=channel, note=note, velocity=0)))
        events.append((on_ms, 1, mido.Message("note_on", channel=channel, note=note, velocity=vel)))
    events += [(t, 2, m) for t, m in extra]
    events.sort(key=lambda e: (e[0], e[1]))
    mid = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_BEAT)
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=TEMPO_US, time=0)])
    now = 0
    for t, _, msg in events:
        track.append(msg.copy(time=int(t) - now))
        now = int(t)
    mid.tracks.append(track)
    mid.save(path)
    return path
