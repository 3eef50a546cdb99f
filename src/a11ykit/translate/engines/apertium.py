"""Apertium (Debian ``apertium-eng-spa``): rule-based, fully offline.

The whole batch goes through one ``apertium`` process in HTML format: each text
becomes a ``<p>`` and inline tags become ``<span data-i="N">`` (Apertium keeps
tags as "superblanks"; unknown tag names make it capitalise the next word, spans
don't). Apertium runs without ``-u``: it marks the words it does not know (``*word``,
``@word``, ``#word``); the marks are taken off here and the words kept in
:attr:`ApertiumEngine.unknown_words` (the quality estimate's ``engine_unknown``).

An empty inline element nested in another one (``<1><2></2></1>``, ``<1><2></2>Watch</1>``)
makes Apertium 3.8's HTML mode print "." and stop translating the rest of the batch ("open
word-bound blanks"). Such elements never go to Apertium: they are taken out of the text and put
back after, in the same parent, at the start, the end or the same share of its words.

Starting Apertium's pipeline (a dozen processes loading their data) is most of what a small
batch costs. :meth:`ApertiumEngine.warm_up` starts it ahead of a call the caller knows is coming
(a one-article rebuild's new sentences, the round trip of its new outputs), so the loading runs
beside the build's own work; the call then writes its batch to that process. Each call still
has a process of its own, so its output is the same as a fresh ``apertium`` run's. At most one
such waiting process per mode is kept in a process; what is left waiting at exit is stopped.

This module owns talking to Apertium; it must not lock, verify or repair (the translator does).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import html
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Sequence
from typing import NamedTuple

from a11ykit.errors import EngineError
from a11ykit.quality.estimate import strip_unknown_marks
from a11ykit.translate.engines.base import LOCK_TOKEN_RE

MODES = {("en", "es"): "eng-spa", ("es", "en"): "spa-eng"}
TIMEOUT_SECONDS = 300

_TAG_RE = re.compile(r"<(/?)(\d+)>")
_WIRE_RE = re.compile(r'<span data-i="(\d+)">|</span>')
_PARAGRAPH_RE = re.compile(r"<p>(.*?)</p>", re.DOTALL)

#: Pipelines started ahead of a call, waiting for their batch: (executable, mode) → process.
_WAITING: dict[tuple[str, str], subprocess.Popen[str]] = {}
_WAITING_LOCK = threading.Lock()


def _start(executable: str, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [executable, "-f", "html", mode],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _take_waiting(executable: str, mode: str) -> subprocess.Popen[str] | None:
    with _WAITING_LOCK:
        process = _WAITING.pop((executable, mode), None)
    if process is not None and process.poll() is not None:  # it died waiting (a Ctrl-C): not used
        _stop(process)
        return None
    return process


def _stop(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(OSError):
        process.kill()
    with contextlib.suppress(OSError, subprocess.TimeoutExpired):
        process.communicate(timeout=5)


@atexit.register
def stop_waiting() -> None:
    """Stop the pipelines no call used."""
    with _WAITING_LOCK:
        waiting = list(_WAITING.values())
        _WAITING.clear()
    for process in waiting:
        _stop(process)


@functools.lru_cache(maxsize=8)
def _installed_modes(executable: str, changed: int) -> frozenset[str]:
    """The modes ``apertium -l`` lists (asked once per process and executable, ``changed``
    being its modification time: a site's articles and their round trips all ask)."""
    try:
        out = subprocess.run([executable, "-l"], capture_output=True, text=True, timeout=30, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    return frozenset(line.strip() for line in out.splitlines() if line.strip())


@functools.cache
def _package_version(package: str) -> str:
    """The Debian package's installed version ("" if unknown), asked once per process."""
    try:
        out = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.strip()


class ApertiumEngine:
    name = "apertium"

    def __init__(self, executable: str = "apertium") -> None:
        self.executable = shutil.which(executable) or ""
        #: Every word Apertium marked unknown in this engine's outputs so far (lock tokens aside).
        self.unknown_words: set[str] = set()
        self._described: str | None = None

    def supports(self, source: str, target: str) -> bool:
        mode = MODES.get((source, target))
        return bool(self.executable and mode and mode in self._installed_modes())

    def _installed_modes(self) -> frozenset[str]:
        try:
            changed = os.stat(self.executable).st_mtime_ns
        except OSError:
            return frozenset()
        return _installed_modes(self.executable, changed)

    def warm_up(self, source: str, target: str) -> None:
        """Start the pipeline of the pair now, for the next :meth:`translate` of that pair (see
        the module doc); nothing if one is waiting already or the pair is not Apertium's."""
        mode = MODES.get((source, target))
        if mode is None or not self.executable:
            return
        with _WAITING_LOCK:
            if (self.executable, mode) in _WAITING:
                return
            _WAITING[(self.executable, mode)] = _start(self.executable, mode)

    def describe(self) -> str:
        if self._described is None:
            self._described = f"apertium apertium-eng-spa {_package_version('apertium-eng-spa')}".strip()
        return self._described

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        if not texts:
            return []
        mode = MODES.get((source, target))
        if mode is None:
            raise EngineError(f"apertium has no {source} → {target} mode", code="A11Y304")
        if not self.executable:
            raise EngineError("apertium is not installed; apt-get install apertium apertium-eng-spa", code="A11Y302")
        taken = [_take_empty_nested(t) for t in texts]
        document = "".join(f"<p>{_to_wire(t)}</p>\n" for t, _ in taken)
        process = _take_waiting(self.executable, mode) or _start(self.executable, mode)
        try:
            stdout, stderr = process.communicate(document, timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            _stop(process)
            raise EngineError(f"apertium did not finish within {TIMEOUT_SECONDS} s", code="A11Y305") from None
        except BaseException:
            _stop(process)
            raise
        if process.returncode != 0:
            detail = " ".join(stderr.split())[:200]
            raise EngineError(f"apertium {mode} failed (exit {process.returncode}): {detail}", code="A11Y305")
        outputs = _PARAGRAPH_RE.findall(stdout)
        if len(outputs) != len(texts):
            raise EngineError(
                f"apertium returned {len(outputs)} paragraphs for {len(texts)} inputs", code="A11Y305"
            )
        results = []
        for output, original, (_, empties) in zip(outputs, texts, taken, strict=True):
            marked: list[str] = []
            text = _fix_initial_case(_from_wire(output, original, marked), original)
            self.unknown_words.update(w for w in marked if not LOCK_TOKEN_RE.fullmatch(w))
            results.append(_put_back_empty(text, empties))
        return results


_TAGS_RE = re.compile(r"<(/?)(\d+)>")


class _Empty(NamedTuple):
    """An empty element taken out: its markup, its parent's number ("" at the top), and where
    it stood among the parent's own words (``before`` of ``total``)."""

    markup: str
    parent: str
    before: int
    total: int


def _take_empty_nested(text: str) -> tuple[str, list[_Empty]]:
    """The text without its empty elements that are nested in, or hold, another element."""
    spans = _empty_elements(text)
    if not spans:
        return text, []
    kept: list[str] = []
    places: list[tuple[str, str, int]] = []  # (markup, parent, char offset in the text left)
    pos = 0
    for start, end, parent in spans:
        kept.append(text[pos:start])
        markup = (" " if text[start - 1 : start].isspace() else "") + text[start:end]
        places.append((markup + (" " if text[end : end + 1].isspace() else ""), parent, len("".join(kept))))
        pos = end
    kept.append(text[pos:])
    rest = "".join(kept)
    empties = []
    for markup, parent, offset in places:
        before, total = _parent_words(rest, parent, offset)
        empties.append(_Empty(markup, parent, before, total))
    return rest, empties


def _empty_elements(text: str) -> list[tuple[int, int, str]]:
    """(start, end, parent) of the outermost empty elements that are nested or hold another element."""
    stack: list[tuple[str, int, bool, bool]] = []  # (number, start, has words, has children)
    found: list[tuple[int, int, str]] = []
    pos = 0
    for m in _TAGS_RE.finditer(text):
        if stack and text[pos : m.start()].strip():
            stack = [(n, s, True, c) for n, s, _, c in stack]
        pos = m.end()
        if not m.group(1):
            if stack:
                number, start, words, _ = stack[-1]
                stack[-1] = (number, start, words, True)
            stack.append((m.group(2), m.start(), False, False))
        elif stack and stack[-1][0] == m.group(2):
            number, start, words, children = stack.pop()
            parent = stack[-1][0] if stack else ""
            if not words and (parent or children):
                found = [f for f in found if not start <= f[0] < m.end()] + [(start, m.end(), parent)]
        else:
            return []  # not well nested: leave the text alone
    return sorted(found)


def _parent_words(text: str, parent: str, offset: int) -> tuple[int, int]:
    """How many of the parent's own words stand before ``offset``, and how many it has."""
    before = total = 0
    for start, chunk in _own_chunks(text, parent):
        for w in re.finditer(r"\S+", chunk):
            total += 1
            before += start + w.end() <= offset
    return before, total


def _own_chunks(text: str, parent: str) -> list[tuple[int, str]]:
    """(offset, text) of the chunks directly inside the parent element (the top level for "")."""
    depth_target = None if parent else 0
    depth = 0
    chunks: list[tuple[int, str]] = []
    pos = 0
    for m in _TAGS_RE.finditer(text):
        if depth_target is not None and depth == depth_target:
            chunks.append((pos, text[pos : m.start()]))
        if m.group(1):
            depth -= 1
            if depth_target is not None and depth < depth_target:
                return chunks
        else:
            depth += 1
            if depth_target is None and m.group(2) == parent:
                depth_target = depth
        pos = m.end()
    if depth_target is not None and depth == depth_target:
        chunks.append((pos, text[pos:]))
    return chunks


def _put_back_empty(text: str, empties: list[_Empty]) -> str:
    """Each empty element back in its parent of the translation: at the start or the end when it
    was there, else after the same share of the parent's words (the end if the parent is gone)."""
    for empty in empties:
        offset = _insertion_point(text, empty)
        text = text[:offset] + empty.markup + text[offset:]
    return " ".join(text.split()) if empties else text


def _insertion_point(text: str, empty: _Empty) -> int:
    chunks = _own_chunks(text, empty.parent)
    if empty.parent and f"<{empty.parent}>" not in text:
        return len(text)
    if empty.before == 0:
        opening = text.find(f"<{empty.parent}>")
        return opening + len(f"<{empty.parent}>") if empty.parent else 0
    words = [(start + w.start(), start + w.end()) for start, chunk in chunks for w in re.finditer(r"\S+", chunk)]
    if empty.before >= empty.total or not words:
        if empty.parent:
            closing = text.find(f"</{empty.parent}>")
            return closing if closing >= 0 else len(text)
        return len(text)
    index = min(len(words), max(1, round(empty.before * len(words) / empty.total)))
    return words[index - 1][1]


_INITIAL_TOKEN_RE = re.compile(r"^((?:<\d+>|[“\"'¿¡(])*QZX[A-Z]+(?:</\d+>)*[,:]? )(\w+)", re.IGNORECASE)


def _fix_initial_case(output: str, original: str) -> str:
    """Apertium moves a sentence's initial capital from an unknown first word (a lock
    token) to the next word: "QZXA was built" → "QZXA Estuvo construido". Undo that
    when the source's next word was lower case."""
    source = _INITIAL_TOKEN_RE.match(original)
    target = _INITIAL_TOKEN_RE.match(output)
    if source and target and source.group(2)[:1].islower():
        word = target.group(2)
        if word[:1].isupper() and not word.isupper():
            return output[: target.start(2)] + word[0].lower() + word[1:] + output[target.end(2) :]
    return output


def _to_wire(text: str) -> str:
    """Tagged text → Apertium's HTML input: escape the words, tags as spans."""
    parts: list[str] = []
    pos = 0
    for m in _TAG_RE.finditer(text):
        parts.append(html.escape(text[pos : m.start()], quote=False))
        parts.append("</span>" if m.group(1) else f'<span data-i="{m.group(2)}">')
        pos = m.end()
    parts.append(html.escape(text[pos:], quote=False))
    return "".join(parts)


def _from_wire(output: str, original: str, marked: list[str]) -> str:
    """Apertium's HTML output → tagged text; closing spans are matched by nesting."""
    parts: list[str] = []
    stack: list[str] = []
    pos = 0
    for m in _WIRE_RE.finditer(output):
        parts.append(_words(output[pos : m.start()], original, marked))
        if m.group(1):
            stack.append(m.group(1))
            parts.append(f"<{m.group(1)}>")
        elif stack:
            parts.append(f"</{stack.pop()}>")
        pos = m.end()
    parts.append(_words(output[pos:], original, marked))
    text = " ".join("".join(parts).split())
    # Apertium's HTML mode puts a space after opening punctuation: "“ Sobreviví".
    text = _OPENING_SPACE_RE.sub(lambda m: m.group(1) if m.group(0) not in original else m.group(0), text)
    # Apertium sometimes splits one span in two around a reordered word: "<1>a</1> <1>b</1>".
    return _SPLIT_SPAN_RE.sub(r"\2", text)


_OPENING_SPACE_RE = re.compile(r"([“«¿¡(]) (?=\w)")
_SPLIT_SPAN_RE = re.compile(r"</(\d+)>(\s*)<\1>")


def _words(chunk: str, original: str, marked: list[str]) -> str:
    text, words = strip_unknown_marks(html.unescape(chunk), original)
    marked.extend(words)
    # a mark on an unknown symbol ("*·"): the symbol kept, no word to keep
    text = _SYMBOL_MARK_RE.sub(lambda m: m.group(0) if m.group(0) in original else m.group(0)[1:], text)
    # Apertium's HTML mode can leak its own private-use marks (U+E013 after an empty span).
    text = _PRIVATE_USE_RE.sub(lambda m: m.group(0) if m.group(0) in original else "", text)
    return text.replace("\n", " ").replace("\t", " ")


_PRIVATE_USE_RE = re.compile("[\ue000-\uf8ff]")
_SYMBOL_MARK_RE = re.compile(r"(?<![\w*#@])[*#@][^\s\w*#@]")
