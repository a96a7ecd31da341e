"""``live songs add/list/show/plot/adjust``: the song library.

Exit status 0 done, 2 bad input (a file that is not audio, a song not in the library, a title
too long, a grid that cannot be halved), 1 a failure while running (a plot that cannot be
written). Progress on stderr; with ``--json`` stdout is exactly one object.
"""

from __future__ import annotations

import sys
from typing import Any

from live.commands.common import fail, open_store, out_problem, table, to_json, when


def run(args) -> int:
    prog = f"live songs {args.action}"
    store = open_store(args, prog)
    if store is None:
        return 2
    with store:
        return {"add": _add, "list": _list, "show": _show, "plot": _plot, "adjust": _adjust}[args.action](args, store, prog)


class _Bar:
    """A progress bar on stderr: redrawn in place on a terminal, else one line per step."""

    def __init__(self, label: str):
        self.label = label
        self.tty = sys.stderr.isatty()
        self.step = ""

    def __call__(self, fraction: float, step: str) -> None:
        if self.tty:
            filled = int(round(30 * fraction))
            print(f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {100 * fraction:3.0f}% {step:<16}",
                  end="", file=sys.stderr, flush=True)
        elif step != self.step:
            print(f"{self.label}: {100 * fraction:3.0f}% {step}", file=sys.stderr, flush=True)
        self.step = step

    def done(self) -> None:
        if self.tty:
            print(file=sys.stderr)


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "title": row["title"], "tempo_bpm": row["tempo_bpm"],
            "beats_per_bar": row["beats_per_bar"], "confidence": row["confidence"],
            "duration_s": row["duration_s"], "n_beats": len(row["beats_s"]), "added_at": row["added_at"],
            "adjusted_at": row["adjusted_at"]}


def _full(row: dict[str, Any], **more: Any) -> dict[str, Any]:
    d = row["details"]
    on = d.get("on_onset", [])
    return {**_summary(row), "content_hash": row["content_hash"], "source_name": row["source_name"],
            "format": row["format"], "sample_rate": row["sample_rate"], "channels": row["channels"],
            "beats_s": list(row["beats_s"]), "downbeats_s": list(row["downbeats_s"]),
            "beats_on_onsets": (sum(on) / len(on)) if on else 0.0,
            "tracker_lateness_ms": d.get("median_offset_ms"), "tracked_tempo_bpm": d.get("tracked_tempo_bpm"),
            "level": d.get("level"), "alternation": d.get("alternation"), "midpoint": d.get("midpoint"),
            "adjustments": d.get("adjustments", []), **more}


def _row_of(store, name: str, prog: str) -> tuple[dict[str, Any] | None, int]:
    from live.songs.library import SongNotFound, find_song

    try:
        song = find_song(store, name)
    except SongNotFound as exc:
        return None, fail(prog, str(exc))
    return store.get_song_row(song.id), 0


def _add(args, store, prog: str) -> int:
    from live.songs.audio import AudioReadError
    from live.songs.importing import SongExists, add_song

    if args.title is not None and not 1 <= len(args.title.strip()) <= 200:
        return fail(prog, f"--title {args.title!r}: must be 1..200 characters")
    bar = _Bar(f"analysing {args.file}")
    try:
        song, cached = add_song(store, args.file, title=args.title, progress=bar)
    except (AudioReadError, SongExists) as exc:
        bar.done()
        return fail(prog, str(exc))
    bar.done()
    row = store.get_song_row(song.id)
    if args.json:
        print(to_json(_full(row, analysis_cached=cached)))
        return 0
    print(f"Song {song.id} added: {song.title!r}, {song.tempo_bpm:.1f} BPM, {song.beats_per_bar} beats per bar, "
          f"{len(song.beats_s)} beats, confidence {song.confidence:.2f}" + (" (analysis from the cache)" if cached else ""))
    print(f"Check it: live songs plot {song.id}; correct it: live songs adjust {song.id} --tap")
    return 0


def _list(args, store, prog: str) -> int:
    rows = store.list_songs()
    if args.json:
        print(to_json({"songs": [_summary(r) for r in rows]}))
        return 0
    if not rows:
        print("No songs yet. Add one: live songs add FILE [--title T]")
        return 0
    print(table(["id", "title", "BPM", "beats/bar", "beats", "confidence", "length", "added"],
                [[r["id"], r["title"], round(r["tempo_bpm"], 1), r["beats_per_bar"], len(r["beats_s"]),
                  r["confidence"], f"{int(r['duration_s'] // 60)}:{r['duration_s'] % 60:04.1f}", when(r["added_at"])]
                 for r in rows]))
    return 0


