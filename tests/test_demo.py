"""`live demo` end to end: rendered, scored, stored, summarized; checked from outside."""

import csv
import json
import os
import shlex
import sqlite3
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from onsets import onset_frames

LIVE = [sys.executable, "-m", "live"]
SMS_KEYS = ["n_beats", "n_taps", "matched", "missed", "extra", "mean_async_ms", "sd_async_ms", "median_async_ms",
            "within_window_pct", "R", "mean_phase_deg", "rayleigh_p", "iti_mean_ms", "iti_cv"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    proc = subprocess.run([*LIVE, "demo", "--json", "--seed", "5", "--out", str(out)],
                          capture_output=True, text=True, check=True)
    result = json.loads(proc.stdout)  # the whole of stdout is one JSON object
    return result, proc, out


def _db_rows(db, sql, *args):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def test_json_output_is_one_object_with_the_documented_keys(demo):
    result, proc, out = demo
    assert proc.stdout.count("\n") == 1
    assert set(result) == {"session_id", "summary", "phases", "simulated", "outputs"}
    assert isinstance(result["session_id"], str)
    assert list(result["summary"]) == [*SMS_KEYS, "alpha"]
    assert list(result["phases"]) == ["cue"]  # one cued phase: no baseline, steps or continuation
    assert list(result["phases"]["cue"]) == [*SMS_KEYS, "cue_tempo_bpm", "tempo_following_ratio", "alpha"]
    assert {k: result["phases"]["cue"][k] for k in SMS_KEYS} == {k: result["summary"][k] for k in SMS_KEYS}
    assert result["simulated"] == {"mean_async_ms": -30.0, "timekeeper_sd_ms": 15.0, "motor_sd_ms": 8.0,
                                   "alpha": 0.4, "seed": 5, "period_ms": 600.0}
    assert result["summary"]["n_beats"] == 200
    assert "rendering" in proc.stderr  # progress goes to stderr
    for path in result["outputs"].values():
        assert Path(path).is_file() and os.stat(path).st_mode & 0o777 == 0o600


def test_session_is_stored_complete_and_flagged_simulated(demo):
    result, _, _ = demo
    db = result["outputs"]["db"]
    [(status, simulated)] = _db_rows(db, "SELECT status, simulated FROM sessions WHERE id = ?", result["session_id"])
    assert (status, simulated) == ("complete", 1)
    [(run_status,)] = _db_rows(db, "SELECT status FROM runs")
    assert run_status == "complete"
    n_resp = _db_rows(db, "SELECT count(*), sum(provisional) FROM responses")[0]
    assert n_resp == (result["summary"]["n_taps"], 0)  # final scores replaced provisional ones


def _beats_and_taps(db):
    beats = [f for (f,) in _db_rows(db, "SELECT frame FROM events WHERE kind = 'sound' AND cue_index >= 0 ORDER BY frame")]
    taps = [f for (f,) in _db_rows(db, "SELECT frame FROM events WHERE kind = 'input' ORDER BY frame")]
    [(sr,)] = _db_rows(db, "SELECT sample_rate FROM sessions")
    return beats, taps, sr


def _stored_summary(db, phase="all"):
    return {m: v for m, v in _db_rows(db, "SELECT metric, value FROM summaries WHERE phase = ? ORDER BY position",
                                      phase)}


def test_stored_mean_asynchrony_equals_an_independent_computation_from_frames(demo):
    """Matching per the issue's definition, written here without live.metrics."""
    result, _, _ = demo
    db = result["outputs"]["db"]
    beats, taps, sr = _beats_and_taps(db)
    assert len(beats) == 200
    intervals = [beats[k + 1] - beats[k] for k in range(len(beats) - 1)] + [beats[-1] - beats[-2]]
    best = {}  # beat -> (distance, tap)
    for t in taps:
        k = min(range(len(beats)), key=lambda j: (abs(t - beats[j]), j))
        if 2 * abs(t - beats[k]) <= intervals[k] and (k not in best or abs(t - beats[k]) < best[k][0]):
            best[k] = (abs(t - beats[k]), t)
    asyncs_ms = [1000.0 * (t - beats[k]) / sr for k, (_, t) in best.items()]
    stored = _stored_summary(db)
    assert stored["matched"] == len(asyncs_ms)
    assert stored["mean_async_ms"] == pytest.approx(sum(asyncs_ms) / len(asyncs_ms), abs=1e-9)
    assert result["summary"]["mean_async_ms"] == stored["mean_async_ms"]
    # ... and it recovers the simulated client's true mean asynchrony.
    assert stored["mean_async_ms"] == pytest.approx(-30.0, abs=5.0)


def test_stored_summary_equals_live_metrics_sms_on_the_runs_times(demo, tmp_path):
    result, _, _ = demo
    db = result["outputs"]["db"]
    beats, taps, sr = _beats_and_taps(db)
    for name, frames in (("beats", beats), ("taps", taps)):
        with open(tmp_path / f"{name}.csv", "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["time_s"])
            w.writerows([[repr(fr / sr)] for fr in frames])
    proc = subprocess.run([*LIVE, "metrics", "sms", "--beats", str(tmp_path / "beats.csv"), "--taps",
                           str(tmp_path / "taps.csv"), "--json"], capture_output=True, text=True, check=True)
    sms = json.loads(proc.stdout)
    assert {k: v for k, v in _stored_summary(db).items() if k in SMS_KEYS} == sms
    assert _stored_summary(db) == result["summary"] and _stored_summary(db, "cue") == result["phases"]["cue"]


def test_wav_has_every_beat_at_its_stored_frame(demo):
    result, _, _ = demo
    db = result["outputs"]["db"]
    frames = [f for (f,) in _db_rows(db, "SELECT frame FROM events WHERE kind = 'sound' ORDER BY frame")]
    with wave.open(result["outputs"]["wav"]) as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2") / 32767.0
    assert onset_frames(pcm, threshold=1e-3).tolist() == frames
    assert len(frames) == 204  # 4 count-in beats + 200 scored


def test_demo_runs_without_sounddevice_or_rtmidi(tmp_path):
    """Imports of the live audio/MIDI packages fail in this process: the demo must not need them;
    and no PortAudio, JACK or ALSA library is loaded into it (its memory map names none)."""
    code = (
        "import sys, importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('sounddevice', 'rtmidi', 'jack', 'mido'):\n"
        "            raise ImportError('blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from live.cli import main\n"
        f"code = main(['demo', '--json', '--out', {str(tmp_path)!r}])\n"
        "loaded = [lib for lib in ('libportaudio', 'libjack', 'libasound') if lib in open('/proc/self/maps').read()]\n"
        "print('native libraries loaded:', loaded, file=sys.stderr)\n"
        "raise SystemExit(code)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["summary"]["n_beats"] == 200
    assert "native libraries loaded: []" in proc.stderr


def test_readable_output_names_what_it_wrote(tmp_path):
    proc = subprocess.run([*LIVE, "demo", "--out", str(tmp_path), "--preset", "finger-tapping-60"],
                          capture_output=True, text=True, check=True)
    assert "mean asynchrony" in proc.stdout and "finger-tapping-60" in proc.stdout
    assert str(tmp_path / "live-demo.db") in proc.stdout
    assert ".wav" in proc.stdout


def test_every_shipped_entrainment_preset_runs_and_prints_its_phases(tmp_path, capsys):
    """Each preset rendered, scored and stored; its per-phase table printed with a column per phase."""
    from live.cli import main
    from live.presets import load_preset, shipped_presets

    presets = [p for p in shipped_presets() if p.parent.name == "entrainment"]
    assert len(presets) >= 6
    for p in presets:
        params = load_preset(p).params
        out_dir = tmp_path / p.stem
        assert main(["demo", "--preset", p.stem, "--out", str(out_dir)]) == 0
        out = capsys.readouterr().out
        stored = _db_rows(str(out_dir / "live-demo.db"), "SELECT DISTINCT phase FROM summaries")
        phases = [name for (name,) in stored if name != "all"]
        expected = (["baseline"] if params.baseline_s else []) + (
            ["cue"] if len(params.tempo_steps_pct) == 1 else [f"cue{x:+g}%" for x in params.tempo_steps_pct]) + (
            ["continuation"] if params.continuation_beats else [])
        assert sorted(phases) == sorted(expected), p.stem
        table = out.split("Per phase:\n", 1)[1]
        assert table.splitlines()[0].split() == expected, p.stem
        for name in expected:
            if name.startswith("cue"):
                summary = _stored_summary(str(out_dir / "live-demo.db"), name)
                assert summary["matched"] > 0.9 * summary["n_beats"], (p.stem, name)
                assert summary["tempo_following_ratio"] == pytest.approx(1.0, abs=0.02), (p.stem, name)


def test_bad_preset_exits_2_with_the_problem(tmp_path, capsys):
    from live.cli import main

    bad = tmp_path / "bad.toml"
    bad.write_text('schema = 1\nactivity = "entrainment"\ntitle = "t"\ngoal = "g"\n[params]\ntempo_bpm = 300\nbeats = 8\n')
    assert main(["demo", "--preset", str(bad), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}: params.tempo_bpm: 300: must be 20..240 BPM" in err
    assert main(["demo", "--preset", "no-such-preset", "--out", str(tmp_path)]) == 2
    assert "steady-beat-100" in capsys.readouterr().err  # lists what exists


def _stored(db: Path) -> dict[str, list]:
    """Everything a session stored that is not an id or a wall-clock time, table by table."""
    con = sqlite3.connect(db)
    try:
        out = {}
        for table in ("runs", "events", "responses", "summaries", "controls"):
            cols = [c[1] for c in con.execute(f"PRAGMA table_info({table})")
                    if c[1] not in ("id", "run_id", "session_id", "started_at", "ended_at", "preset_path")]
            out[table] = sorted(map(repr, con.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall()))
        return out
    finally:
        con.close()


@pytest.mark.parametrize("preset_name, controls", [
    ("waltz-72", ()),
    ("ras-protocol", ()),                                  # a baseline, a cue from its cadence, steps
    ("adaptive-warm-up", ()),                              # beats placed from the taps so far
    ("steady-beat-100", ((24000 + 10 * 28800 + 1000, "tempo_set", 120.0),)),  # a therapist's control
])
def test_results_do_not_depend_on_block_or_control_period(tmp_path, preset_name, controls):
    """The same session rendered with 128-frame blocks and 512-frame control steps (the default),
    64 and 64, 1000 and 1000, and 2048 and 2048 (the alpha test's and the accuracy benchmarks'):
    the same summary, every stored row the same (run end frame included) and the same audio."""
    from live.presets import find_preset, load_preset
    from live.run.offline import LoopTiming, simulate_session
    from live.store.store import Store

    preset = load_preset(find_preset(preset_name))
    timings = [LoopTiming(), LoopTiming(block_frames=64, control_period_frames=64),
               LoopTiming(block_frames=1000, control_period_frames=1000),
               LoopTiming(block_frames=2048, control_period_frames=2048)]
    outcomes, stored, audio = [], [], []
    for i, timing in enumerate(timings):
        out_dir = tmp_path / str(i)
        out_dir.mkdir()
        with Store.open(out_dir / "s.db") as store:
            outcomes.append(simulate_session(preset, store=store, seed=9, timing=timing, wav_dir=out_dir,
                                             controls=controls))
        stored.append(_stored(out_dir / "s.db"))
        with wave.open(str(outcomes[-1].wav_path)) as w:
            audio.append(w.readframes(w.getnframes()))
    first = outcomes[0]
    assert first.summary.metrics["n_taps"] > 0 and len(stored[0]["events"]) > 0
    assert len(stored[0]["controls"]) == len(controls)
    for i, o in enumerate(outcomes[1:], 1):
        assert o.summary == first.summary, timings[i]
        assert [r.event.frame for r in o.responses] == [r.event.frame for r in first.responses], timings[i]
        assert o.end_frame == first.end_frame, timings[i]
        assert stored[i] == stored[0], timings[i]
        assert audio[i] == audio[0], timings[i]


def test_seed_makes_the_session_reproducible(tmp_path, capsys):
    from live.cli import main

    runs = []
    for i, seed in enumerate([11, 11, 12]):
        main(["demo", "--json", "--seed", str(seed), "--preset", "finger-tapping-60", "--out", str(tmp_path / str(i))])
        runs.append(json.loads(capsys.readouterr().out)["summary"])
    assert runs[0] == runs[1] != runs[2]


def _next_commands(text: str) -> list[str]:
    """The indented lines under ``Next:`` in ``text``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Next:")) + 1
    return [line.strip() for line in lines[start:] if line.startswith("  ")]


def _run_as_printed(command: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(shlex.split(command), cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_demo_prints_next_commands_that_run_as_printed_from_the_folder_it_ran_in(tmp_path):
    """Started as `make demo` starts it (.venv/bin/live, a relative --out, here with a space): the
    show, export-as-PDF and report lines name that program and the demo's --db, and each one
    pasted into the same folder exits 0."""
    script = Path(sys.executable).parent / "live"
    env = {**os.environ, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}  # `live` itself not on PATH
    proc = subprocess.run([str(script), "demo", "--out", "demo out"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    commands = _next_commands(proc.stdout)
    assert [c.split()[1] for c in commands] == ["sessions", "export", "report"]
    assert all(c.startswith(shlex.quote(str(script)) + " ") for c in commands)
    assert all("--db 'demo out/live-demo.db'" in c for c in commands)
    for command in commands:
        done = _run_as_printed(command, tmp_path, env)
        assert done.returncode == 0, (command, done.stderr)
    session_id = commands[0].split()[3]
    for pdf in (tmp_path / "demo out" / f"session-{session_id}.pdf", tmp_path / "demo out" / "report-SIM-001.pdf"):
        assert pdf.read_bytes().startswith(b"%PDF")


def test_demo_json_keeps_stdout_one_object_and_prints_next_commands_on_stderr(tmp_path):
    """With --json the next commands go to stderr; with `live` on PATH they start with plain
    `live`; each runs as printed."""
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path)}
    proc = subprocess.run(["live", "demo", "--json", "--out", "out"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    result, end = json.JSONDecoder().raw_decode(proc.stdout)
    assert proc.stdout[end:] == "\n" and isinstance(result, dict)
    commands = _next_commands(proc.stderr)
    assert commands == [
        f"live sessions show {result['session_id']} --db out/live-demo.db",
        f"live export {result['session_id']} --format pdf --db out/live-demo.db --out out/session-{result['session_id']}.pdf",
        "live report SIM-001 --format pdf --db out/live-demo.db --out out/report-SIM-001.pdf",
    ]
    for command in commands:
        done = _run_as_printed(command, tmp_path, env)
        assert done.returncode == 0, (command, done.stderr)
    assert result["session_id"] in _run_as_printed(commands[0], tmp_path, env).stdout
