"""The quality step of a build: every machine-translated unit gets its :class:`QualityEstimate`.

Called by the build's ``quality`` stage (:mod:`a11ykit.stages`) right after translation, so the
page (``lang`` marks, the notice), the report, the catalog and the review page all see the
estimates. Per page: one analyser process per language (:class:`ApertiumLexicon`), a few queries
each (:func:`estimate_all`), and with Apertium one more engine call for the round trip (the
outputs back into the source language); slower engines are not asked for a round trip. A build
with a translation memory takes the back translations from it, and keeps there those the engine
made (:func:`a11ykit.memory.translate.translate_back`): a build served by the memory calls no
engine at all, and its estimate is the one the engine's round trip gives.

Units the translators approved, and untranslated ones, get no estimate (``quality`` stays None).

The rule-based repairs (:mod:`a11ykit.quality.repairs`) run here too: :func:`repair_sources` on
the headlines sent to the engine (the unit's own source is not changed), :func:`repair_outputs`
on each machine output before the estimate. Each unit records the repairs that changed it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Any

from a11ykit.memory.store import TranslationMemory
from a11ykit.memory.translate import translate_back
from a11ykit.memory.units import round_trip_key
from a11ykit.quality.estimate import PageQuality, estimate_all, page_quality
from a11ykit.quality.lexicon import ApertiumLexicon, analysers_installed
from a11ykit.quality.repairs import RepairContext, glued_candidates, looks_title_case, repair_tagged, repairs_for
from a11ykit.text import tagged

#: Engines whose round trip costs little (one more call of a fast process per page).
ROUND_TRIP_ENGINES = frozenset({"apertium"})
#: Units whose text is a headline (the headline-only repairs apply to them).
HEADLINE_ROLES = frozenset({"title", "heading"})

_COPIED_RE = re.compile(r"\w{4,}")
_WORD_RE = re.compile(r"\w+(?:['’.-]\w+)*")


def plain_text(text: str) -> str:
    """A unit's tagged text as the estimate reads it: no inline tags, whitespace collapsed."""
    return tagged.plain(text)


def back_translations(
    outputs: Sequence[str], source: str, target: str, engine: Any, memory: TranslationMemory | None = None
) -> list[str] | None:
    """The outputs (plain text) translated back into ``source`` for the round trip, as plain text;
    None for an engine whose round trip is not cheap, or that does not cover ``target`` → ``source``.
    With ``memory``: served by it where it can, and what the engine translates is kept there."""
    if getattr(engine, "name", "") not in ROUND_TRIP_ENGINES:
        return None
    if memory is not None:
        return translate_back(engine, outputs, memory, round_trip_key(engine, source, target))
    if not engine.supports(target, source):
        return None
    return [tagged.plain(b) for b in engine.translate(list(outputs), target, source)]


def prepare_round_trip(engine: Any, source: str, target: str) -> None:
    """Let the engine get ready for the round trip :func:`estimate_units` will ask of it (an
    Apertium pipeline starts loading while the build repairs the outputs)."""
    if getattr(engine, "name", "") in ROUND_TRIP_ENGINES and hasattr(engine, "warm_up") and analysers_installed():
        engine.warm_up(target, source)


def estimate_units(
    units: Sequence[Any], source: str, target: str, engine: Any, memory: TranslationMemory | None = None
) -> PageQuality | None:
    """Estimate each machine-translated unit in place (``unit.quality``) and sum the page up;
    None when the analysers are not installed (nothing is estimated). ``memory``: the build's
    translation memory, for the round trip's back translations."""
    if not analysers_installed():
        return None
    machine = [u for u in units if u.origin == "machine" and plain_text(u.text)]
    if not machine:
        return page_quality([])
    pairs = [(plain_text(u.source), plain_text(u.text)) for u in machine]
    unknown: Collection[str] = getattr(engine, "unknown_words", set())
    engine_unknown = [[w for w in _WORD_RE.findall(output) if w in unknown] for _, output in pairs]
    back = back_translations([output for _, output in pairs], source, target, engine, memory)
    with ApertiumLexicon(source) as source_lexicon, ApertiumLexicon(target) as target_lexicon:
        estimates = estimate_all(
            pairs, source_lexicon, target_lexicon,
            protected=[[hit.target_form for hit in u.hits] for u in machine],
            engine_unknown=engine_unknown,
            back_translations=back,
        )
    for unit, found in zip(machine, estimates, strict=True):
        unit.quality = found
    return page_quality(estimates)


def _headline(unit: Any) -> bool:
    """A title or heading, or a meta text written like one (og:title in Title Case)."""
    return unit.role in HEADLINE_ROLES or (unit.role == "meta" and looks_title_case(plain_text(unit.source)))


def _document(units: Sequence[Any], attr: str) -> str:
    """The page's text besides its headlines, for document-level truecasing."""
    return " ".join(plain_text(getattr(u, attr)) for u in units if not _headline(u))


def repair_sources(
    units: Sequence[Any], lang: str, *, enabled: frozenset[str] | None, keep: Sequence[str]
) -> dict[str, str]:
    """The source texts to send to the engine instead of the units' own (by unit id), after the
    ``source`` repairs; the units are not changed, but each records the repairs that changed it."""
    if not repairs_for("source", lang, headline=True, enabled=enabled):
        return {}
    context = RepairContext(_document(units, "source"), tuple(keep))
    sent = {}
    for unit in units:
        text, changed = repair_tagged(unit.source, "source", lang, headline=_headline(unit),
                                      context=context, enabled=enabled)
        if changed:
            sent[unit.id] = text
            unit.repairs += [name for name in changed if name not in unit.repairs]
    return sent


def repair_outputs(units: Sequence[Any], lang: str, *, enabled: frozenset[str] | None, keep: Sequence[str]) -> None:
    """The ``target`` repairs on each unit's machine output (and on its text while that is the
    machine's); glossary forms (``keep``) are left as they are."""
    # a sentence the engine left as it was is not repaired (it is still the source's language)
    machine = [u for u in units if u.machine and u.origin in ("machine", "approved")
               and "".join(plain_text(u.machine).split()) != "".join(plain_text(u.source).split())]
    wanted = {r.name for r in repairs_for("target", lang, headline=True, enabled=enabled)}
    if not machine or not wanted:
        return
    lexicon = ApertiumLexicon(lang) if "split-glued-words" in wanted and analysers_installed() else None
    try:
        context = RepairContext(_document(machine, "machine"), tuple(keep), lexicon)
        if lexicon is not None:  # the page's words in one query, not one per sentence (the lexicon keeps them)
            lexicon.lookup(w for unit in machine for w in glued_candidates(plain_text(unit.machine)))
        for unit in machine:
            # words the output copied from the source are not the engine's glue: kept as they are
            copied = tuple(w for w in _COPIED_RE.findall(plain_text(unit.source)) if w in unit.machine)
            own = RepairContext(context.document, context.keep + copied, context.lexicon)
            text, changed = repair_tagged(unit.machine, "target", lang, headline=_headline(unit),
                                          context=own, enabled=enabled)
            if not changed:
                continue
            if unit.origin == "machine":
                unit.text = text
            unit.machine = text
            unit.repairs += [name for name in changed if name not in unit.repairs]
    finally:
        if lexicon is not None:
            lexicon.close()

