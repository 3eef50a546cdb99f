"""The engine interface and the plain dict of engines.

Contract of :meth:`Engine.translate`:

* input: one-line strings (no newline or tab, whitespace collapsed). They may hold
  inline tags ``<1>…</1>`` (see :mod:`a11ykit.text.tagged`) and *lock tokens* — plain
  words such as ``QZXA`` (:data:`LOCK_TOKEN_RE`) that stand for glossary terms,
  numbers and atomic markup and must come back unchanged.
* output: one string per input, same order. An engine does its best to keep tags
  and lock tokens; the pipeline checks every segment and falls back when it did not
  (lost, repeated, moved, re-cased or glued tokens, broken tags, empty strings, a
  wrong number of outputs: none of it raises).
* one ``translate`` call should cost one engine invocation for the whole batch
  (one process, one ``translate_batch``), never one per sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

from a11ykit.errors import EngineError

#: What a lock token looks like: "QZX" and capital letters. Engines treat them as unknown proper
#: nouns. This is the *shape* only; reading an engine's output goes by :func:`token_pattern`,
#: which matches exactly the tokens that were issued for that text.
LOCK_TOKEN_RE = re.compile(r"(?<![\w])QZX([A-Z]+)(?![\w])", re.IGNORECASE)
LOCK_PREFIX = "QZX"


def lock_token(index: int) -> str:
    """The index-th lock token: QZXA, QZXB, … QZXZ, QZXAA, QZXAB, … (letters only)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return LOCK_PREFIX + letters


def lock_tokens(count: int) -> list[str]:
    """``count`` tokens for one text, all of the same length (QZXA…QZXZ for up to 26, then
    QZXAA…QZXZZ, …): no token is the start of another, so a token an engine glued to a
    word ("QZXAyes") is still read as that token followed by the word."""
    width, first = 1, 0
    while 26**width < count:
        first += 26**width
        width += 1
    return [lock_token(first + i) for i in range(count)]


def token_pattern(tokens: Sequence[str]) -> re.Pattern[str] | None:
    """A pattern that finds exactly these tokens, in any case, even glued to letters or digits."""
    if not tokens:
        return None
    alternatives = sorted({re.escape(t) for t in tokens}, key=len, reverse=True)
    return re.compile("|".join(alternatives), re.IGNORECASE)


@runtime_checkable
class Engine(Protocol):
    name: str

    def supports(self, source: str, target: str) -> bool:
        """Whether this engine, as installed, covers the pair."""
        ...

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        """Translate a batch; see the module docstring for the contract."""
        ...

    def describe(self) -> str:
        """Engine and model with versions, for reports and PO comments."""
        ...


EngineFactory = Callable[[], Engine]


def _apertium() -> Engine:
    from a11ykit.translate.engines.apertium import ApertiumEngine

    return ApertiumEngine()


def _argos() -> Engine:
    from a11ykit.translate.engines.argos import ArgosEngine

    return ArgosEngine()


#: name → factory; the order is the order of preference for ``auto``.
ENGINES: dict[str, EngineFactory] = {"argos": _argos, "apertium": _apertium}

INSTALL_HINTS = {
    "apertium": "install Apertium with 'apt-get install apertium apertium-eng-spa'",
    "argos": "install an Argos model with 'a11ykit models install en es' "
    "(or 'a11ykit models install FILE.argosmodel')",
}


def available_engines() -> list[str]:
    return list(ENGINES)


def create_engine(name: str) -> Engine:
    try:
        factory = ENGINES[name]
    except KeyError:
        raise EngineError(
            f"unknown engine {name!r}; choose one of: auto, {', '.join(ENGINES)}",
            code="A11Y301",
        ) from None
    return factory()


def select_engine(name: str, source: str, target: str, warnings: list[str] | None = None) -> Engine:
    """The engine to use for a pair: the named one, or for ``auto`` the first that covers it and loads.

    An engine with a ``load(source, target)`` method (Argos) loads its model here, so a broken
    installed package is found before any work: a named engine then fails with its one-line
    error; ``auto`` goes on to the next engine and appends why to ``warnings``.
    """
    if name != "auto":
        engine = create_engine(name)
        if not engine.supports(source, target):
            raise EngineError(
                f"the {name} engine cannot translate {source} → {target} here; {INSTALL_HINTS[name]}",
                code="A11Y302",
            )
        _load(engine, source, target)
        return engine
    unusable: list[str] = []
    for candidate in ENGINES:
        try:
            engine = create_engine(candidate)
        except EngineError:
            continue
        if not engine.supports(source, target):
            continue
        try:
            _load(engine, source, target)
        except EngineError as exc:
            unusable.append(f"the {candidate} engine is installed for {source} → {target} but failed to load: {exc}")
            continue
        if warnings is not None:
            warnings.extend(f"{problem}; translating with {engine.name} instead" for problem in unusable)
        return engine
    hints = "; or ".join(INSTALL_HINTS[n] for n in ENGINES)
    why = "".join(f"{problem}; " for problem in unusable)
    raise EngineError(f"no engine can translate {source} → {target}: {why}{hints}", code="A11Y303")


def _load(engine: Engine, source: str, target: str) -> None:
    load = getattr(engine, "load", None)
    if load is not None:
        load(source, target)
