"""Shared fixtures. Nothing here skips: a test that needs jackd fails when jackd is missing."""

from __future__ import annotations

import pytest

from jackutil import JackServer


@pytest.fixture
def jack_server():
    """A private ``jackd -d dummy -r 48000 -p 64`` (realtime when allowed), stopped afterwards.

    Function-scoped: start takes ~0.2-0.3 s here, and each test gets fresh frame times, xrun
    counts and no clients left over from another test. Subprocess clients take
    ``jack_server.env``; in-process ones (PortAudio) use ``jack_server.activate_environ()``.
    """
    with JackServer() as server:
        yield server
