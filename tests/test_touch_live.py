"""The client screen in a real ``live run``: a real window under Xvfb (SDL_MOUSE_TOUCH_EVENTS=1,
so xdotool's clicks arrive as touches), audio on a JACK dummy server; the clicks become stored
touch responses with asynchronies."""

import json
import os
import sys
import threading
import time
from contextlib import contextmanager

import numpy as np

from live_run_helpers import rows, start_live
from xvfbutil import Xvfb

PRESET = """schema = 1
activity = "entrainment"
title = "Two pads"
goal = "Test"

[params]
tempo_bpm = 60
count_in_beats = 0
beats = {beats}

[screen]
pads = 2
labels = ["left", "right"]
"""


class StderrLines:
    """Collects a process's stderr lines on a thread, so a test can wait for one."""

    def __init__(self, proc):
        self.lines, self.proc = [], proc
        self.thread = threading.Thread(target=lambda: self.lines.extend(proc.stderr), daemon=True)
        self.thread.start()

    def wait_for(self, text, timeout_s=30):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if any(text in line for line in self.lines):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"{text!r} not logged within {timeout_s} s:\n{''.join(self.lines)}")

    def finish(self, timeout_s=60):
        self.proc.wait(timeout=timeout_s)  # its stdout (one small JSON object) fits the pipe
        out = self.proc.stdout.read()
        self.thread.join(timeout=5)
        return self.proc.returncode, out, "".join(self.lines)


@contextmanager
def touch_screen(server):
    """An Xvfb screen for ``server``'s live processes, xdotool's clicks arriving as touches."""
    with Xvfb() as x:
        server.env.update(x.env, SDL_MOUSE_TOUCH_EVENTS="1")
        server.env.pop("SDL_VIDEODRIVER", None)
        yield x


def start_run_on_screen(server, preset, db) -> tuple:
    """``live run PRESET --json`` with its client screen; returns (process, its stderr lines)
    once the window is up and the run has begun."""
    proc = start_live(server, ["run", str(preset), "--client", "T1", "--db", str(db), "--json"])
    log = StderrLines(proc)
    log.wait_for("run 1:")
    return proc, log


