"""The review page: source, machine output and final text side by side, problems marked.

``DIR/<stem>.<lang>.review.html`` — one table row per segment, worst first: the sentences the
quality estimate (:mod:`a11ykit.quality`) gives a reason against, then the others, each group by
score, then QA errors, then reading order. A small script (the form is
hidden without it) switches back to reading order and filters the rows by reason code. Each
row shows its score and reasons next to the sentence, the words at fault marked (``<mark>``;
round-trip words in the source). Each row's ``id`` is the segment id, which is also the ``msgctxt`` of its PO entry,
so ``…review.html#s12`` and the catalog point at the same sentence. Inline
placeholders are shown as small ``<1>`` badges, since the PO entry has them too.

This module owns the page's content: which rows, in which order, with which
problems and counts. Its HTML is the package's templates (``html/templates/review-*.html``,
filled in by :mod:`a11ykit.html.template`, which escapes everything that comes from
the page or the catalog). Colours are never the only signal (each problem says
"error" or "warning" in words) and every text/background pair in the page's styles has
a contrast ratio of at least 7:1. It must not run checks, read catalogs or write files.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from babel import Locale, UnknownLocaleError

from a11ykit.html.template import Markup, escaped, join, render
from a11ykit.quality.estimate import REASON_CODES, word_spans
from a11ykit.text import tagged

if TYPE_CHECKING:
    from a11ykit.article import Article, Problem, Unit

ORIGIN_LABELS = {
    "machine": "machine translation",
    "approved": "approved by a translator",
    "untranslated": "not translated",
}
_SHAPES = {"open": "<{}>", "close": "</{}>", "atom": "<{}/>"}


def language_name(code: str) -> str:
    """The English name of a language code (Babel's), or the code itself if Babel has none."""
    try:
        return Locale.parse(code.replace("-", "_")).get_language_name("en") or code
    except (ValueError, UnknownLocaleError):
        return code


#: Reason codes whose words stand in the output (the others': in the source).
_OUTPUT_CODES = ("glued-word", "source-word", "unknown-word")


def render_tagged(text: str, marked: Sequence[str] = ()) -> Markup:
    """Tagged text as HTML: the words escaped, placeholders as visible badges, the ``marked``
    words (whole words) in ``<mark>``."""
    parts = []
    for token in tagged.tokenize(text):
        if token.kind == "text":
            parts.append(_marked(token.value, marked))
        else:
            parts.append(render("review-placeholder.html", shape=_SHAPES[token.kind].format(token.value)))
    return join(parts)


def _marked(text: str, words: Sequence[str]) -> Markup:
    parts, pos = [], 0
    for start, end in word_spans(text, words):
        parts += [escaped(text[pos:start]), Markup("<mark>"), escaped(text[start:end]), Markup("</mark>")]
        pos = end
    return join([*parts, escaped(text[pos:])])


def _problem_list(problems: Sequence[Problem], quality: object = None) -> Markup:
    reasons = getattr(quality, "reasons", ())
    if not problems and not reasons:
        return escaped("none")
    items = [
        render("review-problem.html", severity=p.severity, code=p.code, message=p.message) for p in problems
    ] + [render("review-reason.html", code=r.code, words=f": {', '.join(r.words)}" if r.words else "") for r in reasons]
    return render("review-problems.html", items=join(items))


def _words_of(quality: object, codes: Sequence[str]) -> list[str]:
    return [w for r in getattr(quality, "reasons", ()) if r.code in codes for w in r.words]


def _row_state(problems: Sequence[Problem]) -> str:
    if any(p.severity == "error" for p in problems):
        return "error"
    return "warning" if problems else "ok"


def render_review_page(
    document: Article,
    results: Sequence[Unit],
    problems: Sequence[Problem],
    *,
    source_lang: str,
    target_lang: str,
    stem: str,
    po_path: str,
) -> str:
    """The whole review page as an HTML5 string: one row per unit of ``results`` (``id``,
    ``source``, ``machine``, ``text``, ``origin``), in the order of ``document.units`` (whose
    ``role`` and ``attribute`` name each row), with ``problems`` in their rows or above the table."""
    by_segment: dict[str, list[Problem]] = defaultdict(list)
    for p in problems:
        by_segment[p.segment_id].append(p)
    known = {r.id for r in results}
    page_problems = by_segment.get("", []) + [
        p for sid, ps in by_segment.items() if sid and sid not in known for p in ps
    ]
    source_name = language_name(source_lang)
    target_name = language_name(target_lang)
    errors = sum(1 for p in problems if p.severity == "error")
    order = {s.id: i for i, s in enumerate(document.units)}
    segments = {s.id: s for s in document.units}
    rows = []
    reading = sorted(results, key=lambda r: order.get(r.id, len(order)))
    worst = sorted(
        range(len(reading)),
        key=lambda i: (
            not getattr(reading[i].quality, "reasons", ()), _score(reading[i]),
            _row_state(by_segment.get(reading[i].id, [])) != "error", i,
        ),
    )
    rank = {i: n for n, i in enumerate(worst)}
    for index in worst:
        result = reading[index]
        quality = result.quality
        sid = result.id
        segment = segments.get(sid)
        role: str = segment.role if segment is not None else ""
        if segment is not None and segment.attribute:
            role = f"{role} ({segment.attribute})"
        rows.append(
            render(
                "review-row.html",
                id=sid,
                state=_row_state(by_segment.get(sid, [])),
                order=index,
                rank=rank[index],
                codes=" ".join(getattr(quality, "codes", ())),
                role=role,
                score=render("review-score.html", score=f"{quality.score:.2f}") if quality is not None else Markup(""),
                source_lang=source_lang,
                target_lang=target_lang,
                source=render_tagged(result.source, _words_of(quality, ("round-trip",))),
                machine=render_tagged(result.machine, _words_of(quality, _OUTPUT_CODES)),
                final=render_tagged(result.text, _words_of(quality, _OUTPUT_CODES)),
                origin_class="origin edited" if result.text != result.machine else "origin",
                origin=ORIGIN_LABELS.get(result.origin, result.origin),
                problems=_problem_list(by_segment.get(sid, []), quality),
            )
        )
    return render(
        "review-page.html",
        title=f"Review: {stem} ({source_name} → {target_name})",
        segments=len(results),
        approved=sum(1 for r in results if r.origin == "approved"),
        errors=errors,
        warnings=len(problems) - errors,
        po_path=po_path,
        page_problems=render("review-page-problems.html", problems=_problem_list(page_problems))
        if page_problems
        else Markup(""),
        stem=stem,
        quality_flagged=sum(1 for r in results if getattr(r.quality, "reasons", ())),
        reason_options=join(
            render("review-reason-option.html", code=code, count=count)
            for code in REASON_CODES
            if (count := sum(code in getattr(r.quality, "codes", ()) for r in results))
        ),
        source_name=source_name,
        target_name=target_name,
        rows=join(rows, "\n"),
    ) + "\n"


def _score(unit: Unit) -> float:
    """A unit's quality score; 1 for one without an estimate (approved, untranslated)."""
    return unit.quality.score if unit.quality is not None else 1.0
