"""A short simulated session in a SQLite file, for the records commands and exports tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from live.presets import load_preset
from live.run.offline import simulate_session
from live.store.store import Store

PRESET = """schema = 1
activity = "entrainment"
title = "Test beat"
goal = "Test"

[params]
tempo_bpm = 100
meter = 4
count_in_beats = 0
beats = {beats}
"""


def make_demo_db(folder: Path, *, beats: int = 24, sessions: int = 1) -> tuple[Path, list[str]]:
    """``sessions`` simulated sessions of ``beats`` beats at 100 BPM for client SIM-001, with a
    note and a marked moment each; returns the database path and the session ids."""
    folder.mkdir(parents=True, exist_ok=True)
    preset_path = folder / "beat.toml"
    preset_path.write_text(PRESET.format(beats=beats))
    preset = load_preset(preset_path)
    db = folder / "records.db"
    ids = []
    with Store.open(db) as store:
        for seed in range(1, sessions + 1):
            outcome = simulate_session(preset, store=store, seed=seed)
            run = store.get_session(outcome.session_id)["runs"][0]
            store.add_note(outcome.session_id, f"Session {seed}: engaged, counted aloud.")
            store.add_note(outcome.session_id, "Locked in with the beat", run_id=run["id"],
                           frame=run["start_frame"] + 48_000 * 5)
            ids.append(outcome.session_id)
    return db, ids


def copy_db(db: Path, to: Path) -> Path:
    to.mkdir(parents=True, exist_ok=True)
    target = to / db.name
    shutil.copy2(db, target)
    return target


def mix(played, length: int, rate: int = 48_000) -> np.ndarray:
    """What a WAV export of these sounds holds, computed here from the bank's samples: each
    ``(frame, sound, gain)`` of ``played`` as gain x the sound's samples from that frame on,
    summed over ``length`` frames and clipped to full scale (-1..1)."""
    from live.engine.bank import default_bank

    bank = default_bank(rate)
    out = np.zeros(length)
    for frame, name, gain in played:
        samples = bank.samples(name)[: max(0, length - frame)]
        out[frame:frame + len(samples)] += gain * samples
    return np.clip(out, -1.0, 1.0)
