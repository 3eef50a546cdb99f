"""Narrated audio of an article: the public names of the speech package.

The package turns spoken items (:class:`SpeechItem`, built by the page side) into
audio, captions, chapters and a sync map; it never reads or writes HTML. Its parts:
``items`` (what is read, pauses), ``narration`` (the order of the work), ``synth`` and
``worker`` (espeak in worker processes), ``voices``, ``lexicon`` (pronunciations),
``cache`` (per-sentence audio), ``encode`` (Opus and MP3), ``captions`` (WebVTT and the
sync map) and ``outputs`` (file names, :class:`AudioResult`).

This module only names the public parts. The two that synthesize need the ``audio``
extra (numpy, soundfile, pyttsx3), so they are resolved on first use (PEP 562):
naming an item, a cue or the output files works without that extra, and a build with
``--no-audio`` never loads it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from a11ykit.speech.captions import Cue
from a11ykit.speech.items import ItemKind, SpeechItem
from a11ykit.speech.outputs import AudioResult, output_names

if TYPE_CHECKING:
    from a11ykit.speech.narration import synthesize_article, synthesize_items

__all__ = [
    "AudioResult",
    "Cue",
    "ItemKind",
    "SpeechItem",
    "output_names",
    "synthesize_article",
    "synthesize_items",
]

#: Public names that need the ``audio`` extra, and the module that holds them.
_NEEDS_AUDIO = {"synthesize_article": "narration", "synthesize_items": "narration"}


def __getattr__(name: str) -> Any:
    if name in _NEEDS_AUDIO:
        return getattr(importlib.import_module(f"a11ykit.speech.{_NEEDS_AUDIO[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
