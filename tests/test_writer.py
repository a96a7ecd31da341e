"""The session writer thread: order, flush, and failures surfacing on the control thread."""

import threading

import pytest

from live.store.writer import SessionWriter


def test_writes_run_in_order_on_another_thread():
    seen, threads = [], set()
    w = SessionWriter()
    for i in range(100):
        w.submit(lambda i=i: (seen.append(i), threads.add(threading.get_ident())))
    w.flush()
    assert seen == list(range(100)) and threading.get_ident() not in threads
    w.close()


def test_a_failed_write_is_raised_on_the_next_call_and_later_writes_are_not_done():
    done = []
    w = SessionWriter()
    w.submit(lambda: 1 / 0)
    w.submit(done.append, "after")
    with pytest.raises(ZeroDivisionError):
        w.flush()
    assert done == []
    w.close()
