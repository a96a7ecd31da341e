"""Self-test of the JACK test infrastructure (jackutil, jack_harness_base, jack_player, jack_recorder).

Needs jackd (DESIGN.md 8.3) but no project code. A missing jackd fails these tests.
"""

from __future__ import annotations

import os
import stat
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from jack_harness_base import unwrap_frames
from jack_recorder import detect_onsets
from jackutil import (
    JackServer,
    JackServerError,
    jack_wait_check,
    shm_leftovers,
    start_player,
    start_recorder,
)

PERIOD_FRAMES = 1237  # frames; not a multiple of the 64-frame block, so impulses land mid-block
COUNT = 20


# -- onset detection (pure) ------------------------------------------------------------------

def test_detect_onsets_sample_exact():
    x = np.zeros(2000, np.float32)
    x[[300, 301, 310, 700, 1000]] = [0.5, 0.9, -0.4, -0.06, 0.05]  # 0.05 is not > 0.05
    assert detect_onsets(x, 0.05, 256).tolist() == [300, 700]
    # 300 needs 300 quiet samples before it; 700 has 389.
    assert detect_onsets(x, 0.05, 300).tolist() == [300, 700]
    assert detect_onsets(x, 0.05, 301).tolist() == [700]
    assert detect_onsets(x, 0.05, 390).tolist() == []


def test_detect_onsets_resets_silence_at_a_gap():
    x = np.zeros(2000, np.float32)
    x[[500, 1300]] = 1.0
    assert detect_onsets(x, 0.05, 256).tolist() == [500, 1300]
    # The recording restarts at 1200: only 100 known quiet samples before 1300.
    assert detect_onsets(x, 0.05, 256, segment_starts=[1200]).tolist() == [500]
    assert detect_onsets(x, 0.05, 100, segment_starts=[1200]).tolist() == [500, 1300]
    assert detect_onsets(np.zeros(10), 0.05, 1).tolist() == []


def test_unwrap_frames_across_the_32_bit_wrap():
    frames = np.array([2**32 - 128, 2**32 - 64, 0, 64], dtype=np.int64)
    assert unwrap_frames(frames).tolist() == [2**32 - 128, 2**32 - 64, 2**32, 2**32 + 64]


# -- the server ------------------------------------------------------------------------------

def test_server_starts_reports_and_cleans_up():
    server = JackServer()
    with server:
        assert server.is_running()
        assert server.mode in ("realtime", "realtime-denied", "no-realtime")
        assert server.realtime == (server.mode == "realtime")
        assert server.start_seconds is not None and server.start_seconds < 10
        assert server.env["JACK_DEFAULT_SERVER"] == server.name
        assert server.env["JACK_NO_START_SERVER"] == "1"
        assert str(os.getpid()) in server.name
        assert shm_leftovers(server.name), "jackd should hold semaphores while it runs"
        # A leftover jackd would not remove itself (e.g. after SIGKILL): stop() removes it.
        fake = Path(f"/dev/shm/jack_sem.{os.getuid()}_{server.name}_stale-client")
        fake.touch()
        pid = server.pid
    assert server.returncode is not None
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
    assert not jack_wait_check(server.name)
    assert shm_leftovers(server.name) == []
    assert fake in server.removed_leftovers


def test_a_client_named_like_its_server_is_refused(jack_server):
    # Such a client replaces the server's socket in /dev/shm: later clients cannot connect.
    with pytest.raises(ValueError, match="server's name"):
        start_player(jack_server, name=jack_server.name)
    assert jack_server.is_running()


def test_names_are_unique():
    a, b = JackServer(), JackServer()
    assert a.name != b.name


def test_activate_environ_restores():
    server = JackServer(name="not-started")
    before = os.environ.get("JACK_DEFAULT_SERVER")
    with server.activate_environ():
        assert os.environ["JACK_DEFAULT_SERVER"] == "not-started"
        assert os.environ["JACK_NO_START_SERVER"] == "1"
    assert os.environ.get("JACK_DEFAULT_SERVER") == before


def test_missing_jackd_is_an_error_not_a_skip():
    with pytest.raises(JackServerError, match="jackd not found.*do not skip"):
        JackServer(jackd="/nonexistent/jackd").start()


def _fake_jackd(tmp_path: Path, body: str) -> str:
    path = tmp_path / "jackd"
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_falls_back_to_no_realtime_when_realtime_start_fails(tmp_path):
    jackd = _fake_jackd(
        tmp_path,
        'case " $* " in *" -R "*) echo "fake: realtime refused" >&2; exit 1;; esac\n'
        'exec jackd "$@"\n',
    )
    with JackServer(jackd=jackd) as server:
        assert server.mode == "no-realtime" and not server.realtime
        assert server.is_running()
        assert len(server.attempts) == 2 and "exited with 1" in server.attempts[0]
    assert shm_leftovers(server.name) == []


def test_start_failure_reports_jackd_stderr():
    with pytest.raises(JackServerError) as err:
        JackServer(driver="nosuchdriver", realtime=True).start()
    assert 'Unknown driver "nosuchdriver"' in str(err.value)


def test_start_timeout_reports_jackd_stderr_and_stops_it(tmp_path):
    jackd = _fake_jackd(tmp_path, 'echo "fake jackd: stuck" >&2\nexec sleep 30\n')
    server = JackServer(jackd=jackd, timeout_s=0.5)
    t0 = time.monotonic()
    with pytest.raises(JackServerError, match=r"(?s)not running after 0.5 s.*fake jackd: stuck"):
        server.start()
    assert time.monotonic() - t0 < 5
    assert server.returncode is not None  # the stuck process was terminated


