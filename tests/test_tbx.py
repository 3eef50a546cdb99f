"""The glossary as TBX-Basic: the export is valid TBX-Basic (checked against tests/schemas/tbx-basic.rng),
every field round-trips, TBX-Basic from other tools is read, hostile XML is refused, and an import never
empties or half-writes the glossary."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from lxml import etree

from a11ykit.cli import main
from a11ykit.errors import GlossaryError
from a11ykit.terms.base import Glossary, Term
from a11ykit.terms.glossary import load_glossary
from a11ykit.terms.tbx import FIELD_NOTE, TBX_NAMESPACE, read_tbx, write_tbx
from unwritable import a11ykit, read_only

NS = {"t": TBX_NAMESPACE}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SCHEMA = etree.RelaxNG(etree.parse(str(Path(__file__).parent / "schemas" / "tbx-basic.rng")))

EVERYTHING = Glossary(
    (
        Term(
            "map",
            {
                "en": ("Alien Enemies Act", "Alien Enemies Act of 1798"),
                "es": ("Ley de Enemigos Extranjeros", "Ley de Extranjeros Enemigos"),
            },
            case_sensitive=False,
            lang="en",
            pronunciations={"es": "ley de enemigos extranjeros"},
            note="1798 law; <not> markup & not an entity",
            line=2,
        ),
        Term(
            "keep",
            {"en": ("CECOT",), "es": ("CECOT",)},
            lang="es",
            expansions={"en": "Terrorism Confinement Center", "es": "Centro de Confinamiento del Terrorismo"},
            pronunciations={"en": "SEE-cot", "es": "se-kot"},
            note="two\nlines",
            line=3,
        ),
        Term(
            "keep", {"en": ("ICE",)}, expansions={"es": "Servicio de Inmigración"}, pronunciations={"es": "ais"}, line=4
        ),
    ),
    source="terms.csv",
)


def tbx_bytes(glossary: Glossary) -> bytes:
    out = io.BytesIO()
    write_tbx(out, glossary)
    return out.getvalue()


def roundtrip(glossary: Glossary) -> Glossary:
    return read_tbx(io.BytesIO(tbx_bytes(glossary)), "glossary.tbx")


def without_lines(glossary: Glossary) -> list[Term]:
    return [replace(t, line=0) for t in glossary.terms]


def test_every_field_of_every_term_round_trips():
    assert without_lines(roundtrip(EVERYTHING)) == without_lines(EVERYTHING)


def test_the_project_glossary_round_trips(examples_dir):
    glossary = load_glossary(examples_dir.parent / "glossary" / "terms.csv")
    assert without_lines(roundtrip(glossary)) == without_lines(glossary)


def test_terms_are_numbered_in_file_order_and_named_after_the_file():
    glossary = roundtrip(EVERYTHING)
    assert ([t.line for t in glossary.terms], glossary.source) == ([1, 2, 3], "glossary.tbx")


def test_the_document_is_tbx_basic_v3_dca_with_one_concept_entry_per_term():
    root = ET.fromstring(tbx_bytes(EVERYTHING))
    assert (root.tag, root.get("type"), root.get("style"), root.get(XML_LANG)) == (
        f"{{{TBX_NAMESPACE}}}tbx", "TBX-Basic", "dca", "en"
    )
    assert TBX_NAMESPACE == "urn:iso:std:iso:30042:ed-2"
    assert len(root.findall(".//t:conceptEntry", NS)) == 3


def test_the_document_names_the_tbx_basic_rng_and_schematron_schemas():
    root = etree.fromstring(tbx_bytes(EVERYTHING))
    models = [pi for pi in root.itersiblings(preceding=True) if pi.tag is etree.PI and pi.target == "xml-model"]
    assert sorted((pi.get("schematypens"), pi.get("href").rsplit("/", 1)[-1]) for pi in models) == [
        ("http://purl.oclc.org/dsdl/schematron", "TBX-Basic_DCA.sch"),
        ("http://relaxng.org/ns/structure/1.0", "TBXcoreStructV03_TBX-Basic_integrated.rng"),
    ]


# --- valid TBX-Basic -------------------------------------------------------------------------


def schema_errors(data: bytes) -> list[str]:
    SCHEMA.validate(etree.fromstring(data))
    return [f"{e.line}: {e.message}" for e in SCHEMA.error_log]


def test_the_export_of_the_project_glossary_is_valid_tbx_basic(examples_dir):
    glossary = load_glossary(examples_dir.parent / "glossary" / "terms.csv")
    assert schema_errors(tbx_bytes(glossary)) == []


def test_the_export_of_every_field_is_valid_tbx_basic():
    assert schema_errors(tbx_bytes(EVERYTHING)) == []


OLD_EXPORT = b"""<tbx type="TBX-Basic" style="dca" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2">
  <tbxHeader><fileDesc><sourceDesc><p>a11ykit glossary</p></sourceDesc></fileDesc></tbxHeader>
  <text><body>
    <conceptEntry id="c1">
      <descrip type="a11ykit-kind">keep</descrip>
      <descrip type="a11ykit-case">ignore</descrip>
      <descrip type="a11ykit-termLang">es</descrip>
      <note>prison</note>
      <langSec xml:lang="en">
        <descrip type="a11ykit-expansion">Terrorism Confinement Center</descrip>
        <termSec>
          <term>CECOT</term>
          <termNote type="administrativeStatus">preferredTerm-admn-sts</termNote>
          <termNote type="pronunciation">SEE-cot</termNote>
        </termSec>
      </langSec>
      <langSec xml:lang="es"><descrip type="a11ykit-pronunciation">se-kot</descrip></langSec>
    </conceptEntry>
  </body></text>
