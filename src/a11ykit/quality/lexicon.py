"""Which words a language knows: Apertium's morphological analysers, kept running.

Two word lists were measured on the example article's human texts (``benchmarks/quality.py``
prints the table again): Apertium's analysers (``lt-proc`` with ``eng-spa.automorf.bin`` and
``spa-eng.automorf.bin`` from Debian's ``apertium-eng-spa``) and Debian's hunspell dictionaries
(``hunspell-en-us``, ``hunspell-es``). Share of word tokens known (two letters or more, names
included; the texts quote a few words of the other language), and time to analyse 1,000
sentences one at a time through one long-running process:

=========  =======  =======  ==================================================
lexicon    English  Spanish  1,000 sentences
=========  =======  =======  ==================================================
Apertium   92.4 %   94.0 %   0.2–0.3 s (``lt-proc -z``)
hunspell   93.4 %   93.9 %   15–35 s (``hunspell -a``: it also computes
                             suggestions); 0.1–0.3 s as one ``-l`` batch
=========  =======  =======  ==================================================

(Times on an idle machine; on a busy one both grow about tenfold, in the same ratio.)
Coverage is a draw. Apertium is the choice because: (1) it is the engine's own lexicon, so
"unknown" means "the engine could not have translated it" — hunspell knows "piecing", "filings"
and "bookings", but the engine does not, and those words are still found (copied from the source
sentence, they are source words); (2) it gives parts of speech, so proper nouns (``<np>``) are
told from common words: a name is never flagged, while "March" left in a Spanish sentence is;
(3) it is already installed with the engine, one package for both languages; (4) it answers
per sentence, fast, and reads multiword units ("in order to", "EE.UU.") as the engine does.
hunspell (en_US) also rejects British spellings ("grey", "labelled") the example uses.

One ``lt-proc -z`` process per language is kept for the life of a :class:`ApertiumLexicon`;
each query is one null-terminated block, answered by one null-flushed block. A build asks
:func:`running_lexicon` for it: one per language and process, started ahead of its first query
(:func:`start_lexicons`) and kept for the next article, with what it has looked up; an analyser
answers each word and each text on its own, so what it answered before changes nothing.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from a11ykit.errors import EngineError

#: Where Debian's ``apertium-eng-spa`` puts its automata, and which file analyses which language.
APERTIUM_DIRS = (Path("/usr/share/apertium/apertium-eng-spa"), Path("/usr/local/share/apertium/apertium-eng-spa"))
ANALYSERS = {"en": "eng-spa.automorf.bin", "es": "spa-eng.automorf.bin"}

#: Characters of lt-proc's stream format (superblanks, lexical-unit delimiters, tags): they
#: become spaces before a text is sent, so no text can break the stream.
_STREAM_SPECIALS = str.maketrans(dict.fromkeys("\\[]^$/@<>{}*#~\x00", " "))
_UNIT_RE = re.compile(r"\^((?:[^$\\]|\\.)*)\$")
_TAG_RE = re.compile(r"<([^<>]+)>")
_HAS_WORD_RE = re.compile(r"\w")


@dataclass(frozen=True)
class Token:
    """One lexical unit as an analyser sees it: the surface text and, when known, its
    analyses' tag sets (``("np", "ant", "m", "sg")``; empty tuple = unknown)."""

    surface: str
    tags: tuple[tuple[str, ...], ...]

    @property
    def known(self) -> bool:
        return bool(self.tags)

    @property
    def is_proper_noun(self) -> bool:
        """Every analysis is a proper noun (``<np>``): a name, whichever way it is read."""
        return self.known and all("np" in t for t in self.tags)


class Lexicon(Protocol):
    """What the quality estimate needs from a language's word list."""

    lang: str

    def tokens(self, text: str) -> list[Token]:
        """The text cut into tokens that contain a letter or digit, each analysed."""
        ...

    def tokens_many(self, texts: Sequence[str]) -> list[list[Token]]:
        """:meth:`tokens` of each text, in one go."""
        ...

    def known(self, words: Iterable[str]) -> set[str]:
        """Which of these words (each looked up on its own) the language knows."""
        ...

    def lookup(self, words: Iterable[str]) -> dict[str, Token]:
        """Each word looked up on its own, with its analyses."""
        ...


