"""Join chunks into one narration, resample, and write Opus-in-Ogg and MP3 with soundfile.

This module owns the narration's samples after synthesis: joining with pauses,
resampling, encoding and checking every encoded file by decoding it again. It must not
synthesize, name or place files (writers take open binary files), or know about text.

espeak speaks at 22050 Hz, which Opus refuses, so the narration is resampled
(band-limited, by FFT) to 24 or 48 kHz. Writers take open binary files; every
written file is decoded again and its duration checked, because an encoder that
"succeeds" with an empty or truncated file is the failure we most want to catch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import soundfile

from a11ykit.errors import SpeechError
from a11ykit.speech.synth import MIN_PEAK, Chunk

#: The output sample rate; Opus accepts 8, 12, 16, 24 and 48 kHz only.
OUTPUT_RATE = 24_000
OPUS_RATES = (8_000, 12_000, 16_000, 24_000, 48_000)
MP3_RATES = (8_000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000)

#: libsndfile's 0 (best quality) … 1 (smallest) for MP3; Opus keeps its default (~34 kbit/s).
MP3_COMPRESSION = 0.6

#: Frames per write: libsndfile's Ogg writers have choked on very large single writes.
_BLOCK = 16_384


@dataclass(frozen=True, eq=False)
class Timeline:
    """The joined narration and where each chunk sits in it."""

    samples: np.ndarray  # float32, mono, in [-1, 1]
    sample_rate: int
    spans: tuple[tuple[float, float], ...]  # (start, end) of each chunk, in seconds

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate


def join_chunks(chunks: Sequence[Chunk], gaps: Sequence[float]) -> Timeline:
    """Concatenate chunks, ``gaps[i]`` seconds of silence after chunk ``i``; spans are exact."""
    if not chunks:
        raise SpeechError("nothing to join: no audio chunks")
    if len(gaps) != len(chunks):
        raise ValueError("one gap per chunk")
    rate = chunks[0].sample_rate
    if any(c.sample_rate != rate for c in chunks):
        raise ValueError("chunks have different sample rates")
    parts: list[np.ndarray] = []
    spans = []
    position = 0
    for chunk, gap in zip(chunks, gaps, strict=True):
        silence = np.zeros(round(gap * rate), dtype=np.int16)
        spans.append((position / rate, (position + len(chunk.samples)) / rate))
        parts += [chunk.samples, silence]
        position += len(chunk.samples) + len(silence)
    samples = np.concatenate(parts).astype(np.float32) / 32768.0
    return Timeline(samples, rate, tuple(spans))


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


def encoder_settings() -> dict[str, object]:
    """What decides the encoded bytes besides the samples (for the output record)."""
    return {"libsndfile": soundfile.__libsndfile_version__, "mp3": MP3_COMPRESSION, "block": _BLOCK}


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
    padded = np.zeros(blocks * step_in, dtype=np.float64)
    padded[:n] = samples
    m = blocks * step_out
    spectrum = np.fft.rfft(padded)
    out_spectrum = np.zeros(m // 2 + 1, dtype=np.complex128)
    keep = min(len(spectrum), len(out_spectrum))
    out_spectrum[:keep] = spectrum[:keep]
    result = np.fft.irfft(out_spectrum, m)[:n_out] * (m / len(padded))
    return np.clip(result, -1.0, 1.0).astype(np.float32)


def _write(
    fileobj: BinaryIO, samples: np.ndarray, rate: int, fmt: str, subtype: str, **options: float
) -> None:
    with soundfile.SoundFile(
        fileobj, "w", samplerate=rate, channels=1, format=fmt, subtype=subtype, **options
    ) as out:
        for start in range(0, len(samples), _BLOCK):
            out.write(samples[start : start + _BLOCK])


def write_opus(fileobj: BinaryIO, samples: np.ndarray, sample_rate: int) -> None:
    """Write mono float samples as Opus in Ogg."""
    if sample_rate not in OPUS_RATES:
        raise ValueError(f"Opus cannot take {sample_rate} Hz; resample to one of {OPUS_RATES}")
    _write(fileobj, samples, sample_rate, "OGG", "OPUS")


def write_mp3(fileobj: BinaryIO, samples: np.ndarray, sample_rate: int) -> None:
    """Write mono float samples as MP3."""
    if sample_rate not in MP3_RATES:
        raise ValueError(f"MP3 cannot take {sample_rate} Hz; use one of {MP3_RATES}")
    # libsndfile's default is about 70 kbit/s for mono speech; 0.6 gives about 50.
    _write(fileobj, samples, sample_rate, "MP3", "MPEG_LAYER_III", compression_level=MP3_COMPRESSION)


def verify_audio(fileobj: BinaryIO, *, duration: float, tolerance: float = 0.05, what: str = "audio") -> None:
    """Decode a written file; raise SpeechError unless it is mono, not silent and ``duration`` long."""
    try:
        data, rate = soundfile.read(fileobj, dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, TypeError) as exc:
        raise SpeechError(f"{what} does not decode: {exc}", code="A11Y506") from None
    if data.shape[1] != 1:
        raise SpeechError(f"{what} has {data.shape[1]} channels, expected 1", code="A11Y506")
    got = len(data) / rate
    if abs(got - duration) > tolerance:
        raise SpeechError(f"{what} lasts {got:.3f} s, expected {duration:.3f} s", code="A11Y506")
    if len(data) == 0 or float(np.max(np.abs(data))) < MIN_PEAK:
        raise SpeechError(f"{what} is silent", code="A11Y506")
