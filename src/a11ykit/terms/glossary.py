"""The locked glossary: read and write the CSV term base, find terms in text.

File format (``glossary/terms.csv``, UTF-8, one term per row, ``#`` lines are comments)::

    kind,en,es,case,lang,abbr_en,abbr_es,say_en,say_es,note
    keep,CECOT,,exact,es,Terrorism Confinement Center,Centro de Confinamiento del Terrorismo,SEE-cot,se-COT,
    map,Alien Enemies Act,Ley de Enemigos Extranjeros,ignore,,,,,,

* ``kind``: ``keep`` (never translated; leave ``es`` empty) or ``map`` (en ⇄ es).
* ``en``/``es``: the forms, variants separated by ``|``, the canonical one first.
* ``case``: ``exact`` (default) or ``ignore``.
* ``lang``: the language the term itself belongs to, so a page in the other
  language can mark it (``<span lang="en">``). Empty for names and neutral terms.
* ``abbr_en``/``abbr_es``: for an acronym, its expansion in that page language
  (the first occurrence on the page becomes ``<abbr title="…">``).
* ``say_en``/``say_es``: how speech should say it (respelling, or espeak phonemes in ``[[…]]``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TextIO

from a11ykit.article import LANGUAGES
from a11ykit.errors import GlossaryError, InputError
from a11ykit.speech.lexicon import check_pronunciation
from a11ykit.terms.base import Glossary, Term, Violation
from a11ykit.text import tagged

COLUMNS = ("kind", "en", "es", "case", "lang", "abbr_en", "abbr_es", "say_en", "say_es", "note")
REQUIRED_COLUMNS = ("kind", "en", "es")

DEFAULT_GLOSSARY = Path("glossary") / "terms.csv"


def packaged_glossary_path() -> Path:
    """The glossary a11ykit ships: package data ``a11ykit/glossary/terms.csv``, read through
    importlib.resources. Its one source is the top-level ``glossary/terms.csv``, which
    ``src/a11ykit/glossary`` links to, so a checkout and an installed wheel read the same terms."""
    resource = resources.files("a11ykit").joinpath("glossary", "terms.csv")
    if not isinstance(resource, Path):  # a11ykit is installed as files (its speech worker needs that too)
        raise GlossaryError(f"{resource}: a11ykit's own glossary is not a file on disk")
    return resource


def default_glossary_path() -> Path:
    """``glossary/terms.csv`` in the current folder, else the one a11ykit ships."""
    return DEFAULT_GLOSSARY if DEFAULT_GLOSSARY.is_file() else packaged_glossary_path()


def write_file(path: Path, text: str) -> None:
    """Write a glossary-side file (CSV, TBX, overrides) whole or not at all; a folder that cannot
    be written is one line (A11Y270), not a traceback."""
    from a11ykit.layout import atomic_write

    try:
        atomic_write(path, text)
    except OSError as exc:  # read-only or missing permission, a file where a folder should be, a full disk
        raise InputError(f"{path}: cannot write it ({exc.strerror or exc})", code="A11Y270") from None


def read_glossary(fileobj: TextIO, name: str = "<glossary>") -> Glossary:
    """Parse the CSV term base; any malformed row is a GlossaryError naming its line."""
    text = fileobj.read()
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1)]
    content = [(n, line) for n, line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not content:
        raise GlossaryError(f"{name}: the glossary is empty (it needs a header line: {','.join(COLUMNS)})")
    header_line, header_text = content[0]
    header = [h.strip() for h in next(csv.reader([header_text]))]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown:
        problem = f"missing column(s) {', '.join(missing)}" if missing else f"unknown column(s) {', '.join(unknown)}"
        raise GlossaryError(f"{name}:{header_line}: {problem}; expected {','.join(COLUMNS)}")
    terms: list[Term] = []
    seen: dict[str, int] = {}
    for line_no, line in content[1:]:
        try:
            values = next(csv.reader([line], strict=True))
        except csv.Error as exc:
            raise GlossaryError(f"{name}:{line_no}: {exc}") from None
        if len(values) > len(header):
            raise GlossaryError(f"{name}:{line_no}: {len(values)} fields, the header has {len(header)}")
        row = dict(zip(header, (v.strip() for v in values), strict=False))  # trailing fields may be left out
        term = _term_from_row(row, name, line_no)
        for form in term.all_forms():
            folded = form if term.case_sensitive else form.casefold()
            if folded in seen:
                raise GlossaryError(f"{name}:{line_no}: {form!r} is already defined on line {seen[folded]}")
            seen[folded] = line_no
        terms.append(term)
    return Glossary(tuple(terms), source=name)


def _term_from_row(row: dict[str, str], name: str, line: int) -> Term:
    where = f"{name}:{line}"
    kind = row.get("kind", "")
    if kind not in ("keep", "map"):
        raise GlossaryError(f"{where}: kind must be 'keep' or 'map', not {kind!r}")
    en = _forms(row.get("en", ""))
    es = _forms(row.get("es", ""))
    if not en:
        raise GlossaryError(f"{where}: the 'en' column is empty")
    if kind == "keep":
        if es and es != en:
            raise GlossaryError(f"{where}: a keep term has one set of forms; leave 'es' empty or equal to 'en'")
        es = en
    elif not es:
        raise GlossaryError(f"{where}: a map term needs its 'es' form")
    case = row.get("case", "") or "exact"
    if case not in ("exact", "ignore"):
        raise GlossaryError(f"{where}: case must be 'exact' or 'ignore', not {case!r}")
    lang = row.get("lang", "") or None
    if lang is not None and lang not in LANGUAGES:
        raise GlossaryError(f"{where}: lang must be one of {', '.join(LANGUAGES)} or empty, not {lang!r}")
    for code in LANGUAGES:
        try:
            check_pronunciation(row.get(f"say_{code}", ""))
        except ValueError as exc:
            raise GlossaryError(f"{where}: say_{code}: {exc}") from None
    return Term(
        kind=kind,  # type: ignore[arg-type]
        forms={"en": en, "es": es},
        case_sensitive=case == "exact",
        lang=lang,
        expansions={code: row[f"abbr_{code}"] for code in LANGUAGES if row.get(f"abbr_{code}")},
        pronunciations={code: row[f"say_{code}"] for code in LANGUAGES if row.get(f"say_{code}")},
        note=row.get("note", ""),
        line=line,
    )


def _forms(cell: str) -> tuple[str, ...]:
    return tuple(" ".join(f.split()) for f in cell.split("|") if f.strip())


def write_glossary(fileobj: TextIO, glossary: Glossary) -> None:
    """Write the CSV form; ``read_glossary`` of the result gives the same terms."""
    writer = csv.writer(fileobj, lineterminator="\n")
    writer.writerow(COLUMNS)
    for t in glossary.terms:
        writer.writerow(
            [
                t.kind,
                "|".join(t.forms["en"]),
                "" if t.kind == "keep" else "|".join(t.forms["es"]),
                "exact" if t.case_sensitive else "ignore",
                t.lang or "",
                t.expansions.get("en", ""),
                t.expansions.get("es", ""),
                t.pronunciations.get("en", ""),
                t.pronunciations.get("es", ""),
                t.note,
            ]
        )


def load_glossary(path: str | Path) -> Glossary:
    """Read a glossary file from disk (the command layer's helper)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except IsADirectoryError:
        raise GlossaryError(f"{p}: is a directory, not a glossary file") from None
    except OSError as exc:
        raise GlossaryError(f"{p}: cannot read the glossary ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise GlossaryError(f"{p}: the glossary is not UTF-8 (byte {exc.start})") from None
    return read_glossary(io.StringIO(text), str(p))


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    term: Term
    form: str  # as found in the text
    lang: str  # which language's forms it matched


_Node = dict  # token key → child node; _ENDS → ranks of the forms that end here
_ENDS = ""  # no token has an empty key
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")


class _CaseFold(dict):
    """``str.translate`` table: a character → one representative of the characters that
    ``re.IGNORECASE`` treats as equal to it (lower(upper(lower(c))), first character)."""

    def __missing__(self, code: int) -> str:
        folded = chr(code).lower().upper().lower()[0]
        self[code] = folded
        return folded


_FOLD = _CaseFold()


def _token_key(token: str) -> str:
    if token[0].isspace():
        return " "
    return token.lower() if token.isascii() else token.translate(_FOLD)


@lru_cache(maxsize=4)
def _compile(
    glossary: Glossary, langs: tuple[str, ...]
) -> tuple[list[tuple[str, Term, str]], _Node, re.Pattern[str], dict[int, re.Pattern[str]]]:
    """A glossary's forms in alternation order, their token trie, the pattern of the places a
    term may start, and the forms' own patterns (compiled on first use)."""
    entries: list[tuple[str, Term, str]] = []
    for term in glossary.terms:
        for lang in langs:
            for form in term.forms.get(lang, ()):
                if form:
                    entries.append((form, term, lang))
    # Longest first, so "Tim Miller" wins over "Miller" and the alternation never stops short.
    entries.sort(key=lambda e: (-len(e[0]), e[0]))
    trie: _Node = {}
    starts: set[str] = set()
    for rank, (form, _term, _lang) in enumerate(entries):
        node = trie
        for token in _TOKEN.findall(form):
            node = node.setdefault(_token_key(token), {})
        node.setdefault(_ENDS, []).append(rank)
        if form[0].isspace():
            starts.add(r"\s")
        elif not form[0].isalnum() and form[0] != "_":
            starts.add(re.escape(form[0]))
    # Where a term may start: after no word character, at a word or at a first character
    # of a form that starts with punctuation or space.
    other = f"|[{''.join(sorted(starts))}]" if starts else ""
    return entries, trie, re.compile(rf"(?<![\w])(?:\w+{other})", re.IGNORECASE), {}


class TermMatcher:
    """Finds glossary terms in text: longest match first, word boundaries, each term's case rule.

    One compiled structure for the whole glossary, so the cost grows with the text, not with
    the number of terms: a trie of the forms' tokens (word runs, whitespace, single other
    characters; case-folded the way ``re`` folds them). At each place a term may start, the
    trie gives the few forms that may match there; each is then checked with its own pattern,
    in the order one big alternation would try them (longest form first), so the results are
    those of ``(?<!\\w)(?:form1|form2|…)(?!\\w)``.
    """

    def __init__(self, glossary: Glossary, langs: tuple[str, ...] = LANGUAGES) -> None:
        self.glossary = glossary
        # Built once per glossary: a build makes a matcher for locking, marking and checking.
        self._entries, self._trie, self._starts, self._patterns = _compile(glossary, tuple(langs))

    def finditer(self, text: str) -> Iterator[Match]:
        if not self._entries:
            return
        root = self._trie
        pos = 0  # where the last match ended
        for start in self._starts.finditer(text):
            p = start.start()
            if p < pos:
                continue
            first = start.group(0)
            if (root.get(first.lower() if first.isascii() else _token_key(first))) is None:
                continue
            found = self._match_at(text, p)
            if found is not None:
                rank, m = found
                _form, term, lang = self._entries[rank]
                yield Match(m.start(), m.end(), term, m.group(0), lang)
                pos = m.end()

    def _match_at(self, text: str, p: int) -> tuple[int, re.Match[str]] | None:
        """The first form, in alternation order, that matches at ``p``."""
        ranks: list[int] = []
        node = self._trie
        pos = p
        while (token := _TOKEN.match(text, pos)) is not None:
            child = node.get(_token_key(token.group(0)))
            if child is None:
                break
            node = child
            ranks.extend(node.get(_ENDS, ()))
            pos = token.end()
        for rank in sorted(ranks):
            m = self._pattern(rank).match(text, p)
            if m is not None:
                return rank, m
        return None

    def _pattern(self, rank: int) -> re.Pattern[str]:
        pattern = self._patterns.get(rank)
        if pattern is None:
            form, term, _lang = self._entries[rank]
            body = re.escape(form).replace(r"\ ", r"\s+")
            pattern = re.compile(body + r"(?![\w])", 0 if term.case_sensitive else re.IGNORECASE)
            self._patterns[rank] = pattern
        return pattern

    def count(self, text: str) -> dict[Term, int]:
        counts: dict[Term, int] = {}
        for m in self.finditer(text):
            counts[m.term] = counts.get(m.term, 0) + 1
        return counts

    def mismatches(self, source: str, target: str, target_lang: str) -> list[tuple[Term, int, int]]:
        """``(term, expected, found)`` for every locked term of the plain ``source`` that the
        plain ``target`` has fewer times (any accepted target form counts). The one rule for
        build violations, QA term checks and translator conflicts."""
        found_terms = []
        for term, expected in self.count(source).items():
            found = count_target_forms(term, target, target_lang)
            if found < expected:
                found_terms.append((term, expected, found))
        return found_terms


@lru_cache(maxsize=8)
def matcher_for(glossary: Glossary) -> TermMatcher:
    """The glossary's one :class:`TermMatcher`, shared by locking, marking, checks and
    conflicts: the only place a matcher is built."""
    return TermMatcher(glossary)


def term_violations(
    glossary: Glossary, target_lang: str, unit_id: str, source: str, text: str, where: str = "translation"
) -> list[Violation]:
    """Every locked term of the tagged ``source`` that the tagged ``text`` has fewer times than
    the source (any accepted target form counts): the one place a :class:`Violation` is made,
    for build violations and for approved translations that contradict the glossary."""
    return [
        Violation(unit_id, term.key, term.canonical(target_lang), expected, found, where)
        for term, expected, found in matcher_for(glossary).mismatches(
            tagged.plain(source), tagged.plain(text), target_lang
        )
    ]


def target_form(term: Term, found: str, found_lang: str, target: str) -> str:
    """What a found term must become in the target language.

    A form already in the target language stays as written; anything else becomes
    the target's canonical form.
    """
    target_forms = term.forms[target]
    if found_lang == target or term.kind == "keep":
        for form in target_forms:
            if form == found or (not term.case_sensitive and form.casefold() == found.casefold()):
                return form
    return target_forms[0]


def count_target_forms(term: Term, text: str, target: str) -> int:
    """How often any of the term's target-language forms occurs in ``text``."""
    flags = 0 if term.case_sensitive else re.IGNORECASE
    total = 0
    spans: list[tuple[int, int]] = []
    for form in sorted(term.forms[target], key=len, reverse=True):
        pattern = re.compile(r"(?<![\w])" + re.escape(form).replace(r"\ ", r"\s+") + r"(?![\w])", flags)
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in spans):
                continue
            spans.append((m.start(), m.end()))
            total += 1
    return total
