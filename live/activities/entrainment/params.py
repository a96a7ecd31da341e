"""Parameters of a rhythmic-entrainment run, as a preset's ``[params]`` table gives them.

One flat table covers the whole protocol a therapist runs (DOMAIN.md, "The three activities"):
the sound (a metronome or a drum groove, meter, accents, subdivisions), an optional baseline of
free tapping or stepping with no cue, the cued phases (tempo steps in % of the cue tempo, with
linear ramps between them), a fade-out and a continuation phase, perturbations, and adaptive
tempo. Field metadata (:func:`~live.config.params.param`) gives ranges and help; ``check``
the rules that span fields.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from live.activities.entrainment.grooves import GROOVES
from live.config.params import param
from live.config.problems import ParamProblem
from live.engine.bank import INSTRUMENTS

MIN_BPM, MAX_BPM = 20.0, 240.0


@dataclass(frozen=True, slots=True)
class EntrainmentParams:
    """Parameters of an entrainment run (every field has a ``help`` line in its metadata)."""

    tempo_bpm: float = param(100.0, range=(MIN_BPM, MAX_BPM), unit="BPM", help="beats per minute of the cue")
    meter: int = param(4, range=(1, 12), help="beats per bar (6/8: meter 2 with subdivision 3)")
    accents: tuple[int, ...] = param(
        (1,), item_range=(1, 12), help="beats of the bar played accented, counted from 1"
    )
    count_in_beats: int = param(4, range=(0, 32), help="beats played before scoring starts")
    beats: int | None = param(
        None, range=(1, 20000), help="scored beats of each cued phase (give this or duration_s)"
    )
    duration_s: float | None = param(
        None, range=(1, 7200), unit="s", help="length of each cued phase in seconds (give this or beats)"
    )
    sound: str = param("click", choices=INSTRUMENTS, help="the beat's sound when no groove plays")
    groove: str = param("none", choices=("none",) + tuple(GROOVES),
                        help="a drum groove whose beat is the cue (none: the plain sound)")
    subdivision: int = param(1, range=(1, 4), help="softer hits per beat, the beat included (1: none)")
    volume: float = param(0.8, range=(0.0, 1.0), help="linear gain of the beat")
    window_ms: float = param(
        50.0, range=(1, 1000), unit="ms", help="tolerance for the share of taps within +/- window"
    )
    baseline_s: float = param(0.0, range=(0, 600), unit="s",
                              help="free tapping or stepping with no cue before it starts (cadence measured)")
    cue_from_baseline: bool = param(False, help="start the cue at the cadence measured in the baseline")
    tempo_steps_pct: tuple[float, ...] = param(
        (0.0,), item_range=(-50, 100), unit="%",
        help="one cued phase per item, at the cue tempo plus this many percent",
    )
    ramp_beats: int = param(0, range=(0, 128), help="beats over which the tempo moves to each next step (0: a jump)")
    fade_beats: int = param(0, range=(0, 64), help="the last cued beats fade out over this many beats")
    continuation_beats: int = param(0, range=(0, 2000),
                                    help="beat intervals of silence after the cue in which the client keeps going")
    perturbation: str = param("none", choices=("none", "phase", "tempo"),
                              help="phase: shift the beat; tempo: step the tempo (at perturb_beats)")
    phase_shift_ms: float = param(0.0, range=(-500, 500), unit="ms", help="size of a phase shift (+: later)")
    tempo_step_pct: float = param(0.0, range=(-30, 30), unit="%", help="size of a tempo step")
    perturb_beats: tuple[int, ...] = param((), item_range=(1, 20000),
                                           help="scored beats (counted from 0) that are perturbed")
    random_perturbations: int = param(0, range=(0, 200), help="this many more perturbations at seeded random beats")
    perturbation_seed: int = param(1, range=(0, 2**31 - 1), help="seed of the random beats (and signs)")
    recovery_beats: int = param(8, range=(2, 64), help="beats after a perturbation over which recovery is measured")
    adaptive_gain: float = param(0.0, range=(0.0, 1.0),
                                 help="share of the client's asynchrony the next beat moves by (0: fixed tempo)")
    adaptive_min_bpm: float = param(MIN_BPM, range=(MIN_BPM, MAX_BPM), unit="BPM", help="adaptive tempo floor")
    adaptive_max_bpm: float = param(MAX_BPM, range=(MIN_BPM, MAX_BPM), unit="BPM", help="adaptive tempo ceiling")
    song: str = param("", help="a song of the library (id, start of id, or title) as the cue, warped so its beats "
                               "land on the planned beats ('': the sound or groove)")
    song_click: bool = param(False, help="a soft click (of sound) on each beat over the song")
    song_click_volume: float = param(0.3, range=(0.0, 1.0), help="linear gain of the click over the song")

    @staticmethod
    def check(values: dict[str, Any]) -> list[ParamProblem]:
        """Rules that span fields; ``values`` holds each field already checked on its own."""
        v = values.get
        problems = []
        if (v("beats") is None) == (v("duration_s") is None):
            problems.append(ParamProblem("beats", v("beats"), "give exactly one of beats or duration_s"))
        meter = v("meter", 4)
        groove = GROOVES.get(v("groove", "none"))
        if groove is not None and meter != groove.meter:
            problems.append(ParamProblem("meter", meter, f"must be {groove.meter} for groove {groove.name!r}"))
            meter = groove.meter
        for i, beat in enumerate(v("accents", ())):
            if beat > meter:
                problems.append(ParamProblem(f"accents[{i}]", beat, f"must be 1..{meter} (a beat of the bar)"))
        if groove is not None and v("subdivision", 1) != 1:
            problems.append(ParamProblem("subdivision", v("subdivision"), "must be 1 with a groove (it has its own)"))
        tempo = v("tempo_bpm", 100.0)
        steps = v("tempo_steps_pct", (0.0,))
        if not steps:
            problems.append(ParamProblem("tempo_steps_pct", [], "must list at least one step (0: the cue tempo)"))
        for i, pct in enumerate(steps):
            bpm = tempo * (1 + pct / 100.0)
            if not v("cue_from_baseline") and not MIN_BPM <= bpm <= MAX_BPM:
                problems.append(ParamProblem(f"tempo_steps_pct[{i}]", pct,
                                             f"gives {bpm:g} BPM: the step's tempo must be {MIN_BPM:g}..{MAX_BPM:g} BPM"))
        if v("cue_from_baseline") and not v("baseline_s"):
            problems.append(ParamProblem("cue_from_baseline", True, "needs baseline_s > 0 (the cadence is measured there)"))
        per_step = v("beats") or math.ceil((v("duration_s") or 0) * tempo / 60.0)
        total = per_step * max(len(steps), 1)
        if v("fade_beats", 0) >= total > 0:
            problems.append(ParamProblem("fade_beats", v("fade_beats"), f"must be less than the {total} cued beats"))
        kind = v("perturbation", "none")
        shift, step = v("phase_shift_ms", 0.0), v("tempo_step_pct", 0.0)
        if kind == "phase":
            interval_ms = 60000.0 / tempo
            if shift == 0 or abs(shift) > 0.4 * interval_ms:
                problems.append(ParamProblem("phase_shift_ms", shift,
                                             f"must be non-zero and within +/-{0.4 * interval_ms:g} ms "
                                             "(40 % of the beat interval at tempo_bpm)"))
        if kind == "tempo" and step == 0:
            problems.append(ParamProblem("tempo_step_pct", step, "must be non-zero for tempo perturbations"))
        if kind == "none" and (v("perturb_beats") or v("random_perturbations")):
            problems.append(ParamProblem("perturbation", kind, "must be phase or tempo when perturbations are asked for"))
        if kind != "none" and not (v("perturb_beats") or v("random_perturbations")):
            problems.append(ParamProblem("perturb_beats", [], "give perturb_beats or random_perturbations"))
        for i, beat in enumerate(v("perturb_beats", ())):
            if total and beat >= total:
                problems.append(ParamProblem(f"perturb_beats[{i}]", beat, f"must be 1..{total - 1} (a cued beat)"))
        spacing = v("recovery_beats", 8) + 4
        if total and v("random_perturbations", 0) * spacing > total:
            problems.append(ParamProblem("random_perturbations", v("random_perturbations"),
                                         f"must be at most {total // spacing}: each needs {spacing} beats "
                                         f"(recovery_beats + 4) of the {total} cued beats"))
        problems += _song_problems(values)
        lo, hi = v("adaptive_min_bpm", MIN_BPM), v("adaptive_max_bpm", MAX_BPM)
        if lo >= hi:
            problems.append(ParamProblem("adaptive_min_bpm", lo, f"must be less than adaptive_max_bpm ({hi:g})"))
        elif v("adaptive_gain", 0.0) > 0 and not v("cue_from_baseline") and not lo <= tempo <= hi:
            problems.append(ParamProblem("tempo_bpm", tempo, f"must be {lo:g}..{hi:g} BPM (the adaptive range)"))
        return problems


def _song_problems(values: dict[str, Any]) -> list[ParamProblem]:
    """A song cue is rendered before the session, so its beats must be planned then: no adaptive
    tempo, no cue from the baseline; it is the cue, so no groove plays with it."""
    v = values.get
    song = v("song", "")
    if not song:
        if v("song_click"):
            return [ParamProblem("song_click", True, "needs a song (song = \"NAME\")")]
        return []
    problems = []
    if not song.strip():
        problems.append(ParamProblem("song", song, "must name a song (its id, a start of it, or its title)"))
    if v("adaptive_gain", 0.0) > 0:
        problems.append(ParamProblem("adaptive_gain", v("adaptive_gain"),
                                     "must be 0 with a song (the song is warped to the planned beats before the session)"))
    if v("cue_from_baseline"):
        problems.append(ParamProblem("cue_from_baseline", True,
                                     "must be false with a song (the song is warped to the cue tempo before the session)"))
    if v("groove", "none") != "none":
        problems.append(ParamProblem("groove", v("groove"), "must be none with a song (the song is the cue)"))
    if v("subdivision", 1) != 1:
        problems.append(ParamProblem("subdivision", v("subdivision"), "must be 1 with a song (the song is the cue)"))
    return problems
