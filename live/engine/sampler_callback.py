"""The audio callback: a sampler compiled by numba that never needs the GIL.

The callback contract (what runs in the audio thread, and what may not)
-----------------------------------------------------------------------
:data:`sampler_callback` has PortAudio's ``PaStreamCallback`` signature and is handed to
PortAudio (live) or called over a numpy buffer (offline) as a C function pointer. Per block it

1. takes every command Python has queued in the command ring and puts it in a free voice
   (a voice may start in a later block: it waits in its slot until its frame comes), or, for a
   release command, sets the frame from which the voices with its key fade out;
1b. plays the pads of the JACK MIDI client's notes: a note-on starts its note's sound (in the
   velocity's layer; from the second note table for the channels the header names) at the
   input frame + a fixed delay; a note-off releases it there, when the
   note sustains;
2. mixes, for every voice sounding in this block, the voice's slice of the sample bank into a
   mono scratch buffer, from the exact frame offset at which it starts, times its gain, with an
   optional linear fade over its last frames and a linear release from its end frame (a
   note-off), and copies the scratch to every output channel. Every gain depends only on the
   voice's frame, never on where a block starts, so any block sizes render the same samples;
3. advances the frame counter (the engine's one clock) and its statistics.

It may not: take the GIL, allocate, raise, block, or read or write outside the arrays it is
given. numba's cfunc wrapper carries an error path that takes the GIL (``numba_gil_ensure``),
reached only when the body raises, so the body is written so that it cannot raise: compiled
with ``error_model='numpy'``, no integer division or modulo (ring positions are masked with
``capacity - 1``), every index clamped or checked against the array it reads. Tests check the
compiled IR for allocation and for raise paths.

Memory
------
Everything reaches the callback through ``userdata``: the address of the int64 header of
:mod:`live.engine.layout` (``H_*``), whose slots hold the addresses and sizes of the command
ring, the voice table, the bank, the block rows, the microphone ring and, beside it, the ring
of what was played (the mono mix, by engine frame), plus counters;
:class:`live.engine.sampler.SamplerState` owns that memory. The command ring: Python writes a
slot's payload first and the write count after; the callback reads the write count, then an
acquire fence, then the payload. On x86 (total store order) CPython's ordered stores suffice;
on weakly ordered CPUs (ARM) the producer would also need a release fence between payload and
count, which CPython does not give: this code assumes x86-64.

Realtime-safe: yes (this module is the audio path).
"""

from __future__ import annotations

import numpy as np
from numba import carray, cfunc, njit, types

from live.engine.cabi import (
    CLOCK_MONOTONIC, acquire_fence, address_of, as_voidptr, call_i32_i32_p, call_u32_p, release_fence,
)
from live.engine.layout import (
    C_END, C_KEY, C_KIND, C_RELEASE, CK_RELEASE, FB_FULL_VELOCITY, FB_LAYERS, FB_RELEASE, FB_TABLES,
    H_FEEDBACK_CHANNELS, KEY_MIDI, LAYER_TOPS, V_END, V_KEY,
    V_RELEASE,
    C_BANK_START, C_FADE, C_FRAME, C_LENGTH, CMD_FIELDS, FB_BANK_START, FB_LENGTH, FEEDBACK_FIELDS, H_ACTIVE_MAX,
    H_BANK_ADDR, H_BANK_FRAMES, H_BLOCKS, H_CHANNELS, H_CLOCK_FN, H_CMD_ADDR, H_CMD_GAIN_ADDR, H_CMD_MASK,
    H_CMD_READ, H_CMD_WRITTEN, H_DROPPED, H_FEEDBACK_ADDR, H_FEEDBACK_DELAY, H_FEEDBACK_GAIN_ADDR,
    H_FEEDBACK_PLAYED, H_FRAME, H_IN_ADDR, H_IN_CHANNELS, H_IN_MASK, H_IN_WRITTEN, H_JACK_CLIENT, H_JACK_TIME_FN,
    H_LATE, H_LATE_MAX_FRAMES, H_MIDI_HEADER, H_MIDI_READ, H_N_VOICES, H_OVERFLOWS, H_ROWS_ADDR, H_ROWS_MASK,
    H_OUT_ADDR, H_OUT_WRITTEN, H_ROWS_WRITTEN, H_SCRATCH_ADDR, H_SIZE, H_TIMESPEC_ADDR, H_UNDERFLOWS, H_VOICE_ADDR, H_VOICE_GAIN_ADDR,
    J_IN_ADDR, J_IN_MASK, J_IN_WRITTEN, J_SIZE, MAX_CHANNELS, MI_DATA1, MI_DATA2, MI_JACK_FRAME, MI_STATUS,
    MIDI_IN_FIELDS, R_DURATION_NS, R_FRAME, R_HOST_NS, R_JACK_FRAME, ROW_FIELDS, SCRATCH_FRAMES, V_ACTIVE,
    V_BANK_START, V_FADE, V_FRAME, V_LENGTH, VOICE_FIELDS,
)

