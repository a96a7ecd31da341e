"""Entrainment unchanged by issue 11: ``live demo --seed 3 --json`` and
``live demo --preset ras-protocol --seed 3 --json`` print what they printed before the change,
key for key (the session id and the output paths aside).

The golden files in tests/data/golden/ were printed by the code at tag ``pre-i11`` (before issue
11: ``git checkout pre-i11 && live demo --seed 3 --json``). The demo is deterministic
(seeded client, offline engine), so every value is compared exactly except the floats computed by
least squares (bGLS's alpha and the like), compared to 1e-9 of their size: their last digits move
with the numpy/BLAS build (a fresh install on 2026-12-01, numpy 2.4.6 and scipy 1.17.1, printed
alpha 0.5317176037939849 for the golden 0.5317176037939363, 9e-14 apart). A change of behaviour
moves a value far more than that.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "data" / "golden"


def _demo(argv: list[str], out: Path) -> dict:
    proc = subprocess.run([sys.executable, "-m", "live", "demo", *argv, "--json", "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _keys_and_values(doc: dict, path: str = "") -> dict[str, object]:
    """Every leaf of ``doc`` by its path (``phases/cue/alpha``), in document order."""
    out: dict[str, object] = {}
    for key, value in doc.items():
        where = f"{path}/{key}" if path else key
        if isinstance(value, dict):
            out[where] = "{}"
            out.update(_keys_and_values(value, where))
        else:
            out[where] = value
    return out


@pytest.mark.parametrize("argv, golden", [
    (["--seed", "3"], "demo-seed3.json"),
    (["--preset", "ras-protocol", "--seed", "3"], "demo-ras-protocol-seed3.json"),
])
def test_demo_json_matches_the_output_before_issue_11_key_for_key(tmp_path, argv, golden):
    before = json.loads((GOLDEN / golden).read_text())
    after = _demo(argv, tmp_path)
    # The session id is new each time and the paths name this run's folder; the rest as the docstring says.
    assert isinstance(after.pop("session_id"), str) and before.pop("session_id")
    outputs_before, outputs_after = before.pop("outputs"), after.pop("outputs")
    assert list(outputs_after) == list(outputs_before) == ["wav", "db"]
    assert Path(outputs_after["wav"]).name.startswith("session-") and Path(outputs_after["db"]).name == "live-demo.db"
    assert list(_keys_and_values(after)) == list(_keys_and_values(before))  # the same keys, in the same order
    assert _keys_and_values(after) == {k: _near(v, _keys_and_values(after)[k]) for k, v in _keys_and_values(before).items()}


REL_TOL = 1e-9  # the numpy/BLAS build's last digits (module docstring); a behaviour change is far larger


def _near(golden: object, value: object) -> object:
    """``value`` where it is a float within REL_TOL of the golden one, else ``golden`` (so == fails)."""
    if isinstance(golden, float) and isinstance(value, float) and math.isclose(golden, value, rel_tol=REL_TOL):
        return value
    return golden
