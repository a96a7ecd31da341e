"""Live engine on a real JACK graph: callback load at 64 frames, and the delivered-ratio soak.

Every measurement runs on its own private ``jackd -S -d dummy -r 48000 -p 64`` (synchronous,
realtime when allowed: ``tests/jackutil.JackServer(sync=True)``), with the engine in a separate
process (``tests/jack_engine_probe.py``: the numba sampler callback through PortAudio's JACK host
API via ``LiveDriver``).

``callback_load`` (``python -m benchmarks callback_load``, ~1 min): callback time / block period
at 64 frames with 64 voices sounding the whole time, measured *inside* the live callback: the
``R_DURATION_NS`` of every block (CLOCK_MONOTONIC at entry and exit of the callback) over
``LOAD_SECONDS`` s, divided by the 1333.3 us period. Median, p99, p99.9, max; DESIGN target
p99.9 <= 0.25. Twice: the engine process idle, and with the busy pure-Python thread in it (the
callback needs no GIL, so the thread should not matter beyond taking a core).

``soak`` (``python -m benchmarks soak [--minutes M]``, default 10 minutes of audio per engine):
clicks delivered / scheduled with a busy pure-Python thread in the engine process: 12000-frame
spacing (no multiple of 64), 2400 clicks in 10 minutes, recorded by ``tests/jack_recorder.py`` (a
JACK-Client process). A click counts as delivered when an onset is recorded exactly on its
planned frame (planned engine frames + the one constant engine-to-JACK frame offset that fits
the most onsets). Also: whether every spacing was exact, the engine's late/dropped commands,
jackd's xrun messages, and the recorder's own gaps and xrun callbacks (the recorder is a Python
client and can itself be late: reported apart, never hidden). Peer in the same benchmark, same
busy thread, clicks and recorder: ``tests/jack_python_probe.py``, a plain Python sounddevice
callback that counts frames and writes the same click samples, for ``--peer-minutes`` (default
2, issue 3's two-minute comparison: on the synchronous server it takes ~4x longer, see below).

Read the peer's row with the synchronous server in mind: with ``-S`` jackd waits for every
client each cycle, so a callback that waits for the GIL does not lose its block, it *stops the
clock*: the dummy driver's cycles run late (jackd xrun messages) and the graph runs slower than
real time ("audio s / wall s" below 1). On hardware (or an asynchronous server) those late
blocks would be lost. The peer therefore takes longer than M minutes of wall time.

Each table is followed by the exact commands (jackd, probe, recorder) and the load average.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from jackutil import JackClientProcess, JackServer, _thread_policies, start_recorder  # noqa: E402

from live.engine.layout import R_DURATION_NS, R_FRAME  # noqa: E402

ENGINE_PROBE = TESTS / "jack_engine_probe.py"
PYTHON_PROBE = TESTS / "jack_python_probe.py"
SR = 48000
PERIOD = 64
VOICES = 64
LOAD_SECONDS = 20.0
SOAK_SPACING = 12000  # frames; 187.5 periods
LEAD_FRAMES = 24000   # the probes' first click after "go"
TAIL_FRAMES = 9600    # the probes play on this long after the last click
_XRUN_USEC = re.compile(r"XRun = (\d+) usec")


def _show(cmd: list[str]) -> str:
    """A command line as typed from the repository root (``python`` for this interpreter)."""
    parts = []
    for a in cmd:
        a = str(a)
        if a == sys.executable:
            a = "python"
        elif a.startswith(str(ROOT) + os.sep):
            a = a[len(str(ROOT)) + 1:]
        parts.append(a)
    return shlex.join(parts)


def _jackd_cmd(server: JackServer) -> str:
    return _show(server.command(server.mode != "no-realtime")).replace(server.name, "<unique-name>")


def _loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _rt_threads(pid: int) -> str:
    """Realtime threads of process ``pid`` (the JACK client thread PortAudio runs the callback in)."""
    policies = _thread_policies(pid) or []
    rt = sorted(prio for pol, prio in policies if pol in (1, 2))
    return f"{len(rt)} SCHED_FIFO/RR thread(s), priority {rt}" if rt else "no realtime thread"


def _xrun_summary(server: JackServer) -> str:
    msgs = server.xrun_messages()
    usec = [int(m.group(1)) for m in map(_XRUN_USEC.search, msgs) if m]
    return f"{len(msgs)}" + (f" (max {max(usec)} us)" if usec else "")


# -- callback load -----------------------------------------------------------------------------

def callback_load(*, busy: bool, seconds: float = LOAD_SECONDS, voices: int = VOICES, releasing: bool = False) -> dict:
    """One run of the engine probe in load mode on a private synchronous server (``releasing``:
    every voice in its release, the sustained notes' slowest mixing path)."""
    with tempfile.TemporaryDirectory(prefix="live-load-") as tmp, JackServer(sync=True) as server:
        rows_path = Path(tmp) / "rows.npy"
        args = ["--name", "live-load", "--voices", str(voices), "--seconds", str(seconds),
                "--rows-out", str(rows_path)] + (["--busy"] if busy else []) + (["--releasing"] if releasing else [])
        load_before = _loadavg()
        with JackClientProcess(ENGINE_PROBE, args, server.env, "engine probe (load)") as eng:
            eng.wait_ready(timeout_s=60)
            rt = _rt_threads(eng.pid)
            eng.close_stdin()  # go
            out = eng.result(timeout_s=seconds * 5 + 60)
            probe_cmd = _show(eng.cmd).replace(str(rows_path), "ROWS.npy")
        rows = np.load(rows_path)
        mode, xruns, jackd = server.mode, _xrun_summary(server), _jackd_cmd(server)
    sel = rows[rows[:, R_FRAME] >= out["first_frame"]]
    steps = np.diff(sel[:, R_FRAME])
    block = int(np.median(steps)) if steps.size else PERIOD
    period_ns = block / SR * 1e9
    ratio = sel[:, R_DURATION_NS] / period_ns
    q = np.quantile(ratio, [0.5, 0.99, 0.999])
    return {
        "busy": busy, "voices": voices, "releasing": releasing, "blocks": int(ratio.size), "block_frames": block, "period_us": period_ns / 1000,
        "median": q[0], "p99": q[1], "p999": q[2], "max": float(ratio.max()),
        "over_quarter": int((ratio > 0.25).sum()), "over_one": int((ratio > 1.0).sum()),
        "rows_lost": int((steps != block).sum()), "voices_at_end": out["voices_sounding_at_end"],
        "active_max": out["stats"]["active_max"], "late": out["stats"]["late"],
        "dropped": out["stats"]["dropped"], "underflows": out["stats"]["underflows"],
        "busy_iterations": out["busy_iterations"], "wall_s": out["wall_s"], "mode": mode,
        "jackd_xruns": xruns, "rt": rt, "jackd_cmd": jackd, "probe_cmd": probe_cmd,
        "load": f"{load_before} -> {_loadavg()}",
    }


def run_callback_load(seconds: float = LOAD_SECONDS) -> list[str]:
    return _load_table([callback_load(busy=False, seconds=seconds), callback_load(busy=True, seconds=seconds)])


def run_callback_load_sustained(seconds: float = LOAD_SECONDS) -> list[str]:
    """Sustained notes: 64 and 128 voices, every one releasing for the whole measure."""
    return _load_table([callback_load(busy=b, seconds=seconds, voices=v, releasing=True)
                        for v in (VOICES, 2 * VOICES) for b in (False, True)])


def _load_table(runs: list[dict]) -> list[str]:
    period_us = runs[0]["period_us"]
    voices = sorted({r["voices"] for r in runs})
    lines = [
        f"| callback time / period, {runs[0]['block_frames']} frames ({period_us:.1f} us), "
        f"{' or '.join(map(str, voices))} voices, 2 ch, live on JACK | blocks | median | p99 | p99.9 | max | "
        "blocks > 0.25 | target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        label = ("numba sampler callback (LiveDriver)" + (f", {r['voices']} voices all releasing" if r["releasing"] else "")
                 + (", busy Python thread in the process" if r["busy"] else ""))
        us = lambda x: f"{x:.3f} ({x * r['period_us']:.0f} us)"  # noqa: E731
        lines.append(f"| {label} | {r['blocks']} | {us(r['median'])} | {us(r['p99'])} | {us(r['p999'])} | "
                     f"{us(r['max'])} | {r['over_quarter']} | p99.9 <= 0.25 |")
    lines.append("")
    for r in runs:
        lines.append(
            f"- {r['voices']} voices, {'busy' if r['busy'] else 'idle'}: {r['blocks']} blocks over {r['wall_s']:.1f} s; "
            f"every voice sounding throughout ({r['voices_at_end']} of {r['voices']} still sounding at the end, "
            f"active max {r['active_max']}); "
            f"rows lost {r['rows_lost']}; late {r['late']}, dropped {r['dropped']}, underflows {r['underflows']}; "
            f"blocks > 1 period {r['over_one']}; busy-thread iterations {r['busy_iterations']}; jackd {r['mode']}, "
            f"engine process: {r['rt']}; jackd xrun messages {r['jackd_xruns']}; load average {r['load']}")
    lines += ["", "```", f"{runs[0]['jackd_cmd']} &", *(r["probe_cmd"] for r in runs), "```"]
    return lines


# -- soak --------------------------------------------------------------------------------------

def delivered_on_grid(planned: np.ndarray, onsets: np.ndarray, spacing: int) -> tuple[int, int | None]:
    """How many planned clicks have an onset exactly on them once shifted by the one offset
    (JACK frame - engine frame) that fits the most; and that offset. ``planned`` is evenly spaced."""
    if onsets.size == 0 or planned.size == 0:
        return 0, None
    rel = onsets - planned[0]
    residues, counts = np.unique(rel % spacing, return_counts=True)
    r = int(residues[np.argmax(counts)])
    k = np.unique((rel[rel % spacing == r] - r) // spacing)  # grid index of each on-grid onset
    ends = np.searchsorted(k, k + planned.size)  # best window of planned.size grid slots
    best = int(np.argmax(ends - np.arange(k.size)))
    return int(ends[best] - best), int(r + k[best] * spacing)


def soak_one(probe: Path, name: str, *, minutes: float, spacing: int = SOAK_SPACING) -> dict:
    clicks = max(2, int(round(minutes * 60 * SR / spacing)))
    audio_s = (LEAD_FRAMES + (clicks - 1) * spacing + TAIL_FRAMES) / SR
    with JackServer(sync=True) as server:
        args = ["--name", name, "--clicks", str(clicks), "--spacing-frames", str(spacing), "--busy"]
        with JackClientProcess(probe, args, server.env, f"{probe.name} (soak)") as eng:
            eng.wait_ready(timeout_s=60)
            rt = _rt_threads(eng.pid)
            seconds = (LEAD_FRAMES + clicks * spacing) / SR + 1.5
            with start_recorder(server, f"{name}:", seconds=seconds, threshold=0.01) as rec:
                rec.wait_ready()
                load_before = _loadavg()
                t0 = time.monotonic()
                eng.close_stdin()  # go
                # On the synchronous server a late client slows the clock: allow 10x real time.
                played = eng.result(timeout_s=audio_s * 10 + 120)
                recorded = rec.result(timeout_s=60, close_stdin=True)
                wall = time.monotonic() - t0
                cmds = [_jackd_cmd(server) + " &", _show(eng.cmd), _show(rec.cmd)]
        mode, xruns = server.mode, _xrun_summary(server)
    planned = np.asarray(played["planned"], dtype=np.int64)
    onsets = np.asarray(recorded["onset_frames"], dtype=np.int64)
    diffs = np.diff(onsets)
    delivered, offset = delivered_on_grid(planned, onsets, spacing)
    stats = played["stats"]
    return {
        "clicks": clicks, "delivered": delivered, "onsets": int(onsets.size),
        "off_grid": int(onsets.size - delivered), "exact_spacings": int((diffs == spacing).sum()),
        "spacings": clicks - 1, "spacing_values": sorted(set(diffs.tolist()))[:8],
        "late": stats.get("late"), "dropped": stats.get("dropped"), "underflows": stats.get("underflows"),
        "jackd_xruns": xruns, "rec_gaps": recorded["gaps"], "rec_xruns": recorded["xruns"],
        "busy_iterations": played["busy_iterations"], "audio_s": audio_s, "wall_s": played["wall_s"],
        "total_wall_s": wall, "mode": mode, "rt": rt, "cmds": cmds,
        "load": f"{load_before} -> {_loadavg()}", "offset": offset, "callback": played.get("callback"),
    }


def run_soak(minutes: float = 10.0, peer_minutes: float = 2.0) -> list[str]:
    """Engine (``minutes``), then peer (``peer_minutes``). Each run's figures also go to
    stderr as one JSON line as soon as it ends; a run that fails is reported in its row."""
    plan = [("numba sampler callback (LiveDriver)", ENGINE_PROBE, "live-soak", minutes),
            ("peer: Python sounddevice callback", PYTHON_PROBE, "pypeer-soak", peer_minutes)]
    runs = []
    for label, probe, name, m in plan:
        t0 = time.monotonic()
        try:
            r = soak_one(probe, name, minutes=m)
        except Exception as e:  # noqa: BLE001 - report it, keep the other run's figures
            r = {"error": f"{type(e).__name__}: {str(e).splitlines()[0]}", "minutes": m,
                 "after_s": time.monotonic() - t0, "load": _loadavg()}
        r["minutes"] = m
        print(f"soak {name}: " + json.dumps({k: v for k, v in r.items() if k != "cmds"}, default=str),
              file=sys.stderr, flush=True)
        runs.append((label, r))
    lines = [
        f"| soak, 64-frame periods, busy Python thread in the engine process | minutes of audio "
        "| delivered / scheduled | spacings exact | engine late / dropped | jackd xrun messages "
        "| recorder gaps / xruns | audio s / wall s | target |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, r in runs:
        if "error" in r:
            lines.append(f"| {label} | {r['minutes']:g} | failed after {r['after_s']:.0f} s: {r['error']} "
                         "| | | | | | 1.000 |")
            continue
        late = f"{r['late']} / {r['dropped']}" if r["late"] is not None else f"n/a ({r['underflows']} underflow flags)"
        lines.append(
            f"| {label} | {r['minutes']:g} | {r['delivered']} / {r['clicks']} = {r['delivered'] / r['clicks']:.3f} "
            f"| {r['exact_spacings']} of {r['spacings']} | {late} | {r['jackd_xruns']} "
            f"| {r['rec_gaps']} / {r['rec_xruns']} | {r['audio_s']:.1f} / {r['wall_s']:.1f} "
            f"= {r['audio_s'] / r['wall_s']:.2f} | 1.000 |")
    lines.append("")
    for label, r in runs:
        if "error" in r:
            lines.append(f"- {label}: failed: {r['error']}; load average then {r['load']}")
            continue
        lines.append(
            f"- {label}: {r['onsets']} onsets recorded, {r['off_grid']} off the planned frames; spacings seen "
            f"{r['spacing_values']}{' ...' if len(r['spacing_values']) == 8 else ''}; busy-thread iterations "
            f"{r['busy_iterations']}; jackd {r['mode']}, engine process: {r['rt']}; run {r['total_wall_s']:.0f} s "
            f"wall; load average {r['load']}")
        cb = r["callback"]
        if cb and "duration_us_max" in cb:
            lines.append(
                f"  - its callback's own rows: {cb['blocks']} blocks, {cb['rows_lost']} rows lost; time inside the "
                f"callback p99.9 {cb['duration_us_p999']:.0f} us, max {cb['duration_us_max']:.0f} us; longest "
                f"interval between callback entries {cb['start_interval_us_max']:.0f} us "
                f"({cb['start_intervals_over_2_periods']} over 2 periods)"
                + (": the callback never ran long, so jackd's xruns here are the cycle reaching it late (the VM, "
                   "jackd, the Python recorder)" if cb["duration_us_max"] < 0.25 * PERIOD / SR * 1e6 and not r["jackd_xruns"].startswith("0") else ""))
    lines += ["", "```"] + [c for _, r in runs for c in r.get("cmds", [])] + ["```"]
    return lines


def run(minutes: float = 10.0, peer_minutes: float = 2.0) -> list[str]:
    return run_callback_load() + [""] + run_soak(minutes, peer_minutes)


if __name__ == "__main__":
    print("\n".join(run()))
