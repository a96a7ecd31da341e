"""Rhythmic entrainment (rhythmic auditory stimulation, synchronised tapping): a beat the client
taps or steps along with, run as a protocol of phases. Importing the package registers it."""

from live.activities.entrainment.activity import CuedPhase, Entrainment
from live.activities.entrainment.params import EntrainmentParams

__all__ = ["CuedPhase", "Entrainment", "EntrainmentParams"]
