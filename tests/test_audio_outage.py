"""The pieces of device-loss handling that need no audio server: when the clock counts as
stopped, where the timeline picks up, the pacing of attempts, and attempts on their own thread."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

import pytest

from live.run.outage import Attempt, Outage, Retry, ServerWatch, StallWatch, close_within, resume_frame

RATE = 48_000


def _outage(start_frame=480_000, stopped_ns=10_000_000_000):
    return Outage(start_frame, stopped_ns, datetime(2026, 1, 1, tzinfo=timezone.utc), "audio", 1, 2)


def test_stall_watch_says_stopped_only_after_the_clock_stood_still_for_the_timeout():
    watch = StallWatch(1.0)
    assert not watch.stalled(100, 0.0)
    assert not watch.stalled(100, 0.9)
    assert not watch.stalled(164, 1.5)  # it moved: counting starts again
    assert not watch.stalled(164, 2.5)
    assert watch.stalled(164, 2.51)
    watch.restart(3.0)
    assert not watch.stalled(164, 3.5) and not watch.stalled(164, 4.4) and watch.stalled(164, 4.6)
    with pytest.raises(ValueError, match="timeout_s: 0: must be more than 0 s"):
        StallWatch(0)


def test_the_timeline_resumes_at_the_last_frame_plus_the_outage_on_the_monotonic_clock():
    outage = _outage()
    assert resume_frame(outage, outage.stopped_ns + 3_500_000_000, RATE) == 480_000 + 168_000
    assert resume_frame(outage, outage.stopped_ns + 1, RATE) == 480_001  # always at least one frame on
    assert resume_frame(outage, outage.stopped_ns - 5, RATE) == 480_001


def test_retry_paces_attempts_backs_off_and_reminds():
    retry = Retry(0.0, every_s=0.25, remind_s=15.0)
    assert retry.due(0.0) and not retry.due(0.1) and retry.due(0.25)
    retry.back_off(0.3, 2.0)
    assert not retry.due(1.0) and retry.due(2.3)
    assert retry.attempts == 3
    assert not retry.remind(14.9) and retry.remind(15.0) and not retry.remind(20.0) and retry.remind(30.0)


def test_server_watch_waits_until_the_server_has_answered_for_the_settle_time():
    watch = ServerWatch(0.5)
    assert not watch.settled(False, 0.0)
    assert not watch.settled(True, 1.0) and not watch.settled(True, 1.4)
    assert watch.settled(True, 1.5)
    assert not watch.settled(False, 1.6)  # gone again: start over
    assert not watch.settled(True, 2.0) and watch.settled(True, 2.5)


def test_an_attempt_runs_on_its_own_thread_and_reports_result_failure_or_timeout():
    release = threading.Event()
    done = Attempt(lambda: ("edges", 1, 2), timeout_s=5)
    failed = Attempt(lambda: 1 / 0, timeout_s=5)
    stuck = Attempt(release.wait, timeout_s=0.05)  # like PortAudio waiting on a graph that never runs
    time.sleep(0.1)
    now = time.monotonic()
    assert done.poll(now) == ("done", ("edges", 1, 2))
    status, error = failed.poll(now)
    assert status == "failed" and isinstance(error, ZeroDivisionError)
    assert stuck.poll(stuck.started_s) == ("pending", None)
    assert stuck.poll(now) == ("timed out", None)  # the control loop never waited on it
    release.set()


def test_close_within_gives_up_on_a_close_that_blocks():
    release = threading.Event()
    t0 = time.monotonic()
    assert close_within(lambda: None, 1.0, "quick")
    assert not close_within(release.wait, 0.05, "blocked")
    assert time.monotonic() - t0 < 1.0
    release.set()
