"""Pitched notes rendered from a General MIDI SoundFont by FluidSynth, cached on disk.

Before a session, each note a run will play (:mod:`live.engine.instruments`) that is not in the
cache is rendered by FluidSynth (``pyfluidsynth`` over Debian's ``libfluidsynth3``) at the
engine's rate, mono (the mean of FluidSynth's two channels), reverb and chorus off: note-on,
the instrument's ``hold_s``, note-off, then its release tail until it falls silent (at most
:data:`TAIL_MAX_S`). Leading silence (FluidSynth's block start, a sample's own delay) is cut,
so the note's first sample is its onset, to the frame, as the bank's other sounds; the last
:data:`END_S` fades to exactly zero. The audio callback only ever plays the result.

The cache (``$XDG_CACHE_HOME/live/notes``, default ``~/.cache/live/notes``) keeps one ``.npy``
per (SoundFont, program, note, velocity layer, sample rate, hold); a SoundFont is known by its
resolved path, size and modification time, so an edited file renders afresh. ``import
fluidsynth`` raises when the library is missing, so it is imported only here, when a session
needs notes: :func:`fluid_renderer` says in one line which Debian package is missing
(:class:`~live.engine.system_parts.MissingPart`), and the session plays the built-in voices.

Realtime-safe: no (before the session).
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import io
import os
import time
from pathlib import Path
from typing import Callable

import numpy as np

from live.engine.instruments import Instrument, NoteSound
from live.engine.system_parts import MissingPart

__all__ = ["DEBIAN_SOUNDFONTS", "FluidRenderer", "cache_dir", "find_soundfont", "fluid_renderer"]

DEBIAN_SOUNDFONTS: tuple[tuple[str, str], ...] = (
    ("/usr/share/sounds/sf2/TimGM6mb.sf2", "timgm6mb-soundfont"),
    ("/usr/share/sounds/sf2/FluidR3_GM.sf2", "fluid-soundfont-gm"),
    ("/usr/share/sounds/sf3/FluidR3_GM.sf3", "fluid-soundfont-gm"),
    ("/usr/share/sounds/sf2/default-GM.sf2", "timgm6mb-soundfont"),
)
"""General MIDI SoundFonts Debian installs (path, package), in the order they are looked for."""

SOUNDFONT_SETTING = "LIVE_SOUNDFONT"
"""Environment variable naming a .sf2/.sf3 file to use when no preset names one."""

TAIL_MAX_S = 2.0
END_S = 0.004
SILENT = 1e-4          # a tail below this (full scale 1) for 10 ms is over
SYNTH_GAIN = 1.0       # FluidSynth's master gain: a piano's middle C at full velocity peaks near 0.2
RENDER_VERSION = 1     # part of every cache key: bump when rendering changes


def find_soundfont(named: str | os.PathLike | None = None) -> Path:
    """The SoundFont to render from: ``named`` (a preset's or the setting's), else the first of
    :data:`DEBIAN_SOUNDFONTS` that is installed.

    Raises
    ------
    MissingPart
        When ``named`` is not a readable .sf2/.sf3 file, or none of Debian's is installed.
    """
    named = named or os.environ.get(SOUNDFONT_SETTING) or None
    if named:
        path = Path(named).expanduser()
        if path.suffix.lower() not in (".sf2", ".sf3"):
            raise MissingPart(f"SoundFont {named}", "not a .sf2 or .sf3 file", "name a General MIDI SoundFont file")
        if not path.is_file() or not os.access(path, os.R_OK):
            raise MissingPart(f"SoundFont {named}", "no such readable file",
                              "name an existing .sf2/.sf3 file, or install one: sudo apt-get install timgm6mb-soundfont")
        return path
    for path, _ in DEBIAN_SOUNDFONTS:
        if os.path.isfile(path):
            return Path(path)
    raise MissingPart("General MIDI SoundFont", "none is installed",
                      "install one: sudo apt-get install timgm6mb-soundfont")


def cache_dir() -> Path:
    """Where rendered notes are kept: ``$XDG_CACHE_HOME/live/notes`` (default ``~/.cache``)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "live" / "notes"


