"""Record the output ports of a JACK client, sample-exact, and report its onsets as JSON.

Run as a subprocess with ``JackServer.env`` (``jackutil.start_recorder`` does); the process
contract (``ready``, ending, ``--name``/``--seconds``) is jack_harness_base.py's::

    python tests/jack_recorder.py --connect-from 'player:' --seconds 3 [--channels 2]

It registers a client (``--name``), 1 or 2 input ports, waits up to ``--wait`` seconds for audio
output ports matching ``--connect-from`` (a regular expression, as ``jack_get_ports`` takes it),
connects the i-th of them to the i-th input, and prints ``ready`` on stderr once at least two
process blocks have been recorded with the connections in place. From then it records every
block into a preallocated buffer with the block's ``client.last_frame_time``, so every sample has
an absolute JACK frame number. It stops after ``--seconds`` of audio (or earlier, as every
harness does). Then it prints one JSON object on stdout:

    onset_frames        absolute JACK frames of the onsets of max(|x|) over the channels
    onset_frames_per_channel   the same per channel
    n_frames_recorded, first_frame, sample_rate, blocksize, channels, connections
    xruns               xrun callbacks received by this client while it was active
    gaps                discontinuities in the recorded frame times (a missed cycle), 0 normally
    gap_frames          [expected frame, frame seen] for each of them
    peak                max |x| recorded

An onset is the first sample with ``|x| > threshold`` after at least ``min_gap`` samples with
``|x| <= threshold``. The silence has to be recorded: an onset within ``min_gap`` samples of
the start of the recording, or of a gap, is not reported.

Frame numbers: ``last_frame_time`` is a 32-bit counter (it wraps after ~24.8 h at 48 kHz); the
recorder unwraps it from the first recorded block, so numbers may exceed 2**32 but never go back.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from jack_harness_base import (ClientWatch, harness_parser, missing_ports, open_client, poll,
                               print_result, ready_and_watch_stdin, stop_on_signals, unwrap_frames)


def detect_onsets(x: np.ndarray, threshold: float, min_gap: int, segment_starts=()) -> np.ndarray:
    """Indices of onsets in 1-D ``x``: first ``|x| > threshold`` after >= ``min_gap`` quiet samples.

    ``segment_starts``: indices where the recording restarts after a gap; the silence count
    resets there (the samples before a gap say nothing about the samples after it).
    """
    x = np.asarray(x)
    loud = np.flatnonzero(np.abs(x) > threshold)
    if loud.size == 0:
        return loud
    # Previous loud index (or the segment start - 1) for each loud sample.
    prev = np.empty_like(loud)
    prev[0] = -1
    prev[1:] = loud[:-1]
    starts = np.asarray(sorted(set(int(s) for s in segment_starts)), dtype=np.int64)
    if starts.size:
        # Latest segment start <= each loud index; a segment start after prev moves prev there.
        k = np.searchsorted(starts, loud, side="right") - 1
        seg = np.where(k >= 0, starts[np.maximum(k, 0)], 0)
        prev = np.maximum(prev, seg - 1)
    quiet_before = loud - prev - 1
    return loud[quiet_before >= min_gap]


def parse_args(argv=None) -> argparse.Namespace:
    p = harness_parser(__doc__, name="recorder", seconds=10.0,
                       seconds_help="record at most this long (default 10)")
    p.add_argument("--connect-from", required=True, metavar="PATTERN",
                   help="regex for the audio output ports to record, e.g. 'player:'")
    p.add_argument("--channels", type=int, choices=(1, 2), default=1, help="input ports (1 or 2)")
    p.add_argument("--threshold", type=float, default=0.05, help="onset threshold on |x|")
    p.add_argument("--min-gap", type=int, default=256,
                   help="quiet samples required before an onset (default 256)")
    p.add_argument("--wait", type=float, default=5.0,
                   help="seconds to wait for the ports to appear (default 5)")
    p.add_argument("--save", metavar="PATH.npz", help="also save the recording (frames, audio)")
    return p.parse_args(argv)


class State:
    """Everything the process callback touches, allocated before activation."""

    def __init__(self, n_frames: int, channels: int, max_blocks: int) -> None:
        self.audio = np.zeros((channels, n_frames), dtype=np.float32)
        self.raw = [memoryview(self.audio[c]).cast("B") for c in range(channels)]
        self.block_frame = np.zeros(max_blocks, dtype=np.int64)
        self.block_len = np.zeros(max_blocks, dtype=np.int64)
        self.capacity = n_frames
        self.max_blocks = max_blocks
        self.pos = 0
        self.nblocks = 0
        self.recording = False
        self.full = False


def main(argv=None) -> int:
    args = parse_args(argv)
    stop = stop_on_signals()
    client = open_client(args.name)
    rate = client.samplerate
    blocksize = client.blocksize
    n_frames = int(round(args.seconds * rate))
    st = State(n_frames, args.channels, max_blocks=n_frames // 16 + 64)
    ports = [client.inports.register(f"in_{c + 1}") for c in range(args.channels)]
    raw = st.raw
    block_frame, block_len = st.block_frame, st.block_len

    @client.set_process_callback
    def process(frames):
        """Copy the block and its frame time into the preallocated buffers.

        Realtime-safe: no (Python in JACK's realtime thread, takes the GIL). Kept minimal: no
        allocation beyond the buffer objects JACK-Client hands out, no locks, no I/O.
        """
        if not st.recording:
            return
        pos = st.pos
        nb = st.nblocks
        if pos + frames > st.capacity or nb >= st.max_blocks:
            st.recording = False
            st.full = True
            return
        block_frame[nb] = client.last_frame_time
        block_len[nb] = frames
        a, b = pos * 4, (pos + frames) * 4
        for c in range(len(ports)):
            raw[c][a:b] = ports[c].get_buffer()
        st.pos = pos + frames
        st.nblocks = nb + 1

    watch = ClientWatch(client)
    client.activate()
    try:
        sources = poll(lambda: client.get_ports(args.connect_from, is_audio=True, is_output=True),
                       args.wait, stop)
        if not sources:
            return missing_ports("jack_recorder", "audio output ports match", args.connect_from, args.wait, client)
        connections = []
        for src, dst in zip(sources, ports):
            client.connect(src, dst)
            connections.append([src.name, dst.name])
            print(f"jack_recorder: connected {src.name} -> {dst.name}", file=sys.stderr, flush=True)
        st.recording = True
        poll(lambda: st.nblocks >= 2 or st.full, 5.0, interval_s=0.001)
        if st.nblocks < 2:
            print("jack_recorder: no process blocks recorded within 5 s",
                  file=sys.stderr, flush=True)
            return 3
        ready_and_watch_stdin(stop)
        while not stop.is_set() and not st.full:
            stop.wait(0.01)
        st.recording = False
        xruns = watch.xruns
    finally:
        client.deactivate()
        client.close()

    nb = st.nblocks
    n = int(st.block_len[:nb].sum())
    frames = unwrap_frames(st.block_frame[:nb])
    lens = st.block_len[:nb]
    starts_idx = np.concatenate(([0], np.cumsum(lens)[:-1])) if nb else np.zeros(0, np.int64)
    # Block k starts a new segment when its frame time is not where block k-1 ended.
    breaks = np.flatnonzero(frames[1:] != frames[:-1] + lens[:-1]) + 1
    segment_starts = starts_idx[breaks]
    # Absolute frame of each recorded sample.
    sample_frames = np.repeat(frames - starts_idx, lens) + np.arange(n)
    audio = st.audio[:, :n]
    mix = np.max(np.abs(audio), axis=0) if n else np.zeros(0, np.float32)
    onsets = detect_onsets(mix, args.threshold, args.min_gap, segment_starts)
    per_channel = [
        sample_frames[detect_onsets(ch, args.threshold, args.min_gap, segment_starts)].tolist()
        for ch in audio
    ]
    if args.save:
        np.savez(args.save, frames=sample_frames, audio=audio)
    out = {
        "onset_frames": sample_frames[onsets].tolist(),
        "onset_frames_per_channel": per_channel,
        "n_frames_recorded": n,
        "first_frame": int(frames[0]) if nb else None,
        "xruns": xruns,
        "sample_rate": rate,
        "blocksize": blocksize,
        "channels": args.channels,
        "gaps": int(breaks.size),
        "gap_frames": [[int(frames[k - 1] + lens[k - 1]), int(frames[k])] for k in breaks],
        "connections": connections,
        "peak": float(mix.max()) if n else 0.0,
    }
    print_result(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
