"""Quality checks on a translated page, run on every build.

Every check has one signature, ``check(context, unit) -> list[Problem]``, and is listed
once in :data:`CHECKS` (as Babel lists its checkers): :func:`run_checks` calls each
check for every unit in reading order, then once with ``unit=None`` for the page. None
of them raises. Every problem carries a stable ``code`` (listed in :data:`CODES`), the
unit it is about (``""`` for the whole page) and a severity: ``error`` means the page is
wrong and must not ship as is, ``warning`` means a person should look.

Checks compare *what goes on the page* (``Unit.text``) with the source, whatever its
origin (machine or approved). This module reads units and writes nothing: the build
files the problems under their units.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from a11ykit.article import Problem, Severity, Unit
from a11ykit.errors import InputError
from a11ykit.terms.base import Glossary, Term, Violation
from a11ykit.terms.glossary import matcher_for
from a11ykit.text import tagged

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


def term_mismatches(
    glossary: Glossary, target_lang: str, source: str, target: str
) -> list[tuple[Term, int, int]]:
    """See :meth:`TermMatcher.mismatches`, with the glossary's one matcher."""
    return matcher_for(glossary).mismatches(source, target, target_lang)


# --- checks -----------------------------------------------------------------------


@dataclass
class Context:
    """What the checks know besides the unit: the page's glossary, target language, every
    unit in reading order (for consistency) and the page's links before and after."""

    glossary: Glossary | None = None
    target_lang: str = ""
    units: Sequence[Unit] = ()
    source_hrefs: Sequence[str] = ()
    output_hrefs: Sequence[str] = ()
    _first: dict[str, Unit] = field(default_factory=dict, init=False, repr=False)

    def first_with_source(self, unit: Unit) -> Unit:
        """The first unit of the page with the same source text as ``unit``."""
        if not self._first:
            for other in self.units:
                self._first.setdefault(other.source, other)
        return self._first.get(unit.source, unit)


#: A check: the problems of one unit, or of the page when ``unit`` is None.
Check = Callable[[Context, "Unit | None"], list[Problem]]


def check_tags(context: Context, unit: Unit | None) -> list[Problem]:
    """Same placeholders as the source, each inside the same element, and words in every
    element that had words (a link must not be left empty)."""
    if unit is None:
        return []
    emptied = tagged.emptied(unit.text, unit.source)
    if tagged.is_well_formed(unit.text, unit.source):
        return [problem("tags", unit.id, f"element <{n}> had words in the source but has none") for n in emptied]
    wanted = " ".join(_placeholder_names(unit.source)) or "none"
    got = " ".join(_placeholder_names(unit.text)) or "none"
    if sorted(wanted.split()) == sorted(got.split()):
        return [problem("tags", unit.id, f"placeholders are nested as {got}, expected {wanted}")]
    return [problem("tags", unit.id, f"placeholders are {got}, expected {wanted}")]


#: Flags (of the translator and the renderer) that mean an inline element is not where it belongs.
UNPLACED_FLAGS = ("markup-unplaced", "markup-missing", "markup-repeated", "markup-unknown")


def check_markup(context: Context, unit: Unit | None) -> list[Problem]:
    """An element the build could not put around its own translated words is a problem, not only a flag."""
    found = [flag for flag in UNPLACED_FLAGS if unit is not None and flag in unit.flags]
    if unit is None or not found:
        return []
    return [
        problem(
            "markup-unplaced",
            unit.id,
            f"inline markup could not be placed ({', '.join(found)}); check the element's words and position",
        )
    ]


def _placeholder_names(text: str) -> list[str]:
    shapes = {"open": "<{}>", "close": "</{}>", "atom": "<{}/>"}
    return [shapes[t.kind].format(t.value) for t in tagged.tokenize(text) if t.kind != "text"]


def check_hrefs(context: Context, unit: Unit | None) -> list[Problem]:
    """Page level: the output links to the same targets, as often (order may change)."""
    if unit is not None:
        return []
    source, output = Counter(context.source_hrefs), Counter(context.output_hrefs)
    problems = [
        problem("hrefs", "", f"link to {href!r} is missing from the output ({n} fewer)")
        for href, n in (source - output).items()
    ]
    problems += [
        problem("hrefs", "", f"link to {href!r} is not in the source ({n} more)")
        for href, n in (output - source).items()
    ]
    return problems


