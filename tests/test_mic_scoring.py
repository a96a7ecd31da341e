"""A microphone onset is scored like a pad hit in every activity: the same simulated client's
inputs, given as the microphone gives them (source "mic", no note), score exactly as its own on
entrainment and on a rhythm call-and-response."""

import dataclasses

import pytest

from live.activities.call_response import CallResponse
from live.activities.entrainment.activity import Entrainment
from live.presets import find_preset, load_preset
from live.run.offline import LoopTiming, simulate_session
from live.store.store import Store

FAST = LoopTiming(block_frames=2048, control_period_frames=2048)


class _AsMic:
    """A simulated client whose inputs come as microphone onsets (source mic, no note)."""

    def __init__(self, inner):
        self._inner = inner

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def inputs_before(self, frame, **kw):
        return [dataclasses.replace(ev, source="mic", note=None) for ev in self._inner.inputs_before(frame, **kw)]


def _run(tmp_path, name, preset):
    with Store.open(tmp_path / f"{name}.db") as store:
        out = simulate_session(preset, store=store, seed=3, timing=FAST)
        inputs = store.run_events(out.run_id, kind="input")
    return out, inputs


@pytest.mark.parametrize("activity, preset_name", [(Entrainment, "steady-beat-100"),
                                                  (CallResponse, "adaptive-rhythm-echo")])
def test_mic_onsets_score_exactly_as_the_same_taps_from_a_pad(tmp_path, monkeypatch, activity, preset_name):
    preset = load_preset(find_preset(preset_name))
    preset = dataclasses.replace(preset, params=activity.with_phase_length(preset.params, 40.0))  # 40 s: enough
    pads, pad_inputs = _run(tmp_path, "pads", preset)
    original = activity.simulated_client
    monkeypatch.setattr(activity, "simulated_client", classmethod(lambda cls, *a, **k: _AsMic(original(*a, **k))))
    mics, mic_inputs = _run(tmp_path, "mic", preset)
    assert len(mic_inputs) == len(pad_inputs) >= 10
    assert {ev["source"] for ev in mic_inputs} == {"mic"}
    assert [ev["frame"] for ev in mic_inputs] == [ev["frame"] for ev in pad_inputs]
    assert mics.summary == pads.summary
    assert [r.error_ms for r in mics.responses] == [r.error_ms for r in pads.responses]
