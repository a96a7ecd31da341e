"""The machine's parts a live session needs, and what to type when one is missing.

``live run``, ``live calibrate`` and ``live devices`` need parts that pip does not install:
PortAudio (the audio library sounddevice loads), a JACK server (audio and frame-exact MIDI), or,
without JACK, the ALSA sequencer that python-rtmidi reads MIDI from (``/dev/snd/seq``, and the
``libasound.so.2`` its wheel links). Each missing part is a :class:`MissingPart` whose message is
one line: what is missing, then the command that installs or starts it (Debian/Ubuntu names, as
the Makefile's). The commands print it and exit 2; ``live devices`` lists them and exits 0.

Native libraries report a failed open on the process's stderr themselves (libjack's "Cannot
connect to server socket", ALSA's ``snd_seq_hw_open`` lines), before we can say it in one line:
:func:`quiet_stderr` keeps those off the terminal while a native client is opened.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from typing import Iterator

JACK_START = "jackd -d alsa -r 48000 -p 64 &"
ALSA_SEQUENCER = "/dev/snd/seq"


class MissingPart(RuntimeError):
    """A part of the machine a live session needs is not there.

    Parameters
    ----------
    part : str
        What is missing, as a person names it ("PortAudio", "JACK server", ...).
    problem : str
        What was found instead ("not installed", "none is running", ...).
    fix : str
        The command that installs or starts it, with a word of what it does.
    """

    def __init__(self, part: str, problem: str, fix: str):
        super().__init__(f"{part}: {problem}; {fix}")
        self.part, self.problem, self.fix = part, problem, fix

    def as_dict(self) -> dict[str, str]:
        """``{"part", "problem", "fix"}`` for ``live devices --json``."""
        return {"part": self.part, "problem": self.problem, "fix": self.fix}


def portaudio_missing() -> MissingPart:
    """PortAudio's library cannot be found or loaded."""
    return MissingPart("PortAudio", "the audio library is not installed",
                       "install it: sudo apt-get install libportaudio2")


def libjack_missing() -> MissingPart:
    """The JACK client library cannot be loaded."""
    return MissingPart("libjack", "the JACK client library is not installed",
                       "install it: sudo apt-get install libjack-jackd2-0")


def jack_server_missing(needed_for: str) -> MissingPart:
    """No JACK server runs (we never start one); ``needed_for`` says what wanted it."""
    return MissingPart("JACK server", f"none is running ({needed_for})", f"start one: {JACK_START}")


def alsa_library_missing() -> MissingPart:
    """python-rtmidi's wheel links libasound.so.2, which is not installed."""
    return MissingPart("ALSA library", "libasound.so.2 is not installed (MIDI through python-rtmidi needs it)",
                       "install it: sudo apt-get install libasound2")


def alsa_sequencer_missing() -> MissingPart:
    """No ALSA sequencer device: python-rtmidi has no MIDI without JACK."""
    return MissingPart("ALSA sequencer", f"{ALSA_SEQUENCER} is not there (MIDI without a JACK server needs it)",
                       f"load it: sudo modprobe snd-seq (or start a JACK server: {JACK_START})")


def no_audio_output(host_apis: list[str]) -> MissingPart:
    """PortAudio runs but offers no output device and no JACK host API."""
    seen = ", ".join(host_apis) or "none"
    return MissingPart("audio output", f"no output device found (PortAudio's host APIs here: {seen}; "
                       "no JACK server is running)",
                       f"start a JACK server on your sound card: {JACK_START} (or plug one in)")


def alsa_sequencer_present() -> bool:
    """The ALSA sequencer's device node exists (Linux only; other systems have no such need)."""
    return not sys.platform.startswith("linux") or os.path.exists(ALSA_SEQUENCER)


@contextlib.contextmanager
def quiet_stderr() -> Iterator[list[str]]:
    """Send what native code writes to file descriptor 2 to a scratch file while inside.

    Yields a list that holds those lines when the block ends (for a message, if wanted). Python's
    own ``sys.stderr`` is flushed first. Use it only around opening native clients, in one thread
    at start-up: other threads' stderr output in that window is caught too.
    """
    caught: list[str] = []
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with tempfile.TemporaryFile(mode="w+b") as scratch:
            os.dup2(scratch.fileno(), 2)
            try:
                yield caught
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
                scratch.seek(0)
                caught.extend(scratch.read().decode(errors="replace").splitlines())
    finally:
        os.close(saved)
