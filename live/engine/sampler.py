"""The audio callback: a sampler compiled by numba that never needs the GIL.

The callback contract (what runs in the audio thread, and what may not)
-----------------------------------------------------------------------
:data:`sampler_callback` has PortAudio's ``PaStreamCallback`` signature and is handed to
PortAudio (live) or called over a numpy buffer (offline) as a C function pointer. Per block it

1. takes every command Python has queued in the command ring and puts it in a free voice
   (a voice may start in a later block: it waits in its slot until its frame comes);
2. mixes, for every voice sounding in this block, the voice's slice of the sample bank into a
   mono scratch buffer, from the exact frame offset at which it starts, times its gain, with an
   optional linear fade over its last frames, and copies the scratch to every output channel;
3. advances the frame counter (the engine's one clock) and its statistics.

It may not: take the GIL, allocate, raise, block, or read or write outside the arrays it is
given. numba's cfunc wrapper carries an error path that takes the GIL (``numba_gil_ensure``),
reached only when the body raises, so the body is written so that it cannot raise: compiled
with ``error_model='numpy'``, no integer division or modulo (ring positions are masked with
``capacity - 1``), every index clamped or checked against the array it reads. Tests check the
compiled IR for allocation and for raise paths.

Memory layout
-------------
numba freezes global arrays at compile time, so everything reaches the callback through
``userdata``: the address of an int64 *header* whose slots (the ``H_*`` constants) hold the
addresses and sizes of the command ring, the voice table and the bank, plus counters.

The command ring is single-producer (Python, under the engine's lock), single-consumer (the
callback). Python writes the payload of a slot first and the write count after; the callback
reads the write count, then an acquire fence, then the payload. On x86 (total store order)
CPython's ordered stores suffice; on weakly ordered CPUs (ARM) the producer would also need a
release fence between payload and count, which CPython does not give: this code assumes x86-64.
"""

from __future__ import annotations

import numpy as np
from numba import carray, cfunc, njit, types

from live.engine.bank import Bank
from live.engine.cabi import (
    CLOCK_MONOTONIC, acquire_fence, address_of, as_voidptr, call_i32_i32_p, call_u32_p, clock_gettime_address,
    release_fence,
)

# --- header slots (int64) ------------------------------------------------------------------
H_FRAME = 0            # frames rendered since the stream started (callback writes)
H_CMD_WRITTEN = 1      # commands written so far (Python writes, after the payload)
H_CMD_READ = 2         # commands taken so far (callback writes)
H_CMD_MASK = 3         # ring capacity - 1 (capacity is a power of two)
H_CMD_ADDR = 4         # int64[capacity, CMD_FIELDS]
H_CMD_GAIN_ADDR = 5    # float32[capacity]
H_VOICE_ADDR = 6       # int64[n_voices, VOICE_FIELDS]
H_VOICE_GAIN_ADDR = 7  # float32[n_voices]
H_N_VOICES = 8
H_BANK_ADDR = 9        # float32[bank_frames]
H_BANK_FRAMES = 10
H_CHANNELS = 11
H_BLOCKS = 12          # callbacks run
H_LATE = 13            # commands taken after their start frame had passed (started at once)
H_LATE_MAX_FRAMES = 14 # worst lateness seen, frames
H_DROPPED = 15         # commands dropped: no free voice, or a slice outside the bank
H_ACTIVE_MAX = 16      # most voices sounding or waiting at once
H_SCRATCH_ADDR = 17    # float32[SCRATCH_FRAMES]: the mono mix of one chunk
H_CLOCK_FN = 18        # address of clock_gettime, or 0 (offline: no host time)
H_TIMESPEC_ADDR = 19   # int64[2]: clock_gettime's struct timespec
H_JACK_TIME_FN = 20    # address of jack_last_frame_time, or 0 (not on JACK)
H_JACK_CLIENT = 21     # a jack_client_t * of the same server (its frame time is the graph's)
H_ROWS_ADDR = 22       # int64[rows, ROW_FIELDS]: one row per block (see R_*)
H_ROWS_MASK = 23       # rows - 1 (a power of two)
H_ROWS_WRITTEN = 24    # rows written so far (callback writes, after the row)
H_UNDERFLOWS = 25      # blocks PortAudio flagged as output underflow
H_IN_ADDR = 26         # float32[in_frames * in_channels]: microphone ring, interleaved
H_IN_MASK = 27         # in_frames - 1 (a power of two)
H_IN_CHANNELS = 28     # 0 = no input
H_IN_WRITTEN = 29      # input frames written so far (callback writes, after the samples)
H_OVERFLOWS = 30       # blocks PortAudio flagged as input overflow
H_MIDI_HEADER = 31     # a JACK MIDI client's header (live.engine.jack_midi), or 0
H_MIDI_READ = 32       # MIDI events this callback has taken from that client's ring
H_FEEDBACK_DELAY = 33  # frames from a note's input frame to its own sound (> 0 to play any)
H_FEEDBACK_ADDR = 34   # int64[128, 2]: per MIDI note, (bank start, length); length 0 = silent
H_FEEDBACK_GAIN_ADDR = 35  # float32[128]: per MIDI note gain (times velocity / 127)
H_FEEDBACK_PLAYED = 36 # note sounds started by the callback
H_SIZE = 37

