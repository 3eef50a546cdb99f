"""The glossary's data: a :class:`Term`, the :class:`Glossary` that holds them, a :class:`TermHit`
found in a sentence and a :class:`Violation` of a locked term.

Plain data only: reading and writing term bases is :mod:`a11ykit.terms.glossary` and
:mod:`a11ykit.terms.tbx`, finding terms in text is :class:`a11ykit.terms.glossary.TermMatcher`.
This module must not import anything of a11ykit but :mod:`a11ykit.article`'s language list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from a11ykit.article import LANGUAGES

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