def test_recorder_without_matching_ports_fails_with_its_stderr(jack_server):
    recorder = start_recorder(jack_server, "nosuchclient:", wait_s=0.3)
    with recorder, pytest.raises(JackServerError, match="no audio output ports match"):
        recorder.wait_ready(timeout_s=10)


# -- a real graph: player -> recorder --------------------------------------------------------

def _play_and_record(server: JackServer, count: int = COUNT, period_frames: int = PERIOD_FRAMES):
    with start_player(server, period=period_frames, count=count, delay_s=0.05) as player:
        player.wait_ready()
        with start_recorder(server, "player:", seconds=5.0) as recorder:
            recorder.wait_ready()
            played = player.result(timeout_s=10)
            recorded = recorder.result(timeout_s=10, close_stdin=True)
    diag = (f"server {server!r}\nplayer {played}\nrecorder {recorded}\n"
            f"jackd xrun messages {server.xrun_messages()}")
    return played, recorded, diag


def _assert_exact(server: JackServer, played: dict, recorded: dict, diag: str, count: int = COUNT):
    assert played["emitted"] == count, diag
    assert recorded["sample_rate"] == server.sample_rate
    assert recorded["blocksize"] == server.period_frames
    assert recorded["connections"] == [["player:out_1", "recorder:in_1"]]
    onsets = recorded["onset_frames"]
    assert len(onsets) == count, diag
    assert np.diff(onsets).tolist() == [PERIOD_FRAMES] * (count - 1), diag
    # The recorder runs after the player in the same cycle: the same absolute JACK frame.
    assert onsets == played["impulse_frames"], diag
    assert recorded["peak"] == 1.0
    assert recorded["n_frames_recorded"] >= (count - 1) * PERIOD_FRAMES


def test_recorder_sees_impulses_at_exact_frames_sync_server_then_cleans_up():
    """Synchronous server: exact and gapless under any load; then jackd and its files are gone."""
    with JackServer(sync=True) as server:
        played, recorded, diag = _play_and_record(server)
        assert played["gaps"] == 0 and recorded["gaps"] == 0, diag
        _assert_exact(server, played, recorded, diag)
        pid = server.pid
    assert server.returncode is not None
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
    assert not jack_wait_check(server.name)
    assert shm_leftovers(server.name) == []


# The asynchronous server's period for the test below. 64 frames (1.33 ms) until 2026-12-01: on this
# kind of virtual machine a bare `jackd -R -P 70 -d dummy -r 48000 -p 64` with no client at all
# reports xruns (67-69 in 10 s idle; 16 in 6 s against 1 at -p 128 and 0 at -p 256, the same
# minute), so every 0.5-s attempt had 21-75 skipped blocks and the test measured the host's timer.
# What it checks (the harness exact on an async server whenever no cycle is skipped) does not
# depend on the period; the product's own frame-exactness tests run on the 64-frame servers.
ASYNC_PERIOD_FRAMES = 256


ASYNC_ATTEMPTS = 8
ASYNC_HEARD_SHARE = 0.75  # of the impulses, over every attempt, when each attempt had a skipped cycle


def test_recorder_sees_impulses_at_exact_frames_async_server():
    """The asynchronous server (like hardware): exact whenever no client missed a cycle.

    A late Python client is an xrun that skips or mis-stamps a block; the player and the
    recorder both detect that (``gaps``). On a loaded 2-core machine that happens now and then
    for reasons outside the code under test, so an attempt that is not exact *and* shows gaps
    is retried (8 attempts of ~0.5 s of audio each: CI's run at stop 16 had gaps in all of 4, with
    8-38 xruns each, while the code under test was unchanged). Not exact without any gap fails at once.
    (A cycle the player misses also shifts its later impulses by one period: "exact" includes
    the spacing, not only recorder == player.)

    In every attempt, gaps or not, each impulse the recorder heard is at the very frame the player
    wrote it (a mis-stamp fails at once). When every attempt had a skipped cycle (the host's timer:
    2026-12-01, its bare 64-frame server reporting 83 xruns in 5 s, all 8 attempts had 6-28 player
    gaps and the recorder heard 144 of the 160 impulses, each at its frame), completeness cannot be
    shown: the test then asks that at least ASYNC_HEARD_SHARE of the impulses were heard.
    """
    attempts, heard = [], 0
    with JackServer(period_frames=ASYNC_PERIOD_FRAMES) as server:
        for _ in range(ASYNC_ATTEMPTS):
            played, recorded, diag = _play_and_record(server)
            onsets = recorded["onset_frames"]
            assert set(onsets) <= set(played["impulse_frames"]), diag  # heard exactly where played
            exact = (onsets == played["impulse_frames"] and len(onsets) == COUNT
                     and np.diff(onsets).tolist() == [PERIOD_FRAMES] * (COUNT - 1))
            if exact or (played["gaps"] == 0 and recorded["gaps"] == 0):
                _assert_exact(server, played, recorded, diag)
                return
            attempts.append(diag)
            heard += len(onsets)
            assert set(server.late_clients()) <= {"player", "recorder"}, diag
    print(f"\nasync server: every attempt had a skipped cycle; {heard} of {ASYNC_ATTEMPTS * COUNT} impulses heard, "
          "each at its exact frame", file=sys.stderr)
    assert heard >= ASYNC_HEARD_SHARE * ASYNC_ATTEMPTS * COUNT, "\n\n".join(attempts)
