"""The narration's levels: loudness and peak, measured, and the gain that normalizes them.

This module owns measuring a mono signal — integrated loudness as ITU-R BS.1770-4 defines
it (K-weighting, 400 ms blocks overlapping by 75 %, the -70 LUFS absolute and -10 LU
relative gates) and the sample peak — and the rule that sets the narration's level: as
close to :data:`TARGET_LOUDNESS` as the peak allows, the peak never above
:data:`PEAK_CEILING` (a margin under -1 dBFS, so the decoded Opus and MP3 stay under it
too). It must not synthesize, encode, or read and write files.

The narration applies the rule to each piece (paragraph) on its own, so an edit never
changes another paragraph's audio, and adds up the whole from the pieces' block powers
(:func:`gated_loudness`). Measured on both example narrations (English and Spanish voices,
17 pieces each): raw piece loudness spreads over about 2.5 LU (-21.7 to -19.3 LUFS), the
whole narration reads -23.1 LUFS in the Opus and -23.5 in the MP3 (ffmpeg's ebur128), sample
peaks -1.7 dBFS at most. A gain fixed per voice would also land within 1 LU (each voice's
narrations measure within 0.2 LU of each other raw) but needs a calibration passage per
voice; the per-piece gain needs nothing and follows the lexicon and the text.
"""

from __future__ import annotations

import math
import threading
from functools import lru_cache

import numpy as np

from a11ykit.speech.outputs import Levels

#: Integrated loudness the narration is brought to: -23 LUFS, EBU R 128's programme level, which
#: espeak's peaky speech reaches with its peaks under the ceiling (it measures about -21 LUFS
#: with peaks at 0 dBFS as it comes; -16 LUFS, a podcast level, would need a limiter).
TARGET_LOUDNESS = -23.0
#: The highest sample peak after normalizing (dBFS): EBU R 128 allows -1 dBTP, and lossy
#: encoding adds up to about 0.3 dB.
PEAK_CEILING = -1.5

_BLOCK = 0.4  # seconds
_STEP = 0.1  # 75 % overlap
_ABSOLUTE_GATE = -70.0
_RELATIVE_GATE = -10.0


def _biquad_response(
    b: tuple[float, float, float], a: tuple[float, float, float], z: np.ndarray
) -> np.ndarray:
    """A biquad's frequency response at the points ``z`` (z^-1 on the unit circle)."""
    response = b[0] + z * (b[1] + z * b[2])
    response /= a[0] + z * (a[1] + z * a[2])
    return response


