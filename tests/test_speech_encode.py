"""Joining chunks, resampling, writing Opus and MP3, and checking what was written."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile

from a11ykit.errors import SpeechError
from a11ykit.speech.encode import (
    join_chunks,
    resample,
    verify_audio,
    write_mp3,
    write_opus,
)
from a11ykit.speech.synth import Chunk, verify_samples

ESPEAK_RATE = 22_050


def tone(seconds: float, rate: int = ESPEAK_RATE, freq: float = 440.0, level: float = 0.5) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (level * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def chunk(id: str, seconds: float) -> Chunk:
    return Chunk(id, (tone(seconds) * 32767).astype(np.int16), ESPEAK_RATE)


def dominant_frequency(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.argmax(spectrum) * rate / len(samples))


# -- joining ---------------------------------------------------------------------------


def test_spans_come_from_the_exact_chunk_lengths_and_gaps():
    timeline = join_chunks([chunk("a", 1.0), chunk("b", 0.5)], [0.2, 0.4])
    assert timeline.spans == ((0.0, 1.0), (1.2, 1.7))
    assert timeline.duration == 2.1


def test_joined_audio_is_float_in_unit_range():
    timeline = join_chunks([chunk("a", 0.2)], [0.0])
    assert timeline.samples.dtype == np.float32
    assert np.max(np.abs(timeline.samples)) <= 1.0


def test_chunks_of_different_rates_are_refused():
    odd = Chunk("b", np.ones(100, dtype=np.int16), 16_000)
    with pytest.raises(ValueError, match="sample rates"):
        join_chunks([chunk("a", 0.1), odd], [0.1, 0.1])


# -- resampling ----------------------------------------------------------------------------


@pytest.mark.parametrize("to_rate", [24_000, 48_000])
def test_resampling_keeps_duration_and_pitch(to_rate):
    source = tone(1.3, freq=1000.0)
    out = resample(source, ESPEAK_RATE, to_rate)
    assert len(out) == round(len(source) * to_rate / ESPEAK_RATE)
    assert dominant_frequency(out, to_rate) == pytest.approx(1000.0, abs=2.0)
    assert np.max(np.abs(out)) == pytest.approx(0.5, abs=0.02)


def test_resampling_does_not_wrap_the_end_onto_the_start():
    source = np.zeros(ESPEAK_RATE, dtype=np.float32)
    source[-200:] = tone(200 / ESPEAK_RATE, freq=3000.0)
    out = resample(source, ESPEAK_RATE, 24_000)
    assert np.max(np.abs(out[:1000])) < 1e-3


# -- writing and checking ----------------------------------------------------------------------


@pytest.mark.parametrize("write", [write_opus, write_mp3])
def test_written_files_decode_to_the_same_duration(write):
    samples = tone(2.0, rate=24_000)
    out = io.BytesIO()
    write(out, samples, 24_000)
    out.seek(0)
    data, rate = soundfile.read(out)
    assert rate == 24_000
    assert len(data) / rate == pytest.approx(2.0, abs=0.01)
    out.seek(0)
    verify_audio(out, duration=2.0)


def test_the_opus_file_is_opus_in_ogg():
    out = io.BytesIO()
    write_opus(out, tone(0.5, rate=24_000), 24_000)
    out.seek(0)
    info = soundfile.info(out)
    assert (info.format, info.subtype) == ("OGG", "OPUS")
    assert out.getvalue()[:4] == b"OggS"


def test_opus_at_espeaks_rate_is_refused_with_a_hint():
    with pytest.raises(ValueError, match="Opus cannot take 22050 Hz"):
        write_opus(io.BytesIO(), tone(0.5), ESPEAK_RATE)


def encoded(seconds: float = 2.0, level: float = 0.5) -> bytes:
    out = io.BytesIO()
    write_opus(out, tone(seconds, rate=24_000, level=level), 24_000)
    return out.getvalue()


def test_a_truncated_file_is_detected():
    data = encoded()
    with pytest.raises(SpeechError, match="lasts|does not decode") as caught:
        verify_audio(io.BytesIO(data[: len(data) // 3]), duration=2.0)
    assert caught.value.code == "A11Y506"


def test_a_file_of_the_wrong_duration_is_detected():
    with pytest.raises(SpeechError, match="lasts 2.000 s, expected 3.000 s"):
        verify_audio(io.BytesIO(encoded()), duration=3.0)


def test_a_silent_file_is_detected():
    with pytest.raises(SpeechError, match="silent"):
        verify_audio(io.BytesIO(encoded(level=0.0)), duration=2.0)


@pytest.mark.parametrize("data", [b"", b"not audio at all" * 100])
def test_an_empty_or_garbage_file_is_detected(data):
    with pytest.raises(SpeechError, match="does not decode"):
        verify_audio(io.BytesIO(data), duration=2.0)


# -- chunk checks -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("samples", "message"),
    [
        (np.zeros(0, dtype=np.int16), "no audio"),
        (np.full(100, 20000, dtype=np.int16), "ms of audio"),
        (np.zeros(22050, dtype=np.int16), "silent"),
        (np.full(22050, 100, dtype=np.int16), "silent"),
    ],
)
def test_unusable_chunks_are_refused(samples, message):
    with pytest.raises(SpeechError, match=message):
        verify_samples(samples, ESPEAK_RATE, "s1")
