"""The review page: source, machine output and final text side by side, problems marked.

``DIR/<stem>.<lang>.review.html`` — one table row per segment, in reading order;
each row's ``id`` is the segment id, which is also the ``msgctxt`` of its PO entry,
so ``…review.html#s12`` and the catalog point at the same sentence. Inline
placeholders are shown as small ``<1>`` badges, since the PO entry has them too.

Everything that comes from the page or the catalog is escaped. Colours are never
the only signal (each problem says "error" or "warning" in words) and every
text/background pair has a contrast ratio of at least 7:1.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from html import escape

from a11ykit import tagged
from a11ykit.model import Document, SegmentResult
from a11ykit.qa import Problem

LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}
ORIGIN_LABELS = {
    "machine": "machine translation",
    "approved": "approved by a translator",
    "untranslated": "not translated",
}

_CSS = """
:root { color: #1a1a1a; background: #ffffff; font-family: system-ui, sans-serif; line-height: 1.5; }
body { margin: 0 auto; padding: 1rem; max-width: 110rem; }
a { color: #0a3f80; }
a:focus, tr:target th { outline: 3px solid #1a1a1a; outline-offset: 2px; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
caption { text-align: left; font-weight: bold; padding: 0.5rem 0; }
th, td { border: 1px solid #595959; padding: 0.5rem; vertical-align: top; text-align: left;
         overflow-wrap: anywhere; }
thead th { background: #e8e8e8; }
th[scope=row] { font-weight: normal; font-family: ui-monospace, monospace; width: 8rem; }
tr.error { background: #fdecea; }
tr.warning { background: #fff4d6; }
tr:target { background: #e3f0ff; }
.ph { font-family: ui-monospace, monospace; font-size: 0.85em; color: #3d3d3d;
      background: #ececec; border-radius: 3px; padding: 0 0.2em; }
.origin { display: block; font-size: 0.875em; color: #3d3d3d; margin-top: 0.25rem; }
.edited { font-weight: bold; }
ul.problems { margin: 0; padding-left: 1.1rem; }
.sev-error { color: #8a1010; font-weight: bold; }
.sev-warning { color: #5c3b00; font-weight: bold; }
""".strip()


def render_tagged(text: str) -> str:
    """Tagged text as HTML: the words escaped, placeholders as visible badges."""
    parts = []
    for token in tagged.tokenize(text):
        if token.kind == "text":
            parts.append(escape(token.value))
        else:
            shape = {"open": "<{}>", "close": "</{}>", "atom": "<{}/>"}[token.kind]
            parts.append(f'<span class="ph">{escape(shape.format(token.value))}</span>')
    return "".join(parts)


def _problem_list(problems: Sequence[Problem]) -> str:
    if not problems:
        return "none"
    items = "".join(
        f'<li><span class="sev-{escape(p.severity)}">{escape(p.severity)}</span> '
        f"<code>{escape(p.code)}</code>: {escape(p.message)}</li>"
        for p in problems
    )
    return f'<ul class="problems">{items}</ul>'


def _row_class(problems: Sequence[Problem]) -> str:
    if any(p.severity == "error" for p in problems):
        return ' class="error"'
    if problems:
        return ' class="warning"'
    return ""


def render_review_page(
    document: Document,
    results: Sequence[SegmentResult],
    problems: Sequence[Problem],
    *,
    source_lang: str,
    target_lang: str,
    stem: str,
    po_path: str,
) -> str:
    """The whole review page as an HTML5 string."""
    by_segment: dict[str, list[Problem]] = defaultdict(list)
    for p in problems:
        by_segment[p.segment_id].append(p)
    known = {r.segment_id for r in results}
    page_problems = by_segment.get("", []) + [
        p for sid, ps in by_segment.items() if sid and sid not in known for p in ps
    ]
    source_name = LANGUAGE_NAMES.get(source_lang, source_lang)
    target_name = LANGUAGE_NAMES.get(target_lang, target_lang)
    title = f"Review: {stem} ({source_name} → {target_name})"
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    approved = sum(1 for r in results if r.origin == "approved")
    order = {s.id: i for i, s in enumerate(document.segments)}
    rows = []
    for result in sorted(results, key=lambda r: order.get(r.segment_id, len(order))):
        sid = result.segment_id
        segment = document.segment(sid)
        role = segment.role if segment is not None else ""
        if segment is not None and segment.attribute:
            role = f"{role} ({segment.attribute})"
        edited = result.text != result.machine
        origin = ORIGIN_LABELS.get(result.origin, result.origin)
        final_note = f'<span class="origin{" edited" if edited else ""}">{escape(origin)}</span>'
        rows.append(
            f'<tr id="{escape(sid)}"{_row_class(by_segment.get(sid, []))}>'
            f'<th scope="row"><a href="#{escape(sid)}">{escape(sid)}</a>'
            f'<span class="origin">{escape(role)}</span></th>'
            f'<td lang="{escape(source_lang)}">{render_tagged(result.source)}</td>'
            f'<td lang="{escape(target_lang)}">{render_tagged(result.machine)}</td>'
            f'<td lang="{escape(target_lang)}">{render_tagged(result.text)}{final_note}</td>'
            f"<td>{_problem_list(by_segment.get(sid, []))}</td>"
            "</tr>"
        )
    page_section = (
        f'<section aria-labelledby="page-problems"><h2 id="page-problems">Page problems</h2>'
        f"{_problem_list(page_problems)}</section>"
        if page_problems
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>
{_CSS}
</style>
</head>
<body>
<header>
<h1>{escape(title)}</h1>
<p>{len(results)} segments · {approved} approved · {errors} errors · {warnings} warnings.
Translators: edit <code>{escape(po_path)}</code> (each row's id is the entry's <code>msgctxt</code>);
approved entries replace the machine translation on the next build.</p>
</header>
<main>
{page_section}
<table>
<caption>Segments of {escape(stem)}, in reading order</caption>
<thead><tr>
<th scope="col">Segment</th>
<th scope="col">Source ({escape(source_name)})</th>
<th scope="col">Machine ({escape(target_name)})</th>
<th scope="col">Final ({escape(target_name)})</th>
<th scope="col">Problems</th>
</tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
</main>
</body>
</html>
"""
