"""Run the ``live`` command line with the session store failing at its Nth batch: an internal
error in the middle of a session, injected from outside the program (tests/test_bad_input.py).

    python tests/failing_live.py COUNTS.json N live-arguments...

Batches 1..N-1 are written as usual and counted in COUNTS.json (``calls``, ``events``:
sounds and inputs, ``responses``); batch N raises ``RuntimeError("injected failure ...")``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from live.store.store import Store


def fail_batches_from(n: int, counts_path: Path, patch=setattr) -> dict:
    """Replace ``Store.add_batch`` (with ``patch``, e.g. pytest's ``monkeypatch.setattr``) by one
    that writes batches 1..n-1 and raises at batch n; returns the counts of what was written
    (also in ``counts_path`` after each batch)."""
    real = Store.add_batch
    done = {"calls": 0, "events": 0, "responses": 0}
    counts_path.write_text(json.dumps(done))

    def add_batch(self, run_id, *, sounds=(), inputs=(), responses=(), controls=(), **more):
        done["calls"] += 1
        if done["calls"] >= n:
            counts_path.write_text(json.dumps(done))
            raise RuntimeError(f"injected failure in batch {done['calls']}")
        sounds, inputs, responses = list(sounds), list(inputs), list(responses)
        real(self, run_id, sounds=sounds, inputs=inputs, responses=responses, controls=controls, **more)
        done["events"] += len(sounds) + len(inputs)
        done["responses"] += len(responses)
        counts_path.write_text(json.dumps(done))

    patch(Store, "add_batch", add_batch)
    return done


if __name__ == "__main__":
    fail_batches_from(int(sys.argv[2]), Path(sys.argv[1]))
    from live.cli import main

    raise SystemExit(main(sys.argv[3:]))
