"""The song library: a client's own songs, their beats tracked and corrected
(:mod:`~live.songs.analysis`), stored and found by name (:mod:`~live.songs.library`)."""