def _k_filters(rate: int) -> list[tuple[tuple[float, float, float], tuple[float, float, float]]]:
    """BS.1770's two K-weighting stages (a high shelf of about +4 dB, then the RLB high-pass),
    designed for ``rate`` as libebur128 does; at 48 kHz they are the standard's coefficients."""
    k = math.tan(math.pi * 1681.974450955533 / rate)
    q = 0.7071752369554196
    vh = 10 ** (3.999843853973347 / 20)
    vb = vh**0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf = (
        ((vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0),
        (1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0),
    )
    k = math.tan(math.pi * 38.13547087602444 / rate)
    q = 0.5003270373238773
    a0 = 1 + k / q + k * k
    high_pass = ((1.0, -2.0, 1.0), (1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0))
    return [shelf, high_pass]


_RESPONSE_LOCK = threading.Lock()


def k_weighted(samples: np.ndarray, rate: int) -> np.ndarray:
    """The signal through the K-weighting filters (applied in the frequency domain, with at
    least a second of silence after it so the filters' response does not wrap around)."""
    n = 1 << (len(samples) + rate - 1).bit_length()  # a power of two: a fast FFT at any length
    spectrum = np.fft.rfft(np.asarray(samples, dtype=np.float32), n)  # single precision: ample for dB
    with _RESPONSE_LOCK:  # pieces measured side by side share a length: its response is made once
        response = _k_response(rate, n)
    return np.fft.irfft(spectrum * response, n)[: len(samples)]


@lru_cache(maxsize=8)
def _k_response(rate: int, n: int) -> np.ndarray:
    """Both K-weighting stages' response at a real FFT's bins, kept for eight lengths. The
    lengths are powers of two, one per doubling of a piece's length: a narration's pieces of
    1 to 45 s need six (with two kept, the cold build of a 12-minute narration, the site
    benchmark's median article, made them 26 times instead of 4). At most 8 MB each (a piece of
    45 s), 16 MB together."""
    angles = np.arange(n // 2 + 1) * (-2 * np.pi / n)  # z^-1 at the bins of a real FFT of length n
    z = np.empty(len(angles), dtype=np.complex128)
    z.real, z.imag = np.cos(angles), np.sin(angles)
    (shelf_b, shelf_a), (high_b, high_a) = _k_filters(rate)
    response = _biquad_response(shelf_b, shelf_a, z)
    response *= _biquad_response(high_b, high_a, z)
    response = response.astype(np.complex64)
    response.flags.writeable = False
    return response


def block_powers(samples: np.ndarray, rate: int) -> np.ndarray:
    """The mean square of the K-weighted signal in each 400 ms block (75 % overlap): what
    integrated loudness is computed from. Blocks of separate passages can be pooled and
    gated together (:func:`gated_loudness`), so a narration measured piece by piece never
    needs all of its samples at once; a power scales with the square of a gain."""
    block, step = round(_BLOCK * rate), round(_STEP * rate)
    if len(samples) < block:
        return np.zeros(0)
    weighted = k_weighted(samples, rate)
    energy = np.concatenate(([0.0], np.cumsum(np.square(weighted, dtype=np.float64))))
    starts = np.arange(0, len(samples) - block + 1, step)
    return (energy[starts + block] - energy[starts]) / block


def gated_loudness(powers: np.ndarray) -> float:
    """Integrated loudness in LUFS of blocks' powers (:func:`block_powers`), with BS.1770's
    absolute and relative gates (``-inf`` when no block passes)."""
    powers = np.asarray(powers, dtype=np.float64)
    with np.errstate(divide="ignore"):
        loudness = -0.691 + 10 * np.log10(powers)
    kept = powers[loudness > _ABSOLUTE_GATE]
    if not len(kept):
        return -math.inf
    relative = -0.691 + 10 * math.log10(float(np.mean(kept))) + _RELATIVE_GATE
    kept = powers[(loudness > _ABSOLUTE_GATE) & (loudness > relative)]
    return -0.691 + 10 * math.log10(float(np.mean(kept)))


def integrated_loudness(samples: np.ndarray, rate: int) -> float:
    """Integrated loudness of a mono signal in LUFS (``-inf`` for silence or under 400 ms)."""
    return gated_loudness(block_powers(samples, rate))


def peak_dbfs(samples: np.ndarray) -> float:
    """The sample peak of float samples (full scale 1.0) in dBFS."""
    peak = float(np.max(np.abs(samples))) if len(samples) else 0.0
    return 20 * math.log10(peak) if peak > 0 else -math.inf


def level_gain(measured: float, peak: float) -> float:
    """The gain (dB) that brings a passage measured at ``measured`` LUFS with a sample peak of
    ``peak`` dBFS to :data:`TARGET_LOUDNESS`, or less where the peak would pass
    :data:`PEAK_CEILING` (no limiter: speech keeps its dynamics); 0 for silence."""
    if not math.isfinite(peak):
        return 0.0
    if not math.isfinite(measured):  # too short to measure: only the peak limits it
        return min(0.0, PEAK_CEILING - peak)
    return min(TARGET_LOUDNESS - measured, PEAK_CEILING - peak)


def normalize(samples: np.ndarray, rate: int) -> tuple[np.ndarray, Levels]:
    """The samples brought to :data:`TARGET_LOUDNESS` by :func:`level_gain`, and what was done."""
    measured = integrated_loudness(samples, rate)
    peak = peak_dbfs(samples)
    if not math.isfinite(measured) or not math.isfinite(peak):
        return samples, Levels(measured, 0.0, measured, peak)
    gain = level_gain(measured, peak)
    out = (samples * 10 ** (gain / 20)).astype(np.float32)
    return out, Levels(measured, gain, measured + gain, peak_dbfs(out))
