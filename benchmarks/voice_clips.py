"""The client's voice in the store (``run_audio``, schema version 9): how much it takes, and how
close the WAV export of a sung demo comes to the demo's WAV.

``run`` (``voice_clips``): ``live demo --preset sung-melody-echo --seed 3``'s session (all 12
trials, the simulated singer), stored in a SQLite file and exported as WAV: the audio kept (the
answer windows), its bytes as stored (FLAC of 16-bit PCM), the session's length, and the samples
where the export differs from the demo's WAV (16-bit steps). Then one minute of audio of four
kinds encoded as the store does (``live.store.clips.encode``): MB per minute of kept audio, and
the encoding's time on one minute (the session writer thread does it, never the control loop).
"""

from __future__ import annotations

import tempfile
import time
import wave
from pathlib import Path

import numpy as np

SR = 48000


def _pcm(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.int32)


def run() -> list[str]:
    from live.presets import find_preset, load_preset
    from live.run.offline import simulate_session
    from live.sim.singing import VOICES, SungNoteSpec, sing
    from live.store.clips import encode
    from live.store.exports import export_session
    from live.store.store import Store

    lines = ["| sung demo (seed 3, 12 trials) | value |", "|---|---|"]
    preset = load_preset(find_preset("sung-melody-echo"))
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "s.db") as store:
        out = simulate_session(preset, store=store, seed=3, wav_dir=Path(tmp))
        clips = store.run_audio(out.run_id)
        path, _ = export_session(store, out.session_id, "wav", out=Path(tmp) / "export.wav")
        demo, export = _pcm(out.wav_path), _pcm(path)
    kept_s = sum(c["frames"] for c in clips) / SR
    stored = sum(c["bytes"] for c in clips)
    differ = int(np.count_nonzero(export != demo)) if demo.size == export.size else -1
    lines += [f"| session length | {out.end_frame / SR:.1f} s |",
              f"| audio kept (answer windows) | {len(clips)} clips, {kept_s:.1f} s |",
              f"| stored | {stored / 1e6:.2f} MB ({stored / 1e6 / (kept_s / 60):.2f} MB per minute kept) |",
              f"| export vs demo WAV | {differ} samples differ, largest {int(np.abs(export - demo).max())} steps |", ""]
    rng = np.random.default_rng(0)
    specs = [SungNoteSpec(k * 0.5, 0.35, 64.1, "a", 0.3) for k in range(120)]
    voice = sing(specs, voice=VOICES["child"], sample_rate=SR, duration_s=60.0, seed=1).astype(np.float32)
    kinds = [("singing every 0.5 s, silent room", voice),
             ("the same, room noise -60 dBFS rms", voice + 0.001 * rng.standard_normal(voice.size).astype(np.float32)),
             ("the same, room noise -40 dBFS rms", voice + 0.01 * rng.standard_normal(voice.size).astype(np.float32)),
             ("white noise -20 dBFS rms (worst case)", 0.1 * rng.standard_normal(voice.size).astype(np.float32))]
    lines += ["| one minute of | stored, MB (16-bit PCM: 5.76) | encoding, ms |", "|---|---|---|"]
    for name, x in kinds:
        t0 = time.perf_counter()
        size = len(encode(x, SR))
        lines.append(f"| {name} | {size / 1e6:.2f} | {1000 * (time.perf_counter() - t0):.0f} |")
    return lines
