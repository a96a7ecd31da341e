"""Writing a run: start it, store what it plays and scores in batches, end it with its summary.

One batch writer (:meth:`Writes.add_batch`) stores sounds, inputs, provisional responses and
controls in one transaction; :meth:`~Writes.add_sounds`, :meth:`~Writes.add_inputs`,
:meth:`~Writes.add_responses` and :meth:`~Writes.add_controls` are that batch with one kind in
it. Rows come from :mod:`live.store.rows`. Batches go in through ``executemany``.

Realtime-safe: no (the session writer thread).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, select

from live.activities.types import Response, Summary
from live.engine.events import InputEvent, Release, ScheduledSound
from live.store.base import StoreBase
from live.store.clips import clip_row
from live.store.rows import Control, control_row, input_row, response_row, sound_row, summary_rows
from live.store.schema import (
    t_controls,
    t_events,
    t_responses,
    t_run_audio,
    t_run_playback,
    t_run_segments,
    t_runs,
    t_session_writers,
    t_summaries,
)
from live.store.values import check_int, check_name, dump_json, now

__all__ = ["Writes"]


class Writes(StoreBase):
    """Runs and their batches (part of :class:`live.store.store.Store`)."""

    def create_run(
        self,
        session_id: str,
        *,
        activity: str,
        preset_name: str,
        preset_path: str | os.PathLike[str] | None,
        params: Mapping[str, Any],
        start_frame: int,
        calibration: Mapping[str, Any] | None = None,
        playback: Mapping[str, Any] | None = None,
        resumes_run_id: int | None = None,
        outage_id: int | None = None,
    ) -> int:
        """Start a run (one activity with one preset) as the next in a running session.

        Parameters
        ----------
        session_id : str
            A running session.
        activity : str
            Registered activity name: records look its declarations up by it.
        preset_name : str
            The preset's name.
        preset_path : str, path-like or None
            File the preset came from; None for an embedded preset.
        params : dict
            Validated parameters, stored as JSON (tuples come back as lists).
        start_frame : int
            Engine frame of the run's first moment.
        calibration : dict, optional
            The latency corrections the run applies, per input path (stored as JSON).
        playback : dict, optional
            How the run sounds besides its scheduled sounds, so that its audio can be rendered
            again: keys ``channels`` (int), ``pad_sound`` (bank sound or None), ``pad_gain``
            (times velocity / 127), ``pad_delay_frames`` (after the note's uncorrected input
            frame), ``pad_source``, ``silent_notes`` (notes that play no pad), ``pad_inputs`` (``"therapist"``: only
            the therapist's notes play pads; the client's sounds are stored). Stored as JSON.
        resumes_run_id : int, optional
            A run of the same session that an outage (``outage_id``, from
            :meth:`~live.store.outages.Outages.begin_outage`) cut short: this run plays it again
            as its next segment (``run_segments``: segment = that run's segment + 1).
        outage_id : int, optional
            The outage after which this run resumes (with ``resumes_run_id``).

        Returns
        -------
        int
            The run's id. Its ``position`` is 1 for a session's first run, then 2, 3, ...
        """
        activity = check_name("activity", activity, 64)
        preset_name = check_name("preset_name", preset_name, 200)
        path = None if preset_path is None else os.fsdecode(preset_path)
        params_json = dump_json("params", params)
        start = check_int("start_frame", start_frame, minimum=0)
        with self._write() as conn:
            session = self._session_row(conn, session_id)
            if session.status != "running":
                raise ValueError(f"session {session_id} is {session.status}: it takes no new runs")
            last = conn.execute(select(func.max(t_runs.c.position)).where(t_runs.c.session_id == session.id)).scalar()
            result = conn.execute(t_runs.insert().values(
                session_id=session.id, position=(last or 0) + 1, activity=activity, preset_name=preset_name,
                preset_path=path, params_json=params_json,
                calibration_json=None if calibration is None else json.dumps(calibration, sort_keys=True),
                start_frame=start, started_at=now(), status="running"))
            run_id = int(result.inserted_primary_key[0])
            if playback is not None:
                conn.execute(t_run_playback.insert().values(run_id=run_id, playback_json=dump_json("playback", playback)))
            if resumes_run_id is not None:
                resumed = self._run_row(conn, check_int("resumes_run_id", resumes_run_id))
                if resumed.session_id != session.id:
                    raise ValueError(f"run {resumes_run_id} is not a run of session {session_id}")
                if outage_id is not None:
                    self._outage_row(conn, outage_id, session.id)
                before = conn.execute(select(t_run_segments.c.segment)
                                      .where(t_run_segments.c.run_id == resumed.id)).scalar()
                conn.execute(t_run_segments.insert().values(
                    run_id=run_id, segment=(before or 1) + 1, resumes_run_id=resumed.id,
                    outage_id=None if outage_id is None else int(outage_id)))
            elif outage_id is not None:
                raise ValueError("outage_id is given with resumes_run_id (the run the outage cut short)")
            return run_id

    def add_batch(
        self,
        run_id: int,
        *,
        sounds: Iterable[ScheduledSound] = (),
        inputs: Iterable[InputEvent] = (),
        responses: Iterable[Response] = (),
        controls: Iterable[Control] = (),
        provisional: bool = True,
        releases: Iterable[Release] = (),
        audio: Iterable[Any] = (),
    ) -> None:
        """Store one batch of a running run in one transaction: all of it or none.

        The session writer hands over what the control loop gathered since the last batch
        (every <= 0.5 s); a process killed at any moment keeps every batch committed before.
        The session's writer is marked as having written now.

        Parameters
        ----------
        run_id : int
            A running run.
        sounds : iterable of ScheduledSound
            Scheduled sounds (``events`` of kind ``sound``, with the cue each marks).
        inputs : iterable of InputEvent
            Raw inputs (``events`` of kind ``input``); a client's code must be one of the
            session's clients (``ValueError`` otherwise), None for the therapist's.
        responses : iterable of Response
            Scored inputs; each event's client must be one of the session's clients.
        controls : iterable of (frame, action, value, effect)
            The therapist's controls.
        provisional : bool
            True (default) for scores made as inputs arrive: :meth:`close_run` replaces them.
        releases : iterable of Release
            Sounds of the run (stored in this batch or an earlier one) released earlier than
            planned: each one's ``end_frame`` becomes the release's frame (after this batch's
            sounds are stored; a frame not before the stored end changes nothing).
        audio : iterable of AudioChunk
            Audio input the run kept (:class:`~live.activities.types.AudioChunk`: a sung
            answer's window), each at its first engine frame, encoded here
            (:func:`live.store.clips.clip_row`); its client, when given, one of the session's.
        """
        run_id = check_int("run_id", run_id)
        sounds, inputs, responses, controls = list(sounds), list(inputs), list(responses), list(controls)
        releases, audio = list(releases), list(audio)
        with self._write() as conn:
            run = self._running_run(conn, run_id)
            clients = self._client_ids(conn, run.session_id)
            rate = self._session_row(conn, run.session_id).sample_rate if audio else 0
            clips = [row for c in audio if (row := clip_row(run.id, c, clients, run.session_id, rate)) is not None]
            events = ([sound_row(run.id, s) for s in sounds]
                      + [input_row(run.id, ev, clients, run.session_id) for ev in inputs])
            scored = [response_row(run.id, r, clients, run.session_id, provisional=provisional) for r in responses]
            control_rows = [control_row(run.id, c) for c in controls]
            for table, rows in ((t_events, events), (t_responses, scored), (t_controls, control_rows),
                                (t_run_audio, clips)):
                if rows:
                    conn.execute(table.insert(), rows)
            for r in releases:
                e = t_events.c
                conn.execute(t_events.update()
                             .where(e.run_id == run.id, e.kind == "sound", e.frame == check_int("sound frame", r.sound.frame),
                                    e.sound == r.sound.sound, e.end_frame > check_int("release frame", r.frame))
                             .values(end_frame=r.frame))
            conn.execute(t_session_writers.update().where(t_session_writers.c.session_id == run.session_id)
                         .values(last_write_at=now()))

    def add_sounds(self, run_id: int, sounds: Iterable[ScheduledSound]) -> None:
        """Store scheduled sounds of a running run: :meth:`add_batch` with sounds only."""
        self.add_batch(run_id, sounds=sounds)

    def add_inputs(self, run_id: int, inputs: Iterable[InputEvent]) -> None:
        """Store raw inputs of a running run: :meth:`add_batch` with inputs only."""
        self.add_batch(run_id, inputs=inputs)

    def add_responses(self, run_id: int, responses: Iterable[Response], *, provisional: bool = True) -> None:
        """Store scored responses of a running run: :meth:`add_batch` with responses only."""
        self.add_batch(run_id, responses=responses, provisional=provisional)

    def add_controls(self, run_id: int, controls: Iterable[Control]) -> None:
        """Store therapist controls of a running run: :meth:`add_batch` with controls only."""
        self.add_batch(run_id, controls=controls)

    def close_run(
        self,
        run_id: int,
        *,
        summary: Mapping[str, Any] | Summary,
        final_responses: Iterable[Response],
        end_frame: int,
        phase: str = "all",
    ) -> None:
        """End a running run, in one transaction.

        The run's provisional responses are replaced by ``final_responses`` (stored with
        ``provisional`` False), the summary is stored (:func:`live.store.rows.summary_rows`:
        its metrics under ``phase``, each phase under its name, each trial's metrics), and the
        run gets ``end_frame``, ``ended_at`` and status ``complete``.

        Parameters
        ----------
        run_id : int
        summary : dict or Summary
            Metric name -> value (int or finite float, a text for a text metric, None where
            undefined, never NaN), or a :class:`~live.activities.types.Summary`.
        final_responses : iterable of Response
            The responses as the activity's batch scoring matched them.
        end_frame : int
            Engine frame at which the run ended (>= its start frame).
        phase : str
            Which part of the run ``summary``'s metrics cover (``"all"`` by default).
        """
        run_id = check_int("run_id", run_id)
        metric_rows = summary_rows(run_id, summary, phase)
        end = check_int("end_frame", end_frame)
        finals = list(final_responses)
        with self._write() as conn:
            run = self._running_run(conn, run_id)
            if end < run.start_frame:
                raise ValueError(f"end_frame = {end}: must be >= the run's start_frame {run.start_frame}")
            clients = self._client_ids(conn, run.session_id)
            rows = [response_row(run.id, r, clients, run.session_id, provisional=False) for r in finals]
            conn.execute(t_responses.delete().where(t_responses.c.run_id == run.id,
                                                    t_responses.c.provisional.is_(True)))
            if rows:
                conn.execute(t_responses.insert(), rows)
            if metric_rows:
                conn.execute(t_summaries.insert(), metric_rows)
            conn.execute(t_runs.update().where(t_runs.c.id == run.id)
                         .values(end_frame=end, ended_at=now(), status="complete"))
