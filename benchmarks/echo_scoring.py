"""Echo scoring speed: 10 000 call-and-response trials of 2..8 onsets each, scored one by one
with ``score_echo`` (what the call-and-response activity does after every trial).

Trials are seeded: calls on a 125-ms grid over up to 4 s, answers a copy one phrase later with
30 ms of timing noise, a note left out now and then, and an extra onset now and then. Reported:
the first call in a fresh process (the numba cache loaded, or compiled when cold) and the median
and maximum of five timed passes over all 10 000 trials.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

import numpy as np

from live.metrics.echo import EchoNote, score_echo

N_TRIALS = 10_000


def trials(n: int = N_TRIALS, seed: int = 12) -> list[tuple[list[EchoNote], list[EchoNote]]]:
    """``n`` seeded (call, answer) pairs of 2..8 call onsets."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        k = int(rng.integers(2, 9))
        onsets = np.sort(rng.choice(32, size=k, replace=False)) * 0.125
        call = [EchoNote(float(t), 60 + int(rng.integers(0, 5)), 0.1) for t in onsets]
        lag = onsets[-1] + 0.5
        answer = [EchoNote(float(c.onset_s + lag + rng.normal(0, 0.03)), c.note) for c in call if rng.random() > 0.1]
        if rng.random() < 0.2:
            answer.append(EchoNote(float(lag + rng.uniform(0, onsets[-1])), 60))
        out.append((call, answer))
    return out


def _first_call_s() -> float:
    code = ("import time; from live.metrics.echo import EchoNote as N, score_echo; t0 = time.perf_counter(); "
            "score_echo([N(0.0), N(0.5)], [N(1.0), N(1.52)]); print(time.perf_counter() - t0)")
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def run() -> list[str]:
    data = trials()
    score_echo(*data[0])  # compiled or loaded from the cache
    passes = []
    for _ in range(5):
        t0 = time.perf_counter()
        for call, answer in data:
            score_echo(call, answer)
        passes.append(time.perf_counter() - t0)
    onsets = sum(len(c) + len(a) for c, a in data)
    first = _first_call_s()
    return [
        "| what | median of 5 | max | target |",
        "|---|---|---|---|",
        f"| score_echo on {N_TRIALS} trials of 2..8 call onsets ({onsets} onsets in all), one call each | "
        f"{statistics.median(passes) * 1000:.0f} ms | {max(passes) * 1000:.0f} ms | well under 1 s |",
        f"| per trial | {statistics.median(passes) / N_TRIALS * 1e6:.1f} us | {max(passes) / N_TRIALS * 1e6:.1f} us | |",
        f"| first call in a fresh process (numba cache warm) | {first * 1000:.0f} ms | | |",
    ]


if __name__ == "__main__":
    print("\n".join(run()))
