"""lock → engine → unlock → verify, over all the units of an article.

Locking replaces what the engine must not touch — glossary terms, atoms
(``<3/>``), dates, numbers with separators, and source text that looks like a
lock token — by lock tokens (``QZXA``, all of one length in a text, so a token
glued to a word is still found). Only the tokens issued for a text are read back,
in any case, wherever the engine put them. Before locking, an atom glued to a word
(``<1/>Text``) gets a space for the engine; the space is taken out again after.

After the engine, every token must come back exactly once, the inline tags must
have the source's shape (same elements, each inside the same parent) and every
element and sentence that had words must still have words. When not:

* a lost or repeated token → the sentence is translated *around* its locked parts
  (the pieces between them go to the engine alone) and the parts are put back
  (flag ``glossary-fallback``);
* tags out of shape → the words are kept and each inline element is placed again
  around the words that best match the separate translation of its own words
  (flag ``markup-realigned``, see :mod:`a11ykit.text.realign`);
* when that cannot be done with confidence, the sentence is translated piece by
  piece between its tags, which keeps the source's structure exactly (also
  ``markup-realigned``); a piece the engine returns nothing for keeps its source
  words (flag ``engine-empty``, and ``markup-unplaced`` when it is inside an element).

Nothing an engine returns raises: a wrong number of outputs is retried text by text
(flag ``engine-output-count`` if still wrong). All of a document's sentences go to
the engine in one call, plus at most one more call for the repairs.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from babel.numbers import NumberFormatError, format_decimal, parse_decimal

from a11ykit.text import tagged
from a11ykit.translate.engines.base import Engine, lock_tokens, token_pattern
from a11ykit.terms.glossary import matcher_for, target_form, term_violations
from a11ykit.l10n import find_dates
from a11ykit.article import Unit
from a11ykit.terms.base import Glossary, TermHit, Violation
from a11ykit.progress import Progress, no_progress
from a11ykit.text.realign import place_inline

__all__ = ["Lock", "Locked", "Translator", "place_inline"]

# Stable flag codes, used in reports, QA and the review page.
FLAG_GLOSSARY_FALLBACK = "glossary-fallback"
FLAG_MARKUP_REALIGNED = "markup-realigned"
FLAG_MARKUP_UNPLACED = "markup-unplaced"
FLAG_GLOSSARY_VIOLATION = "glossary-violation"
FLAG_ENGINE_EMPTY = "engine-empty"
FLAG_ENGINE_COUNT = "engine-output-count"

_NUMBER_RE = re.compile(r"(?<![\w.,])\d{1,3}(?:[.,]\d{3})+(?:[.,]\d+)?(?![\w]|[.,]\d)|(?<![\w.,])\d+[.,]\d+(?![\w]|[.,]\d)")
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


class Translator:
    """Translates documents with one engine under one glossary."""

    def __init__(self, engine: Engine, glossary: Glossary, source: str, target: str) -> None:
        self.engine = engine
        self.glossary = glossary
        self.source = source
        self.target = target
        self.matcher = matcher_for(glossary)

    # --- locking --------------------------------------------------------------------

    def lock(self, text: str) -> Locked:
        hits: list[TermHit] = []
        parts: list[tuple[str, str | None]] = []  # (replacement, term) per slot

        def new_lock(replacement: str, term: str | None = None) -> str:
            if len(parts) >= _SLOT_LIMIT:
                return replacement
            parts.append((replacement, term))
            return chr(_SLOT_BASE + len(parts) - 1)

        wire = _SLOT_RE.sub(lambda m: new_lock(m.group(0)), text)
        wire = _ATOM_RE.sub(lambda m: new_lock(m.group(0)), wire)
        pieces: list[str] = []
        pos = 0
        for match in self.matcher.finditer(wire):
            form = target_form(match.term, match.form, match.lang, self.target)
            hits.append(TermHit(match.term.key, match.form, form))
            pieces.append(wire[pos : match.start])
            pieces.append(new_lock(tagged.escape(form), match.term.key))
            pos = match.end
        pieces.append(wire[pos:])
        wire = "".join(pieces)
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

    # --- the document -----------------------------------------------------------------

    def translate_units(
        self,
        units: Sequence[Unit],
        *,
        approved: Mapping[str, str] | None = None,
        progress: Progress = no_progress,
    ) -> None:
        """Fill in each unit's machine output, final text, origin, flags, term hits and
        violations; a unit with an ``approved`` text (by id) gets that text instead."""
        approved = approved or {}
        unique = list(dict.fromkeys(u.source for u in units))
        progress("translating", 0, len(unique))
        machine = self.translate_texts(unique)
        progress("translating", len(unique), len(unique))
        for unit in units:
            text, flags, hits = machine[unit.source]
            unit.machine, unit.text, unit.origin, unit.flags, unit.hits = text, text, "machine", list(flags), list(hits)
            unit.violations = self.violations(unit.id, unit.source, text)
            if unit.id in approved:
                unit.text = approved[unit.id]
                unit.origin = "approved"
                unit.violations = self.violations(unit.id, unit.source, unit.text, where="approved")
            if unit.violations and FLAG_GLOSSARY_VIOLATION not in unit.flags:
                unit.flags.append(FLAG_GLOSSARY_VIOLATION)

    def translate_texts(self, texts: Sequence[str]) -> dict[str, tuple[str, list[str], list[TermHit]]]:
        """Tagged source → (tagged translation, flags, term hits), with at most two engine calls."""
        prepared = []
        for text in texts:
            spaced, sites = tagged.space_out(text)
            prepared.append((text, spaced, sites, self.lock(spaced)))
        outputs, odd = self._call([lk.wire for _, _, _, lk in prepared])
        done: dict[str, tuple[str, list[str], list[TermHit]]] = {}
        repairs: list[_Repair] = []
        for (text, spaced, sites, lk), output, count_flags in zip(prepared, outputs, odd):
            unlocked, tokens_ok = self.unlock(output, lk)
            unlocked = tagged.move_edge_spaces(tagged.restore_spacing(unlocked, sites), text)
            if tokens_ok and acceptable(unlocked, text):
                done[text] = (unlocked, count_flags, lk.hits)
            else:
                repairs.append(_Repair(text, spaced, sites, lk, unlocked, tokens_ok, count_flags))
        if repairs:
            self._repair(repairs, done)
        return done

    def _call(self, texts: Sequence[str]) -> tuple[list[str], list[list[str]]]:
        """The engine's outputs, one string per text whatever it returned, and flags per text.

        A batch that comes back with the wrong number of outputs cannot be matched to its
        inputs, so each text is then sent on its own (first output taken, none → "")."""
        if not texts:
            return [], []
        outputs = self.engine.translate(list(texts), self.source, self.target)
        if isinstance(outputs, (list, tuple)) and len(outputs) == len(texts):
            return [_as_text(o) for o in outputs], [[] for _ in texts]
        fixed: list[str] = []
        flags: list[list[str]] = []
        for text in texts:
            single = self.engine.translate([text], self.source, self.target)
            good = isinstance(single, (list, tuple)) and len(single) == 1
            fixed.append(_as_text(single[0]) if isinstance(single, (list, tuple)) and single else "")
            flags.append([] if good else [FLAG_ENGINE_COUNT])
        return fixed, flags

    # --- repairs ----------------------------------------------------------------------

    def _repair(self, repairs: list[_Repair], done: dict[str, tuple[str, list[str], list[TermHit]]]) -> None:
        batch = _Batch()
        for repair in repairs:
            if not repair.tokens_ok:
                # Translate around the locked parts: the engine sees only the words between them.
                repair.around = _chunks(tagged.strip_inline(repair.locked.wire)[0], repair.locked, batch)
            for n, inner_text in tagged.inner_texts(repair.spaced).items():
                lk = self.lock(tagged.strip_inline(inner_text)[0])
                repair.inner[n] = (lk, batch.add(lk.wire))
            repair.pieces = _chunks(repair.locked.wire, repair.locked, batch)
        outputs, odd = self._call(batch.texts)
        for repair in repairs:
            flags = list(repair.flags)
            if any(odd[i] for i in repair.batch_indexes()):
                flags.append(FLAG_ENGINE_COUNT)
            if repair.tokens_ok:
                words, hints = tagged.strip_inline(repair.unlocked)
            else:
                flags.append(FLAG_GLOSSARY_FALLBACK)
                (words, empty), hints = _assemble(repair.around, outputs), {}
                if empty:
                    flags.append(FLAG_ENGINE_EMPTY)
            text = None
            if repair.inner:
                inner = {n: tagged.plain(self.unlock(outputs[i], lk)[0]) for n, (lk, i) in repair.inner.items()}
                placed, unplaced = place_inline(repair.text, words, inner, hints)
                placed = tagged.restore_spacing(placed, repair.sites)
                if not unplaced and acceptable(placed, repair.text):
                    text = placed
                    flags.append(FLAG_MARKUP_REALIGNED)
            else:
                words = tagged.restore_spacing(words, repair.sites)
                if acceptable(words, repair.text):
                    text = words
            if text is None:
                # Piece by piece between the tags: the source's structure, exactly.
                text, empty = _assemble(repair.pieces, outputs)
                text = tagged.restore_spacing(text, repair.sites)
                if repair.inner and FLAG_MARKUP_REALIGNED not in flags:
                    flags.append(FLAG_MARKUP_REALIGNED)
                if empty and FLAG_ENGINE_EMPTY not in flags:
                    flags.append(FLAG_ENGINE_EMPTY)
                if any(inside for _, inside in empty):
                    flags.append(FLAG_MARKUP_UNPLACED)
            done[repair.text] = (tagged.move_edge_spaces(text, repair.text), flags, repair.locked.hits)

    # --- verification -----------------------------------------------------------------

    def violations(self, segment_id: str, source: str, translation: str, where: str = "translation") -> list[Violation]:
        """Every source occurrence of a locked term must appear in the output as the glossary says."""
        return term_violations(self.glossary, self.target, segment_id, source, translation, where)


def acceptable(translation: str, source: str) -> bool:
    """Same placeholders in the same shape as the source, and words wherever the source had
    words (in the sentence and in each element) and only there (an icon link stays an icon)."""
    if not tagged.is_well_formed(translation, expected=source):
        return False
    inner = tagged.inner_texts(translation)
    return all(
        tagged.has_words(inner.get(n, "")) == tagged.has_words(content) for n, content in tagged.inner_texts(source).items()
    ) and (tagged.has_words(translation) or not tagged.has_words(source))


def _as_text(output: object) -> str:
    return " ".join(output.split()) if isinstance(output, str) else ""


class _Batch:
    """The texts of one engine call, each sent once."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self._index: dict[str, int] = {}

    def add(self, text: str) -> int:
        if text not in self._index:
            self._index[text] = len(self.texts)
            self.texts.append(text)
        return self._index[text]


