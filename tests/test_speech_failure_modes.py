"""pyttsx3's failure modes on Linux, one section each: our layer prevents or detects every one.

The failure modes (seen on this machine with pyttsx3's own engine loop):

1. several ``save_to_file`` calls before one ``runAndWait`` write only the last file;
2. the first ``runAndWait`` can return before the file is written;
3. ``runAndWait`` with nothing queued loops forever;
4. rate and volume changes after the first synthesis are ignored;
5. an unknown voice name is silently ignored, and errors are swallowed;
6. a second engine in the same process hangs the first;
7. ``say()`` shells out to ``aplay``.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import stat
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile

from a11ykit.errors import SpeechError
from a11ykit.speech import SpeechItem, synthesize_article
from a11ykit.speech import synth as speech_synth
from a11ykit.speech.synth import Synthesizer

SENTENCES = [
    "One.",
    "Two short words here.",
    "This third sentence is clearly the longest of the three that we send.",
]


@pytest.fixture(scope="module")
def synth():
    with Synthesizer("en-us") as s:
        yield s


# 1. one utterance per call: N sentences give N chunks, each of its own sentence ---------


def test_each_sentence_gets_its_own_chunk_with_its_own_words(synth):
    chunks = [synth.synthesize(f"s{i}", text) for i, text in enumerate(SENTENCES)]
    assert [c.id for c in chunks] == ["s0", "s1", "s2"]
    for chunk, text in zip(chunks, SENTENCES, strict=True):
        said = [text[w.offset : w.offset + w.length] for w in chunk.words]
        assert said[0] == text.split()[0].strip(".") and said[-1] == text.split()[-1].strip(".")
    assert chunks[0].duration < chunks[1].duration < chunks[2].duration


def test_an_article_of_n_items_gives_n_cues_timed_from_n_chunks(tmp_path):
    items = [SpeechItem(f"s{i}", t) for i, t in enumerate(SENTENCES)]
    result = synthesize_article(items, lang="en", out_dir=tmp_path, stem="a", workers=2)
    assert [c.id for c in result.cues] == ["s0", "s1", "s2"]
    lengths = [c.end - c.start for c in result.cues]
    assert lengths[0] < lengths[1] < lengths[2]


# 2. nothing returns before the audio is complete -----------------------------------------


def test_a_chunk_holds_the_whole_utterance(synth):
    chunk = synth.synthesize("s", SENTENCES[2])
    last_word_start = chunk.words[-1].start
    assert chunk.duration > last_word_start + 0.2  # the last word is in the audio, not cut off


def test_when_the_article_call_returns_every_file_is_complete(tmp_path):
    result = synthesize_article([SpeechItem("s1", SENTENCES[1])], lang="en", out_dir=tmp_path, stem="a")
    for path in (result.opus, result.mp3):
        data, rate = soundfile.read(path)
        assert abs(len(data) / rate - result.duration) < 0.01
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["a.en.opus", "a.en.mp3", "a.en.vtt", "a.en.chapters.vtt", "a.en.syncmap.json"]
    )


# 3. nothing waits forever -------------------------------------------------------------------


def test_nothing_to_say_is_refused_at_once_not_waited_for(synth):
    started = time.monotonic()
    with pytest.raises(SpeechError, match="nothing to say"):
        synth.synthesize("s", "  \n ")
    assert time.monotonic() - started < 1


def test_a_hung_worker_is_killed_after_the_timeout_and_reported():
    with Synthesizer("en-us", timeout=0.5) as s:
        os.kill(s.pid, signal.SIGSTOP)  # the worker hangs
        started = time.monotonic()
        with pytest.raises(SpeechError, match=re.escape("no answer within 0.5 s")) as caught:
            s.synthesize("s", "Hello.")
        assert time.monotonic() - started < 3
        assert caught.value.code == "A11Y503"
        assert not s.alive
        with pytest.raises(ProcessLookupError):
            os.kill(s.pid, 0)  # killed and reaped


# 4. rate and volume changes always take effect ----------------------------------------------


def test_rate_changes_between_sentences_change_the_duration(synth):
    text = SENTENCES[2]
    slow, fast, slow_again = (synth.synthesize("s", text, rate=r).duration for r in (120, 300, 120))
    assert fast < 0.6 * slow
    assert slow_again == pytest.approx(slow, rel=0.02)


def test_volume_changes_between_sentences_change_the_loudness(synth):
    text = SENTENCES[1]
    loud, quiet = (
        np.abs(synth.synthesize("s", text, volume=v).samples.astype(float)).max() for v in (100, 25)
    )
    assert quiet < 0.5 * loud


def test_a_rate_espeak_would_silently_clamp_is_refused(synth):
    with pytest.raises(SpeechError, match="outside 80–450") as caught:
        synth.synthesize("s", "Hello.", rate=50)
    assert caught.value.code == "A11Y507"


# 5. unknown voices and worker errors are reported, not swallowed ------------------------------


def test_an_unknown_voice_raises_and_lists_the_voices_that_exist():
    with pytest.raises(SpeechError, match="no-such-voice") as caught:
        Synthesizer("no-such-voice")
    assert caught.value.code == "A11Y501"
    assert "en-us" in str(caught.value) and "es-419" in str(caught.value)


def test_switching_to_an_unknown_voice_is_not_silently_ignored():
    with Synthesizer("en-us") as s:
        with pytest.raises(SpeechError, match="no-such-voice") as caught:
            s.set_voice("no-such-voice")  # espeak keeps en-us and says nothing
        assert caught.value.code == "A11Y501"
        assert not s.alive  # an engine in an unknown state is not used again


def test_the_voice_used_is_read_back(synth):
    assert synth.voice.identifier == "gmw/en-US"
    with Synthesizer("es-419") as spanish:
        assert spanish.voice.identifier == "roa/es-419"


def test_an_error_inside_the_worker_is_raised_here():
    with Synthesizer() as s, pytest.raises(SpeechError, match="unknown request 'sing'"):
        s._call({"op": "sing"}, "asking for a song")


def test_a_worker_that_dies_is_reported():
    with Synthesizer("en-us") as s:
        os.kill(s.pid, signal.SIGKILL)
        with pytest.raises(SpeechError, match="worker") as caught:
            s.synthesize("s", "Hello.")
        assert caught.value.code == "A11Y504"


def test_silent_output_is_detected(synth):
    with pytest.raises(SpeechError, match="silent") as caught:
        synth.synthesize("s", "Nothing to hear.", volume=0)
    assert caught.value.code == "A11Y505"


def test_punctuation_alone_is_detected_as_no_speech(synth):
    with pytest.raises(SpeechError, match=r"silent|ms of audio"):
        synth.synthesize("s", "…")


# 6. one engine per worker process -----------------------------------------------------------------


def test_two_synthesizers_have_their_own_worker_processes_and_both_work():
    with Synthesizer("en-us") as first, Synthesizer("es-419") as second:
        assert len({first.pid, second.pid, os.getpid()}) == 3
        a = first.synthesize("a", "First engine.")
        b = second.synthesize("b", "Segundo motor.")
        c = first.synthesize("c", "First engine again.")
    assert min(a.duration, b.duration, c.duration) > 0.3


def test_espeak_is_never_loaded_into_this_process(synth):
    synth.synthesize("s", "Hello.")
    maps = Path("/proc/self/maps")
    if not maps.exists():
        pytest.skip("needs /proc")
    assert "libespeak" not in maps.read_text()


# 7. nothing is ever played --------------------------------------------------------------------------


def test_synthesis_never_runs_a_player(tmp_path, monkeypatch):
    calls = tmp_path / "calls"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for player in ("aplay", "paplay", "afplay"):
        fake = bin_dir / player
        fake.write_text(f'#!/bin/sh\necho "{player} $*" >> "{calls}"\n')
        fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    assert shutil.which("aplay") == str(bin_dir / "aplay")  # a worker would find the fake first
    with Synthesizer("en-us") as s:
        s.synthesize("s", "This would be played by say.")
    synthesize_article([SpeechItem("s", "Nor by this.")], lang="en", out_dir=tmp_path / "out", stem="a")
    assert not calls.exists()


def test_a_worker_started_ahead_is_the_next_synthesizers():
    speech_synth.stop_waiting()
    speech_synth.warm_up()
    waiting = speech_synth._WAITING[0][1]
    with Synthesizer() as started:
        assert started.pid == waiting.pid and started.synthesize("w1", "Hola.").samples.size
    assert speech_synth._WAITING == []


def test_a_worker_started_ahead_and_never_taken_is_stopped_at_exit():
    speech_synth.warm_up()
    waiting = speech_synth._WAITING[0][1]
    speech_synth.stop_waiting()
    assert waiting.poll() is not None and speech_synth._WAITING == []
