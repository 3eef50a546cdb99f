"""Locking: what an engine must not touch, taken out of a text before it goes to the engine and
put back after.

:class:`Locker` replaces glossary terms (by their target form), atoms (``<3/>``), dates in
words and numbers with separators (formatted for the target language by Babel), and source
text that looks like a lock token, by lock tokens (``QZXA``, all of one length in a text, so a
token glued to a word is still found). :meth:`Locker.unlock` reads back only the tokens issued
for a text, in any case, wherever the engine put them, and says whether each came back
exactly once. This module owns the tokens and the locale formatting of what is locked; it
must not call an engine, repair a translation or judge it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from babel.numbers import NumberFormatError, format_decimal, parse_decimal

from a11ykit.l10n import find_dates
from a11ykit.terms.base import Glossary, TermHit
from a11ykit.terms.glossary import matcher_for, target_form
from a11ykit.text import tagged
from a11ykit.translate.engines.base import lock_tokens, token_pattern

_NUMBER_RE = re.compile(
    r"(?<![\w.,])\d{1,3}(?:[.,]\d{3})+(?:[.,]\d+)?(?![\w]|[.,]\d)"  # grouped thousands: 10,500 / 1.234,5
    r"|(?<![\w.,])\d+[.,]\d+(?![\w]|[.,]\d)"  # a decimal: 3.5 / 3,5
)
_ATOM_RE = re.compile(r"<(\d+)/>")
#: While locking, each lock is one character of plane 15's private use area (never a word
#: character); source text in that range is locked first, as text.
_SLOT_BASE = 0xF0000
_SLOT_LIMIT = 0xFFFFD - _SLOT_BASE
_SLOT_RE = re.compile("[\U000F0000-\U000FFFFD]")
#: Source words that an engine's output could not tell from a lock token.
_LOOKALIKE_RE = re.compile(r"\w*qzx\w*", re.IGNORECASE)
_GLUE_RE = re.compile(r"[\w\U000F0000-\U000FFFFD]")
_WORD_END_RE = re.compile(r"\w\s*$")
_WORD_START_RE = re.compile(r"\s*\w")


@dataclass(frozen=True)
class Lock:
    token: str
    replacement: str  # tagged text put back in place of the token
    term: str | None = None  # glossary term key, if it is a term
    glued_left: bool = False  # the source had a word right before it (no space)
    glued_right: bool = False


@dataclass
class Locked:
    wire: str
    locks: list[Lock] = field(default_factory=list)
    hits: list[TermHit] = field(default_factory=list)

    @property
    def pattern(self) -> re.Pattern[str] | None:
        return token_pattern([lock.token for lock in self.locks])


def _slot_maker(parts: list[tuple[str, str | None]]) -> Callable[..., str]:
    """A function putting a replacement (of a term, if given) into the next slot of ``parts``;
    it returns the slot's character, or the replacement itself once the slots run out."""

    def new_lock(replacement: str, term: str | None = None) -> str:
        if len(parts) >= _SLOT_LIMIT:
            return replacement
        parts.append((replacement, term))
        return chr(_SLOT_BASE + len(parts) - 1)

    return new_lock


