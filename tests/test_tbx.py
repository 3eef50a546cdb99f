"""The glossary as TBX: every field round-trips, hostile XML is refused."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from a11ykit.errors import GlossaryError
from a11ykit.glossary import load_glossary
from a11ykit.model import Glossary, Term
from a11ykit.tbx import TBX_NAMESPACE, read_tbx, write_tbx

NS = {"t": TBX_NAMESPACE}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

EVERYTHING = Glossary(
    (
        Term(
            "map",
            {"en": ("Alien Enemies Act", "Alien Enemies Act of 1798"), "es": ("Ley de Enemigos Extranjeros", "Ley de Extranjeros Enemigos")},
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
        Term("keep", {"en": ("ICE",)}, pronunciations={"es": "ais"}, line=4),
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


def test_the_document_is_tbx_v3_with_one_concept_entry_per_term():
    root = ET.fromstring(tbx_bytes(EVERYTHING))
    assert (root.tag, root.get("type"), root.get(XML_LANG)) == (f"{{{TBX_NAMESPACE}}}tbx", "TBX-Basic", "en")
    assert len(root.findall(".//t:conceptEntry", NS)) == 3


def test_the_canonical_form_is_the_preferred_term_and_variants_are_admitted():
    root = ET.fromstring(tbx_bytes(EVERYTHING))
    lang_sec = next(s for s in root.iterfind(".//t:conceptEntry/t:langSec", NS) if s.get(XML_LANG) == "es")
    statuses = [
        (sec.findtext("t:term", namespaces=NS), sec.findtext("t:termNote[@type='administrativeStatus']", namespaces=NS))
        for sec in lang_sec.iterfind("t:termSec", NS)
    ]
    assert statuses == [("Ley de Enemigos Extranjeros", "preferredTerm-admn-sts"), ("Ley de Extranjeros Enemigos", "admittedTerm-admn-sts")]


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
    with pytest.raises(GlossaryError, match="entry 1 .t1.: no English term"):
        read_tbx(io.BytesIO(data), "old.tbx")


def test_a_keep_entry_with_different_forms_per_language_is_an_error():
    data = MARTIF.replace(b'<descrip type="definition">ignored</descrip>', b'<descrip type="a11ykit-kind">keep</descrip>')
    with pytest.raises(GlossaryError, match="a keep term has the same forms"):
        read_tbx(io.BytesIO(data))


def test_an_unknown_case_rule_is_an_error():
    data = tbx_bytes(EVERYTHING).replace(b">ignore<", b">sometimes<", 1)
    with pytest.raises(GlossaryError, match="unknown case rule 'sometimes'"):
        read_tbx(io.BytesIO(data))


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