</tbx>"""


@pytest.mark.parametrize(
    ("mutation", "old", "new"),
    [
        ("a private descrip type", b'<note>1798 law', b'<descrip type="a11ykit-kind">map</descrip><note>1798 law'),
        ("a termNote outside TBX-Basic", b"</term>", b'</term><termNote type="pronunciation">ley</termNote>'),
        ("a value outside the termType list", b">acronym<", b">initialism<"),
        ("subjectField below the concept level", b"</termSec>", b'<descrip type="subjectField">x</descrip></termSec>'),
        ("context above the term level", b"<note>1798 law", b'<descrip type="context">It is.</descrip><note>1798 law'),
        ("another dialect", b'type="TBX-Basic"', b'type="TBX-Default"'),
        ("an element of another namespace", b"<note>1798 law", b'<x:say xmlns:x="urn:x">ley</x:say><note>1798 law'),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_the_schema_refuses_what_tbx_basic_does_not_allow(mutation, old, new):
    data = tbx_bytes(EVERYTHING)
    assert old in data
    assert schema_errors(data.replace(old, new, 1)) != []


def test_the_schema_refuses_what_a11ykit_exported_before():
    assert schema_errors(OLD_EXPORT) != []


def entry(data: bytes, index: int) -> ET.Element:
    return ET.fromstring(data).findall(".//t:conceptEntry", NS)[index]


def test_a11ykit_only_fields_are_notes_named_after_the_glossary_columns_after_the_term_note():
    notes = [n.text for n in entry(tbx_bytes(EVERYTHING), 1).iterfind("t:note", NS)]
    assert notes == [
        "two",
        "lines",
        "a11ykit kind: keep",
        "a11ykit case: exact",
        "a11ykit lang: es",
        "a11ykit say_en: SEE-cot",
        "a11ykit say_es: se-kot",
    ]


def term_secs(data: bytes, index: int, lang: str) -> list[tuple[str | None, str | None, str | None]]:
    lang_sec = next(s for s in entry(data, index).iterfind("t:langSec", NS) if s.get(XML_LANG) == lang)
    return [
        (
            sec.findtext("t:term", namespaces=NS),
            sec.findtext("t:termNote[@type='termType']", namespaces=NS),
            sec.findtext("t:termNote[@type='administrativeStatus']", namespaces=NS),
        )
        for sec in lang_sec.iterfind("t:termSec", NS)
    ]


def test_an_acronym_is_a_term_of_type_acronym_and_its_expansion_a_second_term_of_type_full_form():
    assert term_secs(tbx_bytes(EVERYTHING), 1, "es") == [
        ("CECOT", "acronym", "preferredTerm-admn-sts"),
        ("Centro de Confinamiento del Terrorismo", "fullForm", "admittedTerm-admn-sts"),
    ]


def test_an_expansion_or_pronunciation_for_a_language_without_forms_is_a_note():
    ice = entry(tbx_bytes(EVERYTHING), 2)
    assert [s.get(XML_LANG) for s in ice.iterfind("t:langSec", NS)] == ["en"]
    notes = [n.text for n in ice.iterfind("t:note", NS)]
    assert {"a11ykit say_es: ais", "a11ykit abbr_es: Servicio de Inmigración"} <= set(notes)


TEXT = st.text(st.characters(whitelist_categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=16).map(
    lambda text: " ".join(text.split())
).filter(bool)
FORMS = st.lists(TEXT.filter(lambda text: "|" not in text), min_size=1, max_size=3, unique=True).map(tuple)
PER_LANGUAGE = st.dictionaries(st.sampled_from(["en", "es"]), TEXT, max_size=2)


@st.composite
def csv_terms(draw: st.DrawFn) -> Term:
    """Any term the CSV glossary can hold."""
    kind = draw(st.sampled_from(["keep", "map"]))
    en = draw(FORMS)
    return Term(
        kind,
        {"en": en, "es": en if kind == "keep" else draw(FORMS)},
        case_sensitive=draw(st.booleans()),
        lang=draw(st.sampled_from([None, "en", "es"])),
        expansions=draw(PER_LANGUAGE),
        pronunciations=draw(PER_LANGUAGE),
        note=draw(st.just("") | TEXT),
    )


@given(st.lists(csv_terms(), min_size=1, max_size=4))
def test_any_glossary_the_csv_can_hold_is_valid_tbx_basic_and_round_trips(terms):
    assume(not any(FIELD_NOTE.fullmatch(t.note) for t in terms))
    glossary = Glossary(tuple(terms))
    assert schema_errors(tbx_bytes(glossary)) == []
    assert without_lines(roundtrip(glossary)) == without_lines(glossary)


def test_a_note_line_that_would_read_back_as_an_a11ykit_field_is_not_exported():
    glossary = Glossary((replace(EVERYTHING.terms[0], note="fine\na11ykit kind: keep"),))
    with pytest.raises(GlossaryError, match="'Alien Enemies Act' has the line 'a11ykit kind: keep'"):
        tbx_bytes(glossary)


def test_an_empty_glossary_is_not_exported():
    with pytest.raises(GlossaryError, match="has no terms; a TBX file needs at least one entry"):
        tbx_bytes(Glossary((), source="terms.csv"))


def test_the_canonical_form_is_the_preferred_term_and_variants_are_admitted():
    assert term_secs(tbx_bytes(EVERYTHING), 0, "es") == [
        ("Ley de Enemigos Extranjeros", None, "preferredTerm-admn-sts"),
        ("Ley de Extranjeros Enemigos", None, "admittedTerm-admn-sts"),
    ]


def test_exporting_an_imported_file_gives_the_same_bytes():
    assert tbx_bytes(EVERYTHING) == tbx_bytes(replace(roundtrip(EVERYTHING), source="terms.csv"))


# --- reading other TBX ---------------------------------------------------------------------

MARTIF = b"""<?xml version="1.0" encoding="UTF-8"?>
<martif type="TBX" xml:lang="en"><text><body>
  <termEntry id="t1">
    <descrip type="definition">ignored</descrip>
    <langSet xml:lang="en-US"><tig><term>Alien Enemies Act</term></tig></langSet>
    <langSet xml:lang="es"><ntig><termGrp><term>Ley de Enemigos Extranjeros</term></termGrp></ntig></langSet>
    <langSet xml:lang="fr"><tig><term>Loi sur les ennemis etrangers</term></tig></langSet>
  </termEntry>
