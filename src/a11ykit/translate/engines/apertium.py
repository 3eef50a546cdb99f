"""Apertium (Debian ``apertium-eng-spa``): rule-based, fully offline.

The whole batch goes through one ``apertium`` process in HTML format: each text
becomes a ``<p>`` and inline tags become ``<span data-i="N">`` (Apertium keeps
tags as "superblanks"; unknown tag names make it capitalise the next word, spans
don't). ``-u`` stops it from marking unknown words with ``*``.

This module owns talking to Apertium; it must not lock, verify or repair (the translator does).
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from collections.abc import Sequence

from a11ykit.errors import EngineError

MODES = {("en", "es"): "eng-spa", ("es", "en"): "spa-eng"}
TIMEOUT_SECONDS = 300

_TAG_RE = re.compile(r"<(/?)(\d+)>")
_WIRE_RE = re.compile(r'<span data-i="(\d+)">|</span>')
_PARAGRAPH_RE = re.compile(r"<p>(.*?)</p>", re.DOTALL)
_MARKS_RE = re.compile(r"(?<![\w])[*#@~](?=\w)")


class ApertiumEngine:
    name = "apertium"

    def __init__(self, executable: str = "apertium") -> None:
        self.executable = shutil.which(executable) or ""

    def supports(self, source: str, target: str) -> bool:
        mode = MODES.get((source, target))
        return bool(self.executable and mode and mode in self._installed_modes())

    def _installed_modes(self) -> set[str]:
        try:
            out = subprocess.run(
                [self.executable, "-l"], capture_output=True, text=True, timeout=30, check=False
            ).stdout
        except (OSError, subprocess.TimeoutExpired):
            return set()
        return {line.strip() for line in out.splitlines() if line.strip()}

    def describe(self) -> str:
        version = ""
        try:
            out = subprocess.run(
                ["dpkg-query", "-W", "-f=${Version}", "apertium-eng-spa"],
                capture_output=True, text=True, timeout=10, check=False,
            )
            version = out.stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            pass
        return f"apertium apertium-eng-spa {version}".strip()

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        if not texts:
            return []
        mode = MODES.get((source, target))
        if mode is None:
            raise EngineError(f"apertium has no {source} → {target} mode", code="A11Y304")
        if not self.executable:
            raise EngineError("apertium is not installed; apt-get install apertium apertium-eng-spa", code="A11Y302")
        document = "".join(f"<p>{_to_wire(t)}</p>\n" for t in texts)
        try:
            done = subprocess.run(
                [self.executable, "-f", "html", "-u", mode],
                input=document, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False,
            )
        except subprocess.TimeoutExpired:
            raise EngineError(f"apertium did not finish within {TIMEOUT_SECONDS} s", code="A11Y305") from None
        if done.returncode != 0:
            detail = " ".join(done.stderr.split())[:200]
            raise EngineError(f"apertium {mode} failed (exit {done.returncode}): {detail}", code="A11Y305")
        outputs = _PARAGRAPH_RE.findall(done.stdout)
        if len(outputs) != len(texts):
            raise EngineError(
                f"apertium returned {len(outputs)} paragraphs for {len(texts)} inputs", code="A11Y305"
            )
        return [_fix_initial_case(_from_wire(o, original), original) for o, original in zip(outputs, texts)]


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


def _from_wire(output: str, original: str) -> str:
    """Apertium's HTML output → tagged text; closing spans are matched by nesting."""
    parts: list[str] = []
    stack: list[str] = []
    pos = 0
    for m in _WIRE_RE.finditer(output):
        parts.append(_words(output[pos : m.start()], original))
        if m.group(1):
            stack.append(m.group(1))
            parts.append(f"<{m.group(1)}>")
        elif stack:
            parts.append(f"</{stack.pop()}>")
        pos = m.end()
    parts.append(_words(output[pos:], original))
    text = " ".join("".join(parts).split())
    # Apertium's HTML mode puts a space after opening punctuation: "“ Sobreviví".
    text = _OPENING_SPACE_RE.sub(lambda m: m.group(1) if m.group(0) not in original else m.group(0), text)
    # Apertium sometimes splits one span in two around a reordered word: "<1>a</1> <1>b</1>".
    return _SPLIT_SPAN_RE.sub(r"\2", text)


_OPENING_SPACE_RE = re.compile(r"([“«¿¡(]) (?=\w)")
_SPLIT_SPAN_RE = re.compile(r"</(\d+)>(\s*)<\1>")


def _words(chunk: str, original: str) -> str:
    text = html.unescape(chunk)
    if not any(c in original for c in "*#@~"):
        text = _MARKS_RE.sub("", text)
    # Apertium's HTML mode can leak its own private-use marks (U+E013 after an empty span).
    text = _PRIVATE_USE_RE.sub(lambda m: m.group(0) if m.group(0) in original else "", text)
    return text.replace("\n", " ").replace("\t", " ")


_PRIVATE_USE_RE = re.compile("[\ue000-\uf8ff]")
