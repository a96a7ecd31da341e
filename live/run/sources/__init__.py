"""Input sources of a session (:class:`live.activities.types.InputSource`), one module each."""