def _import_fluidsynth():
    """The ``fluidsynth`` module (pyfluidsynth), or MissingPart naming the Debian package."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # with CI set, pyfluidsynth prints where it found the library
            import fluidsynth
    except ModuleNotFoundError:
        raise MissingPart("pyfluidsynth", "the Python package is not installed",
                          "install it: .venv/bin/pip install pyfluidsynth") from None
    except (ImportError, OSError):
        raise MissingPart("FluidSynth", "the library is not installed",
                          "install it: sudo apt-get install libfluidsynth3") from None
    return fluidsynth


def fluid_renderer(soundfont: str | os.PathLike | None = None, *, cache: Path | None = None,
                   log: Callable[[str], None] = lambda line: None) -> "FluidRenderer":
    """A renderer over ``soundfont`` (:func:`find_soundfont`), FluidSynth imported now.

    Raises
    ------
    MissingPart
        When the library, the Python package or a SoundFont is missing (one line, with the fix).
    """
    path = find_soundfont(soundfont)
    return FluidRenderer(path, _import_fluidsynth(), cache=cache or cache_dir(), log=log)


class FluidRenderer:
    """Renders notes from one SoundFont with FluidSynth, through the disk cache
    (a :class:`live.engine.note_bank.NoteRenderer`).

    Parameters
    ----------
    soundfont : Path
    fluidsynth : module
        pyfluidsynth, imported.
    cache : Path
        The cache folder (created when a note is first written).
    log : callable
        One line at a time for the person waiting (progress on long renders).
    """

    def __init__(self, soundfont: Path, fluidsynth, *, cache: Path, log: Callable[[str], None]):
        self.soundfont = soundfont.resolve()
        self._fs = fluidsynth
        self.cache = cache
        self.log = log
        st = self.soundfont.stat()
        ident = f"{self.soundfont}\0{st.st_size}\0{st.st_mtime_ns}\0{RENDER_VERSION}"
        self.font_key = hashlib.sha256(ident.encode()).hexdigest()[:16]
        self.last = {"notes": 0, "cached": 0, "rendered": 0, "render_s": 0.0, "total_s": 0.0}

    @property
    def description(self) -> str:
        return f"FluidSynth, {self.soundfont.name}"

    def _path(self, inst: Instrument, sound: NoteSound, sample_rate: int) -> Path:
        hold_ms = round(inst.hold_s * 1000)
        return (self.cache / self.font_key /
                f"p{inst.gm_program:03d}-n{sound.note:03d}-v{sound.velocity:03d}-{sample_rate}-h{hold_ms}.npy")

    def render_all(self, sounds: list[tuple[NoteSound, Instrument]], *, sample_rate: int) -> dict[str, np.ndarray]:
        """Samples of every ``(sound, instrument)`` by bank name: from the cache, the rest rendered
        (and cached). A program the SoundFont lacks is left out (the caller synthesizes it)."""
        t0 = time.perf_counter()
        out: dict[str, np.ndarray] = {}
        missing: list[tuple[NoteSound, Instrument, Path]] = []
        for sound, inst in sounds:
            path = self._path(inst, sound, sample_rate)
            try:
                out[sound.name] = np.load(path, allow_pickle=False)
            except (OSError, ValueError):
                missing.append((sound, inst, path))
        render_s = 0.0
        if missing:
            t1 = time.perf_counter()
            out.update(self._render(missing, sample_rate))
            render_s = time.perf_counter() - t1
        self.last = {"notes": len(sounds), "cached": len(sounds) - len(missing), "rendered": len(missing),
                     "render_s": render_s, "total_s": time.perf_counter() - t0}
        return out

    def _render(self, todo: list[tuple[NoteSound, Instrument, Path]], sample_rate: int) -> dict[str, np.ndarray]:
        fs = self._fs
        synth = fs.Synth(gain=SYNTH_GAIN, samplerate=float(sample_rate),
                         **{"synth.reverb.active": 0, "synth.chorus.active": 0})
        write = fs._fl.fluid_synth_write_float
        write.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                          ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
        write.restype = ctypes.c_int
        left, right = np.zeros(1 << 16, np.float32), np.zeros(1 << 16, np.float32)

        def block(n: int) -> np.ndarray:
            write(synth.synth, n, left.ctypes.data, 0, 1, right.ctypes.data, 0, 1)
            return 0.5 * (left[:n] + right[:n])

        def frames(total: int) -> np.ndarray:
            parts, done = [], 0
            while done < total:
                n = min(left.size, total - done)
                parts.append(block(n))
                done += n
            return np.concatenate(parts) if parts else np.zeros(0, np.float32)

        out: dict[str, np.ndarray] = {}
        try:
            font = synth.sfload(str(self.soundfont))
            if font < 0:
                raise MissingPart(f"SoundFont {self.soundfont}", "FluidSynth cannot read it",
                                  "name a General MIDI .sf2/.sf3 file")
            self.log(f"rendering {len(todo)} notes from {self.soundfont.name} with FluidSynth "
                     f"(cached in {self.cache})...")
            started = last_said = time.monotonic()
            quiet = round(0.01 * sample_rate)
            for k, (sound, inst, path) in enumerate(todo):
                if synth.program_select(0, font, 0, inst.gm_program) != 0:
                    continue  # the SoundFont has no such program: the built-in voice plays it
                frames(256)  # let the last note's voices end
                synth.noteon(0, sound.note, sound.velocity)
                held = frames(round(inst.hold_s * sample_rate))
                synth.noteoff(0, sound.note)
                tail = frames(round(TAIL_MAX_S * sample_rate))
                loud = np.flatnonzero(np.abs(tail) >= SILENT)
                tail = tail[: (loud[-1] + quiet) if loud.size else 0]
                synth.all_sounds_off(0)
                x = _onset_first(np.concatenate([held, tail]), sample_rate)
                if x is None:
                    continue
                out[sound.name] = x
                _save(path, x)
                now = time.monotonic()
                if now - last_said >= 2.0:
                    self.log(f"  {k + 1}/{len(todo)} notes rendered ({now - started:.0f} s)")
                    last_said = now
        finally:
            synth.delete()
        return out


def _onset_first(x: np.ndarray, sample_rate: int) -> np.ndarray | None:
    """``x`` from its first sample at or above 1/1000 of its peak (the onset, frame 0), its last
    :data:`END_S` faded by a raised cosine to exactly zero; None when it is silent."""
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    if peak <= 0.0:
        return None
    first = int(np.flatnonzero(np.abs(x) >= 1e-3 * peak)[0])
    x = np.array(x[first:], dtype=np.float32)
    tail = min(x.size // 4, int(END_S * sample_rate))
    if tail > 0:
        x[-tail:] *= (0.5 * (1 + np.cos(np.pi * np.arange(1, tail + 1) / tail))).astype(np.float32)
    return x


def _save(path: Path, x: np.ndarray) -> None:
    """Write ``x`` to ``path`` whole or not at all (a temporary file renamed over it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        np.save(f, x, allow_pickle=False)
    os.replace(tmp, path)
