"""a11ykit: make one news article readable by more people.

Translated pages under a locked glossary, narrated audio, translator review. The public
face is :func:`build` (the same path ``a11ykit build`` takes, see :mod:`a11ykit.api`), the
:class:`Article` it returns (its units, summary and problems; :meth:`Article.save` writes
the outputs) and the errors::

    import a11ykit
    article = a11ykit.build("examples/cecot.html", to="es")
    print(article.summary.violations, article.units[0].text)
    article.save("out/", audio=False)

This module only names those. ``build`` is resolved on first use, so a process that needs
one part (a speech worker, the page side) does not load the whole library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from a11ykit.article import Article, Problem, Summary, Unit
from a11ykit.deferred import defer
from a11ykit.errors import A11yKitError, EngineError, GlossaryError, InputError, OutputError

if TYPE_CHECKING:
    from a11ykit.api import build

__version__ = "0.1.0"

defer("soupsieve")  # Beautiful Soup's CSS selectors: only the EPUB uses them (see a11ykit.deferred)

__all__ = [
    "A11yKitError",
    "Article",
    "EngineError",
    "GlossaryError",
    "InputError",
    "OutputError",
    "Problem",
    "Summary",
    "Unit",
    "__version__",
    "build",
]


def __getattr__(name: str) -> Any:
    if name == "build":
        from a11ykit.api import build

        return build
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
