"""The sampler callback on a real JACK graph (dummy driver), through PortAudio, with a busy
pure-Python thread in the engine process; a separate JACK client process records the output.

Needs jackd and PortAudio (``make test`` installs them): without them these tests fail.
"""

import sys
from pathlib import Path

import numpy as np

from jackutil import JackClientProcess, start_recorder
from live_run_helpers import RECORDER_ATTEMPTS

PROBE = Path(__file__).with_name("jack_engine_probe.py")


def _play_and_record(server, *, clicks, spacing, busy):
    name = f"live-{server.name[-12:]}"
    args = ["--name", name, "--clicks", str(clicks), "--spacing-frames", str(spacing)]
    with JackClientProcess(PROBE, args + (["--busy"] if busy else []), server.env, "engine probe") as engine:
        engine.wait_ready(timeout_s=30)  # first start may compile
        seconds = (24000 + clicks * spacing) / 48000 + 1.5
        with start_recorder(server, f"{name}:", seconds=seconds, threshold=0.01) as rec:
            rec.wait_ready()
            engine.close_stdin()  # go
            played = engine.result(timeout_s=seconds + 30)
            recorded = rec.result(timeout_s=seconds + 30)
    return played, recorded


def test_every_click_at_exactly_the_planned_spacing_with_a_busy_python_thread(jack_server_sync):
    """On a synchronous server (-S) every client's block is in the cycle it belongs to, so the
    (Python) recorder's own lateness cannot misplace what it records; a late engine would show
    up as a missing or shifted click or as an xrun. The xruns jackd reported are printed.

    A run whose recorder missed a cycle (it reports gaps) cannot vouch for the clicks around the
    gap: it is measured again, up to RECORDER_ATTEMPTS runs (a fresh clone's ``make test``,
    2026-12-01: one 64-frame gap, every click at its spacing all the same); every other check
    holds in every run."""
    server = jack_server_sync
    clicks, spacing = 60, 4801  # a spacing that is no multiple of the 64-frame period
    for attempt in range(1, RECORDER_ATTEMPTS + 1):
        played, recorded = _play_and_record(server, clicks=clicks, spacing=spacing, busy=True)
        onsets = np.asarray(recorded["onset_frames"])
        assert len(onsets) == clicks, (played["stats"], recorded)
        assert set(np.diff(onsets).tolist()) == {spacing}
        assert np.diff(played["planned"]).tolist() == [spacing] * (clicks - 1)
        assert played["stats"]["late"] == 0 and played["stats"]["dropped"] == 0
        assert played["busy_iterations"] > 100  # the busy thread did run
        print(f"jack smoke, run {attempt}: {clicks} clicks, spacing {spacing} frames exact; engine stats "
              f"{played['stats']}; busy-thread iterations {played['busy_iterations']}; mode {server.mode}; "
              f"jackd xrun messages {len(server.xrun_messages())}; recorder gaps {recorded['gap_frames']}",
              file=sys.stderr)
        if recorded["gaps"] == 0:
            break
    assert recorded["gaps"] == 0, f"the recorder had gaps in all {RECORDER_ATTEMPTS} runs: {recorded['gap_frames']}"
