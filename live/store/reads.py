"""Reading sessions back: a session with its runs, each run's summary (per phase and per
trial), events, responses and controls.

Realtime-safe: no.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from live.store.outages import Outages
from live.store.schema import (
    EVENT_KINDS,
    TRIAL_PHASE,
    t_clients,
    t_controls,
    t_events,
    t_responses,
    t_run_playback,
    t_run_segments,
    t_runs,
    t_session_clients,
    t_session_writers,
    t_sessions,
    t_summaries,
)
from live.store.values import check_int, json_or_none, stored_value

__all__ = ["Reads"]

# Phases stored before positions ran on across phases (each counted from 0) sort by this rank.
_PHASE_RANK = {"all": 0, "baseline": 1, "continuation": 3}


def _run_dict(row: Any) -> dict[str, Any]:
    result = row._asdict()
    result["params"] = json.loads(result.pop("params_json"))
    result["calibration"] = json_or_none(result.pop("calibration_json", None))
    result["segment"] = result.get("segment") or 1
    return result


class Reads(Outages):
    """Sessions and runs as stored, with their outages (part of :class:`live.store.store.Store`)."""

    def get_session(self, session_id: str) -> dict[str, Any]:
        """A session with its clients and runs.

        Returns
        -------
        dict
            Keys: id, started_at, ended_at, status, simulated, sample_rate, app_version;
            clients (their codes, sorted); last_write_at (the writer's last batch, None when
            not recorded); runs (by position), each a dict with keys id, session_id, position,
            activity, preset_name, preset_path, params (the dict given to ``create_run``),
            calibration, playback (dicts or None), start_frame, end_frame, started_at,
            ended_at, status; segment (1 for a run's first), resumes_run_id and outage_id
            (None unless the run was played again after an outage); outages
            (``session_outages``).
        """
        with self._read() as conn:
            row = self._session_row(conn, session_id)
            result = row._asdict()
            result["clients"] = sorted(self._client_ids(conn, row.id))
            run_rows = conn.execute(
                select(t_runs, t_run_segments.c.segment, t_run_segments.c.resumes_run_id, t_run_segments.c.outage_id)
                .select_from(t_runs.outerjoin(t_run_segments, t_run_segments.c.run_id == t_runs.c.id))
                .where(t_runs.c.session_id == row.id).order_by(t_runs.c.position))
            result["runs"] = [_run_dict(r) for r in run_rows]
            playback = dict(conn.execute(
                select(t_run_playback.c.run_id, t_run_playback.c.playback_json)
                .join(t_runs, t_runs.c.id == t_run_playback.c.run_id)
                .where(t_runs.c.session_id == row.id)).all())
            writer = conn.execute(select(t_session_writers).where(t_session_writers.c.session_id == row.id)).first()
        for run in result["runs"]:
            run["playback"] = json_or_none(playback.get(run["id"]))
        result["last_write_at"] = None if writer is None else writer.last_write_at
        result["outages"] = self.session_outages(row.id)
        return result

    def list_sessions(self) -> list[dict[str, Any]]:
        """Every session, oldest first, each as :meth:`get_session` gives it without ``runs``."""
        with self._read() as conn:
            rows = conn.execute(select(t_sessions).order_by(t_sessions.c.started_at, t_sessions.c.id)).all()
            codes: dict[str, list[str]] = {}
            for sid, code in conn.execute(
                select(t_session_clients.c.session_id, t_clients.c.code)
                .join(t_clients, t_clients.c.id == t_session_clients.c.client_id)
                .order_by(t_clients.c.code)
            ):
                codes.setdefault(sid, []).append(code)
        return [{**r._asdict(), "clients": codes.get(r.id, [])} for r in rows]

    def _summary_rows(self, run_id: int, *where: Any) -> list[Any]:
        run_id = check_int("run_id", run_id)
        s = t_summaries.c
        with self._read() as conn:
            self._run_row(conn, run_id)
            return conn.execute(select(s.phase, s.trial, s.metric, s.value, s.text_value, s.position)
                                .where(s.run_id == run_id, *where).order_by(s.position, s.id)).all()

    def run_summary(self, run_id: int, phase: str = "all") -> dict[str, float | str | None]:
        """Metric name -> value (a number, a text, or None where undefined) of a run's summary
        for ``phase``, in the order stored. Empty while the run has no summary for that phase."""
        rows = self._summary_rows(run_id, t_summaries.c.phase == phase, t_summaries.c.trial.is_(None))
        return {r.metric: stored_value(r.value, r.text_value) for r in rows}

    def run_phases(self, run_id: int) -> dict[str, dict[str, float | str | None]]:
        """Every phase summary of a run: phase -> metric -> value.

        Phases in the order the run stored them (``all`` first, then the session's order);
        metrics in the order stored. Runs stored before positions ran on across phases (each
        phase counted from 0) fall back to ``baseline``, the others by name, ``continuation``.
        """
        out: dict[str, dict[str, float | str | None]] = {}
        first: dict[str, int] = {}
        for r in self._summary_rows(run_id, t_summaries.c.trial.is_(None)):
            out.setdefault(r.phase, {})[r.metric] = stored_value(r.value, r.text_value)
            first.setdefault(r.phase, r.position)
        return dict(sorted(out.items(), key=lambda kv: (first[kv[0]], _PHASE_RANK.get(kv[0], 2), kv[0])))

    def run_trials(self, run_id: int) -> list[dict[str, float | str | None]]:
        """A run's per-trial summaries by trial: each ``{"index": n, metric: value, ...}``
        (metrics in the order stored; a list field, e.g. a call's notes, as the list it was);
        empty for a run without trials."""
        trials: dict[int, dict[str, float | str | None]] = {}
        for r in self._summary_rows(run_id, t_summaries.c.phase == TRIAL_PHASE, t_summaries.c.trial.is_not(None)):
            trials.setdefault(r.trial, {"index": r.trial})[r.metric] = stored_value(r.value, r.text_value)
        return [trials[k] for k in sorted(trials)]

    def run_controls(self, run_id: int) -> list[dict[str, Any]]:
        """A run's therapist controls by frame: keys frame, action, value, effect."""
        query = (select(t_controls.c.frame, t_controls.c.action, t_controls.c.value, t_controls.c.effect)
                 .where(t_controls.c.run_id == run_id).order_by(t_controls.c.frame, t_controls.c.id))
        with self._read() as conn:
            self._run_row(conn, run_id)
            return [r._asdict() for r in conn.execute(query)]

    def run_events(self, run_id: int, kind: str | None = None) -> list[dict[str, Any]]:
        """A run's events by frame (then id), all or of one kind.

        Parameters
        ----------
        run_id : int
        kind : {"sound", "input"} or None
            None for both.

        Returns
        -------
        list of dict
            Keys: id, kind, frame, client (code; None for sounds and the therapist's inputs),
            source, note, velocity, sound, gain, cue_index, end_frame (None where a kind has no
            such field; end_frame: where a sustained sound's release began, None: played whole).
        """
        if kind is not None and kind not in EVENT_KINDS:
            raise ValueError(f"kind = {kind!r}: must be 'sound', 'input' or None")
        run_id = check_int("run_id", run_id)
        e = t_events.c
        query = (select(e.id, e.kind, e.frame, t_clients.c.code.label("client"), e.source, e.note, e.velocity,
                        e.sound, e.gain, e.cue_index, e.end_frame)
                 .select_from(t_events.outerjoin(t_clients, t_clients.c.id == e.client_id))
                 .where(e.run_id == run_id).order_by(e.frame, e.id))
        if kind is not None:
            query = query.where(e.kind == kind)
        with self._read() as conn:
            self._run_row(conn, run_id)
            return [r._asdict() for r in conn.execute(query)]

    def run_responses(self, run_id: int) -> list[dict[str, Any]]:
        """A run's responses by frame (then id).

        Returns
        -------
        list of dict
            Keys: id, client (code), frame, source, note, velocity, target_index,
            target_frame, target_kind (None when unmatched), error_ms, extra (the activity's
            fields, a dict; empty when none), provisional.
        """
        run_id = check_int("run_id", run_id)
        r = t_responses.c
        query = (select(r.id, t_clients.c.code.label("client"), r.frame, r.source, r.note, r.velocity,
                        r.target_index, r.target_frame, r.target_kind, r.error_ms, r.extra_json, r.provisional)
                 .join(t_clients, t_clients.c.id == r.client_id)
                 .where(r.run_id == run_id).order_by(r.frame, r.id))
        with self._read() as conn:
            self._run_row(conn, run_id)
            rows = [row._asdict() for row in conn.execute(query)]
        for row in rows:
            row["extra"] = json_or_none(row.pop("extra_json")) or {}
        return rows
