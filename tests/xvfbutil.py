"""A private Xvfb server for UI tests: a real X display with no screen, driven by xdotool."""

from __future__ import annotations

import os
import subprocess
import time


class Xvfb:
    """``Xvfb :N -screen 0 WxHx24`` on the first free display number from 90; ``.env`` has DISPLAY.

    A context manager: stops the server (and removes its lock file) on exit.
    """

    def __init__(self, width: int = 1024, height: int = 768) -> None:
        self.width, self.height = width, height
        self.proc: subprocess.Popen | None = None
        self.display = ""
        self.env: dict[str, str] = {}

    def __enter__(self) -> "Xvfb":
        for n in range(90, 200):
            if os.path.exists(f"/tmp/.X{n}-lock") or os.path.exists(f"/tmp/.X11-unix/X{n}"):
                continue
            self.display = f":{n}"
            self.proc = subprocess.Popen(["Xvfb", self.display, "-screen", "0", f"{self.width}x{self.height}x24",
                                          "-nolisten", "tcp", "-noreset"],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            self.env = dict(os.environ, DISPLAY=self.display)
            self.env.pop("SDL_VIDEODRIVER", None)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.proc.poll() is None:
                if self.xdotool("getdisplaygeometry", check=False).returncode == 0:
                    return self
                time.sleep(0.05)
            self.stop()
        raise RuntimeError("could not start Xvfb on any display :90..:199")

    def xdotool(self, *args: str, check: bool = True, timeout_s: float = 10) -> subprocess.CompletedProcess:
        return subprocess.run(["xdotool", *args], env=self.env, capture_output=True, text=True, check=check,
                              timeout=timeout_s)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None

    def __exit__(self, *exc) -> None:
        self.stop()
