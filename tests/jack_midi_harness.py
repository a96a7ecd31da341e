"""Play MIDI into a JACK MIDI input at known JACK frames, and record what comes back as audio.

Run as a subprocess with ``JackServer.env`` (``jackutil.start_midi_harness`` does); the process
contract (``ready``, ending, ``--name``/``--seconds``) is jack_harness_base.py's, plus the go
line below::

    python tests/jack_midi_harness.py MODE [options]

    MODE is one of
      notes    --count N note-ons (each followed by its note-off --note-length frames later),
               --spacing-frames apart, the first --start-delay seconds after go. Note k is
               placed at offset (k * --offset-step) % period inside its JACK period, so the
               offsets are spread over the period (with the default step 37 and a 64-frame
               period, 64 notes hit every offset once). Notes and velocities cycle through
               --notes and --velocities. Or, with --note-events '[[frame, channel, note,
               velocity], ...]', exactly those notes at those frames after the start (channels
               1..16, so one harness plays the therapist's and the client's notes).
      cc       control changes: --controller C --value V at --delay seconds after go, and/or
               --events '[[delay_s, controller, value], ...]'.
      tapper   a tap-along client for calibration: it records --record-from, detects the
               clicks as they arrive, learns their interval from the first --learn (>= 2)
               onsets, and from then on sends a note-on at (predicted next click +
               --latency-frames N), N negative or positive and of any size (the tap is
               scheduled ahead from the prediction), until --taps taps are sent.

    common options
      --name NAME            JACK client name (default midi-harness; never the server's name)
      --connect-to PORT      MIDI input to play into (default live-midi:in; an exact port name,
                             else a regular expression as jack_get_ports takes it)
      --wait S               seconds to wait for the ports to appear (default 5)
      --record-from PATTERN  also record 1 or 2 (--channels) audio outputs matching PATTERN
                             (a regex); onsets as jack_recorder.py finds them (--threshold,
                             --min-gap); --save FILE.npz keeps the samples (``audio``, channels x n)
                             and each one's absolute JACK frame (``frames``)
      --channel 1..16        MIDI channel (default 10, General MIDI drums)
      --go-immediately       start the schedule at once instead of on a line on stdin
      --disconnect-at S --reconnect-at S
                             cut the out port's connection S seconds after go, and restore it
      --tail S               keep running (recording) this long after the last event (0.3)
      --seconds S            end at the latest this long after ready (default 30)

Protocol: the client registers the MIDI output ``out`` (and the audio inputs ``in_1``/``in_2``),
connects them, and prints ``ready`` on stderr once the connections are in place and its process
callback runs (when recording: once two blocks are recorded). Then it waits for a line on stdin
(the *go* signal; ``--go-immediately`` skips it). The first JACK cycle that starts after go is
``go_frame``; every delay is counted from it. Closing stdin, SIGTERM or SIGINT ends the harness
early, before or after go; it always prints one JSON object on stdout:

    mode, name, period (frames per JACK cycle), sample_rate, go_frame (null without go)
    connections          [[out port, MIDI input]] and record_connections [[source, in_k]]
    sent                 [[frame, status, data1, data2], ...] every MIDI message written, with
                         the absolute JACK frame it was written at (cycle's last_frame_time +
                         offset inside the cycle), in order
    planned_frames       the frame each of those messages was scheduled for
    late                 messages written later than planned (the schedule reached the process
                         callback too late, or a cycle was skipped); 0 normally
    complete             the whole schedule was sent (false when ended early)
    xruns, gaps          xrun callbacks seen; discontinuities in this client's frame times
    connection_log       [[frame, "cut" | "restored"]]: the first cycle in which the process
                         callback saw the out port without / with a connection again
    disconnect_call_frame, reconnect_call_frame
                         the cycle under way when client.disconnect / client.connect was called
    onset_frames         (when recording) absolute frames of the recorded onsets, and
                         onset_frames_per_channel, n_frames_recorded, peak, record_gaps
    tapper only:         click_onsets (= onset_frames), interval_frames (learned),
                         latency_frames, taps [[predicted click frame, tap frame planned], ...]

Frames: ``last_frame_time`` is a 32-bit counter; it is unwrapped from the first cycle, so the
numbers equal JACK's own until the counter wraps (~24.8 h at 48 kHz) and then keep growing.

Realtime-safe: no. The process callback is Python (it takes the GIL in JACK's realtime thread);
it only copies audio into preallocated buffers and writes the MIDI messages that fall in the
cycle. Use it on a synchronous server (``jackd -S``) when frames must be exact: a late callback
then delays the cycle instead of skipping it.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time

import numpy as np

from jack_harness_base import (ClientWatch, announce_ready, harness_parser, missing_ports, open_client,
                               poll, print_result, stdin_is_pipe, stdin_is_terminal, stop_on_signals,
                               watch_stdin)
from jack_recorder import detect_onsets

MASK = (1 << 32) - 1
MODES = ("notes", "cc", "tapper")
MAX_EVENTS = 65536


def parse_args(argv=None) -> argparse.Namespace:
    p = harness_parser(__doc__, name="midi-harness", seconds=30.0, full_doc=True)
    p.add_argument("mode", choices=MODES)
    p.add_argument("--connect-to", default="live-midi:in", metavar="PORT")
    p.add_argument("--wait", type=float, default=5.0)
    p.add_argument("--record-from", metavar="PATTERN")
    p.add_argument("--channels", type=int, choices=(1, 2), default=1)
    p.add_argument("--threshold", type=float, default=0.05)
    p.add_argument("--min-gap", type=int, default=256)
    p.add_argument("--save", metavar="FILE.npz",
                   help="also save the recording: samples (channels, n) and each sample's absolute frame")
    p.add_argument("--channel", type=int, default=10, help="MIDI channel 1..16 (default 10)")
    p.add_argument("--go-immediately", action="store_true")
    p.add_argument("--tail", type=float, default=0.3)
    p.add_argument("--note-length", type=int, default=240, metavar="FRAMES",
                   help="frames from a note-on to its note-off (default 240 = 5 ms at 48 kHz)")
    # notes
    p.add_argument("--count", type=int, default=16)
    p.add_argument("--start-delay", type=float, default=0.1)
    p.add_argument("--spacing-frames", type=int, default=2400)
    p.add_argument("--offset-step", type=int, default=37)
    p.add_argument("--notes", default="38", help="comma-separated MIDI notes, cycled")
    p.add_argument("--velocities", default="100", help="comma-separated velocities, cycled")
    p.add_argument("--note-events", help="JSON list of [frame after the start, channel 1..16, note, velocity]")
    # cc
    p.add_argument("--controller", type=int)
    p.add_argument("--value", type=int)
    p.add_argument("--delay", type=float, default=0.1)
    p.add_argument("--events", help="JSON list of [delay_s, controller, value]")
    # tapper
    p.add_argument("--latency-frames", type=int, default=0)
    p.add_argument("--taps", type=int, default=8)
    p.add_argument("--learn", type=int, default=2)
    p.add_argument("--margin-frames", type=int, default=512,
                   help="a tap is only planned this far ahead of the current cycle at least")
    # device loss
    p.add_argument("--disconnect-at", type=float)
    p.add_argument("--reconnect-at", type=float)
    args = p.parse_args(argv)
    args.notes = [int(x) for x in args.notes.split(",") if x.strip()]
    args.velocities = [int(x) for x in args.velocities.split(",") if x.strip()]
    problems = []
    if not 1 <= args.channel <= 16:
        problems.append("--channel must be 1..16")
    if not args.notes or not all(0 <= n <= 127 for n in args.notes):
        problems.append("--notes must be MIDI notes 0..127")
    if not args.velocities or not all(1 <= v <= 127 for v in args.velocities):
        problems.append("--velocities must be 1..127")
    if args.note_length < 1:
        problems.append("--note-length must be >= 1 frame")
    if args.mode == "notes" and (args.count < 0 or args.spacing_frames < 1 or args.start_delay < 0):
        problems.append("notes: --count >= 0, --spacing-frames >= 1, --start-delay >= 0")
    if args.mode == "cc":
        if (args.controller is None) != (args.value is None):
            problems.append("cc: give --controller and --value together")
        if args.controller is None and args.events is None:
            problems.append("cc: give --controller C --value V and/or --events JSON")
    if args.mode == "tapper":
        if not args.record_from:
            problems.append("tapper: --record-from is required")
        if args.learn < 2 or args.taps < 0:
            problems.append("tapper: --learn >= 2, --taps >= 0")
    if (args.disconnect_at is None) != (args.reconnect_at is None) and args.reconnect_at is not None:
        problems.append("--reconnect-at needs --disconnect-at")
    if args.disconnect_at is not None and args.reconnect_at is not None \
            and args.reconnect_at <= args.disconnect_at:
        problems.append("--reconnect-at must be after --disconnect-at")
    if problems:
        p.error("; ".join(problems))
    return args


def cc_events(args) -> list[tuple[float, int, int]]:
    events = []
    if args.controller is not None:
        events.append((args.delay, args.controller, args.value))
    if args.events:
        for item in json.loads(args.events):
            delay_s, controller, value = item
            events.append((float(delay_s), int(controller), int(value)))
    for d, c, v in events:
        if d < 0 or not 0 <= c <= 127 or not 0 <= v <= 127:
            raise SystemExit(f"jack_midi_harness: bad CC event {(d, c, v)}")
    return sorted(events, key=lambda e: e[0])


def notes_schedule(args, period: int, rate: int) -> list[tuple[int, bytes]]:
    """(frame relative to go_frame, message) for every note-on and note-off, sorted by frame.

    ``go_frame`` is a cycle start, so a relative frame's offset inside its cycle is its value
    modulo the period: note k's nominal frame is floored to its cycle, then shifted by
    ``(k * offset_step) % period``.
    """
    ch = args.channel - 1
    start = -(-int(round(args.start_delay * rate)) // period) * period  # whole cycles
    events = []
    if args.note_events:
        for frame, channel, note, vel in json.loads(args.note_events):
            if frame < 0 or not 1 <= channel <= 16 or not 0 <= note <= 127 or not 1 <= vel <= 127:
                raise SystemExit(f"jack_midi_harness: bad note event {(frame, channel, note, vel)}")
            events.append((start + frame, 0, bytes((0x90 | (channel - 1), note, vel))))
            events.append((start + frame + args.note_length, 1, bytes((0x80 | (channel - 1), note, 0))))
        events.sort(key=lambda e: (e[0], e[1]))
        return [(f, m) for f, _, m in events]
    for k in range(args.count):
        nominal = start + k * args.spacing_frames
        frame = nominal - nominal % period + (k * args.offset_step) % period
        note = args.notes[k % len(args.notes)]
        vel = args.velocities[k % len(args.velocities)]
        events.append((frame, 0, bytes((0x90 | ch, note, vel))))
        events.append((frame + args.note_length, 1, bytes((0x80 | ch, note, 0))))
    events.sort(key=lambda e: (e[0], e[1]))  # stable: an on and an off at one frame keep order
    return [(f, m) for f, _, m in events]


class State:
    """Everything the process callback touches, allocated before activation."""

    def __init__(self, record_frames: int, channels: int, recording: bool) -> None:
        # frame clock
        self.t0_raw = -1
        self.now = -1            # absolute frame of the current cycle's start
        self.expect = -1
        self.gaps = 0
        self.cycles = 0
        # schedule: relative frames (to go_frame) and messages, appended by the main thread
        self.go = False
        self.base = -1           # go_frame, set by the callback
        self.q_rel = np.zeros(MAX_EVENTS, dtype=np.int64)
        self.q_msg = [b""] * MAX_EVENTS
        self.n_queued = 0
        self.next_ev = 0
        self.sent_frame = np.zeros(MAX_EVENTS, dtype=np.int64)
        self.late = 0
        # connection watch
        self.watch_conn = False
        self.conn = True
        self.conn_frame = np.zeros(64, dtype=np.int64)
        self.conn_state = np.zeros(64, dtype=np.int8)
        self.n_conn = 0
        # recording
        self.recording = False
        self.full = False
        n = record_frames if recording else 0
        self.audio = np.zeros((channels, n), dtype=np.float32)
        self.raw = [memoryview(self.audio[c]).cast("B") for c in range(channels)]
        self.capacity = n
        self.max_blocks = n // 16 + 64
        self.block_frame = np.zeros(self.max_blocks, dtype=np.int64)
        self.block_pos = np.zeros(self.max_blocks, dtype=np.int64)
        self.block_len = np.zeros(self.max_blocks, dtype=np.int64)
        self.pos = 0
        self.nblocks = 0

    def enqueue(self, rel_frame: int, msg: bytes) -> None:
        """Main thread only. Messages must come in frame order (JACK refuses unsorted ones)."""
        n = self.n_queued
        if n >= MAX_EVENTS:
            raise RuntimeError("jack_midi_harness: event queue full")
        if n and rel_frame < self.q_rel[n - 1]:
            raise RuntimeError("jack_midi_harness: events must be queued in frame order")
        self.q_rel[n] = rel_frame
        self.q_msg[n] = msg
        self.n_queued = n + 1  # last: the callback reads entries below n_queued only


def sample_frames_and_segments(st: State, nb: int):
    """(absolute frame of the first sample of each block, sample index of each block start,
    sample indices where the recording restarts after a gap) for the first ``nb`` blocks."""
    frames = st.block_frame[:nb]
    lens = st.block_len[:nb]
    pos = st.block_pos[:nb]
    breaks = np.flatnonzero(frames[1:] != frames[:-1] + lens[:-1]) + 1
    return frames, pos, pos[breaks]


def onsets_between(st: State, nb: int, lo: int, hi: int, threshold: float, min_gap: int):
    """Absolute frames of the onsets at sample indices [lo, hi) of the recording (mix of the
    channels), looking back ``min_gap`` samples before ``lo`` for the silence."""
    if hi <= lo:
        return []
    frames, pos, seg = sample_frames_and_segments(st, nb)
    w0 = max(0, lo - min_gap - 1)
    mix = np.max(np.abs(st.audio[:, w0:hi]), axis=0)
    seg_w = seg[(seg > w0) & (seg < hi)] - w0
    idx = detect_onsets(mix, threshold, min_gap, seg_w) + w0
    idx = idx[idx >= lo]
    b = np.searchsorted(pos, idx, side="right") - 1
    return (frames[b] + (idx - pos[b])).tolist()


def main(argv=None) -> int:
    args = parse_args(argv)
    stop = stop_on_signals()
    go = threading.Event()
    stdin_usable = stdin_is_pipe() or stdin_is_terminal()
    if not args.go_immediately and not stdin_usable:
        print("jack_midi_harness: stdin is no pipe or terminal: nothing can send the go line; "
              "use --go-immediately", file=sys.stderr, flush=True)
        return 2

    client = open_client(args.name)
    rate, period = client.samplerate, client.blocksize
    recording = bool(args.record_from)
    st = State(int(round(args.seconds * rate)) + rate, args.channels, recording)
    out = client.midi_outports.register("out")
    inports = [client.inports.register(f"in_{c + 1}") for c in range(args.channels)] \
        if recording else []
    raw = st.raw
    q_rel, q_msg, sent_frame = st.q_rel, st.q_msg, st.sent_frame
    block_frame, block_pos, block_len = st.block_frame, st.block_pos, st.block_len
    conn_frame, conn_state = st.conn_frame, st.conn_state

    @client.set_process_callback
    def process(frames):
        """Clear the MIDI buffer, record the block, write the messages due in this cycle.

        Realtime-safe: no (Python in JACK's realtime thread, takes the GIL); kept minimal.
        """
        out.clear_buffer()
        raw_t = client.last_frame_time
        if st.t0_raw < 0:
            st.t0_raw = raw_t
        t = st.t0_raw + ((raw_t - st.t0_raw) & MASK)
        if st.expect >= 0 and t != st.expect:
            st.gaps += 1
        st.expect = t + frames
        if st.watch_conn:
            c = out.number_of_connections > 0
            if c != st.conn and st.n_conn < 64:
                conn_frame[st.n_conn] = t
                conn_state[st.n_conn] = c
                st.n_conn += 1
            st.conn = c
        if st.recording:
            pos, nb = st.pos, st.nblocks
            if pos + frames > st.capacity or nb >= st.max_blocks:
                st.recording = False
                st.full = True
            else:
                block_frame[nb] = t
                block_pos[nb] = pos
                block_len[nb] = frames
                a, b = pos * 4, (pos + frames) * 4
                for c in range(len(inports)):
                    raw[c][a:b] = inports[c].get_buffer()
                st.pos = pos + frames
                st.nblocks = nb + 1  # last: the main thread reads blocks below nblocks only
        if st.base < 0 and st.go:
            st.base = t
        base = st.base
        if base >= 0:
            i, n, end, last_off = st.next_ev, st.n_queued, t + frames, 0
            while i < n:
                f = base + q_rel[i]
                if f >= end:
                    break
                off = f - t
                if off < last_off:  # planned in a cycle already gone: as early as possible
                    off = last_off
                    st.late += 1
                out.write_midi_event(off, q_msg[i])
                sent_frame[i] = t + off
                last_off = off
                i += 1
            st.next_ev = i
        st.now = t
        st.cycles += 1

    watch = ClientWatch(client)
    result: dict = {"mode": args.mode, "name": args.name, "period": period, "sample_rate": rate}
    client.activate()
    try:
        code = run(args, client, st, watch, out, inports, stop, go, stdin_usable, result)
    finally:
        client.deactivate()
        client.close()
    if code:
        return code
    print_result(result)
    return 0


def _find_ports(client, pattern, **kind):
    exact = [p for p in client.get_ports(**kind) if p.name == pattern]
    return exact or client.get_ports(pattern, **kind)


def run(args, client, st, watch, out, inports, stop, go, stdin_usable, result) -> int:
    rate, period = client.samplerate, client.blocksize
    # -- connect ---------------------------------------------------------------------------
    found: list = [[], []]  # the MIDI inputs to play into, the audio outputs to record

    def look() -> bool:
        found[0] = _find_ports(client, args.connect_to, is_midi=True, is_input=True)
        if inports:
            found[1] = [p for p in client.get_ports(args.record_from, is_audio=True, is_output=True)
                        if not p.name.startswith(client.name + ":")]
        return bool(found[0] and (found[1] or not inports))

    poll(look, args.wait, stop)
    targets, sources = found
    if not targets:
        return missing_ports("jack_midi_harness", "MIDI input port matches", args.connect_to, args.wait, client)
    if inports and not sources:
        return missing_ports("jack_midi_harness", "audio output ports match", args.record_from, args.wait, client)
    target = targets[0]
    client.connect(out, target)
    result["connections"] = [[out.name, target.name]]
    record_connections = []
    for src, dst in zip(sources, inports):
        client.connect(src, dst)
        record_connections.append([src.name, dst.name])
    result["record_connections"] = record_connections
    for a, b in result["connections"] + record_connections:
        print(f"jack_midi_harness: connected {a} -> {b}", file=sys.stderr, flush=True)
    st.watch_conn = args.disconnect_at is not None
    st.recording = bool(inports)
    c0 = st.cycles
    poll(lambda: st.cycles >= c0 + 2 and not (inports and st.nblocks < 2), 5.0, interval_s=0.001)
    if st.cycles < c0 + 2:
        print("jack_midi_harness: the process callback did not run within 5 s",
              file=sys.stderr, flush=True)
        return 3
    announce_ready()
    t_end = time.monotonic() + args.seconds
    if stdin_usable:
        watch_stdin(stop, on_line=go.set)  # a line is the go signal; end of file ends the harness
    if args.go_immediately:
        go.set()

    # -- schedule --------------------------------------------------------------------------
    planned_total = None  # number of messages when the schedule is complete
    if args.mode == "notes":
        for f, m in notes_schedule(args, period, rate):
            st.enqueue(f, m)
        planned_total = st.n_queued
    elif args.mode == "cc":
        ch = args.channel - 1
        for d, c, v in cc_events(args):
            st.enqueue(int(round(d * rate)), bytes((0xB0 | ch, c, v)))
        planned_total = st.n_queued

    while not stop.is_set() and not go.is_set() and time.monotonic() < t_end:
        go.wait(0.005)
    if go.is_set():  # even when stdin closed right after the go line: go_frame is then known
        st.go = True
    t_go = time.monotonic() + 5.0
    while st.go and st.base < 0 and time.monotonic() < t_go:
        time.sleep(0.001)
    base = st.base
    result["go_frame"] = int(base) if base >= 0 else None

    disc = int(round(args.disconnect_at * rate)) if args.disconnect_at is not None else None
    reco = int(round(args.reconnect_at * rate)) if args.reconnect_at is not None else None
    result["disconnect_call_frame"] = result["reconnect_call_frame"] = None
    tail = int(round(args.tail * rate))

    # tapper state
    onsets: list[int] = []
    scanned = 0
    taps: list[list[int]] = []
    interval = None
    last_tap_click = None
    ch = args.channel - 1
    tap_notes, tap_vels = args.notes, args.velocities

    while base >= 0 and not stop.is_set() and time.monotonic() < t_end:
        now = st.now
        if disc is not None and result["disconnect_call_frame"] is None and now >= base + disc:
            result["disconnect_call_frame"] = int(st.now)
            out.disconnect(target)
        if reco is not None and result["disconnect_call_frame"] is not None \
                and result["reconnect_call_frame"] is None and now >= base + reco:
            result["reconnect_call_frame"] = int(st.now)
            client.connect(out, target)
        if args.mode == "tapper":
            nb = st.nblocks
            hi = int(st.block_pos[nb - 1] + st.block_len[nb - 1]) if nb else 0
            onsets += onsets_between(st, nb, scanned, hi, args.threshold, args.min_gap)
            scanned = hi
            if len(onsets) >= args.learn and len(taps) < args.taps:
                interval = int(round(np.median(np.diff(onsets))))
                if last_tap_click is None or st.next_ev >= st.n_queued - 1:
                    # the previous tap's note-on is out: plan the next one
                    n_lat = args.latency_frames
                    earliest = st.now + period + args.margin_frames
                    m = 1
                    while True:
                        click = onsets[-1] + m * interval
                        if (last_tap_click is None or click > last_tap_click + interval // 2) \
                                and click + n_lat >= earliest:
                            break
                        m += 1
                    tap = click + n_lat
                    k = len(taps)
                    note, vel = tap_notes[k % len(tap_notes)], tap_vels[k % len(tap_vels)]
                    st.enqueue(tap - base, bytes((0x90 | ch, note, vel)))
                    st.enqueue(tap - base + args.note_length, bytes((0x80 | ch, note, 0)))
                    taps.append([int(click), int(tap)])
                    last_tap_click = click
            if len(taps) >= args.taps:
                planned_total = st.n_queued
        done_sending = planned_total is not None and st.next_ev >= planned_total
        done_links = reco is None or result["reconnect_call_frame"] is not None
        if done_sending and done_links:
            last = base + int(st.q_rel[planned_total - 1]) if planned_total else base
            if reco is not None:
                last = max(last, base + reco)
            if st.now >= last + tail:
                break
        time.sleep(0.002)

    st.recording = False
    n_sent = st.next_ev
    sent = [[int(st.sent_frame[i]), *st.q_msg[i]] for i in range(n_sent)]
    result.update({
        "sent": sent,
        "planned_frames": [int(base + st.q_rel[i]) for i in range(n_sent)],
        "late": int(st.late),
        "complete": planned_total is not None and n_sent >= planned_total,
        "xruns": int(watch.xruns),
        "gaps": int(st.gaps),
        "connection_log": [[int(st.conn_frame[i]), "restored" if st.conn_state[i] else "cut"]
                           for i in range(st.n_conn)],
    })
    if inports:
        nb = st.nblocks
        n = int(st.pos) if nb else 0
        frames, pos, seg = sample_frames_and_segments(st, nb)
        audio = st.audio[:, :n]
        sample_frames = (np.repeat(frames - pos, st.block_len[:nb]) + np.arange(n)
                         if nb else np.zeros(0, np.int64))
        mix = np.max(np.abs(audio), axis=0) if n else np.zeros(0, np.float32)
        result.update({
            "onset_frames": sample_frames[detect_onsets(mix, args.threshold, args.min_gap,
                                                        seg)].tolist(),
            "onset_frames_per_channel": [
                sample_frames[detect_onsets(ch_, args.threshold, args.min_gap, seg)].tolist()
                for ch_ in audio],
            "n_frames_recorded": n,
            "record_full": bool(st.full),
            "record_gaps": int(seg.size),
            "peak": float(mix.max()) if n else 0.0,
        })
        if args.save:
            np.savez(args.save, audio=audio, frames=sample_frames)
    if args.mode == "tapper":
        result.update({
            "click_onsets": result.get("onset_frames", []),
            "interval_frames": interval,
            "latency_frames": args.latency_frames,
            "taps": taps,
        })
    return 0


if __name__ == "__main__":
    sys.exit(main())