</body></text></martif>"""


def test_tbx_v2_martif_files_are_read():
    term = read_tbx(io.BytesIO(MARTIF)).terms[0]
    assert (term.kind, term.forms) == ("map", {"en": ("Alien Enemies Act",), "es": ("Ley de Enemigos Extranjeros",)})


def test_an_entry_without_an_english_term_is_an_error():
    data = MARTIF.replace(b'xml:lang="en-US"', b'xml:lang="de"')
    with pytest.raises(GlossaryError, match=r"entry 1 .t1.: no English term"):
        read_tbx(io.BytesIO(data), "old.tbx")


def test_a_keep_entry_with_different_forms_per_language_is_an_error():
    data = MARTIF.replace(b'<descrip type="definition">ignored</descrip>', b"<note>a11ykit kind: keep</note>")
    with pytest.raises(GlossaryError, match="a keep term has the same forms"):
        read_tbx(io.BytesIO(data))


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("a11ykit case: sometimes", "unknown case rule 'sometimes' (exact or ignore)"),
        ("a11ykit kind: translate", "unknown kind 'translate' (keep or map)"),
        ("a11ykit lang: fr", "unknown term language 'fr' (en or es)"),
    ],
)
def test_an_unknown_value_of_an_a11ykit_field_is_an_error(note, message):
    data = tbx_bytes(EVERYTHING).replace(b"<note>1798 law", f"<note>{note}</note><note>1798 law".encode(), 1)
    with pytest.raises(GlossaryError, match=re.escape(f"entry 1 (c1): {message}")):
        read_tbx(io.BytesIO(data))


def test_a_file_a11ykit_exported_before_it_wrote_tbx_basic_is_read():
    term = read_tbx(io.BytesIO(OLD_EXPORT)).terms[0]
    assert term == Term(
        "keep",
        {"en": ("CECOT",)},
        case_sensitive=False,
        lang="es",
        expansions={"en": "Terrorism Confinement Center"},
        pronunciations={"en": "SEE-cot", "es": "se-kot"},
        note="prison",
        line=1,
    )


def test_malformed_xml_is_a_glossary_error():
    with pytest.raises(GlossaryError, match="not well-formed"):
        read_tbx(io.BytesIO(b"<tbx><text></tbx>"))


def test_a_document_that_is_not_tbx_is_refused():
    with pytest.raises(GlossaryError, match="root element is <html>"):
        read_tbx(io.BytesIO(b"<html><body/></html>"))


# --- hostile input ---------------------------------------------------------------------------

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE tbx [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<tbx><text><body><conceptEntry><langSec xml:lang="en"><termSec><term>&secret;</term></termSec></langSec>
</conceptEntry></body></text></tbx>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<tbx><text><body><conceptEntry><langSec xml:lang="en"><termSec><term>&lol9;</term></termSec></langSec>
</conceptEntry></body></text></tbx>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE martif SYSTEM "http://192.0.2.1/TBXcoreStructV02.dtd">
<martif type="TBX"><text><body/></text></martif>"""

