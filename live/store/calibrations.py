"""Calibrations: each input path's measured latency on a device (``live calibrate``), and each
screen's display latency, newest first when looked up.

Realtime-safe: no.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from live.store.base import StoreBase
from live.store.schema import CALIBRATED_PATHS, t_calibrations
from live.store.values import check_int, now

__all__ = ["Calibrations"]


def _calibration(row: Any) -> dict[str, Any]:
    out = row._asdict()
    out["details"] = json.loads(out.pop("details_json"))
    return out


class Calibrations(StoreBase):
    """Calibrations (part of :class:`live.store.store.Store`)."""

    def save_calibration(self, *, input_path: str, device: str, latency_frames: int, sample_rate: int,
                         details: Mapping[str, Any]) -> int:
        """Store a calibration result for an input path and device; returns its id.

        ``input_path`` ``"display"`` is a screen's display latency (``device`` names the screen):
        how early its cue is drawn.
        """
        if input_path not in CALIBRATED_PATHS:
            raise ValueError(f"input_path = {input_path!r}: must be one of {', '.join(CALIBRATED_PATHS)}")
        with self._write() as conn:
            result = conn.execute(t_calibrations.insert().values(
                created_at=now(), input_path=input_path, device=device,
                latency_frames=check_int("latency_frames", latency_frames),
                sample_rate=check_int("sample_rate", sample_rate, minimum=1),
                details_json=json.dumps(details, sort_keys=True)))
            return int(result.inserted_primary_key[0])

    def latest_calibration(self, input_path: str, device: str) -> dict[str, Any] | None:
        """The newest calibration of ``input_path`` on ``device`` (``details`` a dict), or None."""
        query = (select(t_calibrations).where(t_calibrations.c.input_path == input_path,
                                              t_calibrations.c.device == device)
                 .order_by(t_calibrations.c.id.desc()).limit(1))
        with self._read() as conn:
            row = conn.execute(query).first()
        return None if row is None else _calibration(row)

    def latest_calibrations(self, input_path: str) -> list[dict[str, Any]]:
        """The newest calibration of ``input_path`` on each device, by device name."""
        query = select(t_calibrations).where(t_calibrations.c.input_path == input_path).order_by(t_calibrations.c.id)
        with self._read() as conn:
            newest = {row.device: row for row in conn.execute(query)}
        return [_calibration(newest[device]) for device in sorted(newest)]
