"""The improvisation's plots of a session, declared for the session note (``note_plots``).

- piano roll over the chord changes: each chord segment of the backing (the runs' trials:
  ``start_s``, ``end_s``, ``symbol``) shaded and labelled along the time axis, the band's
  pitched notes faint (from the stored sounds' names, :func:`live.engine.instruments.parse_note_sound`),
  the client's notes as dots at the note they played (their responses' ``played_note``) and
  the therapist's notes as crosses;
- density and velocity over time: the client's notes per second and their mean velocity in
  consecutive windows of the run's ``window_s``.

Each takes the session record the note hands every activity's plots
(:class:`~live.activities.types.NotePlot`) and returns a matplotlib ``Figure`` made without
pyplot (matplotlib is imported only when a plot is drawn). Times are seconds from the
session's time 0 (``origin_frame``).

Realtime-safe: no.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from live.engine.instruments import parse_note_sound

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["client_notes", "piano_roll_plot", "density_velocity_plot"]


def client_notes(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The client's notes of the record's runs: time_s, note (the one played; None when
    filtered), velocity, run position."""
    sr, t0 = record["sample_rate"], record["origin_frame"]
    out = []
    for run in record["runs"]:
        for r in run["responses"]:
            extra = r.get("extra") or {}
            out.append({"time_s": (r["frame"] - t0) / sr, "note": extra.get("played_note"),
                        "velocity": r.get("velocity"), "run": run["position"]})
    return out


def _figure(size: tuple[float, float]) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=size, layout="constrained")


def piano_roll_plot(record: Mapping[str, Any], size: tuple[float, float] = (7.0, 3.2)) -> Figure:
    """The band's notes, the client's and the therapist's over the chord segments."""
    sr, t0 = record["sample_rate"], record["origin_frame"]
    offset_s = t0 / sr   # trials' times are from the engine's frame 0
    fig = _figure(size)
    ax = fig.add_subplot()
    spans = [(seg["start_s"] - offset_s, seg["end_s"] - offset_s, seg.get("symbol", ""))
             for run in record["runs"] for seg in run.get("trials", ())
             if seg.get("start_s") is not None and seg.get("end_s") is not None]
    total_s = max((end for _, end, _ in spans), default=0.0) - min((start for start, _, _ in spans), default=0.0)
    for k, (start, end, symbol) in enumerate(spans):
        ax.axvspan(start, end, color="0.93" if k % 2 else "0.85", lw=0)
        if end - start >= total_s / 30:  # a label where it fits (a long run's bars are narrow)
            ax.text(start, 1.0, f" {symbol}", transform=ax.get_xaxis_transform(), va="top", fontsize=7)
    for run in record["runs"]:
        client_instrument = run["params"].get("instrument")  # the client's pads are drawn as theirs below
        band = [(s["frame"], parse_note_sound(s["sound"])) for s in run.get("sounds", ())]
        band = [(f, n) for f, n in band if n is not None and n.instrument != client_instrument]
        if band:
            ax.scatter([(f - t0) / sr for f, _ in band], [n.note for _, n in band], s=3, marker="s",
                       color="0.55", label="band" if run is record["runs"][0] else None)
        therapist = [e for e in run.get("inputs", ()) if e.get("client") is None and e.get("note") is not None]
        if therapist:
            ax.scatter([(e["frame"] - t0) / sr for e in therapist], [e["note"] for e in therapist], s=14,
                       marker="x", color="tab:orange", label="therapist" if run is record["runs"][0] else None)
    notes = [n for n in client_notes(record) if n["note"] is not None]
    if notes:
        ax.scatter([n["time_s"] for n in notes], [n["note"] for n in notes], s=12, color="tab:blue", label="client")
    ax.set_xlabel("time in session (s)")
    ax.set_ylabel("MIDI note (60 = C4)")
    ax.set_title("Piano roll over the chord changes", fontsize=9)
    if notes or any(run.get("sounds") for run in record["runs"]):
        ax.legend(loc="lower right", fontsize=7)
    return fig


def density_velocity_plot(record: Mapping[str, Any], size: tuple[float, float] = (7.0, 2.6)) -> Figure:
    """The client's density (notes/s) and mean velocity per window over time."""
    import numpy as np

    fig = _figure(size)
    ax = fig.add_subplot()
    ax2 = ax.twinx()
    sr, t0 = record["sample_rate"], record["origin_frame"]
    for run in record["runs"]:
        window_s = float(run["params"].get("window_s") or 6.0)
        times = [n for n in client_notes({**record, "runs": [run]})]
        if not times:
            continue
        start_s = (run.get("start_frame", t0) - t0) / sr if run.get("start_frame") is not None else 0.0
        end_s = max(n["time_s"] for n in times) + window_s
        edges = np.arange(start_s, end_s + window_s, window_s)
        t = np.array([n["time_s"] for n in times])
        v = np.array([n["velocity"] or 0 for n in times], dtype=float)
        counts, _ = np.histogram(t, edges)
        sums, _ = np.histogram(t, edges, weights=v)
        mids = (edges[:-1] + edges[1:]) / 2
        ax.step(mids, counts / window_s, where="mid", color="tab:blue")
        have = counts > 0
        ax2.plot(mids[have], sums[have] / counts[have], "o-", color="tab:red", ms=3)
    ax.set_xlabel("time in session (s)")
    ax.set_ylabel("notes per second", color="tab:blue")
    ax2.set_ylabel("mean velocity", color="tab:red")
    ax2.set_ylim(0, 127)
    ax.set_title("The client's density and velocity over time", fontsize=9)
    return fig
