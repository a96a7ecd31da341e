"""Sung notes: how well live.voice finds them and what it costs.

``run`` (``voice_pitch``): seeded melodies of detached notes (each off the tempered pitch by up to
40 cents, random vowels, 0.4..0.6 s, 0.1..0.25 s apart) sung by every synthesized voice
(live.sim.singing: harmonics, formants, vibrato, drift, scoop, breath), three melodies of six
notes per voice, analysed by ``find_sung_notes`` (pYIN). Per voice: notes found of notes sung,
the median and 95th percentile of |pitch error| (cents, against each note's centre pitch) and of
|onset error| (ms, against the first sample of its attack), and pYIN's analysis CPU time per
second of audio (``time.process_time``, the whole of ``find_sung_notes``: resampling, pYIN, the
onset detector, segmentation).

``run_live`` (``voice_live``): the live YIN estimate (``LivePitch``, 40 ms window) fed 10 ms
control steps of a sung note: the cost of one estimate (wall time, median and 99th percentile
over every step of the six voices' notes), and its latency: from the note's onset to the first
step whose estimate is within 50 cents of the note (vibrato voices swing up to 55 cents either
side, so the first within 50 cents is the measure).
"""

from __future__ import annotations

import time

import numpy as np

from live.sim.singing import VOICES, SungNoteSpec, detached_melody, sing
from live.voice.live_pitch import LivePitch
from live.voice.notes import find_sung_notes

SR = 48000



def run() -> list[str]:
    lines = ["| voice | notes found / sung | pitch \\|err\\| median (cents) | p95 (cents) | onset \\|err\\| median (ms) "
             "| p95 (ms) | pYIN CPU s per s of audio |", "|---|---|---|---|---|---|---|"]
    all_cents, all_ms, cpu, audio_s, found_n, sung_n = [], [], 0.0, 0.0, 0, 0
    for v, name in enumerate(VOICES):
        voice = VOICES[name]
        cents, ms, t_cpu, t_audio, found_k, sung_k = [], [], 0.0, 0.0, 0, 0
        for m in range(3):
            notes = detached_melody(voice, np.random.default_rng((v, m)), 6)
            end_s = notes[-1].onset_s + notes[-1].duration_s + 0.3
            x = sing(notes, voice=voice, sample_rate=SR, duration_s=end_s, seed=(v, m, 1))
            t0 = time.process_time()
            found = find_sung_notes(x, SR)
            t_cpu += time.process_time() - t0
            t_audio += end_s
            sung_k += len(notes)
            for truth in notes:  # each sung note's nearest found note (within 100 ms)
                near = [n for n in found if abs(n.onset_s - truth.onset_s) <= 0.1]
                if near:
                    n = min(near, key=lambda n: abs(n.onset_s - truth.onset_s))
                    found_k += 1
                    cents.append(abs(100 * (n.pitch_midi - truth.midi)))
                    ms.append(abs(1000 * (n.onset_s - truth.onset_s)))
        lines.append(f"| {name} | {found_k} / {sung_k} | {np.median(cents):.1f} | {np.percentile(cents, 95):.1f} | "
                     f"{np.median(ms):.1f} | {np.percentile(ms, 95):.1f} | {t_cpu / t_audio:.2f} |")
        all_cents += cents
        all_ms += ms
        cpu += t_cpu
        audio_s += t_audio
        found_n += found_k
        sung_n += sung_k
    lines.append(f"| **all** | {found_n} / {sung_n} | {np.median(all_cents):.1f} | {np.percentile(all_cents, 95):.1f} | "
                 f"{np.median(all_ms):.1f} | {np.percentile(all_ms, 95):.1f} | {cpu / audio_s:.2f} |")
    return lines


def run_live() -> list[str]:
    costs, latencies = [], {}
    step = SR // 100
    for v, name in enumerate(VOICES):
        voice = VOICES[name]
        truth = voice.low_note + 5.3
        x = sing([SungNoteSpec(0.2, 1.0, truth, "a")], voice=voice, sample_rate=SR, duration_s=1.3, seed=(v, 2))
        live = LivePitch(SR)
        first = None
        for at in range(0, x.size, step):
            t0 = time.perf_counter()
            est = live.feed(x[at: at + step])
            costs.append(time.perf_counter() - t0)
            now_s = (at + step) / SR
            if first is None and est is not None and now_s > 0.2 and abs(100 * (est.pitch_midi - truth)) <= 50:
                first = now_s - 0.2
        latencies[name] = first
    lat = [v for v in latencies.values() if v is not None]
    return ["| estimate cost median (µs) | p99 (µs) | latency to within 50 cents, median (ms) | max (ms) | per voice (ms) |",
            "|---|---|---|---|---|",
            f"| {1e6 * np.median(costs):.0f} | {1e6 * np.percentile(costs, 99):.0f} | {1000 * np.median(lat):.0f} | "
            f"{1000 * max(lat):.0f} | "
            + ", ".join(f"{k} {1000 * v:.0f}" if v is not None else f"{k} never" for k, v in latencies.items()) + " |"]
