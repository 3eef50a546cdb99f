"""Byte-pair encoding as older Argos Translate packages use it (their ``bpe.model``).

The codes file is subword-nmt's: an optional ``#version: 0.2`` header (no header
means version 0.1), then one merge per line, two symbols separated by one space,
most important first (a pair listed twice keeps its first rank). A word is split
into characters, its end marked with ``</w>`` (version 0.2: glued to the last
character; version 0.1: a symbol of its own); then, again and again, the adjacent
pair with the best rank is merged everywhere in the word, left to right without
overlaps, until no adjacent pair has a rank. The end marker is dropped, and every
piece but a word's last carries the separator (``@@``): ``"lowest"`` →
``["low@@", "est"]``, and ``" ".join(pieces).replace("@@ ", "")`` gives the words back.

This is what :mod:`a11ykit.translate.engines.argos` needs of subword-nmt (no
vocabulary filter, glossaries or dropout), so the ``argos`` extra does not need
argos-translate and what it brings.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise
from typing import IO

END = "</w>"
SUPPORTED_VERSIONS = ((0, 1), (0, 2))


class BPE:
    """Merge operations read from a subword-nmt codes file (an open text file or its lines)."""

    def __init__(self, codes: IO[str] | Iterable[str], separator: str = "@@") -> None:
        self.separator = separator
        self.version: tuple[int, ...] = (0, 1)
        self.ranks: dict[tuple[str, str], int] = {}
        self._cache: dict[str, tuple[str, ...]] = {}
        for number, line in enumerate(codes, 1):
            text = line.strip("\r\n ")
            if number == 1 and text.startswith("#version:"):
                self.version = _version(text)
                continue
            if not text:
                continue
            pair = text.split(" ")
            if len(pair) != 2 or not all(pair):
                raise ValueError(f"line {number} of the BPE codes is not two symbols separated by a space: {text!r}")
            self.ranks.setdefault((pair[0], pair[1]), len(self.ranks))

    def segment_tokens(self, tokens: Iterable[str]) -> list[str]:
        """The pieces of every token, in order; empty tokens are dropped."""
        pieces: list[str] = []
        for token in tokens:
            if not token:
                continue
            *inner, last = self.segment_word(token)
            pieces.extend(piece + self.separator for piece in inner)
            pieces.append(last)
        return pieces

    def segment_word(self, word: str) -> tuple[str, ...]:
        """The pieces of one word, without separators (cached: text repeats its words)."""
        pieces = self._cache.get(word)
        if pieces is None:
            pieces = self._cache[word] = self._merge(word)
        return pieces

    def _merge(self, word: str) -> tuple[str, ...]:
        symbols = [*word, END] if self.version == (0, 1) else [*word[:-1], word[-1] + END]
        ranks = self.ranks
        while len(symbols) > 1:
            candidates = [(ranks[pair], pair) for pair in pairwise(symbols) if pair in ranks]
            if not candidates:
                break
            first, second = min(candidates)[1]
            merged: list[str] = []
            i = 0
            while i < len(symbols):
                if i + 1 < len(symbols) and symbols[i] == first and symbols[i + 1] == second:
                    merged.append(first + second)
                    i += 2
                else:
                    merged.append(symbols[i])
                    i += 1
            symbols = merged
        if symbols[-1] == END:
            symbols.pop()
        elif symbols[-1].endswith(END):
            symbols[-1] = symbols[-1][: -len(END)]
        return tuple(symbols)


def _version(header: str) -> tuple[int, ...]:
    """``#version: 0.2`` → (0, 2); trailing ``.0`` parts do not count (``0.2.0`` is 0.2)."""
    text = header.split(":", 1)[1].strip()
    try:
        parts = [int(part) for part in text.split(".")]
    except ValueError:
        raise ValueError(f"the BPE codes' version is not a number: {text!r}") from None
    while len(parts) > 2 and parts[-1] == 0:
        parts.pop()
    version = tuple(parts)
    if version not in SUPPORTED_VERSIONS:
        raise ValueError(f"BPE codes of version {text} are not supported (0.1 or 0.2)")
    return version
