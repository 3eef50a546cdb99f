"""The translation memory: sentences translated once, approved work first, safe to share."""

from __future__ import annotations

import multiprocessing
import sqlite3
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from a11ykit.errors import MemoryStoreError
from a11ykit.memory import Approved, MemoryKey, TranslationMemory, translate_with_memory
from a11ykit.memory.store import BACK_TRANSLATION, SCHEMA_VERSION
from a11ykit.memory.translate import translate_back
from a11ykit.memory.units import engine_version, round_trip_key
from a11ykit.text import tagged
from fakes import IdentityEngine, UpperEngine

KEY = MemoryKey("upper", "(test) 1", "en", "es", "glossary-3f2a")
#: The raw back translations of KEY's outputs (the quality estimate's round trip): the reverse pair.
ROUND_TRIP = MemoryKey("upper", "(test) 1", "es", "en", BACK_TRANSLATION)
OUTPUTS = ["La cárcel CECOT de El Salvador alberga a 40.000 presos.", "Foto: Reuters", "Foto: Reuters"]
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


def test_stats_count_entries_by_kind_pair_and_engine(memory: TranslationMemory) -> None:
    translate_with_memory(UpperEngine(), ARTICLE, memory, KEY)
    reverse = MemoryKey("identity", "1", "es", "en", KEY.glossary)
    translate_with_memory(IdentityEngine(), ["Hola", "Adiós"], memory, reverse)
    translate_back(UpperEngine(), OUTPUTS, memory, ROUND_TRIP)
    memory.store_approved("en", "es", [Approved("Skip to main content", "Ir al contenido", "cecot.po")])
    stats = memory.stats()
    assert stats.pairs == {
        "en-es": {"machine": 4, "approved": 1, "back_translations": 0},
        "es-en": {"machine": 2, "approved": 0, "back_translations": 2},
    }
    assert stats.engines == {
        ("identity", "1"): {"machine": 2, "back_translations": 0},
        ("upper", "(test) 1"): {"machine": 4, "back_translations": 2},
    }
    assert (stats.machine, stats.approved, stats.back_translations) == (6, 1, 2)


def test_the_key_has_the_engines_version_without_its_name() -> None:
    assert IdentityEngine().describe() == "identity (test)"
    assert engine_version(IdentityEngine()) == "(test)"
    assert round_trip_key(IdentityEngine(), "en", "es") == MemoryKey("identity", "(test)", "es", "en", BACK_TRANSLATION)


def test_a_back_translation_is_served_from_the_memory_without_an_engine_call(memory: TranslationMemory) -> None:
    first = translate_back(UpperEngine(), OUTPUTS, memory, ROUND_TRIP)
    engine = UpperEngine()
    again = translate_back(engine, OUTPUTS, memory, ROUND_TRIP)
    assert engine.calls == []
    assert again == first == [UpperEngine().one(o) for o in OUTPUTS]


@pytest.mark.parametrize(
    "output",
    ["Type <1> to begin, then </1>.", "Escaped &lt;2/> stays text", "Plain text with < and & signs"],
    ids=["tag-like-text", "escaped-tag-text", "markup-characters"],
)
def test_a_back_translation_from_the_memory_is_the_one_the_engine_gave(
    memory: TranslationMemory, output: str
) -> None:
    engine = IdentityEngine()
    without_memory = [tagged.plain(b) for b in IdentityEngine().translate([output], "es", "en")]
    cold = translate_back(engine, [output], memory, ROUND_TRIP)
    warm = translate_back(IdentityEngine(), [output], memory, ROUND_TRIP)
    assert engine.calls == [[output]]  # the engine reads the output text itself, as without a memory
    assert cold == warm == without_memory


def test_the_engine_gets_each_missing_output_once_in_one_call(memory: TranslationMemory) -> None:
    translate_back(UpperEngine(), OUTPUTS[:1], memory, ROUND_TRIP)
    engine = UpperEngine()
    translate_back(engine, OUTPUTS, memory, ROUND_TRIP)
    assert engine.calls == [["Foto: Reuters"]]


