"""Tagged text: the one string format for a sentence with inline markup.

``<1>Tim Miller</1>`` is an inline element (a link, emphasis, …) around words;
``<2/>`` is an atomic thing that moves with the sentence but is never translated
(code, an image, a comment, a date). Numbers restart at 1 in every segment.
The same format is the ``msgid``/``msgstr`` of the translators' PO catalogs.

A literal ``<`` that would read as a tag is written ``&lt;`` (and a literal ``&lt;`` there
``&amp;lt;``, and so on); nothing else is escaped: ``&lt;b&gt;`` anywhere else is just text.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass
from typing import Literal

TAG_RE = re.compile(r"<(/?)(\d+)(/?)>")
_TAG_SHAPE = r"(?=/?\d+/?>)"
_LITERAL_TAG_RE = re.compile(r"<" + _TAG_SHAPE)
_ESCAPED_RE = re.compile(r"&((?:amp;)*)lt;" + _TAG_SHAPE)


@dataclass(frozen=True)
class Token:
    kind: Literal["text", "open", "close", "atom"]
    value: str  # the text, or the placeholder number as a string

    @property
    def number(self) -> int:
        return int(self.value)


def escape(text: str) -> str:
    """Make plain text safe to put into tagged text (the inverse of :func:`unescape`)."""
    return _LITERAL_TAG_RE.sub("&lt;", _ESCAPED_RE.sub(lambda m: f"&amp;{m.group(1)}lt;", text))


def unescape(text: str) -> str:
    """The plain text of tagged text without tags: one level of escaping taken off, only
    where it stands before something that would read as a tag."""
    return _ESCAPED_RE.sub(lambda m: "<" if not m.group(1) else f"&{m.group(1)[4:]}lt;", text)


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    for m in TAG_RE.finditer(text):
        if m.start() > pos:
            tokens.append(Token("text", unescape(text[pos : m.start()])))
        closing, number, selfclosing = m.groups()
        if closing and selfclosing:  # "</1/>" is not a tag: keep it as text
            tokens.append(Token("text", m.group(0)))
        elif closing:
            tokens.append(Token("close", number))
        elif selfclosing:
            tokens.append(Token("atom", number))
        else:
            tokens.append(Token("open", number))
        pos = m.end()
    if pos < len(text):
        tokens.append(Token("text", unescape(text[pos:])))
    return tokens


@functools.lru_cache(maxsize=8192)
def plain(text: str) -> str:
    """The words only: tags removed, whitespace collapsed. (Kept: a build asks for the plain
    text of each sentence in many stages.)"""
    return " ".join("".join(t.value for t in tokenize(text) if t.kind == "text").split())


def numbers(text: str) -> list[tuple[str, int]]:
    """The placeholders in order: ("open"|"atom", number) for each."""
    return [(t.kind, t.number) for t in tokenize(text) if t.kind in ("open", "atom")]


def is_well_formed(text: str, expected: str | None = None) -> bool:
    """Balanced, properly nested, each number used once; and, given ``expected``
    (usually the source), exactly the same placeholders of the same kinds."""
    stack: list[int] = []
    seen: dict[int, str] = {}
    for t in tokenize(text):
        if t.kind == "text":
            continue
        if t.kind == "close":
            if not stack or stack[-1] != t.number:
                return False
            stack.pop()
            continue
        if t.number in seen:
            return False
        seen[t.number] = t.kind
        if t.kind == "open":
            stack.append(t.number)
    if stack:
        return False
    if expected is not None:
        return seen == {n: k for k, n in numbers(expected)} and parents(text) == parents(expected)
    return True


def parents(text: str) -> dict[int, int | None]:
    """The element each placeholder sits in (``None`` at the top level)."""
    result: dict[int, int | None] = {}
    stack: list[int] = []
    for t in tokenize(text):
        if t.kind in ("open", "atom"):
            result.setdefault(t.number, stack[-1] if stack else None)
        if t.kind == "open":
            stack.append(t.number)
        elif t.kind == "close" and stack:
            stack.pop()
    return result


_WORD_CHAR = re.compile(r"\w")


def has_words(text: str) -> bool:
    """Whether the text (tags aside) has a letter or a digit."""
    return bool(_WORD_CHAR.search(plain(text)))


def emptied(text: str, expected: str) -> list[int]:
    """Elements that hold words in ``expected`` but none in ``text`` (a link left empty)."""
    inner = inner_texts(text)
    return [n for n, content in inner_texts(expected).items() if has_words(content) and not has_words(inner.get(n, ""))]


def raw_parts(text: str) -> list[tuple[str, str]]:
    """The text cut into ("text", raw text) and ("open"|"close"|"atom", the tag as written)."""
    parts: list[tuple[str, str]] = []
    pos = 0
    for m in TAG_RE.finditer(text):
        closing, _number, selfclosing = m.groups()
        if closing and selfclosing:
            continue  # "</1/>" is text
        if m.start() > pos:
            parts.append(("text", text[pos : m.start()]))
        parts.append(("close" if closing else "atom" if selfclosing else "open", m.group(0)))
        pos = m.end()
    if pos < len(text):
        parts.append(("text", text[pos:]))
    merged: list[tuple[str, str]] = []
    for kind, raw in parts:  # text cut by a skipped "</1/>" is one text again
        if kind == "text" and merged and merged[-1][0] == "text":
            merged[-1] = ("text", merged[-1][1] + raw)
        else:
            merged.append((kind, raw))
    return merged


#: A place where a11ykit put a space that the source did not have: (left, right), each a tag
#: as written or "w" for a letter or digit. :func:`restore_spacing` takes the space out again.
Site = tuple[str, str]


def space_out(text: str) -> tuple[str, list[Site]]:
    """Keep words apart for the engine, which sees tags as nothing and atoms as words.

    * an atom glued to a word or to another atom (``<1/>Text``, ``wo<1/>rd``) gets a space on
      that side; the place is returned as a site, so :func:`restore_spacing` can glue it back;
    * two elements glued to each other between words (``report</1><2>and``) get a space
      between them for good: their words are different words, they must not run together.
    """
    parts = raw_parts(text)
    out: list[str] = []
    sites: list[Site] = []
    i = 0
    while i < len(parts):
        if parts[i][0] == "text":
            out.append(parts[i][1])
            i += 1
            continue
        j = i
        while j < len(parts) and parts[j][0] != "text":
            j += 1
        cluster = parts[i:j]
        left = out[-1][-1:] if out else ""
        right = parts[j][1][:1] if j < len(parts) else ""
        spaces: dict[int, bool] = {}  # position in the cluster → whether the space is to be taken out again
        # The things that must stay apart: the word on the left, each atom, the word on the right.
        things = ([-1] if _WORD_CHAR.match(left) else []) + [k for k, (kind, _) in enumerate(cluster) if kind == "atom"]
        things += [len(cluster)] if _WORD_CHAR.match(right) else []
        for a, b in itertools.pairwise(things):
            opens = [k for k in range(a + 1, b) if cluster[k][0] == "open"]
            spaces[opens[0] if opens else b] = True
        if len(things) == 2 and things == [-1, len(cluster)]:  # only tags between two words
            closes = [k for k, (kind, _) in enumerate(cluster) if kind == "close"]
            opens = [k for k, (kind, _) in enumerate(cluster) if kind == "open"]
            del spaces[opens[0] if opens else len(cluster)]
            if closes and opens and closes[0] < opens[0]:
                spaces[opens[0]] = False
        for k, (_kind, raw) in enumerate(cluster):
            if k in spaces:
                out.append(" ")
                if spaces[k]:
                    sites.append((cluster[k - 1][1] if k else "w", raw))
            out.append(raw)
        if len(cluster) in spaces:
            out.append(" ")
            if spaces[len(cluster)]:
                sites.append((cluster[-1][1], "w"))
        i = j
    return "".join(out), sites


def restore_spacing(text: str, sites: list[Site]) -> str:
    """Take out the spaces :func:`space_out` put in, where the same neighbours meet again."""
    for left, right in sites:
        before = r"\w" if left == "w" else re.escape(left)
        after = r"\w" if right == "w" else re.escape(right)
        text = re.sub(rf"(?<={before})\s+(?={after})", "", text)
    return text


def move_edge_spaces(text: str, source: str) -> str:
    """Spaces an engine put just inside an element ("<1> Queremos</1>") go just outside it,
    unless the source had them inside too."""
    inner = inner_texts(source)
    keep_lead = {n for n, content in inner.items() if content[:1].isspace()}
    keep_trail = {n for n, content in inner.items() if content[-1:].isspace()}
    def lead_out(m: re.Match[str]) -> str:
        return m.group(0) if int(m.group(1)) in keep_lead else f" <{m.group(1)}>"

    def trail_out(m: re.Match[str]) -> str:
        return m.group(0) if int(m.group(2)) in keep_trail else f"</{m.group(2)}> "

    previous = None
    while previous != text:
        previous = text
        text = re.sub(r"<(\d+)>(\s+)", lead_out, text)
        text = re.sub(r"(\s+)</(\d+)>", trail_out, text)
    return " ".join(text.split())


def strip_inline(text: str) -> tuple[str, dict[int, tuple[int, int]]]:
    """Inline tags removed, atoms kept, whitespace collapsed; words that only a tag kept apart
    get a space. Also returns where each element that is there exactly once (one opening tag
    before one closing tag) was, as a range of the returned text."""
    tags: list[tuple[str, int]] = []
    chars: list[str] = []
    for kind, raw in raw_parts(text):
        if kind in ("open", "close"):
            tags.append((kind, int(TAG_RE.match(raw).group(2))))  # type: ignore[union-attr]
            chars.append("\0")
        else:
            chars.extend(raw.replace("\0", " "))
    out: list[str] = []
    positions: list[int] = []
    for i, ch in enumerate(chars):
        if ch == "\0":
            positions.append(len(out))
            nxt = next((c for c in chars[i + 1 :] if c != "\0"), "")
            between_words = out and _WORD_CHAR.match(out[-1]) and _WORD_CHAR.match(nxt)
            if between_words and (i + 1 == len(chars) or chars[i + 1] != "\0"):
                out.append(" ")
        elif ch.isspace():
            if out and out[-1] != " ":
                out.append(" ")
        else:
            out.append(ch)
    stripped = "".join(out).rstrip()
    opened: dict[int, list[int]] = {}
    closed: dict[int, list[int]] = {}
    for (kind, n), pos in zip(tags, positions, strict=True):  # one position per tag
        (opened if kind == "open" else closed).setdefault(n, []).append(min(pos, len(stripped)))
    ranges = {
        n: (starts[0], closed[n][0])
        for n, starts in opened.items()
        if len(starts) == 1 and len(closed.get(n, [])) == 1 and starts[0] <= closed[n][0]
    }
    return stripped, ranges


def inner_texts(text: str) -> dict[int, str]:
    """The tagged content of every inline element, by number."""
    result: dict[int, str] = {}
    starts: dict[int, int] = {}
    for m in TAG_RE.finditer(text):
        closing, number, selfclosing = m.groups()
        n = int(number)
        if selfclosing:
            continue
        if closing:
            if n in starts:
                result[n] = text[starts.pop(n) : m.start()]
        else:
            starts[n] = m.end()
    return result
