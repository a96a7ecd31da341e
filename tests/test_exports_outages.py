"""Exports and ``live sessions show`` of a session whose audio device went away and came back:
one time origin, the outage and the run played again after it in every format, and nothing
rendered that never sounded."""

from __future__ import annotations

import csv
import io
import json
import wave
import zipfile

import mido
import numpy as np

from live.cli import main
from live.engine.bank import default_bank
from live.engine.events import InputEvent, ScheduledSound
from live.store.exports import export_session
from live.store.store import Store
from test_exports import pdf_pages

RATE = 48_000
PLAYBACK = {"channels": 2, "pad_sound": None, "pad_gain": 0.8, "pad_delay_frames": 128, "pad_source": "midi",
            "silent_notes": []}
LOST_AT, BACK_AT = 120_000, 312_000  # the outage: 4 s of the session's timeline


def session_with_an_outage(store: Store) -> tuple[str, int, int]:
    """Run 1 plays beats from 24000 every 24000 frames; the audio goes after the beat at 96000
    (the beat at 120000 was planned within the look-ahead but never sounded); it is back 4 s
    later and run 2 plays the preset again from 336000."""
    sid = store.create_session(client_codes=["C-1"], simulated=False, sample_rate=RATE)
    params = {"tempo_bpm": 120.0}
    r1 = store.create_run(sid, activity="entrainment", preset_name="steady", preset_path=None, params=params,
                          start_frame=24_000, playback=PLAYBACK)
    beats_1 = [24_000, 48_000, 72_000, 96_000, 120_000]
    store.add_batch(r1, sounds=[ScheduledSound(f, "click", gain=0.8, cue_index=k) for k, f in enumerate(beats_1)],
                    inputs=[InputEvent(f + 100, "midi", 36, 90, "C-1") for f in beats_1[:4]])
    outage = store.begin_outage(sid, start_frame=LOST_AT - 10, device="audio on JACK Audio Connection Kit", run_id=r1)
    store.close_run(r1, summary={"n_beats": 4}, final_responses=[], end_frame=LOST_AT - 10)
    store.end_outage(outage, end_frame=BACK_AT)
    r2 = store.create_run(sid, activity="entrainment", preset_name="steady", preset_path=None, params=params,
                          start_frame=BACK_AT + 24_000, playback=PLAYBACK, resumes_run_id=r1, outage_id=outage)
    beats_2 = [BACK_AT + 24_000 * (k + 1) for k in range(3)]
    store.add_batch(r2, sounds=[ScheduledSound(f, "click", gain=0.8, cue_index=k) for k, f in enumerate(beats_2)],
                    inputs=[InputEvent(f - 50, "midi", 38, 80, "C-1") for f in beats_2])
    store.close_run(r2, summary={"n_beats": 3}, final_responses=[], end_frame=beats_2[-1] + 24_000)
    store.close_session(sid)
    return sid, r1, r2


def test_json_and_csv_have_the_outage_and_the_segments_on_one_time_origin(tmp_path):
    with Store.open(tmp_path / "s.db") as store:
        sid, r1, r2 = session_with_an_outage(store)
        path, _ = export_session(store, sid, "json", out=tmp_path / "s.json")
        zpath, _ = export_session(store, sid, "csv", out=tmp_path / "s.csv.zip")
    doc = json.loads(path.read_text())
    assert [(r["run_id"], r["segment"], r["resumes_run_id"]) for r in doc["runs"]] == [(r1, 1, None), (r2, 2, r1)]
    [o] = doc["outages"]
    assert (o["run_id"], o["start_time_s"], o["end_time_s"], o["lost_s"]) == (
        r1, (LOST_AT - 10 - 24_000) / RATE, (BACK_AT - 24_000) / RATE, (BACK_AT - LOST_AT + 10) / RATE)
    times = [x["time_s"] for r in doc["runs"] for x in r["inputs"]]
    assert times == sorted(times) and times[0] == 100 / RATE and times[-1] == (BACK_AT + 72_000 - 50 - 24_000) / RATE
    with zipfile.ZipFile(zpath) as z:
        runs = list(csv.DictReader(io.StringIO(z.read("runs.csv").decode())))
        outages = list(csv.DictReader(io.StringIO(z.read("outages.csv").decode())))
    assert [(r["segment"], r["resumes_run_id"]) for r in runs] == [("1", ""), ("2", str(r1))]
    [row] = outages
    assert (row["run_id"], float(row["lost_s"]), row["device"]) == (str(r1), 4.0 + 10 / RATE,
                                                                    "audio on JACK Audio Connection Kit")


