"""The session note's plots of call-and-response runs.

Realtime-safe: no.
"""

from __future__ import annotations

__all__ = ["NOTE_PLOTS"]

NOTE_PLOTS: tuple = ()
