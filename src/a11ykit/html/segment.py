"""Cut a parsed page into units: sentences of runs, and attribute values.

A *run* is a maximal sequence of sibling text nodes and inline elements inside any
container; each run is split into sentences. Inline elements stay inside their sentence as
``<1>…</1>``; things that must not be translated but live in a sentence (code, images,
comments, dates, ``translate="no"`` spans) become atoms ``<2/>``. Sentence boundaries are
only allowed where no inline element is open, so markup is never cut. Each sentence keeps
its place in the tree (:class:`SentenceSlot`, :class:`Run`), which is how the renderer puts
its translation back.

This module reads the tree and never changes it; it must not decode bytes, translate or
render.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, NavigableString, PageElement, Tag
from bs4.element import Doctype, PreformattedString

from a11ykit.article import Role, Unit
from a11ykit.text import tagged
from a11ykit.text.sentences import boundaries

#: Elements that may sit inside a sentence and carry words.
INLINE_TAGS = frozenset(
    "a abbr acronym b bdi bdo big cite data del dfn em font i ins label mark nobr q s small span "
    "strike strong sub sup tt u".split()
)
#: Elements never translated; their whole subtree is left alone.
SKIP_TAGS = frozenset("script style code pre kbd samp var svg math template textarea noscript".split())
#: Elements without words that can sit inside a sentence; they move with it, untouched.
ATOMIC_TAGS = frozenset(
    "code kbd samp var svg math script style template img wbr input select button textarea "
    "iframe object embed audio video canvas picture time noscript".split()
)
#: Runs in these containers keep plain text: no sentence spans (the browser would show them).
TEXT_ONLY_CONTAINERS = frozenset("title option optgroup textarea".split())

TRANSLATABLE_ATTRIBUTES = ("alt", "title", "aria-label", "placeholder")
META_CONTENT_NAMES = frozenset(
    "description og:title og:description twitter:title twitter:description".split()
)

_ASCII_SPACE = re.compile(r"[ \t\n\r\f\v]+")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass
class SentenceSlot:
    segment_id: str
    text: str  # tagged, numbered from 1
    placeholders: dict[int, PageElement]  # number → the original element (reused when rendering)
    before: str = " "  # what separates it from the previous sentence on the page


@dataclass
class Run:
    id: str
    container: Tag
    nodes: list[PageElement]  # the run's top-level nodes, in order
    lead: str  # original whitespace before the words
    trail: str  # original whitespace after them
    sentences: list[SentenceSlot] = field(default_factory=list)
    wrap: bool = True  # wrap each sentence in <span class="a11y-s" id=…>


@dataclass
class AttributeSlot:
    segment_id: str
    element: Tag
    attribute: str


def segment(soup: BeautifulSoup, lang: str) -> tuple[list[Unit], list[Run], list[AttributeSlot]]:
    """Cut a page's tree into units in reading order (each run's sentences, then the attribute
    values), with the runs and attribute slots the renderer puts the translations back into."""
    runs: list[Run] = []
    _collect_runs(soup, translatable=True, runs=runs)
    marked = [(run, _run_text(run)) for run in runs]
    marked = [(run, text) for run, text in marked if _LETTER.search(tagged.plain(text[0]))]
    runs = [run for run, _ in marked]
    units: list[Unit] = []
    for index, (run, (raw, placeholders)) in enumerate(marked, start=1):
        run.id = f"b{index}"
        _split_run(run, raw, placeholders, lang)
        role = _role(run.container)
        for slot in run.sentences:
            units.append(Unit(slot.segment_id, slot.text, "sentence", run.id, role))
    attributes = _collect_attributes(soup)
    for attr in attributes:
        value = attr.element.get(attr.attribute)
        attribute_role: Role = (
            "image" if attr.attribute == "alt" else "meta" if attr.element.name == "meta" else "label"
        )
        units.append(
            Unit(attr.segment_id, _attribute_text(value), "attribute", attr.segment_id, attribute_role, attr.attribute)
        )
    return units, runs, attributes


# --- which nodes are what -------------------------------------------------------------


def _translate_state(tag: Tag, inherited: bool) -> bool:
    value = tag.get("translate")
    if isinstance(value, str):
        value = value.strip().lower()
        if value == "no":
            return False
        if value in ("yes", ""):
            return True
    classes: str | list[str] = tag.get("class") or []
    if "notranslate" in classes:
        return False
    return inherited


def _is_text(node: PageElement) -> bool:
    return isinstance(node, NavigableString) and not isinstance(node, PreformattedString)


def _is_inline(tag: Tag) -> bool:
    """An inline element holding only text, inline elements and atoms (no block, no <br>)."""
    if tag.name not in INLINE_TAGS:
        return False
    for child in tag.children:
        if isinstance(child, Tag):
            if child.name in ATOMIC_TAGS or (not _translate_state(child, True)):
                continue
            if not _is_inline(child):
                return False
    return True


def _is_atomic(node: PageElement, translatable: bool) -> bool:
    if isinstance(node, PreformattedString):  # comments, CDATA, processing instructions
        return not isinstance(node, Doctype)
    if isinstance(node, Tag):
        if node.name in ATOMIC_TAGS:
            return True
        if node.name in INLINE_TAGS and not _translate_state(node, translatable) and _is_inline_shape(node):
            return True
    return False


def _is_inline_shape(tag: Tag) -> bool:
    return all(not isinstance(c, Tag) or c.name in INLINE_TAGS | ATOMIC_TAGS for c in tag.descendants)


# --- runs -------------------------------------------------------------------------------


def _collect_runs(container: Tag, *, translatable: bool, runs: list[Run]) -> None:
    current: list[PageElement] = []

    def flush() -> None:
        if current and translatable:
            runs.append(Run("", container, list(current), "", ""))
        current.clear()

    for child in list(container.children):
        if isinstance(child, Doctype):
            flush()
            continue
        if _is_text(child) or _is_atomic(child, translatable):
            current.append(child)
            continue
        if isinstance(child, Tag):
            state = _translate_state(child, translatable)
            if child.name == "br":
                flush()
            elif translatable and state and _is_inline(child):
                current.append(child)
            elif child.name in SKIP_TAGS:
                flush()
            else:
                flush()
                _collect_runs(child, translatable=state, runs=runs)
            continue
        current.append(child)
    flush()


def _run_text(run: Run) -> tuple[str, dict[int, PageElement]]:
    """The run as tagged text (numbered through the whole run) and what each number stands for."""
    placeholders: dict[int, PageElement] = {}
    return _tagged_nodes(run.nodes, [0], placeholders), placeholders


def _tagged_nodes(nodes: list[PageElement], counter: list[int], placeholders: dict[int, PageElement]) -> str:
    parts: list[str] = []
    for node in nodes:
        if _is_text(node):
            parts.append(tagged.escape(_ASCII_SPACE.sub(" ", str(node))))
        elif isinstance(node, Tag) and node.name in INLINE_TAGS and not _is_atomic(node, True):
            counter[0] += 1
            n = counter[0]
            placeholders[n] = node
            inner = _tagged_nodes(list(node.children), counter, placeholders)
            parts.append(f"<{n}>{inner}</{n}>")
        else:
            counter[0] += 1
            placeholders[counter[0]] = node
            parts.append(f"<{counter[0]}/>")
    return "".join(parts)


_OPEN_SPACE = re.compile(r"<(\d+)> ")
_SPACE_CLOSE = re.compile(r" </(\d+)>")


def normalise_spaces(text: str) -> str:
    """Move spaces out of inline elements and collapse them: "<1> Tim </1>" → " <1>Tim</1> "."""
    previous = None
    while previous != text:
        previous = text
        text = _OPEN_SPACE.sub(r" <\1>", text)
        text = _SPACE_CLOSE.sub(r"</\1> ", text)
    return re.sub(r" {2,}", " ", text)


def _split_run(run: Run, raw: str, placeholders: dict[int, PageElement], lang: str) -> None:
    first, last = run.nodes[0], run.nodes[-1]
    if _is_text(first):
        run.lead = re.match(r"[ \t\n\r\f\v]*", str(first)).group(0)  # type: ignore[union-attr]
    if _is_text(last):
        run.trail = re.search(r"[ \t\n\r\f\v]*$", str(last)).group(0)  # type: ignore[union-attr]
    run.wrap = run.container.name not in TEXT_ONLY_CONTAINERS and all(p.name != "head" for p in run.container.parents)
    text = normalise_spaces(raw).strip()
    menu = _menu_items(text)
    pieces = menu if menu else [(" ", p) for p in _cut_sentences(text, lang)]
    for j, (before, piece) in enumerate(pieces, start=1):
        renumbered, local = _renumber(piece, placeholders)
        run.sentences.append(SentenceSlot(f"a11y-{run.id[1:]}-{j}", renumbered, local, before))


def _menu_items(text: str) -> list[tuple[str, str]] | None:
    """A run of inline elements with only punctuation between them ("News | About") is a
    menu: each item is its own segment, so an engine cannot reorder or merge them.
    An atom between items (an icon) goes with the item after it."""
    items: list[tuple[str, str]] = []
    depth = 0
    pos = 0  # where the text between items resumes
    item_end = 0  # where the last complete item ends
    start: int | None = None
    gap = ""
    for m in tagged.TAG_RE.finditer(text):
        closing, _number, atom = m.groups()
        if depth == 0 and not closing:
            between = text[pos : m.start()]
            if _LETTER.search(between):
                return None
            if start is None:
                gap, start = between, m.start()
                if not items and between.strip():  # text before the first item ("252", "»") goes with it
                    gap, start = " ", pos
            if atom:
                pos = m.end()
                continue
        if not atom:
            depth += -1 if closing else 1
        if depth == 0 and closing:
            items.append((gap if items else " ", text[start : m.end()]))
            pos = item_end = m.end()
            start = None
    rest = text[item_end:]
    if _LETTER.search(rest) or len(items) < 2:
        return None
    if rest.strip():  # trailing atoms or punctuation stay with the last item
        gap_last, last = items[-1]
        items[-1] = (gap_last, last + rest.rstrip())
    return items


_TRAILING_OPENERS = re.compile(r"(?:\s|<\d+/?>)*$")


def _cut_sentences(text: str, lang: str) -> list[str]:
    plain_chars: list[str] = []
    positions: list[int] = []
    pos = 0
    for m in [*tagged.TAG_RE.finditer(text), None]:
        end = m.start() if m else len(text)
        for i in range(pos, end):
            plain_chars.append(text[i])
            positions.append(i)
        if m:
            pos = m.end()
    plain = "".join(plain_chars)
    pieces: list[str] = []
    start = 0
    for b in boundaries(plain, lang):
        cut = positions[b]
        left = text[start:cut]
        # Opening tags and atoms just before the next sentence belong to it.
        openers = _TRAILING_OPENERS.search(left)  # always matches, possibly the empty string
        tail = openers.group(0) if openers else ""
        cut -= len(tail.lstrip())
        left = text[start:cut]
        if left.strip() and tagged.is_well_formed(left):
            pieces.append(left.strip())
            start = cut
    pieces.append(text[start:].strip())
    return [p for p in pieces if p]


def _renumber(piece: str, placeholders: dict[int, PageElement]) -> tuple[str, dict[int, PageElement]]:
    mapping: dict[int, int] = {}
    local: dict[int, PageElement] = {}

    def swap(m: re.Match[str]) -> str:
        old = int(m.group(2))
        if old not in mapping:
            mapping[old] = len(mapping) + 1
            local[mapping[old]] = placeholders[old]
        return f"<{m.group(1)}{mapping[old]}{m.group(3)}>"

    return tagged.TAG_RE.sub(swap, piece), local


def _role(container: Tag) -> Role:
    for el in [container, *container.parents]:
        if not isinstance(el, Tag):
            continue
        name = el.name
        if name == "title":
            return "title"
        if name in ("h1", "h2", "h3", "h4", "h5", "h6"):
            return "heading"
        if name in ("figcaption", "caption"):
            return "caption"
        if name == "blockquote":
            return "quote"
        marks = " ".join([*(el.get("class") or []), *(el.get("rel") or [])]).lower()
        if "byline" in marks:
            return "byline"
    return "paragraph" if container.name == "p" else "other"


# --- attributes -------------------------------------------------------------------------


def element_translatable(tag: Tag) -> bool:
    """Whether an element's own text and attributes are to be translated (inheritance included)."""
    chain = [tag, *[p for p in tag.parents if isinstance(p, Tag)]]
    for el in chain:
        if el.name in SKIP_TAGS and el is not tag:
            return False
    for el in chain:
        value = el.get("translate")
        if isinstance(value, str):
            return value.strip().lower() != "no"
        if "notranslate" in (el.get("class") or []):
            return False
    return True