# --- block rows (int64): what each callback saw ------------------------------------------
R_FRAME = 0            # engine frame of the block's first sample
R_HOST_NS = 1          # CLOCK_MONOTONIC ns at callback entry (-1 without a host clock)
R_JACK_FRAME = 2       # JACK frame time of the cycle (-1 when not on JACK)
R_DURATION_NS = 3      # time spent in the callback, ns (-1 without a host clock)
ROW_FIELDS = 4

# --- command fields (int64) ---------------------------------------------------------------
C_FRAME = 0            # frame of the first sample
C_BANK_START = 1       # first bank frame of the slice
C_LENGTH = 2           # frames to play
C_FADE = 3             # frames of linear fade-out at the end (0 = none)
CMD_FIELDS = 4

# --- voice fields (int64) -------------------------------------------------------------------
V_ACTIVE = 0
V_FRAME = 1
V_BANK_START = 2
V_LENGTH = 3
V_FADE = 4
VOICE_FIELDS = 5

PA_CALLBACK_SIG = types.int32(
    types.voidptr,  # const void *input
    types.voidptr,  # void *output
    types.uint64,   # unsigned long frameCount
    types.voidptr,  # const PaStreamCallbackTimeInfo *timeInfo
    types.uint64,   # PaStreamCallbackFlags statusFlags
    types.voidptr,  # void *userData
)
# the JACK MIDI client's header slots this callback reads (see live.engine.jack_midi)
JM_IN_ADDR = 10
JM_IN_MASK = 11
JM_IN_WRITTEN = 12

