"""Engine process for the microphone test: a duplex PortAudio stream on JACK with the sampler
callback copying its input into the state's ring. Prints ``ready`` on stderr once running,
captures for --seconds, and prints one JSON object: the JACK frames of the input samples above
--threshold that follow silence (mapped from engine frames with the sampler's block rows).
Its command line (``--name``, ``--seconds``) and ready line are jack_harness_base.py's; it runs
the engine's own JACK client, not one of the harness's."""

import time

import numpy as np

from live.engine.bank import default_bank
from live.engine.jack_midi import JackMidiClient
from live.engine.live_driver import LiveDriver
from live.engine.layout import R_FRAME, R_JACK_FRAME
from live.engine.sampler import SamplerState

from jack_harness_base import announce_ready, harness_parser, print_result


def main() -> int:
    ap = harness_parser(__doc__, name="live-mic", seconds=3.0, seconds_help="capture this long (default 3)")
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--frames", type=int, default=0,
                    help="stop once this many input frames are captured, JACK's time (0, the default: --seconds only)")
    args = ap.parse_args()
    state = SamplerState(default_bank(48000), channels=2, in_channels=1, in_frames=1 << 19)
    clock = JackMidiClient(f"{args.name}-clock", with_output=False)  # for the JACK frame time
    state.use_jack_clock(clock.last_frame_time_address, clock.client_address)
    driver = LiveDriver(state, sample_rate=48000, jack_client_name=args.name)
    driver.start()
    announce_ready()
    rows, chunks, first = [], [], None
    end, captured = time.monotonic() + args.seconds, 0
    while time.monotonic() < end and not (args.frames and captured >= args.frames):
        rows.append(state.take_rows())
        start, frames = state.take_input()
        first = start if first is None else first
        chunks.append(frames[:, 0])
        captured += len(frames)
        time.sleep(0.01)
    driver.close()
    clock.close()
    rows = np.concatenate(rows)
    x = np.concatenate(chunks)
    loud = np.flatnonzero(np.abs(x) > args.threshold)
    onsets = loud[np.r_[True, np.diff(loud) > 1]] + first if loud.size else loud
    # engine frame -> JACK frame by the row of the block that captured it
    idx = np.searchsorted(rows[:, R_FRAME], onsets, side="right") - 1
    jack = rows[idx, R_JACK_FRAME] + (onsets - rows[idx, R_FRAME])
    print_result({"engine_frames": onsets.tolist(), "jack_frames": jack.tolist(),
                  "stats": state.stats(), "captured": int(x.size)})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
