"""Quality checks on a translated page, run on every build.

Each check is a small function returning a list of :class:`Problem`; none of them
raises. Every problem carries a stable ``code`` (listed in :data:`CODES`), the
segment it is about (``""`` for the whole page) and a severity: ``error`` means
the page is wrong and must not ship as is, ``warning`` means a person should look.

Checks compare *what goes on the page* (``SegmentResult.text``) with the source,
whatever its origin (machine or approved).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from a11ykit.text import tagged
from a11ykit.errors import InputError
from a11ykit.terms.glossary import TermMatcher
from a11ykit.article import Document, SegmentResult
from a11ykit.terms.base import Glossary, Term, Violation

Severity = Literal["error", "warning"]

#: Every problem code, with its severity and what it means.
CODES: dict[str, tuple[Severity, str]] = {
    "tags": ("error", "inline placeholders (<1>…</1>, <2/>) differ from the source"),
    "hrefs": ("error", "a link target was lost, added or changed"),
    "term-count": ("error", "a locked glossary term appears fewer times than in the source"),
    "numbers": ("error", "a number of the source is missing or a new one appeared"),
    "urls": ("error", "a URL written in the text is missing or changed"),
    "untranslated": ("warning", "the output is the source text, unchanged"),
    "whitespace": ("warning", "leading or trailing whitespace differs from the source"),
    "inconsistent": ("warning", "the same source sentence is translated in different ways"),
    "markup-unplaced": (
        "error",
        "an inline element could not be placed around its own translated words "
        "(it holds source-language words, other words, or was put back at the end)",
    ),
    "approved-tags": ("warning", "an approved translation breaks placeholders; not used"),
    "approved-conflict": ("warning", "an approved translation contradicts a locked term; not used"),
}


@dataclass(frozen=True)
class Problem:
    """One finding of a check. ``segment_id`` is ``""`` for page-level problems."""

    code: str
    segment_id: str
    message: str
    severity: Severity = "error"


def problem(code: str, segment_id: str, message: str) -> Problem:
    """A problem with the severity its code has in :data:`CODES`."""
    return Problem(code, segment_id, message, CODES[code][0])


def problem_from_dict(data: object) -> Problem:
    """The inverse of ``dataclasses.asdict(problem)``, for reports read back from JSON."""
    if not isinstance(data, Mapping):
        raise InputError(f"a problem must be a JSON object, not {type(data).__name__}")
    try:
        values = {name: data[name] for name in ("code", "segment_id", "message", "severity")}
    except KeyError as exc:
        raise InputError(f"a problem has no {exc.args[0]!r} field") from None
    if not all(isinstance(v, str) for v in values.values()):
        raise InputError("the fields of a problem must be strings")
    if values["severity"] not in ("error", "warning"):
        raise InputError(f"unknown severity {values['severity']!r} (error or warning)")
    return Problem(**values)


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)


# --- glossary terms in plain text -------------------------------------------------


@lru_cache(maxsize=8)
def _matcher(glossary: Glossary) -> TermMatcher:
    return TermMatcher(glossary)


def term_mismatches(
    glossary: Glossary, target_lang: str, source: str, target: str
) -> list[tuple[Term, int, int]]:
    """See :meth:`TermMatcher.mismatches`; the matcher is built once per glossary."""
    return _matcher(glossary).mismatches(source, target, target_lang)


# --- checks -----------------------------------------------------------------------


def check_tags(result: SegmentResult) -> list[Problem]:
    """Same placeholders as the source, each inside the same element, and words in every
    element that had words (a link must not be left empty)."""
    emptied = tagged.emptied(result.text, result.source)
    if tagged.is_well_formed(result.text, result.source):
        return [
            problem("tags", result.segment_id, f"element <{n}> had words in the source but has none")
            for n in emptied
        ]
    wanted = " ".join(_placeholder_names(result.source)) or "none"
    got = " ".join(_placeholder_names(result.text)) or "none"
    if sorted(wanted.split()) == sorted(got.split()):
        return [problem("tags", result.segment_id, f"placeholders are nested as {got}, expected {wanted}")]
    return [problem("tags", result.segment_id, f"placeholders are {got}, expected {wanted}")]


#: Flags (of the translator and the renderer) that mean an inline element is not where it belongs.
UNPLACED_FLAGS = ("markup-unplaced", "markup-missing", "markup-repeated", "markup-unknown")


def check_markup(result: SegmentResult) -> list[Problem]:
    """An element the build could not put around its own translated words is a problem, not only a flag."""
    found = [flag for flag in UNPLACED_FLAGS if flag in result.flags]
    if not found:
        return []
    return [
        problem(
            "markup-unplaced",
            result.segment_id,
            f"inline markup could not be placed ({', '.join(found)}); check the element's words and position",
        )
    ]


def _placeholder_names(text: str) -> list[str]:
    shapes = {"open": "<{}>", "close": "</{}>", "atom": "<{}/>"}
    return [shapes[t.kind].format(t.value) for t in tagged.tokenize(text) if t.kind != "text"]


def check_hrefs(source_hrefs: Sequence[str], output_hrefs: Sequence[str]) -> list[Problem]:
    """Page level: the output links to the same targets, as often (order may change)."""
    source, output = Counter(source_hrefs), Counter(output_hrefs)
    problems = [
        problem("hrefs", "", f"link to {href!r} is missing from the output ({n} fewer)")
        for href, n in (source - output).items()
    ]
    problems += [
        problem("hrefs", "", f"link to {href!r} is not in the source ({n} more)")
        for href, n in (output - source).items()
    ]
    return problems


def check_terms(result: SegmentResult, glossary: Glossary, target_lang: str) -> list[Problem]:
    mismatches = term_mismatches(glossary, target_lang, tagged.plain(result.source), tagged.plain(result.text))
    return [
        problem(
            "term-count",
            result.segment_id,
            f"{term.key!r} appears {expected}× in the source but "
            f"{term.canonical(target_lang)!r} only {found}× in the output",
        )
        for term, expected, found in mismatches
    ]


_URL_RE = re.compile(r"""(?:https?://|www\.)[^\s<>"'«»“”]+""", re.IGNORECASE)
_URL_TRAIL = ".,;:!?)]}'\"’”»"
#: Digits with thousands/decimal separators of either language (1,500 · 1.500 · 1 500 · 3,5).
_NUMBER_RE = re.compile(r"\d+(?:[.,'\u00a0\u202f\u2009]\d+)*")


def _urls(plain: str) -> list[str]:
    return [m.group(0).rstrip(_URL_TRAIL) for m in _URL_RE.finditer(plain)]


def _numbers(plain: str) -> Counter[str]:
    without_urls = _URL_RE.sub(" ", plain)
    return Counter(re.sub(r"\D", "", m.group(0)) for m in _NUMBER_RE.finditer(without_urls))


def _without_terms(plain: str, glossary: Glossary | None) -> str:
    if glossary is None:
        return plain
    pieces, pos = [], 0
    for match in _matcher(glossary).finditer(plain):
        pieces.append(plain[pos : match.start])
        pos = match.end
    return " ".join([*pieces, plain[pos:]])


def check_numbers(result: SegmentResult, glossary: Glossary | None = None) -> list[Problem]:
    """Numbers survive; separators may be localized, so digits are compared. Numbers
    inside glossary terms ("Ley … de 1798") are the glossary's business, not counted."""
    source = _numbers(_without_terms(tagged.plain(result.source), glossary))
    output = _numbers(_without_terms(tagged.plain(result.text), glossary))
    missing, extra = source - output, output - source
    if not missing and not extra:
        return []
    parts = []
    if missing:
        parts.append("missing " + ", ".join(sorted(missing.elements())))
    if extra:
        parts.append("not in the source " + ", ".join(sorted(extra.elements())))
    return [problem("numbers", result.segment_id, "numbers differ: " + "; ".join(parts))]


def check_urls(result: SegmentResult) -> list[Problem]:
    source, output = Counter(_urls(tagged.plain(result.source))), Counter(_urls(tagged.plain(result.text)))
    problems = [
        problem("urls", result.segment_id, f"URL {url!r} is missing from the output")
        for url in (source - output)
    ]
    problems += [
        problem("urls", result.segment_id, f"URL {url!r} is not in the source")
        for url in (output - source)
    ]
    return problems


_WORD_RE = re.compile(r"[^\W\d_]+")
#: At most this many capitalized words with nothing else count as a name, not a sentence.
MAX_NAME_WORDS = 4


def check_untranslated(result: SegmentResult, glossary: Glossary) -> list[Problem]:
    """Output equal to the source, with words to translate. Segments made only of
    glossary terms, or of a few capitalized words (a name, a byline), are fine, and
    so is text a translator approved."""
    if result.origin == "approved":
        return []
    source = tagged.plain(result.source)
    if source != tagged.plain(result.text) or not _WORD_RE.search(source):
        return []
    words = _WORD_RE.findall(_without_terms(source, glossary))
    if not words or (len(words) <= MAX_NAME_WORDS and all(w[0].isupper() for w in words)):
        return []
    return [problem("untranslated", result.segment_id, "the output is the source text, unchanged")]


def _edges(text: str) -> tuple[bool, bool]:
    return (text[:1].isspace(), text[-1:].isspace()) if text else (False, False)


def check_whitespace(result: SegmentResult) -> list[Problem]:
    """Leading/trailing whitespace of the segment and of each inline element."""
    pairs = [("the segment", result.source, result.text)]
    source_inner, output_inner = tagged.inner_texts(result.source), tagged.inner_texts(result.text)
    for number in sorted(source_inner.keys() & output_inner.keys()):
        pairs.append((f"element <{number}>", source_inner[number], output_inner[number]))
    problems = []
    for where, source, output in pairs:
        (s_lead, s_trail), (o_lead, o_trail) = _edges(source), _edges(output)
        if s_lead != o_lead:
            problems.append(problem("whitespace", result.segment_id, f"leading whitespace of {where} differs"))
        if s_trail != o_trail:
            problems.append(problem("whitespace", result.segment_id, f"trailing whitespace of {where} differs"))
    return problems


def check_consistency(results: Sequence[SegmentResult]) -> list[Problem]:
    """The same source text should come out the same everywhere on the page."""
    first: dict[str, SegmentResult] = {}
    problems = []
    for result in results:
        seen = first.setdefault(result.source, result)
        if seen is not result and seen.text != result.text:
            problems.append(
                problem(
                    "inconsistent",
                    result.segment_id,
                    f"same source as {seen.segment_id} but translated differently: "
                    f"{tagged.plain(result.text)!r} vs {tagged.plain(seen.text)!r}",
                )
            )
    return problems


def check_result(result: SegmentResult, glossary: Glossary, target_lang: str) -> list[Problem]:
    """Every per-segment check on one result."""
    return [
        *check_tags(result),
        *check_markup(result),
        *check_terms(result, glossary, target_lang),
        *check_numbers(result, glossary),
        *check_urls(result),
        *check_untranslated(result, glossary),
        *check_whitespace(result),
    ]


def run_checks(
    document: Document,
    results: Sequence[SegmentResult],
    glossary: Glossary,
    source_lang: str,
    target_lang: str,
    source_hrefs: Sequence[str] = (),
    output_hrefs: Sequence[str] = (),
) -> list[Problem]:
    """All checks over a page, segments in reading order, page-level problems last.
    (``source_lang`` is part of the call for symmetry; the term check finds source
    terms in either language's forms, as the build does.)"""
    order = {segment.id: index for index, segment in enumerate(document.segments)}
    ordered = sorted(results, key=lambda r: order.get(r.segment_id, len(order)))
    problems: list[Problem] = []
    for result in ordered:
        problems += check_result(result, glossary, target_lang)
    problems += check_consistency(ordered)
    problems += check_hrefs(source_hrefs, output_hrefs)
    return problems


def conflict_problems(violations: Iterable[Violation]) -> list[Problem]:
    """Report approved translations that contradict a locked term (see
    :func:`a11ykit.terms.overrides.approved_conflicts`)."""
    return [
        problem(
            "approved-conflict",
            v.segment_id,
            f"the approved translation has {v.expected!r} {v.found_count}× but the source has "
            f"the locked term {v.term!r} {v.expected_count}×; the approved text is not used",
        )
        for v in violations
        if v.where == "approved"
    ]
