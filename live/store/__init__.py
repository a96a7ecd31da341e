"""The session store: schema, migrations, connection, writes and reads, and the records made
from it (exports, reports, goals)."""
