"""The audio engine: sampler callback, drivers, sample bank, tempo map.

Nothing here imports activities, UI or storage.
"""
