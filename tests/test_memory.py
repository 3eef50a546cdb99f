"""The translation memory: sentences translated once, approved work first, safe to share."""

from __future__ import annotations

import multiprocessing
import sqlite3
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from a11ykit.errors import MemoryStoreError
from a11ykit.memory import Approved, MemoryKey, TranslationMemory, translate_with_memory
from fakes import IdentityEngine, UpperEngine

KEY = MemoryKey("upper", "upper (test) 1", "en", "es", "glossary-3f2a")
ARTICLE = [
    "Skip to main content",
    "El Salvador's <1>CECOT</1> prison holds 40,000 inmates.",
    "Photo: <2/> Reuters",
    "Skip to main content",
    "Subscribe to our newsletter",
]


@pytest.fixture
def memory(tmp_path: Path):
    with TranslationMemory.open(tmp_path / "tm.sqlite") as tm:
        yield tm


class EmptyEngine(IdentityEngine):
    """Returns nothing for every sentence (as an engine that failed quietly does)."""

    def one(self, text: str) -> str:
        return ""


def test_a_repeated_sentence_is_served_from_the_memory_without_an_engine_call(memory: TranslationMemory) -> None:
    engine = UpperEngine()
    first = translate_with_memory(engine, ARTICLE, memory, KEY)
    calls_after_first = len(engine.calls)
    again = translate_with_memory(engine, ARTICLE, memory, KEY)
    assert len(engine.calls) == calls_after_first
    assert again.translations == first.translations
    assert again.from_memory == len(ARTICLE) and again.from_engine == 0


def test_the_engine_gets_each_missing_sentence_once_in_one_call(memory: TranslationMemory) -> None:
    engine = UpperEngine()
    translate_with_memory(engine, ARTICLE[:2], memory, KEY)
    result = translate_with_memory(engine, ARTICLE, memory, KEY)
    assert engine.calls[1:] == [["Photo: <2/> Reuters", "Subscribe to our newsletter"]]
    assert result.origins == ["memory", "memory", "engine", "memory", "engine"]
    assert result.translations == [UpperEngine().one(s) for s in ARTICLE]


@pytest.mark.parametrize(
    "changed",
    [
        MemoryKey("argos", KEY.engine_version, "en", "es", KEY.glossary),
        MemoryKey(KEY.engine, "upper (test) 2", "en", "es", KEY.glossary),
        MemoryKey(KEY.engine, KEY.engine_version, "en", "fr", KEY.glossary),
        MemoryKey(KEY.engine, KEY.engine_version, "es", "en", KEY.glossary),
        MemoryKey(KEY.engine, KEY.engine_version, "en", "es", "glossary-99b1"),
    ],
    ids=["engine", "engine-version", "target", "source", "glossary"],
)
def test_machine_output_is_not_reused_under_another_key(memory: TranslationMemory, changed: MemoryKey) -> None:
    translate_with_memory(UpperEngine(), ARTICLE, memory, KEY)
    engine = IdentityEngine()
    result = translate_with_memory(engine, ARTICLE, memory, changed)
    assert engine.calls == [list(dict.fromkeys(ARTICLE))]
    assert result.translations == ARTICLE


def test_an_approved_translation_wins_over_machine_output(memory: TranslationMemory) -> None:
    translate_with_memory(UpperEngine(), ARTICLE, memory, KEY)
    memory.store_approved(
        "en", "es", [Approved(ARTICLE[1], "La cárcel <1>CECOT</1> de El Salvador alberga a 40.000 presos.",
                              "locales/es/LC_MESSAGES/cecot.po", "Ana Pérez", "20261130T120000Z")]
    )
    result = translate_with_memory(UpperEngine(), ARTICLE, memory, KEY)
    assert result.translations[1] == "La cárcel <1>CECOT</1> de El Salvador alberga a 40.000 presos."
    assert result.origins[1] == "approved"
    assert memory.lookup(KEY, [ARTICLE[1]])[ARTICLE[1]].origin == "approved"


def test_an_approved_translation_serves_any_engine_and_glossary(memory: TranslationMemory) -> None:
    memory.store_approved("en", "es", [Approved("Subscribe to our newsletter", "Suscríbase", "cecot.po")])
    other = MemoryKey("apertium", "apertium 3.8", "en", "es", "glossary-0000")
    engine = UpperEngine()
    result = translate_with_memory(engine, ["Subscribe to our newsletter"], memory, other)
    assert engine.calls == [] and result.translations == ["Suscríbase"]


class CountDroppingEngine(UpperEngine):
    """Returns one output too few for a batch of several (an engine contract break seen in practice)."""

    def translate(self, texts, source, target):
        outputs = super().translate(texts, source, target)
        return outputs[:-1] if len(outputs) > 1 else outputs


