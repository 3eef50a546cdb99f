"""Tagged text: the one string format for a sentence with inline markup.

``<1>Tim Miller</1>`` is an inline element (a link, emphasis, …) around words;
``<2/>`` is an atomic thing that moves with the sentence but is never translated
(code, an image, a comment, a date). Numbers restart at 1 in every segment.
The same format is the ``msgid``/``msgstr`` of the translators' PO catalogs.

A literal ``<`` that would read as a tag is written ``&lt;``; nothing else is escaped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

TAG_RE = re.compile(r"<(/?)(\d+)(/?)>")
_LITERAL_TAG_RE = re.compile(r"<(?=/?\d+/?>)")


@dataclass(frozen=True)
class Token:
    kind: Literal["text", "open", "close", "atom"]
    value: str  # the text, or the placeholder number as a string

    @property
    def number(self) -> int:
        return int(self.value)


def escape(text: str) -> str:
    """Make plain text safe to put into tagged text."""
    return _LITERAL_TAG_RE.sub("&lt;", text.replace("&lt;", "&amp;lt;"))


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&amp;lt;", "&lt;")


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


def plain(text: str) -> str:
    """The words only: tags removed, whitespace collapsed."""
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
        return seen == dict((n, k) for k, n in numbers(expected))
    return True


def strip_tags_keep_atoms(text: str) -> str:
    """Inline tags removed, atoms kept (they must still appear once)."""
    return "".join(
        t.value if t.kind == "text" else f"<{t.value}/>" if t.kind == "atom" else ""
        for t in tokenize(text)
    ).replace("  ", " ")


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
