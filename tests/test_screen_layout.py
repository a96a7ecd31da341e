"""Client screen layouts from presets: grids, free pads, every error with its path."""

import pytest

from live.presets import PresetError, load_preset
from live.config.screen import ScreenLayout, default_layout, grid_pads, parse_screen
from live.ui.colours import OKABE_ITO, contrast_ratio, pad_colour, text_colour

HEAD = 'schema = 1\nactivity = "entrainment"\ntitle = "T"\ngoal = "G"\n[params]\ntempo_bpm = 60\nbeats = 8\n'


def write(tmp_path, screen):
    path = tmp_path / "p.toml"
    path.write_text(HEAD + screen)
    return path


def test_grid_of_four_in_two_rows_with_labels_and_symbols(tmp_path):
    preset = load_preset(write(tmp_path, '[screen]\npads = 4\ncolumns = 2\nlabels = ["a", "b", "c", "d"]\n'
                                         'symbols = ["circle", "", "star", "cross"]\nfeedback = false\n'))
    s = preset.screen
    assert (s.kind, len(s.pads), s.feedback, s.cue) == ("grid", 4, False, True)
    assert [p.label for p in s.pads] == ["a", "b", "c", "d"] and s.pads[2].symbol == "star"
    m = 0.04
    w = (1 - 3 * m) / 2
    assert s.pads[0].x == pytest.approx(m) and s.pads[1].x == pytest.approx(2 * m + w)
    assert s.pads[2].y == pytest.approx(2 * m + w) and s.pads[0].w == pytest.approx(w)
    # the pad under a point: each pad's centre, none in the margins
    for i, p in enumerate(s.pads):
        assert s.pad_at(p.x + p.w / 2, p.y + p.h / 2) == i
    assert s.pad_at(0.01, 0.5) is None and s.pad_at(0.5, 0.5) is None


def test_short_last_row_is_centred_and_default_is_one_big_pad():
    pads = grid_pads(3)  # 2 columns: 2 + 1
    assert pads[2].x + pads[2].w / 2 == pytest.approx(0.5)
    [pad] = default_layout().pads
    assert pad.w == pytest.approx(0.92) and pad.h == pytest.approx(0.92)


def test_free_pads_where_the_preset_puts_them(tmp_path):
    text = ('[screen]\nlayout = "free"\ncue = false\n'
            '[[screen.pad]]\nx = 0.0\ny = 0.35\nw = 0.2\nh = 0.3\nlabel = "L"\n'
            '[[screen.pad]]\nx = 0.8\ny = 0.35\nw = 0.2\nh = 0.3\nsymbol = "triangle"\n')
    s = load_preset(write(tmp_path, text)).screen
    assert s.kind == "free" and not s.cue
    assert [(p.x, p.y, p.w, p.h, p.label, p.symbol) for p in s.pads] == [
        (0.0, 0.35, 0.2, 0.3, "L", ""), (0.8, 0.35, 0.2, 0.3, "", "triangle")]
    assert s.pads[1].pixels(1000, 500) == (800, 175, 200, 150)
    assert ScreenLayout.from_json(s.to_json()) == s


@pytest.mark.parametrize("screen, line", [
    ('pads = 13', 'screen.pads: 13: must be a whole number 1..12'),
    ('pads = 2\nlabels = ["a"]', 'screen.labels: ["a"]: must be a list of 2 (one per pad)'),
    ('symbols = ["moon"]', 'screen.symbols[0]: "moon": must be one of: circle, square, triangle, diamond, star, '
                           'cross, or "" for none'),
    ('layout = "ring"', 'screen.layout: "ring": must be "grid" or "free"'),
    ('feedback = "yes"', 'screen.feedback: "yes": must be true or false'),
    ('colour = 1', 'screen.colour: 1: unknown key; allowed: layout, pads, columns, labels, symbols, feedback, cue, prompt, pad'),
    ('layout = "free"', 'screen.pad: (missing): must be 1..12 [[screen.pad]] tables with x, y, w, h'),
    ('layout = "free"\n[[screen.pad]]\nx = 0.9\ny = 0\nw = 0.2\nh = 0.5',
     'screen.pad[0].w: 0.2: x + w = 1.1: the pad must end on the screen (<= 1)'),
    ('layout = "free"\n[[screen.pad]]\nx = 0\ny = 0\nw = 0.01\nh = 0.5',
     'screen.pad[0].w: 0.01: must be a number 0.05..1 (at least 5 % of the screen), a fraction of the screen'),
    ('layout = "free"\n[[screen.pad]]\nx = 0\ny = 0\nw = 0.5\nh = 0.5\n[[screen.pad]]\nx = 0.4\ny = 0.4\nw = 0.3\nh = 0.3',
     'screen.pad[1]: {x = 0.4, y = 0.4, w = 0.3, h = 0.3}: overlaps screen.pad[0]: pads must not overlap'),
])
def test_bad_screen_tables_say_where_and_what_is_allowed(tmp_path, screen, line):
    path = write(tmp_path, "[screen]\n" + screen + "\n")
    with pytest.raises(PresetError) as info:
        load_preset(path)
    assert f"{path}: {line}" in info.value.problems, info.value.problems


def test_not_a_table():
    layout, problems = parse_screen(3)
    assert layout is None and problems[0].path == "screen"


def test_palette_is_okabe_ito_and_every_label_contrasts_strongly():
    assert pad_colour(0) == (230, 159, 0) and pad_colour(7) == pad_colour(0)
    for _, rgb in OKABE_ITO:
        # WCAG 2.1: 4.5:1 for text (each pad's label ink), 3:1 for a UI component against what
        # surrounds it (each pad against the black background).
        assert contrast_ratio(text_colour(rgb), rgb) >= 4.5
        assert contrast_ratio(rgb, (0, 0, 0)) >= 3.0
    assert text_colour((0, 114, 178)) == (255, 255, 255) and text_colour((240, 228, 66)) == (0, 0, 0)