__all__ = ["PA_CALLBACK_SIG", "PA_CONTINUE", "PA_INPUT_OVERFLOW", "PA_OUTPUT_UNDERFLOW", "compile_callback",
           "sampler_callback"]

PA_CALLBACK_SIG = types.int32(
    types.voidptr,  # const void *input
    types.voidptr,  # void *output
    types.uint64,   # unsigned long frameCount
    types.voidptr,  # const PaStreamCallbackTimeInfo *timeInfo
    types.uint64,   # PaStreamCallbackFlags statusFlags
    types.voidptr,  # void *userData
)
PA_CONTINUE = 0
PA_INPUT_OVERFLOW = 0x2
PA_OUTPUT_UNDERFLOW = 0x4


@njit(inline="always", error_model="numpy")  # inlined: one body to inspect
def _host_ns(hdr) -> np.int64:
    """CLOCK_MONOTONIC now, in ns; -1 when the header has no clock function."""
    fn = hdr[H_CLOCK_FN]
    if fn == 0:
        return np.int64(-1)
    ts = carray(as_voidptr(hdr[H_TIMESPEC_ADDR]), (2,), np.int64)
    call_i32_i32_p(fn, np.int32(CLOCK_MONOTONIC), as_voidptr(hdr[H_TIMESPEC_ADDR]))
    return ts[0] * 1000000000 + ts[1]


@njit(inline="always", error_model="numpy")  # inlined: one body to inspect
def _start_voice(hdr, voice, voice_gain, block_start, bank_frames, start, bank_start, length, fade, gain,
                 end, release, key) -> bool:
    """Put a bank slice in a free voice to start at frame ``start`` (now, counted late, if that
    has passed), its release from frame ``end`` (-1: none) over ``release`` frames, findable by
    ``key`` for a later release. An ``end`` before ``start`` (released before it began) plays
    nothing. False, counted as dropped, when the slice is outside the bank or no voice is free."""
    if bank_start < 0 or length <= 0 or bank_start >= bank_frames:
        hdr[H_DROPPED] += 1
        return False
    if 0 <= end < start:
        return True
    length = min(length, bank_frames - bank_start)
    free = 0
    while free < voice.shape[0] and voice[free, V_ACTIVE] != 0:
        free += 1
    if free == voice.shape[0]:
        hdr[H_DROPPED] += 1
        return False
    if start < block_start:
        hdr[H_LATE] += 1
        hdr[H_LATE_MAX_FRAMES] = max(hdr[H_LATE_MAX_FRAMES], block_start - start)
        start = block_start
    voice[free, V_FRAME] = start
    voice[free, V_BANK_START] = bank_start
    voice[free, V_LENGTH] = length
    voice[free, V_FADE] = min(max(fade, 0), length)
    voice[free, V_END] = max(end, start) if end >= 0 else np.int64(-1)
    voice[free, V_RELEASE] = max(release, 1)
    voice[free, V_KEY] = key
    voice_gain[free] = gain
    voice[free, V_ACTIVE] = 1
    return True


