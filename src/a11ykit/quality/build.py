"""The quality step of a build: every machine-translated unit gets its :class:`QualityEstimate`.

Called by the build's ``quality`` stage (:mod:`a11ykit.stages`) right after translation, so the
page (``lang`` marks, the notice), the report, the catalog and the review page all see the
estimates. Per page: a few queries (:func:`estimate_all`) to each language's analyser (one
:class:`ApertiumLexicon` per language and process, started when the translate stage begins and
kept for the next article: :func:`~a11ykit.quality.lexicon.running_lexicon`), and with Apertium
one more engine call for the round trip (the
outputs back into the source language); slower engines are not asked for a round trip. A build
with a translation memory takes the back translations from it, and keeps there those the engine
made (:func:`a11ykit.memory.translate.translate_back`): a build served by the memory calls no
engine at all, and its estimate is the one the engine's round trip gives.

Units the translators approved, and untranslated ones, get no estimate (``quality`` stays None).

The rule-based repairs (:mod:`a11ykit.quality.repairs`) run here too: :func:`repair_sources` on
the headlines sent to the engine (the unit's own source is not changed), :func:`repair_outputs`
on each machine output before the estimate. Each unit records the repairs that changed it.

With a translation memory, each unit's repairs and estimate are kept there as derived records
(:meth:`~a11ykit.memory.store.TranslationMemory.remember`), keyed by a digest of everything
that decides them: the texts, the page context a repair reads (the glossary forms to keep, the
document for a headline's truecasing), the languages, the round trip's engine and version,
and :func:`derivation_version` (this code and the analysers). A rebuild after an edit then
repairs and estimates only the units whose inputs changed, with the same results as a build
that redoes them all.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from a11ykit.errors import EngineError
from a11ykit.memory.store import TranslationMemory
from a11ykit.memory.translate import translate_back
from a11ykit.memory.units import round_trip_key
from a11ykit.quality.estimate import PageQuality, QualityEstimate, Reason, estimate_all, page_quality
from a11ykit.quality.lexicon import ANALYSERS, analysers_installed, find_analyser, running_lexicon, start_lexicons
from a11ykit.quality.repairs import RepairContext, glued_candidates, looks_title_case, repair_tagged, repairs_for
from a11ykit.text import tagged

#: Engines whose round trip costs little (one more call of a fast process per page).
ROUND_TRIP_ENGINES = frozenset({"apertium"})
#: Units whose text is a headline (the headline-only repairs apply to them).
HEADLINE_ROLES = frozenset({"title", "heading"})

T = TypeVar("T")

_COPIED_RE = re.compile(r"\w{4,}")


@functools.cache
def derivation_version() -> str:
    """What derived records depend on besides their inputs: the code that derives them (this
    package and :mod:`a11ykit.text`, their files' bytes) and the analysers (size and date);
    a change to either makes every record a miss."""
    digest = hashlib.sha256()
    for folder in (Path(__file__).parent, Path(tagged.__file__).parent):
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".py", ".csv")):
            digest.update(f"{path.relative_to(folder)}\0".encode() + path.read_bytes())
    for lang in sorted(ANALYSERS):
        try:
            stat = find_analyser(lang).stat()
            digest.update(f"{lang} {stat.st_size} {stat.st_mtime_ns}\0".encode())
        except EngineError:
            digest.update(f"{lang} none\0".encode())
    return digest.hexdigest()


def record_key(kind: str, *inputs: object) -> str:
    """The key of a derived record: a digest of its kind, :func:`derivation_version` and its inputs."""
    text = json.dumps([kind, derivation_version(), *inputs], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _estimate_record(estimate: QualityEstimate) -> str:
    return json.dumps([estimate.score, [[r.code, list(r.words), r.detail] for r in estimate.reasons]],
                      ensure_ascii=False)


def _estimate_from_record(record: str) -> QualityEstimate:
    score, reasons = json.loads(record)
    return QualityEstimate(score, tuple(Reason(code, tuple(words), detail) for code, words, detail in reasons))


def _repair_from_record(record: str) -> tuple[str, list[str]]:
    text, changed = json.loads(record)
    return text, changed


def _recalled(memory: TranslationMemory, kind: str, keys: Sequence[str], read: Callable[[str], T]) -> dict[int, T]:
    """The derived records of ``kind`` the memory keeps under ``keys``, read back, by the key's index."""
    records = memory.recall(kind, keys)
    return {i: read(records[key]) for i, key in enumerate(keys) if key in records}


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
    Apertium pipeline starts loading while the build translates and repairs the outputs)."""
    if getattr(engine, "name", "") in ROUND_TRIP_ENGINES and hasattr(engine, "warm_up") and analysers_installed():
        engine.warm_up(target, source)


def prepare_lexicons(source: str, target: str, *, estimate: bool, enabled: frozenset[str] | None) -> None:
    """Start the analysers the repairs and the estimate will ask (they load while the engine translates)."""
    glue = any(r.name == "split-glued-words" for r in repairs_for("target", target, headline=True, enabled=enabled))
    start_lexicons(*([source, target] if estimate else [target] if glue else []))


def estimate_units(
    units: Sequence[Any], source: str, target: str, engine: Any, memory: TranslationMemory | None = None
) -> PageQuality | None:
    """Estimate each machine-translated unit in place (``unit.quality``) and sum the page up;
    None when the analysers are not installed (nothing is estimated). ``memory``: the build's
    translation memory, for the round trip's back translations and the units' kept estimates."""
    if not analysers_installed():
        return None
    machine = [u for u in units if u.origin == "machine" and plain_text(u.text)]
    if not machine:
        return page_quality([])
    pairs = [(plain_text(u.source), plain_text(u.text)) for u in machine]
    # The engine's unknown-word marks are not passed: Apertium keeps them per process, so they
    # would make a sentence's estimate depend on what else that process translated (and a build
    # served by the memory has none). A word it marked is one it copied from the source, which
    # the estimate finds among the source's own words anyway.
    protected = [[hit.target_form for hit in u.hits] for u in machine]
    found: dict[int, QualityEstimate] = {}
    keys: list[str] = []
    if memory is not None:
        trip = (list(dataclasses.astuple(round_trip_key(engine, source, target)))
                if getattr(engine, "name", "") in ROUND_TRIP_ENGINES else None)
        keys = [record_key("estimate", source, target, pair, kept, trip)
                for pair, kept in zip(pairs, protected, strict=True)]
        found = _recalled(memory, "estimate", keys, _estimate_from_record)
    todo = [i for i in range(len(machine)) if i not in found]
    if todo:
        back = back_translations([pairs[i][1] for i in todo], source, target, engine, memory)
        estimates = estimate_all(
            [pairs[i] for i in todo], running_lexicon(source), running_lexicon(target),
            protected=[protected[i] for i in todo],
            back_translations=back,
        )
        found.update(zip(todo, estimates, strict=True))
        if memory is not None:
            memory.remember("estimate", {keys[i]: _estimate_record(found[i]) for i in todo})
    for index, unit in enumerate(machine):
        unit.quality = found[index]
    return page_quality([found[i] for i in range(len(machine))])


def is_headline(unit: Any) -> bool:
    """A title or heading, or a meta text written like one (og:title in Title Case)."""
    return unit.role in HEADLINE_ROLES or (unit.role == "meta" and looks_title_case(plain_text(unit.source)))


def _document(units: Sequence[Any], attr: str) -> str:
    """The page's text besides its headlines, for document-level truecasing."""
    return " ".join(plain_text(getattr(u, attr)) for u in units if not is_headline(u))


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
        text, changed = repair_tagged(unit.source, "source", lang, headline=is_headline(unit),
                                      context=context, enabled=enabled)
        if changed:
            sent[unit.id] = text
            unit.repairs += [name for name in changed if name not in unit.repairs]
    return sent


