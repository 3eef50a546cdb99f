"""The glossary as TBX-Basic (TBX v3, ISO 30042:2019), for terminology and CAT tools.

Written as the TBX-Basic dialect, DCA style, with the two ``xml-model`` processing
instructions that name the dialect's RELAX NG and Schematron schemas, and only
TBX-Basic data categories. One concept entry per term::

    <conceptEntry id="c1">
      <note>Spanish acronym of the prison</note>        the term's note, one <note> per line
      <note>a11ykit kind: keep</note>                   a11ykit's own fields, one <note> each
      <note>a11ykit case: exact</note>
      <note>a11ykit lang: es</note>
      <note>a11ykit say_en: SEE-cot</note>
      <langSec xml:lang="en">
        <termSec>                                        forms, canonical first
          <term>CECOT</term>
          <termNote type="termType">acronym</termNote>   when it has an expansion in this language
          <termNote type="administrativeStatus">preferredTerm-admn-sts</termNote>
        </termSec>
        <termSec>… admittedTerm-admn-sts …</termSec>     variants, in order
        <termSec>                                        the acronym's expansion on pages in en
          <term>Terrorism Confinement Center</term>
          <termNote type="termType">fullForm</termNote>
          <termNote type="administrativeStatus">admittedTerm-admn-sts</termNote>
        </termSec>
      </langSec>
    </conceptEntry>

TBX-Basic has no data category for what only a11ykit uses, so those fields travel
as notes of the form ``a11ykit FIELD: VALUE`` on the concept entry, FIELD being the
CSV glossary's column name: ``kind`` (keep | map), ``case`` (exact | ignore),
``lang`` (the language the term belongs to), ``say_en``/``say_es`` (how speech says
it) and, only for a language with no forms of its own, ``abbr_en``/``abbr_es``.
A terminologist sees them as notes; a11ykit reads them back, so export → import
gives the same glossary (a note line of the term's own that has that form would be
read back as a field, so exporting it is refused, A11Y265; so is a glossary without
terms, A11Y264: TBX needs at least one entry).

Reading takes what this module writes, any TBX-Basic entry from another tool, and
TBX v2 (``<martif>``, ``termEntry``/``langSet``/``tig``/``ntig``); files written by
a11ykit before it wrote valid TBX-Basic (``<descrip type="a11ykit-kind">`` …) too.
Elements a11ykit has no use for (definitions, part of speech, transactions,
cross-references…) are skipped; a deprecated or superseded term is not taken as a
variant; in a language that has an acronym or abbreviation, the first full form is
its expansion, not a form of its own; a form with ``|`` (which separates the
variants in the CSV glossary) is refused, naming the term. Several notes are read
one line each, in file order (line breaks inside a note are layout and become
spaces). An entry that does not say its kind is a keep term when it has the same
forms in every language, or English forms only, else a map term.

Reading is safe: a document with a DOCTYPE (and so any entity declaration,
external entity or entity-expansion bomb) is refused before it is parsed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pyexpat import ExpatError, ParserCreate
from typing import IO

from a11ykit.article import LANGUAGES
from a11ykit.errors import GlossaryError
from a11ykit.terms.base import Glossary, Term

TBX_NAMESPACE = "urn:iso:std:iso:30042:ed-2"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PREFERRED = "preferredTerm-admn-sts"
ADMITTED = "admittedTerm-admn-sts"
#: Forms a terminologist marked as not to be used: never taken as variants.
NOT_TO_USE = ("deprecatedTerm-admn-sts", "supersededTerm-admn-sts")
#: Term types whose full form, in the same language, is the expansion a page shows.
ABBREVIATED = ("acronym", "abbreviation")
FULL_FORM = "fullForm"

#: The schemas of the TBX-Basic dialect, as its definition references them.
XML_MODELS = (
    (
        '<?xml-model href="https://raw.githubusercontent.com/LTAC-Global/TBX-Basic_dialect/master/DCA/'
        'TBXcoreStructV03_TBX-Basic_integrated.rng" type="application/xml" '
        'schematypens="http://relaxng.org/ns/structure/1.0"?>'
    ),
    (
        '<?xml-model href="https://raw.githubusercontent.com/LTAC-Global/TBX-Basic_dialect/master/DCA/'
        'TBX-Basic_DCA.sch" type="application/xml" schematypens="http://purl.oclc.org/dsdl/schematron"?>'
    ),
)

#: ``a11ykit FIELD: VALUE`` notes: a11ykit's own fields, named as the CSV glossary's columns.
FIELD_NOTE = re.compile(
    r"a11ykit (kind|case|lang|{}): (.*)".format("|".join(f"say_{lang}|abbr_{lang}" for lang in LANGUAGES)), re.DOTALL
)

#: Line breaks with the spaces around them: layout inside an element's text.
LAYOUT = re.compile(r"\s*\n\s*")

# What a11ykit wrote before its export was TBX-Basic; still read.
LEGACY_KIND, LEGACY_CASE, LEGACY_TERM_LANG = "a11ykit-kind", "a11ykit-case", "a11ykit-termLang"
LEGACY_EXPANSION, LEGACY_PRONUNCIATION = "a11ykit-expansion", "a11ykit-pronunciation"


# --- writing --------------------------------------------------------------------------------


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrib)
    if text is not None:
        element.text = text
    return element


def write_tbx(fileobj: IO[bytes], glossary: Glossary) -> None:
    """Write the glossary as a TBX-Basic document (UTF-8) to a binary file.

    A glossary without terms raises :class:`GlossaryError`: TBX needs at least one entry.
    """
    if not glossary.terms:
        raise GlossaryError(
            f"{glossary.source or 'the glossary'} has no terms; a TBX file needs at least one entry",
            code="A11Y264",
        )
    root = ET.Element("tbx", {"type": "TBX-Basic", "style": "dca", XML_LANG: "en", "xmlns": TBX_NAMESPACE})
    header = _sub(root, "tbxHeader")
    file_desc = _sub(header, "fileDesc")
    source_desc = _sub(file_desc, "sourceDesc")
    _sub(source_desc, "p", f"a11ykit glossary{': ' + glossary.source if glossary.source else ''}")
    body = _sub(_sub(root, "text"), "body")
    for index, term in enumerate(glossary.terms, 1):
        _write_term(body, term, index)
    ET.indent(root, space="  ")
    prolog = "\n".join(('<?xml version="1.0" encoding="UTF-8"?>', *XML_MODELS, ""))
    fileobj.write(prolog.encode("utf-8"))
    fileobj.write(ET.tostring(root, encoding="unicode").encode("utf-8"))
    fileobj.write(b"\n")


def _write_term(body: ET.Element, term: Term, index: int) -> None:
    entry = _sub(body, "conceptEntry", id=f"c{index}")
    for line in term.note.splitlines():
        if FIELD_NOTE.fullmatch(line.strip()):
            raise GlossaryError(
                f"the note of {term.key!r} has the line {line.strip()!r}, which would be read back as an a11ykit "
                "field; reword it",
                code="A11Y265",
            )
        if line.strip():
            _sub(entry, "note", line.strip())
    fields: dict[str, str | None] = {
        "kind": term.kind,
        "case": "exact" if term.case_sensitive else "ignore",
        "lang": term.lang,
    }
    for lang in LANGUAGES:
        fields[f"say_{lang}"] = term.pronunciations.get(lang)
        if not term.forms.get(lang):  # no langSec to carry it as a full form
            fields[f"abbr_{lang}"] = term.expansions.get(lang)
    for field, value in fields.items():
        if value:
            _sub(entry, "note", f"a11ykit {field}: {value}")
    for lang, forms in term.forms.items():
        if not forms:
            continue
        lang_sec = _sub(entry, "langSec", **{XML_LANG: lang})
        expansion = term.expansions.get(lang)
        for position, form in enumerate(forms):
            _write_form(lang_sec, form, PREFERRED if position == 0 else ADMITTED, "acronym" if expansion else None)
        if expansion:
            _write_form(lang_sec, expansion, ADMITTED, FULL_FORM)


def _write_form(lang_sec: ET.Element, form: str, status: str, term_type: str | None) -> None:
    term_sec = _sub(lang_sec, "termSec")
    _sub(term_sec, "term", form)
    if term_type:
        _sub(term_sec, "termNote", term_type, type="termType")
    _sub(term_sec, "termNote", status, type="administrativeStatus")


# --- reading ---------------------------------------------------------------------------------


def _refuse(label: str, what: str) -> GlossaryError:
    return GlossaryError(
        f"{label} has {what}; a11ykit does not read DTDs or entities (remove the DOCTYPE)",
        code="A11Y261",
    )


def _check_no_dtd(data: bytes, label: str) -> None:
    """Parse once with expat, refusing any DOCTYPE or entity declaration before it
    can be acted on; also reports malformed XML with its line."""
    parser = ParserCreate()

    def doctype(*_: object) -> None:
        raise _refuse(label, "a DOCTYPE declaration")

    def entity(*_: object) -> None:
        raise _refuse(label, "an entity declaration")

    def external(*_: object) -> int:
        raise _refuse(label, "an external entity reference")

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.UnparsedEntityDeclHandler = entity
    parser.ExternalEntityRefHandler = external
    try:
        parser.Parse(data, True)
    except ExpatError as exc:
        raise GlossaryError(f"{label} is not well-formed XML: {exc}", code="A11Y260") from None


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(element: ET.Element) -> str:
    """All of an element's text (inline markup such as ``<hi>`` included), stripped; a line break
    and the spaces around it (a pretty-printer's layout) become one space."""
    return LAYOUT.sub(" ", "".join(element.itertext())).strip()


def _children(element: ET.Element, *names: str) -> list[ET.Element]:
    return [child for child in element if _local(child.tag) in names]


def _descrips(element: ET.Element) -> dict[str, str]:
    """``type`` → text of the descrip/admin/termNote children, also inside their groups."""
    found: dict[str, str] = {}
    for child in element:
        name = _local(child.tag)
        if name in ("descripGrp", "adminGrp", "termNoteGrp", "termGrp"):  # termGrp: TBX v2's ntig
            for key, value in _descrips(child).items():
                found.setdefault(key, value)
        elif name in ("descrip", "admin", "termNote"):
            found.setdefault(child.get("type", ""), _text(child))
    return found


def read_tbx(fileobj: IO[bytes], name: str = "") -> Glossary:
    """Read a TBX document (v3 ``<tbx>`` or v2 ``<martif>``) into a :class:`Glossary`.

    Languages other than a11ykit's are skipped; an entry without an English term,
    or with an unknown kind or case rule, raises :class:`GlossaryError`.
    """
    data = fileobj.read()
    if isinstance(data, str):
        data = data.encode("utf-8")
    label = name or "the TBX file"
    _check_no_dtd(data, label)
    root = ET.fromstring(data)  # safe: no DTD, so no entities beyond the predefined five
    if _local(root.tag) not in ("tbx", "martif"):
        raise GlossaryError(
            f"{label} is not a TBX file: the root element is <{_local(root.tag)}>, not <tbx> or <martif>",
            code="A11Y260",
        )
    entries = [e for e in root.iter() if _local(e.tag) in ("conceptEntry", "termEntry")]
    terms = tuple(_read_term(entry, index, name) for index, entry in enumerate(entries, 1))
    return Glossary(terms=terms, source=name)


def _fields_and_notes(entry: ET.Element) -> tuple[dict[str, str], list[str]]:
    """The entry's ``a11ykit FIELD: VALUE`` notes (and legacy descrips) as fields; its other notes."""
    legacy = _descrips(entry)
    fields = {
        field: legacy[old]
        for field, old in (("kind", LEGACY_KIND), ("case", LEGACY_CASE), ("lang", LEGACY_TERM_LANG))
        if old in legacy
    }
    notes: list[str] = []
    for child in _children(entry, "note"):
        text = _text(child)
        found = FIELD_NOTE.fullmatch(text)
        if found:
            fields.setdefault(found.group(1), found.group(2))
        elif text:
            notes.append(text)
    return fields, notes


def _read_form(term_sec: ET.Element) -> tuple[str, dict[str, str]] | None:
    """A termSec's (or tig's, ntig's) term and its termNotes, or None when it has no term."""
    term_element = next((e for e in term_sec.iter() if _local(e.tag) == "term"), None)
    form = _text(term_element) if term_element is not None else ""
    return (form, _descrips(term_sec)) if form else None


def _expansion(found: list[tuple[str, dict[str, str]]]) -> tuple[str, dict[str, str]] | None:
    """In a language with an acronym or abbreviation, its first full form: the expansion."""
    if not any(notes.get("termType") in ABBREVIATED for _, notes in found):
        return None
    return next((sec for sec in found if sec[1].get("termType") == FULL_FORM), None)


def _read_term(entry: ET.Element, index: int, name: str) -> Term:
    where = f"{name or 'TBX'} entry {index}" + (f" ({entry.get('id')})" if entry.get("id") else "")

    def fail(message: str) -> GlossaryError:
        return GlossaryError(f"{where}: {message}", code="A11Y262")

    fields, notes = _fields_and_notes(entry)
    forms: dict[str, tuple[str, ...]] = {}
    expansions = {code: fields[f"abbr_{code}"] for code in LANGUAGES if fields.get(f"abbr_{code}")}
    pronunciations = {code: fields[f"say_{code}"] for code in LANGUAGES if fields.get(f"say_{code}")}
    for lang_sec in _children(entry, "langSec", "langSet"):
        lang = (lang_sec.get(XML_LANG) or lang_sec.get("lang") or "").split("-")[0].split("_")[0].lower()
        if lang not in LANGUAGES:
            continue
        level = _descrips(lang_sec)
        if LEGACY_EXPANSION in level:
            expansions.setdefault(lang, level[LEGACY_EXPANSION])
        if LEGACY_PRONUNCIATION in level:
            pronunciations.setdefault(lang, level[LEGACY_PRONUNCIATION])
        found = [sec for sec in map(_read_form, _children(lang_sec, "termSec", "tig", "ntig")) if sec is not None]
        found = [(form, kinds) for form, kinds in found if kinds.get("administrativeStatus") not in NOT_TO_USE]
        expansion = _expansion(found)
        if expansion is not None and lang not in expansions:
            expansions[lang] = expansion[0]
            found.remove(expansion)
        for form, term_notes in found:
            if "|" in form:
                raise fail(f"the {lang} term {form!r} contains '|', which separates variants in the glossary; "
                           "give each variant its own <termSec>")
            if "pronunciation" in term_notes:  # legacy: a termNote on the canonical form
                pronunciations.setdefault(lang, term_notes["pronunciation"])
        found.sort(key=lambda sec: sec[1].get("administrativeStatus") != PREFERRED)  # stable: preferred first
        lang_forms = tuple(dict.fromkeys((*forms.get(lang, ()), *(form for form, _ in found))))
        if lang_forms:  # several langSecs of one language add up
            forms[lang] = lang_forms
    if "en" not in forms:
        raise fail("no English term")
    # Undeclared kind: the same forms in every language, or English forms only, mean "keep as written".
    kind = fields.get("kind") or ("keep" if len(set(forms.values())) == 1 else "map")
    if kind not in ("keep", "map"):
        raise fail(f"unknown kind {kind!r} (keep or map)")
    if kind == "keep" and len(set(forms.values())) > 1:
        raise fail("a keep term has the same forms in every language; these differ")
    if kind == "map" and "es" not in forms:
        raise fail("a map term needs a Spanish term")
    case = fields.get("case", "exact")
    if case not in ("exact", "ignore"):
        raise fail(f"unknown case rule {case!r} (exact or ignore)")
    term_lang = fields.get("lang") or None
    if term_lang is not None and term_lang not in LANGUAGES:
        raise fail(f"unknown term language {term_lang!r} ({' or '.join(LANGUAGES)})")
    return Term(
        kind=kind,  # type: ignore[arg-type]
        forms=forms,
        case_sensitive=case == "exact",
        lang=term_lang,
        expansions=expansions,
        pronunciations=pronunciations,
        note="\n".join(notes),
        line=index,
    )
