"""Records benchmarks: exporting a 60-minute session, and how far apart a live session's batches are.

``records_export``: a 60-minute simulated session (``live demo``'s loop, 6000 beats at 100 BPM,
one tap per beat) stored in a SQLite file, then ``export_session`` in every format; wall
time and file size of each, and the time to load the session from the store.

``writer_batches``: ``live run`` on a JACK dummy server (synchronous, as the tests) for 20 s
with a harness playing a note every 50 ms; a reader process polls the store every 20 ms and
records each new commit of the session's writer (``session_writers.last_write_at``, set in the
same transaction as each batch); the table gives the spacing of those commits. A reader starved
of the CPU on a loaded machine misses a commit and sees two periods as one gap, so ``live run
--json``'s own account (``writer``: the longest time between two batches handed to the writer
thread, the longest a batch waited for it and the longest commit) is given beside it.
Timing-sensitive: run under ``flock /tmp/live-timing.lock``.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np

TESTS = Path(__file__).resolve().parents[1] / "tests"
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))


def run_export(minutes: float = 60.0) -> list[str]:
    from live.presets import load_preset
    from live.store.exports import FORMATS, export_session
    from live.store.records import load_session
    from live.run.offline import simulate_session
    from live.store.store import Store

    lines = []
    with tempfile.TemporaryDirectory(prefix="live-records-") as tmp:
        tmp_path = Path(tmp)
        from live_run_helpers import write_preset

        preset_path = write_preset(tmp_path / "beat.toml", tempo=100, beats=int(minutes * 100))
        with Store.open(tmp_path / "s.db") as store:
            t0 = time.perf_counter()
            outcome = simulate_session(load_preset(preset_path), store=store, seed=1)
            simulate_s = time.perf_counter() - t0
            sid = outcome.session_id
            t0 = time.perf_counter()
            session = load_session(store, sid)
            load_s = time.perf_counter() - t0
            n_events = sum(len(r["sounds"]) + len(r["inputs"]) for r in session["runs"])
            n_responses = sum(len(r["responses"]) for r in session["runs"])
            lines += [f"{minutes:g}-minute simulated session: {n_events} events, {n_responses} responses "
                      f"(simulated and stored in {simulate_s:.1f} s; SQLite file "
                      f"{(tmp_path / 's.db').stat().st_size / 1e6:.1f} MB)", "",
                      "| step | wall time | file size |", "|---|---|---|",
                      f"| load the session from the store | {load_s:.2f} s | |"]
            for fmt in FORMATS:
                t0 = time.perf_counter()
                path, info = export_session(store, sid, fmt, out=tmp_path / f"out.{fmt}")
                took = time.perf_counter() - t0
                lines.append(f"| `live export --format {fmt}` | {took:.2f} s | {info['bytes'] / 1e6:.2f} MB |")
    return lines


_POLL = """
import sqlite3, sys, time
db = sys.argv[1]
seen, last = [], None
end = time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    try:
        con = sqlite3.connect(db, timeout=1)
        row = con.execute("SELECT last_write_at FROM session_writers").fetchone()
        con.close()
    except sqlite3.Error:
        row = None
    if row and row[0] != last:
        last = row[0]
        seen.append(last)
    time.sleep(0.02)
print("\\n".join(seen))
"""


def run_writer_batches(seconds: float = 20.0) -> list[str]:
    from jackutil import JackServer, start_midi_harness
    from live_run_helpers import finish, start_live_run, write_preset

    with tempfile.TemporaryDirectory(prefix="live-batches-") as tmp, JackServer(sync=True) as server:
        tmp_path = Path(tmp)
        preset = write_preset(tmp_path / "beat.toml", tempo=120, beats=int(seconds * 2))
        db = tmp_path / "live.db"
        proc = start_live_run(server, preset, db)
        poll = subprocess.Popen([sys.executable, "-c", _POLL, str(db), str(seconds + 5)], stdout=subprocess.PIPE,
                                text=True)
        harness = start_midi_harness(server, "notes", count=int(seconds * 20), spacing_frames=2400,
                                     start_delay=0.5, notes=[38], velocities=[100], go_immediately=True,
                                     tail=0.5, seconds=seconds + 30)
        harness.wait_ready(timeout_s=20)
        code, result, err = finish(proc, timeout_s=seconds + 60)
        harness.result(timeout_s=60, close_stdin=True)
        out, _ = poll.communicate(timeout=seconds + 30)
        if code != 0:
            raise RuntimeError(f"live run failed ({code}): {err[-2000:]}")
        con = sqlite3.connect(db)
        stored = con.execute("SELECT count(*) FROM events WHERE kind = 'input'").fetchone()[0]
        con.close()
    writer = json.loads(result)["writer"]
    times = [datetime.fromisoformat(t) for t in out.splitlines() if t.strip()]
    gaps = np.diff([t.timestamp() for t in times]) * 1000.0
    gaps = gaps[1:]  # the first commit after create_session is the session's start, not a batch
    return [f"`live run` for {seconds:g} s at 120 BPM with a note every 50 ms ({stored} stored): "
            f"{len(times)} writer commits seen by a reader polling every 20 ms", "",
            "| batch spacing | ms |", "|---|---|",
            f"| median | {np.median(gaps):.0f} |",
            f"| 95th percentile | {np.percentile(gaps, 95):.0f} |",
            f"| max | {gaps.max():.0f} |", "",
            "`live run`'s own account (`--json` `writer`): the longest time between two batches handed to "
            f"the writer thread {writer['max_batch_gap_ms']:.0f} ms, the longest wait for it "
            f"{writer['max_wait_ms']:.1f} ms, the longest commit {writer['max_write_ms']:.1f} ms "
            f"({writer['writes']} writes)"]
