"""Activities: pure Python over the engine's small interface (no audio, MIDI or UI imports)."""
