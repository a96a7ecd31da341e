"""Session data: the store of clients, sessions, runs, events, responses and summaries."""
