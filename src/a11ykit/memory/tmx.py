"""TMX 1.4b: the translation memory to and from the exchange format CAT tools read.

One ``<tu>`` per entry, with a ``<tuv xml:lang>`` for the source and one for the target,
and ``<prop type="x-a11ykit-…">`` for what the memory keys on (origin, engine and version,
glossary hash, flags, catalog); ``creationdate`` is the entry's date and ``creationid`` the
translator, when known. The header's ``x-a11ykit-memory-version`` prop is the memory version the
keys follow (:mod:`a11ykit.memory.store`); a file without it (written before version 2) has
engine versions with the engine's name in front, taken off on reading (:func:`bare_version`).

Inline markup (level 2 of the standard): the tags of tagged text (:mod:`a11ykit.text.tagged`)
become TMX inline elements whose content is the native code, the tag as a11ykit writes it:

* ``<1>`` … ``</1>`` → ``<bpt i="1" x="1">&lt;1&gt;</bpt>`` … ``<ept i="1">&lt;/1&gt;</ept>``
  (``i`` pairs them within the segment, ``x`` is the placeholder number, the same in source
  and target, so a CAT tool matches them across languages);
* ``<2/>`` (an atom: code, an image, a date) → ``<ph x="2">&lt;2/&gt;</ph>``;
* a tag without its partner (an engine can return one) → ``<it pos="begin|end" x="…">``.

Literal text is the sentence's plain text (``&lt;1&gt;`` typed in an article is the text
``<1>``). Reading builds the tagged text back from the elements' ``x`` (not from their
content) and escapes the text with :func:`a11ykit.text.tagged.escape`, so for every entry the
memory holds (all kept canonical) export → import gives the same entry, byte for byte.

Reading refuses a DOCTYPE and any entity declaration or reference beyond XML's five
(what defusedxml refuses), and anything not TMX 1.4 it can name by its line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import BinaryIO
from xml.parsers import expat
from xml.sax.saxutils import escape as _xml_escape
from xml.sax.saxutils import quoteattr as _xml_attr

from a11ykit import __version__
from a11ykit.errors import MemoryStoreError
from a11ykit.memory.store import SCHEMA_VERSION, Approved, ApprovedEntry, MachineEntry, MemoryKey, bare_version
from a11ykit.text import tagged

TOOL = "a11ykit"
DATATYPE = "x-a11ykit-tagged"
_PROP = "x-a11ykit-"
_NUMBER = re.compile(r"\d+")


# --- writing ------------------------------------------------------------------------------


def _text(value: str) -> str:
    return _xml_escape(value, {"\r": "&#13;"})


def _attr(value: str) -> str:
    return _xml_attr(value, {"\t": "&#9;", "\n": "&#10;", "\r": "&#13;"})


def seg_content(text: str) -> str:
    """Tagged text as the content of a TMX ``<seg>``."""
    parts = tagged.raw_parts(text)
    partner: dict[int, int] = {}  # index of an open tag ↔ index of its close tag
    open_tags: list[tuple[str, int]] = []
    for index, (kind, raw) in enumerate(parts):
        if kind == "open":
            open_tags.append((raw[1:-1], index))
        elif kind == "close":
            number = raw[2:-1]
            for depth in range(len(open_tags) - 1, -1, -1):
                if open_tags[depth][0] == number:
                    opened = open_tags.pop(depth)[1]
                    partner[opened], partner[index] = index, opened
                    break
    pair_ids: dict[int, int] = {}
    out: list[str] = []
    for index, (kind, raw) in enumerate(parts):
        if kind == "text":
            out.append(_text(tagged.unescape(raw)))
            continue
        native = _text(raw)
        if kind == "atom":
            out.append(f"<ph x={_attr(raw[1:-2])}>{native}</ph>")
        elif index not in partner:
            number = raw[1:-1] if kind == "open" else raw[2:-1]
            position = "begin" if kind == "open" else "end"
            out.append(f'<it pos="{position}" x={_attr(number)}>{native}</it>')
        elif kind == "open":
            pair_ids[index] = len(pair_ids) + 1
            out.append(f'<bpt i="{pair_ids[index]}" x={_attr(raw[1:-1])}>{native}</bpt>')
        else:
            out.append(f'<ept i="{pair_ids[partner[index]]}">{native}</ept>')
    return "".join(out)


def _tu(
    out: BinaryIO, source_lang: str, target_lang: str, source: str, target: str,
    props: Sequence[tuple[str, str]], date: str, translator: str | None,
) -> None:
    when = f" creationdate={_attr(date)}" if date else ""
    who = f" creationid={_attr(translator)}" if translator else ""
    lines = [f"<tu srclang={_attr(source_lang)}{when}{who}>"]
    lines += [f"  <prop type={_attr(_PROP + name)}>{_text(value)}</prop>" for name, value in props if value]
    lines += [
        f"  <tuv xml:lang={_attr(source_lang)}><seg>{seg_content(source)}</seg></tuv>",
        f"  <tuv xml:lang={_attr(target_lang)}><seg>{seg_content(target)}</seg></tuv>",
        "</tu>",
    ]
    out.write(("\n".join("  " + line for line in lines) + "\n").encode("utf-8"))


def write_tmx(
    out: BinaryIO, machine: Iterable[MachineEntry], approved: Iterable[ApprovedEntry], *, adminlang: str = "en"
) -> int:
    """Write the entries as a TMX 1.4b document; returns the number of ``<tu>``."""
    machine, approved = list(machine), list(approved)
    sources = {e.key.source_lang for e in machine} | {e.source_lang for e in approved}
    srclang = sources.pop() if len(sources) == 1 else "*all*"
    out.write(
        (
            '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n'
            f"<header creationtool={_attr(TOOL)} creationtoolversion={_attr(__version__)}"
            f' segtype="sentence" o-tmf={_attr(TOOL)} adminlang={_attr(adminlang)}'
            f" srclang={_attr(srclang)} datatype={_attr(DATATYPE)}>\n"
            f"  <prop type={_attr(_PROP + 'memory-version')}>{SCHEMA_VERSION}</prop>\n</header>\n<body>\n"
        ).encode()
    )
    for a in approved:
        entry = a.approved
        props = [("origin", "approved"), ("catalog", entry.catalog)]
        _tu(out, a.source_lang, a.target_lang, entry.source, entry.target, props, entry.date, entry.translator)
    for m in machine:
        props = [
            ("origin", "machine"), ("engine", m.key.engine), ("engine-version", m.key.engine_version),
            ("glossary", m.key.glossary), ("flags", " ".join(m.flags)),
        ]
        _tu(out, m.key.source_lang, m.key.target_lang, m.source, m.target, props, m.date, None)
    out.write(b"</body>\n</tmx>\n")
    return len(machine) + len(approved)


# --- reading ------------------------------------------------------------------------------


class _Refused(Exception):
    pass


class _Reader:
    """Streams a TMX file through expat and hands each ``<tu>`` to ``emit`` as entries."""

    def __init__(self, name: str, emit: Callable[[MachineEntry | ApprovedEntry], None]) -> None:
        self.name = name
        self.emit = emit
        self.parser = expat.ParserCreate()
        p = self.parser
        p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        p.StartDoctypeDeclHandler = self._doctype
        p.EntityDeclHandler = self._entity
        p.ExternalEntityRefHandler = self._external_entity
        p.StartElementHandler = self._start
        p.EndElementHandler = self._end
        p.CharacterDataHandler = self._chars
        p.buffer_text = True
        self.stack: list[str] = []
        self.header: dict[str, str] = {}
        self.header_props: dict[str, str] = {}
        self.tu: dict[str, str] | None = None
        self.props: dict[str, str] = {}
        self.tuvs: list[tuple[str, str]] = []
        self.text: list[str] = []
        self.seg: list[str] | None = None
        self.lang = ""
        self.prop_type = ""
        self.pairs: dict[str, str] = {}
        self.count = 0

    def fail(self, reason: str) -> _Refused:
        return _Refused(f"{self.name}:{self.parser.CurrentLineNumber}: {reason}")

    def _doctype(self, *args: object) -> None:
        raise self.fail("a DOCTYPE is refused (TMX needs none)")

    def _entity(self, *args: object) -> None:
        raise self.fail("entity declarations and references are refused")

    def _external_entity(self, context: str, base: str | None, system_id: str | None, public_id: str | None) -> int:
        raise self.fail("entity declarations and references are refused")

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        parent = self.stack[-1] if self.stack else None
        self.stack.append(name)
        if parent is None:
            if name != "tmx" or attrs.get("version") != "1.4":
                raise self.fail('not TMX 1.4 (the root must be <tmx version="1.4">)')
        elif self.seg is not None and parent == "seg":
            self._inline(name, attrs)
        elif parent in ("bpt", "ept", "ph", "it"):
            if name != "sub":
                raise self.fail(f"<{name}> inside <{parent}>")
        elif name == "header" and parent == "tmx":
            self.header = attrs
        elif name == "tu" and parent == "body":
            self.tu, self.props, self.tuvs = attrs, {}, []
        elif name in ("prop", "note"):
            self.text = []
            kind = attrs.get("type", "")
            self.prop_type = kind[len(_PROP) :] if kind.startswith(_PROP) else kind
        elif name == "tuv" and parent == "tu":
            self.lang = (attrs.get("xml:lang") or attrs.get("lang") or "").lower()
            if not self.lang:
                raise self.fail("<tuv> without xml:lang")
        elif name == "seg" and parent == "tuv":
            self.seg, self.text, self.pairs = [], [], {}
        elif name not in ("body", "ude", "map"):
            raise self.fail(f"unexpected <{name}> in <{parent}>")

    def _inline(self, name: str, attrs: dict[str, str]) -> None:
        assert self.seg is not None
        self._flush_text()
        x = attrs.get("x", "")
        if name == "ept":
            if attrs.get("i") not in self.pairs:
                raise self.fail("<ept> whose i matches no <bpt> before it")
            x = self.pairs.pop(attrs["i"])
        elif not _NUMBER.fullmatch(x):
            raise self.fail(f"<{name}> without a numeric x (a11ykit reads the inline codes it writes)")
        if name == "bpt":
            self.pairs[attrs.get("i", "")] = x
            self.seg.append(f"<{x}>")
        elif name == "ph":
            self.seg.append(f"<{x}/>")
        elif name == "ept":
            self.seg.append(f"</{x}>")
        elif name == "it" and attrs.get("pos") in ("begin", "end"):
            self.seg.append(f"<{x}>" if attrs["pos"] == "begin" else f"</{x}>")
        else:
            raise self.fail(f"<{name}> is not an inline code a11ykit reads")

    def _flush_text(self) -> None:
        if self.seg is not None and self.text:
            self.seg.append(tagged.escape("".join(self.text)))
        self.text = []

    def _chars(self, data: str) -> None:
        inside = self.stack[-1] if self.stack else None
        if inside in ("seg", "prop", "note"):
            self.text.append(data)

    def _end(self, name: str) -> None:
        self.stack.pop()
        if name == "seg" and self.seg is not None:
            self._flush_text()
            self.tuvs.append((self.lang, "".join(self.seg)))
            self.seg = None
        elif name == "prop" and self.tu is not None and self.seg is None and self.stack[-1] == "tu":
            self.props[self.prop_type] = "".join(self.text)
        elif name == "prop" and self.stack[-1:] == ["header"]:
            self.header_props[self.prop_type] = "".join(self.text)
        elif name == "tu":
            self._emit_tu()

    def _emit_tu(self) -> None:
        assert self.tu is not None
        srclang = (self.tu.get("srclang") or self.header.get("srclang") or "*all*").lower()
        if not self.tuvs:
            raise self.fail("<tu> without <tuv>")
        source = next((t for t in self.tuvs if t[0] == srclang), None) if srclang != "*all*" else self.tuvs[0]
        if source is None:
            raise self.fail(f"<tu> has no <tuv> in its source language {srclang!r}")
        date = self.tu.get("creationdate") or self.tu.get("changedate") or ""
        origin = self.props.get("origin", "approved")
        for lang, text in self.tuvs:
            if lang == source[0]:
                continue
            if origin == "machine":
                engine, version = self.props.get("engine", ""), self.props.get("engine-version", "")
                if self.header_props.get("memory-version", "1") == "1":  # the engine's name in front
                    version = bare_version(engine, version)
                key = MemoryKey(engine, version, source[0], lang, self.props.get("glossary", ""))
                self.emit(MachineEntry(key, source[1], text, tuple(self.props.get("flags", "").split()), date))
            else:
                approved = Approved(
                    source[1], text, self.props.get("catalog", self.name), self.tu.get("creationid"), date
                )
                self.emit(ApprovedEntry(source[0], lang, approved))
            self.count += 1
        self.tu = None

    def read(self, source: BinaryIO) -> int:
        try:
            self.parser.ParseFile(source)
        except expat.ExpatError as exc:
            raise MemoryStoreError(
                f"{self.name}:{exc.lineno}: not well-formed XML: {expat.ErrorString(exc.code)}", code="A11Y903"
            ) from None
        except _Refused as exc:
            raise MemoryStoreError(str(exc), code="A11Y903") from None
        if not self.header:
            raise MemoryStoreError(f"{self.name}: a TMX file without <header>", code="A11Y903")
        return self.count


def read_tmx(source: BinaryIO, *, name: str = "<tmx>") -> Iterator[MachineEntry | ApprovedEntry]:
    """The entries of a TMX file. A ``<tu>`` without a11ykit's props is an approved
    translation (from a CAT tool) whose catalog is ``name`` and translator its ``creationid``."""
    entries: list[MachineEntry | ApprovedEntry] = []
    _Reader(name, entries.append).read(source)
    return iter(entries)
