"""`live --help` time, and session start (imports + JIT load + first block) warm and cold."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

FIRST_BLOCK = (
    "import time; t0 = time.perf_counter()\n"
    "from live.engine.bank import default_bank\n"
    "from live.engine.sampler import SamplerState\n"
    "from live.engine.drivers import OfflineDriver\n"
    "import live.run.offline\n"
    "d = OfflineDriver(SamplerState(default_bank()), sample_rate=48000); d.render(64)\n"
    "print(time.perf_counter() - t0)\n"
)


def _wall(cmd: list[str], env=None) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    return time.perf_counter() - t0


def run() -> list[str]:
    live = os.path.join(os.path.dirname(sys.executable), "live")
    helps = [_wall([live, "--help"]) for _ in range(7)]
    warm = [float(subprocess.run([sys.executable, "-c", FIRST_BLOCK], check=True, capture_output=True,
                                 text=True).stdout) for _ in range(5)]
    cold = []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as cache:
            env = dict(os.environ, NUMBA_CACHE_DIR=cache)
            cold.append(float(subprocess.run([sys.executable, "-c", FIRST_BLOCK], check=True, env=env,
                                             capture_output=True, text=True).stdout))
    return [
        "| start-up | median | max | target |",
        "|---|---|---|---|",
        f"| `live --help` (whole process, wall) | {statistics.median(helps):.3f} s | {max(helps):.3f} s | <= 0.3 s |",
        f"| session start to first block, numba cache warm (in process) | {statistics.median(warm):.2f} s | {max(warm):.2f} s | <= 3 s |",
        f"| session start to first block, numba cache cold (compiles) | {statistics.median(cold):.2f} s | {max(cold):.2f} s | - |",
    ]


if __name__ == "__main__":
    print("\n".join(run()))