UNDECLARED_ENTITY = b"<tbx><text><body><p>&secret;</p></body></text></tbx>"


@pytest.mark.parametrize(
    "data", [EXTERNAL_ENTITY, BILLION_LAUGHS, EXTERNAL_DTD], ids=["external-entity", "billion-laughs", "external-dtd"]
)
def test_a_document_with_a_doctype_is_refused(data):
    with pytest.raises(GlossaryError, match="DOCTYPE"):
        read_tbx(io.BytesIO(data))


def test_an_undeclared_entity_is_refused():
    with pytest.raises(GlossaryError, match="not well-formed"):
        read_tbx(io.BytesIO(UNDECLARED_ENTITY))


# --- every valid TBX-Basic file, and what the CSV glossary cannot hold -----------------------

TBX_BASIC = """<?xml version="1.0" encoding="UTF-8"?>
<tbx type="TBX-Basic" style="dca" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2">
  <tbxHeader><fileDesc><sourceDesc><p>From a CAT tool</p></sourceDesc></fileDesc></tbxHeader>
  <text><body>
    <conceptEntry id="c1">
      <descrip type="subjectField">law</descrip>
      <descripGrp><descrip type="definition">A <hi type="italics">1798</hi> law.</descrip></descripGrp>
      <transacGrp><transac type="transactionType">origination</transac><date>2026-03-02</date></transacGrp>
      <note>first note</note>
      <note>second note
        over two lines</note>
      <xref type="externalCrossReference" target="https://example.org/act">source</xref>
      <langSec xml:lang="en-US">
        <descripGrp><descrip type="definition">A law.</descrip><admin type="source">Congress</admin></descripGrp>
        <termSec>
          <term>Alien Enemies Act</term>
          <termNote type="partOfSpeech">noun</termNote>
          <termNote type="geographicalUsage">en-US</termNote>
          <termNote type="termType">fullForm</termNote>
          <termNote type="administrativeStatus">preferredTerm-admn-sts</termNote>
          <descrip type="context">Invoked under the Alien Enemies Act.</descrip>
          <note>a note on the term</note>
        </termSec>
        {extra_en}
      </langSec>
      <langSec xml:lang="es">
        <termSec>
          <term>Ley de Enemigos Extranjeros</term>
          <termNote type="grammaticalGender">feminine</termNote>
          <termNote type="administrativeStatus">preferredTerm-admn-sts</termNote>
        </termSec>
        {extra_es}
      </langSec>
    </conceptEntry>
    {more}
  </body></text>
</tbx>"""


