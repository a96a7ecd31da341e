"""The compiled callbacks' LLVM IR, with names and labels taken out, to compare two versions.

    PYTHONPATH=OLD_CHECKOUT python benchmarks/callback_ir.py > before.txt
    python benchmarks/callback_ir.py > after.txt
    diff before.txt after.txt && echo identical

Prints, for the sampler callback and the JACK MIDI process callback, every line of the freshly
compiled IR (``cache=False``) with numba's mangled names, value names, block labels, comments
and metadata replaced by placeholders, so that moving the code between modules or renaming
constants shows no difference while any changed instruction does. Works on versions before
and after the callbacks moved to their own modules (``live/engine/sampler_callback.py``,
``jack_midi_callback.py``).
"""

from __future__ import annotations

import re


def _compilers():
    try:
        from live.engine.jack_midi_callback import compile_process
        from live.engine.sampler_callback import compile_callback
    except ImportError:  # before the split: both lived beside their Python side
        from live.engine.jack_midi import compile_process
        from live.engine.sampler import compile_callback
    return {"sampler": compile_callback, "jack_midi": compile_process}


def normalized(ir: str) -> list[str]:
    """IR lines without names, labels, comments, declarations or metadata."""
    out = []
    for line in ir.splitlines():
        line = line.split(";")[0].rstrip()
        if not line or line.startswith(("@_ZN08NumbaEnv", "declare", "attributes", "!", "source_filename",
                                        "target ")):
            continue
        line = re.sub(r"%[\w.$\"-]+", "%x", line)          # value names
        line = re.sub(r"@(cfunc\.)?_ZN[\w.$]+", "@fn", line)  # numba's mangled function names
        line = re.sub(r"!\d+", "!N", line)                  # metadata references
        line = re.sub(r"^[\w.$\"-]+:", "L:", line)          # block labels (bytecode offsets)
        out.append(line)
    return out


def main() -> None:
    for name, compile_ in _compilers().items():
        lines = normalized(compile_(cache=False).inspect_llvm())
        print(f"# {name}: {len(lines)} lines")
        print("\n".join(lines))


if __name__ == "__main__":
    main()