PA_CONTINUE = 0
PA_INPUT_OVERFLOW = 0x2
PA_OUTPUT_UNDERFLOW = 0x4
MAX_CHANNELS = 32
SCRATCH_FRAMES = 1024  # blocks longer than this are mixed in chunks


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
def _start_voice(hdr, voice, voice_gain, block_start, bank_frames, start, bank_start, length, fade, gain) -> bool:
    """Put a bank slice in a free voice to start at frame ``start`` (now, counted late, if that
    has passed). False, counted as dropped, when the slice is outside the bank or no voice is free."""
    if bank_start < 0 or length <= 0 or bank_start >= bank_frames:
        hdr[H_DROPPED] += 1
        return False
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
    voice_gain[free] = gain
    voice[free, V_ACTIVE] = 1
    return True


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
        _start_voice(hdr, voice, voice_gain, block_start, bank_frames, cmd[slot, C_FRAME], cmd[slot, C_BANK_START],
                     cmd[slot, C_LENGTH], cmd[slot, C_FADE], cmd_gain[slot])
    hdr[H_CMD_READ] = taken

    # 1b. Pads: a note-on from the JACK MIDI client starts that note's sound at its input frame
    #     + a fixed delay, so its latency is constant. The MIDI client stamps JACK frames; this
    #     block's JACK frame time maps them onto engine frames exactly.
    jack_fn = hdr[H_JACK_TIME_FN]
    jack_t0 = np.int64(call_u32_p(jack_fn, as_voidptr(hdr[H_JACK_CLIENT]))) if jack_fn != 0 else np.int64(-1)
    midi_hdr_addr = hdr[H_MIDI_HEADER]
    if midi_hdr_addr != 0 and jack_t0 >= 0:
        mh = carray(as_voidptr(midi_hdr_addr), (JM_IN_WRITTEN + 1,), np.int64)
        midi_written = mh[JM_IN_WRITTEN]
        acquire_fence()
        midi_mask = mh[JM_IN_MASK]
        midi = carray(as_voidptr(mh[JM_IN_ADDR]), (midi_mask + 1, 4), np.int64)
        fb = carray(as_voidptr(hdr[H_FEEDBACK_ADDR]), (128, 2), np.int64)
        fb_gain = carray(as_voidptr(hdr[H_FEEDBACK_GAIN_ADDR]), (128,), np.float32)
        delay = hdr[H_FEEDBACK_DELAY]
        taken_midi = hdr[H_MIDI_READ]
        if midi_written - taken_midi > midi_mask + 1:
            taken_midi = midi_written - (midi_mask + 1)
        while taken_midi < midi_written:
            slot = taken_midi & midi_mask
            taken_midi += 1
            status = midi[slot, 1]
            note = midi[slot, 2] & 0x7F
            velocity = midi[slot, 3] & 0x7F
            if (status & 0xF0) != 0x90 or velocity == 0 or delay <= 0:
                continue
            if fb[note, 1] <= 0:
                continue  # this note plays no sound
            # JACK frame times are 32-bit: take the difference modulo 2**32, as a signed value
            since_t0 = (((midi[slot, 0] & 0xFFFFFFFF) - jack_t0 + 0x80000000) & 0xFFFFFFFF) - 0x80000000
            gain = fb_gain[note] * np.float32(velocity) / np.float32(127.0)
            if _start_voice(hdr, voice, voice_gain, block_start, bank_frames, block_start + since_t0 + delay,
                            fb[note, 0], fb[note, 1], 0, gain):
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
    #    the mono scratch; then copy the scratch to every output channel.
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
            first = start - chunk_start if start > chunk_start else 0  # first scratch frame
            pos = chunk_start + first - start                            # sound frame there
            count = min(m - first, length - pos)
            src = voice[v, V_BANK_START] + pos
            gain = voice_gain[v]
            fade = voice[v, V_FADE]
            plain = min(max(length - fade - pos, 0), count)  # frames before the fade starts
            for j in range(plain):
                scratch[first + j] += bank[src + j] * gain
            for j in range(plain, count):  # here 0 < length - (pos + j) <= fade
                scratch[first + j] += bank[src + j] * gain * (np.float32(length - pos - j) / np.float32(fade))
            if pos + count >= length:
                voice[v, V_ACTIVE] = 0
        for i in range(m):
            o = (done + i) * channels
            for c in range(channels):
                out[o + c] = scratch[i]
        done += m
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


class RingFull(RuntimeError):
    """The command ring has no free slot: the callback has not run for a whole ring's worth."""