def basic(extra_en: str = "", extra_es: str = "", more: str = "") -> bytes:
    return TBX_BASIC.format(extra_en=extra_en, extra_es=extra_es, more=more).encode("utf-8")


def term_sec(form: str, status: str = "admittedTerm-admn-sts") -> str:
    return f'<termSec><term>{form}</term><termNote type="administrativeStatus">{status}</termNote></termSec>'


def test_the_file_from_another_tool_is_valid_tbx_basic():
    assert schema_errors(basic(term_sec("Alien Enemy Act"), term_sec("Ley AEA"))) == []


def test_a_tbx_basic_entry_with_what_a11ykit_does_not_use_is_read():
    term = read_tbx(io.BytesIO(basic()), "cat.tbx").terms[0]
    assert (term.kind, term.forms) == ("map", {"en": ("Alien Enemies Act",), "es": ("Ley de Enemigos Extranjeros",)})


def test_several_notes_are_one_line_each_in_file_order():
    term = read_tbx(io.BytesIO(basic())).terms[0]
    assert term.note.splitlines() == ["first note", "second note over two lines"]


def test_a_term_with_two_notes_is_written_as_two_notes_and_read_back():
    two = Glossary((replace(EVERYTHING.terms[0], note="first\nsecond"),))
    root = ET.fromstring(tbx_bytes(two))
    notes = [n.text for n in root.iterfind(".//t:conceptEntry/t:note", NS)]
    assert [n for n in notes if not n.startswith("a11ykit ")] == ["first", "second"]
    assert roundtrip(two).terms[0].note == "first\nsecond"


def test_deprecated_and_superseded_terms_are_not_taken_as_variants():
    extra = term_sec("Alien Enemy Act", "deprecatedTerm-admn-sts") + term_sec(
        "Enemy Aliens Act", "supersededTerm-admn-sts"
    )
    term = read_tbx(io.BytesIO(basic(extra_en=extra))).terms[0]
    assert term.forms["en"] == ("Alien Enemies Act",)


def test_admitted_terms_are_variants_after_the_preferred_one():
    term = read_tbx(io.BytesIO(basic(extra_es=term_sec("Ley de Extranjeros Enemigos")))).terms[0]
    assert term.forms["es"] == ("Ley de Enemigos Extranjeros", "Ley de Extranjeros Enemigos")


def test_two_lang_sections_of_one_language_add_up():
    data = basic().replace(
        b'<langSec xml:lang="es">',
        b'<langSec xml:lang="es">' + term_sec("Ley AEA").encode() + b'</langSec><langSec xml:lang="es">',
        1,
    )
    term = read_tbx(io.BytesIO(data)).terms[0]
    assert set(term.forms["es"]) == {"Ley AEA", "Ley de Enemigos Extranjeros"}


