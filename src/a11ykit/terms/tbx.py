"""The glossary as TBX (ISO 30042), for terminology tools.

Written as TBX v3 (ISO 30042:2019, DCA style, TBX-Basic shape); read from that or
from TBX v2 (``<martif>``, ``termEntry``/``langSet``/``tig``/``ntig``). One concept
entry per term::

    <conceptEntry id="c1">
      <descrip type="a11ykit-kind">map</descrip>          keep | map
      <descrip type="a11ykit-case">exact</descrip>        exact | ignore
      <descrip type="a11ykit-termLang">en</descrip>       language the term belongs to
      <note>…</note>
      <langSec xml:lang="es">
        <descrip type="a11ykit-expansion">…</descrip>     acronym expansion on pages in es
        <termSec>                                          forms, canonical first
          <term>Ley de Enemigos Extranjeros</term>
          <termNote type="administrativeStatus">preferredTerm-admn-sts</termNote>
          <termNote type="pronunciation">…</termNote>      speech, on the canonical form
        </termSec>
        <termSec>… admittedTerm-admn-sts …</termSec>       variants, in order
      </langSec>
    </conceptEntry>

A pronunciation for a language without forms goes on the ``langSec`` as
``<descrip type="a11ykit-pronunciation">``. A term's note is written as one ``<note>``
per line; reading joins an entry's notes with newlines, each note on one line (line
breaks inside a note are layout and become spaces).

Reading takes any TBX-Basic entry: elements a11ykit has no use for (definitions,
part of speech, transactions, cross-references…) are skipped; a deprecated or
superseded term is not taken as a variant; a form with ``|`` (which separates the
variants in the CSV glossary) is refused, naming the term. An entry without an
``a11ykit-kind`` is a keep term when it has the same forms in every language, or
English forms only, else a map term.

Reading is safe: a document with a DOCTYPE (and so any entity declaration,
external entity or entity-expansion bomb) is refused before it is parsed.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pyexpat import ExpatError, ParserCreate
from typing import IO

from a11ykit.errors import GlossaryError
from a11ykit.model import LANGUAGES, Glossary, Term

TBX_NAMESPACE = "urn:iso:std:iso:30042:ed-2"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PREFERRED = "preferredTerm-admn-sts"
ADMITTED = "admittedTerm-admn-sts"
#: Forms a terminologist marked as not to be used: never taken as variants.
NOT_TO_USE = ("deprecatedTerm-admn-sts", "supersededTerm-admn-sts")

KIND, CASE, TERM_LANG = "a11ykit-kind", "a11ykit-case", "a11ykit-termLang"
EXPANSION, PRONUNCIATION = "a11ykit-expansion", "a11ykit-pronunciation"


# --- writing --------------------------------------------------------------------------------


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrib)
    if text is not None:
        element.text = text
    return element


def write_tbx(fileobj: IO[bytes], glossary: Glossary) -> None:
    """Write the glossary as a TBX document (UTF-8) to a binary file."""
    root = ET.Element("tbx", {"type": "TBX-Basic", "style": "dca", XML_LANG: "en", "xmlns": TBX_NAMESPACE})
    header = _sub(root, "tbxHeader")
    file_desc = _sub(header, "fileDesc")
    source_desc = _sub(file_desc, "sourceDesc")
    _sub(source_desc, "p", f"a11ykit glossary{': ' + glossary.source if glossary.source else ''}")
    body = _sub(_sub(root, "text"), "body")
    for index, term in enumerate(glossary.terms, 1):
        _write_term(body, term, index)
    ET.indent(root, space="  ")
    ET.ElementTree(root).write(fileobj, encoding="UTF-8", xml_declaration=True)
    fileobj.write(b"\n")


def _write_term(body: ET.Element, term: Term, index: int) -> None:
    entry = _sub(body, "conceptEntry", id=f"c{index}")
    _sub(entry, "descrip", term.kind, type=KIND)
    _sub(entry, "descrip", "exact" if term.case_sensitive else "ignore", type=CASE)
    if term.lang is not None:
        _sub(entry, "descrip", term.lang, type=TERM_LANG)
    for line in term.note.splitlines():
        if line.strip():
            _sub(entry, "note", line)
    languages = list(dict.fromkeys([*term.forms, *term.expansions, *term.pronunciations]))
    for lang in languages:
        lang_sec = _sub(entry, "langSec", **{XML_LANG: lang})
        forms = term.forms.get(lang, ())
        if lang in term.expansions:
            _sub(lang_sec, "descrip", term.expansions[lang], type=EXPANSION)
        if lang in term.pronunciations and not forms:
            _sub(lang_sec, "descrip", term.pronunciations[lang], type=PRONUNCIATION)
        for position, form in enumerate(forms):
            term_sec = _sub(lang_sec, "termSec")
            _sub(term_sec, "term", form)
            _sub(term_sec, "termNote", PREFERRED if position == 0 else ADMITTED, type="administrativeStatus")
            if position == 0 and lang in term.pronunciations:
                _sub(term_sec, "termNote", term.pronunciations[lang], type="pronunciation")


# --- reading ---------------------------------------------------------------------------------


def _refuse(what: str) -> GlossaryError:
    return GlossaryError(
        f"the TBX file has {what}; a11ykit does not read DTDs or entities (remove the DOCTYPE)",
        code="A11Y261",
    )


def _check_no_dtd(data: bytes) -> None:
    """Parse once with expat, refusing any DOCTYPE or entity declaration before it
    can be acted on; also reports malformed XML with its line."""
    parser = ParserCreate()

    def doctype(*_: object) -> None:
        raise _refuse("a DOCTYPE declaration")

    def entity(*_: object) -> None:
        raise _refuse("an entity declaration")

    def external(*_: object) -> int:
        raise _refuse("an external entity reference")

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.UnparsedEntityDeclHandler = entity
    parser.ExternalEntityRefHandler = external
    try:
        parser.Parse(data, True)
    except ExpatError as exc:
        raise GlossaryError(f"the TBX file is not well-formed XML: {exc}", code="A11Y260") from None


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(element: ET.Element) -> str:
    """All of an element's text (inline markup such as ``<hi>`` included), whitespace collapsed."""
    return " ".join("".join(element.itertext()).split())


