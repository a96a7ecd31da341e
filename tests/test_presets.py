"""Presets: shipped ones load; every kind of mistake gives one exact, readable line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from live.activities.entrainment import EntrainmentParams
from live.activities.registry import activity_class
from live.cli import main
from live.presets import (
    Preset,
    PresetError,
    find_preset,
    load_preset,
    presets_dir,
    shipped_presets,
    validate_file,
)

LIVE = Path(sys.executable).with_name("live")  # the venv's console script

HEADER = 'schema = 1\nactivity = "entrainment"\ntitle = "Test"\ngoal = "Motor timing"\n'
PARAMS_KEYS = ("tempo_bpm, meter, accents, count_in_beats, beats, duration_s, sound, groove, subdivision, volume, "
               "window_ms, baseline_s, cue_from_baseline, tempo_steps_pct, ramp_beats, fade_beats, continuation_beats, "
               "perturbation, phase_shift_ms, tempo_step_pct, perturb_beats, random_perturbations, perturbation_seed, "
               "recovery_beats, adaptive_gain, adaptive_min_bpm, adaptive_max_bpm, song, song_click, song_click_volume")
SOUNDS = "click, woodblock, kick, snare, hat, open_hat, rim, shaker, cowbell"


def write(tmp_path: Path, text: str, name: str = "p.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def with_params(tmp_path: Path, params: str) -> Path:
    return write(tmp_path, HEADER + "[params]\n" + params)


# ---------------------------------------------------------------- shipped presets


def test_shipped_presets_exist_and_come_from_the_repo_folder():
    names = {p.stem for p in shipped_presets()}
    assert len(names) >= 4
    assert {"steady-beat-100", "gait-cueing-90", "finger-tapping-60", "waltz-72"} <= names
    assert all(p.parent.parent == presets_dir() for p in shipped_presets())


@pytest.mark.parametrize("path", shipped_presets(), ids=lambda p: p.stem)
def test_every_shipped_preset_validates_and_loads(path):
    assert validate_file(path) == []
    preset = load_preset(path)
    assert isinstance(preset, Preset)
    assert preset.name == path.stem and preset.activity == path.parent.name
    assert preset.title and preset.goal
    assert isinstance(preset.params, activity_class(preset.activity).Params)
    assert "#" in path.read_text(encoding="utf-8")  # commented for the therapist


def test_steady_beat_100_is_the_demo_default():
    preset = load_preset(find_preset("steady-beat-100"))
    p = preset.params
    assert (p.tempo_bpm, p.meter, p.accents, p.count_in_beats, p.beats, p.duration_s) == (
        100.0, 4, (1,), 4, 200, None,
    )
    assert isinstance(p.tempo_bpm, float) and isinstance(p.accents, tuple)
    assert preset.raw_params["accents"] == [1]  # kept as written


def test_omitted_params_take_their_defaults(tmp_path):
    preset = load_preset(with_params(tmp_path, "beats = 10\n"))
    assert preset.params == EntrainmentParams(beats=10)
    assert preset.raw_params == {"beats": 10}


# ---------------------------------------------------------------- one line per problem


@pytest.mark.parametrize(
    ("params", "line"),
    [
        ("tempo_bpm = 300\nbeats = 10", "params.tempo_bpm: 300: must be 20..240 BPM"),
        ("tempo_bpm = 10.5\nbeats = 10", "params.tempo_bpm: 10.5: must be 20..240 BPM"),
        ('tempo_bpm = "fast"\nbeats = 10', 'params.tempo_bpm: "fast": must be a number, 20..240 BPM'),
        ("meter = 3.0\nbeats = 10", "params.meter: 3.0: must be a whole number, 1..12"),
        ("meter = true\nbeats = 10", "params.meter: true: must be a whole number, 1..12"),
        ('sound = "gong"\nbeats = 10', f'params.sound: "gong": must be one of: {SOUNDS}'),
        ('groove = "polka"\nbeats = 10', 'params.groove: "polka": must be one of: none, straight, march, waltz, '
                                          'shuffle, six-eight'),
        ('groove = "waltz"\nbeats = 10', 'params.meter: 4: must be 3 for groove \'waltz\''),
        ('groove = "march"\nmeter = 2\nsubdivision = 2\nbeats = 10',
         "params.subdivision: 2: must be 1 with a groove (it has its own)"),
        ("tempo_bpm = 200\ntempo_steps_pct = [0, 25]\nbeats = 10",
         "params.tempo_steps_pct[1]: 25.0: gives 250 BPM: the step's tempo must be 20..240 BPM"),
        ("tempo_steps_pct = []\nbeats = 10", "params.tempo_steps_pct: []: must list at least one step (0: the cue tempo)"),
        ("cue_from_baseline = true\nbeats = 10",
         "params.cue_from_baseline: true: needs baseline_s > 0 (the cadence is measured there)"),
        ("fade_beats = 10\nbeats = 10", "params.fade_beats: 10: must be less than the 10 cued beats"),
        ('perturbation = "phase"\nphase_shift_ms = 300\nperturb_beats = [5]\nbeats = 10',
         "params.phase_shift_ms: 300.0: must be non-zero and within +/-240 ms (40 % of the beat interval at tempo_bpm)"),
        ('perturbation = "tempo"\nperturb_beats = [5]\nbeats = 10',
         "params.tempo_step_pct: 0.0: must be non-zero for tempo perturbations"),
        ("perturb_beats = [5]\nbeats = 10", "params.perturbation: \"none\": must be phase or tempo when perturbations "
                                            "are asked for"),
        ('perturbation = "phase"\nphase_shift_ms = 20\nbeats = 10',
         "params.perturb_beats: []: give perturb_beats or random_perturbations"),
        ('perturbation = "phase"\nphase_shift_ms = 20\nperturb_beats = [10]\nbeats = 10',
         "params.perturb_beats[0]: 10: must be 1..9 (a cued beat)"),
        ('perturbation = "phase"\nphase_shift_ms = 20\nrandom_perturbations = 2\nbeats = 20',
         "params.random_perturbations: 2: must be at most 1: each needs 12 beats (recovery_beats + 4) of the 20 cued beats"),
        ("adaptive_min_bpm = 120\nadaptive_max_bpm = 90\nbeats = 10",
         "params.adaptive_min_bpm: 120.0: must be less than adaptive_max_bpm (90)"),
        ("adaptive_gain = 0.3\nadaptive_max_bpm = 90\nbeats = 10", "params.tempo_bpm: 100.0: must be 20..90 BPM (the adaptive range)"),
        ("accents = [1, 13]\nbeats = 10", "params.accents[1]: 13: must be 1..12"),
        ("accents = [1, 2.5]\nbeats = 10", "params.accents[1]: 2.5: must be a whole number, 1..12"),
        ("accents = 1\nbeats = 10", "params.accents: 1: must be a list of whole numbers, each 1..12"),
        ("duration_s = 0\nbeats = 10", "params.duration_s: 0: must be 1..7200 s"),
        ("tempo = 120\nbeats = 10", f"params.tempo: 120: unknown key; allowed: {PARAMS_KEYS}"),
        ("", "params.beats: (missing): give exactly one of beats or duration_s"),
        ("beats = 10\nduration_s = 60", "params.beats: 10: give exactly one of beats or duration_s"),
        ("meter = 3\naccents = [1, 4]\nbeats = 10", "params.accents[1]: 4: must be 1..3 (a beat of the bar)"),
    ],
)
def test_param_problem_lines(tmp_path, params, line):
    path = with_params(tmp_path, params + "\n")
    assert validate_file(path) == [f"{path}: {line}"]
    with pytest.raises(PresetError) as err:
        load_preset(path)
    assert err.value.problems == [f"{path}: {line}"]


VALID = HEADER + "[params]\nbeats = 10\n"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (VALID.replace("schema = 1", "schema = 2"), "schema: 2: must be 1"),
        (VALID.replace("schema = 1", 'schema = "1"'), 'schema: "1": must be 1'),
        (VALID.replace("schema = 1", "schema = true"), "schema: true: must be 1"),
        (VALID.replace('"entrainment"', '"echo"'), 'activity: "echo": must be one of: call_response, entrainment, improvisation'),
        (VALID.replace('title = "Test"', 'title = "  "'), 'title: "  ": must be a non-empty string'),
        (
            VALID.replace('goal = "Motor timing"\n', ""),
            "goal: (missing): must be a non-empty string (the clinical goal the preset serves)",
        ),
        (
            'colour = "red"\n' + VALID,
            'colour: "red": unknown key; allowed: schema, activity, title, goal, params, screen',
        ),
        (HEADER, "params: (missing): must be a table ([params]) of the activity's parameters"),
        (HEADER + "params = [1, 5]\n", "params: [1, 5]: must be a table ([params]) of the activity's parameters"),
    ],
)
def test_top_level_problem_lines(tmp_path, text, line):
    path = write(tmp_path, text)
    assert validate_file(path) == [f"{path}: {line}"]


def test_all_problems_are_reported_together_in_file_order(tmp_path):
    path = write(
        tmp_path,
        'schema = 2\nactivity = "entrainment"\ntitle = "T"\n\n'
        '[params]\ntempo_bpm = 300\naccents = [0, 2]\n"odd key" = {a = 1}\nvolume = -1\nbeats = 10\n',
    )
    assert validate_file(path) == [
        f"{path}: schema: 2: must be 1",
        f"{path}: params.tempo_bpm: 300: must be 20..240 BPM",
        f"{path}: params.accents[0]: 0: must be 1..12",
        f'{path}: params."odd key": {{a = 1}}: unknown key; allowed: {PARAMS_KEYS}',
        f"{path}: params.volume: -1: must be 0..1",
        f"{path}: goal: (missing): must be a non-empty string (the clinical goal the preset serves)",
    ]


def test_toml_syntax_error_gives_line_and_column(tmp_path):
    path = write(tmp_path, HEADER + '[params]\nsound = "click" woodblock\n')
    assert validate_file(path) == [
        f"{path}: line 6, column 17: Expected newline or end of document after a statement"
    ]


def test_syntax_error_at_end_of_file_still_has_a_position(tmp_path):
    path = write(tmp_path, HEADER + "[params]\naccents = [1,")
    assert validate_file(path) == [f"{path}: line 6, column 14: Invalid value"]


def test_missing_file(tmp_path):
    path = tmp_path / "nope.toml"
    assert validate_file(path) == [f"{path}: cannot read the file: No such file or directory"]
    with pytest.raises(PresetError):
        load_preset(path)


# ---------------------------------------------------------------- finding presets


def test_find_preset_by_name_and_by_path(tmp_path):
    shipped = presets_dir() / "entrainment" / "waltz-72.toml"
    assert find_preset("waltz-72") == shipped
    assert find_preset("waltz-72.toml") == shipped
    assert find_preset("waltz-72", activity="entrainment") == shipped
    own = with_params(tmp_path, "beats = 10\n")
    assert find_preset(str(own)) == own
    assert find_preset(own) == own


def test_find_preset_unknown_name_lists_the_shipped_names(tmp_path):
    with pytest.raises(PresetError) as err:
        find_preset("waltz-99")
    (line,) = err.value.problems
    assert line.startswith("waltz-99: no such file or shipped preset; shipped: ")
    assert "steady-beat-100" in line and "waltz-72" in line
    with pytest.raises(PresetError, match="no such file"):
        find_preset(str(tmp_path / "waltz-72.toml"))  # a missing path is not a name
    with pytest.raises(PresetError, match=r"shipped echo preset; shipped: \(none\)"):
        find_preset("waltz-72", activity="echo")


# ---------------------------------------------------------------- the command


def test_validate_command_all_ok(capsys):
    files = [str(p) for p in shipped_presets()]
    assert main(["presets", "validate", *files]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [f"ok: {f}" for f in files]
    assert err == ""


def test_validate_command_reports_bad_files_and_exits_2(tmp_path, capsys):
    good = str(presets_dir() / "entrainment" / "steady-beat-100.toml")
    bad = str(with_params(tmp_path, "tempo_bpm = 300\nbeats = 10\n"))
    assert main(["presets", "validate", bad, good]) == 2
    out, err = capsys.readouterr()
    assert out == f"ok: {good}\n"
    assert err == f"{bad}: params.tempo_bpm: 300: must be 20..240 BPM\n"


def test_validate_command_via_console_script(tmp_path):
    good = str(presets_dir() / "entrainment" / "gait-cueing-90.toml")
    missing = str(tmp_path / "missing.toml")
    done = subprocess.run([LIVE, "presets", "validate", good], capture_output=True, text=True)
    assert (done.returncode, done.stdout, done.stderr) == (0, f"ok: {good}\n", "")
    done = subprocess.run([LIVE, "presets", "validate", good, missing], capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stdout == f"ok: {good}\n"
    assert done.stderr == f"{missing}: cannot read the file: No such file or directory\n"


def test_list_command_shows_every_shipped_preset(capsys):
    assert main(["presets", "list"]) == 0
    out, _ = capsys.readouterr()
    assert str(presets_dir()) in out
    for path in shipped_presets():
        preset = load_preset(path)
        row = next(line for line in out.splitlines() if f" {preset.name} " in line)
        assert preset.activity in row and preset.title in row and preset.goal[:20] in row
