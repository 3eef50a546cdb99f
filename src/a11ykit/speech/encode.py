"""Resample a piece of narration and check encoded audio by decoding it again.

This module owns the output rate, resampling and the decode check. It must not
synthesize, name or place files, or know about text; encoding and joining are
:mod:`a11ykit.speech.joining`'s.

espeak speaks at 22050 Hz, which Opus refuses, so each piece is resampled
(band-limited, by FFT) to 24 kHz. Every encoded piece is decoded again and its duration
checked (in blocks: never a whole narration's samples at once), because an encoder that
"succeeds" with an empty or truncated file is the failure we most want to catch.
"""

from __future__ import annotations

import math
from typing import BinaryIO

import numpy as np

from a11ykit.errors import SpeechError
from a11ykit.speech.synth import MIN_PEAK

#: The output sample rate: Opus takes 8, 12, 16, 24 and 48 kHz only, and MP3 at 24 kHz has
#: 576-sample frames (a piece's whole frames in both formats are 120 ms steps).
OUTPUT_RATE = 24_000

#: Frames decoded at a time when checking a written file (about 2.7 s at 24 kHz).
_VERIFY_BLOCK = 65_536


def _smooth(n: int) -> int:
    """The smallest 2^a·3^b·5^c ≥ n: a length FFTs handle fast."""
    best = 1 << max(0, (n - 1).bit_length())
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            p = p35
            while p < n:
                p *= 2
            best = min(best, p)
            p35 *= 3
        p5 *= 5
    return best


def resampled_length(n: int, from_rate: int, to_rate: int = OUTPUT_RATE) -> int:
    return round(n * to_rate / from_rate)


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Band-limited resampling by FFT; the result has ``round(n · to / from)`` samples."""
    if from_rate == to_rate:
        return samples.astype(np.float32)
    n = len(samples)
    n_out = resampled_length(n, from_rate, to_rate)
    g = math.gcd(from_rate, to_rate)
    step_in, step_out = from_rate // g, to_rate // g
    # Pad with silence (no wrap-around between the ends) to a length both rates divide.
    blocks = _smooth(-(-(n + 2048) // step_in))
    padded = np.zeros(blocks * step_in, dtype=np.float32)  # single precision: -140 dB of error
    padded[:n] = samples
    m = blocks * step_out
    spectrum = np.fft.rfft(padded)
    out_spectrum = np.zeros(m // 2 + 1, dtype=np.complex64)
    keep = min(len(spectrum), len(out_spectrum))
    out_spectrum[:keep] = spectrum[:keep]
    result = np.fft.irfft(out_spectrum, m)[:n_out] * (m / len(padded))
    return np.clip(result, -1.0, 1.0).astype(np.float32)


def verify_audio(fileobj: BinaryIO, *, duration: float, tolerance: float = 0.05, what: str = "audio") -> None:
    """Decode a written file; raise SpeechError unless it is mono, not silent and ``duration`` long."""
    import soundfile  # here: a build checks its files from their structure and need not load libsndfile

    frames, peak = 0, 0.0
    try:
        with soundfile.SoundFile(fileobj) as data:  # in blocks: never the whole narration at once
            channels, rate = data.channels, data.samplerate
            for block in data.blocks(blocksize=_VERIFY_BLOCK, dtype="float32", always_2d=True):
                frames += len(block)
                peak = max(peak, float(np.max(np.abs(block)))) if len(block) else peak
    except (soundfile.LibsndfileError, RuntimeError, TypeError) as exc:
        raise SpeechError(f"{what} does not decode: {exc}", code="A11Y506") from None
    if channels != 1:
        raise SpeechError(f"{what} has {channels} channels, expected 1", code="A11Y506")
    got = frames / rate
    if abs(got - duration) > tolerance:
        raise SpeechError(f"{what} lasts {got:.3f} s, expected {duration:.3f} s", code="A11Y506")
    if frames == 0 or peak < MIN_PEAK:
        raise SpeechError(f"{what} is silent", code="A11Y506")
