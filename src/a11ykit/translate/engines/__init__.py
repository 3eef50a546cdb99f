"""Translation engines behind one small interface.

An engine translates a batch of one-line strings from one language to another.
Heavy imports happen inside the engine modules, only when an engine is used.

Engines translate strings; they must not know pages, glossaries, catalogs or files of the build.
"""

from __future__ import annotations

from a11ykit.translate.engines.base import Engine, available_engines, create_engine, select_engine

__all__ = ["Engine", "available_engines", "create_engine", "select_engine"]