# Shaped like the TBX-Basic dialect's own example (LTAC Global's Example_Astronomy_DCA_VALID.tbx).
ASTRONOMY = """<?xml version="1.0" encoding="utf-8"?>
<tbx type="TBX-Basic" style="dca" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2">
  <tbxHeader><fileDesc><titleStmt><title>Astronomy</title></titleStmt>
    <sourceDesc><p>TBX file, created via a terminology tool's export</p></sourceDesc></fileDesc></tbxHeader>
  <text><body>
    <conceptEntry id="c1">
      <transacGrp><transac type="transactionType">origination</transac><date>2010-04-17</date>
        <transacNote type="responsibility" target="pe324as3-9615">Tommy</transacNote></transacGrp>
      <descrip type="subjectField">General</descrip>
      <xref type="xGraphic" target="https://example.org/cluster.jpg">cluster.jpg</xref>
      <note>G-Source: https://example.org/</note>
      <langSec xml:lang="en">
        <transacGrp><transac type="transactionType">modification</transac><date>2010-04-17</date></transacGrp>
        <descripGrp><descrip type="definition">A group of stars.</descrip>
          <admin type="source">Oxford2007</admin></descripGrp>
        <termSec>
          <term>open cluster</term>
          <termNote type="partOfSpeech">noun</termNote>
          <termNote type="administrativeStatus">preferredTerm-admn-sts</termNote>
          <descripGrp>
            <descrip type="context">Over 1100 open clusters are known.</descrip>
            <admin type="source">https://example.org/open.html</admin>
          </descripGrp>
        </termSec>
        <termSec>
          <term>galactic cluster</term>
          <termNote type="partOfSpeech">noun</termNote>
          <termNote type="administrativeStatus">supersededTerm-admn-sts</termNote>
          <note>Another name for an open star cluster.</note>
        </termSec>
      </langSec>
      <langSec xml:lang="es">
        <termSec>
          <term>cúmulo abierto</term>
          <termNote type="partOfSpeech">noun</termNote>
          <admin type="customerSubset">Astro</admin>
          <ref type="crossReference" target="c1">open cluster</ref>
        </termSec>
      </langSec>
    </conceptEntry>
  </body></text>
</tbx>""".encode()


def test_a_file_shaped_like_the_dialects_own_example_is_valid_and_read():
    assert schema_errors(ASTRONOMY) == []
    term = read_tbx(io.BytesIO(ASTRONOMY)).terms[0]
    assert (term.kind, term.forms, term.note) == (
        "map", {"en": ("open cluster",), "es": ("cúmulo abierto",)}, "G-Source: https://example.org/"
    )


def acronym_entry(*term_secs: str) -> bytes:
    secs = "".join(term_secs)
    return basic(more=f'<conceptEntry id="c2"><langSec xml:lang="en">{secs}</langSec></conceptEntry>')


def typed(form: str, term_type: str, status: str = "admittedTerm-admn-sts") -> str:
    return (f'<termSec><term>{form}</term><termNote type="termType">{term_type}</termNote>'
            f'<termNote type="administrativeStatus">{status}</termNote></termSec>')


@pytest.mark.parametrize("abbreviated", ["acronym", "abbreviation"])
def test_an_acronym_and_its_full_form_from_another_tool_are_a_term_and_its_expansion(abbreviated):
    data = acronym_entry(
        typed("National Aeronautics and Space Administration", "fullForm", "preferredTerm-admn-sts"),
        typed("NASA", abbreviated),
    )
    assert schema_errors(data) == []
    term = read_tbx(io.BytesIO(data)).terms[1]
    assert (term.kind, term.forms, term.expansions) == (
        "keep", {"en": ("NASA",)}, {"en": "National Aeronautics and Space Administration"}
    )


def test_full_forms_without_an_acronym_beside_them_are_forms_preferred_first():
    data = acronym_entry(
        typed("accretion disc", "fullForm"),
        typed("circumstellar accretion disk", "fullForm", "preferredTerm-admn-sts"),
        typed("disk", "shortForm"),
    )
    term = read_tbx(io.BytesIO(data)).terms[1]
    assert (term.forms, term.expansions) == (
        {"en": ("circumstellar accretion disk", "accretion disc", "disk")}, {}
    )


ENGLISH_ONLY = b"""<tbx><text><body><conceptEntry id="n1">%s
  <langSec xml:lang="en"><termSec><term>NASA</term></termSec></langSec>
</conceptEntry></body></text></tbx>"""


