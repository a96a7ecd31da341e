"""Offline render speed (real-time factor) with 64 voices sounding for the whole render, and of a
full improvisation backing (drums, bass, chords and the client's pads) as a session plans it.

Peer, in the same run: the same mixing done per block in Python with numpy slices (what a
Python sounddevice callback would do), to show what the compiled callback buys.

The backing (:func:`backing`): the ``engagement-pop-major`` preset's band for 32 bars at 104 BPM
(74 s) with the client hitting a pad on every eighth note, planned by the activity 100 ms ahead
in 512-frame control steps as the session loop does (each pad's sound through the activity's
``input_sounds`` one control step after its frame) into the session's bank, rendered in
``block_frames`` blocks. Timed: the sampler's rendering alone (``render``), and rendering with
the planning (``with planning``); the bank is built before the clock starts.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from live.engine.bank import Bank
from live.engine.drivers import OfflineDriver
from live.engine.sampler import SamplerState

SR = 48000
VOICES = 64
SECONDS = 10.0


def _bank() -> Bank:
    t = np.arange(int((SECONDS + 1) * SR)) / SR
    return Bank({"tone": (0.01 * np.cos(2 * np.pi * 220 * t)).astype(np.float32)}, sample_rate=SR)


def compiled(block_frames: int, repeats: int = 5, *, releasing: bool = False) -> dict:
    """``releasing``: every voice in a release (a note-off's linear fade) spanning the whole
    render, so every sample takes the mixer's fade-and-release path (sustained notes' worst case)."""
    bank = _bank()
    rtfs = []
    for _ in range(repeats):
        state = SamplerState(bank, channels=2, n_voices=VOICES)
        driver = OfflineDriver(state, sample_rate=SR)
        for v in range(VOICES):
            release = {"end_frame": v, "release_frames": bank.data.size, "key": v} if releasing else {}
            state.push(frame=v, bank_start=0, length_frames=bank.data.size, gain=0.5, **release)
        n_blocks = int(SECONDS * SR) // block_frames
        t0 = time.perf_counter()
        driver.render(block_frames, n_blocks)
        elapsed = time.perf_counter() - t0
        assert state.stats()["active_max"] == VOICES and int(state.voices[:, 0].sum()) == VOICES
        rtfs.append(n_blocks * block_frames / SR / elapsed)
    return {"block_frames": block_frames, "rtf_median": statistics.median(rtfs), "rtf_min": min(rtfs)}


def numpy_peer(block_frames: int) -> dict:
    """The same job in Python: per block, add each voice's slice with numpy."""
    bank = _bank().data
    starts = np.arange(VOICES)
    seconds = 2.0
    n_blocks = int(seconds * SR) // block_frames
    out = np.zeros((block_frames, 2), np.float32)
    t0 = time.perf_counter()
    for b in range(n_blocks):
        at = b * block_frames
        out[:] = 0
        for s in starts:
            lo = max(at, s)
            if lo < at + block_frames:
                seg = bank[lo - s: at + block_frames - s] * np.float32(0.5)
                out[lo - at:, 0] += seg
                out[lo - at:, 1] += seg
    elapsed = time.perf_counter() - t0
    return {"block_frames": block_frames, "rtf_median": n_blocks * block_frames / SR / elapsed}


def backing(block_frames: int, *, repeats: int = 3, bars: int = 32) -> dict:
    """Render the backing described in the module docstring ``repeats`` times; real-time factors
    (medians) and the rendered audio of the last repeat."""
    import dataclasses

    from live.activities.improvisation import Improvisation
    from live.activities.types import ActivityContext
    from live.engine.engine import Engine
    from live.engine.events import InputEvent
    from live.engine.note_bank import session_bank
    from live.presets import find_preset, load_preset

    params = dataclasses.replace(load_preset(find_preset("engagement-pop-major")).params, bars=bars, duration_s=None)
    bank = session_bank(Improvisation.pitched_notes(params), sample_rate=SR)
    step, ahead, start = 512, 4800, 24000
    eighth = 60.0 * SR / params.tempo_bpm / 2
    render_rtf, total_rtf = [], []
    for _ in range(repeats):
        act = Improvisation(params)
        act.start(ActivityContext(SR, start, frozenset(bank.slices)))
        state = SamplerState(bank, channels=2)
        driver = OfflineDriver(state, sample_rate=SR, record=True)
        engine = Engine(driver, bank)
        hits = [InputEvent(start + round(k * eighth), "touch", k % 8, 60 + (k * 7) % 60, "BENCH")
                for k in range(int(bars * 8))]
        now, rendered_s, k = 0, 0.0, 0
        blocks = [block_frames] * (step // block_frames) + ([step % block_frames] if step % block_frames else [])
        t0 = time.perf_counter()
        while not act.is_finished(now):
            for sound in act.plan(now + ahead):
                engine.schedule(sound)
            while k < len(hits) and hits[k].frame < now:
                act.on_input(hits[k])
                for sound in act.input_sounds(hits[k], hits[k].frame + step):
                    engine.schedule(sound)
                k += 1
            t1 = time.perf_counter()
            driver.render(blocks)
            rendered_s += time.perf_counter() - t1
            now += step
        total_s = time.perf_counter() - t0
        render_rtf.append(now / SR / rendered_s)
        total_rtf.append(now / SR / total_s)
    return {"block_frames": block_frames, "seconds": now / SR, "render_rtf": statistics.median(render_rtf),
            "total_rtf": statistics.median(total_rtf), "active_max": state.stats()["active_max"],
            "late": state.stats()["late"], "audio": driver.recording()[:now]}


def run() -> list[str]:
    rows = ["| offline render, 64 voices, 2 ch, 48 kHz | block | real-time factor (median of 5; min) |",
            "|---|---|---|"]
    for bf in (64, 256):
        r = compiled(bf)
        rows.append(f"| numba sampler callback (OfflineDriver) | {bf} | {r['rtf_median']:.0f}x ({r['rtf_min']:.0f}x) |")
    for bf in (64, 256):
        r = compiled(bf, releasing=True)
        rows.append(f"| numba sampler callback (OfflineDriver), every voice releasing | {bf} | "
                    f"{r['rtf_median']:.0f}x ({r['rtf_min']:.0f}x) |")
    for bf in (64, 256):
        r = numpy_peer(bf)
        rows.append(f"| peer: Python + numpy per-block mixing | {bf} | {r['rtf_median']:.1f}x |")
    return rows


def run_backing() -> list[str]:
    """``python -m benchmarks render_backing``: the improvisation backing's table."""
    rows = ["| offline render of a full improvisation backing (drums, bass, chords, client pads), 2 ch, 48 kHz "
            "| block | real-time factor, render (median of 3) | with planning | most voices at once |",
            "|---|---|---|---|---|"]
    audio = {}
    for bf in (64, 256):
        r = backing(bf)
        audio[bf] = r["audio"]
        rows.append(f"| {r['seconds']:.0f} s of engagement-pop-major | {bf} | {r['render_rtf']:.0f}x "
                    f"| {r['total_rtf']:.0f}x | {r['active_max']} |")
    same = audio[64].shape == audio[256].shape and bool((audio[64] == audio[256]).all())
    rows.append(f"| the two renders identical sample for sample | | {same} | | |")
    return rows


if __name__ == "__main__":
    print("\n".join(run()))