def input_phase_s(db, k, timeout_s=5.0) -> float:
    """Seconds from the nearest stored beat to the ``k``-th stored input, in [-0.5, 0.5) at
    60 BPM (the writer stores a batch every 0.4 s, so this waits for it)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        inputs = [f for (f,) in rows(db, "SELECT frame FROM events WHERE kind = 'input' ORDER BY frame")]
        beats = [f for (f,) in rows(db, "SELECT frame FROM events WHERE kind = 'sound' AND cue_index >= 0")]
        if len(inputs) > k and beats:
            ahead_s = (inputs[k] - min(beats, key=lambda b: abs(inputs[k] - b))) / 48000
            return (ahead_s + 0.5) % 1.0 - 0.5
        time.sleep(0.05)
    raise AssertionError(f"input {k} and a beat not stored within {timeout_s} s")


# Runs at most of the xdotool test. A run whose timing is out of bounds is measured again only when
# the screen reported, in that run, a touch found after its loop was held up at least as long as
# the excess (the touch's stamp late by that much: the machine, not the mapping). CI's run of
# 2026-12-01: one gap 127 ms short of the clicks' host-time spacing, the xdotool calls slow
# (two of them took 224 ms together), the other checks passed. Any other failure fails at once.
XDOTOOL_ATTEMPTS = 3


def _xdotool_run(server, folder) -> dict:
    """One ``live run`` on a 1024x768 Xvfb screen with 6 xdotool clicks, one a beat (60 BPM)."""
    folder.mkdir()
    preset = folder / "pads.toml"
    preset.write_text(PRESET.format(beats=10))
    db = folder / "live.db"
    with touch_screen(server) as x:
        proc, log = start_run_on_screen(server, preset, db)
        # 1024 x 768, two pads side by side: centres at x = 266 and 758
        clicks = []
        due = time.monotonic()
        for k in range(6):  # one click a beat (60 BPM), so each is matched to a beat of its own
            time.sleep(max(0.0, due - time.monotonic()))
            target = 266 if k % 2 == 0 else 758
            before = time.perf_counter_ns()
            x.xdotool("mousemove", str(target), "384", "click", "1")
            clicks.append((0 if k % 2 == 0 else 1, before, time.perf_counter_ns()))
            # The first click falls anywhere between two beats; each later one is aimed at a beat
            # by the stored phase of the click before (two beats on after the first, so there is
            # time to read it). Aimed again at every click: the dummy driver's frames drift
            # against host time (up to 20 ms a second measured on a loaded machine).
            due = before / 1e9 - time.perf_counter() + time.monotonic() + (2 if k == 0 else 1)
            due -= input_phase_s(db, k)
        x.xdotool("mousemove", "512", "20", "click", "1")  # between the pads: no input
        code, out, err = log.finish()
    held = [line for line in err.splitlines() if "loop was held up" in line]
    held_up_ms = float(held[0].split("(longest ")[1].split(" ms")[0]) if held else 0.0
    return {"code": code, "out": out, "err": err, "db": db, "clicks": clicks, "held_up_ms": held_up_ms}


def _timing_excess_ms(frames, clicks, asyn) -> float:
    """How far (ms) the run's timing is out of its bounds (0 within them)."""
    excess = 0.0
    for i in range(1, len(clicks)):
        # The stored frames keep the clicks' host-time spacing: each click happened between the
        # host times before and after its xdotool call, and the engine mapped host time to frames,
        # + the screen's stamping error (p99 4.4 ms under Xvfb, more on a loaded machine).
        gap_s = (frames[i] - frames[i - 1]) / 48000
        lo = (clicks[i][1] - clicks[i - 1][2]) / 1e9 - 0.02
        hi = (clicks[i][2] - clicks[i - 1][1]) / 1e9 + 0.02
        excess = max(excess, 1000 * (lo - gap_s), 1000 * (gap_s - hi))
    # Clicks 2..6 were aimed at beats, so each is matched to its own beat (window +-500 ms at
    # 60 BPM). Clicks 3..6 land within 100 ms of it: the phase read from the click before, a
    # second's drift of the dummy driver and each click's own stamping error, with room for a
    # loaded machine. Click 2 is aimed two seconds on from the first (measured up to 108 ms off).
    excess = max(excess, abs(asyn[1]) - 500, *(abs(a) - 100 for a in asyn[2:]))
    return excess


def test_xdotool_clicks_on_a_real_window_become_stored_touch_responses(jack_server_host_clock, tmp_path):
    server = jack_server_host_clock
    for attempt in range(1, XDOTOOL_ATTEMPTS + 1):
        run = _xdotool_run(server, tmp_path / f"run{attempt}")
        code, out, err, db, clicks = run["code"], run["out"], run["err"], run["db"], run["clicks"]
        assert code == 0, err
        assert "client screen on display 0 (1024x768)" in err
        inputs = rows(db, "SELECT frame, source, note, velocity FROM events WHERE kind = 'input' ORDER BY frame")
        assert [(s, n, v) for _, s, n, v in inputs] == [("touch", pad, 100) for pad, _, _ in clicks]
        frames = np.array([f for f, *_ in inputs])
        responses = json.loads(out)["responses"]
        assert len(responses) == 6 and all(r["source"] == "touch" for r in responses)
        assert [r["note"] for r in responses] == [pad for pad, _, _ in clicks]
        asyn = [r["asynchrony_ms"] for r in responses]
        assert all(a is not None for a in asyn[1:]), asyn
        excess_ms = _timing_excess_ms(frames, clicks, asyn)
        print(f"\nXvfb clicks, run {attempt}: {len(inputs)} stored touch inputs, asynchronies (ms) "
              f"{', '.join(f'{a:.0f}' for a in asyn)}; out of bounds by {max(excess_ms, 0):.0f} ms; the screen's "
              f"longest hold-up before a touch {run['held_up_ms']:.0f} ms", file=sys.stderr)
        if excess_ms <= 0 or attempt == XDOTOOL_ATTEMPTS or run["held_up_ms"] < excess_ms:
            break
    assert excess_ms <= 0, (f"timing out of bounds by {excess_ms:.0f} ms (the screen's longest hold-up before a "
                            f"touch: {run['held_up_ms']:.0f} ms)", asyn, frames.tolist(), clicks)
    stored = rows(db, "SELECT count(*) FROM responses WHERE error_ms IS NOT NULL")[0][0]
    assert stored >= 5
    # each touched pad sounded (hit feedback on), 30 ms after its touch, and is stored with the sounds
    pads = [f for (f,) in rows(db, "SELECT frame FROM events WHERE kind = 'sound' AND cue_index IS NULL ORDER BY frame")]
    assert [p - f for p, f in zip(pads, frames)] == [1440] * 6


