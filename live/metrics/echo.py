"""Call-and-response (echo) scoring: an answer's onsets aligned to its call's, and what follows.

The definitions are issue 12's ("Scoring"), the same code for ``live metrics echo`` on MIDI
files and for every trial of the call-and-response activity; docs/metrics.md states them for
therapists. The alignment (best offset, time-order matching, ties) is
:mod:`live.metrics.echo_align`. Onset matching within a tolerance and its precision, recall
and F-measure are those of MIREX onset detection as ``mir_eval.onset.f_measure`` computes them
(Raffel et al. 2014, "mir_eval: a transparent implementation of common MIR metrics", ISMIR),
here after the answer is shifted by the best offset; the tests check the agreement.

Times go in as seconds (``_s``) and come out in milliseconds (``_ms``) or as ratios.

Realtime-safe: no (allocates; run it on trials, never in the audio callback).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from live.metrics.echo_align import OUT, score_arrays
from live.metrics.info import Catalogue, MetricInfo

__all__ = ["DEFAULT_TOLERANCE_MS", "EchoNote", "EchoScore", "SCORE_KEYS", "SCORE_METRICS", "score_echo"]

#: The matching tolerance of issue 12 when none is given (ms).
DEFAULT_TOLERANCE_MS = 80.0

#: The keys of :meth:`EchoScore.as_dict`, in order: ``live metrics echo --json`` and every
#: trial of ``live demo --json`` use exactly these names.
SCORE_KEYS: tuple[str, ...] = (
    "n_call", "n_answer", "matched", "precision", "recall", "f1", "pitch_accuracy",
    "ioi_ratio_error", "response_latency_ms", "mean_error_ms", "sd_error_ms", "mean_abs_error_ms",
    "tempo_ratio", "offset_ms", "lag_error_ms", "mean_cents_error",
)

_H, _L = "higher", "lower"

#: Label, unit, format and better direction of each key of :data:`SCORE_KEYS` (the tables of
#: ``live metrics echo``; an activity that scores echoes merges it into its own catalogue).
SCORE_METRICS = Catalogue([
    MetricInfo("n_call", "call notes", "{notes}", "", "d"),
    MetricInfo("n_answer", "answer notes", "{notes}", "", "d"),
    MetricInfo("matched", "matched notes", "{notes}", "", "d", _H),
    MetricInfo("precision", "precision", "1", "0..1", ".3f", _H),
    MetricInfo("recall", "recall", "1", "0..1", ".3f", _H),
    MetricInfo("f1", "F-measure", "1", "0..1", ".3f", _H),
    MetricInfo("pitch_accuracy", "pitch accuracy", "1", "0..1", ".3f", _H),
    MetricInfo("ioi_ratio_error", "IOI ratio error", "1", "|log2|, 0 = same rhythm", ".3f", _L),
    MetricInfo("response_latency_ms", "response latency", "ms", "ms", ".1f"),
    MetricInfo("mean_error_ms", "mean timing error", "ms", "ms", ".1f"),
    MetricInfo("sd_error_ms", "SD of timing error", "ms", "ms", ".1f", _L),
    MetricInfo("mean_abs_error_ms", "mean |timing error|", "ms", "ms", ".1f", _L),
    MetricInfo("tempo_ratio", "tempo ratio", "1", "1 = the call's tempo", ".3f"),
    MetricInfo("offset_ms", "answer offset", "ms", "ms", ".1f"),
    MetricInfo("lag_error_ms", "lag error (in time)", "ms", "ms", ".1f"),
    MetricInfo("mean_cents_error", "mean cents error (sung)", "cents", "|cents| from the call's note", ".1f", _L),
])


@dataclass(frozen=True, slots=True)
class EchoNote:
    """One note of a call or an answer.

    Attributes
    ----------
    onset_s : float
        When it starts, seconds on the trial's time line (finite).
    note : int or None
        MIDI note number 0..127, or None for an unpitched onset (a rhythm, a touch pad).
    duration_s : float
        How long it sounds, seconds (>= 0); only the call's last note's matters (the latency).
    pitch_midi : float or None
        A sung answer's pitch as a fractional MIDI note (69.25: 25 cents above A4); scored in
        place of ``note`` when :func:`score_echo` is given ``pitch_tolerance_cents``.
    """

    onset_s: float
    note: int | None = None
    duration_s: float = 0.0
    pitch_midi: float | None = None


@dataclass(frozen=True, slots=True)
class EchoScore:
    """Every metric of one call and its answer (see :func:`score_echo` for the definitions).

    ``pairs`` are the matched ``(call index, answer index)`` in answer time order, indices into
    the sequences as given; ``errors_ms`` their signed timing errors after the shift.
    """

    n_call: int
    n_answer: int
    matched: int
    precision: float
    recall: float
    f1: float
    pitch_accuracy: float | None
    ioi_ratio_error: float | None
    response_latency_ms: float | None
    mean_error_ms: float | None
    sd_error_ms: float | None
    mean_abs_error_ms: float | None
    tempo_ratio: float | None
    offset_ms: float | None
    lag_error_ms: float | None
    mean_cents_error: float | None
    tolerance_ms: float
    pairs: tuple[tuple[int, int], ...]
    errors_ms: tuple[float, ...]

    def as_dict(self) -> dict[str, Any]:
        """The metrics under :data:`SCORE_KEYS`, in that order (None where undefined)."""
        return {k: getattr(self, k) for k in SCORE_KEYS}


def score_echo(call: Sequence[EchoNote], answer: Sequence[EchoNote], *, tolerance_ms: float = DEFAULT_TOLERANCE_MS,
               expected_lag_s: float | None = None, pitch_tolerance_cents: float | None = None) -> EchoScore:
    """Score an answer against its call (issue 12, "Scoring").

    The answer is shifted by the candidate offset ``d = answer onset - call onset`` (over every
    pair) that matches the most onsets one to one; at a given offset each answer onset, in time
    order, takes the earliest unmatched call onset within the tolerance (``|error| <=
    tolerance``); ties between offsets go to the smallest mean ``|error|``, then to the offset
    met first with the answer onsets in time order and, for each, the call onsets in time order
    (:mod:`live.metrics.echo_align`). A matched pair's error is ``e = (answer onset - call
    onset) - d``. Then:

    - ``precision = matched / n_answer``, ``recall = matched / n_call``, ``f1`` their harmonic
      mean; each 0 when nothing matched (mir_eval's convention, also for an empty answer);
    - ``pitch_accuracy``: share of matched pairs whose MIDI notes are equal, 0 when nothing
      matched, None when the call is unpitched (every call note is None). A sung answer (with
      ``pitch_tolerance_cents``): share of matched pairs whose answer pitch (``pitch_midi``, else
      ``note``) is within ``pitch_tolerance_cents`` of the call note, ``|100 (pitch - note)| <=
      tolerance`` (issue 14: +/-50 cents);
    - ``ioi_ratio_error``: mean ``|log2(IOI_answer / IOI_call)|`` over consecutive call onsets
      ``i, i+1`` that are both matched (IOIs in seconds; a pair where either IOI is 0, i.e. a
      chord, is left out); None when no such pair;
    - ``response_latency_ms``: first answer onset minus the end (onset + duration) of the call
      note with the latest onset (of several at that onset, the longest); None without answer;
    - ``mean_error_ms``, ``sd_error_ms`` (sample SD, n - 1), ``mean_abs_error_ms``: of ``e``
      over the matched pairs; None when nothing (SD: fewer than 2) matched;
    - ``tempo_ratio``: answer span / call span, each from its first onset to its last (all
      onsets, matched or not; 1 = the call's tempo, > 1 slower); None with fewer than 2 answer
      onsets or a call span of 0. A left-out first or last note or an added one changes it;
      matched onsets alone would not serve, because a tempo far from the call's drifts out of
      the tolerance and only the part that stayed near would be measured;
    - ``offset_ms``: the chosen offset ``d``; None when nothing matched;
    - ``lag_error_ms`` (``answer = "in_time"``, when ``expected_lag_s`` is given): the mean over
      matched pairs of ``(answer onset - call onset) - expected_lag_s``, i.e. ``offset_ms +
      mean_error_ms - expected lag``: how far, signed, the answer sits from where it belongs on
      the grid one phrase later (positive = late); None when nothing matched or no lag is given;
    - ``mean_cents_error`` (a sung answer, with ``pitch_tolerance_cents``): the mean over
      matched pairs where both notes are pitched of ``|100 (answer pitch_midi - call note)|``,
      cents: how far the sung notes lie from the call's, whether counted right or not; None
      without ``pitch_tolerance_cents`` (MIDI answers) or when no such pair.

    Parameters
    ----------
    call, answer : sequence of EchoNote
        The call (at least one note) and the answer (may be empty), on one time line, seconds.
        Any order; ``pairs`` index them as given.
    tolerance_ms : float, keyword-only
        Matching tolerance, ms, finite and >= 0 (default 80). Compared with a slack of 1 ns.
    expected_lag_s : float or None, keyword-only
        For an in-time answer: the lag at which it belongs (seconds; e.g. one phrase).
    pitch_tolerance_cents : float or None, keyword-only
        A sung answer: its pitch counts right within this many cents of the call's note
        (finite, >= 0); None (default): MIDI notes, right when equal.

    Returns
    -------
    EchoScore

    Raises
    ------
    ValueError
        An empty call, a non-finite onset, a call duration not finite and >= 0, or a
        tolerance not finite and >= 0; each message one line naming the note.
    """
    if not call:
        raise ValueError("call: no notes (allowed: a call of at least one note)")
    if not (math.isfinite(tolerance_ms) and tolerance_ms >= 0):
        raise ValueError(f"tolerance_ms {tolerance_ms!r}: must be a finite number of ms >= 0")
    sung = pitch_tolerance_cents is not None
    if sung and not (math.isfinite(pitch_tolerance_cents) and pitch_tolerance_cents >= 0):
        raise ValueError(f"pitch_tolerance_cents {pitch_tolerance_cents!r}: must be a finite number of cents >= 0")
    c_rows = np.array([(n.onset_s, n.duration_s, -1 if n.note is None else n.note) for n in call], dtype=np.float64)
    a_rows = np.array([(n.onset_s, _answer_pitch(n, sung)) for n in answer], dtype=np.float64)
    lag_s = math.nan if expected_lag_s is None else float(expected_lag_s)
    out, pairs, errors_ms = score_arrays(c_rows, a_rows.reshape(-1, 2), tolerance_ms / 1000.0, lag_s,
                                         float(pitch_tolerance_cents) if sung else math.nan)
    v = [None if x != x else x for x in out.tolist()]  # NaN (undefined) -> None
    return EchoScore(len(call), len(answer), int(v[0]), *v[1:], float(tolerance_ms),
                     tuple(map(tuple, pairs.tolist())), tuple(errors_ms.tolist()))


def _answer_pitch(n: EchoNote, sung: bool) -> float:
    """An answer note's pitch for the kernel: its sung pitch when scored as sung, else its
    MIDI note; -1 when it has none."""
    if sung and n.pitch_midi is not None:
        if not (math.isfinite(n.pitch_midi) and n.pitch_midi >= 0):
            raise ValueError(f"answer: pitch_midi {n.pitch_midi!r} is not allowed (a finite MIDI pitch >= 0)")
        return float(n.pitch_midi)
    return -1.0 if n.note is None else float(n.note)
