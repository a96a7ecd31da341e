"""Self-test of the JACK MIDI harness (jack_midi_harness.py) with no project code.

A receiver process (jack_midi_receiver.py, client ``live-midi``, port ``live-midi:in`` like the
engine's) stamps every event it gets with ``last_frame_time`` + offset; the harness must have
sent each at exactly that frame. All on the synchronous server (``jack_server_sync``): there a
late Python client delays the cycle instead of losing it, so frame checks are exact (jackutil).
Needs jackd; a missing jackd fails these tests.
"""

from __future__ import annotations

import contextlib

import numpy as np
import pytest

from jack_midi_harness import notes_schedule, parse_args
from jackutil import (
    JackServerError,
    _cli_args,
    start_midi_harness,
    start_midi_receiver,
    start_player,
)

RATE = 48000
NOTE_ON_CH10 = 0x99
NOTE_OFF_CH10 = 0x89


def _diag(server, *results) -> str:
    return f"server {server!r}\n" + "\n".join(map(str, results)) + \
        f"\njackd xrun messages {server.xrun_messages()}"


# -- pure parts ------------------------------------------------------------------------------

def test_notes_schedule_spreads_offsets_over_the_period():
    args = parse_args(["notes", "--count", "64", "--spacing-frames", "601", "--notes", "38,40",
                       "--velocities", "100,64", "--start-delay", "0.01"])
    events = notes_schedule(args, period=64, rate=RATE)
    ons = [(f, m) for f, m in events if m[0] == NOTE_ON_CH10]
    assert len(ons) == 64 and len(events) == 128
    assert [f % 64 for f, _ in ons] == [(k * 37) % 64 for k in range(64)]
    assert sorted({f % 64 for f, _ in ons}) == list(range(64))  # every offset once
    assert ons[0][0] == 512  # 0.01 s = 480 frames, rounded up to a whole period
    # spacing holds to within the flooring to a cycle plus the shift
    assert all(abs(b - a - 601) < 2 * 64 for (a, _), (b, _) in zip(ons, ons[1:]))
    assert [m[1:] for _, m in ons[:3]] == [bytes((38, 100)), bytes((40, 64)), bytes((38, 100))]
    assert [f for f, _ in events] == sorted(f for f, _ in events)
    offs = [f for f, m in events if m[0] == NOTE_OFF_CH10]
    assert [b - a for (a, _), b in zip(ons, offs)] == [240] * 64


def test_cli_args():
    assert _cli_args({"spacing_frames": 601, "go_immediately": True, "notes": [38, 40],
                      "record_from": None, "events": [[0.1, 7, 100]], "quiet": False}) == [
        "--spacing-frames", "601", "--go-immediately", "--notes", "38,40",
        "--events", "[[0.1, 7, 100]]"]


# -- a real graph ----------------------------------------------------------------------------

@contextlib.contextmanager
def _receiver(server):
    with start_midi_receiver(server, name="live-midi") as rx:
        rx.wait_ready()
        yield rx


def test_notes_arrive_at_exactly_the_frames_sent_with_offsets_over_the_period(jack_server_sync):
    """64 notes whose offsets inside the period take every value 0..63; the harness records a
    player's impulses at the same time."""
    server = jack_server_sync
    with start_player(server, period=1237, count=10, delay_s=0.1) as player, _receiver(server) as rx:
        player.wait_ready()
        with start_midi_harness(server, "notes", count=64, spacing_frames=601,
                                notes=[38, 40], velocities=[100, 64],
                                record_from="player:") as harness:
            harness.wait_ready()
            harness.go()
            sent = harness.result(timeout_s=20)
        played = player.result(timeout_s=10)
        got = rx.result(close_stdin=True)
    diag = _diag(server, sent, got, played)
    assert sent["complete"] and sent["late"] == 0 and sent["gaps"] == 0, diag
    assert sent["connections"] == [["midi-harness:out", "live-midi:in"]]
    ons = [e for e in sent["sent"] if e[1] == NOTE_ON_CH10]
    assert len(ons) == 64 and len(sent["sent"]) == 128, diag
    assert [e[2:] for e in ons[:2]] == [[38, 100], [40, 64]]
    assert sent["period"] == 64 and sent["sample_rate"] == RATE
    go = sent["go_frame"]
    assert go % 64 == ons[0][0] % 64 == 0  # cycle starts here are multiples of the period
    assert sorted((e[0] - go) % 64 for e in ons) == list(range(64))
    assert [e[0] for e in sent["sent"]] == sent["planned_frames"]
    # the receiver got every message at exactly the frame the harness says it sent it
    assert got["received"] == sent["sent"], diag
    assert got["gaps"] == 0 and got["lost"] == 0, diag
    # the recording side: the player's impulses, sample-exact
    assert played["emitted"] == 10
    assert sent["onset_frames"] == played["impulse_frames"], diag
    assert sent["record_connections"] == [["player:out_1", "midi-harness:in_1"]]


