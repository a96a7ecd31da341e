"""An improvisation run's summary: the improvisation metrics of the client's notes (and the
therapist's), the backing's chord segments as trials, and the backing as ``live demo`` tells it.

Metrics: :func:`live.metrics.improv.improv_metrics` over the client's note-ons, times from the
run's first beat (count-in included), the pulse from the preset's tempo with the first beat as
its offset, the key and mode the run started in, the run's windows of ``window_s``; the
therapist's notes for the interaction metrics. A pad's note is the scale note it played; a
keyboard's the key pressed (with ``snap`` the sound may differ: the metrics describe what the
client did). Beside them: ``chords_played`` (segments of the backing), ``therapist_chords``
(chords the therapist played that the band took up) and ``filtered_notes`` (keyboard notes
left silent by ``snap = "filter"``).

Each trial is one chord segment: ``start_s``, ``end_s`` (seconds from the engine's frame 0,
the session's first sample), ``symbol``, ``root_pc``, ``pitch_classes`` (as text, ``"0 4 7"``),
``key`` (e.g. ``"C major"``), the client's notes in it (``n_notes``) and the share of them on
a chord tone (``chord_tone_pct``, null without notes). ``extras["backing"]``: ``key``,
``mode`` and ``chords`` ({start_s, end_s, symbol, pitch_classes}) of what actually sounded;
a drone is one entry spanning the run.

Realtime-safe: no (control thread, at the run's end).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from live.activities.types import Summary
from live.metrics.improv import improv_metrics
from live.music.scales import key_name, pc_name

if TYPE_CHECKING:
    from live.activities.improvisation.activity import Improvisation

__all__ = ["summarize"]


def summarize(act: "Improvisation", *, end_frame: int) -> Summary:
    """The summary of ``act``'s run, which ended at ``end_frame``."""
    p, sr = act.params, act.sample_rate
    origin = act.tempo.frame_at_beat(-p.count_in_beats)
    client = [(ev, note) for ev, note in sorted(act._client, key=lambda x: x[0].frame) if origin <= ev.frame < end_frame]
    therapist = [ev for ev in sorted(act._therapist, key=lambda e: e.frame)
                 if origin <= ev.frame < end_frame and ev.note is not None]
    played = [(ev, ev.note if ev.source == "midi" else note) for ev, note in client]
    played = [(ev, n) for ev, n in played if n is not None]
    with_therapist = p.therapist_part != "none" or bool(therapist)
    metrics = improv_metrics(
        [(ev.frame - origin) / sr for ev, _ in played], [n for _, n in played], [ev.velocity for ev, _ in played],
        duration_s=(end_frame - origin) / sr,
        therapist_onset_s=[(ev.frame - origin) / sr for ev in therapist] if with_therapist else None,
        key_pc=act.harmony.key_pc0, mode=p.mode, bpm=p.tempo_bpm,
        beat_offset_s=(act.tempo.frame_at_beat(0) - origin) / sr, window_s=p.window_s)
    segments = act.harmony.segments
    metrics["chords_played"] = len(segments)
    metrics["therapist_chords"] = act.chords_taken
    metrics["filtered_notes"] = sum(1 for ev, note in client if note is None)
    trials = []
    for k, seg in enumerate(segments):
        inside = [note for ev, note in client if seg.start_frame <= ev.frame < (seg.end_frame or end_frame)]
        sounding = [n for n in inside if n is not None]
        tones = set(seg.chord.pitch_classes)
        trials.append({
            "index": k, **{key: v for key, v in seg.as_dict(sr).items() if key != "pitch_classes"},
            "root_pc": seg.chord.root_pc,
            "pitch_classes": " ".join(str(pc) for pc in sorted(seg.chord.pitch_classes)),
            "key": key_name(seg.tonic_pc, p.mode),
            "n_notes": len(inside),
            "chord_tone_pct": 100.0 * sum(n % 12 in tones for n in sounding) / len(sounding) if sounding else None,
        })
    backing = {"key": pc_name(act.harmony.key_pc0), "mode": p.mode,
               "chords": [seg.as_dict(sr) for seg in segments]}
    return Summary(metrics=metrics, phases={}, trials=tuple(trials), extras={"backing": backing})
