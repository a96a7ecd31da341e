"""``live export --format fhir``: an HL7 FHIR R4 Bundle (type ``collection``) of the session.

- ``Patient``: the pseudonymous client code as the only identifier (system
  :data:`CLIENT_SYSTEM`); no name, birth date, address or any other detail, ever.
- ``Encounter``: the session (status finished, or ``unknown`` when it did not end normally;
  class AMB, ambulatory), with its period.
- ``Observation``: one per metric per run and phase (and per trial, for activities with
  trials): ``code`` from the local code system :data:`METRIC_SYSTEM` (no standard code system
  covers these metrics: DOMAIN.md "Records") with the label the run's activity declares in its
  metric catalogue (:mod:`live.store.declared`), ``valueQuantity`` in the UCUM unit it declares
  (system ``http://unitsofmeasure.org``; ``valueString`` for a text metric such as a key
  estimate), ``effectivePeriod`` the run's times, ``status`` final (preliminary for an
  incomplete run), a component naming the phase (and one with the trial's number), and
  ``dataAbsentReason`` where the value is undefined.
- ``Media``: one per audio clip a run kept (a sung answer's window; :func:`live.store.exports.kept_audio`),
  type audio, status completed, ``duration`` in seconds, ``content`` its encoding's MIME type
  (``audio/flac``) and size with no data: the samples stay in the session store (the WAV export
  mixes them in), the record says that they exist and where; identifier ``urn:live:audio-clip``.

Resources are linked by ``urn:uuid:`` full URLs. The Bundle validates against the R4 models of
``fhir.resources`` (``fhir.resources.R4B``, which match R4 for these resources).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from live.metrics.info import metric_info
from live.store.declared import session_declared
from live.store.exports import kept_audio
from live.store.schema import TRIAL_PHASE

CLIENT_SYSTEM = "urn:live:client-code"
METRIC_SYSTEM = "urn:live:metric"
PHASE_SYSTEM = "urn:live:phase"
UCUM = "http://unitsofmeasure.org"
MEDIA_TYPES = {"flac16": "audio/flac"}  # the store's audio encodings -> MIME type
_NS = uuid.UUID("6f1c7f52-3d2b-4b8e-9a41-0c5d3e7a9b10")  # stable ids: the same session, the same URLs


def _urn(*parts: Any) -> str:
    return f"urn:uuid:{uuid.uuid5(_NS, '/'.join(map(str, parts)))}"


def _iso(t) -> str | None:
    return None if t is None else t.isoformat()


def bundle(session: dict[str, Any]) -> dict[str, Any]:
    """The Bundle as a JSON-ready dict."""
    sid = session["id"]
    entries: list[dict[str, Any]] = []
    patients = {}
    for code in session["clients"]:
        url = _urn(sid, "patient", code)
        patients[code] = url
        entries.append({"fullUrl": url, "resource": {
            "resourceType": "Patient",
            "identifier": [{"system": CLIENT_SYSTEM, "value": code}],
        }})
    encounter_url = _urn(sid, "encounter")
    first = session["clients"][0]
    end = session["ended_at"] or session.get("last_write_at")
    entries.append({"fullUrl": encounter_url, "resource": {
        "resourceType": "Encounter",
        "identifier": [{"system": "urn:live:session", "value": sid}],
        "status": "finished" if session["status"] == "complete" else "unknown",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB",
                  "display": "ambulatory"},
        "type": [{"text": "music therapy session" + (" (simulated client)" if session["simulated"] else "")}],
        "subject": {"reference": patients[first]},
        "period": {"start": _iso(session["started_at"]), **({"end": _iso(end)} if end else {})},
    }})
    declared = session_declared(session)
    for run in session["runs"]:
        start = run["started_at"]
        stop = run["ended_at"] or session.get("last_write_at")
        period = {"start": _iso(start), **({"end": _iso(stop)} if stop else {})}
        parts = [(phase, None, metrics) for phase, metrics in run["phases"].items()]
        parts += [(TRIAL_PHASE, trial["index"], {m: v for m, v in trial.items() if m != "index"})
                  for trial in run.get("trials", ())]
        for phase, trial, metrics in parts:
            for metric, value in metrics.items():
                info = metric_info(metric, declared[run["activity"]].catalogue)
                component = [{"code": {"coding": [{"system": PHASE_SYSTEM, "code": "phase"}]}, "valueString": phase}]
                if trial is not None:
                    component.append({"code": {"coding": [{"system": PHASE_SYSTEM, "code": "trial"}]},
                                      "valueInteger": trial})
                obs: dict[str, Any] = {
                    "resourceType": "Observation",
                    "status": "final" if run["status"] == "complete" else "preliminary",
                    "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                              "code": "exam", "display": "Exam"}]}],
                    "code": {"coding": [{"system": METRIC_SYSTEM, "code": metric, "display": info.label}],
                             "text": info.label},
                    "subject": {"reference": patients[first]},
                    "encounter": {"reference": encounter_url},
                    "effectivePeriod": period,
                    "note": [{"text": f"run {run['position']}: {run['activity']}, preset {run['preset_name']}"}],
                    "component": component,
                }
                if value is None:
                    obs["dataAbsentReason"] = {"coding": [{
                        "system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
                        "code": "not-applicable"}]}
                elif isinstance(value, str):
                    obs["valueString"] = value
                elif isinstance(value, list):  # a trial's list field (a call's notes): as JSON text
                    obs["valueString"] = json.dumps(value, separators=(",", ":"))
                else:
                    obs["valueQuantity"] = {"value": value, "unit": info.ucum, "system": UCUM,
                                            "code": info.ucum}
                key = (run["id"], phase, metric) if trial is None else (run["id"], phase, trial, metric)
                entries.append({"fullUrl": _urn(sid, "obs", *key), "resource": obs})
    position = {run["id"]: run["position"] for run in session["runs"]}
    for a in kept_audio(session):
        entries.append({"fullUrl": _urn(sid, "audio", a["clip_id"]), "resource": {
            "resourceType": "Media",
            "identifier": [{"system": "urn:live:audio-clip", "value": f"{sid}/{a['clip_id']}"}],
            "status": "completed",
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/media-type", "code": "audio",
                                 "display": "Audio"}]},
            "subject": {"reference": patients.get(a["client"], patients[first])},
            "encounter": {"reference": encounter_url},
            "duration": round(a["duration_s"], 6),
            "content": {"contentType": MEDIA_TYPES.get(a["encoding"], "application/octet-stream"), "size": a["bytes"],
                        "title": f"{a['source']} input kept by run {position[a['run_id']]}"},
            "note": [{"text": f"from {a['start_time_s']:.3f} s of the session (the first run's start) for "
                              f"{a['duration_s']:.3f} s; the samples are in the session store: "
                              "live export --format wav mixes them in"}],
        }})
    return {
        "resourceType": "Bundle",
        "identifier": {"system": "urn:live:session", "value": sid},
        "type": "collection",
        "timestamp": _iso(session["ended_at"] or session["started_at"]),
        "entry": entries,
    }


def render(session: dict[str, Any]) -> bytes:
    return json.dumps(bundle(session), ensure_ascii=False, indent=1).encode()
