"""Every click heard at its planned frame for 2 minutes, with a busy Python thread in the engine.

``python -m benchmarks busy_thread``: ``live run`` plays 240 clicks at 120 BPM on a private
synchronous ``jackd -d dummy`` (64-frame periods) with a pure-Python busy thread in its process,
while a separate JACK-Client process records its output (the run of
``tests/test_live_run.py::test_thirty_seconds_with_a_busy_python_thread_every_click_heard_at_its_planned_frame``,
four times as long). A run whose recorder missed cycles cannot vouch for the clicks and is
measured again (at most ``RECORDER_ATTEMPTS`` runs); the engine's own account (missed cycles,
late and dropped commands) is reported for every run.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from jackutil import JackServer  # noqa: E402
from live_run_helpers import RECORDER_ATTEMPTS, busy_thread_line, busy_thread_run  # noqa: E402

CLICKS = 240  # 2 minutes at 120 BPM


def run() -> list[str]:
    lines = ["| run | load average | engine: missed cycles / late / dropped | recorder: clicks at their planned frames "
             "| recorder gaps | CPU time the hypervisor took (ms) | target |", "|---|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp, JackServer(sync=True) as server:
        for attempt in range(1, RECORDER_ATTEMPTS + 1):
            load = " ".join(f"{x:.1f}" for x in os.getloadavg())
            fig = busy_thread_run(server, Path(tmp) / f"run{attempt}", clicks=CLICKS)
            print(f"busy thread, 2 min, run {attempt}: {busy_thread_line(fig, server)}", file=sys.stderr)
            e = fig["engine"]
            ok = (e["missed_cycles"], e["late"], e["dropped"]) == (0, 0, 0) and not fig["gaps"] \
                and fig["heard"] == fig["expected"]
            lines.append(f"| {attempt} | {load} | {e['missed_cycles']} / {e['late']} / {e['dropped']} "
                         f"| {fig['heard']} / {fig['expected']} | {fig['gaps']} | {fig['stolen_ms']:.0f} | 0 / 0 / 0 and every click: "
                         f"{'met' if ok else '**missed**'} |")
            if not fig["gaps"]:
                break
    return lines
