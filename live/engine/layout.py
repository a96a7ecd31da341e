"""The memory the compiled callbacks share with Python: one layout, named once.

Two callbacks run without the GIL: the sampler (:mod:`live.engine.sampler_callback`, PortAudio's
thread) and the JACK MIDI client's process callback (:mod:`live.engine.jack_midi_callback`, JACK's
thread). numba freezes global arrays at compile time, so each reaches its memory through one
int64 *header* whose address is its ``userdata``: the header's slots hold the addresses and
sizes of its rings and tables, and counters. Python fills and reads the same memory
(:class:`live.engine.sampler.SamplerState`, :class:`live.engine.jack_midi.JackMidiClient`).
The sampler also reads the JACK MIDI client's input ring (the pads it plays itself), so both
headers and every ring's columns are defined here, and nowhere else.

Rings are single-producer, single-consumer: the producer writes a slot's payload, then (after
a release fence in a callback; CPython's ordered stores on x86-64) the write count; the
consumer reads the count, then an acquire fence, then the payload. Capacities are powers of two
and positions are masked with ``capacity - 1``: no division in a callback.

Realtime-safe: yes (constants only; the callbacks compile them in).
"""

from __future__ import annotations

# ---------------------------------------------------------------- the sampler's header (int64)
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
H_MIDI_HEADER = 31     # a JACK MIDI client's header (J_*), or 0
H_MIDI_READ = 32       # MIDI events this callback has taken from that client's input ring
H_FEEDBACK_DELAY = 33  # frames from a note's input frame to its own sound (> 0 to play any)
H_FEEDBACK_ADDR = 34   # int64[FB_TABLES * 128 * FB_LAYERS, FEEDBACK_FIELDS]: per table, MIDI note and velocity layer, its slice
H_FEEDBACK_GAIN_ADDR = 35  # float32[FB_TABLES * 128 * FB_LAYERS]: per row, gain (x velocity / FB_FULL_VELOCITY)
H_FEEDBACK_PLAYED = 36 # note sounds started by the callback
H_FEEDBACK_CHANNELS = 37  # bit c set (c = MIDI channel 0..15): that channel's notes read the second table
H_OUT_ADDR = 38        # float32[in_frames]: what the callback played (mono mix), by engine frame; 0 = none
H_OUT_WRITTEN = 39     # output frames written to that ring so far (callback writes, after the samples)
H_SIZE = 40

# ---------------------------------------------------------------- block rows (int64): what each callback saw
R_FRAME = 0            # engine frame of the block's first sample
R_HOST_NS = 1          # CLOCK_MONOTONIC ns at callback entry (-1 without a host clock)
R_JACK_FRAME = 2       # JACK frame time of the cycle (-1 when not on JACK)
R_DURATION_NS = 3      # time spent in the callback, ns (-1 without a host clock)
ROW_FIELDS = 4

# ---------------------------------------------------------------- command ring (int64; gains in their own float32 array)
C_FRAME = 0            # frame of the first sample
C_BANK_START = 1       # first bank frame of the slice
C_LENGTH = 2           # frames to play
C_FADE = 3             # frames of linear fade-out at the end (0 = none)
C_END = 4              # frame its release starts (a note-off), or -1: plays to its end
C_RELEASE = 5          # frames of linear fade from C_END to silence
C_KEY = 6              # the voice's key, a later release finds it by (-1: none)
C_KIND = 7             # CK_PLAY, or CK_RELEASE: voices with key C_KEY release from C_FRAME
CMD_FIELDS = 8
CK_PLAY = 0
CK_RELEASE = 1

# ---------------------------------------------------------------- voice table (int64; gains in their own float32 array)
V_ACTIVE = 0
V_FRAME = 1
V_BANK_START = 2
V_LENGTH = 3
V_FADE = 4
V_END = 5              # frame its release starts, or -1
V_RELEASE = 6          # frames of its release (>= 1)
V_KEY = 7              # -1, or the key a release names (KEY_MIDI | channel << 7 | note for pads)
VOICE_FIELDS = 8
KEY_MIDI = 1 << 20     # keys of the notes the callback's pads start (Python's keys stay below)

# ---------------------------------------------------------------- pad sounds per MIDI note (int64[128, FEEDBACK_FIELDS])
FB_BANK_START = 0
FB_LENGTH = 1          # 0: the note plays no sound
FB_RELEASE = 2         # > 0: the note sustains until its note-off, then fades over this many frames
FB_FULL_VELOCITY = 3   # the velocity its sample is played at gain 1 for (127; a pitched layer's top)
FEEDBACK_FIELDS = 4
LAYER_TOPS = (48, 80, 104, 127)  # velocity layers: layer k takes velocities up to LAYER_TOPS[k]
FB_LAYERS = 4          # rows per note: row (table * 128 + note) * FB_LAYERS + layer
FB_TABLES = 2          # table 0: every channel's notes; table 1: the channels of H_FEEDBACK_CHANNELS'

# ---------------------------------------------------------------- sizes
MAX_CHANNELS = 32
SCRATCH_FRAMES = 1024  # blocks longer than this are mixed in chunks

# ---------------------------------------------------------------- the JACK MIDI client's header (int64)
J_IN_PORT = 0
J_OUT_PORT = 1
J_CLIENT = 2
J_FN_GET_BUFFER = 3
J_FN_EVENT_COUNT = 4
J_FN_EVENT_GET = 5
J_FN_LAST_FRAME_TIME = 6
J_FN_CLEAR_BUFFER = 7
J_FN_EVENT_WRITE = 8
J_EVENT_ADDR = 9        # int64[EVENT_FIELDS]: a jack_midi_event_t (time u32 + pad, size_t size, data pointer)
J_IN_ADDR = 10          # int64[capacity, MIDI_IN_FIELDS]: the input ring (read by the sampler too)
J_IN_MASK = 11
J_IN_WRITTEN = 12
J_IN_DROPPED = 13       # events longer than 3 bytes (sysex) or lost to a full ring
J_OUT_ADDR = 14         # int64[capacity, MIDI_OUT_FIELDS]: the output ring
J_OUT_MASK = 15
J_OUT_WRITTEN = 16      # Python writes, after the payload
J_OUT_READ = 17         # callback writes
J_OUT_LATE = 18         # output events sent after their frame (at the cycle's first frame)
J_CYCLES = 19
J_IN_READ = 20          # Python writes: events taken (lets the callback see a full ring)
J_SIZE = 21

# ---------------------------------------------------------------- jack_midi_event_t, as int64 words
EV_TIME = 0             # jack_nframes_t offset in the cycle (low 32 bits)
EV_SIZE = 1
EV_BUFFER = 2           # jack_midi_data_t *
EVENT_FIELDS = 3

# ---------------------------------------------------------------- MIDI rings (int64)
MI_JACK_FRAME = 0       # absolute JACK frame (last_frame_time + offset, not wrapped)
MI_STATUS = 1
MI_DATA1 = 2
MI_DATA2 = 3
MIDI_IN_FIELDS = 4
MO_SIZE = 4             # output rows: the MI_* columns (frame due, status, data), then the byte count
MIDI_OUT_FIELDS = 5
