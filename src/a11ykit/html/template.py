"""Templates for the HTML a11ykit generates itself (the player, the review page).

This module owns reading the template files shipped in the package
(``a11ykit/html/templates/*.html``, through :mod:`importlib.resources`, so an
installed wheel has them) and filling them in. A template is a
:class:`string.Template`: ``$name`` placeholders, ``$$`` for a dollar sign. Every
value is HTML-escaped when it is put in (quotes too, so a value is safe inside an
attribute), unless it is :class:`Markup`: HTML another template produced, or the
checked contents of a ``<style>``/``<script>`` (:func:`raw_text`). The values must be
exactly the template's placeholders, so a typo is an error rather than a blank.
One trailing newline of a file is dropped, so an editor that adds one changes nothing.
It must not build pages from the article (that is :mod:`a11ykit.html.render`) or hold
any text of its own.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from functools import cache
from html import escape
from importlib import resources


class Markup(str):
    """HTML that is inserted as it is: made by :func:`render` or :func:`raw_text`."""

    __slots__ = ()


@cache
def _template(name: str) -> string.Template:
    text = (resources.files("a11ykit.html") / "templates" / name).read_text(encoding="utf-8")
    template = string.Template(text.removesuffix("\n"))
    if not template.is_valid():
        raise ValueError(f"template {name}: a '$' that is neither a placeholder nor '$$'")
    return template


def placeholders(name: str) -> set[str]:
    """The ``$names`` the template ``name`` needs."""
    return set(_template(name).get_identifiers())


def render(name: str, /, **values: object) -> Markup:
    """The template ``name`` with its placeholders filled in, each value escaped unless Markup."""
    needed = placeholders(name)
    if needed != set(values):
        missing, extra = sorted(needed - set(values)), sorted(set(values) - needed)
        raise TypeError(f"template {name}: missing {missing}, unexpected {extra}")
    filled = {key: v if isinstance(v, Markup) else escape(str(v), quote=True) for key, v in values.items()}
    return Markup(_template(name).substitute(filled))


def escaped(value: str) -> Markup:
    """Plain text as Markup: escaped, to stand among rendered parts."""
    return Markup(escape(value, quote=True))


def join(parts: Iterable[Markup], separator: str = "") -> Markup:
    """Rendered parts one after another (the separator is a literal, not a value)."""
    return Markup(separator.join(parts))


def raw_text(text: str, element: str) -> Markup:
    """Contents for a raw-text element (``style``, ``script``), which cannot be escaped:
    refused if they could end the element early or open a comment."""
    if re.search(rf"</{element}|<!--", text, re.IGNORECASE):
        raise ValueError(f"the contents of <{element}> contain '</{element}' or '<!--'")
    return Markup(text)
