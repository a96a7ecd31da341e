"""``live export --format wav``: the session's audio as heard, rendered again.

The sampler is deterministic: the stored scheduled sounds (beats, cues, and the touch pads'
own sounds, stored with them) and the pads the MIDI notes played, the client's and the
therapist's (each run's stored playback settings: pad sound, gain x velocity /
127, at the note's uncorrected input frame + the pad delay, notes bound to therapist controls
silent) are played through the :class:`~live.engine.drivers.OfflineDriver` with the same bank
and sample rate, from engine frame 0 to the end of the last run. A simulated session (``live
demo``) comes out sample for sample equal to the WAV the demo wrote, a simulated singer's voice
within one 16-bit step of it (below).

The audio input the runs kept (schema version 9, ``run_audio``: a sung answer's window as the
microphone gave it, or a simulated singer's voice) is added into every channel at its frames
(:class:`ClipMixer`), as the demo's WAV mixes the singer's voice in, so the client's answers are
in the record. A clip is stored as 16-bit PCM: the sum is then within one 16-bit step (1/32767)
of the demo's, sample for sample (tests/test_voice_record.py). Each clip is decoded when the
render reaches it and let go after, so a long session needs no more memory than before. A
de-identified export leaves the voice out (a voice identifies its speaker) and says so in the
export command's line.

An audio outage (the device or server went away mid-session) is silence, as long as it lasted:
the session's frames run on through it, so the WAV keeps the session's one time origin; sounds
planned to start inside it never sounded and are left out.

Left out: the microphone outside what the runs kept (a voice activity's answer windows; the
microphone onsets of a tapping session, which sound no pad live either) and anything else
acoustic in the room; a sound the live engine started late
(its stats count these) is rendered at its planned frame. A run that did not end normally is
rendered up to its last stored sound plus that sound's length.

Pitched notes (``piano:60:v2``) are rendered into the bank again as the session did
(:func:`~live.engine.note_bank.build_session_bank`: FluidSynth from the SoundFont found the same
way, through the same disk cache, or the built-in voices), so the WAV matches when the same
SoundFont is there; a sustained note releases from its stored end frame (its note-off), as it did.

16-bit PCM, the run's channel count (mono for simulated sessions), clipped to full scale as the
demo's WAV; written in blocks, so a 60-minute session needs no more memory than a few seconds.
"""

from __future__ import annotations

from typing import Any, BinaryIO

import numpy as np

_STEP_FRAMES = 128 * 375  # rendered and written 1 s at a time (48 kHz), in 128-frame blocks
_BLOCK = 128


def scheduled(session: dict[str, Any]) -> list[tuple[int, str, float, int | None]]:
    """Every sound to render: (frame, bank sound, gain, frame its release began or None), by
    frame; none that would start inside an audio outage (it never sounded:
    :func:`live.store.exports.sounded`)."""
    from live.store.exports import outage_spans, sounded

    spans = outage_spans(session)
    out = []
    for run in session["runs"]:
        out += [(e["frame"], e["sound"], e["gain"] if e["gain"] is not None else 1.0, e.get("end_frame"))
                for e in run["sounds"]]
        pb = run.get("playback") or {}
        if not pb.get("pad_sound"):
            continue
        latency = ((run.get("calibration") or {}).get(pb.get("pad_source", "midi")) or {}).get("latency_frames", 0)
        silent = set(pb.get("silent_notes", ()))
        therapist_only = pb.get("pad_inputs") == "therapist"  # the client's sounds are stored ones
        for e in run["inputs"]:
            if therapist_only and e.get("client") is not None:
                continue
            if e["source"] == pb.get("pad_source", "midi") and e["note"] is not None and e["note"] not in silent:
                gain = np.float32(pb["pad_gain"]) * np.float32(e["velocity"]) / np.float32(127.0)
                out.append((e["frame"] + latency + pb["pad_delay_frames"], pb["pad_sound"], float(gain), None))
    return sorted((s for s in out if sounded(s[0], spans)), key=lambda s: s[0])


def prepared(session: dict[str, Any]) -> dict[str, np.ndarray]:
    """The sounds the session's runs had rendered before it (a song warped onto a run's beats:
    the activity's ``prepared_sounds`` for the run's stored params, the song's audio found again
    in ``session["songs"]``, the store's library, with the beats the run recorded it had then:
    :class:`live.songs.library.FixedSongs`, so a ``live songs adjust`` since changes nothing
    heard; a run stored before schema version 8 recorded none and gets the library's beats; the
    warp's disk cache makes it quick).

    Raises
    ------
    live.songs.library.SongNotFound
        A run's song is no longer in the library.
    """
    from live.activities.registry import activity_class
    from live.songs.library import FixedSongs

    out: dict[str, np.ndarray] = {}
    store = session.get("songs")
    if store is None:  # no library given: nothing was prepared from one
        return out
    for run in session["runs"]:
        cls = activity_class(run["activity"])
        prepare = getattr(cls, "prepared_sounds", None)
        if prepare is None:
            continue
        params = cls.Params(**{k: tuple(v) if isinstance(v, list) else v for k, v in (run.get("params") or {}).items()})
        recorded = store.run_songs(run["id"])
        songs = FixedSongs.as_recorded(store, recorded) if recorded else store
        out.update(prepare(params, songs=songs, sample_rate=session["sample_rate"]))
    return out


