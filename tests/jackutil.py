"""Real JACK graphs for tests: a private ``jackd -d dummy`` server and helper client processes.

DESIGN.md 8.3. ``JackServer`` starts ``jackd -n <unique> -R -P 70 -d dummy -r 48000 -p 64``,
waits until ``jack_wait -s <name> -c`` reports ``running`` and, on exit, stops jackd and removes
its ``/dev/shm`` leftovers. A missing ``jackd`` raises :class:`JackServerError`: tests that need
a JACK graph fail, they never skip.

Realtime: ``realtime="auto"`` (the default) first starts jackd with ``-R -P 70``. If that jackd
exits during start, it retries once with ``--no-realtime``. Note that jackd2 does *not* exit when
the kernel refuses realtime scheduling: it prints ``Cannot use real-time scheduling`` and runs on
without it. So the mode is checked after start from the scheduling policy of jackd's threads in
``/proc`` and recorded in ``.mode``:

- ``"realtime"``: started with ``-R`` and a jackd thread runs SCHED_FIFO/SCHED_RR;
- ``"realtime-denied"``: started with ``-R``, but no thread got a realtime policy;
- ``"no-realtime"``: started with ``--no-realtime``.

Synchronous mode (``sync=True`` adds ``-S``; fixture ``jack_server_sync``). By default jackd2
runs asynchronously: a client that is not finished when the cycle ends is an xrun, the cycle
goes on without it, and a callback that runs late reads the *next* cycle's ``last_frame_time``
(seen here: a late block is stamped one period late and the next one gets the same stamp; the
recorder counts both as ``gaps``). On this shared 2-core VM that happens several times in ten
seconds even for C clients (jack_metro) and more often for Python ones, so an exact-frame
assertion against the async server is flaky through no fault of the code under test. With
``-S`` the server waits for every client each cycle: a late client delays the (dummy) clock and
is still reported as an xrun by jackd and the clients' xrun callbacks, but no block is skipped
and every frame stamp is right. Use ``sync=True`` to check frames exactly; use the default to
measure how often a client is late against a real-time clock: there jackd names the late client
(``late_clients()``), so the engine's xruns can be counted apart from the harness's. In sync mode
jackd only reports that the driver cycle ran late, without a client name.

Client processes (``jack_player.py``, ``jack_clapper.py``, ``jack_recorder.py``, the MIDI
harness and receiver; their shared contract is ``jack_harness_base.py``'s) get ``server.env``:
``JACK_DEFAULT_SERVER=<name>`` and ``JACK_NO_START_SERVER=1`` on a copy of ``os.environ``. For
an in-process JACK client (PortAudio through sounddevice), ``server.activate_environ()`` sets the
same variables in ``os.environ``; PortAudio reads them at initialisation, so
``sounddevice._terminate(); sounddevice._initialize()`` inside that block (and
``sounddevice._terminate()`` again before the server stops: DESIGN.md 8.3).
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterator

HERE = Path(__file__).resolve().parent
RECORDER_SCRIPT = HERE / "jack_recorder.py"
PLAYER_SCRIPT = HERE / "jack_player.py"
CLAPPER_SCRIPT = HERE / "jack_clapper.py"
MIDI_HARNESS_SCRIPT = HERE / "jack_midi_harness.py"
MIDI_RECEIVER_SCRIPT = HERE / "jack_midi_receiver.py"
SHM_DIR = Path("/dev/shm")

_counter = itertools.count(1)
_LATE_CLIENT = re.compile(r"client = (.+?) was not finished")

_INSTALL_HINT = (
    "install it (Debian/Ubuntu: DEBIAN_FRONTEND=noninteractive apt-get install -y "
    "--no-install-recommends jackd2 libjack-jackd2-0); tests that need a JACK graph fail "
    "without it, they do not skip"
)


class JackServerError(RuntimeError):
    """jackd is missing, did not start in time, or a helper JACK client failed."""


def unique_server_name(prefix: str = "jacktest") -> str:
    """A server name unique to this process and call: ``<prefix>-<pid>-<n>``.

    Never give a JACK client the same name as its server: jackd2 names the server's socket
    ``/dev/shm/jack_<server>_<uid>_0`` and a client's ``jack_<client>_<uid>_0``, so such a client
    replaces the server's socket and every later client fails with "Cannot connect to server
    socket" (seen here). ``JackClientProcess`` refuses a ``--name`` equal to the server's.
    """
    return f"{prefix}-{os.getpid()}-{next(_counter)}"


def jack_env(server_name: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """A copy of ``base`` (default ``os.environ``) that points libjack at ``server_name``."""
    env = dict(os.environ if base is None else base)
    env["JACK_DEFAULT_SERVER"] = server_name
    env["JACK_NO_START_SERVER"] = "1"
    return env


def shm_leftovers(server_name: str) -> list[Path]:
    """Files in /dev/shm that belong to the server ``server_name`` (semaphores and sockets).

    jackd2 names them ``jack_sem.<uid>_<name>_<client>`` and ``jack_<name>_<uid>_<n>``. The
    shared ``jack-shm-registry``, ``jack-<uid>-<n>`` segments and ``jack_db-<uid>`` belong to no
    single server and are left alone. The ``_`` after the name keeps ``...-1`` from matching
    ``...-10``.
    """
    esc = glob.escape(server_name)
    found = set(glob.glob(str(SHM_DIR / f"jack_sem.*_{esc}_*")))
    found |= set(glob.glob(str(SHM_DIR / f"jack_{esc}_*")))
    return sorted(Path(p) for p in found)


def jack_wait_check(server_name: str, jack_wait: str = "jack_wait", timeout_s: float = 5.0) -> bool:
    """True when ``jack_wait -s <name> -c`` prints ``running`` (it prints ``not running`` else)."""
    try:
        out = subprocess.run(
            [jack_wait, "-s", server_name, "-c"],
            env=jack_env(server_name),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
    except subprocess.TimeoutExpired:
        return False
    return out.stdout.strip().splitlines()[:1] == ["running"]


def _thread_policies(pid: int) -> list[tuple[int, int]] | None:
    """(policy, rt_priority) of each thread of ``pid`` from /proc; None when unreadable."""
    task_dir = Path(f"/proc/{pid}/task")
    try:
        tids = list(task_dir.iterdir())
    except OSError:
        return None
    result = []
    for tid in tids:
        try:
            stat = (tid / "stat").read_text()
        except OSError:
            continue
        # Fields after "(comm)": field 3 is at index 0, rt_priority is field 40, policy field 41.
        rest = stat[stat.rindex(")") + 2 :].split()
        result.append((int(rest[38]), int(rest[37])))
    return result


class JackServer:
    """A private jackd with the dummy driver, as a context manager.

    Attributes after ``start()``: ``name``, ``sample_rate``, ``period_frames``, ``env``,
    ``mode`` (see module doc), ``realtime`` (bool: a jackd thread runs SCHED_FIFO/RR),
    ``rt_priorities`` (realtime priorities seen on jackd's threads), ``start_seconds`` (from
    launch of the jackd that came up to ``running``), ``attempts`` (one line per launch),
    ``pid``. After ``stop()``: ``returncode``, ``removed_leftovers`` and ``stderr_text``.
    """

    def __init__(
        self,
        name: str | None = None,
        *,
        sample_rate: int = 48000,
        period_frames: int = 64,
        realtime: bool | str = "auto",
        priority: int = 70,
        timeout_s: float = 10.0,
        driver: str = "dummy",
        sync: bool = False,
        server_args: tuple[str, ...] = (),
        jackd: str = "jackd",
        jack_wait: str = "jack_wait",
    ) -> None:
        if realtime not in (True, False, "auto"):
            raise ValueError(f"realtime must be True, False or 'auto', not {realtime!r}")
        self.name = name or unique_server_name()
        self.sample_rate = int(sample_rate)
        self.period_frames = int(period_frames)
        self.realtime_request = realtime
        self.priority = int(priority)
        self.timeout_s = float(timeout_s)
        self.driver = driver
        self.sync = bool(sync)
        self.server_args = tuple(server_args)
        self.jackd = jackd
        self.jack_wait = jack_wait
        self._jackd_path, self._jack_wait_path = jackd, jack_wait  # resolved in start()
        self.env = jack_env(self.name)
        self.mode: str | None = None
        self.realtime = False
        self.rt_priorities: list[int] = []
        self.start_seconds: float | None = None
        self.attempts: list[str] = []
        self.returncode: int | None = None
        self.removed_leftovers: list[Path] = []
        self.stderr_text = ""
        self._proc: subprocess.Popen | None = None
        self._logdir: tempfile.TemporaryDirectory | None = None
        self._stderr_path: Path | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> "JackServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def command(self, realtime: bool) -> list[str]:
        rt = ["-R", "-P", str(self.priority)] if realtime else ["--no-realtime"]
        return [
            self._jackd_path, "-n", self.name, *rt, *(["-S"] if self.sync else []),
            *self.server_args,
            "-d", self.driver, "-r", str(self.sample_rate), "-p", str(self.period_frames),
        ]

    def start(self) -> "JackServer":
        if self._proc is not None:
            raise JackServerError(f"JACK server {self.name!r} already started")
        jackd = shutil.which(self.jackd)
        if jackd is None:
            raise JackServerError(f"jackd not found on PATH ({self.jackd!r}): {_INSTALL_HINT}")
        jack_wait = shutil.which(self.jack_wait)
        if jack_wait is None:
            raise JackServerError(
                f"jack_wait not found on PATH ({self.jack_wait!r}): {_INSTALL_HINT}"
            )
        self._jackd_path, self._jack_wait_path = jackd, jack_wait
        if shm_leftovers(self.name):
            raise JackServerError(
                f"/dev/shm already holds files of a JACK server named {self.name!r}: "
                f"{[str(p) for p in shm_leftovers(self.name)]}"
            )
        self._logdir = tempfile.TemporaryDirectory(prefix=f"jackd-{self.name}-")
        plan = [True, False] if self.realtime_request == "auto" else [bool(self.realtime_request)]
        failures = []
        for i, realtime in enumerate(plan):
            try:
                self._launch(realtime, attempt=i)
                return self
            except _EarlyExit as e:
                failures.append(str(e))
                continue
            except BaseException:
                self._cleanup_after_failure()
                raise
        self._cleanup_after_failure()
        raise JackServerError(
            f"jackd for server {self.name!r} did not start:\n" + "\n".join(failures)
        )

    def _launch(self, realtime: bool, attempt: int) -> None:
        assert self._logdir is not None
        cmd = self.command(realtime)
        self._stderr_path = Path(self._logdir.name) / f"jackd-{attempt}.stderr"
        stdout_path = Path(self._logdir.name) / f"jackd-{attempt}.stdout"
        # Files, not pipes: a pipe nobody reads can fill and block jackd on an xrun message.
        with open(self._stderr_path, "wb") as err, open(stdout_path, "wb") as out:
            t0 = time.monotonic()
            self._proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=self.env,
            )
        deadline = t0 + self.timeout_s
        while True:
            rc = self._proc.poll()
            if rc is not None:
                self.attempts.append(f"{' '.join(cmd)}: exited with {rc}")
                text = self._read_stderr()
                self._proc = None
                raise _EarlyExit(f"$ {' '.join(cmd)}\nexited with code {rc}; jackd stderr:\n{text}")
            left_s = max(0.5, deadline - time.monotonic())
            if jack_wait_check(self.name, self._jack_wait_path, timeout_s=left_s):
                break
            if time.monotonic() > deadline:
                text = self._read_stderr()
                self.attempts.append(f"{' '.join(cmd)}: timeout")
                self._terminate_proc()
                raise JackServerError(
                    f"JACK server {self.name!r} not running after {self.timeout_s:.1f} s "
                    f"(jack_wait -s {self.name} -c)\n$ {' '.join(cmd)}\njackd stderr:\n{text}"
                )
            time.sleep(0.02)
        self.start_seconds = time.monotonic() - t0
        self.attempts.append(f"{' '.join(cmd)}: running after {self.start_seconds:.3f} s")
        self._record_mode(realtime)

    def _record_mode(self, realtime: bool) -> None:
        if not realtime:
            self.mode, self.realtime = "no-realtime", False
            return
        denied_msg = "Cannot use real-time scheduling"
        deadline = time.monotonic() + 0.5
        while True:
            policies = _thread_policies(self._proc.pid)
            if policies is None:  # no /proc: trust jackd's own message
                self.realtime = denied_msg not in self._read_stderr()
                break
            self.rt_priorities = sorted(prio for pol, prio in policies if pol in (1, 2))
            self.realtime = bool(self.rt_priorities)
            if self.realtime or denied_msg in self._read_stderr() or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        self.mode = "realtime" if self.realtime else "realtime-denied"

    def kill(self) -> None:
        """Kill jackd with SIGKILL (a crash: no goodbye to its clients), wait, remove /dev/shm
        leftovers. Its slot in JACK's server registry (``/dev/shm/jack-shm-registry``, 8 slots
        for the whole machine) stays taken until a server of the same name starts again: start
        one (``JackServer(name=...).start()``) and ``stop()`` it, or no jackd can start on the
        machine after 8 such kills ("Too many servers already active")."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(timeout=10)
        self.stop()

    def stop(self) -> None:
        """Terminate jackd (SIGTERM, then SIGKILL after 5 s), wait, remove /dev/shm leftovers."""
        if self._proc is not None:
            self._terminate_proc()
        self.removed_leftovers = []
        for path in shm_leftovers(self.name):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                self.removed_leftovers.append(path)
        if self._logdir is not None:
            self.stderr_text = self._read_stderr()
            self._logdir.cleanup()
            self._logdir = None

    def _terminate_proc(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        self.returncode = proc.returncode

    def _cleanup_after_failure(self) -> None:
        if self._proc is not None:
            self._terminate_proc()
        for path in shm_leftovers(self.name):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        if self._logdir is not None:
            self._logdir.cleanup()
            self._logdir = None

    # -- inspection --------------------------------------------------------------------------

    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None and jack_wait_check(
            self.name, self._jack_wait_path
        )

    def _read_stderr(self) -> str:
        if self._stderr_path is None:
            return self.stderr_text
        try:
            return self._stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            return self.stderr_text

    def log(self) -> str:
        """jackd's stderr so far (after stop(): all of it)."""
        return self._read_stderr() if self._logdir is not None else self.stderr_text

    def xrun_messages(self) -> list[str]:
        """jackd's own xrun reports so far (e.g. ``JackTimedDriver::Process XRun = 4 usec``).

        The dummy driver reports a few of its own, mostly around client (de)activation:
        count engine-caused xruns separately (DESIGN.md 8.3).
        """
        return [line for line in self.log().splitlines() if "xrun" in line.lower()]

    def late_clients(self) -> dict[str, int]:
        """Client name -> how often jackd reported it "not finished" at the end of a cycle so far.

        Async mode only (jackd's ``JackEngine::XRun: client = <name> was not finished``).
        """
        counts: dict[str, int] = {}
        for line in self.log().splitlines():
            m = _LATE_CLIENT.search(line)
            if m:
                counts[m.group(1)] = counts.get(m.group(1), 0) + 1
        return counts

    @contextlib.contextmanager
    def activate_environ(self) -> Iterator["JackServer"]:
        """Point this process's libjack (e.g. PortAudio's JACK host API) at this server."""
        keys = ("JACK_DEFAULT_SERVER", "JACK_NO_START_SERVER")
        saved = {k: os.environ.get(k) for k in keys}
        os.environ.update({k: self.env[k] for k in keys})
        try:
            yield self
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def __repr__(self) -> str:
        return (
            f"JackServer(name={self.name!r}, mode={self.mode!r}, sample_rate={self.sample_rate}, "
            f"period_frames={self.period_frames}, pid={self.pid})"
        )


class _EarlyExit(Exception):
    pass


class JackClientProcess:
    """A helper JACK client script run as a subprocess with the server's environment.

    The script prints a line ``ready`` on stderr once its ports are connected, and one JSON
    object on stdout when it ends. Closing its stdin (``result(close_stdin=True)``) or SIGTERM
    ends it early (jack_harness_base.py).
    """

    def __init__(self, script: Path, args: list[str], env: dict[str, str], label: str) -> None:
        self.label = label
        server = env.get("JACK_DEFAULT_SERVER")
        names = [args[i + 1] for i, a in enumerate(args[:-1]) if a == "--name"]
        names += [a.split("=", 1)[1] for a in args if a.startswith("--name=")]
        if server is not None and server in names:
            raise ValueError(
                f"{label}: JACK client name {server!r} is the server's name; jackd2 would lose "
                f"its socket (/dev/shm/jack_{server}_<uid>_0) and no later client could connect"
            )
        self.cmd = [sys.executable, "-u", str(script), *args]
        self._proc = subprocess.Popen(
            self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=env, text=True,
        )
        self._stderr_lines: list[str] = []
        self._stdout = ""
        self._ready = threading.Event()
        self._t_err = threading.Thread(target=self._read_err, daemon=True)
        self._t_out = threading.Thread(target=self._read_out, daemon=True)
        self._t_err.start()
        self._t_out.start()

    def _read_err(self) -> None:
        for line in self._proc.stderr:
            self._stderr_lines.append(line)
            if line.strip() == "ready":
                self._ready.set()

    def _read_out(self) -> None:
        self._stdout = self._proc.stdout.read()

    @property
    def pid(self) -> int:
        return self._proc.pid

    @property
    def stderr(self) -> str:
        return "".join(self._stderr_lines)

    def _fail(self, what: str) -> JackServerError:
        return JackServerError(
            f"{self.label}: {what}\n$ {' '.join(self.cmd)}\nstderr:\n{self.stderr}"
            f"stdout:\n{self._stdout}"
        )

    def wait_ready(self, timeout_s: float = 10.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not self._ready.wait(0.02):
            if self._proc.poll() is not None:
                self._t_err.join(1)
                if self._ready.is_set():
                    return
                raise self._fail(f"exited with code {self._proc.returncode} before 'ready'")
            if time.monotonic() > deadline:
                raise self._fail(f"not ready after {timeout_s:.1f} s")

    def send_line(self, line: str = "go") -> None:
        """Write one line to the process's stdin (``jack_midi_harness.py`` takes it as *go*)."""
        try:
            self._proc.stdin.write(line.rstrip("\n") + "\n")
            self._proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            raise self._fail("stdin closed: the process has ended") from None

    go = send_line

    def close_stdin(self) -> None:
        with contextlib.suppress(BrokenPipeError, OSError):
            self._proc.stdin.close()

    def result(self, timeout_s: float = 10.0, close_stdin: bool = False) -> dict:
        """Wait for the process to end and return its JSON; raise with its stderr on failure."""
        if close_stdin:
            self.close_stdin()
        try:
            self._proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.terminate()
            raise self._fail(f"did not finish within {timeout_s:.1f} s") from None
        self._t_out.join(5)
        self._t_err.join(5)
        if self._proc.returncode != 0:
            raise self._fail(f"exited with code {self._proc.returncode}")
        try:
            return json.loads(self._stdout)
        except json.JSONDecodeError:
            raise self._fail("stdout is not one JSON object") from None

    def terminate(self) -> None:
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=5)
        self.close_stdin()

    def __enter__(self) -> "JackClientProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.terminate()


def start_recorder(
    server: JackServer,
    connect_from: str,
    *,
    seconds: float = 5.0,
    name: str = "recorder",
    channels: int = 1,
    threshold: float = 0.05,
    min_gap: int = 256,
    wait_s: float = 5.0,
    save: str | os.PathLike | None = None,
) -> JackClientProcess:
    """Start ``jack_recorder.py`` (see its doc); then ``.wait_ready()`` and ``.result(...)``.

    ``.result(close_stdin=True)`` ends the recording early; it ends by itself after
    ``seconds`` of audio. ``min_gap``: quiet frames required before an onset.
    """
    args = [
        "--name", name, "--connect-from", connect_from, "--seconds", str(seconds),
        "--channels", str(channels), "--threshold", str(threshold),
        "--min-gap", str(min_gap), "--wait", str(wait_s),
    ]
    if save is not None:
        args += ["--save", str(save)]
    return JackClientProcess(RECORDER_SCRIPT, args, server.env, f"jack_recorder {name!r}")


def start_player(
    server: JackServer,
    *,
    name: str = "player",
    period: int = 4800,
    count: int = 10,
    delay_s: float = 0.05,
    seconds: float = 10.0,
) -> JackClientProcess:
    """Start ``jack_player.py``: ``count`` 1.0 impulses ``period`` frames apart, once connected.

    It ends by itself after the last impulse; ``.result()`` waits for that.
    """
    args = [
        "--name", name, "--period", str(period), "--count", str(count),
        "--delay", str(delay_s), "--seconds", str(seconds),
    ]
    return JackClientProcess(PLAYER_SCRIPT, args, server.env, f"jack_player {name!r}")


def start_clapper(
    server: JackServer,
    wave: str | os.PathLike,
    at_s: list[float],
    *,
    name: str = "clapper",
    seconds: float = 20.0,
) -> JackClientProcess:
    """Start ``jack_clapper.py``: the sound in the .npy file ``wave`` from each of ``at_s``
    (seconds after its port ``<name>:out_1`` gets its first connection; increasing).

    It ends by itself after the last sound; ``.result()`` waits for that (``close_stdin=True``
    ends it early) and returns each sound's first frame (``onset_frames``).
    """
    args = ["--name", name, "--wave", str(wave), "--at", ",".join(map(str, at_s)),
            "--seconds", str(seconds)]
    return JackClientProcess(CLAPPER_SCRIPT, args, server.env, f"jack_clapper {name!r}")


def _cli_args(options: dict) -> list[str]:
    """``{"spacing_frames": 600, "go_immediately": True, "notes": [38, 40]}`` ->
    ``["--spacing-frames", "600", "--go-immediately", "--notes", "38,40"]``.

    ``False``/``None`` leave an option out; lists and tuples of numbers are joined with commas;
    ``events`` (a list of ``[delay_s, controller, value]``) and ``note_events`` (``[frame,
    channel, note, velocity]``) are passed as JSON.
    """
    args: list[str] = []
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            args.append(flag)
        elif key in ("events", "note_events"):
            args += [flag, value if isinstance(value, str) else json.dumps(value)]
        elif isinstance(value, (list, tuple)):
            args += [flag, ",".join(str(v) for v in value)]
        else:
            args += [flag, str(value)]
    return args


def start_midi_harness(server: JackServer, mode: str, **options) -> JackClientProcess:
    """Start ``jack_midi_harness.py MODE`` (see its doc for the options and the JSON it prints).

    ``mode``: ``"notes"``, ``"cc"`` or ``"tapper"``. Options are its long command-line options
    with ``_`` for ``-``: e.g. ``name="midi-harness"``, ``connect_to="live-midi:in"``,
    ``wait=5.0``, ``record_from="live:"``, ``count=64``, ``spacing_frames=601``,
    ``notes=[38, 40]``, ``events=[[0.1, 7, 100]]``, ``latency_frames=-100``,
    ``disconnect_at=0.3``, ``reconnect_at=0.6``, ``go_immediately=True``.

    Then ``.wait_ready()``, ``.go()`` (one line on its stdin starts the schedule; not needed
    with ``go_immediately=True``) and ``.result(timeout_s)``: it ends by itself once its
    schedule is sent and ``tail`` seconds have passed; ``.result(close_stdin=True)`` ends it
    early. Remember the name: never the server's (``JackClientProcess`` refuses it).
    """
    options.setdefault("name", "midi-harness")
    args = [mode, *_cli_args(options)]
    return JackClientProcess(
        MIDI_HARNESS_SCRIPT, args, server.env, f"jack_midi_harness {mode} {options['name']!r}"
    )


def start_midi_receiver(
    server: JackServer, *, name: str = "live-midi", port: str = "in", seconds: float = 30.0
) -> JackClientProcess:
    """Start ``jack_midi_receiver.py``: a MIDI input ``<name>:<port>`` that stamps every event
    with its JACK frame. ``.result(close_stdin=True)`` ends it and returns what it received."""
    args = ["--name", name, "--port", port, "--seconds", str(seconds)]
    return JackClientProcess(MIDI_RECEIVER_SCRIPT, args, server.env, f"jack_midi_receiver {name!r}")
