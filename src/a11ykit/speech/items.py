"""What the narration reads: spoken items, their kinds, and the pauses between them.

This module owns :class:`SpeechItem` (one thing to say, whose ``id`` is its element's
id on the page and its cue id) and the silence after each kind of item. It is the
data the page side hands to speech (:mod:`a11ykit.html.reading` builds the items), so
it imports nothing but :mod:`a11ykit.errors`: no HTML, no audio library, no files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from a11ykit.errors import InputError

ItemKind = Literal["sentence", "heading", "image", "notice"]
KINDS = ("sentence", "heading", "image", "notice")

#: Seconds of silence after an item of each kind, and before a heading.
PAUSE_AFTER = {"sentence": 0.35, "heading": 0.8, "image": 0.6, "notice": 0.6}
PAUSE_BEFORE_HEADING = 0.8
PAUSE_AT_END = 0.5


@dataclass(frozen=True)
class SpeechItem:
    """One thing to say: ``id`` is its element id on the page and its cue id."""

    id: str
    text: str  # plain text, as it should be said (for images e.g. "Image: …")
    kind: ItemKind = "sentence"


def check_items(items: Sequence[SpeechItem]) -> None:
    """Refuse what cannot be narrated: no items, a repeated id, an unknown kind, an empty text."""
    if not items:
        raise InputError("nothing to narrate: the page has no spoken items")
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise InputError(f"two spoken items share the id {item.id!r}")
        seen.add(item.id)
        if item.kind not in KINDS:
            raise InputError(f"{item.id}: unknown item kind {item.kind!r}")
        if not item.text.strip():
            raise InputError(f"{item.id}: an item with nothing to say")


def gaps_for(items: Sequence[SpeechItem]) -> list[float]:
    """Silence after each item: longer after a heading and before one (not inside one)."""
    gaps = []
    for item, following in zip(items, [*items[1:], None], strict=True):
        if following is None:
            gaps.append(PAUSE_AT_END)
        elif item.kind == "heading" and following.kind == "heading":
            gaps.append(PAUSE_AFTER["sentence"])  # two sentences of one heading
        elif following.kind == "heading":
            gaps.append(max(PAUSE_AFTER[item.kind], PAUSE_BEFORE_HEADING))
        else:
            gaps.append(PAUSE_AFTER[item.kind])
    return gaps