#: A chunk of a locked wire: ("mark", tag as written), ("fixed", tagged text put back as is),
#: or ("words", source text, batch index, whether it is inside an element).
_Chunk = tuple


@dataclass
class _Repair:
    text: str
    spaced: str
    sites: list[tagged.Site]
    locked: Locked
    unlocked: str
    tokens_ok: bool
    flags: list[str]
    around: list[_Chunk] = field(default_factory=list)
    pieces: list[_Chunk] = field(default_factory=list)
    inner: dict[int, tuple[Locked, int]] = field(default_factory=dict)

    def batch_indexes(self) -> list[int]:
        chunks = [*self.around, *self.pieces]
        return [c[2] for c in chunks if c[0] == "words"] + [i for _, i in self.inner.values()]


def _chunks(wire: str, locked: Locked, batch: _Batch) -> list[_Chunk]:
    """Cut a locked wire at its tags and tokens; the words between go into the batch."""
    by_token = {lock.token: lock for lock in locked.locks}
    pattern = locked.pattern
    chunks: list[_Chunk] = []
    depth = 0
    for kind, raw in tagged.raw_parts(wire):
        if kind != "text":
            chunks.append(("mark", raw))
            depth += 1 if kind == "open" else -1 if kind == "close" else 0
            continue
        pos = 0
        for m in pattern.finditer(raw) if pattern else ():
            chunks.append(_words_chunk(raw[pos : m.start()], batch, depth > 0))
            chunks.append(("fixed", by_token[m.group(0).upper()].replacement))
            pos = m.end()
        chunks.append(_words_chunk(raw[pos:], batch, depth > 0))
    return chunks


def _words_chunk(text: str, batch: _Batch, inside: bool) -> _Chunk:
    if re.search(r"[^\W\d_]", text):
        return ("words", text, batch.add(text.strip()), inside)
    return ("fixed", text)


def _assemble(chunks: list[_Chunk], outputs: Sequence[str]) -> tuple[str, list[tuple[str, bool]]]:
    """The chunks put together, engine outputs as text; also the word chunks the engine
    returned nothing for (kept in the source language), with whether each is inside an element."""
    parts: list[str] = []
    empty: list[tuple[str, bool]] = []
    for chunk in chunks:
        if chunk[0] in ("mark", "fixed"):
            parts.append(chunk[1])
            continue
        _, source, index, inside = chunk
        translation = outputs[index] if index < len(outputs) else ""
        if not tagged.has_words(translation):
            empty.append((source, inside))
            parts.append(source)
        else:
            parts.append(_keep_spacing(source, tagged.escape(translation)))
    return " ".join("".join(parts).split()), empty


def _keep_spacing(original: str, translated: str) -> str:
    lead = " " if original[:1].isspace() else ""
    trail = " " if original[-1:].isspace() else ""
    return lead + translated.strip() + trail
