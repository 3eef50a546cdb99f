"""Put a sentence's inline elements back around their translated words.

When an engine loses, repeats or misplaces inline tags, the translation's words are kept
and the source's elements are placed again, one level of the source tree at a time:

* where the engine itself put an element once and in a place that fits, it stays there;
* otherwise around the shortest stretch of words that best matches the separate
  translation of the element's own words (or its source words, for names);
* an element never takes words of a sibling (so it is never nested in an element it
  was not in), always holds the atoms it held in the source and no other, and an
  element that had words gets words (one that had none gets none).

What cannot be placed that way is reported as unplaced; :func:`place_inline` then still
returns a guess (the free words between its placed neighbours), which callers should
not use without saying so.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from a11ykit.text import tagged

_WORD_RE = re.compile(r"\w+")
_ATOM_RE = re.compile(r"<(\d+)/>")
#: A match counts when at least this share of the element's words is found.
MIN_SHARE = 0.5


@dataclass
class _Tree:
    children: dict[int | None, list[int]] = field(default_factory=dict)  # inline elements, source order
    atoms_under: dict[int, set[int]] = field(default_factory=dict)  # every atom in an element's subtree
    source_words: dict[int, str] = field(default_factory=dict)


def _tree(source: str) -> _Tree:
    tree = _Tree({None: []})
    stack: list[int] = []
    for token in tagged.tokenize(source):
        if token.kind == "open":
            tree.children[stack[-1] if stack else None].append(token.number)
            tree.children.setdefault(token.number, [])
            tree.atoms_under.setdefault(token.number, set())
            stack.append(token.number)
        elif token.kind == "close" and stack:
            stack.pop()
        elif token.kind == "atom":
            for n in stack:
                tree.atoms_under[n].add(token.number)
    for n, inner in tagged.inner_texts(source).items():
        tree.source_words[n] = tagged.plain(inner)
    return tree


def place_inline(
    source: str,
    words: str,
    inner: Mapping[int, str],
    hints: Mapping[int, tuple[int, int]] | None = None,
) -> tuple[str, list[int]]:
    """Put the source's inline elements around their translated words in ``words``.

    ``words`` is the translation with atoms (``<3/>``) but no inline tags; ``inner[n]`` the
    separate translation of element n's content; ``hints[n]`` where the engine put element n
    (a range of ``words``). Returns the tagged text and the elements that could not be placed
    with confidence (they get a guess: the free words between their placed neighbours).
    """
    tree = _tree(source)
    placer = _Placer(words, tree, inner, hints or {})
    placer.place(None, 0, len(words))
    return placer.render(None, 0, len(words)), placer.unplaced


class _Placer:
    def __init__(self, words: str, tree: _Tree, inner: Mapping[int, str], hints: Mapping[int, tuple[int, int]]) -> None:
        self.words = words
        self.tree = tree
        self.inner = inner
        self.hints = hints
        self.ranges: dict[int, tuple[int, int]] = {}
        self.unplaced: list[int] = []
        masked = _ATOM_RE.sub(lambda m: " " * len(m.group(0)), words)
        self.tokens = [(m.start(), m.end(), m.group(0).casefold()) for m in _WORD_RE.finditer(masked)]
        self.atoms: dict[int, tuple[int, int]] = {}
        counts = Counter(int(m.group(1)) for m in _ATOM_RE.finditer(words))
        for m in _ATOM_RE.finditer(words):
            if counts[int(m.group(1))] == 1:
                self.atoms[int(m.group(1))] = m.span()

    # --- one level at a time -------------------------------------------------------

    def place(self, parent: int | None, lo: int, hi: int) -> None:
        kids = self.tree.children.get(parent, [])
        taken: list[tuple[int, int]] = []
        later: list[int] = []
        for n in kids:
            span = self._hint(n, lo, hi, taken) or self._best(n, lo, hi, taken)
            if span is None:
                later.append(n)
            else:
                span = self._with_punctuation(n, span, lo, hi, taken)
                self.ranges[n] = span
                taken.append(span)
        for n in later:
            span = self._guess(n, kids, lo, hi, taken)
            self.unplaced.append(n)
            self.ranges[n] = span
            taken.append(span)
        for n in kids:
            self.place(n, *self.ranges[n])

    def _fits(self, n: int, span: tuple[int, int], lo: int, hi: int, taken: list[tuple[int, int]]) -> bool:
        start, end = span
        if not lo <= start <= end <= hi:
            return False
        if any(start < e and s < end for s, e in taken) or any(s == e and start < s < end for s, e in taken):
            return False
        mine = self.tree.atoms_under.get(n, set())
        for atom, (s, e) in self.atoms.items():
            inside = start <= s and e <= end
            if atom in mine and not inside:
                return False
            if atom not in mine and inside and lo <= s and e <= hi:
                return False
        # An element that had words gets words; one that had none (an icon link) gets none.
        return (self._words_in(start, end) > 0) == tagged.has_words(self.tree.source_words.get(n, ""))

    def _with_punctuation(
        self, n: int, span: tuple[int, int], lo: int, hi: int, taken: list[tuple[int, int]]
    ) -> tuple[int, int]:
        """Take in the punctuation right next to the words when the source element began or
        ended with punctuation ("<1>… New York.</1>", "<2>“Source”</2>")."""
        source = self.tree.source_words.get(n, "")
        start, end = span
        trailing = re.search(r"[^\w\s<>]*$", source).group(0)  # type: ignore[union-attr]
        leading = re.match(r"[^\w\s<>]*", source).group(0)  # type: ignore[union-attr]
        while end < hi and end - span[1] < len(trailing) and self.words[end] in trailing:
            if any(s <= end < e for s, e in taken):
                break
            end += 1
        while start > lo and span[0] - start < len(leading) and self.words[start - 1] in leading:
            if any(s < start <= e for s, e in taken):
                break
            start -= 1
        return start, end

    def _words_in(self, start: int, end: int) -> int:
        return sum(1 for s, e, _ in self.tokens if start <= s and e <= end)

    def _trim(self, span: tuple[int, int]) -> tuple[int, int]:
        start, end = span
        while start < end and self.words[start].isspace():
            start += 1
        while end > start and self.words[end - 1].isspace():
            end -= 1
        return start, end

    def _hint(self, n: int, lo: int, hi: int, taken: list[tuple[int, int]]) -> tuple[int, int] | None:
        if n not in self.hints:
            return None
        span = self._trim(self.hints[n])
        return span if self._fits(n, span, lo, hi, taken) else None

    def _required(self, n: int) -> tuple[int, int] | None:
        spans = [self.atoms[a] for a in self.tree.atoms_under.get(n, set()) if a in self.atoms]
        if not spans:
            return None
        return min(s for s, _ in spans), max(e for _, e in spans)

    def _best(self, n: int, lo: int, hi: int, taken: list[tuple[int, int]]) -> tuple[int, int] | None:
        """The shortest stretch of words that best matches the element's translation or source words."""
        required = self._required(n)
        candidates = [c for c in (self.inner.get(n, ""), self.tree.source_words.get(n, "")) if _WORD_RE.search(c)]
        if not candidates:  # no words of its own: around its atoms, or empty where it fits
            if required and self._fits(n, required, lo, hi, taken):
                return required
            return None
        tokens = [t for t in self.tokens if lo <= t[0] and t[1] <= hi]
        best: tuple[float, int, int, tuple[int, int]] | None = None
        for candidate in candidates:
            wanted = Counter(w.casefold() for w in _WORD_RE.findall(candidate))
            size = sum(wanted.values())
            longest = 2 * size + 2
            for i in range(len(tokens)):
                if not wanted[tokens[i][2]]:
                    continue  # a best stretch starts and ends with a wanted word
                found: Counter[str] = Counter()
                matched = 0
                for j in range(i, min(len(tokens), i + longest)):
                    word = tokens[j][2]
                    found[word] += 1
                    if found[word] > wanted[word]:
                        continue
                    matched += 1
                    share = matched / size
                    if share < MIN_SHARE:
                        continue
                    span = (tokens[i][0], tokens[j][1])
                    if required:
                        span = (min(span[0], required[0]), max(span[1], required[1]))
                    if not self._fits(n, span, lo, hi, taken):
                        continue
                    key = (-share, j - i, span[0], span)
                    if best is None or key[:3] < best[:3]:
                        best = key
        return best[3] if best else None

    def _guess(self, n: int, kids: list[int], lo: int, hi: int, taken: list[tuple[int, int]]) -> tuple[int, int]:
        """The free words between the placed siblings before and after ``n`` in the source."""
        index = kids.index(n)
        before = [self.ranges[k] for k in kids[:index] if k in self.ranges]
        after = [self.ranges[k] for k in kids[index + 1 :] if k in self.ranges]
        start = max([e for _, e in before], default=lo)
        end = min([s for s, _ in after], default=hi)
        if start <= end:
            span = self._trim((start, end))
            if not any(span[0] < e and s < span[1] for s, e in taken):
                return span
        gaps = _free_gaps(lo, hi, taken)
        start, end = max(gaps, key=lambda g: g[1] - g[0]) if gaps else (lo, lo)
        return self._trim((start, end))

    # --- writing ------------------------------------------------------------------

    def render(self, parent: int | None, lo: int, hi: int) -> str:
        out: list[str] = []
        pos = lo
        kids = sorted(self.tree.children.get(parent, []), key=lambda k: self.ranges[k])
        for k in kids:
            start, end = self.ranges[k]
            start, end = max(start, pos), max(end, pos)
            out.append(self.words[pos:start])
            out.append(f"<{k}>{self.render(k, start, end)}</{k}>")
            pos = end
        out.append(self.words[pos:hi])
        return "".join(out)


def _free_gaps(lo: int, hi: int, taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    gaps = []
    pos = lo
    for s, e in sorted(taken):
        if s > pos:
            gaps.append((pos, s))
        pos = max(pos, e)
    if pos < hi:
        gaps.append((pos, hi))
    return gaps