def test_cc_is_delivered_at_the_stated_frame(jack_server_sync):
    server = jack_server_sync
    events = [[0.1, 1, 64], [0.1001, 74, 12], [0.25, 7, 0]]
    with _receiver(server) as rx:
        with start_midi_harness(server, "cc", controller=7, value=100, delay=0.05,
                                events=events, channel=1, tail=0.05) as harness:
            harness.wait_ready()
            harness.go()
            sent = harness.result(timeout_s=20)
        got = rx.result(close_stdin=True)
    diag = _diag(server, sent, got)
    go = sent["go_frame"]
    assert sent["complete"] and sent["late"] == 0, diag
    assert sent["sent"] == [
        [go + 2400, 0xB0, 7, 100], [go + 4800, 0xB0, 1, 64], [go + 4805, 0xB0, 74, 12],
        [go + 12000, 0xB0, 7, 0],
    ], diag
    assert got["received"] == sent["sent"], diag


def test_disconnect_drops_the_notes_in_between_and_reconnect_delivers_the_rest(jack_server_sync):
    server = jack_server_sync
    with _receiver(server) as rx:
        with start_midi_harness(server, "notes", count=40, spacing_frames=1201,
                                start_delay=0.05, disconnect_at=0.3, reconnect_at=0.6,
                                tail=0.05) as harness:
            harness.wait_ready()
            harness.go()
            sent = harness.result(timeout_s=20)
        got = rx.result(close_stdin=True)
    diag = _diag(server, sent, got)
    assert sent["complete"] and sent["late"] == 0, diag
    log = sent["connection_log"]
    assert [state for _, state in log] == ["cut", "restored"], diag
    (cut, _), (restored, _) = log
    go = sent["go_frame"]
    assert sent["disconnect_call_frame"] >= go + int(0.3 * RATE), diag
    assert sent["reconnect_call_frame"] >= go + int(0.6 * RATE), diag
    assert sent["disconnect_call_frame"] <= cut < sent["reconnect_call_frame"] <= restored, diag
    kept = [e for e in sent["sent"] if not cut <= e[0] < restored]
    dropped = [e for e in sent["sent"] if cut <= e[0] < restored]
    assert got["received"] == kept, diag
    assert len(dropped) >= 10, diag  # ~0.3 s of notes at 25 ms
    assert sum(e[0] >= restored for e in kept) >= 10, diag


@pytest.mark.parametrize("go_first", [False, True])
def test_closing_stdin_ends_it_early_with_json(jack_server_sync, go_first):
    server = jack_server_sync
    with _receiver(server) as rx:
        with start_midi_harness(server, "notes", count=1000, spacing_frames=4800) as harness:
            harness.wait_ready()
            if go_first:
                harness.go()
            sent = harness.result(timeout_s=10, close_stdin=True)
        rx.result(close_stdin=True)
    assert not sent["complete"]
    assert (sent["go_frame"] is not None) == go_first
    assert len(sent["sent"]) < 2000
    if not go_first:
        assert sent["sent"] == []


def test_missing_midi_input_fails_with_its_stderr(jack_server_sync):
    with start_midi_harness(jack_server_sync, "notes", connect_to="nosuch:in", wait=0.3) as h:
        with pytest.raises(JackServerError, match="no MIDI input port matches 'nosuch:in'"):
            h.wait_ready()


LATENCIES = (-100, 0, 37, 300)


def test_tapper_taps_at_click_plus_n_frames(jack_server_sync):
    """Four tappers at once (one per N, each on its own note) follow the same impulse train."""
    server = jack_server_sync
    interval, taps, learn = 4801, 5, 2
    count = learn + taps + 5  # slack for a tapper that connects after the first impulses
    with contextlib.ExitStack() as stack:
        player = stack.enter_context(start_player(server, period=interval, count=count,
                                                  delay_s=0.3, seconds=15))
        player.wait_ready()
        rx = stack.enter_context(_receiver(server))
        tappers = {}
        for k, n in enumerate(LATENCIES):
            tappers[n] = stack.enter_context(start_midi_harness(
                server, "tapper", name=f"tapper-{k}", record_from="player:",
                latency_frames=n, taps=taps, learn=learn, notes=[40 + k], tail=0.05,
                go_immediately=True))
        for t in tappers.values():
            t.wait_ready()
        results = {n: t.result(timeout_s=20) for n, t in tappers.items()}
        played = player.result(timeout_s=15)
        got = rx.result(close_stdin=True)
    diag = _diag(server, results, got, played)
    impulses = played["impulse_frames"]
    assert played["emitted"] == count, diag
    received = got["received"]
    for k, n in enumerate(LATENCIES):
        r = results[n]
        assert r["complete"] and r["late"] == 0, diag
        assert r["latency_frames"] == n and r["interval_frames"] == interval, diag
        assert set(r["click_onsets"]) <= set(impulses) and len(r["click_onsets"]) >= learn, diag
        ons = [e for e in r["sent"] if e[1] == NOTE_ON_CH10]
        assert len(ons) == taps and [e[2] for e in ons] == [40 + k] * taps, diag
        for (click, tap), e in zip(r["taps"], ons):
            assert click in impulses, diag          # the predicted click is a real one
            assert tap == click + n == e[0], diag   # sent exactly N frames from it
        clicks = [c for c, _ in r["taps"]]
        assert np.diff(clicks).tolist() == [interval] * (taps - 1), diag  # one tap per click
        # the receiver got this tapper's messages at exactly those frames
        mine = [e for e in received if e[2] == 40 + k]
        assert mine == r["sent"], diag