class ApertiumLexicon:
    """Apertium's morphological analyser for one language, as one long-running ``lt-proc -z``.

    Thread-safe (one query at a time); :meth:`close` (or ``with``) ends the process.
    """

    def __init__(self, lang: str, automaton: Path | None = None) -> None:
        self.lang = lang
        path = automaton or find_analyser(lang)
        executable = shutil.which("lt-proc")
        if executable is None:
            raise EngineError("lt-proc is not installed; apt-get install lttoolbox apertium-eng-spa", code="A11Y302")
        self._lock = threading.Lock()
        self._looked_up: dict[str, Token] = {}  # word → its analysis: a page asks for many words again
        self._process = subprocess.Popen(
            [executable, "-z", str(path)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )

    def __enter__(self) -> ApertiumLexicon:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        process = self._process
        if process.stdin is not None:
            with contextlib.suppress(BrokenPipeError):
                process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()

    def kill(self) -> None:
        """End the process at once (at exit: every query was answered, and lt-proc keeps
        nothing). Told its input ended, lt-proc frees its automaton before it ends (10–15 ms);
        killed, its memory goes at once."""
        with contextlib.suppress(OSError):
            self._process.kill()

    @property
    def running(self) -> bool:
        """The process is still there to answer."""
        return self._process.poll() is None and self._process.stdin is not None and not self._process.stdin.closed

    def analyse(self, text: str) -> str:
        """lt-proc's raw answer for one text (its stream format)."""
        return self._query(_clean(text))

    def tokens(self, text: str) -> list[Token]:
        return self.tokens_many([text])[0]

    def tokens_many(self, texts: Sequence[str]) -> list[list[Token]]:
        """:meth:`tokens` of many texts with one query (one text per line)."""
        if not texts:
            return []
        lines = self._lines([_clean(t) for t in texts])
        return [[t for t in parse_stream(line) if _HAS_WORD_RE.search(t.surface)] for line in lines]

    def _lines(self, lines: list[str]) -> list[str]:
        """One query for many lines (a line break ends every lexical unit); each line's answer.
        Should lt-proc ever answer with another number of lines, each is asked on its own."""
        answer = self._query("\n".join(lines)).split("\n")
        if len(answer) != len(lines):
            answer = [self._query(line) for line in lines]
        return answer

    def known(self, words: Iterable[str]) -> set[str]:
        return {w for w, token in self.lookup(words).items() if token.known}

    def lookup(self, words: Iterable[str]) -> dict[str, Token]:
        """Each word analysed on its own (one per line: a line break ends every lexical unit);
        a word the analyser cuts in several units is unknown as a whole."""
        words = [w for w in dict.fromkeys(words) if _clean(w)]
        new = [w for w in words if w not in self._looked_up]
        if new:
            lines = self._lines([_clean(w) for w in new])
            for word, line in zip(new, lines, strict=True):  # _lines answers each line
                units = [u for u in parse_stream(line) if u.surface.strip()]
                whole = len(units) == 1 and units[0].surface == _clean(word)
                self._looked_up[word] = units[0] if whole else Token(word, ())
        return {w: self._looked_up[w] for w in words}

    def _query(self, block: str) -> str:
        with self._lock:
            stdin, stdout = self._process.stdin, self._process.stdout
            assert stdin is not None and stdout is not None
            data = block.encode("utf-8") + b"\0"
            failed: list[BaseException] = []

            def write() -> None:
                try:
                    stdin.write(data)
                    stdin.flush()
                except (BrokenPipeError, ValueError) as error:
                    failed.append(error)

            # A big page is written from a thread while its answer is read, so neither pipe fills up.
            writer = threading.Thread(target=write, daemon=True)
            writer.start()
            try:
                answer = _read_block(stdout)
            except EOFError:
                answer = None
            writer.join()
            if answer is None or failed:
                raise EngineError(f"lt-proc ({self.lang} analyser) stopped", code="A11Y305")
        return answer.decode("utf-8", "replace")


def _clean(text: str) -> str:
    return " ".join(text.translate(_STREAM_SPECIALS).split())


def _read_block(stream) -> bytes:  # stream: the analyser's stdout (a BufferedReader)
    """Read up to lt-proc's null flush."""
    out = bytearray()
    while True:
        byte = stream.read1(65536)
        if not byte:
            raise EOFError
        out += byte
        if out.endswith(b"\0"):
            return bytes(out).rstrip(b"\0")


def parse_stream(stream: str) -> list[Token]:
    """Apertium's stream format → tokens: ``^dogs/dog<n><pl>$`` is ``dogs`` with one analysis,
    ``^piecing/*piecing$`` is ``piecing``, unknown."""
    tokens: list[Token] = []
    for m in _UNIT_RE.finditer(stream):
        surface, *analyses = _split_unescaped(m.group(1))
        surface = re.sub(r"\\(.)", r"\1", surface)
        if not analyses or analyses[0].startswith("*"):
            tokens.append(Token(surface, ()))
        else:
            tokens.append(Token(surface, tuple(tuple(_TAG_RE.findall(a)) for a in analyses)))
    return tokens


def _split_unescaped(unit: str) -> list[str]:
    parts, current, escaped = [], [], False
    for ch in unit:
        if escaped:
            current.append("\\" + ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "/":
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def find_analyser(lang: str) -> Path:
    """The ``*.automorf.bin`` that analyses ``lang`` (from ``apertium-eng-spa``)."""
    name = ANALYSERS.get(lang)
    if name is None:
        raise EngineError(f"no Apertium analyser for language {lang!r}", code="A11Y304")
    for folder in APERTIUM_DIRS:
        if (folder / name).is_file():
            return folder / name
    raise EngineError(f"Apertium's {lang} analyser ({name}) is not installed; apt-get install apertium-eng-spa",
                      code="A11Y302")


_RUNNING: dict[tuple[str, Path], ApertiumLexicon] = {}
_RUNNING_LOCK = threading.Lock()
_RUNNING_PID = [os.getpid()]


def running_lexicon(lang: str) -> ApertiumLexicon:
    """``lang``'s analyser kept running in this process: started on first use (and again if it
    stopped), stopped at exit (:func:`stop_lexicons`); not to be closed by its users."""
    path = find_analyser(lang)
    with _RUNNING_LOCK:
        if _RUNNING_PID[0] != os.getpid():  # a forked child: the parent's processes are not its own
            _RUNNING.clear()
            _RUNNING_PID[0] = os.getpid()
        lexicon = _RUNNING.get((lang, path))
        if lexicon is None or not lexicon.running:
            if lexicon is not None:
                lexicon.close()  # its pipes
            lexicon = _RUNNING[(lang, path)] = ApertiumLexicon(lang, path)
        return lexicon


def start_lexicons(*langs: str) -> None:
    """Start these languages' analysers now, so they load while the build does something else
    (nothing when the analysers are not installed)."""
    if analysers_installed():
        for lang in langs:
            if lang in ANALYSERS:
                running_lexicon(lang)


def stop_lexicons(*, reap: bool = True) -> None:
    """Stop this process's running analysers: killed, all at once, then (``reap``) waited for.
    At exit they are not waited for (2–3 ms each): the process that would reap them is ending."""
    with _RUNNING_LOCK:
        lexicons = list(_RUNNING.values()) if _RUNNING_PID[0] == os.getpid() else []
        _RUNNING.clear()
    for lexicon in lexicons:
        lexicon.kill()
    for lexicon in lexicons if reap else ():
        lexicon.close()


atexit.register(stop_lexicons, reap=False)


def analysers_installed() -> bool:
    """Both analysers and lt-proc are there."""
    try:
        return all(find_analyser(lang) for lang in ANALYSERS) and shutil.which("lt-proc") is not None
    except EngineError:
        return False
