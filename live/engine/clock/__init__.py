"""Mapping other clocks onto the engine's frame clock.

The engine has one clock, its frame counter (DESIGN.md section 3). Inputs arrive stamped on
other clocks, and the sampler callback records, once per audio block, a row
``(block_start_frame, host_ns, jack_frame, duration_ns)`` that ties them together:

- :class:`FrameMap` maps JACK frame times (JACK MIDI events) to engine frames, exactly, from
  the ``(block_start_frame, jack_frame)`` columns.
- :class:`HostClock` maps host time (``CLOCK_MONOTONIC`` ns, the clock of
  ``time.perf_counter_ns`` and ``time.monotonic_ns`` on Linux: touch input, rtmidi arrivals)
  to engine frames and back, by a regression over the ``(block_start_frame, host_ns)`` columns.
- :class:`MinDelayAnchor` stamps python-rtmidi input, whose delta times are measured in the
  MIDI driver's thread, onto engine frames with a minimum-delay filter, so a late GIL
  hand-over to the polling thread does not move a timestamp (DESIGN.md section 4).

Thread safety: each object takes one writer (the thread calling ``update`` / ``feed``). For
:class:`FrameMap` and :class:`HostClock`, an update publishes its result as one immutable
snapshot (a single attribute store), so any number of other threads may query concurrently.
:class:`MinDelayAnchor` is for the one thread that polls rtmidi.

One module each (``frame_map``, ``host_clock``, ``min_delay``; ``rows`` holds what they share);
import them from here. Realtime-safe: no (Python, allocates; control and input threads only).
"""

from live.engine.clock.frame_map import FrameMap
from live.engine.clock.host_clock import HostClock
from live.engine.clock.min_delay import MinDelayAnchor
from live.engine.clock.rows import JACK_FRAME_MODULUS, ClockNotReady

__all__ = ["ClockNotReady", "FrameMap", "HostClock", "MinDelayAnchor", "JACK_FRAME_MODULUS"]
