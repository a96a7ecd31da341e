"""live: a real-time instrument for music-therapy sessions.

One clock everywhere: the engine's frame counter (integer samples since the stream started).
Seconds and beats are derived from frames, never the other way round.
"""

__version__ = "0.1.0"
