"""Translate through the memory: the engine sees only the sentences the memory lacks.

:func:`translate_with_memory` for translations, :func:`translate_back` for the quality
estimate's round trips (raw back translations of output texts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from a11ykit.memory.store import MemoryKey, TranslationMemory, canonical
from a11ykit.text import tagged


class Translates(Protocol):
    """The one method of a translation engine the memory needs."""

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]: ...


class TranslatesBack(Translates, Protocol):
    """An engine that can say whether it covers a pair (asked only when the memory lacks something)."""

    def supports(self, source: str, target: str) -> bool: ...


@dataclass(frozen=True)
class MemoryResult:
    """One translation per input sentence, in order, and where each came from."""

    translations: list[str]
    origins: list[str]  # "approved", "memory" (machine output kept earlier) or "engine"

    @property
    def from_memory(self) -> int:
        """Sentences served by the memory (approved or machine), not by the engine."""
        return sum(origin != "engine" for origin in self.origins)

    @property
    def from_engine(self) -> int:
        return self.origins.count("engine")


def translate_with_memory(
    engine: Translates, sentences: Sequence[str], memory: TranslationMemory, key: MemoryKey
) -> MemoryResult:
    """Translate ``sentences`` (tagged source) from ``key.source_lang`` to ``key.target_lang``.

    An approved translation wins, then machine output kept under ``key``; the other
    sentences go to ``engine`` in ONE ``translate`` call, each distinct sentence once, and
    what it returns is kept under ``key``. ``engine`` is anything with the engine's
    ``translate(texts, source, target)``: the translate stage passes its own locking
    translator so that the memory keeps finished (unlocked, repaired) translations.

    If the engine returns the wrong number of outputs, each missing sentence is sent on its
    own (as :class:`a11ykit.translate.translator.Translator` does); only outputs matched for certain are
    kept, and an empty output is returned but never kept. Engine output is returned in
    canonical tagged form (:func:`~a11ykit.memory.store.canonical`), as the memory serves it
    later, so a warm run gives exactly what the cold run gave.
    """
    hits = memory.lookup(key, sentences)
    missing = list(dict.fromkeys(s for s in sentences if s not in hits))
    fresh: dict[str, str] = {}
    sure: dict[str, str] = {}
    if missing:
        outputs = engine.translate(list(missing), key.source_lang, key.target_lang)
        if isinstance(outputs, (list, tuple)) and len(outputs) == len(missing):
            fresh = dict(zip(missing, (str(o) for o in outputs), strict=True))
            sure = dict(fresh)
        else:
            for sentence in missing:
                single = engine.translate([sentence], key.source_lang, key.target_lang)
                fresh[sentence] = str(single[0]) if isinstance(single, (list, tuple)) and single else ""
                if isinstance(single, (list, tuple)) and len(single) == 1:
                    sure[sentence] = fresh[sentence]
        memory.store_machine(key, sure)
    translations, origins = [], []
    for sentence in sentences:
        hit = hits.get(sentence)
        if hit is not None:
            translations.append(hit.target)
            origins.append("approved" if hit.origin == "approved" else "memory")
        else:
            translations.append(canonical(fresh[sentence]))
            origins.append("engine")
    return MemoryResult(translations, origins)


def translate_back(
    engine: TranslatesBack, outputs: Sequence[str], memory: TranslationMemory, key: MemoryKey
) -> list[str] | None:
    """Each output (plain text, in ``key.source_lang``) translated back into ``key.target_lang``
    as the engine does it raw (no glossary lock, no repair), as plain text: the quality
    estimate's round trip.

    ``key`` is a back translation key (:func:`a11ykit.memory.units.round_trip_key`), so the
    memory serves only raw back translations by this engine and version of this exact text,
    never an approved translation nor a glossary-locked one. The outputs it lacks go to
    ``engine`` in ONE call, each distinct output once, as plain text (what the engine gets
    without a memory), and are kept. The memory keeps each output as tagged text
    (:func:`a11ykit.text.tagged.escape`: its plain text is the output exactly) and the engine's
    answer as it came; both paths return the answer's :func:`~a11ykit.text.tagged.plain`, so
    a round trip served by the memory is the one the engine gave.

    None (no round trip) when outputs are missing and the engine does not cover the pair, or
    returns another number of texts than it was given. When the memory has them all, the
    engine is not asked anything: an entry under this engine's name and version is proof
    enough that it covers the pair.
    """
    if not key.back_translation:
        raise ValueError(f"not a back translation key: {key}")
    kept = {output: tagged.escape(output) for output in outputs}
    hits = memory.lookup(key, list(kept.values()), approved=False)
    missing = list(dict.fromkeys(o for o in outputs if kept[o] not in hits))
    fresh: dict[str, str] = {}
    if missing:
        if not engine.supports(key.source_lang, key.target_lang):
            return None
        answers = engine.translate(missing, key.source_lang, key.target_lang)
        if not isinstance(answers, (list, tuple)) or len(answers) != len(missing):
            return None
        fresh = dict(zip(missing, (str(a) for a in answers), strict=True))
        memory.store_machine(key, {kept[o]: answer for o, answer in fresh.items()})
    return [tagged.plain(fresh[o] if o in fresh else hits[kept[o]].target) for o in outputs]
