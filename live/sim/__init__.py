"""Simulated clients: input sources that play like a person, seeded and reproducible."""