def test_an_entry_with_english_terms_only_is_kept_as_written():
    term = read_tbx(io.BytesIO(ENGLISH_ONLY % b"")).terms[0]
    assert (term.kind, term.forms) == ("keep", {"en": ("NASA",)})


def test_an_entry_declared_map_without_a_spanish_term_is_refused():
    data = ENGLISH_ONLY % b"<note>a11ykit kind: map</note>"
    with pytest.raises(GlossaryError, match=re.escape("entry 1 (n1): a map term needs a Spanish term")):
        read_tbx(io.BytesIO(data))


@pytest.mark.parametrize(
    ("extra_en", "extra_es", "named"),
    [
        (term_sec("Alien|Enemies Act"), "", "the en term 'Alien|Enemies Act'"),
        ("", term_sec("Ley | de Enemigos"), "the es term 'Ley | de Enemigos'"),
    ],
)
def test_a_term_with_a_bar_is_refused_naming_it(extra_en, extra_es, named):
    with pytest.raises(GlossaryError, match=re.escape(f"cat.tbx entry 1 (c1): {named} contains '|'")):
        read_tbx(io.BytesIO(basic(extra_en, extra_es)), "cat.tbx")


# --- glossary import / export from the command line -------------------------------------------

CSV = (
    "kind,en,es,case,lang,abbr_en,abbr_es,say_en,say_es,note\n"
    "keep,CECOT,,exact,es,,,SEE-cot,se-kot,prison\n"
)


@pytest.fixture
def glossary_csv(tmp_path: Path) -> Path:
    path = tmp_path / "glossary" / "terms.csv"
    path.parent.mkdir()
    path.write_text(CSV, encoding="utf-8")
    return path


def cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def tbx_file(tmp_path: Path, data: bytes, name: str = "cat.tbx") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_importing_tbx_basic_with_several_notes_writes_a_glossary_every_build_reads(capsys, tmp_path, glossary_csv):
    code, out, err = cli(capsys, "glossary", "import", tbx_file(tmp_path, basic()), "--glossary", glossary_csv)
    assert (code, err) == (0, "")
    assert "1 terms" in out
    glossary = load_glossary(glossary_csv)
    assert glossary.terms[0].note == "first note / second note over two lines"


def test_importing_a_term_with_a_bar_exits_2_naming_it_and_leaves_the_glossary(capsys, tmp_path, glossary_csv):
    code, _, err = cli(
        capsys, "glossary", "import", tbx_file(tmp_path, basic(term_sec("A|B"))), "--glossary", glossary_csv
    )
    assert code == 2
    assert len(err.splitlines()) == 1 and "'A|B' contains '|'" in err
    assert glossary_csv.read_text(encoding="utf-8") == CSV


@pytest.mark.parametrize(
    "data",
    [
        b"<tbx/>",
        b'<tbx xmlns="urn:iso:std:iso:30042:ed-2"><text><body/></text></tbx>',
        b"<martif><text><body></body></text></martif>",
    ],
    ids=["bare", "empty-body", "v2"],
)
def test_importing_a_tbx_without_terms_is_refused_and_leaves_the_glossary(capsys, tmp_path, glossary_csv, data):
    code, _, err = cli(capsys, "glossary", "import", tbx_file(tmp_path, data), "--glossary", glossary_csv)
    assert code == 2
    assert err.strip().splitlines() == [
        (
            f"a11ykit: error: {tmp_path / 'cat.tbx'} has no terms; importing it would empty {glossary_csv} "
            "(give --allow-empty to do that) [A11Y263]"
        )
    ]
    assert glossary_csv.read_text(encoding="utf-8") == CSV


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<tbx><text>", "cat.tbx is not well-formed XML: no element found: line 1, column 11 [A11Y260]"),
        (
            b"<html><body/></html>",
            "cat.tbx is not a TBX file: the root element is <html>, not <tbx> or <martif> [A11Y260]",
        ),
        (
            EXTERNAL_DTD,
            "cat.tbx has a DOCTYPE declaration; a11ykit does not read DTDs or entities (remove the DOCTYPE) [A11Y261]",
        ),
        (MARTIF.replace(b'xml:lang="en-US"', b'xml:lang="de"'), "cat.tbx entry 1 (t1): no English term [A11Y262]"),
        (
            ENGLISH_ONLY % b"<note>a11ykit kind: map</note>",
            "cat.tbx entry 1 (n1): a map term needs a Spanish term [A11Y262]",
        ),
    ],
    ids=["malformed", "not-tbx", "doctype", "no-english", "map-without-spanish"],
)
def test_importing_an_invalid_tbx_exits_2_with_one_line_naming_it_and_leaves_the_glossary(
    capsys, tmp_path, glossary_csv, data, message
):
    code, out, err = cli(capsys, "glossary", "import", tbx_file(tmp_path, data), "--glossary", glossary_csv)
    assert (code, out) == (2, "")
    assert err.splitlines() == [f"a11ykit: error: {message}".replace("cat.tbx", str(tmp_path / "cat.tbx"))]
    assert glossary_csv.read_text(encoding="utf-8") == CSV


