"""The data model: what flows between the steps.

Nothing here knows HTML bytes, PO files or audio files. A ``Segment`` points back
at its place in the page through ``id`` and ``block``; the HTML layer keeps the
tree and the rendering details.

Segment text is *tagged text* (see :mod:`a11ykit.tagged`): whitespace collapsed,
inline elements as ``<1>…</1>``, atomic inline things (code, images, comments,
dates) as ``<2/>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

LANGUAGES = ("en", "es")

SegmentKind = Literal["sentence", "attribute"]

#: What a segment is on the page, in reading terms (speech and review use it).
Role = Literal[
    "title",  # <title>
    "meta",  # meta description / Open Graph / Twitter card
    "heading",  # h1–h6
    "byline",  # an element whose class or rel says byline/author
    "paragraph",
    "quote",  # inside blockquote
    "caption",  # figcaption, caption
    "image",  # alt text of an image
    "label",  # title / aria-label / placeholder attributes
    "other",  # list items, table cells, anything else with text
]


@dataclass(frozen=True)
class Segment:
    """One unit sent to translation: a sentence of a block, or an attribute value."""

    id: str  # stable across rebuilds while the page keeps its shape; HTML id of a sentence
    text: str  # tagged source text
    kind: SegmentKind
    block: str  # id of the block (run of inline content) or element that holds it
    role: Role = "other"
    attribute: str | None = None  # the attribute name, for attribute segments


@dataclass
class Document:
    """An article as a11ykit sees it: its language and its segments in reading order."""

    lang: str
    segments: list[Segment] = field(default_factory=list)
    title: str = ""
    _positions: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)
    _indexed: tuple[int, int] | None = field(default=None, init=False, repr=False, compare=False)

    def sentences(self) -> list[Segment]:
        return [s for s in self.segments if s.kind == "sentence"]

    def segment(self, segment_id: str) -> Segment | None:
        """The segment with this id, in constant time (an index kept in step with ``segments``)."""
        position = self._positions.get(segment_id)
        if position is None or position >= len(self.segments) or self.segments[position].id != segment_id:
            if self._indexed == (id(self.segments), len(self.segments)) and position is None:
                return None
            self._positions = {}
            for i, s in enumerate(self.segments):
                self._positions.setdefault(s.id, i)
            self._indexed = (id(self.segments), len(self.segments))
            position = self._positions.get(segment_id)
            if position is None:
                return None
        return self.segments[position]


TermKind = Literal["keep", "map"]


@dataclass(frozen=True)
class Term:
    """A glossary entry. ``forms[lang]`` lists the accepted spellings, canonical first.

    A *keep* term has the same forms in every language; a *map* term has its own
    forms per language.
    """

    kind: TermKind
    forms: dict[str, tuple[str, ...]]
    case_sensitive: bool = True
    lang: str | None = None  # language the term itself belongs to, for lang="…" marking
    expansions: dict[str, str] = field(default_factory=dict)  # acronym → expansion per page language
    pronunciations: dict[str, str] = field(default_factory=dict)  # speech only, per language
    note: str = ""
    line: int = 0  # where it was defined, for messages

    @property
    def key(self) -> str:
        """A stable name for reports: the canonical English form."""
        return self.forms["en"][0]

    def canonical(self, lang: str) -> str:
        return self.forms[lang][0]

    def all_forms(self) -> tuple[str, ...]:
        seen: list[str] = []
        for lang in LANGUAGES:
            for form in self.forms.get(lang, ()):
                if form not in seen:
                    seen.append(form)
        return tuple(seen)

    def __hash__(self) -> int:
        return hash((self.kind, self.key, self.line))


@dataclass(frozen=True)
class Glossary:
    terms: tuple[Term, ...] = ()
    source: str = ""  # where it was read from, for messages

    def __len__(self) -> int:
        return len(self.terms)

    def __hash__(self) -> int:  # computed once: a glossary may hold 20,000 terms
        return self._hash

    @cached_property
    def _hash(self) -> int:
        return hash((self.terms, self.source))

    @cached_property
    def _by_key(self) -> dict[str, Term]:
        by_key: dict[str, Term] = {}
        for term in self.terms:
            by_key.setdefault(term.key, term)
        return by_key

    def find(self, key: str) -> Term | None:
        return self._by_key.get(key)


@dataclass(frozen=True)
class TermHit:
    """A locked term found in a segment's source."""

    term: str  # Term.key
    source_form: str
    target_form: str


@dataclass(frozen=True)
class Violation:
    """A locked term that did not come out as the glossary says."""

    segment_id: str
    term: str
    expected: str
    expected_count: int
    found_count: int
    where: str = "translation"  # or "approved" for translator-approved text


@dataclass
class SegmentResult:
    """What became of one segment."""

    segment_id: str
    source: str  # tagged source text
    machine: str  # tagged engine output after unlocking ("" if the engine was not asked)
    text: str  # tagged final text that goes on the page
    origin: Literal["machine", "approved", "untranslated"] = "machine"
    flags: list[str] = field(default_factory=list)  # reasons to review, stable codes
    hits: list[TermHit] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
