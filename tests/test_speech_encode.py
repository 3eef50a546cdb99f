"""Resampling a piece, and checking encoded audio by decoding it again."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
import soundfile

from a11ykit.errors import SpeechError
from a11ykit.speech.encode import resample, verify_audio
from a11ykit.speech.joining import encode_mp3_piece, encode_opus_piece
from a11ykit.speech.synth import verify_samples

ESPEAK_RATE = 22_050


def tone(seconds: float, rate: int = ESPEAK_RATE, freq: float = 440.0, level: float = 0.5) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (level * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def dominant_frequency(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.argmax(spectrum) * rate / len(samples))


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


@pytest.mark.parametrize("encode", [encode_opus_piece, encode_mp3_piece])
def test_encoded_pieces_decode_to_the_same_duration(encode):
    out = io.BytesIO(encode(tone(2.0, rate=24_000), 24_000))
    data, rate = soundfile.read(out)
    assert rate == 24_000
    assert len(data) / rate == pytest.approx(2.0, abs=0.01)
    out.seek(0)
    verify_audio(out, duration=2.0)


def test_a_file_longer_than_one_decoded_block_is_checked_whole():
    verify_audio(io.BytesIO(encode_opus_piece(tone(7.0, rate=24_000), 24_000)), duration=7.0)
    with pytest.raises(SpeechError, match=re.escape("lasts 7.000 s")):
        verify_audio(io.BytesIO(encode_opus_piece(tone(7.0, rate=24_000), 24_000)), duration=6.0)


def encoded(seconds: float = 2.0, level: float = 0.5) -> bytes:
    return encode_opus_piece(tone(seconds, rate=24_000, level=level), 24_000)


def test_a_truncated_file_is_detected():
    data = encoded()
    with pytest.raises(SpeechError, match=r"lasts|does not decode") as caught:
        verify_audio(io.BytesIO(data[: len(data) // 3]), duration=2.0)
    assert caught.value.code == "A11Y506"


def test_a_file_of_the_wrong_duration_is_detected():
    with pytest.raises(SpeechError, match=re.escape("lasts 2.000 s, expected 3.000 s")):
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
