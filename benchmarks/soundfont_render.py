"""SoundFont rendering before a session: for every preset whose activity declares pitched notes,
the time to build the session's bank (``build_session_bank``: FluidSynth through the disk cache)
cold (an empty cache) and warm (every note cached), with the Debian SoundFont.

Target (issue 13): warm under 3 s; cold reported.
"""

from __future__ import annotations

import os
import tempfile
import time

from live.engine.instruments import PitchedNote
from live.engine.note_bank import build_session_bank
from live.engine.soundfont import find_soundfont
from live.presets import load_preset, shipped_presets
from live.run.sounds import declared_notes, declared_soundfont

SR = 48000

# A band-sized set, as an improvisation preset declares: bass over two octaves in 2 velocity
# layers, a pad's chord tones over 2.5 octaves in 2, the client's piano pads in all 4 layers.
BAND_SIZED = ([PitchedNote("bass", n, v) for n in range(28, 53) for v in (80, 104)]
              + [PitchedNote("pad", n, v) for n in range(48, 80) for v in (48, 80)]
              + [PitchedNote("piano", n, v) for n in range(55, 80) for v in (48, 80, 104, 127)])


def _timed(notes, soundfont) -> tuple[float, list[str]]:
    lines: list[str] = []
    t0 = time.perf_counter()
    build_session_bank(notes, sample_rate=SR, soundfont=soundfont, log=lines.append)
    return time.perf_counter() - t0, lines


def run() -> list[str]:
    rows = [f"| bank built before a session, SoundFont {find_soundfont().name}, 48 kHz | notes | cold (empty cache) | "
            "warm (cached) | target warm |", "|---|---|---|---|---|"]
    saved = os.environ.get("XDG_CACHE_HOME")
    try:
        sets = [(f"preset {p.activity}/{p.name}", declared_notes([p]), declared_soundfont([p]))
                for p in map(load_preset, shipped_presets())]
        sets.append(("band-sized set: bass 28..52 x 2 layers, pad 48..79 x 2, piano 55..79 x 4", BAND_SIZED, None))
        for label, notes, soundfont in sets:
            if not notes:
                continue
            with tempfile.TemporaryDirectory(prefix="live-notes-") as cache:
                os.environ["XDG_CACHE_HOME"] = cache
                cold, said = _timed(notes, soundfont)
                warm, _ = _timed(notes, soundfont)
            rows.append(f"| {label} | {len(notes)} | {cold:.2f} s | {warm:.2f} s | < 3 s |")
    finally:
        if saved is None:
            os.environ.pop("XDG_CACHE_HOME", None)
        else:
            os.environ["XDG_CACHE_HOME"] = saved
    rows += ["", "Load average after: " + " ".join(f"{x:.2f}" for x in os.getloadavg())]
    return rows


if __name__ == "__main__":
    print("\n".join(run()))
