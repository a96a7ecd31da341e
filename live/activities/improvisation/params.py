"""Parameters of an improvisation run, as a preset's ``[params]`` table gives them.

The key (``key`` a tonic name, ``mode`` one of the seven modes of :mod:`live.music.scales`), the
harmony (``progression``: roman numerals per bar such as ``["I", "V", "vi", "IV"]``, or chord
symbols such as ``["Am", "F", "C", "G"]``; or ``drone = true``: the tonic held, no changes), the
band (``style``, ``tempo_bpm``, ``swing``, ``intensity``, instruments), the client's instrument
(pads from the tonic in ``octave`` up the scale; a MIDI keyboard ``snap``-ped to the scale),
when the therapist's chords take effect (``chord_change``: the next ``"beat"`` or ``"bar"``) and
how long the run is (``bars`` or ``duration_s``). Field metadata gives ranges and help; ``check``
the rules that span fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from live.activities.improvisation.styles import STYLES
from live.config.params import param
from live.engine.instruments import PITCHED
from live.music.scales import MODES
from live.config.problems import ParamProblem

__all__ = ["ImprovisationParams", "MIN_BPM", "MAX_BPM", "SNAPS", "CHORD_CHANGES"]

MIN_BPM, MAX_BPM = 30.0, 220.0
SNAPS = ("nearest", "filter", "off")
CHORD_CHANGES = ("beat", "bar")
INSTRUMENTS = tuple(PITCHED)
KEYS = ("C", "C#", "Db", "D", "D#", "Eb", "E", "F", "F#", "Gb", "G", "G#", "Ab", "A", "A#", "Bb", "B")
MODE_NAMES = tuple(MODES)


@dataclass(frozen=True, slots=True)
class ImprovisationParams:
    """Parameters of an improvisation run (every field has a ``help`` line in its metadata)."""

    key: str = param("C", choices=KEYS, help="the tonic of the key")
    mode: str = param("major", choices=MODE_NAMES, help="the scale the pads and keyboard play")
    progression: tuple[str, ...] = param(
        ("I", "V", "vi", "IV"),
        help="one chord per bar, cycling: roman numerals of the key (I, V, vi, IV; bVII, V7) or chord symbols (Am, F, C, G7)")
    drone: bool = param(False, help="hold the tonic instead of the progression (no chord changes)")
    style: str = param("pop", choices=tuple(STYLES), help="the band's groove")
    tempo_bpm: float = param(96.0, range=(MIN_BPM, MAX_BPM), unit="BPM", help="beats per minute")
    swing: float | None = param(None, range=(0.0, 1.0), help="0 straight .. 1 triplet swing (leave out: the style's)")
    intensity: float = param(0.5, range=(0.0, 1.0), help="how busy and loud the band plays (0 sparse .. 1 full)")
    volume: float = param(0.7, range=(0.0, 1.0), help="linear gain of the band")
    drums: bool = param(True, help="the drums play")
    bass: bool = param(True, help="the bass plays")
    chords: bool = param(True, help="the chords play")
    chord_instrument: str | None = param(None, choices=INSTRUMENTS, help="the chords' instrument (leave out: the style's)")
    bass_instrument: str | None = param(None, choices=INSTRUMENTS, help="the bass's instrument (leave out: the style's)")
    soundfont: str | None = param(None, help="a SoundFont file (.sf2/.sf3) for the instruments (leave out: the setting's or Debian's)")
    instrument: str = param("marimba", choices=INSTRUMENTS, help="what the client's pads and keyboard sound like")
    octave: int = param(4, range=(1, 7), help="octave of the first pad's note (the tonic; C4 is middle C)")
    pads: int = param(8, range=(1, 12), help="the client's pads (as many as the [screen] has): scale notes up from the tonic")
    snap: str = param("nearest", choices=SNAPS,
                      help="a MIDI keyboard's off-scale note: nearest scale note (ties down), filter (silent, logged) or off (as played)")
    chord_change: str = param("bar", choices=CHORD_CHANGES,
                              help="a chord the therapist plays takes effect from the next beat or the next bar")
    count_in_beats: int = param(0, range=(0, 16), help="beats of drums alone before the harmony starts")
    bars: int | None = param(None, range=(1, 2000), help="bars the run lasts (give this or duration_s)")
    duration_s: float | None = param(None, range=(5, 7200), unit="s", help="length of the run in seconds (give this or bars)")
    window_s: float = param(6.0, range=(1.0, 60.0), unit="s", help="window of the active-time metrics")
    therapist_part: str = param("none", choices=("none", "turns", "chords"),
                                help="what the simulated therapist plays in live demo (turns: phrases to answer; chords)")

    @staticmethod
    def check(values: dict[str, Any]) -> list[ParamProblem]:
        """Rules that span fields; ``values`` holds each field already checked on its own."""
        v = values.get
        problems = []
        if (v("bars") is None) == (v("duration_s") is None):
            problems.append(ParamProblem("bars", v("bars"), "give exactly one of bars or duration_s"))
        if not v("drone") and not v("progression"):
            problems.append(ParamProblem("progression", [], "must list at least one chord (or set drone = true)"))
        from live.activities.improvisation.harmony import spec_problem  # the music layer: only once the fields pass

        for i, spec in enumerate(v("progression", ())):
            found = spec_problem(spec, v("key", "C"), v("mode", "major"))
            if found:
                problems.append(ParamProblem(f"progression[{i}]", spec, found))
        return problems
