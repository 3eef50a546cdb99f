"""Modules imported on their first use instead of when a module that names them is imported.

Beautiful Soup imports soupsieve (its CSS selectors) when it is imported itself, and
soupsieve compiles its regular expressions then: 30–55 ms of every a11ykit process, which
selects with CSS only to write an EPUB. :func:`defer` puts a stand-in for such a module in
``sys.modules``; the first attribute anybody reads of it (``soupsieve.select``, ``from
soupsieve import SoupSieve``, a submodule's import) imports the real module, which then
replaces the stand-in there, and the stand-in passes every later read on to it.

:func:`import_beside` imports modules ahead instead, on a thread of their own: a build has what
its narration needs imported while it waits for its engine, not on its own thread after.

This module must not defer a module that is imported already or not installed, and
imports nothing else of a11ykit.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types
from collections.abc import Iterable
from typing import Any

_LOCK = threading.RLock()


class DeferredModule(types.ModuleType):
    """Stands in for a module until an attribute of it is read (see the module doc)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_load(self.__name__), name)


def _load(name: str) -> types.ModuleType:
    with _LOCK:
        if isinstance(sys.modules.get(name), DeferredModule):
            del sys.modules[name]
        return importlib.import_module(name)


def defer(name: str) -> None:
    """Import the top-level module ``name`` on its first use (nothing if it is imported
    already or not installed)."""
    with _LOCK:
        if name in sys.modules:
            return
        spec = importlib.util.find_spec(name)
        if spec is None:
            return
        stand_in = DeferredModule(name)
        stand_in.__spec__ = spec  # what importlib.util.find_spec answers for a module imported already
        sys.modules[name] = stand_in


def import_beside(names: Iterable[str]) -> threading.Thread:
    """Import the modules ``names`` on a thread of their own, now. One that fails to import is
    left to its first use to report."""

    def run() -> None:
        for name in names:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - reported where it is used
                continue

    thread = threading.Thread(target=run, name="a11ykit-imports", daemon=True)
    thread.start()
    return thread
