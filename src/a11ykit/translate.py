"""lock → engine → unlock → verify, over a whole Document.

Locking replaces what the engine must not touch — glossary terms, atoms
(``<3/>``) and numbers with separators — by lock tokens (``QZXA``). After the
engine, every token must come back exactly once and the inline tags must be
intact. When they are not:

* a lost token → the sentence is translated *around* its locked parts (the
  pieces between them go to the engine alone) and the parts are put back;
* broken tags → the words are kept and each inline element is placed again
  around the separate translation of its own words; what cannot be placed with
  confidence is still kept (around the whole sentence) and flagged.

All of a document's sentences go to the engine in one call, plus at most one
more call for the repairs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from babel.numbers import NumberFormatError, format_decimal, parse_decimal

from a11ykit import tagged
from a11ykit.engines.base import LOCK_TOKEN_RE, Engine, lock_token
from a11ykit.glossary import TermMatcher, target_form
from a11ykit.l10n import find_dates
from a11ykit.model import Document, Glossary, SegmentResult, TermHit, Violation
from a11ykit.progress import Progress, no_progress

# Stable flag codes, used in reports, QA and the review page.
FLAG_GLOSSARY_FALLBACK = "glossary-fallback"
FLAG_MARKUP_REALIGNED = "markup-realigned"
FLAG_MARKUP_UNPLACED = "markup-unplaced"
FLAG_GLOSSARY_VIOLATION = "glossary-violation"

_NUMBER_RE = re.compile(r"(?<![\w.,])\d{1,3}(?:[.,]\d{3})+(?:[.,]\d+)?(?![\w]|[.,]\d)|(?<![\w.,])\d+[.,]\d+(?![\w]|[.,]\d)")
_ATOM_RE = re.compile(r"<(\d+)/>")


@dataclass(frozen=True)
class Lock:
    token: str
    replacement: str  # tagged text put back in place of the token
    term: str | None = None  # glossary term key, if it is a term


@dataclass
class Locked:
    wire: str
    locks: list[Lock] = field(default_factory=list)
    hits: list[TermHit] = field(default_factory=list)


class Translator:
    """Translates documents with one engine under one glossary."""

    def __init__(self, engine: Engine, glossary: Glossary, source: str, target: str) -> None:
        self.engine = engine
        self.glossary = glossary
        self.source = source
        self.target = target
        self.matcher = TermMatcher(glossary)

    # --- locking --------------------------------------------------------------------

    def lock(self, text: str) -> Locked:
        locked = Locked(text)
        counter = iter(range(10_000))

        def new_lock(replacement: str, term: str | None = None) -> str:
            token = lock_token(next(counter))
            locked.locks.append(Lock(token, replacement, term))
            return token

        wire = _ATOM_RE.sub(lambda m: new_lock(m.group(0)), text)
        pieces: list[str] = []
        pos = 0
        for match in self.matcher.finditer(wire):
            form = target_form(match.term, match.form, match.lang, self.target)
            locked.hits.append(TermHit(match.term.key, match.form, form))
            pieces.append(wire[pos : match.start])
            pieces.append(new_lock(tagged.escape(form), match.term.key))
            pos = match.end
        pieces.append(wire[pos:])
        wire = "".join(pieces)
        wire = self._lock_dates(wire, new_lock)
        wire = _NUMBER_RE.sub(lambda m: new_lock(self._localise_number(m.group(0))), wire)
        locked.wire = " ".join(wire.split())
        return locked

    def _lock_dates(self, text: str, new_lock) -> str:  # noqa: ANN001 - (replacement) -> token
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
        """Put the locked parts back; False if any token is missing or repeated."""
        ok = True
        by_token = {lock.token: lock for lock in locked.locks}
        counts: dict[str, int] = {}
        for m in LOCK_TOKEN_RE.finditer(output):
            token = "QZX" + m.group(1).upper()
            counts[token] = counts.get(token, 0) + 1
        if any(counts.get(t, 0) != 1 for t in by_token) or any(t not in by_token for t in counts):
            ok = False

        def put_back(m: re.Match[str]) -> str:
            lock = by_token.get("QZX" + m.group(1).upper())
            return lock.replacement if lock else m.group(0)

        return " ".join(LOCK_TOKEN_RE.sub(put_back, output).split()), ok

    # --- the document -----------------------------------------------------------------

    def translate_document(
        self,
        document: Document,
        *,
        approved: Mapping[str, str] | None = None,
        progress: Progress = no_progress,
    ) -> list[SegmentResult]:
        approved = approved or {}
        unique = list(dict.fromkeys(s.text for s in document.segments))
        progress("translating", 0, len(unique))
        machine = self.translate_texts(unique)
        progress("translating", len(unique), len(unique))
        results: list[SegmentResult] = []
        for segment in document.segments:
            text, flags, hits = machine[segment.text]
            result = SegmentResult(segment.id, segment.text, text, text, "machine", list(flags), list(hits))
            result.violations = self.violations(segment.id, segment.text, text)
            if segment.id in approved:
                result.text = approved[segment.id]
                result.origin = "approved"
                result.violations = self.violations(segment.id, segment.text, result.text, where="approved")
            if result.violations and FLAG_GLOSSARY_VIOLATION not in result.flags:
                result.flags.append(FLAG_GLOSSARY_VIOLATION)
            results.append(result)
        return results

    def translate_texts(self, texts: Sequence[str]) -> dict[str, tuple[str, list[str], list[TermHit]]]:
        """Tagged source → (tagged translation, flags, term hits), with at most two engine calls."""
        locked = [self.lock(t) for t in texts]
        outputs = self.engine.translate([l.wire for l in locked], self.source, self.target)
        done: dict[str, tuple[str, list[str], list[TermHit]]] = {}
        repairs: list[_Repair] = []
        for text, lk, output in zip(texts, locked, outputs):
            unlocked, tokens_ok = self.unlock(output, lk)
            if tokens_ok and tagged.is_well_formed(unlocked, expected=text):
                done[text] = (unlocked, [], lk.hits)
            else:
                repairs.append(_Repair(text, lk, unlocked, tokens_ok))
        if repairs:
            self._repair(repairs, done)
        return done

    # --- repairs ----------------------------------------------------------------------

    def _repair(self, repairs: list[_Repair], done: dict[str, tuple[str, list[str], list[TermHit]]]) -> None:
        batch: list[str] = []
        plans: list[tuple[_Repair, list[tuple[str, int | str]], dict[int, tuple[Locked, int]]]] = []
        for repair in repairs:
            pieces: list[tuple[str, int | str]] = []
            if not repair.tokens_ok:
                # Translate around the locked parts: engine sees only the words between them.
                wire_plain = _strip_inline(repair.locked.wire)
                by_token = {lock.token: lock for lock in repair.locked.locks}
                pos = 0
                for m in LOCK_TOKEN_RE.finditer(wire_plain):
                    pieces.extend(_piece(wire_plain[pos : m.start()], batch))
                    pieces.append((by_token["QZX" + m.group(1).upper()].replacement, "fixed"))
                    pos = m.end()
                pieces.extend(_piece(wire_plain[pos:], batch))
            inner: dict[int, tuple[Locked, int]] = {}
            for n, inner_text in tagged.inner_texts(repair.text).items():
                lk = self.lock(_strip_inline(inner_text))
                inner[n] = (lk, len(batch))
                batch.append(lk.wire)
            plans.append((repair, pieces, inner))
        outputs = self.engine.translate(batch, self.source, self.target) if batch else []
        for repair, pieces, inner in plans:
            flags: list[str] = []
            if repair.tokens_ok:
                words = _strip_inline(repair.unlocked)
            else:
                flags.append(FLAG_GLOSSARY_FALLBACK)
                parts = [p if kind == "fixed" else _keep_spacing(p, outputs[kind]) for p, kind in pieces]  # type: ignore[index]
                words = " ".join("".join(parts).split())
            inner_translations = {n: self.unlock(outputs[i], lk)[0] for n, (lk, i) in inner.items()}
            placed, unplaced = place_inline(repair.text, words, inner_translations)
            if inner:
                flags.append(FLAG_MARKUP_UNPLACED if unplaced else FLAG_MARKUP_REALIGNED)
            done[repair.text] = (placed, flags, repair.locked.hits)

    # --- verification -----------------------------------------------------------------

    def violations(self, segment_id: str, source: str, translation: str, where: str = "translation") -> list[Violation]:
        """Every source occurrence of a locked term must appear in the output as the glossary says."""
        return [
            Violation(segment_id, term.key, term.canonical(self.target), expected, found, where)
            for term, expected, found in self.matcher.mismatches(
                tagged.plain(source), tagged.plain(translation), self.target
            )
        ]


@dataclass
class _Repair:
    text: str
    locked: Locked
    unlocked: str
    tokens_ok: bool


def _strip_inline(text: str) -> str:
    return " ".join(tagged.strip_tags_keep_atoms(text).split())


def _piece(text: str, batch: list[str]) -> list[tuple[str, int | str]]:
    if re.search(r"[^\W\d_]", text):
        batch.append(text.strip())
        return [(text, len(batch) - 1)]
    return [(text, "fixed")]


def _keep_spacing(original: str, translated: str) -> str:
    lead = " " if original[:1].isspace() else ""
    trail = " " if original[-1:].isspace() else ""
    return lead + translated.strip() + trail


def place_inline(source: str, words: str, inner: Mapping[int, str]) -> tuple[str, list[int]]:
    """Put the source's inline elements around their translated words in ``words``.

    ``inner[n]`` is the separate translation of element n's content. Returns the
    tagged text and the numbers that could not be placed with confidence (those
    wrap their parent's whole range, so they are kept, never dropped).
    """
    order = [n for kind, n in tagged.numbers(source) if kind == "open"]
    parents = _parents(source)
    source_inner = tagged.inner_texts(source)
    ranges: dict[int, tuple[int, int]] = {}
    unplaced: list[int] = []
    for n in order:
        parent = parents.get(n)
        lo, hi = ranges.get(parent, (0, len(words))) if parent else (0, len(words))
        span = None
        candidates = [inner.get(n, ""), tagged.plain(source_inner.get(n, ""))]
        if _same_words(tagged.plain(source_inner.get(n, "")), tagged.plain(source)):
            span = (lo, hi)
        for candidate in candidates:
            if span:
                break
            span = _find(words, candidate, lo, hi, ranges.values())
        if span is None:
            unplaced.append(n)
            span = (lo, hi)
        ranges[n] = span
    return _insert_tags(words, ranges, order), unplaced


def _parents(source: str) -> dict[int, int]:
    parents: dict[int, int] = {}
    stack: list[int] = []
    for token in tagged.tokenize(source):
        if token.kind == "open":
            if stack:
                parents[token.number] = stack[-1]
            stack.append(token.number)
        elif token.kind == "close" and stack:
            stack.pop()
    return parents


def _same_words(a: str, b: str) -> bool:
    return a.strip(" .,;:!?") == b.strip(" .,;:!?")


def _find(words: str, candidate: str, lo: int, hi: int, taken) -> tuple[int, int] | None:  # noqa: ANN001
    candidate = " ".join(candidate.split()).strip(" .,;:")
    if not candidate:
        return None
    pattern = re.compile(r"(?<!\w)" + re.escape(candidate).replace(r"\ ", r"\s+") + r"(?!\w)", re.IGNORECASE)
    for m in pattern.finditer(words, lo, hi):
        start, end = m.span()
        if all(end <= s or start >= e or (s <= start and end <= e) or (start <= s and e <= end) for s, e in taken):
            return start, end
    return None


def _insert_tags(words: str, ranges: Mapping[int, tuple[int, int]], order: Sequence[int]) -> str:
    opens: dict[int, list[int]] = {}
    closes: dict[int, list[int]] = {}
    # Wider ranges open first and close last, so nesting stays proper.
    for n in sorted(order, key=lambda n: (ranges[n][0], -(ranges[n][1] - ranges[n][0]), order.index(n))):
        opens.setdefault(ranges[n][0], []).append(n)
    for n in sorted(order, key=lambda n: (ranges[n][1], ranges[n][1] - ranges[n][0], -order.index(n))):
        closes.setdefault(ranges[n][1], []).append(n)
    out: list[str] = []
    for i in range(len(words) + 1):
        for n in closes.get(i, []):
            out.append(f"</{n}>")
        for n in opens.get(i, []):
            out.append(f"<{n}>")
        if i < len(words):
            out.append(words[i])
    return "".join(out)
