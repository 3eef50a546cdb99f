"""Cues → WebVTT captions, WebVTT chapters and a JSON sync map, and reading them back.

This module owns the :class:`Cue` (an id spoken from a start to an end time) and the
text formats made of cues. Text and audio meet only through ids: a cue's id is the id
of the spoken sentence's element on the page, so the read-along player can find it.
Writers and readers take open text files; only the command layer opens paths. It must
not touch audio samples, HTML or the file layout.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
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


def _escape(text: str) -> str:
    # One line of cue text: "&", "<" and ">" would start markup; a blank line would end the cue.
    text = " ".join(text.split())
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def write_vtt(fileobj: TextIO, cues: Iterable[Cue]) -> None:
    """Write cues as WebVTT, one cue per entry, ids kept, text on one escaped line."""
    fileobj.write("WEBVTT\n")
    for cue in cues:
        _check(cue)
        fileobj.write(
            f"\n{cue.id}\n{format_timestamp(cue.start)} --> {format_timestamp(cue.end)}\n"
            f"{_escape(cue.text)}\n"
        )


def read_vtt(fileobj: TextIO) -> list[Cue]:
    """Read the WebVTT this module writes (ids, timings, one text line); enough for checks."""
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
                text=_unescape(" ".join(text_lines)),
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


def write_syncmap(fileobj: TextIO, cues: Iterable[Cue]) -> None:
    """Write the JSON sync map ``[{id, start, end, text}]``, times in seconds to the millisecond."""
    entries = []
    for cue in cues:
        _check(cue)
        entries.append(
            {"id": cue.id, "start": round(cue.start, 3), "end": round(cue.end, 3), "text": cue.text}
        )
    json.dump(entries, fileobj, ensure_ascii=False, indent=1)
    fileobj.write("\n")


def read_syncmap(fileobj: TextIO) -> list[Cue]:
    return [Cue(e["id"], float(e["start"]), float(e["end"]), e["text"]) for e in json.load(fileobj)]
