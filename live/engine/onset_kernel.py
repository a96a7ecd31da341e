"""The microphone onset detector's per-sample work: one numba kernel over a chunk, its parameters
and state in flat arrays kept between chunks (no allocation per sample), so any chunking gives the
same onsets. The method is described in :mod:`live.engine.onsets`, which builds the arrays.

Two channels are followed: the broadband one (the 120 Hz high-pass) and the low band, where a
drum's or a low note's attack starts: the input less its copies one mains period earlier at 50 Hz
and at 60 Hz (a comb, ``x[n] - x[n - P50] - x[n - P60] + x[n - P50 - P60]``, that cancels hum at
either mains frequency with all its harmonics, and DC, without delaying anything else), then a
2nd-order low-pass at 1 kHz (0.23 ms of delay; a 20th of white noise's power is left). With
``P_LOW`` 0 the low band is not computed at all (the broadband detector alone: the song warp's).

Realtime-safe: no (control thread; see :class:`live.engine.onsets.OnsetDetector`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

GAINS = 15  # per-window bleed gains whose median is the gain

# parameter slots
(P_FAST, P_ENV, P_SLOW, P_HOLD, P_RISE, P_THR, P_NOISE_F, P_LOCAL_F, P_BACK_F,
 P_REFRACT, P_MAX_BACK, P_PEAK, P_WARM, P_MARGIN, P_GAIN0, P_WIN, P_BRIDGE, P_REF_MIN, P_MEAS, P_SETTLE,
 P_ENV_LO, P_P50, P_P60, P_BACK_LO, P_LOW, P_N) = range(26)
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
def _background(slow, noise, pw, seen, warm, a_slow, rise):  # pragma: no cover - compiled
    """The 30 ms envelope ``slow`` and the noise floor ``noise`` (its minimum, rising at most
    3 dB/s: ``rise`` per sample) after ``pw``; ``seen`` samples so far (< ``warm``: the running
    mean, the floor on it)."""
    if seen < warm:
        slow += (pw - slow) / (seen + 1.0)
        return slow, slow
    slow += a_slow * (pw - slow)
    return slow, (slow if slow < noise else noise * rise)


@njit(cache=True, error_model="numpy")
def run(x, ref, has_ref, first, p, sos, sos_lo, z, z_lo, s, hist, gains, out_frame, out_peak):  # pragma: no cover - compiled
    """Process one chunk (``x`` and, if ``has_ref``, ``ref``; frame of ``x[0]`` ``first``); returns
    how many onsets were written to ``out_*``."""
    mask = hist.shape[1] - 1
    p50 = int(p[P_P50])
    p60 = int(p[P_P60])
    comb_len = p50 + p60
    # state and parameters in locals for the loop, the state stored back after it: through the
    # arrays (which numba cannot tell apart) every update was a load and a store, 1.7 times the time
    s_armed, s_env, s_env_lo, s_fast = s[S_ARMED], s[S_ENV], s[S_ENV_LO], s[S_FAST]
    s_fast_lo, s_gain, s_hold, s_hold_lo = s[S_FAST_LO], s[S_GAIN], s[S_HOLD], s[S_HOLD_LO]
    s_meas, s_next, s_ngains, s_noise = s[S_MEAS], s[S_NEXT], s[S_NGAINS], s[S_NOISE]
    s_noise_lo, s_peak, s_pend, s_prev_x = s[S_NOISE_LO], s[S_PEAK], s[S_PEND], s[S_PREV_X]
    s_quiet, s_ref, s_ref_lo, s_rfast = s[S_QUIET], s[S_REF], s[S_REF_LO], s[S_RFAST]
    s_rfast_lo, s_rfh, s_rfh_lo, s_rmin = s[S_RFAST_LO], s[S_RFH], s[S_RFH_LO], s[S_RMIN]
    s_ron, s_rslow, s_rslow_lo, s_seen = s[S_RON], s[S_RSLOW], s[S_RSLOW_LO], s[S_SEEN]
    s_slow, s_slow_lo, s_wsum_r, s_wsum_x = s[S_SLOW], s[S_SLOW_LO], s[S_WSUM_R], s[S_WSUM_X]
    p_back_f, p_back_lo, p_bridge, p_env = p[P_BACK_F], p[P_BACK_LO], p[P_BRIDGE], p[P_ENV]
    p_env_lo, p_fast, p_hold, p_local_f = p[P_ENV_LO], p[P_FAST], p[P_HOLD], p[P_LOCAL_F]
    p_margin, p_max_back, p_meas, p_noise_f = p[P_MARGIN], p[P_MAX_BACK], p[P_MEAS], p[P_NOISE_F]
    p_peak, p_refract, p_ref_min, p_rise = p[P_PEAK], p[P_REFRACT], p[P_REF_MIN], p[P_RISE]
    p_settle, p_slow, p_thr, p_warm = p[P_SETTLE], p[P_SLOW], p[P_THR], p[P_WARM]
    p_win = p[P_WIN]
    low = p[P_LOW] > 0
    n_out = 0
    for i in range(x.shape[0]):
        f = first + i
        v = x[i]
        seen = s_seen
        n = int(seen)
        y = _filter(sos, z, 0, v)
        pw = y * y
        s_fast += p_fast * (pw - s_fast)
        s_env += p_env * (pw - s_env)
        s_slow, s_noise = _background(s_slow, s_noise, pw, seen, p_warm, p_slow, p_rise)
        seen_lo = seen - comb_len  # the comb is whole from then on
        if low:
            yl = _filter(sos_lo, z_lo, 0, _hum_comb(hist, H_X, n, mask, v, p50, p60))
            pl = yl * yl
            s_fast_lo += p_fast * (pl - s_fast_lo)
            s_env_lo += p_env_lo * (pl - s_env_lo)
            if seen_lo >= 0:
                s_slow_lo, s_noise_lo = _background(s_slow_lo, s_noise_lo, pl, seen_lo, p_warm, p_slow, p_rise)
        s_seen = seen + 1.0
        noise = max(s_noise, 1e-20)
        noise_lo = max(s_noise_lo, 1e-20)
        bleed = 0.0
        bleed_fast = 0.0
        background = s_slow
        bleed_lo = 0.0
        bleed_fast_lo = 0.0
        background_lo = s_slow_lo
        if has_ref:
            r = ref[i]
            yr = _filter(sos, z, 1, r)
            pr = yr * yr
            s_ref += p_env * (pr - s_ref)
            s_rfast += p_fast * (pr - s_rfast)
            s_rfh = max(s_rfast, s_rfh * (1.0 - p_env))  # held over ~1 ms: a reference a little early
            s_rslow += p_slow * (pr - s_rslow)
            s_hold = max(s_ref, s_hold * (1.0 - p_hold))
            if low:
                yrl = _filter(sos_lo, z_lo, 1, _hum_comb(hist, H_REF, n, mask, r, p50, p60))
                prl = yrl * yrl
                s_ref_lo += p_env_lo * (prl - s_ref_lo)
                s_rfast_lo += p_fast * (prl - s_rfast_lo)
                s_rfh_lo = max(s_rfast_lo, s_rfh_lo * (1.0 - p_env))
                s_rslow_lo += p_slow * (prl - s_rslow_lo)
                s_hold_lo = max(s_ref_lo, s_hold_lo * (1.0 - p_hold))
            # the bleed gain, per start of the reference after >= 5 ms of quiet: the microphone's
            # energy over the 10 ms from it less its energy over the 10 ms before, over the
            # reference's; the gain is the median of the last few
            if s_meas > 0:
                s_wsum_x += pw
                s_wsum_r += pr
                s_meas -= 1.0
                if s_meas == 0.0 and s_wsum_r > 0.0:
                    k = int(s_ngains)
                    gains[k % gains.shape[0]] = max(s_wsum_x - s_prev_x, 0.0) / s_wsum_r
                    s_ngains = k + 1
                    s_gain = np.median(gains[:min(k + 1, gains.shape[0])])
            elif s_rfast > p_ref_min and s_quiet >= p_win and seen >= p_meas:
                before = 0.0
                for j in range(int(f) - int(p_meas), int(f)):
                    before += hist[H_POWER, j & mask]
                s_prev_x = before
                s_wsum_x = pw
                s_wsum_r = pr
                s_meas = p_meas - 1.0
            s_quiet = s_quiet + 1.0 if s_rfast <= p_ref_min else 0.0
            if s_ngains == 0 and s_rslow > p_ref_min and seen >= p_warm:
                # a reference that has not paused yet (a song): the gain is twice the lowest ratio
                # of the 30 ms envelopes (the client's sounds and the noise only add; a room's
                # reverb makes the lowest fall under the bleed's), rising at most 3 dB/s, in use
                # once the reference has sounded for a second
                r = s_slow / s_rslow
                if s_ron < p_win * 20:  # its first 100 ms: the bleed has not arrived yet
                    pass
                elif s_rmin < 0.0 or r < s_rmin:
                    s_rmin = r
                else:
                    s_rmin *= p_rise
                s_ron += 1.0
                if s_ron >= p_settle:
                    s_gain = s_rmin * 4.0
            gain = s_gain
            bleed = gain * s_hold
            bleed_fast = gain * s_rfh
            background = max(s_slow - gain * s_rslow, 0.0)  # the background less the bleed's
            # the low band's bleed at the broadband gain; its floor takes the held envelope too
            # (the room's reverb of the bleed, which the reference has not, is mostly low)
            bleed_lo = gain * s_hold_lo
            bleed_fast_lo = max(gain * s_rfh_lo, bleed_lo)
            background_lo = max(s_slow_lo - gain * s_rslow_lo, 0.0)
        warm_lo = low and seen_lo >= p_warm
        h = int(f) & mask
        hist[H_FAST, h] = s_fast
        hist[H_FLOOR, h] = p_back_f * max(noise, background) + 2.0 * bleed_fast
        hist[H_ABS, h] = abs(v)
        hist[H_POWER, h] = pw
        hist[H_FAST_LO, h] = s_fast_lo
        hist[H_FLOOR_LO, h] = p_back_lo * max(noise_lo, background_lo) + 2.0 * bleed_fast_lo if warm_lo else np.inf
        if s_pend >= 0:
            s_peak = max(s_peak, abs(v))
            if f >= s_pend + p_peak - 1:
                out_frame[n_out] = np.int64(s_pend)
                out_peak[n_out] = s_peak
                n_out += 1
                s_pend = -1.0
        env = s_env
        env_lo = s_env_lo
        above = seen >= p_warm and (
            (env > p_thr and env > p_noise_f * noise and env > p_local_f * background
             and env > p_margin * bleed)
            or (warm_lo and env_lo > p_thr and env_lo > p_noise_f * noise_lo
                and env_lo > p_local_f * background_lo and env_lo > p_margin * bleed_lo))
        if not above:
            s_armed = 1.0  # the last detection's sound has fallen under the detection level
        elif s_armed > 0 and f >= s_next:
            # walk back to where the attack leaves the floor in either band, bridging dips shorter
            # than P_BRIDGE, never into the last onset's refractory window
            s_armed = 0.0
            limit = max(f - p_max_back, s_next)
            earliest = _walk_back(hist, H_FAST, mask, f, limit, p_bridge)
            if low:
                earliest = min(earliest, _walk_back(hist, H_FAST_LO, mask, f, limit, p_bridge))
            peak = 0.0
            k = earliest
            while k <= f:
                peak = max(peak, hist[H_ABS, int(k) & mask])
                k += 1
            s_next = earliest + p_refract
            if f >= earliest + p_peak - 1:
                out_frame[n_out] = np.int64(earliest)
                out_peak[n_out] = peak
                n_out += 1
            else:
                s_pend = earliest
                s_peak = peak
    s[S_ARMED], s[S_ENV], s[S_ENV_LO], s[S_FAST] = s_armed, s_env, s_env_lo, s_fast
    s[S_FAST_LO], s[S_GAIN], s[S_HOLD], s[S_HOLD_LO] = s_fast_lo, s_gain, s_hold, s_hold_lo
    s[S_MEAS], s[S_NEXT], s[S_NGAINS], s[S_NOISE] = s_meas, s_next, s_ngains, s_noise
    s[S_NOISE_LO], s[S_PEAK], s[S_PEND], s[S_PREV_X] = s_noise_lo, s_peak, s_pend, s_prev_x
    s[S_QUIET], s[S_REF], s[S_REF_LO], s[S_RFAST] = s_quiet, s_ref, s_ref_lo, s_rfast
    s[S_RFAST_LO], s[S_RFH], s[S_RFH_LO], s[S_RMIN] = s_rfast_lo, s_rfh, s_rfh_lo, s_rmin
    s[S_RON], s[S_RSLOW], s[S_RSLOW_LO], s[S_SEEN] = s_ron, s_rslow, s_rslow_lo, s_seen
    s[S_SLOW], s[S_SLOW_LO], s[S_WSUM_R], s[S_WSUM_X] = s_slow, s_slow_lo, s_wsum_r, s_wsum_x
    return n_out