class ClipMixer:
    """Adds the runs' kept audio clips into the rendered audio at their frames, decoding each
    when first needed and letting it go once rendered past.

    Parameters
    ----------
    clips : list of dict
        :meth:`~live.store.clips.Clips.run_audio` rows (``id``, ``first_frame``, ``frames``).
    read : callable
        Clip id -> its samples (frames x channels, float32): the store's ``audio_clip``.
    """

    def __init__(self, clips: list[dict[str, Any]], read: Any) -> None:
        self._clips = sorted(clips, key=lambda c: (c["first_frame"], c["id"]))
        self._read = read
        self._open: dict[int, tuple[int, np.ndarray]] = {}  # clip's index -> (first frame, samples)
        self._next = 0

    @property
    def end_frame(self) -> int:
        """The frame after the last clip's last sample (0 without clips)."""
        return max((c["first_frame"] + c["frames"] for c in self._clips), default=0)

    def mix(self, audio: np.ndarray, first_frame: int) -> np.ndarray:
        """``audio`` (frames x channels, from engine frame ``first_frame``) with the clips that
        overlap it added in (a mono clip into every channel; one of several channels into as
        many, else mixed to mono first)."""
        end = first_frame + audio.shape[0]
        while self._next < len(self._clips) and self._clips[self._next]["first_frame"] < end:
            clip = self._clips[self._next]
            self._open[self._next] = (clip["first_frame"], self._read(clip["id"]))
            self._next += 1
        out = audio
        for key, (start, x) in list(self._open.items()):
            lo, hi = max(start, first_frame), min(start + x.shape[0], end)
            if hi > lo:
                part = x[lo - start: hi - start]
                if part.shape[1] != out.shape[1]:
                    part = part.mean(axis=1, keepdims=True)
                out = out.copy() if out is audio else out
                out[lo - first_frame: hi - first_frame] += part
            if start + x.shape[0] <= end:
                del self._open[key]
        return out


def clips_of(session: dict[str, Any]) -> ClipMixer:
    """The mixer of the session's kept audio (``session["clips"]``: the store; none given, none
    kept, or a de-identified export: no clips)."""
    store = session.get("clips")
    if store is None or session.get("deidentified"):
        return ClipMixer([], None)
    return ClipMixer([c for run in session["runs"] for c in store.run_audio(run["id"])], store.audio_clip)


def write(session: dict[str, Any], f: BinaryIO) -> None:
    from live.engine.note_bank import build_session_bank
    from live.engine.drivers import OfflineDriver
    from live.engine.files import WavWriter
    from live.engine.sampler import SamplerState

    sr = session["sample_rate"]
    runs = session["runs"]
    channels = max([(r.get("playback") or {}).get("channels", 1) for r in runs] or [1])
    sounds = scheduled(session)
    bank = build_session_bank({name for _, name, *_ in sounds}, sample_rate=sr,  # pitched notes too
                              extra=prepared(session))
    ends = [r["end_frame"] for r in runs if r["end_frame"] is not None]
    mixer = clips_of(session)
    if any(r["end_frame"] is None for r in runs) and sounds:
        ends.append(max(frame + bank[name].length_frames for frame, name, *_ in sounds))
    if any(r["end_frame"] is None for r in runs):
        ends.append(mixer.end_frame)
    end = max(ends, default=0)
    state = SamplerState(bank, channels=channels)
    driver = OfflineDriver(state, sample_rate=sr)
    with WavWriter(f, channels=channels, sample_rate=sr) as w:
        i, now = 0, 0
        while now < end:
            step = min(_STEP_FRAMES, end - now)
            horizon = now + step
            while i < len(sounds) and sounds[i][0] < horizon + _STEP_FRAMES:
                frame, name, gain, end_frame = sounds[i]
                where = bank[name]
                state.push(frame=frame, bank_start=where.start_frame, length_frames=where.length_frames, gain=gain,
                           end_frame=end_frame, release_frames=where.release_frames)
                i += 1
            blocks = [_BLOCK] * (step // _BLOCK) + ([step % _BLOCK] if step % _BLOCK else [])
            audio = mixer.mix(driver.render(blocks), now)
            w.write(audio)
            now = horizon
