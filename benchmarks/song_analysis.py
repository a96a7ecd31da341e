"""Song analysis (live.songs.analysis) on the test corpus (tests/song_corpus.py: songs rendered
from MIDI with FluidSynth and the GM SoundFont, 60..160 BPM, one with rubato, beats known):

- beat F-measure (mir_eval, 70 ms) and mean bias (ms, later positive, beats within 70 ms of a
  true beat) of librosa 0.11.0's own beats and of the corrected beats live stores;
- analysis time per minute of song (wall seconds; the first song also pays numba's and
  librosa's warm-up, so it is shown apart and left out of the median).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

TESTS = Path(__file__).resolve().parent.parent / "tests"
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

import mir_eval  # noqa: E402
import song_corpus  # noqa: E402

from live.songs.analysis import analyse  # noqa: E402
from live.songs.audio import read_audio  # noqa: E402


def _bias_ms(truth: np.ndarray, beats: np.ndarray) -> float:
    d = np.array([b - truth[np.argmin(np.abs(truth - b))] for b in beats])
    return float(1000 * d[np.abs(d) <= 0.07].mean())


def run() -> list[str]:
    lines = ["| song | tempo (BPM) | length (s) | raw F / bias (ms) | corrected F / bias (ms) | analysis (s per min) |",
             "|---|---|---|---|---|---|"]
    per_min = []
    with tempfile.TemporaryDirectory(prefix="live-song-corpus-") as folder:
        for k, spec in enumerate(song_corpus.CORPUS):
            song = song_corpus.render(spec, Path(folder))
            audio = read_audio(song.path)
            t0 = time.perf_counter()
            result = analyse(audio.samples, audio.sample_rate)
            took = (time.perf_counter() - t0) / (audio.duration_s / 60)
            if k:
                per_min.append(took)
            raw, fixed = np.array(result.raw_beats_s), np.array(result.beats_s)
            lines.append(f"| {spec.name} | {result.tempo_bpm:.1f} | {audio.duration_s:.1f} | "
                         f"{mir_eval.beat.f_measure(song.beats_s, raw, 0.07):.3f} / {_bias_ms(song.beats_s, raw):+.1f} | "
                         f"{mir_eval.beat.f_measure(song.beats_s, fixed, 0.07):.3f} / {_bias_ms(song.beats_s, fixed):+.1f} | "
                         f"{took:.1f}{' (first: warm-up)' if k == 0 else ''} |")
    lines.append(f"\nanalysis time, median over the songs after the first: {np.median(per_min):.1f} s per minute of song")
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
