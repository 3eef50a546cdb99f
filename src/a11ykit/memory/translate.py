"""Translate through the memory: the engine sees only the sentences the memory lacks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from a11ykit.memory.store import MemoryKey, TranslationMemory, canonical


class Translates(Protocol):
    """The one method of a translation engine the memory needs."""

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]: ...


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