def translatable_elements(soup: BeautifulSoup) -> Iterator[Tag]:
    """The elements :func:`element_translatable` accepts, in document order: each worked out
    from its parent's answer instead of walking up the tree again for every element."""
    below: dict[int, tuple[bool, bool]] = {}  # an element's id → (its answer, its children are skipped)
    for tag in soup.find_all(True):
        inherited, skipped = below.get(id(tag.parent), (True, False))
        value = tag.get("translate")
        if isinstance(value, str):
            own = value.strip().lower() != "no"
        else:
            own = inherited and "notranslate" not in (tag.get("class") or [])
        below[id(tag)] = (own, skipped or tag.name in SKIP_TAGS)
        if own and not skipped:
            yield tag


def _collect_attributes(soup: BeautifulSoup) -> list[AttributeSlot]:
    slots: list[AttributeSlot] = []
    index = 0
    for tag in translatable_elements(soup):
        names: list[str] = []
        if tag.name == "meta":
            key = tag.get("name") or tag.get("property") or ""
            if isinstance(key, str) and key.strip().lower() in META_CONTENT_NAMES and tag.get("content"):
                names.append("content")
        else:
            names.extend(a for a in TRANSLATABLE_ATTRIBUTES if isinstance(tag.get(a), str))
        names = [a for a in names if _LETTER.search(str(tag.get(a) or ""))]
        if not names:
            continue
        index += 1
        for attribute in names:
            slots.append(AttributeSlot(f"a11y-a{index}-{attribute}", tag, attribute))
    return slots


def _attribute_text(value: object) -> str:
    return tagged.escape(" ".join(str(value).split()))
