"""A run's audio clips (``run_audio``, schema version 9): audio input an activity kept, such as
the microphone's audio of a sung answer's window, encoded and stored at its engine frames.

Encoding: ``flac16``, FLAC (through soundfile) of 16-bit PCM made as the WAV writer makes it
(clipped to -1..1, times 32767, rounded: :func:`live.engine.files.pcm16`), so a clip read back
is the 16-bit audio a WAV of it would hold, sample for sample; FLAC is lossless, about half of
16-bit PCM's size on a voice (docs/records.md gives the measured size per minute).

:func:`clip_row` builds a row (the session writer thread encodes it: :meth:`Writes.add_batch`
takes ``audio``, never the audio callback or the control loop); :class:`Clips` reads a run's
clips back, their description first and each one's samples when asked (a long session's
clips are decoded one at a time, not all held at once).

Realtime-safe: no (the session writer thread and the records commands).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import numpy as np
from sqlalchemy import func, select

from live.engine.files import pcm16
from live.store.base import StoreBase
from live.store.rows import session_client
from live.store.schema import t_clients, t_run_audio
from live.store.values import check_int, check_name

__all__ = ["ENCODING", "Clips", "clip_row", "encode", "decode"]

ENCODING = "flac16"
"""How clips are stored: FLAC of 16-bit PCM."""
_FULL_SCALE = 32767.0  # as the WAV writer scales (pcm16)


def _frames_channels(samples: Any) -> np.ndarray:
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[1] < 1:
        raise ValueError(f"audio clip of shape {x.shape}: must be frames, or frames x channels")
    if not np.all(np.isfinite(x)):
        raise ValueError("audio clip holds NaN or infinite samples: only finite samples are stored")
    return x


def encode(samples: Any, sample_rate: int) -> bytes:
    """FLAC bytes of ``samples`` (float, full scale 1.0; frames or frames x channels) as 16-bit
    PCM (clipped to -1..1, times 32767, rounded)."""
    import soundfile

    x = _frames_channels(samples)
    pcm = np.frombuffer(pcm16(x), dtype="<i2").reshape(x.shape)
    out = io.BytesIO()
    soundfile.write(out, pcm, int(sample_rate), format="FLAC", subtype="PCM_16")
    return out.getvalue()


def decode(data: bytes) -> np.ndarray:
    """The samples of encoded bytes, float32 frames x channels, full scale 1.0 (16-bit value /
    32767, as the WAV writer scaled it)."""
    import soundfile

    pcm, _ = soundfile.read(io.BytesIO(data), dtype="int16", always_2d=True)
    return pcm.astype(np.float32) / np.float32(_FULL_SCALE)


def clip_row(run_id: int, chunk: Any, client_ids: Mapping[str, int], session_id: str, sample_rate: int
             ) -> dict[str, Any] | None:
    """A ``run_audio`` row of an audio clip (an :class:`~live.activities.types.AudioChunk`:
    ``first_frame``, ``samples``, ``client``, ``source``), encoded; None for a clip with no
    samples. The clip's frames are engine frames at the session's ``sample_rate``."""
    x = _frames_channels(chunk.samples)
    if x.shape[0] == 0:
        return None
    first = check_int("audio clip first_frame", chunk.first_frame)
    client = None if chunk.client is None else session_client(client_ids, chunk.client, session_id, first)
    return {"run_id": run_id, "client_id": client, "source": check_name("audio clip source", chunk.source, 16),
            "first_frame": first, "frames": int(x.shape[0]), "sample_rate": int(sample_rate),
            "channels": int(x.shape[1]), "encoding": ENCODING, "data": encode(x, sample_rate)}


class Clips(StoreBase):
    """A run's audio clips read back (part of :class:`live.store.store.Store`)."""

    def run_audio(self, run_id: int) -> list[dict[str, Any]]:
        """A run's audio clips, described (no samples), by first frame (then id).

        Returns
        -------
        list of dict
            Keys: id, client (code, or None), source, first_frame, frames, sample_rate,
            channels, encoding, bytes (the encoded size). Empty for a run that kept none (every
            run stored before schema version 9).
        """
        run_id = check_int("run_id", run_id)
        a = t_run_audio.c
        query = (select(a.id, t_clients.c.code.label("client"), a.source, a.first_frame, a.frames, a.sample_rate,
                        a.channels, a.encoding, func.length(a.data).label("bytes"))
                 .select_from(t_run_audio.outerjoin(t_clients, t_clients.c.id == a.client_id))
                 .where(a.run_id == run_id).order_by(a.first_frame, a.id))
        with self._read() as conn:
            self._run_row(conn, run_id)
            return [row._asdict() for row in conn.execute(query)]

    def audio_clip(self, clip_id: int) -> np.ndarray:
        """The samples of clip ``clip_id``: float32, frames x channels, full scale 1.0.

        Raises
        ------
        KeyError
            No clip with that id.
        ValueError
            A clip stored in an encoding this live does not read.
        """
        clip_id = check_int("clip_id", clip_id)
        with self._read() as conn:
            row = conn.execute(select(t_run_audio.c.encoding, t_run_audio.c.data)
                               .where(t_run_audio.c.id == clip_id)).first()
        if row is None:
            raise KeyError(f"no audio clip with id {clip_id}")
        if row.encoding != ENCODING:
            raise ValueError(f"audio clip {clip_id} is stored as {row.encoding!r}: this live reads {ENCODING!r}")
        return decode(row.data)
