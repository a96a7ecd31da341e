"""The one session loop, shared by ``live demo`` (offline) and ``live run`` (live)."""