def check_terms(context: Context, unit: Unit | None) -> list[Problem]:
    if unit is None or context.glossary is None:
        return []
    target_lang = context.target_lang
    mismatches = term_mismatches(context.glossary, target_lang, tagged.plain(unit.source), tagged.plain(unit.text))
    return [
        problem(
            "term-count",
            unit.id,
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
    for match in matcher_for(glossary).finditer(plain):
        pieces.append(plain[pos : match.start])
        pos = match.end
    return " ".join([*pieces, plain[pos:]])


def check_numbers(context: Context, unit: Unit | None) -> list[Problem]:
    """Numbers survive; separators may be localized, so digits are compared. Numbers
    inside glossary terms ("Ley … de 1798") are the glossary's business, not counted."""
    if unit is None:
        return []
    source = _numbers(_without_terms(tagged.plain(unit.source), context.glossary))
    output = _numbers(_without_terms(tagged.plain(unit.text), context.glossary))
    missing, extra = source - output, output - source
    if not missing and not extra:
        return []
    parts = []
    if missing:
        parts.append("missing " + ", ".join(sorted(missing.elements())))
    if extra:
        parts.append("not in the source " + ", ".join(sorted(extra.elements())))
    return [problem("numbers", unit.id, "numbers differ: " + "; ".join(parts))]


def check_urls(context: Context, unit: Unit | None) -> list[Problem]:
    if unit is None:
        return []
    source, output = Counter(_urls(tagged.plain(unit.source))), Counter(_urls(tagged.plain(unit.text)))
    problems = [problem("urls", unit.id, f"URL {url!r} is missing from the output") for url in (source - output)]
    problems += [problem("urls", unit.id, f"URL {url!r} is not in the source") for url in (output - source)]
    return problems


_WORD_RE = re.compile(r"[^\W\d_]+")
#: At most this many capitalized words with nothing else count as a name, not a sentence.
MAX_NAME_WORDS = 4


def check_untranslated(context: Context, unit: Unit | None) -> list[Problem]:
    """Output equal to the source, with words to translate. Units made only of
    glossary terms, or of a few capitalized words (a name, a byline), are fine, and
    so is text a translator approved."""
    if unit is None or unit.origin == "approved":
        return []
    source = tagged.plain(unit.source)
    if source != tagged.plain(unit.text) or not _WORD_RE.search(source):
        return []
    words = _WORD_RE.findall(_without_terms(source, context.glossary))
    if not words or (len(words) <= MAX_NAME_WORDS and all(w[0].isupper() for w in words)):
        return []
    return [problem("untranslated", unit.id, "the output is the source text, unchanged")]


def _edges(text: str) -> tuple[bool, bool]:
    return (text[:1].isspace(), text[-1:].isspace()) if text else (False, False)


def check_whitespace(context: Context, unit: Unit | None) -> list[Problem]:
    """Leading/trailing whitespace of the unit and of each inline element."""
    if unit is None:
        return []
    pairs = [("the segment", unit.source, unit.text)]
    source_inner, output_inner = tagged.inner_texts(unit.source), tagged.inner_texts(unit.text)
    for number in sorted(source_inner.keys() & output_inner.keys()):
        pairs.append((f"element <{number}>", source_inner[number], output_inner[number]))
    problems = []
    for where, source, output in pairs:
        (s_lead, s_trail), (o_lead, o_trail) = _edges(source), _edges(output)
        if s_lead != o_lead:
            problems.append(problem("whitespace", unit.id, f"leading whitespace of {where} differs"))
        if s_trail != o_trail:
            problems.append(problem("whitespace", unit.id, f"trailing whitespace of {where} differs"))
    return problems


def check_consistency(context: Context, unit: Unit | None) -> list[Problem]:
    """The same source text should come out the same everywhere on the page."""
    if unit is None:
        return []
    seen = context.first_with_source(unit)
    if seen is unit or seen.text == unit.text:
        return []
    return [
        problem(
            "inconsistent",
            unit.id,
            f"same source as {seen.id} but translated differently: "
            f"{tagged.plain(unit.text)!r} vs {tagged.plain(seen.text)!r}",
        )
    ]


#: Every check, by name, in the order their problems are listed for a unit.
CHECKS: dict[str, Check] = {
    "tags": check_tags,
    "markup": check_markup,
    "terms": check_terms,
    "numbers": check_numbers,
    "urls": check_urls,
    "untranslated": check_untranslated,
    "whitespace": check_whitespace,
    "consistency": check_consistency,
    "hrefs": check_hrefs,
}


def run_checks(context: Context, checks: Mapping[str, Check] = CHECKS) -> list[Problem]:
    """Every check over the page: the units' problems in reading order, page-level problems last."""
    problems: list[Problem] = []
    for unit in context.units:
        for check in checks.values():
            problems += check(context, unit)
    for check in checks.values():
        problems += check(context, None)
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