# Calibrations run at most. The calibration rightly refuses taps whose IQR is over 30 ms; the
# tapper under X and SDL on a loaded machine sometimes taps that unsteadily (CI's run at stop 16,
# and here at load average 5 and more), which measures the machine, not the calibration: a refusal
# for the spread is measured again, and printed. Any other failure fails at once.
CALIBRATION_ATTEMPTS = 3


def test_calibrate_touch_measures_a_tapper_that_taps_a_known_time_late(jack_server_host_clock, tmp_path):
    import subprocess
    from pathlib import Path

    server = jack_server_host_clock
    db = tmp_path / "live.db"
    late_ms = 40.0
    with touch_screen(server):
        for attempt in range(1, CALIBRATION_ATTEMPTS + 1):
            proc = start_live(server, ["calibrate", "--input", "touch", "--json", "--db", str(db), "--taps", "16",
                                       "--tempo", "120"])
            log = StderrLines(proc)
            log.wait_for("client screen on display 0")
            # taps the one big pad's centre, 40 ms after each click it hears, on the next click
            tapper = subprocess.Popen([sys.executable, str(Path(__file__).with_name("touch_tapper.py")), "--beat-s",
                                       "0.5", "--late-ms", str(late_ms), "--x", "512", "--y", "384", "--taps", "19",
                                       "--seconds", "40"], env=server.env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True)
            try:
                code, out, err = log.finish(timeout_s=60)
                tap_out, tap_err = tapper.communicate(timeout=60)
            finally:
                tapper.kill()
            refused_for_spread = code == 1 and "tap along more steadily" in err
            if not refused_for_spread or attempt == CALIBRATION_ATTEMPTS:
                break
            print(f"\ntouch calibration attempt {attempt} refused for the taps' spread (load average "
                  f"{os.getloadavg()[0]:.1f}): {err.strip().splitlines()[-1]}; measuring again", file=sys.stderr)
        # A later run on that screen subtracts it from every touch and stores what it used.
        preset = tmp_path / "pads.toml"
        preset.write_text(PRESET.format(beats=2))
        later = start_live(server, ["run", str(preset), "--client", "T1", "--db", str(db), "--json",
                                    "--display-latency", "25"])
        later_code, _, later_err = StderrLines(later).finish()
    assert code == 0, (err[-2000:], tap_err)
    taps = json.loads(tap_out)
    sent_late_ms = (np.array(taps["sent_ns"]) - np.array(taps["planned_ns"])) / 1e6
    heard_ns = np.array(taps["heard_ns"])
    # each tap's lateness behind the last click heard before it, on the tapper's clock
    true_late_ms = np.array([s - heard_ns[heard_ns <= s].max() for s in taps["sent_ns"]]) / 1e6
    result = json.loads(out)
    print(f"\ntouch calibration: tapper {late_ms:g} ms late (sent {sent_late_ms.mean():.3f} ms after plan on average, "
          f"{np.median(true_late_ms):.2f} ms after the clicks it heard: median, range {true_late_ms.min():.2f}.."
          f"{true_late_ms.max():.2f}), measured {result['latency_ms']:.2f} ms, {result['kept']}/{result['taps']} taps kept, "
          f"IQR {result['iqr_ms']:.2f} ms", file=sys.stderr)
    assert result["input"] == "touch" and result["device"] == "touch screen 0"
    assert result["kept"] >= 12
    # The tapper aims 40 ms after the next click from the frame of the one it heard; the dummy
    # driver's frames drift against host time (up to ~20 ms/s here), so that click comes a few ms
    # early or late and the truth is the tap's lateness behind the click it heard before it
    # (median: a click it missed makes one tap look a beat late). Measured 39.8 and 41.9 ms
    # (2026-11-30, load average 4-5). The full suite's runs that measured 33-36 ms against the
    # planned 40 are what that drift gives over half a second (docs/performance.md, "Touch
    # calibration against the clicks the tapper heard").
    true_ms = float(np.median(true_late_ms))
    assert abs(true_ms - late_ms) <= 15, true_late_ms
    # On top of that: the X server, SDL, the 1 kHz poll and the host-clock mapping, a few ms
    # (measured 2-6 ms against the planned lateness on a quiet machine; 17-24 ms at load 4-5).
    assert true_ms <= result["latency_ms"] <= true_ms + 20, result
    [(path, device, frames)] = rows(db, "SELECT input_path, device, latency_frames FROM calibrations "
                                        "WHERE input_path = 'touch'")
    assert (path, device, frames) == ("touch", "touch screen 0", result["latency_frames"])
    assert later_code == 0, later_err
    assert f"touch responses corrected by {frames} frames" in later_err
    [(used,)] = rows(db, "SELECT calibration_json FROM runs WHERE calibration_json IS NOT NULL")
    used = json.loads(used)
    assert used["touch"]["latency_frames"] == frames
    assert used["display"] == {"device": "display 0", "latency_ms": 25.0}
    assert rows(db, "SELECT device, latency_frames FROM calibrations WHERE input_path = 'display'") == [("display 0", 1200)]


