"""Cues → WebVTT captions, WebVTT chapters and a JSON sync map, and reading them back.

This module owns the :class:`Cue` (an id spoken from a start to an end time) and the
text formats made of cues. Text and audio meet only through ids: a cue's id is the id
of the spoken sentence's element on the page, so the read-along player can find it.
Writers and readers take open text files; only the command layer opens paths. It must
not touch audio samples, HTML or the file layout.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TextIO

from a11ykit.speech.items import SpeechItem


@dataclass(frozen=True)
class Cue:
    """One span of the narration: the element ``id`` is spoken from ``start`` to ``end`` (seconds)."""

    id: str
    start: float
    end: float
    text: str


def format_timestamp(seconds: float) -> str:
    """WebVTT timestamp ``HH:MM:SS.mmm`` (hours always present, so any length works)."""
    millis = round(seconds * 1000)
    if millis < 0:
        raise ValueError(f"negative time {seconds!r}")
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


_TIMESTAMP_RE = re.compile(r"^(?:(\d+):)?([0-5]\d):([0-5]\d)\.(\d{3})$")


def parse_timestamp(text: str) -> float:
    match = _TIMESTAMP_RE.match(text.strip())
    if not match:
        raise ValueError(f"not a WebVTT timestamp: {text!r}")
    hours, minutes, secs, millis = match.groups()
    return (((int(hours or 0) * 60 + int(minutes)) * 60 + int(secs)) * 1000 + int(millis)) / 1000


def _check(cue: Cue) -> None:
    """Refuse what would make an invalid or ambiguous WebVTT file, rather than write it."""
    if not cue.id or "-->" in cue.id or any(ch in cue.id for ch in "\r\n"):
        raise ValueError(f"cue id {cue.id!r} cannot be a WebVTT cue identifier")
    if not 0 <= cue.start < cue.end:
        raise ValueError(f"cue {cue.id!r} has start {cue.start!r} not before end {cue.end!r}")


def _escape(line: str) -> str:
    # One line of cue text: "&", "<" and ">" would start markup; a blank line would end the cue.
    line = " ".join(line.split())
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def write_vtt(fileobj: TextIO, cues: Iterable[Cue]) -> None:
    """Write cues as WebVTT, one cue per entry, ids kept; each line of a cue's text (``\\n``
    between lines) escaped on a line of its own, blank lines left out."""
    fileobj.write("WEBVTT\n")
    for cue in cues:
        _check(cue)
        lines = [line for line in (_escape(part) for part in cue.text.split("\n")) if line]
        fileobj.write(
            f"\n{cue.id}\n{format_timestamp(cue.start)} --> {format_timestamp(cue.end)}\n"
            + "".join(f"{line}\n" for line in lines)
        )


def read_vtt(fileobj: TextIO) -> list[Cue]:
    """Read the WebVTT this module writes (ids, timings, text lines joined by ``\\n``); enough for checks."""
    blocks = re.split(r"\n\s*\n", fileobj.read().replace("\r\n", "\n").strip())
    if not blocks or not blocks[0].startswith("WEBVTT"):
        raise ValueError("not a WebVTT file (no WEBVTT header)")
    cues = []
    for block in blocks[1:]:
        lines = block.split("\n")
        if "-->" in lines[0]:
            cue_id, timing, text_lines = "", lines[0], lines[1:]
        else:
            cue_id, timing, text_lines = lines[0], lines[1], lines[2:]
        start, _, end = timing.partition("-->")
        cues.append(
            Cue(
                id=cue_id,
                start=parse_timestamp(start),
                end=parse_timestamp(end.split()[0]),
                text=_unescape("\n".join(text_lines)),
            )
        )
    return cues


def chapter_cues(headings: Sequence[Cue], end: float) -> list[Cue]:
    """One chapter per heading, running until the next heading starts (the last until ``end``)."""
    chapters = []
    for index, heading in enumerate(headings):
        until = headings[index + 1].start if index + 1 < len(headings) else end
        chapters.append(Cue(heading.id, heading.start, until, heading.text))
    return chapters


def heading_cues(cues: Sequence[Cue], items: Sequence[SpeechItem]) -> list[Cue]:
    """One cue per heading: consecutive heading items (sentences of one heading) are merged."""
    merged: list[Cue] = []
    previous = None
    for cue, item in zip(cues, items, strict=True):
        if item.kind == "heading" and previous is not None and previous.kind == "heading":
            last = merged[-1]
            merged[-1] = Cue(last.id, last.start, cue.end, f"{last.text} {cue.text}")
        elif item.kind == "heading":
            merged.append(cue)
        previous = item
    return merged


#: One sync map entry as JSON on one line (the C encoder: ``json.dump`` with ``indent`` runs the
#: pure-Python one and writes each piece of each entry on its own, ~8 ms for a long article).
_ENTRY = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode


def write_syncmap(fileobj: TextIO, cues: Iterable[Cue]) -> None:
    """Write the JSON sync map ``[{id, start, end, text}]``, times in seconds to the millisecond,
    an entry a line."""
    entries = []
    for cue in cues:
        _check(cue)
        entries.append(
            _ENTRY({"id": cue.id, "start": round(cue.start, 3), "end": round(cue.end, 3), "text": cue.text})
        )
    fileobj.write("[\n " + ",\n ".join(entries) + "\n]\n" if entries else "[]\n")


def read_syncmap(fileobj: TextIO) -> list[Cue]:
    return [Cue(e["id"], float(e["start"]), float(e["end"]), e["text"]) for e in json.load(fileobj)]


# -- caption cues by broadcast convention ------------------------------------------------------

#: At most this many lines of at most this many characters per caption cue (BBC, Netflix, EBU).
MAX_LINE = 42
MAX_LINES = 2
#: Changes when the rules below change (the narration's output record includes it).
#: The shortest caption cue timed by espeak's word positions (shorter: timed by characters).
MIN_CUE = 0.3
CAPTION_RULES = {"line": MAX_LINE, "lines": MAX_LINES, "min": MIN_CUE, "version": 1}

# Phrase boundaries, English and Spanish: a break is good after closing punctuation and before
# a word that opens a phrase (conjunction, preposition, relative), bad after a word that leans
# on the next one (article, preposition, possessive), which must stay with its noun.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*$")
_CLAUSE_END = re.compile(r"[,;:—–)\]”’»]$|^[—–]$")
_OPENERS = frozenset(
    """and but or nor so yet because although though while whereas if unless until when whenever where
    which who whom whose that than as after before since during about against between into through
    over under without within across toward towards from with for to in on at by of
    y e o u ni pero sino aunque porque pues que quien quienes cuyo cuya donde cuando mientras si como
    tras desde hasta hacia contra entre sobre bajo sin según durante mediante para por con en de a""".split()
)
_LEANERS = frozenset(
    """a an the this that these those my your his her its our their some any no every each
    of to in on at by for with from into mr mrs ms dr st
    el la los las lo un una unos unas al del este esta estos estas ese esa esos esas su sus mi mis tu tus
    de a en con por para sin sobre tras entre hacia hasta desde sr sra dr dra""".split()
)


def _break_cost(before: str, after: str) -> float:
    """How bad a line or cue break is between two words (0 = a natural pause)."""
    if _SENTENCE_END.search(before):
        return 0.0
    if _CLAUSE_END.search(before):
        return 0.15
    bare_before = before.strip("\"'“”‘’«»()[]¿¡").lower()
    if bare_before in _LEANERS:
        return 4.0
    if after.strip("\"'“”‘’«»()[]¿¡").lower() in _OPENERS or after[:1] in "(“«—–¿¡\"":
        return 0.4
    if any(ch.isdigit() for ch in before) and any(ch.isdigit() for ch in after):
        return 3.0  # "10 500", "25 de julio de 2026" keeps its number and unit apart only if it must
    return 1.0


def _words(text: str, width: int) -> list[tuple[int, str]]:
    """The words of ``text`` with their offsets; a word longer than a line is cut into line-long pieces."""
    words = []
    for match in re.finditer(r"\S+", text):
        word, start = match.group(0), match.start()
        for piece in range(0, len(word), width):
            words.append((start + piece, word[piece : piece + width]))
    return words


def _lines(words: Sequence[str], width: int) -> tuple[float, list[str]] | None:
    """The best way to put ``words`` on at most two lines of ``width``: (cost, lines), or None."""
    layout = _Layout(list(words), width)
    laid = layout.lines(0, len(words))
    return None if laid is None else (laid[0], layout.text(0, len(words), laid[1]))


class _Layout:
    """The words of one text with their lengths and break costs worked out once, so that the
    many candidate cues :func:`caption_blocks` weighs are sums, not joined strings."""

    def __init__(self, words: list[str], width: int) -> None:
        self.words = words
        self.width = width
        self.ends = list(itertools.accumulate((len(w) for w in words), initial=0))
        self.breaks = [0.0, *(_break_cost(a, b) for a, b in itertools.pairwise(words))]  # before word k

    def length(self, j: int, i: int) -> int:
        """The length of words[j:i] joined by single spaces."""
        return self.ends[i] - self.ends[j] + (i - j - 1)

    def lines(self, j: int, i: int) -> tuple[float, int | None] | None:
        """The best way to put words[j:i] on at most two lines: (cost, the word the second
        line starts with, or None for one line), or None when they do not fit."""
        width = self.width
        if self.length(j, i) <= width:
            return 0.0, None
        if MAX_LINES < 2:
            return None
        best: tuple[float, int | None] | None = None
        for k in range(j + 1, i):
            top, bottom = self.length(j, k), self.length(k, i)
            if top > width or bottom > width:
                continue
            # a phrase boundary first, then balance (a slightly longer bottom line reads best)
            cost = self.breaks[k] + abs(bottom - top - 2) / width
            if best is None or cost < best[0]:
                best = (cost, k)
        return best

    def text(self, j: int, i: int, split: int | None) -> list[str]:
        if split is None:
            return [" ".join(self.words[j:i])]
        return [" ".join(self.words[j:split]), " ".join(self.words[split:i])]


def caption_blocks(text: str, width: int = MAX_LINE) -> list[tuple[int, list[str]]]:
    """Cut ``text`` into caption cues of at most two lines of at most ``width`` characters,
    breaking at phrase boundaries: ``[(offset of the cue's first word in text, lines)]``.

    Fewest cues first, then the best breaks between and inside them; a cue of a few words
    (an orphan) is avoided when the words can go with their neighbours."""
    words = _words(text, width)
    if not words:
        return []
    n = len(words)
    layout = _Layout([w for _, w in words], width)
    # best[i]: (cost, blocks) of words[:i]
    best: list[tuple[float, list[tuple[int, int, int | None]]] | None] = [None] * (n + 1)
    best[0] = (0.0, [])
    for i in range(1, n + 1):
        for j in range(i - 1, -1, -1):
            if layout.length(j, i) > MAX_LINES * width + MAX_LINES - 1:
                break
            prior = best[j]
            laid = layout.lines(j, i)
            if prior is None or laid is None:
                continue
            cost = prior[0] + 3.0 + laid[0]
            if i < n:
                cost += 2.0 * layout.breaks[i]
            if layout.length(j, i) < width // 3 and n > i - j:
                cost += 1.5  # an orphan
            if best[i] is None or cost < best[i][0]:  # type: ignore[index]
                best[i] = (cost, [*prior[1], (j, i, laid[1])])
    final = best[n]
    assert final is not None  # every word fits a line, so one word per cue always works
    return [(words[j][0], layout.text(j, i, split)) for j, i, split in final[1]]


def caption_cues(cue: Cue, clock: Callable[[int], float | None] | None = None) -> list[Cue]:
    """A sentence's cue as caption cues by convention (:func:`caption_blocks`); the first keeps
    the sentence's id, the next are ``id.2``, ``id.3``… (the read-along finds the sentence by
    the part before the dot), and together they run exactly from the sentence's start to its
    end. ``clock(offset)`` gives the time in the narration at which the word at that offset of
    the text is spoken (from espeak's word positions), or None; without it, or when its times
    are missing or out of order, each cue starts where its first character falls in the text."""
    blocks = caption_blocks(cue.text)
    if len(blocks) <= 1:
        return [Cue(cue.id, cue.start, cue.end, "\n".join(blocks[0][1]) if blocks else cue.text)]
    length = max(1, len(cue.text))
    shared = [cue.start + (cue.end - cue.start) * offset / length for offset, _ in blocks[1:]]
    timed = [clock(offset) for offset, _ in blocks[1:]] if clock is not None else []
    bounds = [cue.start, *timed, cue.end]
    in_order = clock is not None and all(
        a is not None and b is not None and b - a >= MIN_CUE for a, b in itertools.pairwise(bounds)
    )
    starts = [cue.start, *(timed if in_order else shared)]
    ends = [*starts[1:], cue.end]
    return [
        Cue(cue.id if index == 0 else f"{cue.id}.{index + 1}", start, end, "\n".join(lines))
        for index, (start, end, (_, lines)) in enumerate(zip(starts, ends, blocks, strict=True))
    ]


def sentence_id(cue_id: str, ids: Collection[str]) -> str:
    """The sentence a caption cue belongs to: its id, or the id before ``.N`` (see :func:`caption_cues`)."""
    if cue_id in ids:
        return cue_id
    base, dot, number = cue_id.rpartition(".")
    return base if dot and number.isdigit() and base in ids else cue_id