def test_wav_is_silent_through_the_outage_and_leaves_out_the_beat_that_never_sounded(tmp_path):
    with Store.open(tmp_path / "s.db") as store:
        sid, _, r2 = session_with_an_outage(store)
        path, _ = export_session(store, sid, "wav", out=tmp_path / "s.wav")
        end = store.get_session(sid)["runs"][-1]["end_frame"]
    with wave.open(str(path)) as w:
        audio = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)[:, 0] / 32767.0
    assert len(audio) == end  # one time origin: the outage is in the file, as long as it lasted
    click = default_bank(RATE).samples("click")
    expected = np.zeros(len(audio))
    for f in [24_000, 48_000, 72_000, 96_000] + [BACK_AT + 24_000 * (k + 1) for k in range(3)]:
        expected[f:f + len(click)] += 0.8 * click
    assert np.abs(audio - expected).max() < 2 / 32767
    assert not audio[LOST_AT - 10:BACK_AT].any()  # the beat at 120000 never sounded


def test_midi_marks_the_outage_and_plays_no_cue_inside_it(tmp_path):
    with Store.open(tmp_path / "s.db") as store:
        sid, _, _ = session_with_an_outage(store)
        path, _ = export_session(store, sid, "midi", out=tmp_path / "s.mid")
    mid = mido.MidiFile(path)
    seen = {}
    for track in mid.tracks:
        name = next(m.name for m in track if m.type == "track_name")
        now, notes, markers = 0, [], []
        for m in track:
            now += m.time
            t = mido.tick2second(now, mid.ticks_per_beat, 500_000)
            if m.type == "note_on" and m.velocity > 0:
                notes.append(t)
            if m.type == "marker":
                markers.append((round(t, 3), m.text))
        seen[name] = (notes, markers)
    t0 = 24_000
    assert seen["conductor"][1] == [(round((LOST_AT - 10 - t0) / RATE, 3), "audio lost"),
                                    (round((BACK_AT - t0) / RATE, 3), "audio back")]
    cues = seen["cues"][0]
    assert len(cues) == 7 and not any((LOST_AT - 10 - t0) / RATE <= t < (BACK_AT - t0) / RATE for t in cues)
    assert len(seen["client C-1"][0]) == 7  # every input the client played, before and after


def test_session_note_and_sessions_show_tell_the_outage(tmp_path, capsys):
    db = tmp_path / "s.db"
    with Store.open(db) as store:
        sid, _, _ = session_with_an_outage(store)
        html, _ = export_session(store, sid, "html", out=tmp_path / "n.html")
        pdf, _ = export_session(store, sid, "pdf", out=tmp_path / "n.pdf")
    lost = "Audio lost at 0:02.0 for 4.0 s (audio on JACK Audio Connection Kit); run 1 ended at the last frame heard"
    assert lost in html.read_text() and "then run 2 plays run 1 again (segment 2)" in html.read_text()
    (page,) = pdf_pages(pdf, tmp_path)
    assert (page < 128).mean() > 0.01
    assert main(["sessions", "show", sid[:8], "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert lost in out and "  then run 2 plays run 1 again (segment 2)" in out
    assert main(["sessions", "show", sid[:8], "--db", str(db), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [(r["segment"], r["resumes_run_id"]) for r in shown["runs"]] == [(1, None), (2, shown["runs"][0]["id"])]
    assert [(o["start_frame"], o["end_frame"]) for o in shown["outages"]] == [(LOST_AT - 10, BACK_AT)]
