"""Joined narration in a real browser: headless Chromium plays and decodes the joined Ogg Opus
and MP3 files exactly as long as the pieces, each piece where the timeline puts it.

The pieces share one timeline (:func:`a11ykit.speech.joining.common_aligned_length`), as a
narration's Opus and MP3 files do. ``browser/check_joined.mjs`` (puppeteer-core driving
Debian's ``chromium``) only measures; the assertions are here. Skipped without
``node_modules`` except under CI, as the other browser tests are.
"""

from __future__ import annotations

import base64
import io
import json
import socket
from pathlib import Path

import numpy as np
import pytest

from a11ykit.speech import joining
from conftest import _guarded, _real_connect, _real_connect_ex
from range_server import RangeServer
from test_browser import _check_tools, _run_node
from test_joining import LEAD, PARAGRAPHS, PAUSE, RATE, envelope, speak

SCRIPT = Path(__file__).resolve().parent / "browser" / "check_joined.mjs"
TOLERANCE = 0.020  # seconds


def narration_pcm() -> list[np.ndarray]:
    """Paragraph pieces in their pauses, every one but the last whole frames in both formats."""
    pieces = []
    for i, text in enumerate(PARAGRAPHS):
        speech = speak(text)
        lead = round(LEAD * RATE)
        length = lead + len(speech) + round((PAUSE - LEAD) * RATE)
        if i < len(PARAGRAPHS) - 1:
            length = joining.common_aligned_length(length, RATE)
        samples = np.zeros(length, dtype=np.float32)
        samples[lead : lead + len(speech)] = speech
        pieces.append(samples)
    return pieces


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> dict:
    node = _check_tools()
    folder = tmp_path_factory.mktemp("joined")
    pcm = narration_pcm()
    for fmt, encode, join in (("opus", joining.encode_opus_piece, joining.join_opus),
                              ("mp3", joining.encode_mp3_piece, joining.join_mp3)):
        out = io.BytesIO()
        join([encode(p, RATE) for p in pcm], out)
        (folder / f"joined.{fmt}").write_bytes(out.getvalue())
    (folder / "index.html").write_text("<!doctype html><title>joined</title>", encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:  # the network guard, for this module-scoped work too
        patch.setattr(socket.socket, "connect", _guarded(_real_connect))
        patch.setattr(socket.socket, "connect_ex", _guarded(_real_connect_ex))
        with RangeServer(folder) as server:
            returncode, stdout, stderr = _run_node(
                [node, str(SCRIPT), server.url, str(RATE), "joined.opus", "joined.mp3"]
            )
    if returncode != 0:
        pytest.fail(f"check_joined.mjs crashed (exit {returncode}):\n{stderr.strip()}", pytrace=False)
    results = {}
    for line in stdout.splitlines():
        if line.strip():
            result = json.loads(line)
            if result.get("error"):
                pytest.fail(f"{result['file']}: {result['error']}", pytrace=False)
            result["decoded"] = np.frombuffer(base64.b64decode(result.pop("samples")), dtype="<f4")
            results[result["file"].split(".")[-1]] = result
    return {"pcm": pcm, "results": results}


FORMATS = ["opus", "mp3"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_audio_element_says_the_joined_length(browser: dict, fmt: str) -> None:
    """Chromium counts an Ogg Opus stream's pre-skip in ``duration`` (10 ms for a11ykit's
    pieces, 6.5 ms for libsndfile's files); decoding leaves it out (next test)."""
    expected = sum(len(p) for p in browser["pcm"]) / RATE
    assert browser["results"][fmt]["duration"] == pytest.approx(expected, abs=TOLERANCE)


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_browser_decodes_exactly_the_pieces_samples(browser: dict, fmt: str) -> None:
    result = browser["results"][fmt]
    expected = sum(len(p) for p in browser["pcm"])
    assert result["sampleRate"] == RATE
    assert abs(result["length"] - expected) <= TOLERANCE * RATE


@pytest.mark.parametrize("fmt", FORMATS)
def test_in_the_browser_every_piece_starts_on_time_with_no_gap(browser: dict, fmt: str) -> None:
    decoded = browser["results"][fmt]["decoded"]
    search = RATE // 10
    start = 0
    for pcm in browser["pcm"]:
        speech = pcm[: RATE // 2]
        low = max(0, start - search)
        region = decoded[low : start + search + len(speech)]
        scores = [float(np.dot(region[i : i + len(speech)], speech)) for i in range(len(region) - len(speech) + 1)]
        found = low + int(np.argmax(scores))
        assert abs(found - start) / RATE <= TOLERANCE, f"piece at {start / RATE:.3f} s heard at {found / RATE:.3f} s"
        start += len(pcm)
    heard, spoken = envelope(decoded), envelope(np.concatenate(browser["pcm"]))
    count = min(len(heard), len(spoken))
    assert np.corrcoef(heard[:count], spoken[:count])[0, 1] > 0.98
