"""Run the benchmarks and print their tables (markdown) for docs/performance.md."""

import importlib
import platform
import sys
import time

ALL = ["render_speed", "startup"]


def main(names: list[str]) -> int:
    names = names or ALL
    unknown = set(names) - set(ALL)
    if unknown:
        print(f"unknown benchmark(s) {sorted(unknown)}; known: {', '.join(ALL)}", file=sys.stderr)
        return 2
    print(f"<!-- {time.strftime('%Y-%m-%d')} {platform.machine()} {platform.python_version()} -->")
    for name in names:
        print(f"\n### {name}  (`python -m benchmarks {name}`)\n")
        t0 = time.perf_counter()
        print("\n".join(importlib.import_module(f"benchmarks.{name}").run()))
        print(f"\n({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
