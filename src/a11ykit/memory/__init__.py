"""The translation memory: sentences translated once across a whole site.

* :class:`TranslationMemory` — the SQLite store (:mod:`a11ykit.memory.store`);
* :func:`translate_with_memory` — what the translate stage calls instead of the engine;
* :func:`translate_back` — the quality estimate's round trips (raw back translations), kept there too;
* TMX 1.4b export and import (:mod:`a11ykit.memory.tmx`).
"""

from a11ykit.memory.store import (
    Approved,
    ApprovedEntry,
    Hit,
    MachineEntry,
    MemoryKey,
    MemoryStats,
    TranslationMemory,
    canonical,
)
from a11ykit.memory.translate import MemoryResult, translate_back, translate_with_memory

__all__ = [
    "Approved",
    "ApprovedEntry",
    "Hit",
    "MachineEntry",
    "MemoryKey",
    "MemoryResult",
    "MemoryStats",
    "TranslationMemory",
    "canonical",
    "translate_back",
    "translate_with_memory",
]