def repair_outputs(
    units: Sequence[Any], lang: str, *, enabled: frozenset[str] | None, keep: Sequence[str],
    memory: TranslationMemory | None = None,
) -> None:
    """The ``target`` repairs on each unit's machine output (and on its text while that is the
    machine's); glossary forms (``keep``) are left as they are. ``memory``: the build's
    translation memory, where each unit's repairs are kept and found again."""
    # a sentence the engine left as it was is not repaired (it is still the source's language)
    machine = [u for u in units if u.machine and u.origin in ("machine", "approved")
               and "".join(plain_text(u.machine).split()) != "".join(plain_text(u.source).split())]
    wanted = {r.name for r in repairs_for("target", lang, headline=True, enabled=enabled)}
    if not machine or not wanted:
        return
    use_lexicon = "split-glued-words" in wanted and analysers_installed()
    document = _document(machine, "machine")
    # words the output copied from the source are not the engine's glue: kept as they are
    copied = [tuple(w for w in _COPIED_RE.findall(plain_text(u.source)) if w in u.machine) for u in machine]
    headline = [is_headline(u) for u in machine]
    found: dict[int, tuple[str, list[str]]] = {}
    keys: list[str] = []
    if memory is not None:
        settings = [lang, sorted(enabled) if enabled is not None else None, list(keep), use_lexicon]
        # a headline's repair reads the whole page (truecasing): its key has the page's digest, taken once
        page = hashlib.sha256(document.encode("utf-8")).hexdigest() if any(headline) else ""
        keys = [record_key("repair", *settings, head, page if head else "", list(kept), unit.machine)
                for unit, kept, head in zip(machine, copied, headline, strict=True)]
        found = _recalled(memory, "repair", keys, _repair_from_record)
    todo = [i for i in range(len(machine)) if i not in found]
    lexicon = running_lexicon(lang) if use_lexicon and todo else None
    if lexicon is not None:  # the page's words in one query, not one per sentence (the lexicon keeps them)
        lexicon.lookup(w for i in todo for w in glued_candidates(plain_text(machine[i].machine)))
    for i in todo:
        own = RepairContext(document, (*keep, *copied[i]), lexicon)
        found[i] = repair_tagged(machine[i].machine, "target", lang, headline=headline[i],
                                 context=own, enabled=enabled)
    if memory is not None and todo:
        memory.remember("repair", {keys[i]: json.dumps(found[i], ensure_ascii=False) for i in todo})
    for i, unit in enumerate(machine):
        text, changed = found[i]
        if not changed:
            continue
        if unit.origin == "machine":
            unit.text = text
        unit.machine = text
        unit.repairs += [name for name in changed if name not in unit.repairs]
