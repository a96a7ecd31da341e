"""The client screen's colours: one per pad, and the text drawn on it.

Pad colours are the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design"),
distinguishable with the common colour-vision deficiencies, on a black background; labels are
drawn black or white, whichever has the higher WCAG 2 contrast against the pad. Pure Python.
Realtime-safe: no.
"""

from __future__ import annotations

__all__ = ["OKABE_ITO", "contrast_ratio", "pad_colour", "text_colour"]

OKABE_ITO = (  # (name, RGB): Okabe & Ito (2008); black is the background, so not a pad colour
    ("orange", (230, 159, 0)),
    ("sky blue", (86, 180, 233)),
    ("bluish green", (0, 158, 115)),
    ("yellow", (240, 228, 66)),
    ("blue", (0, 114, 178)),
    ("vermillion", (213, 94, 0)),
    ("reddish purple", (204, 121, 167)),
)


def pad_colour(index: int) -> tuple[int, int, int]:
    """The Okabe-Ito colour of pad ``index`` (the seven colours in turn)."""
    return OKABE_ITO[index % len(OKABE_ITO)][1]


def _luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG 2 relative luminance of an sRGB colour (0..1)."""
    def lin(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4
    r, g, b = (lin(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG 2 contrast ratio of two colours (1..21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_colour(background: tuple[int, int, int]) -> tuple[int, int, int]:
    """Black or white, whichever contrasts more with ``background``."""
    black, white = (0, 0, 0), (255, 255, 255)
    return black if contrast_ratio(black, background) >= contrast_ratio(white, background) else white
