"""Make ``store.db`` and its exports with live as it was before issue 11 (git tag ``pre-i11``,
store schema version 4), for ``tests/test_store_old_data.py``.

Run it with the code of that tag, never the current one::

    git worktree add --detach /tmp/pre-i11 pre-i11
    PYTHONPATH=/tmp/pre-i11 .venv/bin/python tests/data/pre_i11/make_store.py tests/data/pre_i11

What goes in (one SQLite file):

- ``live demo --seed 3`` and ``live demo --preset ras-protocol --seed 3`` (client SIM-001);
- client C-014 with a display name (``live clients add``), goals for SIM-001 and C-014
  (``live goals add``), a session note and a marked moment (``live sessions note``), a MIDI
  calibration (``Store.save_calibration``, as ``live calibrate`` stores one);
- a session of C-014 written through the Store the way ``live run`` writes one: scheduled beats,
  the client's and the therapist's inputs, provisional responses, the therapist's controls,
  the run's calibration and playback settings, an audio outage and the run played again after
  it as its next segment, which was cut short (the session ended incomplete).

Then each session's CSV, JSON and FHIR exports, written by that same code with ``live export``
(``exports/<first 8 of the session id>.<format ending>``), and ``sessions.json`` naming them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def live(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "live", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"live {' '.join(args)} failed ({done.returncode}): {done.stderr}")
    return done.stdout


def live_shaped_session(db: Path) -> str:
    """A session of C-014 as ``live run`` stores it (values as a run at 100 BPM on MIDI gives)."""
    from live.activities.base import Response, Summary
    from live.engine.events import InputEvent, ScheduledSound
    from live.session.store import Store

    rate, period = 48_000, 28_800  # 100 BPM
    with Store.open(db) as store:
        cal = store.latest_calibration("midi", "Drum Pad")
        calibration = {"midi": {"device": "Drum Pad", "latency_frames": cal["latency_frames"],
                                "calibration_id": cal["id"]}}
        playback = {"channels": 2, "pad_sound": "woodblock", "pad_gain": 0.8, "pad_delay_frames": 128,
                    "pad_source": "midi", "silent_notes": [20, 21, 22, 23, 24]}
        params = {"tempo_bpm": 100.0, "meter": 4, "accents": [1], "count_in_beats": 2, "beats": 16,
                  "duration_s": None, "sound": "click", "volume": 0.8, "window_ms": 50.0}
        sid = store.create_session(client_codes=["C-014"], simulated=False, sample_rate=rate)
        start = 9_600
        run1 = store.create_run(sid, activity="entrainment", preset_name="steady-beat-100",
                                preset_path="presets/entrainment/steady-beat-100.toml", params=params,
                                start_frame=start, calibration=calibration, playback=playback)
        beats = [start + (k + 2) * period for k in range(8)]
        sounds = [ScheduledSound(start + k * period, "click", 0.8, k - 2) for k in range(2)]
        sounds += [ScheduledSound(f, "click_accent" if k % 4 == 0 else "click", 0.8, k) for k, f in enumerate(beats)]
        offsets = [-1_500, -900, 300, None, -2_100, 700, -400, -1_200]  # frames; None: a missed beat
        inputs, responses = [], []
        for k, (f, off) in enumerate(zip(beats, offsets)):
            if off is None:
                continue
            ev = InputEvent(f + off, "midi", 38, 90 + k, "C-014")
            inputs.append(ev)
            responses.append(Response(ev, k, f, 1000.0 * off / rate))
        extra = InputEvent(beats[3] + 14_000, "midi", 38, 64, "C-014")  # an extra tap
        inputs.append(extra)
        responses.append(Response(extra, None, None, None))
        therapist = [InputEvent(f + 200, "midi", 60, 70, None) for f in beats[:3]]
        controls = [(beats[2] + 5_000, "tempo_up", 2.0, "tempo 100 -> 102 BPM from beat 4"),
                    (beats[5] + 1_000, "mark", None, None)]
        store.add_batch(run1, sounds=sounds[:6], inputs=[*inputs[:3], *therapist], responses=responses[:3],
                        controls=controls[:1])
        store.add_batch(run1, sounds=sounds[6:], inputs=inputs[3:], responses=responses[3:], controls=controls[1:])
        store.add_note(sid, "client laughed here", run_id=run1, frame=beats[5] + 1_000)
        finals = responses
        store.close_run(run1, summary=Summary(
            {"n_beats": 8, "n_taps": 8, "matched": 7, "missed": 1, "extra": 1, "mean_async_ms": -14.5,
             "sd_async_ms": 19.25, "within_window_pct": 87.5, "R": 0.93, "alpha": None},
            phases={"cue": {"n_beats": 8, "mean_async_ms": -14.5, "sd_async_ms": 19.25}}),
            final_responses=finals, end_frame=beats[-1] + period)
        lost_at = beats[-1] + period + 4_000
        outage = store.begin_outage(sid, start_frame=lost_at, device="audio on JACK Audio Connection Kit",
                                    run_id=None)
        back = lost_at + 3 * rate
        store.end_outage(outage, end_frame=back)
        run2 = store.create_run(sid, activity="entrainment", preset_name="steady-beat-100",
                                preset_path="presets/entrainment/steady-beat-100.toml", params=params,
                                start_frame=back + 4_800, calibration=calibration, playback=playback,
                                resumes_run_id=run1, outage_id=outage)
        beats2 = [back + 4_800 + k * period for k in range(3)]
        ev2 = [InputEvent(f - 600, "midi", 38, 100, "C-014") for f in beats2[:2]]
        store.add_batch(run2, sounds=[ScheduledSound(f, "click", 0.8, k) for k, f in enumerate(beats2)],
                        inputs=ev2, responses=[Response(e, k, beats2[k], -12.5) for k, e in enumerate(ev2)])
        store.close_session(sid, status="incomplete")
    return sid


def main(out: Path) -> None:
    from live.session import store as store_module

    if store_module.SCHEMA_VERSION != 4:
        raise SystemExit(f"run this with the code of tag pre-i11 (schema version 4), not "
                         f"{store_module.SCHEMA_VERSION}: PYTHONPATH=<checkout of pre-i11>")
    out.mkdir(parents=True, exist_ok=True)
    db = out / "store.db"
    for f in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        f.unlink(missing_ok=True)
    exports = out / "exports"
    exports.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        ids = [json.loads(live("demo", "--seed", "3", "--db", str(db), "--out", tmp, "--json"))["session_id"],
               json.loads(live("demo", "--preset", "ras-protocol", "--seed", "3", "--db", str(db), "--out", tmp,
                               "--json"))["session_id"]]
    live("clients", "add", "C-014", "--name", "Sam Example", "--db", str(db))
    live("goals", "add", "SIM-001", "sd_async_ms", "<=", "40", "at", "100", "BPM", "--db", str(db))
    live("goals", "add", "SIM-001", "within_window_pct", ">=", "80", "phase", "cue", "--db", str(db))
    live("goals", "add", "C-014", "mean_async_ms", ">=", "-30", "preset", "steady-beat-100", "--db", str(db))
    live("sessions", "note", ids[0], "Engaged throughout; counted aloud.", "--db", str(db))
    live("sessions", "note", ids[1], "Walked faster at +10 %", "--at", "1:05", "--db", str(db))
    from live.session.store import Store

    with Store.open(db) as store:  # as `live calibrate --midi-in "Drum Pad"` stores its result
        store.save_calibration(input_path="midi", device="Drum Pad", latency_frames=173, sample_rate=48_000,
                               details={"latency_ms": 3.6, "n_taps": 24, "n_kept": 23, "iqr_ms": 1.2})
    ids.append(live_shaped_session(db))
    for sid in ids:
        for fmt, ending in (("csv", ".csv.zip"), ("json", ".json"), ("fhir", ".fhir.json")):
            live("export", sid, "--format", fmt, "--db", str(db), "--out", str(exports / f"{sid[:8]}{ending}"))
    (out / "sessions.json").write_text(json.dumps({"schema_version": 4, "sessions": ids}, indent=1) + "\n")
    os.chmod(db, 0o600)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent)
