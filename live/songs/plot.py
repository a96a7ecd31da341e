"""A song's waveform with its beats and downbeats, as a PNG for the therapist to check the grid
(``live songs plot``). matplotlib is imported only here, and no pyplot (no display needed).

Realtime-safe: no.
"""

from __future__ import annotations

import os

import numpy as np

__all__ = ["plot_song"]


def plot_song(samples: np.ndarray, sample_rate: int, beats_s: tuple[float, ...], downbeats_s: tuple[float, ...],
              path: str | os.PathLike[str], *, title: str, start_s: float = 0.0, seconds: float | None = None) -> None:
    """Write a PNG of the mono waveform from ``start_s`` for ``seconds`` (default: to the end),
    beats as thin lines, downbeats as thick ones, time in seconds from the file's start."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    end_s = samples.size / sample_rate if seconds is None else min(samples.size / sample_rate, start_s + seconds)
    lo, hi = int(start_s * sample_rate), int(end_s * sample_rate)
    x = samples[lo:hi]
    step = max(1, x.size // 20000)  # an envelope of at most 20000 points: min and max per step
    n = x.size // step
    shaped = x[: n * step].reshape(n, step) if n else np.zeros((1, 1))
    t = start_s + (np.arange(shaped.shape[0]) * step) / sample_rate
    fig = Figure(figsize=(min(40, max(10, (end_s - start_s) / 2)), 3.5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.fill_between(t, shaped.min(axis=1), shaped.max(axis=1), color="0.3", linewidth=0.3)
    beats = [b for b in beats_s if start_s <= b <= end_s]
    downs = [d for d in downbeats_s if start_s <= d <= end_s]
    ax.vlines(beats, -1, 1, colors="tab:blue", linewidth=0.7, label=f"beats ({len(beats)})")
    ax.vlines(downs, -1, 1, colors="tab:red", linewidth=2.0, label=f"downbeats ({len(downs)})")
    peak = float(np.abs(x).max()) if x.size else 1.0
    ax.set_ylim(-1.05 * peak or -1, 1.05 * peak or 1)
    ax.set_xlim(start_s, end_s)
    ax.set_xlabel("time from the file's start (s)")
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize="small")
    fig.tight_layout()
    fig.savefig(os.fspath(path), format="png")
