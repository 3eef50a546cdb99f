"""The narration's levels: loudness and peak, measured, and the gain that normalizes them.

This module owns measuring a mono signal — integrated loudness as ITU-R BS.1770-4 defines
it (K-weighting, 400 ms blocks overlapping by 75 %, the -70 LUFS absolute and -10 LU
relative gates) and the sample peak — and the rule that sets the narration's level: as
close to :data:`TARGET_LOUDNESS` as the peak allows, the peak never above
:data:`PEAK_CEILING` (a margin under -1 dBFS, so the decoded Opus and MP3 stay under it
too). It must not synthesize, encode, or read and write files.
"""

from __future__ import annotations

import math

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


def _biquad_response(b: tuple[float, float, float], a: tuple[float, float, float], n: int) -> np.ndarray:
    """A biquad's frequency response at the ``n // 2 + 1`` bins of a real FFT of length ``n``."""
    z = np.exp(-2j * np.pi * np.arange(n // 2 + 1) / n)  # z^-1
    return (b[0] + b[1] * z + b[2] * z * z) / (a[0] + a[1] * z + a[2] * z * z)


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


def k_weighted(samples: np.ndarray, rate: int) -> np.ndarray:
    """The signal through the K-weighting filters (applied in the frequency domain, with a
    second of silence after it so the filters' response does not wrap around)."""
    n = len(samples) + rate
    n += n % 2
    spectrum = np.fft.rfft(np.asarray(samples, dtype=np.float64), n)
    for b, a in _k_filters(rate):
        spectrum *= _biquad_response(b, a, n)
    return np.fft.irfft(spectrum, n)[: len(samples)]


def integrated_loudness(samples: np.ndarray, rate: int) -> float:
    """Integrated loudness of a mono signal in LUFS (``-inf`` for silence or under 400 ms)."""
    block, step = round(_BLOCK * rate), round(_STEP * rate)
    if len(samples) < block:
        return -math.inf
    weighted = k_weighted(samples, rate)
    energy = np.concatenate(([0.0], np.cumsum(weighted * weighted)))
    starts = np.arange(0, len(samples) - block + 1, step)
    powers = (energy[starts + block] - energy[starts]) / block
    with np.errstate(divide="ignore"):
        loudness = -0.691 + 10 * np.log10(powers)
    kept = powers[loudness > _ABSOLUTE_GATE]
    if not len(kept):
        return -math.inf
    relative = -0.691 + 10 * math.log10(float(np.mean(kept))) + _RELATIVE_GATE
    kept = powers[(loudness > _ABSOLUTE_GATE) & (loudness > relative)]
    return -0.691 + 10 * math.log10(float(np.mean(kept)))


def peak_dbfs(samples: np.ndarray) -> float:
    """The sample peak of float samples (full scale 1.0) in dBFS."""
    peak = float(np.max(np.abs(samples))) if len(samples) else 0.0
    return 20 * math.log10(peak) if peak > 0 else -math.inf


def normalize(samples: np.ndarray, rate: int) -> tuple[np.ndarray, Levels]:
    """The samples brought to :data:`TARGET_LOUDNESS`, or less where the peak would pass
    :data:`PEAK_CEILING` (no limiter: speech keeps its dynamics); and what was done."""
    measured = integrated_loudness(samples, rate)
    peak = peak_dbfs(samples)
    if not math.isfinite(measured) or not math.isfinite(peak):
        return samples, Levels(measured, 0.0, measured, peak)
    gain = min(TARGET_LOUDNESS - measured, PEAK_CEILING - peak)
    out = (samples * 10 ** (gain / 20)).astype(np.float32)
    return out, Levels(measured, gain, measured + gain, peak_dbfs(out))
