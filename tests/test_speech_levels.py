"""The narration's levels: loudness measured as ITU-R BS.1770-4 says, normalized, peaks under -1 dBFS."""

from __future__ import annotations

import math
import re
import shutil
import subprocess

import numpy as np
import pytest

from a11ykit.speech import SpeechItem, synthesize_article
from a11ykit.speech.levels import PEAK_CEILING, TARGET_LOUDNESS, integrated_loudness, normalize, peak_dbfs


def sine(amplitude: float, rate: int, seconds: float = 5.0, hz: float = 997.0) -> np.ndarray:
    t = np.arange(round(rate * seconds)) / rate
    return amplitude * np.sin(2 * np.pi * hz * t)


@pytest.mark.parametrize("rate", [48_000, 24_000, 22_050])
@pytest.mark.parametrize("amplitude", [1.0, 0.5, 0.1])
def test_a_997_hz_sine_reads_as_the_standard_says(rate, amplitude):
    # BS.1770-4: a 0 dBFS 997 Hz sine in one channel reads -3.01 LKFS.
    expected = -3.01 + 20 * math.log10(amplitude)
    assert integrated_loudness(sine(amplitude, rate), rate) == pytest.approx(expected, abs=0.05)


def test_silence_does_not_lower_the_loudness():
    rate = 24_000
    speech_like = sine(0.3, rate, 30.0)  # long, so the few blocks across the edge hardly count
    padded = np.concatenate([speech_like, np.zeros(rate * 10)])
    assert integrated_loudness(padded, rate) == pytest.approx(integrated_loudness(speech_like, rate), abs=0.05)


def test_passages_far_quieter_than_the_rest_are_gated_out():
    rate = 24_000
    loud = sine(0.5, rate, 30.0)
    quiet = sine(0.02, rate, 30.0)  # -28 dB: under the -10 LU relative gate
    assert integrated_loudness(np.concatenate([loud, quiet]), rate) == pytest.approx(
        integrated_loudness(loud, rate), abs=0.05
    )


def test_silence_has_no_loudness():
    assert integrated_loudness(np.zeros(48_000), 24_000) == -math.inf


def test_a_quiet_signal_is_brought_to_the_target():
    rate = 24_000
    out, levels = normalize(sine(0.05, rate), rate)
    assert integrated_loudness(out, rate) == pytest.approx(TARGET_LOUDNESS, abs=0.05)
    assert levels.loudness == pytest.approx(TARGET_LOUDNESS, abs=0.05) and levels.gain > 0


def test_a_peaky_signal_stops_at_the_peak_ceiling():
    rate = 24_000
    clicks = np.zeros(rate * 5)
    clicks[::rate // 2] = 0.9  # loud peaks, little loudness
    out, levels = normalize(clicks, rate)
    assert peak_dbfs(out) == pytest.approx(PEAK_CEILING, abs=0.01)
    assert levels.loudness < TARGET_LOUDNESS


# -- the narration, measured by another implementation (ffmpeg's ebur128) -------------------

ITEMS = [
    SpeechItem("h1", "I Survived CECOT", "heading"),
    SpeechItem("s1", "He entered CECOT believing he was being deported to Venezuela."),
    SpeechItem("s2", "He is back with family now, and he says faith kept him going."),
]


@pytest.fixture(scope="module")
def narration(tmp_path_factory):
    return synthesize_article(ITEMS, lang="en", out_dir=tmp_path_factory.mktemp("levels"), stem="story")


def ffmpeg_levels(path) -> tuple[float, float]:
    """(integrated loudness LUFS, sample peak dBFS) of a file, as ffmpeg's ebur128 filter measures them."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        pytest.fail("ffmpeg is not installed (the Makefile's APT_PACKAGES has it)")
    done = subprocess.run(
        [ffmpeg, "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128=peak=sample", "-f", "null", "-"],
        capture_output=True, text=True, timeout=120, check=True,
    )
    summary = done.stderr[done.stderr.rindex("Summary:"):]
    loudness = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))
    peak = float(re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary).group(1))
    return loudness, peak


@pytest.mark.parametrize("kind", ["opus", "mp3"])
def test_the_narration_files_are_at_the_target_loudness(narration, kind):
    loudness, _ = ffmpeg_levels(getattr(narration, kind))
    assert loudness == pytest.approx(narration.levels.loudness, abs=0.5)
    assert loudness == pytest.approx(TARGET_LOUDNESS, abs=1.0) or narration.levels.peak == pytest.approx(
        PEAK_CEILING, abs=0.01
    )


@pytest.mark.parametrize("kind", ["opus", "mp3"])
def test_the_decoded_narration_never_peaks_above_minus_1_dbfs(narration, kind):
    _, peak = ffmpeg_levels(getattr(narration, kind))
    assert peak <= -1.0


def test_the_result_says_what_was_measured_and_done(narration):
    levels = narration.levels
    assert levels.loudness == pytest.approx(levels.measured + levels.gain)
    assert levels.peak <= PEAK_CEILING + 0.01


def test_an_unchanged_rebuild_reports_the_same_levels(tmp_path):
    first = synthesize_article(ITEMS[:2], lang="en", out_dir=tmp_path, stem="s", cache_dir=tmp_path / "cache")
    again = synthesize_article(ITEMS[:2], lang="en", out_dir=tmp_path, stem="s", cache_dir=tmp_path / "cache")
    assert (again.written, again.levels) == (False, first.levels)
