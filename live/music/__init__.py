"""Music theory for the activities: scales and modes, note names, chords, roman numerals,
voicings with smooth voice leading, and chord recognition.

Pure functions over integers (MIDI note numbers 0..127, C4 = 60; pitch classes 0..11, C = 0).
This layer imports nothing else of ``live``; every layer above the engine may import it.

Realtime-safe: no (control thread; allocates).
"""