class Locker:
    """Locks texts for one language pair under one glossary."""

    def __init__(self, glossary: Glossary, source: str, target: str) -> None:
        self.source = source
        self.target = target
        self.matcher = matcher_for(glossary)

    def lock(self, text: str) -> Locked:
        parts: list[tuple[str, str | None]] = []  # (replacement, term) per slot
        new_lock = _slot_maker(parts)
        wire, hits = self._lock_terms(text, new_lock)
        wire = self._lock_dates(wire, new_lock)
        wire = _NUMBER_RE.sub(lambda m: new_lock(self._localise_number(m.group(0))), wire)
        wire = _LOOKALIKE_RE.sub(lambda m: new_lock(m.group(0)), wire)
        tokens = lock_tokens(len(parts))
        locks: list[Lock] = []

        def token(m: re.Match[str]) -> str:
            index = ord(m.group(0)) - _SLOT_BASE
            left = bool(_GLUE_RE.match(wire[m.start() - 1 : m.start()]))
            right = bool(_GLUE_RE.match(wire[m.end() : m.end() + 1]))
            replacement, term = parts[index]
            locks.append(Lock(tokens[index], replacement, term, left, right))
            return (" " if left else "") + tokens[index] + (" " if right else "")

        wire = _SLOT_RE.sub(token, wire)
        order = {t: i for i, t in enumerate(tokens)}
        locks.sort(key=lambda lock: order[lock.token])
        return Locked(" ".join(wire.split()), locks, hits)

    def term_hits(self, text: str) -> list[TermHit]:
        """The glossary's terms in ``text`` as :meth:`lock` finds them, without locking the
        rest (dates, numbers): what a sentence the memory serves needs."""
        return self._lock_terms(text, _slot_maker([]))[1]

    def _lock_terms(self, text: str, new_lock: Callable[..., str]) -> tuple[str, list[TermHit]]:
        """The text with its tags, atoms and glossary terms in slots, and the terms found."""
        wire = _SLOT_RE.sub(lambda m: new_lock(m.group(0)), text)
        wire = _ATOM_RE.sub(lambda m: new_lock(m.group(0)), wire)
        hits: list[TermHit] = []
        pieces: list[str] = []
        pos = 0
        for match in self.matcher.finditer(wire):
            form = target_form(match.term, match.form, match.lang, self.target)
            hits.append(TermHit(match.term.key, match.form, form))
            pieces.append(wire[pos : match.start])
            pieces.append(new_lock(tagged.escape(form), match.term.key))
            pos = match.end
        pieces.append(wire[pos:])
        return "".join(pieces), hits

    def _lock_dates(self, text: str, new_lock: Callable[[str], str]) -> str:
        """Dates in words are formatted by Babel, not by the engine ("July 18" → "18 de julio")."""
        pieces: list[str] = []
        pos = 0
        for start, end, replacement in find_dates(text, self.source, self.target):
            pieces += [text[pos:start], new_lock(tagged.escape(replacement))]
            pos = end
        return "".join(pieces) + text[pos:]

    def _localise_number(self, text: str) -> str:
        try:
            value = parse_decimal(text, locale=self.source, strict=True)
        except NumberFormatError:
            return text
        if format_decimal(value, locale=self.source) != text:
            return text  # not written the source language's way ("4,500" in Spanish): leave it
        return format_decimal(value, locale=self.target)

    @staticmethod
    def unlock(output: str, locked: Locked) -> tuple[str, bool]:
        """Put the locked parts back; False if any token is missing or repeated.

        Only the tokens issued for this text are read, in any case, even glued to a word;
        a locked part is kept apart from a word the engine glued it to, and glued again
        to the word next to it where the source had it glued."""
        pattern = locked.pattern
        if pattern is None:
            return " ".join(output.split()), True
        by_token = {lock.token: lock for lock in locked.locks}
        counts: Counter[str] = Counter()
        spaced = pattern.sub(lambda m: "\0" + m.group(0).upper() + "\0", output.replace("\0", " "))
        pieces = spaced.split("\0")  # text, token, text, token, …, text
        for i in range(1, len(pieces), 2):
            lock = by_token[pieces[i]]
            counts[lock.token] += 1
            pieces[i] = lock.replacement
            before, after = pieces[i - 1], pieces[i + 1]
            if lock.glued_left and before.strip() and _WORD_END_RE.search(before):
                pieces[i - 1] = before.rstrip()
            elif _WORD_END_RE.search(before) and not before[-1:].isspace():
                pieces[i - 1] = before + " "  # the engine glued it to a word; the source did not
            if lock.glued_right and after.strip() and _WORD_START_RE.match(after):
                pieces[i + 1] = after.lstrip()
            elif _WORD_START_RE.match(after) and not after[:1].isspace():
                pieces[i + 1] = " " + after
        ok = all(counts[t] == 1 for t in by_token)
        return " ".join("".join(pieces).split()), ok
