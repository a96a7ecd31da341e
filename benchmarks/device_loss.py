"""Device loss: one ``live run`` through several outages of its JACK server.

``device_loss``: ``live run`` on a JACK dummy server (synchronous, as the tests); before each
outage and after the last a harness plays 8 notes into ``live-midi:in``; the server is then
stopped (SIGTERM) or killed (SIGKILL), in turn, kept away 2 s and started again under the same
name. The table gives, per outage, how long the audio was lost, how long after the server was
running again (``jack_wait``) audio played again and how long reopening took, how far the first
frame after the outage is from the monotonic clock, and the notes stored of those played in the
segment before it. Every outage after the first happens in a process that already left a dead
PortAudio behind. Timing-sensitive: run under ``flock /tmp/live-timing.lock``.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))


def _notes(name: str, server) -> list[int]:
    from jackutil import start_midi_harness

    harness = start_midi_harness(server, "notes", name=name, count=8, spacing_frames=4801, start_delay=0.5,
                                 wait=30, go_immediately=True, tail=0.3, seconds=40)
    harness.wait_ready(timeout_s=40)
    sent = harness.result(timeout_s=40)
    return [f for f, status, _, d2 in sent["sent"] if status & 0xF0 == 0x90 and d2 > 0]


def _wait_until_back(db: Path, outages: int, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        con = sqlite3.connect(db)
        try:
            (back,) = con.execute("SELECT count(*) FROM outages WHERE end_frame IS NOT NULL").fetchone()
        except sqlite3.Error:
            back = 0
        finally:
            con.close()
        if back >= outages:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"live run did not get its audio back after outage {outages} within {timeout_s:g} s")
        time.sleep(0.05)


def run(outages: int = 6, down_s: float = 2.0) -> list[str]:
    from jackutil import JackServer, unique_server_name
    from live_run_helpers import finish, start_live_run, write_preset

    name = unique_server_name("bench-devloss")
    rows, back_at = [], []
    with tempfile.TemporaryDirectory(prefix="live-devloss-") as tmp:
        tmp_path = Path(tmp)
        db = tmp_path / "live.db"
        server = JackServer(name=name, sync=True)
        server.start()
        killed, proc = False, None
        try:
            proc = start_live_run(server, write_preset(tmp_path / "beat.toml", tempo=120, beats=2000), db)
            played = [len(_notes("harness-0", server))]
            for k in range(outages):
                time.sleep(0.5)  # the last batch reaches the store
                how = "killed" if k % 2 else "stopped"
                if how == "killed":
                    killed = True  # its registry slot stays taken until a server of its name starts
                    server.kill()
                else:
                    server.stop()
                time.sleep(down_s)
                server = JackServer(name=name, sync=True)
                server.start()
                killed = False
                back_at.append((how, datetime.now(timezone.utc)))
                _wait_until_back(db, k + 1)  # the harness joins after live (a client joining jackd as it
                played.append(len(_notes(f"harness-{k + 1}", server)))  # starts can stall its graph)
            time.sleep(0.5)
            proc.send_signal(signal.SIGTERM)
            code, out, err = finish(proc, timeout_s=60)
        except BaseException:
            if proc is not None and proc.poll() is None:
                proc.kill()
                print(proc.communicate(timeout=30)[1][-3000:], file=sys.stderr)
            raise
        finally:
            server.stop()
            if killed:  # free the killed server's slot in JACK's registry
                JackServer(name=name, sync=True).start().stop()
        if code != 0:
            raise RuntimeError(f"live run failed ({code}): {err[-2000:]}")
        con = sqlite3.connect(db)
        stored = [n for (n,) in con.execute(
            "SELECT (SELECT count(*) FROM events e WHERE e.run_id = r.id AND e.kind = 'input') FROM runs r "
            "ORDER BY r.position")]
        ended = [datetime.fromisoformat(t).replace(tzinfo=timezone.utc)
                 for (t,) in con.execute("SELECT ended_at FROM outages ORDER BY start_frame")]
        con.close()
    result = json.loads(out)
    for k, (o, (how, at), end) in enumerate(zip(result["outages"], back_at, ended)):
        rows.append(f"| {k + 1} | {how} | {o['lost_s']:.2f} | {(end - at).total_seconds():.2f} | "
                    f"{o['reopen_s']:.2f} | {o['timeline_error_ms']:+.1f} | {stored[k]}/{played[k]} |")
    return [f"`live run` through {outages} outages of its JACK server ({down_s:g} s away each), notes stored "
            f"after the last: {stored[-1]}/{played[-1]}; the session {result['session_id'][:8]} ended "
            f"'{err.strip().splitlines()[-1].split('(')[-1].rstrip(')')}'", "",
            "| outage | server | audio lost (s) | server running -> audio (s) | reopening (s) | "
            "first frame vs monotonic clock (ms) | notes stored before it |",
            "|---|---|---|---|---|---|---|", *rows]
