"""TMX 1.4b export and import of the translation memory."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from a11ykit import __version__
from a11ykit.errors import MemoryStoreError
from a11ykit.memory import Approved, MemoryKey, TranslationMemory, canonical
from a11ykit.memory.store import BACK_TRANSLATION, SCHEMA_VERSION
from a11ykit.memory.tmx import read_tmx, seg_content, write_tmx

DTD = etree.DTD(str(Path(__file__).resolve().parent / "schemas" / "tmx14.dtd"))
KEY = MemoryKey("apertium", "apertium-eng-spa 0.8.1-2", "en", "es", "glossary-3f2a")
BACK = MemoryKey("argos", "es→en translate-es_en 1.0 (ctranslate2 4.5.0)", "es", "en", "glossary-3f2a")
ROUND_TRIP = MemoryKey("apertium", "apertium-eng-spa 0.8.1-2", "es", "en", BACK_TRANSLATION)


def _fill(tm: TranslationMemory) -> None:
    tm.store_machine(
        KEY,
        {
            "El Salvador's <1>CECOT</1> prison holds <2/> inmates.": "La cárcel <1>CECOT</1> alberga a <2/> presos.",
            "Read <1>the <2>original</2></1> story.": "Lea <1>la historia <2>original</2></1>.",
            "Tags typed as text: &lt;1> and <b> & \"quotes\"": "Etiquetas: &lt;1> y <b> & \"comillas\"",
            "A tag the engine broke <1>here</1>.": "Una etiqueta </1> rota <1>aquí.",
        },
        flags={"A tag the engine broke <1>here</1>.": ["markup-realigned"]},
        date="20261130T101500Z",
    )
    tm.store_machine(BACK, {"Leer el <1>original</1>": "Read the <1>original</1>"}, date="20261130T101600Z")
    tm.store_machine(ROUND_TRIP, {"La cárcel alberga a 40.000 presos.": "The jail houses 40.000 prisoners."},
                     date="20261130T101700Z")
    tm.store_approved(
        "en", "es",
        [Approved("Skip to main content", "Ir al contenido principal", "locales/es/LC_MESSAGES/cecot.po",
                  "Ana Pérez", "20261130T090000Z"),
         Approved("Photo: <1/> Reuters", "Foto: <1/> Reuters", "locales/es/LC_MESSAGES/cecot.po", None,
                  "20261130T090100Z")],
    )


@pytest.fixture
def filled(tmp_path: Path):
    with TranslationMemory.open(tmp_path / "tm.sqlite") as tm:
        _fill(tm)
        yield tm


def _export(tm: TranslationMemory) -> bytes:
    out = io.BytesIO()
    write_tmx(out, tm.machine_entries(), tm.approved_entries())
    return out.getvalue()


def test_the_export_is_valid_tmx_14(filled: TranslationMemory) -> None:
    document = etree.fromstring(_export(filled))
    assert DTD.validate(document), DTD.error_log.filter_from_errors()


def test_the_header_says_what_the_standard_requires(filled: TranslationMemory) -> None:
    header = etree.fromstring(_export(filled)).find("header")
    assert dict(header.attrib) == {
        "creationtool": "a11ykit", "creationtoolversion": __version__, "segtype": "sentence",
        "o-tmf": "a11ykit", "adminlang": "en", "srclang": "*all*", "datatype": "x-a11ykit-tagged",
    }


def test_the_header_says_which_memory_version_its_keys_follow(filled: TranslationMemory) -> None:
    header = etree.fromstring(_export(filled)).find("header")
    assert header.findtext("prop[@type='x-a11ykit-memory-version']") == str(SCHEMA_VERSION)


def test_a_back_translation_goes_out_and_comes_back_as_one(filled: TranslationMemory, tmp_path: Path) -> None:
    filled.export_tmx(tmp_path / "out.tmx")
    with TranslationMemory.open(tmp_path / "empty.sqlite") as fresh:
        fresh.import_tmx(tmp_path / "out.tmx")
        assert fresh.stats().back_translations == 1
        found = fresh.lookup(ROUND_TRIP, ["La cárcel alberga a 40.000 presos."])
    assert found["La cárcel alberga a 40.000 presos."].target == "The jail houses 40.000 prisoners."


def test_an_export_of_a_version_1_memory_is_read_with_bare_engine_versions(tmp_path: Path) -> None:
    path = tmp_path / "old.tmx"
    path.write_text(  # as a11ykit wrote it before memory version 2: no memory-version prop
        '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n<header creationtool="a11ykit"'
        ' creationtoolversion="0.1.0" segtype="sentence" o-tmf="a11ykit" adminlang="en" srclang="en"'
        ' datatype="x-a11ykit-tagged"/>\n<body>\n<tu srclang="en" creationdate="20261130T101500Z">'
        '<prop type="x-a11ykit-origin">machine</prop><prop type="x-a11ykit-engine">apertium</prop>'
        '<prop type="x-a11ykit-engine-version">apertium apertium-eng-spa 0.8.1-2</prop>'
        '<prop type="x-a11ykit-glossary">glossary-3f2a</prop>'
        '<tuv xml:lang="en"><seg>Hello</seg></tuv><tuv xml:lang="es"><seg>Hola</seg></tuv></tu>\n</body>\n</tmx>\n',
        encoding="utf-8",
    )
    with TranslationMemory.open(tmp_path / "tm.sqlite") as tm:
        tm.import_tmx(path)
        assert tm.lookup(KEY, ["Hello"])["Hello"].target == "Hola"


def test_one_source_language_is_named_in_the_header(tmp_path: Path) -> None:
    with TranslationMemory.open(tmp_path / "tm.sqlite") as tm:
        tm.store_machine(KEY, {"Hello": "Hola"})
        assert etree.fromstring(_export(tm)).find("header").get("srclang") == "en"


def test_each_entry_is_one_unit_with_its_origin(filled: TranslationMemory) -> None:
    body = etree.fromstring(_export(filled)).find("body")
    units = body.findall("tu")
    assert len(units) == 8
    approved = [u for u in units if u.findtext("prop[@type='x-a11ykit-origin']") == "approved"]
    assert {u.get("creationid") for u in approved} == {"Ana Pérez", None}
    assert {u.findtext("prop[@type='x-a11ykit-catalog']") for u in approved} == {"locales/es/LC_MESSAGES/cecot.po"}
    machine = [u for u in units if u.findtext("prop[@type='x-a11ykit-origin']") == "machine"]
    assert {u.findtext("prop[@type='x-a11ykit-engine']") for u in machine} == {"apertium", "argos"}
    for unit in units:
        langs = [tuv.get("{http://www.w3.org/XML/1998/namespace}lang") for tuv in unit.findall("tuv")]
        assert langs[0] == unit.get("srclang") and len(langs) == 2


@pytest.mark.parametrize(
    ("text", "content"),
    [
        ("Read <1>this</1>.", 'Read <bpt i="1" x="1">&lt;1&gt;</bpt>this<ept i="1">&lt;/1&gt;</ept>.'),
        ("A <3/> photo", 'A <ph x="3">&lt;3/&gt;</ph> photo'),
        ("<1><2>a</2></1>", '<bpt i="1" x="1">&lt;1&gt;</bpt><bpt i="2" x="2">&lt;2&gt;</bpt>a'
                            '<ept i="2">&lt;/2&gt;</ept><ept i="1">&lt;/1&gt;</ept>'),
        ("</1> lost <2>", '<it pos="end" x="1">&lt;/1&gt;</it> lost <it pos="begin" x="2">&lt;2&gt;</it>'),
        ("a &lt;1> b & c", "a &lt;1&gt; b &amp; c"),
    ],
    ids=["element", "atom", "nested", "unpaired", "literal-text"],
)
def test_inline_tags_become_tmx_inline_codes(text: str, content: str) -> None:
    assert seg_content(text) == content


def test_export_then_import_gives_the_same_entries(filled: TranslationMemory, tmp_path: Path) -> None:
    filled.export_tmx(tmp_path / "out.tmx")
    with TranslationMemory.open(tmp_path / "empty.sqlite") as fresh:
        assert fresh.import_tmx(tmp_path / "out.tmx") == 8
        assert list(fresh.machine_entries()) == list(filled.machine_entries())
        assert list(fresh.approved_entries()) == list(filled.approved_entries())
        assert fresh.stats() == filled.stats()


_PIECES = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufffe\uffff"), max_size=6)
    .filter(lambda t: not any(ord(c) < 32 and c not in "\t\n\r" for c in t)),
    st.sampled_from(["<", "&", "&lt;", "&amp;lt;", ">", "</1/>", " ", "\r\n", "é", "QZXA"]),
    st.builds(lambda n, form: form.format(n), st.sampled_from(["1", "2", "12", "07"]),
              st.sampled_from(["<{}>", "</{}>", "<{}/>", "&lt;{}>", "&lt;/{}>"])),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(source=st.lists(_PIECES, min_size=1, max_size=12).map("".join),
       target=st.lists(_PIECES, min_size=1, max_size=12).map("".join))
def test_any_tagged_text_survives_export_and_import_exactly(source: str, target: str) -> None:
    if not target.strip():
        return  # an empty translation is never kept
    with TranslationMemory.open(":memory:") as tm:
        tm.store_machine(KEY, {source: target}, flags={source: ["engine-empty"]}, date="20261130T101500Z")
        data = _export(tm)
        assert DTD.validate(etree.fromstring(data)), DTD.error_log.filter_from_errors()
        entries = list(read_tmx(io.BytesIO(data)))
        assert entries == list(tm.machine_entries())
        assert (entries[0].source, entries[0].target) == (canonical(source), canonical(target))


def test_canonical_form_is_what_a11ykit_writes() -> None:
    from a11ykit.text import tagged

    for text in ["plain", "a <1>b</1> <2/>", tagged.escape("typed <1> and &lt;2>") + " <3/>"]:
        assert canonical(text) == text
    assert canonical("x </1/> y") == canonical(canonical("x </1/> y")) == "x &lt;/1/> y"


def test_a_tmx_from_a_cat_tool_is_read_as_approved_translations(tmp_path: Path) -> None:
    path = tmp_path / "agency.tmx"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header creationtool="OmegaT"'
        ' creationtoolversion="6" segtype="sentence" o-tmf="OmegaT" adminlang="EN-US" srclang="EN-US"'
        ' datatype="plaintext"/><body><tu creationid="maria" creationdate="20250101T000000Z">'
        '<tuv xml:lang="EN-US"><seg>Subscribe</seg></tuv><tuv xml:lang="ES"><seg>Suscríbase</seg></tuv>'
        "</tu></body></tmx>\n",
        encoding="utf-8",
    )
    with TranslationMemory.open(tmp_path / "tm.sqlite") as tm:
        assert tm.import_tmx(path) == 1
        (entry,) = tm.approved_entries()
    assert (entry.source_lang, entry.target_lang) == ("en-us", "es")
    assert entry.approved == Approved("Subscribe", "Suscríbase", str(path), "maria", "20250101T000000Z")


def test_a_unit_without_a_date_goes_out_without_one(tmp_path: Path) -> None:
    with TranslationMemory.open(tmp_path / "tm.sqlite") as tm:
        tm.store_approved("en", "es", [Approved("Subscribe", "Suscríbase", "agency.tmx", None, "")])
        unit = etree.fromstring(_export(tm)).find("body/tu")
    assert "creationdate" not in unit.attrib and DTD.validate(unit.getroottree())


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ('<?xml version="1.0"?>\n<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n<tmx version="1.4"/>', "DOCTYPE"),
        ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>\n'
         '<tmx version="1.4">&lol2;</tmx>', "DOCTYPE"),
        ('<?xml version="1.0"?>\n<tmx version="1.4"><header/><body>&xxe;</body></tmx>', "well-formed"),
        ('<?xml version="1.0"?>\n<tmx version="1.4"><header/><body><tu>\n<tuv xml:lang="en">', "well-formed"),
        ('<?xml version="1.0"?>\n<tmx version="1.1"><header/><body/></tmx>', "TMX 1.4"),
        ('<?xml version="1.0"?>\n<tmx version="1.4"><header srclang="en"/><body><tu><tuv xml:lang="en">'
         '<seg>a <bpt i="1">&lt;b&gt;</bpt></seg></tuv></tu></body></tmx>', "numeric x"),
    ],
    ids=["doctype", "entity-expansion", "undeclared-entity", "truncated", "other-version", "foreign-inline-code"],
)
def test_a_refused_tmx_is_one_error_naming_the_line_and_adds_nothing(
    filled: TranslationMemory, tmp_path: Path, document: str, reason: str
) -> None:
    before = filled.stats()
    path = tmp_path / "in.tmx"
    path.write_text(document, encoding="utf-8")
    with pytest.raises(MemoryStoreError) as caught:
        filled.import_tmx(path)
    message = str(caught.value)
    assert caught.value.code == "A11Y903" and reason in message
    assert message.startswith(f"{path}:") and "\n" not in message
    assert filled.stats() == before
