"""Improvisation backing: a band in a key (drums, bass, chords in a style), pads that never sound
wrong, the therapist steering the harmony live. Importing the package registers it."""

from live.activities.improvisation.activity import Improvisation
from live.activities.improvisation.params import ImprovisationParams

__all__ = ["Improvisation", "ImprovisationParams"]
