"""The translate stage through the memory: a :class:`Translator` that asks the memory first.

:class:`RememberingTranslator` looks each unique sentence up (machine output under the
build's :class:`~a11ykit.memory.store.MemoryKey`), sends only the rest to the engine, with
the translator's usual locking, verification and repairs, and keeps the finished
translations with their flags. Term hits of a sentence served from the memory are found
again by locking its source, as a translation by the engine would have found them.
:func:`memory_key` is the key a build uses: engine name and version, language pair and a
hash of the glossary (with its overrides applied) the sentences are locked with;
:func:`round_trip_key` the key of the quality estimate's back translations.

This module joins the memory to the translator; it must not know pages, catalogs or files.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from a11ykit.memory.store import BACK_TRANSLATION, Approved, MemoryKey, TranslationMemory, bare_version
from a11ykit.terms.base import Glossary
from a11ykit.text import tagged
from a11ykit.translate.engines.base import Engine
from a11ykit.translate.translator import Translated, Translator


def glossary_version(glossary: Glossary) -> str:
    """A hash of every term (overrides applied): a glossary change is a memory miss."""
    return hashlib.sha256(repr(glossary.terms).encode("utf-8")).hexdigest()[:16]


def engine_version(engine: Engine) -> str:
    """The engine's version as the memory keys it: its description without its name in front."""
    return bare_version(engine.name, engine.describe())


def memory_key(engine: Engine, glossary: Glossary, source: str, target: str) -> MemoryKey:
    return MemoryKey(engine.name, engine_version(engine), source, target, glossary_version(glossary))


def round_trip_key(engine: Engine, source: str, target: str) -> MemoryKey:
    """The key of the raw back translations of a ``source`` → ``target`` build's outputs: this
    engine and version, the reverse pair (``target`` → ``source``), no glossary
    (:data:`~a11ykit.memory.store.BACK_TRANSLATION`)."""
    return MemoryKey(engine.name, engine_version(engine), target, source, BACK_TRANSLATION)


@dataclass
class MemoryUse:
    """What the memory did for one build; the report's ``memory``."""

    path: str
    from_memory: int = 0  # unique sentences whose machine output the memory served
    from_engine: int = 0  # unique sentences sent to the engine
    approved_from_memory: int = 0  # units given a translation approved in another catalog


class RememberingTranslator(Translator):
    """A :class:`Translator` whose engine is asked only for what ``memory`` lacks."""

    def __init__(
        self, engine: Engine, glossary: Glossary, source: str, target: str, memory: TranslationMemory
    ) -> None:
        super().__init__(engine, glossary, source, target)
        self.memory = memory
        self.key = memory_key(engine, glossary, source, target)
        self.use = MemoryUse(str(memory.path))

    def translate_texts(self, texts: Sequence[str]) -> dict[str, Translated]:
        hits = self.memory.lookup(self.key, texts, approved=False)
        missing = list(dict.fromkeys(t for t in texts if t not in hits))
        done: dict[str, Translated] = super().translate_texts(missing) if missing else {}
        self.memory.store_machine(
            self.key, {s: t.text for s, t in done.items()}, flags={s: t.flags for s, t in done.items()}
        )
        for text, hit in hits.items():
            spaced, _ = tagged.space_out(text)
            done[text] = Translated(hit.target, list(hit.flags), self.locker.term_hits(spaced))
        self.use.from_memory += len(set(hits))
        self.use.from_engine += len(missing)
        return done

    def approved_elsewhere(self, sources: Sequence[str]) -> dict[str, str]:
        """Source → a translation approved in some catalog, as the memory keeps it."""
        return {s: h.target for s, h in self.memory.lookup(self.key, sources).items() if h.origin == "approved"}

    def keep_approved(self, approved: Mapping[str, str], catalog: str) -> int:
        """Keep this catalog's approved translations (source → target) in the memory."""
        return self.memory.store_approved(
            self.source, self.target, [Approved(s, t, catalog) for s, t in approved.items()]
        )
