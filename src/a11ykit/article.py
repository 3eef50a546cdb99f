"""The article as it flows through a build: one :class:`Article` and its :class:`Unit`\\ s.

Each stage of :mod:`a11ykit.stages` takes the Article and fills in its part: segmenting gives
the units their source text, translating their machine output and final text, checking their
problems, narrating their speech timing. Every consumer (the report, the catalog, the review
page, the narration) reads the same units; nothing is joined again by position or id.

This module owns that data and nothing else: it imports no HTML, PO, engine or audio library
and no other a11ykit module at run time, so every other module may import it. The parsed page
(``Article.page``) and the catalog are held here but made and read elsewhere.

Unit text is *tagged text* (see :mod:`a11ykit.text.tagged`): whitespace collapsed, inline
elements as ``<1>…</1>``, atomic inline things (code, images, comments, dates) as ``<2/>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from a11ykit.terms.base import TermHit, Violation

LANGUAGES = ("en", "es")

UnitKind = Literal["sentence", "attribute"]

#: What a unit is on the page, in reading terms (speech and review use it).
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

#: Where a unit's final text comes from: the engine, a translator's approved entry, or the
#: source itself (not translated yet).
Origin = Literal["machine", "approved", "untranslated"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One finding of a check. ``segment_id`` is the unit's id, ``""`` for page-level problems."""

    code: str
    segment_id: str
    message: str
    severity: Severity = "error"


@dataclass(eq=False)
class Unit:
    """One sentence of a block, or one attribute value, with everything a build learns about it."""

    id: str  # stable across rebuilds while the page keeps its shape; HTML id of a sentence
    source: str  # tagged source text
    kind: UnitKind = "sentence"
    block: str = ""  # id of the block (run of inline content) or element that holds it
    role: Role = "other"
    attribute: str | None = None  # the attribute name, for attribute units
    machine: str = ""  # tagged engine output after unlocking ("" if the engine was not asked)
    text: str = ""  # tagged final text that goes on the page
    origin: Origin = "untranslated"
    flags: list[str] = field(default_factory=list)  # reasons to review, stable codes
    hits: list[TermHit] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    quality: Any = None  # an estimate of the translation's quality, when one is made
    repairs: list[str] = field(default_factory=list)  # the rule-based repairs that changed it (a11ykit.quality.repairs)
    start: float | None = None  # speech timing in the narration, seconds
    end: float | None = None


@dataclass(frozen=True)
class Summary:
    """The counts a report and a status line give."""

    segments: int
    sentences: int
    violations: int
    flagged: int
    problems: int
    approved: int
    quality_flagged: int = 0  # sentences the quality estimate found a reason against


@dataclass(eq=False)
class Article:
    """One page being built: its units in reading order and what the build found about it."""

    units: list[Unit] = field(default_factory=list)
    source: str = ""  # the page's language (declared or detected)
    target: str = ""  # the language it is built into
    title: str = ""
    name: str = "input"  # the input, for messages and the catalog's locations
    page: Any = None  # the parsed page (a11ykit.html.parse.ParsedPage)
    settings: Any = None  # what the stages need (a11ykit.stages.Settings)
    engine: str = ""  # the engine's description
    html: str = ""  # the rendered page
    warnings: list[str] = field(default_factory=list)
    page_problems: list[Problem] = field(default_factory=list)  # problems of no single unit
    conflicts: list[Violation] = field(default_factory=list)  # approved texts the glossary refused
    source_hrefs: list[str] = field(default_factory=list)
    output_hrefs: list[str] = field(default_factory=list)
    speech: list[Any] = field(default_factory=list)  # what the narration reads (SpeechItem), in order
    catalog: Any = None  # the translators' catalog after this build (babel Catalog)
    audio: dict[str, Any] | None = None  # what the narration wrote, once saved with audio
    memory: Any = None  # what the translation memory served (a11ykit.memory.units.MemoryUse), when one was used
    quality: Any = None  # the page's quality estimates summed up (a11ykit.quality.PageQuality), when made
    _index: dict[str, Unit] = field(default_factory=dict, init=False, repr=False)

    def unit(self, unit_id: str) -> Unit | None:
        """The unit with this id, or ``None``."""
        if len(self._index) != len(self.units) or (unit_id in self._index and self._index[unit_id].id != unit_id):
            self._index = {}
            for unit in self.units:
                self._index.setdefault(unit.id, unit)
        return self._index.get(unit_id)

    @property
    def violations(self) -> list[Violation]:
        return [v for u in self.units for v in u.violations]

    @property
    def flagged(self) -> list[Unit]:
        return [u for u in self.units if u.flags]

    @property
    def problems(self) -> list[Problem]:
        """Every problem: the units' in reading order, then the page's."""
        return [p for u in self.units for p in u.problems] + self.page_problems

    @property
    def summary(self) -> Summary:
        return Summary(
            segments=len(self.units),
            sentences=sum(1 for u in self.units if u.kind == "sentence"),
            violations=len(self.violations),
            flagged=len(self.flagged),
            problems=len(self.problems),
            approved=sum(1 for u in self.units if u.origin == "approved"),
            quality_flagged=sum(1 for u in self.units if u.quality is not None and u.quality.reasons),
        )

    def add_problems(self, problems: list[Problem]) -> None:
        """File each problem under its unit (page-level and unknown ids under the page)."""
        for problem in problems:
            unit = self.unit(problem.segment_id) if problem.segment_id else None
            (unit.problems if unit is not None else self.page_problems).append(problem)

    def save(self, out_dir: str | Path | None = None, *, audio: bool | None = None) -> Any:
        """Write the page, its report, review page, catalog and (with ``audio``) narration into
        ``out_dir``: all of them or none. See :func:`a11ykit.api.save`."""
        from a11ykit.api import save

        return save(self, out_dir, audio=audio)