def test_a_screen_that_is_not_there_or_bad_screen_options_exit_2(jack_server_sync, tmp_path):
    import subprocess

    preset = tmp_path / "pads.toml"
    preset.write_text(PRESET.format(beats=2))
    base = [sys.executable, "-m", "live", "run", str(preset), "--client", "T1", "--db", str(tmp_path / "x.db")]
    for extra, message in [(["--window", "10x10"], "--window 10x10: must be WIDTHxHEIGHT, each 100..10000 pixels"),
                           (["--display-latency", "120"], "--display-latency 120: must be 0..80 ms")]:
        proc = subprocess.run([*base, *extra], capture_output=True, text=True, timeout=30)
        assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    with Xvfb() as x:
        env = dict(jack_server_sync.env, **x.env)
        env.pop("SDL_VIDEODRIVER", None)
        proc = subprocess.run([*base, "--display", "3"], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 2
    assert "--display 3: no such screen; this machine has 1 (0..0)" in proc.stderr, proc.stderr


def test_wav_export_has_every_touch_pad_and_midi_pad_at_its_frame_even_under_other_sounds(jack_server_sync, tmp_path):
    """Touches (xdotool under Xvfb) and MIDI notes (a JACK harness) in one ``live run``; ``live
    export --format wav`` renders each touched pad's sound (stored with the run's sounds, 30 ms
    after the touch) and each MIDI note's pad (2 periods after the note) where live played them.

    The MIDI notes come as a roll about 10 ms apart (481 frames, less or more by their offsets in
    the period), so five of their pads start while
    the one before still rings at over 5000 LSB: a level check ("quiet just before, loud just
    after", which this test used to apply, requiring 6 of 10) cannot see those. Checked instead
    against the bank's own samples (``records_helpers.mix``): the WAV is the sum of every click
    and pad at its stored frame, to 2 LSB, and each of the 11 pads is found at exactly its frame:
    placed one frame early or late, the sum no longer matches (docs/performance.md)."""
    import subprocess
    import wave

    from jackutil import start_midi_harness
    from records_helpers import mix

    preset = tmp_path / "pads.toml"
    preset.write_text(PRESET.format(beats=12))  # 12 s: the fifth touch lands inside the run even when
    # the harness is slow to start on a loaded machine (with 8 beats one fell after the end)
    db = tmp_path / "live.db"
    server = jack_server_sync
    with touch_screen(server) as x:
        proc, log = start_run_on_screen(server, preset, db)
        harness = start_midi_harness(server, "notes", count=6, spacing_frames=481, start_delay=0.7,
                                     notes=[38], velocities=[100], go_immediately=True, tail=0.3, seconds=30)
        harness.wait_ready(timeout_s=20)
        for k in range(5):
            time.sleep(0.9)
            x.xdotool("mousemove", "266" if k % 2 == 0 else "758", "384", "click", "1")
        harness.result(timeout_s=60)
        code, out, err = log.finish()
    assert code == 0, err
    session_id = json.loads(out)["session_id"]
    sounds = rows(db, "SELECT frame, sound, gain, cue_index FROM events WHERE kind = 'sound' ORDER BY frame")
    midi = rows(db, "SELECT frame, velocity FROM events WHERE kind = 'input' AND source = 'midi' ORDER BY frame")
    touch_pads = [(f, name, gain) for f, name, gain, beat in sounds if beat is None]
    clicks = [(f, name, gain) for f, name, gain, beat in sounds if beat is not None]
    # no MIDI calibration stored: pads at the notes' frames as played + 2 periods, gain 0.8 x velocity / 127
    midi_pads = [(f + 128, "woodblock", 0.8 * v / 127) for f, v in midi]
    assert len(touch_pads) == 5 and len(midi_pads) == 6 and len(clicks) == 12
    wav_path = tmp_path / "s.wav"
    done = subprocess.run([sys.executable, "-m", "live", "export", session_id, "--format", "wav", "--db", str(db),
                           "--out", str(wav_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with wave.open(str(wav_path), "rb") as w:
        audio = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, w.getnchannels())[:, 0] / 32767.0
    lsb = 1 / 32767
    played = clicks + touch_pads + midi_pads
    assert np.abs(audio - mix(played, len(audio))).max() <= 2 * lsb  # every sound at its frame, nothing else

    found, quiet, report = 0, 0, []
    for pad in touch_pads + midi_pads:
        others = [p for p in played if p is not pad]
        start, end = pad[0] - 64, pad[0] + 3840 + 64  # the woodblock is 3840 frames long
        misfit = {}
        for shift in (-1, 0, 1):
            expected = mix(others + [(pad[0] + shift, pad[1], pad[2])], end)
            misfit[shift] = np.abs(audio[start:end] - expected[start:end]).max() / lsb
        found += misfit[0] <= 2 and misfit[-1] > 100 and misfit[1] > 100
        before = [pad[0] - p[0] for p in others if 0 <= pad[0] - p[0] < 3840]
        ringing = np.abs(audio[pad[0] - 64:pad[0]]).max() / lsb
        quiet += ringing < 1000
        report.append(f"{pad[0]}: misfit at -1/0/+1 frames {misfit[-1]:.0f}/{misfit[0]:.0f}/{misfit[1]:.0f} LSB; "
                      f"peak in the 64 frames before {ringing:.0f} LSB"
                      + (f", under a sound started {min(before)} frames earlier" if before else ""))
    print(f"\nWAV export: {found} of 11 pads at their frames; {quiet} of 11 start after 64 frames under 1000 LSB "
          "(all a level check could see). Each pad (frame: how far the WAV is from the bank's sum with the pad "
          "1 frame early / on its frame / 1 frame late):\n  " + "\n  ".join(report), file=sys.stderr)
    assert found == 11, report
    assert quiet <= 6, report  # the roll's pads start under the one before: the case a level check misses
