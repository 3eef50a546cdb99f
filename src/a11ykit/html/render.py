"""Write translations back into the parsed page and serialise it.

Inline elements are the original ``Tag`` objects, emptied and refilled with the
translated words, so every attribute survives by construction. Atoms are the
original nodes moved, so scripts, comments and code stay byte-identical.

This module owns putting text into the tree; it must not translate, decide which text goes where
(the build's units say) or write files.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from bs4 import BeautifulSoup, NavigableString, PageElement, Tag
from bs4.formatter import HTMLFormatter

from a11ykit.html.find import elements, has_token
from a11ykit.html.parse import ParsedPage
from a11ykit.html.segment import INLINE_TAGS, Run, SentenceSlot
from a11ykit.text import tagged

#: Text → nodes, for marking glossary terms (``<span lang>``, ``<abbr>``) inside page text.
Decorator = Callable[[str, BeautifulSoup], list[PageElement]]

SENTENCE_CLASS = "a11y-s"

# Minimal escaping (&, <, > and quotes in attributes), UTF-8 text, HTML5 void elements.
HTML5_FORMATTER = HTMLFormatter(
    entity_substitution=HTMLFormatter.REGISTRY["minimal"].entity_substitution, void_element_close_prefix=""
)


def apply_translations(
    page: ParsedPage,
    texts: Mapping[str, str],
    *,
    decorate: Decorator | None = None,
    sentence_spans: bool = True,
) -> dict[str, list[str]]:
    """Replace every segment by ``texts[segment_id]`` (tagged). Returns flags per segment id
    for anything the renderer had to repair (a placeholder missing or repeated)."""
    flags: dict[str, list[str]] = {}
    for run in page.runs:
        _render_run(page.soup, run, texts, flags, decorate if run.wrap else None, sentence_spans and run.wrap)
    for slot in page.attributes:
        text = texts.get(slot.segment_id)
        if text is not None:
            slot.element[slot.attribute] = tagged.plain(text)
    return flags


def _render_run(
    soup: BeautifulSoup,
    run: Run,
    texts: Mapping[str, str],
    flags: dict[str, list[str]],
    decorate: Decorator | None,
    wrap: bool,
) -> None:
    marker = NavigableString("")
    run.nodes[0].insert_before(marker)
    for node in run.nodes:
        node.extract()
    for slot in run.sentences:
        kinds = {n: k for k, n in tagged.numbers(slot.text)}  # once per slot, not per tag
        for n, node in slot.placeholders.items():
            if isinstance(node, Tag) and node.name in INLINE_TAGS and kinds.get(n) == "open":
                node.clear()
    new_nodes: list[PageElement] = []
    if run.lead:
        new_nodes.append(NavigableString(run.lead))
    for i, slot in enumerate(run.sentences):
        if i:
            new_nodes.append(NavigableString(slot.before))
        text = texts.get(slot.segment_id, slot.text)
        children, problems = _build(soup, text, slot, decorate)
        if problems:
            flags.setdefault(slot.segment_id, []).extend(problems)
        if wrap:
            span = soup.new_tag("span", attrs={"class": SENTENCE_CLASS, "id": slot.segment_id})
            for child in children:
                span.append(child)
            new_nodes.append(span)
        else:
            new_nodes.extend(children)
    if run.trail:
        new_nodes.append(NavigableString(run.trail))
    for node in new_nodes:
        marker.insert_before(node)
    marker.extract()


def _build(
    soup: BeautifulSoup, text: str, slot: SentenceSlot, decorate: Decorator | None
) -> tuple[list[PageElement], list[str]]:
    root: list[PageElement] = []
    stack: list[Tag] = []
    used: set[int] = set()
    problems: list[str] = []
    kinds = {n: k for k, n in tagged.numbers(slot.text)}

    def add(node: PageElement) -> None:
        if stack:
            stack[-1].append(node)
        else:
            root.append(node)

    skipped_opens: list[int] = []
    for token in tagged.tokenize(text):
        if token.kind == "text":
            if not token.value:
                continue
            in_abbr = any(t.name == "abbr" for t in stack)
            if decorate is not None and not in_abbr:
                for node in decorate(token.value, soup):
                    add(node)
            else:
                add(NavigableString(token.value))
            continue
        n = token.number
        element = slot.placeholders.get(n)
        if token.kind == "open":
            if element is None or n in used or kinds.get(n) != "open":
                skipped_opens.append(n)
                problems.append("markup-repeated" if n in used else "markup-unknown")
                continue
            used.add(n)
            add(element)
            stack.append(element)  # type: ignore[arg-type]
        elif token.kind == "close":
            if skipped_opens and skipped_opens[-1] == n:
                skipped_opens.pop()
                continue
            if stack and slot.placeholders.get(n) is stack[-1]:
                stack.pop()
        else:  # atom
            if element is None or n in used or kinds.get(n) != "atom":
                problems.append("markup-repeated" if n in used else "markup-unknown")
                continue
            used.add(n)
            add(element)
    stack.clear()
    # Safety net: nothing of the original may be dropped.
    for n, element in slot.placeholders.items():
        if n in used:
            continue
        problems.append("markup-missing")
        if root:
            root.append(NavigableString(" "))
        root.append(element)
        if isinstance(element, Tag) and kinds.get(n) == "open" and not element.contents:
            element.append(NavigableString(tagged.plain(tagged.inner_texts(slot.text).get(n, ""))))
    return root, problems


#: Where other-language words are never marked: their text is not read as prose, or already says its language.
_UNMARKED_PARENTS = frozenset({"script", "style", "code", "pre", "kbd", "samp", "abbr", "textarea", "title"})


def mark_words_language(soup: BeautifulSoup, words: Mapping[str, Sequence[str]], lang: str) -> int:
    """Wrap each of ``words[sentence id]`` (whole words) found in that sentence's span in
    ``<span lang="{lang}">``, so screen readers switch voice. Only text nodes change: never an
    attribute, never across inline tags, never inside an element that already says its
    language or is not prose. Returns how many words were wrapped."""
    wrapped = 0
    sentences: dict[str, Tag] | None = None  # id → the sentence's span, found in one walk of the page
    for sentence_id, found in words.items():
        wanted = sorted({w for w in found if w}, key=len, reverse=True)
        if not wanted:
            continue
        if sentences is None:
            sentences = {}
            for span in elements(soup):
                if span.name == "span" and has_token(span, "class", SENTENCE_CLASS) and isinstance(span.get("id"), str):
                    sentences.setdefault(str(span["id"]), span)
        sentence = sentences.get(sentence_id)
        if sentence is None:
            continue
        pattern = re.compile(r"(?<![\w])(?:" + "|".join(re.escape(w) for w in wanted) + r")(?![\w])")
        for node in list(sentence.find_all(string=True)):
            if type(node) is not NavigableString or _says_language(node, sentence):
                continue
            text = str(node)
            parts: list[PageElement] = []
            pos = 0
            for m in pattern.finditer(text):
                if m.start() > pos:
                    parts.append(NavigableString(text[pos : m.start()]))
                span = soup.new_tag("span", attrs={"lang": lang})
                span.append(NavigableString(m.group(0)))
                parts.append(span)
                pos = m.end()
            if not parts:
                continue
            if pos < len(text):
                parts.append(NavigableString(text[pos:]))
            for part in parts:
                node.insert_before(part)
            node.extract()
            wrapped += sum(isinstance(p, Tag) for p in parts)
    return wrapped


def _says_language(node: PageElement, sentence: Tag) -> bool:
    for parent in node.parents:
        if parent is sentence:
            return False
        if parent.name in _UNMARKED_PARENTS or parent.get("lang") is not None:
            return True
    return False


def serialize(soup: BeautifulSoup) -> str:
    return soup.decode(formatter=HTML5_FORMATTER)
