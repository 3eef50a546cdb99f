"""The data model: what flows between the steps.

Nothing here knows HTML bytes, PO files or audio files. A ``Segment`` points back
at its place in the page through ``id`` and ``block``; the HTML layer keeps the
tree and the rendering details.

Segment text is *tagged text* (see :mod:`a11ykit.text.tagged`): whitespace collapsed,
inline elements as ``<1>…</1>``, atomic inline things (code, images, comments,
dates) as ``<2/>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from a11ykit.terms.base import TermHit, Violation

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
