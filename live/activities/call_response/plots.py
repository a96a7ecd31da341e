"""Call-and-response's plots of a session, declared for the session note (``note_plots``), and its
two tracks of the MIDI export (``midi_tracks``): ``call`` (pitched calls on channel 4 with their
notes and lengths, unpitched ones as GM Hi Wood Block 76 on channel 10) and ``answer`` (the
onsets each trial scored, channel 1, with their notes, unpitched as 60).

- trials: each trial's call over its answer on one time line (seconds from the call's first
  note): a row per trial, the call's notes above (filled), the answer's below (open), matched
  pairs joined, the level at the left;
- progress: the F-measure of each trial (0..1, left axis) and its level (right axis) across the
  trials of the session's runs, with the runs' threshold levels dashed.

Each takes the session record the note hands every activity's plots
(:class:`~live.activities.types.NotePlot`), whose runs carry their ``trials`` (each with
``call`` and ``answer``: onsets in seconds from the session's start, as ``live demo --json``
gives them), and returns a matplotlib ``Figure`` made without pyplot (matplotlib is imported
only when a plot is drawn).

Realtime-safe: no.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from live.activities.types import MidiTrack, NotePlot

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["MIDI_TRACKS", "NOTE_PLOTS", "progress_plot", "trials", "trials_plot", "trial_notes"]

_MAX_ROWS = 40  # the trials plot shows the last this many trials


def trials(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every trial of the record's runs in order, each with its run's position (``run``)."""
    return [{**t, "run": run["position"]} for run in record["runs"] for t in run.get("trials", ())
            if isinstance(t.get("call"), list)]


def _figure(size: tuple[float, float]) -> "Figure":
    from matplotlib.figure import Figure

    return Figure(figsize=size, layout="constrained")


def trials_plot(record: Mapping[str, Any], size: tuple[float, float] = (7.0, 4.0)) -> "Figure":
    """Each trial's call (filled, above) over its answer (open, below), from the call's first note."""
    shown = trials(record)[-_MAX_ROWS:]
    fig = _figure((size[0], max(size[1], 0.9 + 0.22 * len(shown))))
    ax = fig.add_subplot()
    for row, t in enumerate(shown):
        t0 = t["call"][0]["onset_s"] if t["call"] else 0.0
        call = [n["onset_s"] - t0 for n in t["call"]]
        answer = [n["onset_s"] - t0 for n in t.get("answer") or []]
        y = -row
        ax.plot(call, [y + 0.15] * len(call), "o", color="#0072B2", markersize=4)
        ax.plot(answer, [y - 0.15] * len(answer), "o", mfc="none", color="#D55E00", markersize=4)
        ax.text(-0.1, y, f"L{t['level']:g}", ha="right", va="center", fontsize=6)
    ax.set_yticks([-r for r in range(len(shown))], [str(t["index"] + 1) for t in shown], fontsize=6)
    ax.set_xlabel("time from the call's first note (s)")
    ax.set_ylabel("trial")
    ax.set_title("Calls (filled) and answers (open), trial by trial", fontsize=9)
    ax.grid(axis="x", alpha=0.3)
    return fig


def progress_plot(record: Mapping[str, Any], size: tuple[float, float] = (7.0, 2.6)) -> "Figure":
    """F-measure and level of each trial across the session's trials."""
    shown = trials(record)
    fig = _figure(size)
    ax = fig.add_subplot()
    x = list(range(1, len(shown) + 1))
    ax.plot(x, [t["f1"] for t in shown], "o-", color="#0072B2", markersize=3, label="F-measure")
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel("trial")
    ax.set_ylabel("F-measure", color="#0072B2")
    level = ax.twinx()
    level.step(x, [t["level"] for t in shown], where="mid", color="#D55E00", label="level")
    level.set_ylabel("level", color="#D55E00")
    for run in record["runs"]:
        threshold = (run.get("summary") or {}).get("threshold_level")
        if isinstance(threshold, (int, float)):
            level.axhline(threshold, ls="--", lw=0.8, color="#D55E00")
    ax.set_title("F-measure and level across trials (dashed: threshold level)", fontsize=9)
    return fig


NOTE_PLOTS: tuple[NotePlot, ...] = (
    NotePlot("echo-trials", trials_plot, wide=True),
    NotePlot("echo-progress", progress_plot, wide=True),
)


_GM_WOOD_BLOCK = 76
_SHORT_S = 0.05


def trial_notes(run: Mapping[str, Any], sample_rate: int, part: str) -> list[tuple[int, int, int, int, int]]:
    """The notes of every trial's ``part`` (``"call"`` or ``"answer"``) of a stored run as MIDI
    track notes (frame, channel, note, velocity, length in frames): frames from each trial's
    ``call_frame`` and its notes' onsets."""
    out = []
    short = round(_SHORT_S * sample_rate)
    for t in run.get("trials", ()):
        call, notes = t.get("call") or [], t.get(part) or []
        if not call or t.get("call_frame") is None:
            continue
        t0 = call[0]["onset_s"]
        for n in notes:
            frame = int(t["call_frame"]) + round((n["onset_s"] - t0) * sample_rate)
            length = max(short, round(n.get("duration_s", 0.0) * sample_rate))
            if part == "call":
                out.append((frame, 9, _GM_WOOD_BLOCK, 100, length) if n["note"] is None else (frame, 3, n["note"], 100, length))
            else:
                out.append((frame, 0, 60 if n["note"] is None else n["note"], 90, short))
    return out


MIDI_TRACKS: tuple[MidiTrack, ...] = (
    MidiTrack("call", lambda run, sr: trial_notes(run, sr, "call")),
    MidiTrack("answer", lambda run, sr: trial_notes(run, sr, "answer")),
)