def test_a_batch_with_the_wrong_number_of_outputs_is_sent_again_sentence_by_sentence(
    memory: TranslationMemory,
) -> None:
    engine = CountDroppingEngine()
    result = translate_with_memory(engine, ARTICLE, memory, KEY)
    unique = list(dict.fromkeys(ARTICLE))
    assert engine.calls == [unique] + [[s] for s in unique]
    assert result.translations == [UpperEngine().one(s) for s in ARTICLE]
    assert {s: h.target for s, h in memory.lookup(KEY, unique).items()} == {s: s.upper() for s in unique}


def test_an_empty_engine_output_is_returned_but_not_kept(memory: TranslationMemory) -> None:
    result = translate_with_memory(EmptyEngine(), ARTICLE[:1], memory, KEY)
    assert result.translations == [""]
    assert memory.lookup(KEY, ARTICLE[:1]) == {}


def test_the_memory_is_kept_in_its_file(tmp_path: Path) -> None:
    with TranslationMemory.open(tmp_path / "tm.sqlite") as tm:
        translate_with_memory(UpperEngine(), ARTICLE, tm, KEY)
    engine = UpperEngine()
    with TranslationMemory.open(tmp_path / "tm.sqlite") as tm:
        result = translate_with_memory(engine, ARTICLE, tm, KEY)
    assert engine.calls == [] and result.from_memory == len(ARTICLE)


def test_a_large_batch_is_looked_up_whole(memory: TranslationMemory) -> None:
    sentences = [f"Sentence number {i} of the site." for i in range(1_234)]
    translate_with_memory(UpperEngine(), sentences, memory, KEY)
    found = memory.lookup(KEY, sentences)
    assert [found[s].target for s in sentences] == [s.upper() for s in sentences]


def test_text_xml_cannot_carry_is_translated_but_not_kept(memory: TranslationMemory) -> None:
    sentence = "A form feed \x0c in a sentence"
    result = translate_with_memory(UpperEngine(), [sentence], memory, KEY)
    assert result.translations == [sentence.upper()]
    assert memory.stats().machine == 0


def test_stats_count_entries_by_pair_and_engine(memory: TranslationMemory) -> None:
    translate_with_memory(UpperEngine(), ARTICLE, memory, KEY)
    back = MemoryKey("identity", "identity 1", "es", "en", KEY.glossary)
    translate_with_memory(IdentityEngine(), ["Hola", "Adiós"], memory, back)
    memory.store_approved("en", "es", [Approved("Skip to main content", "Ir al contenido", "cecot.po")])
    stats = memory.stats()
    assert stats.pairs == {"en-es": {"machine": 4, "approved": 1}, "es-en": {"machine": 2, "approved": 0}}
    assert stats.engines == {"upper upper (test) 1": 4, "identity identity 1": 2}
    assert (stats.machine, stats.approved) == (6, 1)


def test_a_writer_held_past_the_timeout_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "tm.sqlite"
    TranslationMemory.open(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with TranslationMemory.open(path, timeout=0.2) as tm, pytest.raises(MemoryStoreError) as caught:
            tm.store_machine(KEY, {"Hello": "HOLA"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert caught.value.code == "A11Y902" and caught.value.exit_code == 2
    assert "\n" not in str(caught.value) and "tm.sqlite" in str(caught.value)


def test_readers_are_not_blocked_by_a_writer(tmp_path: Path) -> None:
    path = tmp_path / "tm.sqlite"
    with TranslationMemory.open(path) as tm:
        tm.store_machine(KEY, {"Hello": "HOLA"})
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("DELETE FROM machine")
    try:
        with TranslationMemory.open(path, timeout=0.2) as tm:
            assert tm.lookup(KEY, ["Hello"])["Hello"].target == "HOLA"
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@pytest.mark.parametrize(
    "content",
    [b"not a database at all, just some text\n" * 40, "sqlite-other"],
    ids=["text-file", "another-sqlite-database"],
)
def test_a_file_that_is_not_a_memory_is_refused(tmp_path: Path, content: bytes | str) -> None:
    path = tmp_path / "tm.sqlite"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        other = sqlite3.connect(path)
        other.execute("CREATE TABLE notes (text TEXT)")
        other.commit()
        other.close()
    with pytest.raises(MemoryStoreError) as caught:
        TranslationMemory.open(path)
    assert caught.value.code == "A11Y901"


def test_a_memory_in_a_missing_folder_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MemoryStoreError) as caught:
        TranslationMemory.open(tmp_path / "no-such-folder" / "tm.sqlite")
    assert caught.value.code == "A11Y901" and "no-such-folder" in str(caught.value)


def _store_many(path: str, worker: int, count: int) -> None:
    with TranslationMemory.open(path) as tm:
        for i in range(count):
            tm.store_machine(KEY, {f"Worker {worker} sentence {i}.": f"W{worker} S{i}"})


def test_several_processes_share_one_memory(tmp_path: Path) -> None:
    path = str(tmp_path / "tm.sqlite")
    TranslationMemory.open(path).close()
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_store_many, [path, path], [1, 2], [150, 150]))
    with TranslationMemory.open(path) as tm:
        found = tm.lookup(KEY, [f"Worker {w} sentence {i}." for w in (1, 2) for i in range(150)])
    assert len(found) == 300
