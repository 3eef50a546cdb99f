"""Which espeak-ng voice reads which page language.

This module owns the default voice of each page language and the choice among the
voices espeak lists (:func:`choose_voice`). It must not talk to espeak itself.

Choosing is a plain function over the voices a worker lists, so it can be tested
without espeak; the worker then sets the voice and reads it back (see
:class:`a11ykit.speech.synth.Synthesizer`), because espeak itself ignores names it
does not know.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass

from a11ykit.errors import SpeechError

#: Page language → the espeak voice that reads it unless ``--voice`` says otherwise.
DEFAULT_VOICES = {"en": "en-us", "es": "es-419"}


@dataclass(frozen=True)
class Voice:
    """An espeak voice as espeak reports it."""

    name: str  # "Spanish (Latin America)"
    identifier: str  # "roa/es-419": what we set and what we read back
    language: str  # "es-419"

    def __str__(self) -> str:
        return f"{self.name} [{self.identifier}]"

    @property
    def is_mbrola(self) -> bool:
        return self.identifier.startswith("mb/")

    def names(self) -> set[str]:
        """Every spelling a user may give for this voice, lower-cased."""
        return {
            n.lower()
            for n in (
                self.identifier,
                self.identifier.rsplit("/", 1)[-1],
                self.name,
                self.name.replace(" ", "_"),
                self.language,
            )
            if n
        }


def usable(voice: Voice) -> bool:
    """Whether espeak can really speak with it: no variants; MBROLA voices only with mbrola installed."""
    if voice.identifier.startswith("!v/") or not voice.language:
        return False
    return not voice.is_mbrola or shutil.which("mbrola") is not None


def _speaks(voice: Voice, lang: str) -> bool:
    primary = lang.lower().split("-")[0]
    return voice.language.lower().split("-")[0] == primary


def _listing(voices: Sequence[Voice]) -> str:
    return ", ".join(sorted({v.language for v in voices if usable(v)}))


def choose_voice(lang: str, available: Sequence[Voice], override: str | None = None) -> Voice:
    """The voice for a page in ``lang``: ``override`` if given, else the default for the language.

    Raises SpeechError listing the voices that exist when nothing fits.
    """
    candidates = [v for v in available if usable(v)]
    wanted = (override or DEFAULT_VOICES.get(lang, lang)).lower()
    exact = [v for v in candidates if wanted in (v.identifier.lower(), v.name.lower())]
    matches = exact or [v for v in candidates if wanted in v.names()]
    if not matches and override is None:
        matches = [v for v in candidates if _speaks(v, lang)]
    if not matches:
        what = f"unknown voice {override!r}" if override else f"no voice for language {lang!r}"
        raise SpeechError(f"{what}; available voices: {_listing(available)}", code="A11Y501")
    voice = matches[0]
    if not _speaks(voice, lang):
        raise SpeechError(
            f"voice {voice} speaks {voice.language!r}, not {lang!r}; "
            f"available voices: {_listing(available)}",
            code="A11Y502",
        )
    return voice