def _children(element: ET.Element, *names: str) -> list[ET.Element]:
    return [child for child in element if _local(child.tag) in names]


def _descrips(element: ET.Element) -> dict[str, str]:
    """``type`` → text of the descrip/admin children, also inside descripGrp/adminGrp."""
    found: dict[str, str] = {}
    for child in element:
        name = _local(child.tag)
        if name in ("descripGrp", "adminGrp"):
            for inner in _group_items(child):
                found.setdefault(*inner)
        elif name in ("descrip", "admin", "termNote"):
            found.setdefault(child.get("type", ""), _text(child))
    return found


def _group_items(group: ET.Element) -> list[tuple[str, str]]:
    return [
        (child.get("type", ""), _text(child))
        for child in group
        if _local(child.tag) in ("descrip", "admin")
    ]


def read_tbx(fileobj: IO[bytes], name: str = "") -> Glossary:
    """Read a TBX document (v3 ``<tbx>`` or v2 ``<martif>``) into a :class:`Glossary`.

    Languages other than a11ykit's are skipped; an entry without an English term,
    or with an unknown kind or case rule, raises :class:`GlossaryError`.
    """
    data = fileobj.read()
    if isinstance(data, str):
        data = data.encode("utf-8")
    _check_no_dtd(data)
    root = ET.fromstring(data)  # safe: no DTD, so no entities beyond the predefined five
    if _local(root.tag) not in ("tbx", "martif"):
        raise GlossaryError(
            f"not a TBX file: the root element is <{_local(root.tag)}>, not <tbx> or <martif>",
            code="A11Y260",
        )
    entries = [e for e in root.iter() if _local(e.tag) in ("conceptEntry", "termEntry")]
    terms = tuple(_read_term(entry, index, name) for index, entry in enumerate(entries, 1))
    return Glossary(terms=terms, source=name)


def _read_term(entry: ET.Element, index: int, name: str) -> Term:
    where = f"{name or 'TBX'} entry {index}" + (f" ({entry.get('id')})" if entry.get("id") else "")

    def fail(message: str) -> GlossaryError:
        return GlossaryError(f"{where}: {message}", code="A11Y262")

    concept = _descrips(entry)
    notes = [note for note in (_text(child) for child in _children(entry, "note")) if note]
    forms: dict[str, tuple[str, ...]] = {}
    expansions: dict[str, str] = {}
    pronunciations: dict[str, str] = {}
    for lang_sec in _children(entry, "langSec", "langSet"):
        lang = (lang_sec.get(XML_LANG) or lang_sec.get("lang") or "").split("-")[0].split("_")[0].lower()
        if lang not in LANGUAGES:
            continue
        level = _descrips(lang_sec)
        if EXPANSION in level:
            expansions[lang] = level[EXPANSION]
        if PRONUNCIATION in level:
            pronunciations[lang] = level[PRONUNCIATION]
        preferred: list[str] = []
        others: list[str] = []
        for term_sec in _children(lang_sec, "termSec", "tig", "ntig"):
            term_element = next((e for e in term_sec.iter() if _local(e.tag) == "term"), None)
            if term_element is None:
                continue
            form = _text(term_element)
            if not form:
                continue
            notes_here = _descrips(term_sec)
            for group in _children(term_sec, "termGrp"):  # ntig keeps its termNotes there
                notes_here.update({k: v for k, v in _descrips(group).items() if k not in notes_here})
            status = notes_here.get("administrativeStatus", "")
            if status in NOT_TO_USE:
                continue
            if "|" in form:
                raise fail(f"the {lang} term {form!r} contains '|', which separates variants in the glossary; "
                           "give each variant its own <termSec>")
            (preferred if status == PREFERRED and not preferred else others).append(form)
            if "pronunciation" in notes_here and lang not in pronunciations:
                pronunciations[lang] = notes_here["pronunciation"]
        lang_forms = tuple(dict.fromkeys((*forms.get(lang, ()), *preferred, *others)))  # several langSecs add up
        if lang_forms:
            forms[lang] = lang_forms
    if "en" not in forms:
        raise fail("no English term")
    # Undeclared kind: the same forms in every language, or English forms only, mean "keep as written".
    kind = concept.get(KIND) or ("keep" if len(set(forms.values())) == 1 else "map")
    if kind not in ("keep", "map"):
        raise fail(f"unknown kind {kind!r} (keep or map)")
    if kind == "keep" and len(set(forms.values())) > 1:
        raise fail("a keep term has the same forms in every language; these differ")
    if kind == "map" and "es" not in forms:
        raise fail("a map term needs a Spanish term")
    case = concept.get(CASE, "exact")
    if case not in ("exact", "ignore"):
        raise fail(f"unknown case rule {case!r} (exact or ignore)")
    term_lang = concept.get(TERM_LANG) or None
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
