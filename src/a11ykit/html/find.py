"""Finding elements of a parsed page in one walk of its tree.

Beautiful Soup's ``find`` and ``find_all`` match each element through its general filters: 1–3
ms a call on a news page when an attribute is asked for or nothing is found, and a build asks
about forty such questions (58 ms of a one-paragraph rebuild of the site benchmark's median
article). These helpers walk the elements once and test names and attributes directly, as
those calls match them: a multi-valued attribute (``class``, ``rel``) holds a value when one
of its tokens is that value. This module only reads the tree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from bs4 import Tag


def elements(root: Tag) -> Iterator[Tag]:
    """The elements inside ``root``, in document order (``root.find_all(True)``)."""
    for node in root.descendants:
        if isinstance(node, Tag):
            yield node


def tokens(element: Tag, attribute: str) -> list[str]:
    """An attribute's tokens: a multi-valued one's values, another's words; [] when absent."""
    value = element.get(attribute)
    if value is None:
        return []
    return value.split() if isinstance(value, str) else [str(v) for v in value]


def has_token(element: Tag, attribute: str, token: str) -> bool:
    """Whether the attribute holds ``token`` (``find(attribute=token)`` for ``class``, ``rel``)."""
    return token in tokens(element, attribute)


def matches_token(element: Tag, attribute: str, pattern: re.Pattern[str]) -> bool:
    """Whether a token of the attribute, or all of them as written, matches ``pattern``
    (``find(attribute=re.compile(...))``)."""
    words = tokens(element, attribute)
    return any(pattern.search(word) for word in words) or (len(words) > 1 and bool(pattern.search(" ".join(words))))


def first(root: Tag, *tests: Callable[[Tag], bool]) -> Tag | None:
    """The first element that passes ``tests[0]``, else the first that passes ``tests[1]``, …:
    ``root.find(a) or root.find(b) or …`` in one walk."""
    found: list[Tag | None] = [None] * len(tests)
    for element in elements(root):
        for index, test in enumerate(tests):
            if found[index] is None and test(element):
                if index == 0:
                    return element
                found[index] = element
    return next((element for element in found if element is not None), None)


def named(name: str) -> Callable[[Tag], bool]:
    """A test for :func:`first`: the element's name is ``name``."""
    return lambda element: element.name == name
