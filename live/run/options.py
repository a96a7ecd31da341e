"""How a live session runs (``live run``, ``live calibrate``), and the error that stops it
before it starts. Realtime-safe: no."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from live.controls import ControlMap

__all__ = ["LiveOptions", "SessionError"]


class SessionError(RuntimeError):
    """The session cannot start: a device or port that is not there (the message lists what is)."""


@dataclass(frozen=True, slots=True)
class LiveOptions:
    """How to run a live session.

    Parameters
    ----------
    client : str
        Pseudonymous code of the client (created in the store when new): the client every
        input source's inputs belong to (the therapist's MIDI channels aside).
    duration_s : float, optional
        Length of each cued phase of each preset, through its activity's ``with_phase_length``;
        a run ends at its activity's own planned end.
    audio_device : str, optional
        PortAudio device index or name part; default: JACK's when a JACK server runs.
    midi_in : str, optional
        Part of the name of the MIDI port(s) to take input from (connected to ``live-midi:in``).
    midi_out : str, optional
        Part of the name of an external sound module's MIDI input port(s): every cue is also
        sent there (``live-midi:out``) as a General MIDI percussion note at its exact frame.
    pad_delay_periods : int
        A pad's own sound plays this many audio periods after its input frame (constant latency).
    touch : bool
        Open the client's touchscreen (:mod:`live.ui.touch`, its own process) on screen
        ``display`` (full screen, or a ``window`` of (width, height) pixels); its cues are drawn
        ``display_latency_ms`` early. A touched pad sounds ``touch_pad_delay_s`` after the
        touch, when the preset's screen has feedback.
    """

    client: str
    duration_s: float | None = None
    audio_device: str | None = None
    midi_in: str | None = None
    midi_out: str | None = None
    mic: bool = False                 # take onsets from the audio input (an instrument at a microphone)
    mic_threshold: float = 0.05       # onset threshold floor, full scale 1.0
    mic_reject_bleed: bool = True     # the beat's own sound at the microphone is no onset (False: a loopback calibration hears it)
    voice: bool = False               # hand the audio input to the activity (a sung answer)
    midi_backend: str = "auto"        # "auto" (JACK when a server runs, else rtmidi), "jack", "rtmidi"
    rtmidi_api: str | None = None     # rtmidi's API ("alsa", "jack", ...); None: its default
    rtmidi_pad_delay_s: float = 0.015  # rtmidi: pads are started from Python, this long after the hit
    sample_rate: int = 48000
    lookahead_frames: int = 4800
    start_delay_frames: int = 24000
    control_period_s: float = 0.01
    # An input is committed at most flush_period_s + one control step + the commit after it
    # arrived: 0.4 s leaves 0.1 s of the 0.5 s promise (DESIGN.md section 7) for the step, the
    # commit and a loaded machine (tests/test_records_live.py measures it; docs/performance.md).
    flush_period_s: float = 0.4
    pad_delay_periods: int = 2
    pad_sound: str | None = "woodblock"  # None: pads play no sound
    notes: tuple = ()                 # PitchedNote s the presets declare: rendered into the bank first
    soundfont: str | None = None      # the SoundFont a preset names (None: LIVE_SOUNDFONT's, or Debian's)
    sounds: Any = None                # more sounds by bank name, rendered before the session (a song warped onto a run's beats)
    songs: Any = None                 # the library those were rendered from (FixedSongs): each run records its song's beats
    stall_timeout_s: float = 1.0
    controls: ControlMap = field(default_factory=ControlMap.default)
    touch: bool = False
    display: int = 0
    window: tuple[int, int] | None = None
    display_latency_ms: float = 0.0
    touch_pad_delay_s: float = 0.03
    console: bool = False             # the therapist's terminal view and keys (live.ui.console)
