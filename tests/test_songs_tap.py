"""``live songs adjust NAME --tap`` driven through its real terminal key path (a pseudo-terminal
fed spaces at the song's beats) with the player's clock as the seam: a grid at twice the
tempo is refitted to the taps, and the beats snapped back to their onsets."""

from __future__ import annotations

import json
import os
import threading
import time

import numpy as np
import pytest
from song_corpus import CORPUS, render

from live.cli import main
from live.commands import songs_tap
from live.songs.tapping import TerminalKeys

BAND = next(s for s in CORPUS if s.name == "band-100")
SPEED = 2.0  # the clock runs at 2x so the test taps a 100 BPM song in a few seconds


class ClockPlayer:
    """Plays nothing: the song position is the monotonic time since start, times SPEED."""

    def __init__(self, length_s: float):
        self.length_s = length_s
        self.t0 = None

    def start(self):
        self.t0 = time.monotonic()

    def position_s(self, host_s):
        return (host_s - self.t0) * SPEED

    def done(self):
        return self.position_s(time.monotonic()) > self.length_s

    def stop(self):
        pass


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def test_tapping_along_refits_a_doubled_grid_to_the_beats_on_their_onsets(tmp_path, monkeypatch, capsys):
    song = render(BAND, tmp_path / "corpus")
    db = str(tmp_path / "s.db")
    assert main(["songs", "add", str(song.path), "--db", db, "--json"]) == 0
    added = json.loads(capsys.readouterr().out)
    assert main(["songs", "adjust", added["id"], "--double", "--db", db]) == 0  # a wrong level to correct
    capsys.readouterr()
    master, slave = os.openpty()
    player = ClockPlayer(length_s=6.0)
    monkeypatch.setattr(songs_tap, "make_keys", lambda: TerminalKeys(slave))
    monkeypatch.setattr(songs_tap, "make_player", lambda samples, rate, device: player)
    late_s = 0.030  # the tapper's and the keyboard's lateness: the snapping takes it off
    taps = [b + late_s for b in song.beats_s if 1.0 < b < 5.5]

    def tapper():
        while player.t0 is None:
            time.sleep(0.001)
        for t in taps:
            time.sleep(max(0.0, player.t0 + t / SPEED - time.monotonic()))
            os.write(master, b" ")
        os.write(master, b"q")

    thread = threading.Thread(target=tapper)
    thread.start()
    code = main(["songs", "adjust", added["id"], "--tap", "--json", "--db", db])
    thread.join()
    os.close(master)
    out, err = capsys.readouterr()
    assert code == 0, err
    refit = json.loads(out)
    assert f"{len(taps)} taps." in err
    assert refit["adjustments"][0] == "double" and len(refit["adjustments"]) == 2
    assert refit["adjustments"][1].startswith(f"refit to {len(taps)} taps (level halved, grid moved +3")  # 30 ms late
    assert refit["tempo_bpm"] == pytest.approx(100.0, rel=0.01)
    assert np.allclose(refit["beats_s"], added["beats_s"], atol=0.001)


def test_too_few_taps_is_one_line(tmp_path, monkeypatch, capsys):
    song = render(BAND, tmp_path / "corpus")
    db = str(tmp_path / "s.db")
    assert main(["songs", "add", str(song.path), "--db", db]) == 0
    capsys.readouterr()
    master, slave = os.openpty()

    def keys():
        made = TerminalKeys(slave)  # cbreak mode flushes what was typed before
        os.write(master, b"  q")
        return made

    monkeypatch.setattr(songs_tap, "make_keys", keys)
    monkeypatch.setattr(songs_tap, "make_player", lambda samples, rate, device: ClockPlayer(length_s=30.0))
    code = main(["songs", "adjust", "band-100", "--tap", "--db", db])
    os.close(master)
    err = capsys.readouterr().err
    assert code == 2 and err.splitlines()[-1] == "live songs adjust: 2 taps: tap along at least 4 beats"
