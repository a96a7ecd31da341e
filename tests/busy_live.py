"""Run the ``live`` command line with a busy pure-Python thread in the same process (the
engine's), to show the audio and MIDI paths do not depend on getting the GIL."""

import sys
import threading

from jack_engine_probe import busy
from live.cli import main

if __name__ == "__main__":
    stop, counter = threading.Event(), [0]
    threading.Thread(target=busy, args=(stop, counter), daemon=True).start()
    status = main(sys.argv[1:])
    stop.set()
    print(f"busy thread: {counter[0]} iterations", file=sys.stderr)
    raise SystemExit(status)
