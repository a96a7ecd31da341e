"""The session store: clients, sessions, runs, raw events, scored responses and summaries, in
one SQLite file by default or a PostgreSQL database given by URL.

:class:`Store` puts the store's rooms together; each is a part of its own:

- :mod:`~live.store.base`: opening (the schema created or migrated: :mod:`~live.store.migrations`,
  tables in :mod:`~live.store.schema`, connection settings in :mod:`~live.store.connection`),
  transactions, shared look-ups;
- :mod:`~live.store.sessions`: a session's start and end, writers gone, therapist notes;
- :mod:`~live.store.writes`: runs and the one batch writer (rows built by :mod:`~live.store.rows`);
- :mod:`~live.store.reads`: sessions, runs, summaries, events and responses read back;
- :mod:`~live.store.outages`: audio outages and the runs played again after them;
- :mod:`~live.store.clients_goals`: clients and goals;
- :mod:`~live.store.calibrations`: input and display latencies;
- :mod:`~live.store.songs`: the song library (each song's analysis and its audio);
- :mod:`~live.store.clips`: the audio input runs kept (a sung answer's window), read back.

Unknown session or run ids raise ``KeyError`` naming the id. Writing to a session or run that
is no longer running raises ``ValueError``. Frames are engine frames (integers).

Realtime-safe: no (database I/O; runs on the session writer thread, never in the callback).
"""

from __future__ import annotations

from live.store.base import SchemaVersionError
from live.store.calibrations import Calibrations
from live.store.clients_goals import ClientsGoals
from live.store.clips import Clips
from live.store.connection import StoreOpenError
from live.store.reads import Reads
from live.store.schema import SCHEMA_VERSION
from live.store.sessions import Sessions
from live.store.songs import Songs
from live.store.writes import Writes

__all__ = ["SCHEMA_VERSION", "SchemaVersionError", "Store", "StoreOpenError"]


class Store(Sessions, Writes, Reads, ClientsGoals, Calibrations, Songs, Clips):
    """Clients, sessions, runs and what was played, in one database.

    Open with :meth:`Store.open`; use as a context manager or call :meth:`close`.

    Realtime-safe: no.
    """
