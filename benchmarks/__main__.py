"""Run the benchmarks and print their tables (markdown) for docs/performance.md.

    python -m benchmarks                  everything (what ``make bench`` runs; the soak takes
                                          10 minutes of audio for the engine, 2 for the peer: ~22 min wall)
    python -m benchmarks --quick          everything but the slow ones (SLOW: the soak, busy_thread, records_export), ~2 min
    python -m benchmarks NAME [NAME ...]  just those, e.g. ``callback_load``
    python -m benchmarks soak --minutes 1 the soak, shorter (default 10 minutes)
    ... soak --peer-minutes M             the Python-callback peer's length (default 2; on the synchronous
                                          server it runs at ~0.3x real time: 2 min take ~8 min)

Each table is printed under the command that makes it.
"""

import argparse
import importlib
import platform
import sys
import time

# name -> (module in benchmarks/, function returning markdown lines)
BENCHMARKS = {
    "render_speed": ("render_speed", "run"),
    "render_backing": ("render_speed", "run_backing"),
    "startup": ("startup", "run"),
    "metrics": ("entrainment", "run_metrics"),
    "entrainment": ("entrainment", "run_accuracy"),
    "callback_load": ("jack_live", "run_callback_load"),
    "callback_load_sustained": ("jack_live", "run_callback_load_sustained"),
    "soundfont_render": ("soundfont_render", "run"),
    "soak": ("jack_live", "run_soak"),
    "busy_thread": ("busy_thread", "run"),
    "records_export": ("records", "run_export"),
    "writer_batches": ("records", "run_writer_batches"),
    "device_loss": ("device_loss", "run"),
    "touch_stamp": ("touch", "run_stamp"),
    "touch_delivery": ("touch", "run_delivery"),
    "echo_scoring": ("echo_scoring", "run"),
    "mic_onsets": ("mic_onsets", "run"),
    "mic_cost": ("mic_onsets", "run_cost"),
    "voice_pitch": ("voice_pitch", "run"),
    "voice_live": ("voice_pitch", "run_live"),
    "voice_clips": ("voice_clips", "run"),
    "song_warp": ("song_warp", "run"),
    "song_analysis": ("song_analysis", "run"),
}
ALL = list(BENCHMARKS)
SLOW = ["soak", "busy_thread", "records_export"]


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", metavar="NAME", help=f"default: all of {', '.join(ALL)}")
    ap.add_argument("--quick", action="store_true", help=f"leave out the slow ones ({', '.join(SLOW)})")
    ap.add_argument("--minutes", type=float, default=10.0, help="soak length, minutes of audio (default 10)")
    ap.add_argument("--peer-minutes", type=float, default=2.0,
                    help="the soak's Python-callback peer, minutes of audio (default 2)")
    args = ap.parse_args(argv)
    names = args.names or [n for n in ALL if not (args.quick and n in SLOW)]
    unknown = set(names) - set(ALL)
    if unknown:
        print(f"unknown benchmark(s) {sorted(unknown)}; known: {', '.join(ALL)}", file=sys.stderr)
        return 2
    print(f"<!-- {time.strftime('%Y-%m-%d')} {platform.machine()} {platform.python_version()} -->")
    for name in names:
        module, func = BENCHMARKS[name]
        kwargs = {"minutes": args.minutes, "peer_minutes": args.peer_minutes} if name == "soak" else {}
        shown = f"python -m benchmarks {name}"
        if kwargs and args.minutes != 10:
            shown += f" --minutes {args.minutes:g}"
        if kwargs and args.peer_minutes != 2:
            shown += f" --peer-minutes {args.peer_minutes:g}"
        print(f"\n### {name}  (`{shown}`)\n", flush=True)
        t0 = time.perf_counter()
        print("\n".join(getattr(importlib.import_module(f"benchmarks.{module}"), func)(**kwargs)), flush=True)
        print(f"\n({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
