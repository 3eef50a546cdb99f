"""The files a narration writes and what it reports back.

This module owns the names of the narration's outputs (``output_names``: the page's
player links to them) and :class:`AudioResult` (with :class:`Levels`), the account of
one narration. It holds no audio code, so the page side can name the files without the
``audio`` extra; it must not build paths of other outputs or write anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from a11ykit.layout import AUDIO_KINDS, output_name
from a11ykit.speech.captions import Cue
from a11ykit.speech.voices import Voice


@dataclass(frozen=True)
class Levels:
    """What normalizing the narration did (:func:`a11ykit.speech.levels.normalize`)."""

    measured: float  # integrated loudness before, LUFS (ITU-R BS.1770-4)
    gain: float  # dB: loudness - measured (each piece has its own gain, from its own levels)
    loudness: float  # integrated loudness after, LUFS
    peak: float  # sample peak after, dBFS

    def as_dict(self) -> dict[str, float]:
        """For the report, rounded to a hundredth."""
        return {
            "measured_lufs": round(self.measured, 2),
            "gain_db": round(self.gain, 2),
            "loudness_lufs": round(self.loudness, 2),
            "peak_dbfs": round(self.peak, 2),
        }


@dataclass
class AudioResult:
    """What :func:`a11ykit.speech.synthesize_article` wrote and how it went."""

    opus: Path
    mp3: Path
    captions: Path
    chapters: Path
    syncmap: Path
    voice: Voice  # the voice actually used, read back from espeak
    cues: list[Cue]  # one per spoken item (the sync map)
    synthesized: list[str]
    cached: list[str]
    duration: float  # seconds
    written: bool = True  # False: the files on disk were already these (unchanged rebuild)
    caption_cues: list[Cue] = field(default_factory=list)  # the captions file's cues, by convention
    levels: Levels | None = None  # loudness measured, gain applied, loudness and peak after
    pieces: int = 0  # pieces the narration is encoded in and joined from
    encoded: list[str] = field(default_factory=list)  # first item of each piece encoded now (not cached)


def output_names(stem: str, lang: str) -> dict[str, str]:
    """The file names :func:`a11ykit.speech.synthesize_article` writes (the page links to these)."""
    return {kind: output_name(stem, lang, kind) for kind in AUDIO_KINDS}
