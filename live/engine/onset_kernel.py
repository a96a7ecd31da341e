"""The microphone onset detector's per-sample work: one numba kernel over a chunk, its parameters
and state in flat arrays kept between chunks (no allocation per sample), so any chunking gives the
same onsets. The method is described in :mod:`live.engine.onsets`, which builds the arrays.

Two channels are followed: the broadband one (the 120 Hz high-pass) and the low band, where a
drum's or a low note's attack starts: the input less its copies one mains period earlier at 50 Hz
and at 60 Hz (a comb, ``x[n] - x[n - P50] - x[n - P60] + x[n - P50 - P60]``, that cancels hum at
either mains frequency with all its harmonics, and DC, without delaying anything else), then a
2nd-order low-pass at 1 kHz (0.23 ms of delay; a 20th of white noise's power is left).

Realtime-safe: no (control thread; see :class:`live.engine.onsets.OnsetDetector`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

GAINS = 15  # per-window bleed gains whose median is the gain

# parameter slots
(P_FAST, P_ENV, P_SLOW, P_HOLD, P_RISE, P_THR, P_NOISE_F, P_LOCAL_F, P_BACK_F,
 P_REFRACT, P_MAX_BACK, P_PEAK, P_WARM, P_MARGIN, P_GAIN0, P_WIN, P_BRIDGE, P_REF_MIN, P_MEAS, P_SETTLE,
 P_ENV_LO, P_P50, P_P60, P_BACK_LO, P_N) = range(25)
# state slots
(S_FAST, S_ENV, S_SLOW, S_NOISE, S_REF, S_HOLD, S_GAIN, S_NEXT, S_PEND, S_PEAK,
 S_SEEN, S_WSUM_X, S_WSUM_R, S_NGAINS, S_RFAST, S_RSLOW, S_PREV_X, S_QUIET, S_MEAS, S_RFH, S_RMIN, S_RON,
 S_ARMED, S_FAST_LO, S_ENV_LO, S_SLOW_LO, S_NOISE_LO, S_REF_LO, S_HOLD_LO, S_RFAST_LO, S_RFH_LO, S_RSLOW_LO,
 S_N) = range(33)
# history rows: by frame (the walk-back's) and by sample seen (the comb's: chunks as if they touched)
(H_FAST, H_FLOOR, H_ABS, H_POWER, H_FAST_LO, H_FLOOR_LO, H_X, H_REF, H_N) = range(9)


@njit(cache=True, inline="always")
def _filter(sos, z, channel, v):  # pragma: no cover - compiled
    """One sample ``v`` through the biquads ``sos`` (transposed direct form II), the state of
    ``channel`` (0 the microphone, 1 the reference) in ``z``."""
    y = v
    for q in range(sos.shape[0]):
        u = y
        y = sos[q, 0] * u + z[channel, q, 0]
        z[channel, q, 0] = sos[q, 1] * u - sos[q, 4] * y + z[channel, q, 1]
        z[channel, q, 1] = sos[q, 2] * u - sos[q, 5] * y
    return y


@njit(cache=True, inline="always")
def _hum_comb(hist, row, n, mask, v, p50, p60):  # pragma: no cover - compiled
    """``v`` (sample ``n`` seen, kept in ``hist[row]``) less its copies one 50 Hz and one 60 Hz
    period before, plus the one both periods before: hum at either frequency cancelled."""
    hist[row, n & mask] = v
    return v - hist[row, (n - p50) & mask] - hist[row, (n - p60) & mask] + hist[row, (n - p50 - p60) & mask]


@njit(cache=True, inline="always")
def _walk_back(hist, row, mask, f, limit, bridge):  # pragma: no cover - compiled
    """The earliest frame >= ``limit`` of the run up to ``f`` in which ``hist[row]`` (an envelope)
    stays above ``hist[row + 1]`` (its floor), dips shorter than ``bridge`` frames bridged."""
    earliest = f
    j = f
    while j - 1 >= limit and j - 1 >= earliest - bridge:
        j -= 1
        hj = int(j) & mask
        if hist[row, hj] > hist[row + 1, hj]:
            earliest = j
    return earliest


@njit(cache=True, inline="always")
def _background(s, slow, noise, pw, seen, p):  # pragma: no cover - compiled
    """Update the 30 ms envelope ``s[slow]`` and the noise floor ``s[noise]`` (its minimum, rising at
    most 3 dB/s) with ``pw``; ``seen`` samples so far (< P_WARM: the running mean, the floor on it)."""
    if seen < p[P_WARM]:
        s[slow] += (pw - s[slow]) / (seen + 1.0)
        s[noise] = s[slow]
    else:
        s[slow] += p[P_SLOW] * (pw - s[slow])
        if s[slow] < s[noise]:
            s[noise] = s[slow]
        else:
            s[noise] *= p[P_RISE]


@njit(cache=True, error_model="numpy")
def run(x, ref, has_ref, first, p, sos, sos_lo, z, z_lo, s, hist, gains, out_frame, out_peak):  # pragma: no cover - compiled
    """Process one chunk (``x`` and, if ``has_ref``, ``ref``; frame of ``x[0]`` ``first``); returns
    how many onsets were written to ``out_*``."""
    mask = hist.shape[1] - 1
    p50 = int(p[P_P50])
    p60 = int(p[P_P60])
    comb_len = p50 + p60
    n_out = 0
    for i in range(x.shape[0]):
        f = first + i
        v = x[i]
        seen = s[S_SEEN]
        n = int(seen)
        y = _filter(sos, z, 0, v)
        pw = y * y
        yl = _filter(sos_lo, z_lo, 0, _hum_comb(hist, H_X, n, mask, v, p50, p60))
        pl = yl * yl
        s[S_FAST] += p[P_FAST] * (pw - s[S_FAST])
        s[S_ENV] += p[P_ENV] * (pw - s[S_ENV])
        s[S_FAST_LO] += p[P_FAST] * (pl - s[S_FAST_LO])
        s[S_ENV_LO] += p[P_ENV_LO] * (pl - s[S_ENV_LO])
        _background(s, S_SLOW, S_NOISE, pw, seen, p)
        seen_lo = seen - comb_len  # the comb is whole from then on
        if seen_lo >= 0:
            _background(s, S_SLOW_LO, S_NOISE_LO, pl, seen_lo, p)
        s[S_SEEN] = seen + 1.0
        noise = max(s[S_NOISE], 1e-20)
        noise_lo = max(s[S_NOISE_LO], 1e-20)
        bleed = 0.0
        bleed_fast = 0.0
        background = s[S_SLOW]
        bleed_lo = 0.0
        bleed_fast_lo = 0.0
        background_lo = s[S_SLOW_LO]
        if has_ref:
            r = ref[i]
            yr = _filter(sos, z, 1, r)
            pr = yr * yr
            s[S_REF] += p[P_ENV] * (pr - s[S_REF])
            s[S_RFAST] += p[P_FAST] * (pr - s[S_RFAST])
            s[S_RFH] = max(s[S_RFAST], s[S_RFH] * (1.0 - p[P_ENV]))  # held over ~1 ms: a reference a little early
            s[S_RSLOW] += p[P_SLOW] * (pr - s[S_RSLOW])
            s[S_HOLD] = max(s[S_REF], s[S_HOLD] * (1.0 - p[P_HOLD]))
            yrl = _filter(sos_lo, z_lo, 1, _hum_comb(hist, H_REF, n, mask, r, p50, p60))
            prl = yrl * yrl
            s[S_REF_LO] += p[P_ENV_LO] * (prl - s[S_REF_LO])
            s[S_RFAST_LO] += p[P_FAST] * (prl - s[S_RFAST_LO])
            s[S_RFH_LO] = max(s[S_RFAST_LO], s[S_RFH_LO] * (1.0 - p[P_ENV]))
            s[S_RSLOW_LO] += p[P_SLOW] * (prl - s[S_RSLOW_LO])
            s[S_HOLD_LO] = max(s[S_REF_LO], s[S_HOLD_LO] * (1.0 - p[P_HOLD]))
            # the bleed gain, per start of the reference after >= 5 ms of quiet: the microphone's
            # energy over the 10 ms from it less its energy over the 10 ms before, over the
            # reference's; the gain is the median of the last few
            if s[S_MEAS] > 0:
                s[S_WSUM_X] += pw
                s[S_WSUM_R] += pr
                s[S_MEAS] -= 1.0
                if s[S_MEAS] == 0.0 and s[S_WSUM_R] > 0.0:
                    k = int(s[S_NGAINS])
                    gains[k % gains.shape[0]] = max(s[S_WSUM_X] - s[S_PREV_X], 0.0) / s[S_WSUM_R]
                    s[S_NGAINS] = k + 1
                    s[S_GAIN] = np.median(gains[:min(k + 1, gains.shape[0])])
            elif s[S_RFAST] > p[P_REF_MIN] and s[S_QUIET] >= p[P_WIN] and seen >= p[P_MEAS]:
                before = 0.0
                for j in range(int(f) - int(p[P_MEAS]), int(f)):
                    before += hist[H_POWER, j & mask]
                s[S_PREV_X] = before
                s[S_WSUM_X] = pw
                s[S_WSUM_R] = pr
                s[S_MEAS] = p[P_MEAS] - 1.0
            s[S_QUIET] = s[S_QUIET] + 1.0 if s[S_RFAST] <= p[P_REF_MIN] else 0.0
            if s[S_NGAINS] == 0 and s[S_RSLOW] > p[P_REF_MIN] and seen >= p[P_WARM]:
                # a reference that has not paused yet (a song): the gain is twice the lowest ratio
                # of the 30 ms envelopes (the client's sounds and the noise only add; a room's
                # reverb makes the lowest fall under the bleed's), rising at most 3 dB/s, in use
                # once the reference has sounded for a second
                r = s[S_SLOW] / s[S_RSLOW]
                if s[S_RON] < p[P_WIN] * 20:  # its first 100 ms: the bleed has not arrived yet
                    pass
                elif s[S_RMIN] < 0.0 or r < s[S_RMIN]:
                    s[S_RMIN] = r
                else:
                    s[S_RMIN] *= p[P_RISE]
                s[S_RON] += 1.0
                if s[S_RON] >= p[P_SETTLE]:
                    s[S_GAIN] = s[S_RMIN] * 4.0
            gain = s[S_GAIN]
            bleed = gain * s[S_HOLD]
            bleed_fast = gain * s[S_RFH]
            background = max(s[S_SLOW] - gain * s[S_RSLOW], 0.0)  # the background less the bleed's
            # the low band's bleed at the broadband gain; its floor takes the held envelope too
            # (the room's reverb of the bleed, which the reference has not, is mostly low)
            bleed_lo = gain * s[S_HOLD_LO]
            bleed_fast_lo = max(gain * s[S_RFH_LO], bleed_lo)
            background_lo = max(s[S_SLOW_LO] - gain * s[S_RSLOW_LO], 0.0)
        warm_lo = seen_lo >= p[P_WARM]
        h = int(f) & mask
        hist[H_FAST, h] = s[S_FAST]
        hist[H_FLOOR, h] = p[P_BACK_F] * max(noise, background) + 2.0 * bleed_fast
        hist[H_ABS, h] = abs(v)
        hist[H_POWER, h] = pw
        hist[H_FAST_LO, h] = s[S_FAST_LO]
        hist[H_FLOOR_LO, h] = p[P_BACK_LO] * max(noise_lo, background_lo) + 2.0 * bleed_fast_lo if warm_lo else np.inf
        if s[S_PEND] >= 0:
            s[S_PEAK] = max(s[S_PEAK], abs(v))
            if f >= s[S_PEND] + p[P_PEAK] - 1:
                out_frame[n_out] = np.int64(s[S_PEND])
                out_peak[n_out] = s[S_PEAK]
                n_out += 1
                s[S_PEND] = -1.0
        env = s[S_ENV]
        env_lo = s[S_ENV_LO]
        above = seen >= p[P_WARM] and (
            (env > p[P_THR] and env > p[P_NOISE_F] * noise and env > p[P_LOCAL_F] * background
             and env > p[P_MARGIN] * bleed)
            or (warm_lo and env_lo > p[P_THR] and env_lo > p[P_NOISE_F] * noise_lo
                and env_lo > p[P_LOCAL_F] * background_lo and env_lo > p[P_MARGIN] * bleed_lo))
        if not above:
            s[S_ARMED] = 1.0  # the last detection's sound has fallen under the detection level
        elif s[S_ARMED] > 0 and f >= s[S_NEXT]:
            # walk back to where the attack leaves the floor in either band, bridging dips shorter
            # than P_BRIDGE, never into the last onset's refractory window
            s[S_ARMED] = 0.0
            limit = max(f - p[P_MAX_BACK], s[S_NEXT])
            earliest = min(_walk_back(hist, H_FAST, mask, f, limit, p[P_BRIDGE]),
                           _walk_back(hist, H_FAST_LO, mask, f, limit, p[P_BRIDGE]))
            peak = 0.0
            k = earliest
            while k <= f:
                peak = max(peak, hist[H_ABS, int(k) & mask])
                k += 1
            s[S_NEXT] = earliest + p[P_REFRACT]
            if f >= earliest + p[P_PEAK] - 1:
                out_frame[n_out] = np.int64(earliest)
                out_peak[n_out] = peak
                n_out += 1
            else:
                s[S_PEND] = earliest
                s[S_PEAK] = peak
    return n_out
