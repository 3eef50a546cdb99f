"""lock → engine → unlock → verify, over all the units of an article.

Locking (:mod:`a11ykit.translate.locks`) replaces what the engine must not touch by lock
tokens and puts it back after. Before locking, an atom glued to a word (``<1/>Text``) gets a
space for the engine; the space is taken out again after.

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

This module owns batching, repairs and verification of engine output; it must not know
pages, catalogs or output files, and leaves locking to :mod:`a11ykit.translate.locks`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from a11ykit.article import Unit
from a11ykit.progress import Progress, no_progress
from a11ykit.terms.base import Glossary, TermHit, Violation
from a11ykit.terms.glossary import term_violations
from a11ykit.text import tagged
from a11ykit.text.realign import place_inline
from a11ykit.translate.engines.base import Engine
from a11ykit.translate.locks import Locked, Locker

# Stable flag codes, used in reports, QA and the review page.
FLAG_GLOSSARY_FALLBACK = "glossary-fallback"
FLAG_MARKUP_REALIGNED = "markup-realigned"
FLAG_MARKUP_UNPLACED = "markup-unplaced"
FLAG_GLOSSARY_VIOLATION = "glossary-violation"
FLAG_ENGINE_EMPTY = "engine-empty"
FLAG_ENGINE_COUNT = "engine-output-count"

class Translated(NamedTuple):
    """What became of one source text: its tagged translation, review flags and the terms locked in it."""

    text: str
    flags: list[str]
    hits: list[TermHit]


class Translator:
    """Translates documents with one engine under one glossary."""

    def __init__(self, engine: Engine, glossary: Glossary, source: str, target: str) -> None:
        self.engine = engine
        self.glossary = glossary
        self.source = source
        self.target = target
        self.locker = Locker(glossary, source, target)

    def lock(self, text: str) -> Locked:
        return self.locker.lock(text)

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

    def translate_texts(self, texts: Sequence[str]) -> dict[str, Translated]:
        """Tagged source → (tagged translation, flags, term hits), with at most two engine calls."""
        prepared = []
        for text in texts:
            spaced, sites = tagged.space_out(text)
            prepared.append((text, spaced, sites, self.lock(spaced)))
        outputs, odd = self._call([lk.wire for _, _, _, lk in prepared])
        done: dict[str, Translated] = {}
        repairs: list[_Repair] = []
        for (text, spaced, sites, lk), output, count_flags in zip(prepared, outputs, odd, strict=True):
            unlocked, tokens_ok = Locker.unlock(output, lk)
            unlocked = tagged.move_edge_spaces(tagged.restore_spacing(unlocked, sites), text)
            if tokens_ok and acceptable(unlocked, text):
                done[text] = Translated(unlocked, count_flags, lk.hits)
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

    def _repair(self, repairs: list[_Repair], done: dict[str, Translated]) -> None:
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
                inner = {n: tagged.plain(Locker.unlock(outputs[i], lk)[0]) for n, (lk, i) in repair.inner.items()}
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
            done[repair.text] = Translated(tagged.move_edge_spaces(text, repair.text), flags, repair.locked.hits)

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
    same_words = all(
        tagged.has_words(inner.get(n, "")) == tagged.has_words(content)
        for n, content in tagged.inner_texts(source).items()
    )
    return same_words and (tagged.has_words(translation) or not tagged.has_words(source))


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


@dataclass(frozen=True)
class _Chunk:
    """A piece of a locked wire: a tag as written (``mark``), tagged text put back as is
    (``fixed``), or source words the engine translates (``words``: their place in the batch,
    and whether they are inside an element)."""

    kind: Literal["mark", "fixed", "words"]
    text: str
    index: int = -1
    inside: bool = False


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
        return [c.index for c in chunks if c.kind == "words"] + [i for _, i in self.inner.values()]


def _chunks(wire: str, locked: Locked, batch: _Batch) -> list[_Chunk]:
    """Cut a locked wire at its tags and tokens; the words between go into the batch."""
    by_token = {lock.token: lock for lock in locked.locks}
    pattern = locked.pattern
    chunks: list[_Chunk] = []
    depth = 0
    for kind, raw in tagged.raw_parts(wire):
        if kind != "text":
            chunks.append(_Chunk("mark", raw))
            depth += 1 if kind == "open" else -1 if kind == "close" else 0
            continue
        pos = 0
        for m in pattern.finditer(raw) if pattern else ():
            chunks.append(_words_chunk(raw[pos : m.start()], batch, depth > 0))
            chunks.append(_Chunk("fixed", by_token[m.group(0).upper()].replacement))
            pos = m.end()
        chunks.append(_words_chunk(raw[pos:], batch, depth > 0))
    return chunks


def _words_chunk(text: str, batch: _Batch, inside: bool) -> _Chunk:
    if re.search(r"[^\W\d_]", text):
        return _Chunk("words", text, batch.add(text.strip()), inside)
    return _Chunk("fixed", text)


def _assemble(chunks: list[_Chunk], outputs: Sequence[str]) -> tuple[str, list[tuple[str, bool]]]:
    """The chunks put together, engine outputs as text; also the word chunks the engine
    returned nothing for (kept in the source language), with whether each is inside an element."""
    parts: list[str] = []
    empty: list[tuple[str, bool]] = []
    for chunk in chunks:
        if chunk.kind != "words":
            parts.append(chunk.text)
            continue
        translation = outputs[chunk.index] if chunk.index < len(outputs) else ""
        if not tagged.has_words(translation):
            empty.append((chunk.text, chunk.inside))
            parts.append(chunk.text)
        else:
            parts.append(_keep_spacing(chunk.text, tagged.escape(translation)))
    return " ".join("".join(parts).split()), empty


def _keep_spacing(original: str, translated: str) -> str:
    lead = " " if original[:1].isspace() else ""
    trail = " " if original[-1:].isspace() else ""
    return lead + translated.strip() + trail