def test_exporting_a_glossary_without_terms_exits_2_with_one_line(capsys, tmp_path):
    empty = tmp_path / "terms.csv"
    empty.write_text("kind,en,es\n", encoding="utf-8")
    code, _, err = cli(capsys, "glossary", "export", "--tbx", tmp_path / "g.tbx", "--glossary", empty)
    assert code == 2
    assert err.splitlines() == [
        f"a11ykit: error: {empty} has no terms; a TBX file needs at least one entry [A11Y264]"
    ]
    assert not (tmp_path / "g.tbx").exists()


def test_allow_empty_empties_the_glossary_on_purpose(capsys, tmp_path, glossary_csv):
    code, out, _ = cli(
        capsys, "glossary", "import", tbx_file(tmp_path, b"<tbx/>"), "--glossary", glossary_csv, "--allow-empty"
    )
    assert (code, "0 terms" in out) == (0, True)
    assert load_glossary(glossary_csv).terms == ()


def test_a_problem_found_in_the_csv_form_names_the_tbx_entries(capsys, tmp_path, glossary_csv):
    again = (
        '<conceptEntry id="c2"><langSec xml:lang="en">'
        "<termSec><term>Alien Enemies Act</term></termSec></langSec></conceptEntry>"
    )
    code, _, err = cli(capsys, "glossary", "import", tbx_file(tmp_path, basic(more=again)), "--glossary", glossary_csv)
    assert code == 2
    assert f"{tmp_path / 'cat.tbx'} entry 2: 'Alien Enemies Act' is already defined in entry 1" in err
    assert "as CSV" not in err


def test_a_pronunciation_espeak_would_misread_names_the_tbx_entry(capsys, tmp_path, glossary_csv):
    said = '<termNote type="pronunciation">[[ey</termNote></termSec>'
    data = basic().replace(b"</termSec>", said.encode(), 1)
    code, _, err = cli(capsys, "glossary", "import", tbx_file(tmp_path, data), "--glossary", glossary_csv)
    assert code == 2
    assert f"{tmp_path / 'cat.tbx'} entry 1: say_en: unbalanced [[…]]" in err


def test_importing_into_a_read_only_folder_exits_2_with_one_line_and_changes_nothing(tmp_path, glossary_csv):
    tbx = tbx_file(tmp_path, basic())
    before = sorted(glossary_csv.parent.iterdir())
    with read_only(glossary_csv.parent):
        done = a11ykit("glossary", "import", tbx, "--glossary", glossary_csv)
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert f"{glossary_csv}: cannot write it (Permission denied)" in done.stderr
    assert sorted(glossary_csv.parent.iterdir()) == before  # no temporary file either
    assert glossary_csv.read_text(encoding="utf-8") == CSV


def test_exporting_into_a_read_only_folder_exits_2_with_one_line(tmp_path, glossary_csv):
    folder = tmp_path / "exports"
    folder.mkdir()
    with read_only(folder):
        done = a11ykit("glossary", "export", "--tbx", folder / "g.tbx", "--glossary", glossary_csv)
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert f"{folder / 'g.tbx'}: cannot write it (Permission denied)" in done.stderr
    assert list(folder.iterdir()) == []
