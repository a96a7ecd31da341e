"""The sampler's memory, owned by Python: what the audio callback plays and what it reports.

:class:`SamplerState` allocates the header and every ring and table of the layout
(:mod:`live.engine.layout`) once, and hands the callback (:mod:`live.engine.sampler_callback`)
their addresses through the header, its ``userdata``. Python queues sounds with
:meth:`SamplerState.push` (payload first, then the write count: see the callback's notes on
ordering) and reads what the callback wrote: the block rows that tie the frame clock to the host
and JACK clocks, the microphone ring, the counters. Nothing here waits for the callback.

Realtime-safe: no (Python); it only writes the rings, never blocks the callback.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from live.engine.bank import Bank
from live.engine.cabi import clock_gettime_address
from live.engine.instruments import LAYER_VELOCITIES, NoteSound, parse_note_sound
from live.engine.layout import (
    C_BANK_START, C_END, C_FADE, C_FRAME, C_KEY, C_KIND, C_LENGTH, C_RELEASE, CK_PLAY, CK_RELEASE, FB_BANK_START,
    FB_FULL_VELOCITY, FB_LAYERS, FB_LENGTH, FB_RELEASE, FB_TABLES, H_FEEDBACK_CHANNELS,
    CMD_FIELDS, FEEDBACK_FIELDS, H_ACTIVE_MAX, H_BANK_ADDR, H_BANK_FRAMES, H_BLOCKS, H_CHANNELS, H_CLOCK_FN,
    H_CMD_ADDR, H_CMD_GAIN_ADDR, H_CMD_MASK, H_CMD_READ, H_CMD_WRITTEN, H_DROPPED, H_FEEDBACK_ADDR,
    H_FEEDBACK_DELAY, H_FEEDBACK_GAIN_ADDR, H_FEEDBACK_PLAYED, H_FRAME, H_IN_ADDR, H_IN_CHANNELS, H_IN_MASK,
    H_IN_WRITTEN, H_JACK_CLIENT, H_JACK_TIME_FN, H_LATE, H_LATE_MAX_FRAMES, H_MIDI_HEADER, H_MIDI_READ, H_N_VOICES,
    H_OUT_ADDR, H_OUT_WRITTEN, H_OVERFLOWS, H_ROWS_ADDR, H_ROWS_MASK, H_ROWS_WRITTEN, H_SCRATCH_ADDR, H_SIZE, H_TIMESPEC_ADDR, H_UNDERFLOWS,
    H_VOICE_ADDR, H_VOICE_GAIN_ADDR, J_IN_WRITTEN, MAX_CHANNELS, ROW_FIELDS, SCRATCH_FRAMES, VOICE_FIELDS,
)

__all__ = ["RingFull", "SamplerState"]


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
        self.feedback = np.zeros((FB_TABLES * 128 * FB_LAYERS, FEEDBACK_FIELDS), dtype=np.int64)
        self.feedback_gains = np.zeros(FB_TABLES * 128 * FB_LAYERS, dtype=np.float32)
        self.input_ring = np.zeros((in_frames if in_channels else 2) * max(in_channels, 1), dtype=np.float32)
        self.output_ring = np.zeros(in_frames if in_channels else 2, dtype=np.float32)  # what was played
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
        h[H_OUT_ADDR] = self.output_ring.ctypes.data if in_channels else 0
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

    def push(self, *, frame: int, bank_start: int, length_frames: int, gain: float, fade_frames: int = 0,
             end_frame: int | None = None, release_frames: int = 1, key: int = -1) -> None:
        """Queue one bank slice to start at ``frame``; with ``end_frame``, its release (a linear
        fade over ``release_frames``) starts there; ``key`` (>= 0, below
        :data:`~live.engine.layout.KEY_MIDI`) lets :meth:`release` end it later.

        Raises
        ------
        RingFull
            When the callback has not yet taken the slots (never blocks).
        """
        self._command(frame, bank_start, length_frames, fade_frames, -1 if end_frame is None else end_frame,
                      release_frames, key, CK_PLAY, gain)

    def release(self, *, key: int, frame: int) -> None:
        """Queue the release of every voice started with ``key`` (and not yet released before
        ``frame``), from ``frame``: a note-off.

        Raises
        ------
        RingFull
            When the callback has not yet taken the slots (never blocks).
        """
        self._command(frame, 0, 0, 0, -1, 1, key, CK_RELEASE, 0.0)

    def _command(self, frame: int, bank_start: int, length: int, fade: int, end: int, release: int, key: int,
                 kind: int, gain: float) -> None:
        h = self.header
        written = int(h[H_CMD_WRITTEN])
        if written - int(h[H_CMD_READ]) >= self.commands.shape[0]:
            raise RingFull(f"command ring full ({self.commands.shape[0]} commands waiting): is the stream running?")
        slot = written & (self.commands.shape[0] - 1)
        row = self.commands[slot]
        row[C_FRAME], row[C_BANK_START], row[C_LENGTH], row[C_FADE] = frame, bank_start, length, fade
        row[C_END], row[C_RELEASE], row[C_KEY], row[C_KIND] = end, release, key, kind
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
        self.header[H_OUT_WRITTEN] = frame
        self._input_read = frame

    def use_host_clock(self) -> None:
        """Record CLOCK_MONOTONIC with every block (live drivers; the offline driver has no host time)."""
        self.header[H_CLOCK_FN] = clock_gettime_address()

    def use_jack_clock(self, jack_last_frame_time_address: int, jack_client: int) -> None:
        """Record JACK's frame time with every block, read through ``jack_last_frame_time`` of
        any client of the server the stream runs on. Set before the stream starts."""
        self.header[H_JACK_CLIENT] = jack_client
        self.header[H_JACK_TIME_FN] = jack_last_frame_time_address

    def play_midi_notes(self, midi_header: np.ndarray, *, delay_frames: int, sounds: dict[int, tuple[str, float]],
                        channel_sounds: dict[int, tuple[str, float]] | None = None,
                        channels: Iterable[int] = ()) -> None:
        """Let the callback play pads itself: each note-on the JACK MIDI client (whose
        ``header`` this is) receives starts ``sounds[note] = (bank sound, gain)`` at the note's
        input frame + ``delay_frames``, times velocity / 127; a note on one of ``channels``
        plays ``channel_sounds`` instead (:meth:`set_note_sounds`). Needs :meth:`use_jack_clock`.

        The delay makes the latency constant: it must cover one period (the MIDI client may run
        after this callback in a cycle); two periods is safe.
        """
        if delay_frames < 1:
            raise ValueError(f"delay_frames must be >= 1, got {delay_frames}")
        self.set_note_sounds(sounds, channel_sounds=channel_sounds, channels=channels)
        self._midi_header = midi_header  # keep it alive while the callback reads it
        self.header[H_FEEDBACK_DELAY] = delay_frames
        self.header[H_MIDI_READ] = midi_header[J_IN_WRITTEN]
        self.header[H_MIDI_HEADER] = midi_header.ctypes.data

    def set_note_sounds(self, sounds: dict[int, tuple[str, float]], *,
                        channel_sounds: dict[int, tuple[str, float]] | None = None,
                        channels: Iterable[int] = ()) -> None:
        """Which bank sound each MIDI note plays (notes not given: silent), at ``gain`` x
        velocity / 127; the notes of MIDI ``channels`` (numbered 1..16) from ``channel_sounds``
        instead (e.g. the therapist's channels keeping the session's pads while the client's
        keys play an activity's notes; None: the same as ``sounds``).

        A pitched note's sound (``"piano:60:v2"``, :mod:`live.engine.instruments`) plays in the
        velocity's layer (the bank's ``piano:60:v<layer>``; a layer the bank lacks: the nearest
        it has), at ``gain`` x :func:`~live.engine.instruments.note_gain`, and sustains until
        the note-off, then fades over its release; the others play to their end.
        """
        mask = 0
        for channel in channels:
            if not 1 <= channel <= 16:
                raise ValueError(f"MIDI channel must be 1..16, got {channel}")
            mask |= 1 << (channel - 1)
        table = np.zeros((FB_TABLES * 128 * FB_LAYERS, FEEDBACK_FIELDS), dtype=np.int64)
        gains = np.zeros(FB_TABLES * 128 * FB_LAYERS, dtype=np.float32)
        for t, each in enumerate((sounds, sounds if channel_sounds is None else channel_sounds)):
            for note, (name, gain) in each.items():
                if not 0 <= note <= 127:
                    raise ValueError(f"MIDI note must be 0..127, got {note}")
                self.bank[name]  # KeyError naming the sounds there are
                pitched = parse_note_sound(name)
                for layer in range(FB_LAYERS):
                    row = (t * 128 + note) * FB_LAYERS + layer
                    layer_name = name if pitched is None else _nearest_layer(self.bank, pitched, layer)
                    where = self.bank[layer_name]
                    table[row, FB_BANK_START], table[row, FB_LENGTH] = where.start_frame, where.length_frames
                    table[row, FB_RELEASE] = where.release_frames if pitched is not None else 0
                    table[row, FB_FULL_VELOCITY] = LAYER_VELOCITIES[layer] if pitched is not None else 127
                    gains[row] = gain
        self.feedback_gains[:] = gains  # gains first: a note never plays at an old gain
        self.feedback[:] = table
        self.header[H_FEEDBACK_CHANNELS] = mask

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

    def played(self, first: int, n: int) -> np.ndarray:
        """The mono mix the callback played at engine frames ``first .. first + n - 1`` (float32),
        zeros where that is not (or no longer) in the output ring. Only with a microphone
        (``in_channels`` > 0): the ring beside the input ring, of the same length.

        Frames must have been written: a microphone frame ``f`` read by :meth:`take_input` has
        its block's output written too, so any ``first + n - 1 <= f`` is."""
        out = np.zeros(max(n, 0), dtype=np.float32)
        if not self.in_channels or n <= 0:
            return out
        written = int(self.header[H_OUT_WRITTEN])
        cap = self.output_ring.size
        lo, hi = max(first, written - cap, 0), min(first + n, written)
        if hi > lo:
            out[lo - first: hi - first] = self.output_ring[np.arange(lo, hi) & (cap - 1)]
        return out

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


def _nearest_layer(bank: Bank, sound: NoteSound, layer: int) -> str:
    """The bank name of ``sound``'s note in ``layer``, or in the nearest layer the bank has
    (``sound`` itself is in it)."""
    for distance in range(len(LAYER_VELOCITIES)):
        for k in (layer - distance, layer + distance):
            name = NoteSound(sound.instrument, sound.note, k).name
            if 0 <= k < len(LAYER_VELOCITIES) and name in bank:
                return name
    return sound.name

