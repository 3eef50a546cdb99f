"""Speech synthesized elsewhere (:mod:`a11ykit.speech.remote`): tasks of unique utterances, spoken by
a fresh espeak-ng, refused when the worker's espeak differs from the client's, stored by the client."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from a11ykit.errors import SpeechError
from a11ykit.speech.cache import ChunkCache
from a11ykit.speech.remote import BATCH, batches, speech_setup, store_batch, synthesize_batch
from a11ykit.speech.synth import Synthesizer

SAID = ["El preso fue liberado en julio.", "La cárcel tiene cuarenta mil presos.", "Suscríbase al boletín."]


@pytest.fixture(scope="module")
def setup():
    return speech_setup("es")


def test_a_task_speaks_each_text_as_a_fresh_engine_speaking_them_in_order_would(setup):
    texts = {setup.key(text): text for text in SAID}
    spoken = synthesize_batch(setup, texts)
    with Synthesizer(setup.voice) as synth:
        alone = [synth.synthesize("x", text) for text in SAID]
    assert spoken.setup == setup and list(spoken.chunks) == list(texts)
    for chunk, expected in zip(spoken.chunks.values(), alone, strict=True):
        assert np.array_equal(chunk.samples, expected.samples) and chunk.words == expected.words


@pytest.mark.parametrize("other", [{"espeak": "1.49.2"}, {"voice": "roa/es-x-newsroom"}],
                         ids=["espeak-version", "voice-it-lacks"])
def test_a_worker_whose_espeak_differs_from_the_clients_refuses_the_task(setup, other):
    client = dataclasses.replace(setup, **other)
    with pytest.raises(SpeechError) as refused:
        synthesize_batch(client, {client.key(SAID[0]): SAID[0]})
    assert refused.value.code == "A11Y508" and len(str(refused.value).splitlines()) == 1


def test_the_client_stores_nothing_a_worker_with_another_espeak_spoke(tmp_path, setup):
    spoken = synthesize_batch(setup, {setup.key(SAID[0]): SAID[0]})
    client = dataclasses.replace(setup, espeak="1.49.2")
    cache = ChunkCache(tmp_path)
    with pytest.raises(SpeechError) as refused:
        store_batch(cache, client, spoken, {setup.key(SAID[0]): SAID[0]})
    assert refused.value.code == "A11Y508"
    assert not list(tmp_path.rglob("*.chunk"))


def test_a_text_that_gives_no_usable_audio_is_left_out_and_the_others_are_spoken(setup):
    texts = {setup.key(text): text for text in (SAID[0], "—", SAID[1])}
    spoken = synthesize_batch(setup, texts)
    assert [texts[key] for key in spoken.chunks] == [SAID[0], SAID[1]]


def test_stored_chunks_are_what_the_narration_finds_under_its_keys(tmp_path, setup):
    texts = {setup.key(text): text for text in SAID}
    cache = ChunkCache(tmp_path)
    assert store_batch(cache, setup, synthesize_batch(setup, texts), texts) == len(SAID)
    assert all(cache.get(key, "a11y-1-1") is not None for key in texts)


def test_tasks_hold_each_articles_new_utterances_in_reading_order_each_once(tmp_path, setup):
    cache = ChunkCache(tmp_path)
    known = {setup.key(SAID[2]): SAID[2]}
    store_batch(cache, setup, synthesize_batch(setup, known), known)
    long_article = [f"Frase número {n}." for n in range(BATCH + 3)]
    unique, tasks = batches(cache, setup, [[SAID[0], SAID[2], SAID[0]], [SAID[1], SAID[0]], long_article])
    assert unique == 3 + len(long_article)
    assert [list(task.values()) for task in tasks] == [
        [SAID[0]], [SAID[1]], long_article[:BATCH], long_article[BATCH:]
    ]
