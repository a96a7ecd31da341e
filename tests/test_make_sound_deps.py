"""``make demo``'s sound packages: installed from apt when root; as a user without them, one line
says live plays its built-in synthesized instruments and what to install, and make goes on."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _as_user() -> list[str]:
    """Run as the unprivileged user ``nobody`` when we are root (CI is), else as ourselves."""
    return ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []


def test_make_sound_deps_as_a_user_without_the_packages_says_so_in_one_line_and_succeeds():
    with tempfile.TemporaryDirectory(prefix="live-clone-") as where:  # pytest's tmp_path is root's alone
        work = Path(where)
        shutil.copy(ROOT / "Makefile", work / "Makefile")
        os.chmod(work, 0o755)
        os.chmod(work / "Makefile", 0o644)
        done = _sound_deps(work)
    assert done.returncode == 0, done.stderr
    assert "installing" not in done.stdout
    lines = [line for line in done.stderr.splitlines() if not line.startswith("make")]
    assert lines == ["live will play its built-in synthesized instruments (missing: libfluidsynth3 "
                     "timgm6mb-soundfont); for General MIDI sounds run "
                     "'sudo apt-get install libfluidsynth3 timgm6mb-soundfont'"]


def _sound_deps(work: Path) -> subprocess.CompletedProcess:
    """``make sound-deps`` in ``work`` as a user, as on a machine without the packages."""
    return subprocess.run(
        [*_as_user(), "make", "-s", "-C", str(work), "sound-deps", "GM_SOUNDFONT=/nowhere/TimGM6mb.sf2",
         "FLUIDSYNTH_LIB=libnothing-here.so.9"],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def test_make_sound_deps_with_the_packages_installed_says_nothing():
    done = subprocess.run(["make", "-s", "-C", str(ROOT), "sound-deps"], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_make_test_and_demo_name_the_sound_packages():
    text = (ROOT / "Makefile").read_text()
    assert "SOUND_PACKAGES := libfluidsynth3 timgm6mb-soundfont" in text
    assert "APT_PACKAGES := " in text and "$(SOUND_PACKAGES)" in text.split("APT_PACKAGES := ")[1].splitlines()[0]
    assert "demo: sound-deps " in text