def _keep_other_entries(memory: TranslationMemory, kind: str) -> None:
    """An entry for the very output text OUTPUTS[0], es → en, that is no raw back translation."""
    if kind == "approved":
        memory.store_approved("es", "en", [Approved(OUTPUTS[0], "APPROVED", "cecot.po", "Ana")])
    elif kind == "glossary-locked":
        memory.store_machine(MemoryKey(ROUND_TRIP.engine, ROUND_TRIP.engine_version, "es", "en", "0123abcd"),
                             {OUTPUTS[0]: "LOCKED"})
    else:
        memory.store_machine(MemoryKey(ROUND_TRIP.engine, "(test) 2", "es", "en", BACK_TRANSLATION),
                             {OUTPUTS[0]: "OTHER VERSION"})


@pytest.mark.parametrize("kind", ["approved", "glossary-locked", "other-engine-version"])
def test_only_a_raw_back_translation_by_the_same_engine_serves_a_round_trip(
    memory: TranslationMemory, kind: str
) -> None:
    _keep_other_entries(memory, kind)
    engine = UpperEngine()
    back = translate_back(engine, OUTPUTS[:1], memory, ROUND_TRIP)
    assert engine.calls == [OUTPUTS[:1]] and back == [OUTPUTS[0].upper()]


@pytest.mark.parametrize("approved", [True, False])
def test_a_back_translation_never_serves_a_translation_of_the_reverse_pair(
    memory: TranslationMemory, approved: bool
) -> None:
    translate_back(UpperEngine(), OUTPUTS[:1], memory, ROUND_TRIP)
    forward = MemoryKey(ROUND_TRIP.engine, ROUND_TRIP.engine_version, "es", "en", "0123abcd")
    assert memory.lookup(forward, OUTPUTS[:1], approved=approved) == {}
    assert memory.lookup(ROUND_TRIP, OUTPUTS[:1], approved=approved)[OUTPUTS[0]].origin == "machine"


def test_an_approved_translation_never_serves_as_a_back_translation(memory: TranslationMemory) -> None:
    memory.store_approved("es", "en", [Approved(OUTPUTS[0], "APPROVED", "cecot.po", "Ana")])
    assert memory.lookup(ROUND_TRIP, OUTPUTS[:1], approved=True) == {}


class NoReverseEngine(UpperEngine):
    """Covers no pair at all (an engine without its reverse mode installed)."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[tuple[str, str]] = []

    def supports(self, source: str, target: str) -> bool:
        self.asked.append((source, target))
        return False


def test_no_round_trip_when_the_engine_lacks_the_reverse_pair(memory: TranslationMemory) -> None:
    engine = NoReverseEngine()
    assert translate_back(engine, OUTPUTS, memory, ROUND_TRIP) is None
    assert engine.asked == [("es", "en")] and engine.calls == []


def test_a_round_trip_the_memory_holds_asks_the_engine_nothing(memory: TranslationMemory) -> None:
    translate_back(UpperEngine(), OUTPUTS, memory, ROUND_TRIP)
    engine = NoReverseEngine()
    assert translate_back(engine, OUTPUTS, memory, ROUND_TRIP) == [o.upper() for o in OUTPUTS]
    assert engine.asked == [] and engine.calls == []


def test_translate_back_refuses_a_key_that_is_not_a_back_translation_key(memory: TranslationMemory) -> None:
    with pytest.raises(ValueError, match="not a back translation key"):
        translate_back(UpperEngine(), OUTPUTS, memory, KEY)


def _version_1_memory(path: Path, engine_version: str) -> None:
    """A memory as a11ykit wrote it before memory version 2: the engine's description as its version."""
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE machine (engine TEXT NOT NULL, engine_version TEXT NOT NULL, source_lang TEXT NOT NULL,"
        " target_lang TEXT NOT NULL, glossary TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL,"
        " flags TEXT NOT NULL, date TEXT NOT NULL,"
        " PRIMARY KEY (source_lang, target_lang, source, engine, engine_version, glossary)) WITHOUT ROWID;"
        "CREATE TABLE approved (source_lang TEXT NOT NULL, target_lang TEXT NOT NULL, source TEXT NOT NULL,"
        " target TEXT NOT NULL, catalog TEXT NOT NULL, translator TEXT, date TEXT NOT NULL,"
        " PRIMARY KEY (source_lang, target_lang, source)) WITHOUT ROWID;"
        f"PRAGMA application_id={int.from_bytes(b'a11y', 'big')}; PRAGMA user_version=1;"
    )
    db.execute("INSERT INTO machine VALUES ('apertium', ?, 'en', 'es', '0123456789abcdef', 'Hello', 'Hola', '',"
               " '20261130T101500Z')", [engine_version])
    db.commit()
    db.close()