class SamplerState:
    """The memory the callback works on, owned by Python and kept alive as long as this object.

    Parameters
    ----------
    bank : Bank
        Sounds the callback may play.
    channels : int
        Output channels (the mono bank is played on each).
    n_voices : int
        Sounds that can sound or wait at once.
    ring_capacity : int
        Command slots; a power of two.

    Notes
    -----
    Single producer: call :meth:`push` from one thread at a time (the engine holds a lock).
    Realtime-safe: no (Python); it only writes the ring, never waits for the callback.
    """

    def __init__(self, bank: Bank, *, channels: int = 2, n_voices: int = 256, ring_capacity: int = 4096,
                 in_channels: int = 0, in_frames: int = 1 << 18, rows: int = 1 << 14, host_clock: bool = False):
        if not 1 <= channels <= MAX_CHANNELS:
            raise ValueError(f"channels must be 1..{MAX_CHANNELS}, got {channels}")
        if n_voices < 1:
            raise ValueError(f"n_voices must be >= 1, got {n_voices}")
        for name, value in (("ring_capacity", ring_capacity), ("in_frames", in_frames), ("rows", rows)):
            if value < 2 or value & (value - 1):
                raise ValueError(f"{name} must be a power of two >= 2, got {value}")
        if not 0 <= in_channels <= MAX_CHANNELS:
            raise ValueError(f"in_channels must be 0..{MAX_CHANNELS}, got {in_channels}")
        self.bank = bank
        self.channels = channels
        self.header = np.zeros(H_SIZE, dtype=np.int64)
        self.commands = np.zeros((ring_capacity, CMD_FIELDS), dtype=np.int64)
        self.command_gains = np.zeros(ring_capacity, dtype=np.float32)
        self.voices = np.zeros((n_voices, VOICE_FIELDS), dtype=np.int64)
        self.voice_gains = np.zeros(n_voices, dtype=np.float32)
        self.scratch = np.zeros(SCRATCH_FRAMES, dtype=np.float32)
        self.timespec = np.zeros(2, dtype=np.int64)
        self.rows = np.zeros((rows, ROW_FIELDS), dtype=np.int64)
        self.in_channels = in_channels
        self.feedback = np.zeros((128, 2), dtype=np.int64)
        self.feedback_gains = np.zeros(128, dtype=np.float32)
        self.input_ring = np.zeros((in_frames if in_channels else 2) * max(in_channels, 1), dtype=np.float32)
        h = self.header
        h[H_CMD_MASK] = ring_capacity - 1
        h[H_CMD_ADDR] = self.commands.ctypes.data
        h[H_CMD_GAIN_ADDR] = self.command_gains.ctypes.data
        h[H_VOICE_ADDR] = self.voices.ctypes.data
        h[H_VOICE_GAIN_ADDR] = self.voice_gains.ctypes.data
        h[H_N_VOICES] = n_voices
        h[H_BANK_ADDR] = bank.data.ctypes.data
        h[H_BANK_FRAMES] = bank.data.size
        h[H_CHANNELS] = channels
        h[H_SCRATCH_ADDR] = self.scratch.ctypes.data
        h[H_TIMESPEC_ADDR] = self.timespec.ctypes.data
        h[H_CLOCK_FN] = clock_gettime_address() if host_clock else 0
        h[H_ROWS_ADDR] = self.rows.ctypes.data
        h[H_ROWS_MASK] = rows - 1
        h[H_IN_ADDR] = self.input_ring.ctypes.data
        h[H_IN_MASK] = (in_frames if in_channels else 2) - 1
        h[H_IN_CHANNELS] = in_channels
        h[H_FEEDBACK_ADDR] = self.feedback.ctypes.data
        h[H_FEEDBACK_GAIN_ADDR] = self.feedback_gains.ctypes.data
        self._rows_read = 0
        self._input_read = 0

    @property
    def userdata(self) -> int:
        """Address to pass as the callback's ``userData``."""
        return self.header.ctypes.data

    @property
    def frame(self) -> int:
        """Frames rendered so far: the engine clock as of the last finished block."""
        return int(self.header[H_FRAME])

    def push(self, *, frame: int, bank_start: int, length_frames: int, gain: float, fade_frames: int = 0) -> None:
        """Queue one bank slice to start at ``frame``.

        Raises
        ------
        RingFull
            When the callback has not yet taken the slots (never blocks).
        """
        h = self.header
        written = int(h[H_CMD_WRITTEN])
        if written - int(h[H_CMD_READ]) >= self.commands.shape[0]:
            raise RingFull(f"command ring full ({self.commands.shape[0]} commands waiting): is the stream running?")
        slot = written & (self.commands.shape[0] - 1)
        self.commands[slot] = (frame, bank_start, length_frames, fade_frames)
        self.command_gains[slot] = gain
        h[H_CMD_WRITTEN] = written + 1  # payload first, then the count (see module notes)

    def start_at(self, frame: int) -> None:
        """Make the clock count on from ``frame`` (>= 0): the first block the callback runs
        starts there, and so does the microphone ring's input. For a state no callback has run
        on yet (a stream that replaces one lost mid-session continues its timeline)."""
        if frame < 0:
            raise ValueError(f"frame must be >= 0, got {frame}")
        if self.header[H_BLOCKS] != 0:
            raise RuntimeError("start_at: the callback has already run on this state")
        self.header[H_FRAME] = frame
        self.header[H_IN_WRITTEN] = frame
        self._input_read = frame

    def use_host_clock(self) -> None:
        """Record CLOCK_MONOTONIC with every block (live drivers; the offline driver has no host time)."""
        self.header[H_CLOCK_FN] = clock_gettime_address()

    def use_jack_clock(self, jack_last_frame_time_address: int, jack_client: int) -> None:
        """Record JACK's frame time with every block, read through ``jack_last_frame_time`` of
        any client of the server the stream runs on. Set before the stream starts."""
        self.header[H_JACK_CLIENT] = jack_client
        self.header[H_JACK_TIME_FN] = jack_last_frame_time_address

    def play_midi_notes(self, midi_header: np.ndarray, *, delay_frames: int, sounds: dict[int, tuple[str, float]]) -> None:
        """Let the callback play pads itself: each note-on the JACK MIDI client (whose
        ``header`` this is) receives starts ``sounds[note] = (bank sound, gain)`` at the note's
        input frame + ``delay_frames``, times velocity / 127. Needs :meth:`use_jack_clock`.

        The delay makes the latency constant: it must cover one period (the MIDI client may run
        after this callback in a cycle); two periods is safe.
        """
        if delay_frames < 1:
            raise ValueError(f"delay_frames must be >= 1, got {delay_frames}")
        self.set_note_sounds(sounds)
        self._midi_header = midi_header  # keep it alive while the callback reads it
        self.header[H_FEEDBACK_DELAY] = delay_frames
        self.header[H_MIDI_READ] = midi_header[JM_IN_WRITTEN]
        self.header[H_MIDI_HEADER] = midi_header.ctypes.data

    def set_note_sounds(self, sounds: dict[int, tuple[str, float]]) -> None:
        """Which bank sound each MIDI note plays (notes not given: silent)."""
        table = np.zeros((128, 2), dtype=np.int64)
        gains = np.zeros(128, dtype=np.float32)
        for note, (name, gain) in sounds.items():
            if not 0 <= note <= 127:
                raise ValueError(f"MIDI note must be 0..127, got {note}")
            where = self.bank[name]
            table[note] = (where.start_frame, where.length_frames)
            gains[note] = gain
        self.feedback_gains[:] = gains  # gains first: a note never plays at an old gain
        self.feedback[:] = table

    def take_rows(self) -> np.ndarray:
        """Block rows (``R_*`` columns) written since the last call, oldest first.

        Rows older than the ring's length are lost (counted in the shortfall of the result's
        first frame); call at least every ``rows`` blocks. Not thread-safe: one reader.
        """
        written = int(self.header[H_ROWS_WRITTEN])
        cap = self.rows.shape[0]
        first = max(self._rows_read, written - cap)
        idx = np.arange(first, written) & (cap - 1)
        out = self.rows[idx].copy()
        self._rows_read = written
        return out

    def take_input(self) -> tuple[int, np.ndarray]:
        """Microphone frames written since the last call: (frame of the first, samples (n, ch))."""
        written = int(self.header[H_IN_WRITTEN])
        cap = self.input_ring.size // max(self.in_channels, 1)
        first = max(self._input_read, written - cap)
        idx = np.arange(first, written) & (cap - 1)
        self._input_read = written
        frames = self.input_ring.reshape(cap, max(self.in_channels, 1))[idx].copy()
        return first, frames

    def stats(self) -> dict[str, int]:
        """Counters the callback keeps: blocks, late, late_max_frames, dropped, active_max,
        underflows, overflows."""
        h = self.header
        return {
            "frames": int(h[H_FRAME]),
            "blocks": int(h[H_BLOCKS]),
            "late": int(h[H_LATE]),
            "late_max_frames": int(h[H_LATE_MAX_FRAMES]),
            "dropped": int(h[H_DROPPED]),
            "active_max": int(h[H_ACTIVE_MAX]),
            "underflows": int(h[H_UNDERFLOWS]),
            "overflows": int(h[H_OVERFLOWS]),
            "pad_sounds": int(h[H_FEEDBACK_PLAYED]),
        }
