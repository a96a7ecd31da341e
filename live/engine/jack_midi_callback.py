"""The JACK MIDI client's process callback, compiled by numba: runs in JACK's thread, no GIL.

Registered with libjack's ``jack_set_process_callback`` by :class:`live.engine.jack_midi.JackMidiClient`
(the JACK-Client package's callback is Python, and a Python thread holding the GIL would make
it late: an xrun for the whole graph; DESIGN.md section 4). Per cycle it reads every event of
the input port with ``jack_midi_event_get`` into the input ring, stamped with its absolute JACK
frame (``jack_last_frame_time + offset in the cycle``), and writes the output events due in this
cycle at their offsets. libjack is called through addresses kept in the header
(:mod:`live.engine.layout`, ``J_*``; :mod:`live.engine.cabi`). Like the sampler's callback, the
body cannot raise (``error_model='numpy'``, no division, masked ring positions) and allocates
nothing.

Realtime-safe: yes (this module is the JACK MIDI path).
"""

from __future__ import annotations

import numpy as np
from numba import carray, cfunc, types

from live.engine.cabi import (
    acquire_fence, as_voidptr, call_i32_p_p_u32, call_i32_p_u32_p_u64, call_p_p_u32, call_u32_p, call_void_p,
    release_fence,
)
from live.engine.layout import (
    EV_BUFFER, EV_SIZE, EV_TIME, EVENT_FIELDS, J_CLIENT, J_CYCLES, J_EVENT_ADDR, J_FN_CLEAR_BUFFER,
    J_FN_EVENT_COUNT, J_FN_EVENT_GET, J_FN_EVENT_WRITE, J_FN_GET_BUFFER, J_FN_LAST_FRAME_TIME, J_IN_ADDR,
    J_IN_DROPPED, J_IN_MASK, J_IN_PORT, J_IN_READ, J_IN_WRITTEN, J_OUT_ADDR, J_OUT_LATE, J_OUT_MASK, J_OUT_PORT,
    J_OUT_READ, J_OUT_WRITTEN, J_SIZE, MI_DATA1, MI_DATA2, MI_JACK_FRAME, MI_STATUS, MIDI_IN_FIELDS,
    MIDI_OUT_FIELDS, MO_SIZE,
)

__all__ = ["JACK_PROCESS_SIG", "compile_process", "process_callback"]

JACK_PROCESS_SIG = types.int32(types.uint32, types.voidptr)  # int (*)(jack_nframes_t, void *)


def _process_body(nframes, arg):
    h = carray(arg, (J_SIZE,), np.int64)
    h[J_CYCLES] += 1
    n = np.int64(nframes)
    t0 = np.int64(call_u32_p(h[J_FN_LAST_FRAME_TIME], as_voidptr(h[J_CLIENT])))

    # Input: every event of this cycle, stamped with its absolute frame.
    in_buf = call_p_p_u32(h[J_FN_GET_BUFFER], as_voidptr(h[J_IN_PORT]), nframes)
    count = np.int64(call_u32_p(h[J_FN_EVENT_COUNT], in_buf))
    ev = carray(as_voidptr(h[J_EVENT_ADDR]), (EVENT_FIELDS,), np.int64)
    in_mask = h[J_IN_MASK]
    ring = carray(as_voidptr(h[J_IN_ADDR]), (in_mask + 1, MIDI_IN_FIELDS), np.int64)
    written = h[J_IN_WRITTEN]
    for i in range(count):
        if call_i32_p_p_u32(h[J_FN_EVENT_GET], as_voidptr(h[J_EVENT_ADDR]), in_buf, np.uint32(i)) != 0:
            continue
        size = ev[EV_SIZE]
        if size < 1 or size > 3 or written - h[J_IN_READ] > in_mask:
            h[J_IN_DROPPED] += 1
            continue
        data = carray(as_voidptr(ev[EV_BUFFER]), (size,), np.uint8)
        slot = written & in_mask
        ring[slot, MI_JACK_FRAME] = t0 + (ev[EV_TIME] & 0xFFFFFFFF)
        ring[slot, MI_STATUS] = data[0]
        ring[slot, MI_DATA1] = data[1] if size > 1 else 0
        ring[slot, MI_DATA2] = data[2] if size > 2 else 0
        written += 1
    release_fence()
    h[J_IN_WRITTEN] = written

    # Output: the events due before this cycle ends, in the order queued, at their offsets.
    if h[J_OUT_PORT] != 0:
        out_buf = call_p_p_u32(h[J_FN_GET_BUFFER], as_voidptr(h[J_OUT_PORT]), nframes)
        call_void_p(h[J_FN_CLEAR_BUFFER], out_buf)
        out_mask = h[J_OUT_MASK]
        out = carray(as_voidptr(h[J_OUT_ADDR]), (out_mask + 1, MIDI_OUT_FIELDS), np.int64)
        out_written = h[J_OUT_WRITTEN]
        acquire_fence()
        taken = h[J_OUT_READ]
        if out_written - taken > out_mask + 1:
            taken = out_written - (out_mask + 1)
        last_offset = np.int64(0)
        bytes_ = carray(as_voidptr(h[J_EVENT_ADDR]), (EVENT_FIELDS * 8,), np.uint8)  # reuse the event scratch
        while taken < out_written:
            slot = taken & out_mask
            offset = out[slot, MI_JACK_FRAME] - t0
            if offset >= n:
                break  # due in a later cycle
            if offset < last_offset:
                if offset < 0:
                    h[J_OUT_LATE] += 1
                offset = last_offset  # JACK wants events in time order
            size = min(max(out[slot, MO_SIZE], 1), 3)
            bytes_[0] = np.uint8(out[slot, MI_STATUS] & 0xFF)
            bytes_[1] = np.uint8(out[slot, MI_DATA1] & 0xFF)
            bytes_[2] = np.uint8(out[slot, MI_DATA2] & 0xFF)
            call_i32_p_u32_p_u64(h[J_FN_EVENT_WRITE], out_buf, np.uint32(offset), as_voidptr(h[J_EVENT_ADDR]),
                                 np.uint64(size))
            last_offset = offset
            taken += 1
        h[J_OUT_READ] = taken
    return 0


def compile_process(*, cache: bool = True):
    """The process callback as a C function (``cache=False`` for an inspectable compilation)."""
    return cfunc(JACK_PROCESS_SIG, nopython=True, error_model="numpy", cache=cache)(_process_body)


process_callback = compile_process()
"""The compiled process callback (numba's on-disk cache makes a warm start fast)."""