@pytest.mark.parametrize(
    ("stored", "read"),
    [("apertium apertium-eng-spa 0.8.1-2", "apertium-eng-spa 0.8.1-2"), ("0.8.1-2", "0.8.1-2"),
     ("apertium", "apertium")],
    ids=["name-in-front", "bare", "name-only"],
)
def test_a_version_1_memory_is_brought_up_to_date_and_still_serves_its_entries(
    tmp_path: Path, stored: str, read: str
) -> None:
    path = tmp_path / "tm.sqlite"
    _version_1_memory(path, stored)
    with TranslationMemory.open(path) as tm:
        found = tm.lookup(MemoryKey("apertium", read, "en", "es", "0123456789abcdef"), ["Hello"])
        assert found["Hello"].target == "Hola"
        assert list(tm.stats().engines) == [("apertium", read)]
    version = sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0]
    assert version == SCHEMA_VERSION == 3


def test_a_version_2_memory_gets_the_derived_records_and_keeps_its_entries(tmp_path: Path) -> None:
    path = tmp_path / "tm.sqlite"
    _version_1_memory(path, "0.8.1-2")
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version=2")
    db.commit()
    db.close()
    with TranslationMemory.open(path) as tm:
        assert tm.lookup(MemoryKey("apertium", "0.8.1-2", "en", "es", "0123456789abcdef"), ["Hello"])["Hello"].target \
            == "Hola"
        assert tm.recall("estimate", ["k"]) == {}
        tm.remember("estimate", {"k": "v"})
        assert tm.recall("estimate", ["k"]) == {"k": "v"}
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 3


def test_derived_records_are_kept_per_kind_replaced_and_never_exported(tmp_path: Path) -> None:
    with TranslationMemory.open(tmp_path / "tm.sqlite") as tm:
        tm.remember("estimate", {"a": "1", "b": "2"})
        tm.remember("repair", {"a": "other"})
        tm.remember("estimate", {"a": "3"})
        assert tm.recall("estimate", ["a", "b", "c", "a"]) == {"a": "3", "b": "2"}
        assert tm.recall("repair", ["a", "b"]) == {"a": "other"}
        assert tm.export_tmx(tmp_path / "out.tmx") == 0
        assert (tm.stats().machine, tm.stats().approved, tm.stats().back_translations) == (0, 0, 0)


def test_a_memory_of_a_newer_a11ykit_is_refused_with_its_version(tmp_path: Path) -> None:
    path = tmp_path / "tm.sqlite"
    TranslationMemory.open(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(MemoryStoreError) as caught:
        TranslationMemory.open(path)
    assert caught.value.code == "A11Y901"
    assert f"memory version {SCHEMA_VERSION + 1}" in str(caught.value) and "\n" not in str(caught.value)


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


_TAGGY = "<>/12&;ltamp a"


@given(st.text(alphabet=_TAGGY, max_size=24))
@example("a </1/> b").via("a skipped tag is text")
@example("&lt;1> and &amp;lt;2>").via("escaped tags")
@example("<1>Tim</1> & <2/>").via("tags and a bare ampersand")
def test_the_memory_key_of_a_text_is_its_text_with_literal_parts_escaped_once(text: str) -> None:
    from a11ykit.memory.store import canonical

    escaped = [tagged.escape(tagged.unescape(raw)) if kind == "text" else raw for kind, raw in tagged.raw_parts(text)]
    assert canonical(text) == "".join(escaped)