def explain_confidence(info: dict[str, Any]) -> str:
    """What the confidence figure rests on, in one sentence."""
    level = {"halved": "halved (alternate beats were weaker: {alt:.2f} of the stronger)",
             "doubled": "doubled (the midpoints were as strong as the beats: {mid:.2f})",
             "as tracked": "as tracked (alternate beats {alt:.2f} of the stronger, midpoints {mid:.2f} of the beats)"}
    said = level.get(info["level"] or "as tracked", level["as tracked"]).format(
        alt=info["alternation"] or 0.0, mid=info["midpoint"] or 0.0)
    return (f"{100 * info['beats_on_onsets']:.0f}% of the beats sit on an onset found in the audio; the beat level "
            f"was {said}")


def _show(args, store, prog: str) -> int:
    row, code = _row_of(store, args.name, prog)
    if row is None:
        return code
    info = _full(row)
    if args.json:
        print(to_json(info))
        return 0
    print(f"Song {row['id']}: {row['title']!r} ({row['source_name']}, {row['format'].upper()}, "
          f"{row['duration_s']:.1f} s, {row['sample_rate']} Hz, {row['channels']} channel(s))")
    print(f"Tempo {row['tempo_bpm']:.1f} BPM, {row['beats_per_bar']} beats per bar, {len(row['beats_s'])} beats, "
          f"{len(row['downbeats_s'])} downbeats")
    print(f"Confidence {row['confidence']:.2f}: {explain_confidence(info)}.")
    if info["tracker_lateness_ms"] is not None:
        print(f"The tracker's beats were {info['tracker_lateness_ms']:.1f} ms late (median); each beat was moved "
              "to its onset.")
    for what in info["adjustments"]:
        print(f"Adjusted: {what}")
    beats = ", ".join(f"{b:.3f}" for b in row["beats_s"][:16])
    print(f"Beats (s): {beats}" + (f", ... ({len(row['beats_s']) - 16} more)" if len(row["beats_s"]) > 16 else ""))
    return 0


def _plot(args, store, prog: str) -> int:
    from live.songs.audio import AudioReadError, read_audio
    from live.songs.library import find_song
    from live.songs.plot import plot_song

    row, code = _row_of(store, args.name, prog)
    if row is None:
        return code
    out = args.out or f"song-{row['id']}.png"
    problem = out_problem(out)
    if problem:
        return fail(prog, problem)
    if args.seconds is None and args.start >= row["duration_s"]:
        return fail(prog, f"--start {args.start:g}: must be before the song's end ({row['duration_s']:.1f} s)")
    try:
        audio = read_audio(find_song(store, row["id"]).audio_path)
        plot_song(audio.samples, audio.sample_rate, row["beats_s"], row["downbeats_s"], out,
                  title=f"{row['title']} ({row['id']}): {row['tempo_bpm']:.1f} BPM, {row['beats_per_bar']}/bar",
                  start_s=args.start, seconds=args.seconds)
    except (AudioReadError, OSError) as exc:
        return fail(prog, f"cannot write {out}: {exc}", 1)
    if args.json:
        print(to_json({"id": row["id"], "path": out}))
    else:
        print(f"Wrote {out}")
    return 0


def _adjust(args, store, prog: str) -> int:
    from live.songs import adjust
    from live.songs.analysis import BeatAnalysis

    row, code = _row_of(store, args.name, prog)
    if row is None:
        return code
    analysis = BeatAnalysis.from_stored(row)
    try:
        if args.offset_ms is not None:
            new = adjust.offset(analysis, args.offset_ms)
        elif args.double:
            new = adjust.double(analysis)
        elif args.halve:
            new = adjust.halve(analysis)
        else:
            from live.commands.songs_tap import tap_refit

            new = tap_refit(args, store, row, analysis, prog)
            if isinstance(new, int):
                return new
    except ValueError as exc:
        return fail(prog, str(exc))
    if not new.beats_s:
        return fail(prog, "no beat would be left in the song")
    store.update_song_analysis(row["id"], new.stored())
    row = store.get_song_row(row["id"])
    if args.json:
        print(to_json(_full(row)))
        return 0
    print(f"Song {row['id']}: {new.adjustments[-1]}: {row['tempo_bpm']:.1f} BPM, {len(row['beats_s'])} beats, "
          f"{row['beats_per_bar']} beats per bar. Check it: live songs plot {row['id']}")
    return 0