@njit(inline="always", error_model="numpy")  # inlined: one body to inspect
def _release_key(hdr, voice, block_start, key, frame) -> None:
    """Start the release of every sounding or waiting voice with ``key`` not yet released
    before ``frame``: at ``frame`` (at once, counted late, when that has passed); a voice
    waiting to start after ``frame`` is dropped (released before it began, it never sounds)."""
    if key < 0:
        return
    if frame < block_start:
        hdr[H_LATE] += 1
        hdr[H_LATE_MAX_FRAMES] = max(hdr[H_LATE_MAX_FRAMES], block_start - frame)
        frame = block_start
    for v in range(voice.shape[0]):
        if voice[v, V_ACTIVE] != 0 and voice[v, V_KEY] == key and (voice[v, V_END] < 0 or voice[v, V_END] > frame):
            if frame < voice[v, V_FRAME]:
                voice[v, V_ACTIVE] = 0
            else:
                voice[v, V_END] = frame


def _sampler_body(input_ptr, output_ptr, frame_count, time_info, status_flags, userdata):
    hdr = carray(userdata, (H_SIZE,), np.int64)
    entry_ns = _host_ns(hdr)
    n = np.int64(frame_count)
    channels = hdr[H_CHANNELS]
    if channels < 1 or channels > MAX_CHANNELS or n < 0:
        return PA_CONTINUE
    flags = np.int64(status_flags)
    if flags & PA_OUTPUT_UNDERFLOW:
        hdr[H_UNDERFLOWS] += 1
    if flags & PA_INPUT_OVERFLOW:
        hdr[H_OVERFLOWS] += 1
    out = carray(output_ptr, (n * channels,), np.float32)
    scratch = carray(as_voidptr(hdr[H_SCRATCH_ADDR]), (SCRATCH_FRAMES,), np.float32)

    mask = hdr[H_CMD_MASK]
    cmd = carray(as_voidptr(hdr[H_CMD_ADDR]), (mask + 1, CMD_FIELDS), np.int64)
    cmd_gain = carray(as_voidptr(hdr[H_CMD_GAIN_ADDR]), (mask + 1,), np.float32)
    n_voices = hdr[H_N_VOICES]
    voice = carray(as_voidptr(hdr[H_VOICE_ADDR]), (n_voices, VOICE_FIELDS), np.int64)
    voice_gain = carray(as_voidptr(hdr[H_VOICE_GAIN_ADDR]), (n_voices,), np.float32)
    bank_frames = hdr[H_BANK_FRAMES]
    bank = carray(as_voidptr(hdr[H_BANK_ADDR]), (bank_frames,), np.float32)

    block_start = hdr[H_FRAME]
    block_end = block_start + n

    # 1. Commands -> voices.
    written = hdr[H_CMD_WRITTEN]
    acquire_fence()
    taken = hdr[H_CMD_READ]
    if written - taken > mask + 1:  # never true for a sane producer; never read a slot twice
        hdr[H_DROPPED] += written - taken - (mask + 1)
        taken = written - (mask + 1)
    while taken < written:
        slot = taken & mask
        taken += 1
        if cmd[slot, C_KIND] == CK_RELEASE:
            _release_key(hdr, voice, block_start, cmd[slot, C_KEY], cmd[slot, C_FRAME])
            continue
        _start_voice(hdr, voice, voice_gain, block_start, bank_frames, cmd[slot, C_FRAME], cmd[slot, C_BANK_START],
                     cmd[slot, C_LENGTH], cmd[slot, C_FADE], cmd_gain[slot], cmd[slot, C_END], cmd[slot, C_RELEASE],
                     cmd[slot, C_KEY])
    hdr[H_CMD_READ] = taken

    # 1b. Pads: a note-on from the JACK MIDI client starts that note's sound at its input frame
    #     + a fixed delay, so its latency is constant. The MIDI client stamps JACK frames; this
    #     block's JACK frame time maps them onto engine frames exactly.
    jack_fn = hdr[H_JACK_TIME_FN]
    jack_t0 = np.int64(call_u32_p(jack_fn, as_voidptr(hdr[H_JACK_CLIENT]))) if jack_fn != 0 else np.int64(-1)
    midi_hdr_addr = hdr[H_MIDI_HEADER]
    if midi_hdr_addr != 0 and jack_t0 >= 0:
        mh = carray(as_voidptr(midi_hdr_addr), (J_SIZE,), np.int64)
        midi_written = mh[J_IN_WRITTEN]
        acquire_fence()
        midi_mask = mh[J_IN_MASK]
        midi = carray(as_voidptr(mh[J_IN_ADDR]), (midi_mask + 1, MIDI_IN_FIELDS), np.int64)
        fb = carray(as_voidptr(hdr[H_FEEDBACK_ADDR]), (FB_TABLES * 128 * FB_LAYERS, FEEDBACK_FIELDS), np.int64)
        fb_gain = carray(as_voidptr(hdr[H_FEEDBACK_GAIN_ADDR]), (FB_TABLES * 128 * FB_LAYERS,), np.float32)
        apart = hdr[H_FEEDBACK_CHANNELS]  # bit c: channel c's notes read the second table
        delay = hdr[H_FEEDBACK_DELAY]
        taken_midi = hdr[H_MIDI_READ]
        if midi_written - taken_midi > midi_mask + 1:
            taken_midi = midi_written - (midi_mask + 1)
        while taken_midi < midi_written:
            slot = taken_midi & midi_mask
            taken_midi += 1
            status = midi[slot, MI_STATUS]
            note = midi[slot, MI_DATA1] & 0x7F
            velocity = midi[slot, MI_DATA2] & 0x7F
            kind = status & 0xF0
            layer = 0
            while layer < FB_LAYERS - 1 and velocity > LAYER_TOPS[layer]:
                layer += 1
            table = (apart >> (status & 0x0F)) & 1  # FB_TABLES == 2
            row = (table * 128 + note) * FB_LAYERS + layer  # a note-off (velocity 0..127) finds the note's sustain in any row
            if (kind != 0x90 and kind != 0x80) or delay <= 0 or fb[row, FB_LENGTH] <= 0:
                continue  # not a note, or this note plays no sound
            # JACK frame times are 32-bit: take the difference modulo 2**32, as a signed value
            since_t0 = (((midi[slot, MI_JACK_FRAME] & 0xFFFFFFFF) - jack_t0 + 0x80000000) & 0xFFFFFFFF) - 0x80000000
            sustains = fb[row, FB_RELEASE] > 0
            key = KEY_MIDI | ((status & 0x0F) << 7) | note if sustains else np.int64(-1)
            if kind == 0x80 or velocity == 0:  # note-off: a sustained note's release starts
                if sustains:
                    _release_key(hdr, voice, block_start, key, block_start + since_t0 + delay)
                continue
            gain = fb_gain[row] * np.float32(velocity) / np.float32(max(fb[row, FB_FULL_VELOCITY], 1))
            if _start_voice(hdr, voice, voice_gain, block_start, bank_frames, block_start + since_t0 + delay,
                            fb[row, FB_BANK_START], fb[row, FB_LENGTH], 0, gain, np.int64(-1),
                            fb[row, FB_RELEASE], key):
                hdr[H_FEEDBACK_PLAYED] += 1
        hdr[H_MIDI_READ] = taken_midi

    active = 0
    for v in range(n_voices):
        active += voice[v, V_ACTIVE]
    if active > hdr[H_ACTIVE_MAX]:
        hdr[H_ACTIVE_MAX] = active

    # Microphone: copy the input block into the ring (interleaved, as PortAudio gives it).
    in_channels = hdr[H_IN_CHANNELS]
    if in_channels > 0 and in_channels <= MAX_CHANNELS and address_of(input_ptr) != 0:
        in_mask = hdr[H_IN_MASK]
        ring_in = carray(as_voidptr(hdr[H_IN_ADDR]), ((in_mask + 1) * in_channels,), np.float32)
        block_in = carray(input_ptr, (n * in_channels,), np.float32)
        w = hdr[H_IN_WRITTEN]
        for i in range(n):
            at = ((w + i) & in_mask) * in_channels
            for c in range(in_channels):
                ring_in[at + c] = block_in[i * in_channels + c]
        release_fence()
        hdr[H_IN_WRITTEN] = w + n

    # 2. Mix, chunk by chunk, every voice that sounds there, from its exact frame offset, into
    #    the mono scratch; then copy the scratch to every output channel (and, with a microphone,
    #    to the output ring beside its input ring: what was played, for the bleed's rejection).
    out_addr = hdr[H_OUT_ADDR] if in_channels > 0 and in_channels <= MAX_CHANNELS else np.int64(0)
    out_mask = hdr[H_IN_MASK]
    done = np.int64(0)
    while done < n:
        m = min(SCRATCH_FRAMES, n - done)
        chunk_start = block_start + done
        chunk_end = chunk_start + m
        for i in range(m):
            scratch[i] = 0.0
        for v in range(n_voices):
            if voice[v, V_ACTIVE] == 0:
                continue
            start = voice[v, V_FRAME]
            if start >= chunk_end:
                continue  # waits for a later chunk
            length = voice[v, V_LENGTH]
            fade = voice[v, V_FADE]
            release = voice[v, V_RELEASE]
            # Sound frames: the fade starts at length - fade, the release at rel (if it has an
            # end); the voice stops at the slice's end or the release's, whichever comes first.
            rel = voice[v, V_END] - start if voice[v, V_END] >= 0 else length
            total = min(length, rel + release) if voice[v, V_END] >= 0 else length
            first = start - chunk_start if start > chunk_start else 0  # first scratch frame
            pos = chunk_start + first - start                            # sound frame there
            count = min(m - first, total - pos)
            src = voice[v, V_BANK_START] + pos
            gain = voice_gain[v]
            plain = min(max(min(length - fade, rel) - pos, 0), count)  # frames before fade or release
            for j in range(plain):
                scratch[first + j] += bank[src + j] * gain
            per_release = np.float32(1.0) / np.float32(release)  # release >= 1
            if fade == 0:  # the rest is all release (a sustained note's): one branch-free loop
                for j in range(plain, count):  # here 0 < rel + release - (pos + j) <= release
                    scratch[first + j] += bank[src + j] * (gain * (np.float32(rel + release - pos - j) * per_release))
            else:
                for j in range(plain, count):
                    p = pos + j
                    g = gain
                    if p >= length - fade:  # here 0 < length - p <= fade
                        g *= np.float32(length - p) / np.float32(fade)
                    if p >= rel:  # here 0 < rel + release - p <= release
                        g *= np.float32(rel + release - p) * per_release
                    scratch[first + j] += bank[src + j] * g
            if pos + count >= total:
                voice[v, V_ACTIVE] = 0
        for i in range(m):
            o = (done + i) * channels
            for c in range(channels):
                out[o + c] = scratch[i]
        if out_addr != 0:
            played = carray(as_voidptr(out_addr), (out_mask + 1,), np.float32)
            for i in range(m):
                played[(chunk_start + i) & out_mask] = scratch[i]
        done += m
    if out_addr != 0:
        release_fence()
        hdr[H_OUT_WRITTEN] = block_end
    # The block's row: its first frame, when the callback began (host and JACK clocks), and
    # how long it took.
    rows_mask = hdr[H_ROWS_MASK]
    rows = carray(as_voidptr(hdr[H_ROWS_ADDR]), (rows_mask + 1, ROW_FIELDS), np.int64)
    written = hdr[H_ROWS_WRITTEN]
    row = written & rows_mask
    rows[row, R_FRAME] = block_start
    rows[row, R_HOST_NS] = entry_ns
    rows[row, R_JACK_FRAME] = jack_t0
    rows[row, R_DURATION_NS] = _host_ns(hdr) - entry_ns if entry_ns >= 0 else -1
    release_fence()
    hdr[H_ROWS_WRITTEN] = written + 1
    hdr[H_BLOCKS] += 1
    hdr[H_FRAME] = block_end
    return PA_CONTINUE


def compile_callback(*, cache: bool = True):
    """Compile the sampler body as a C callback with PortAudio's signature.

    ``cache=False`` gives a fresh compilation whose IR can be inspected (numba does not keep
    IR for cached code).
    """
    return cfunc(PA_CALLBACK_SIG, nopython=True, error_model="numpy", cache=cache)(_sampler_body)


sampler_callback = compile_callback()
"""The compiled callback (numba's on-disk cache makes a warm start take well under a second)."""
