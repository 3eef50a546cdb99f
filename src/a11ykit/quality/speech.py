"""The speech text: what a voice would misread, rewritten for the narration only (the page
keeps "EE.UU."; the voice says "Estados Unidos").

Data-driven: ``data/speech.csv`` lists, per page language, abbreviations ("EE. UU." and "EE.UU."
→ "Estados Unidos"), decorative separators ("·", "|" between spaces → a pause, never "punto
medio") and units after numbers ("5 km" → "5 kilómetros", "1 km" → "1 kilómetro"). No word is
written in the code. Once wired, this runs next to the glossary's pronunciation lexicon
(``speech/lexicon.py``), before it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

REPAIR_NAME = "speech-normalize"


@dataclass(frozen=True)
class SpeechRules:
    """One language's rules, compiled."""

    abbreviations: tuple[tuple[re.Pattern[str], str], ...]
    separators: tuple[tuple[re.Pattern[str], str], ...]
    units: re.Pattern[str] | None
    unit_said: Mapping[str, tuple[str, str]]  # written → (said, said_one)


def read_table(fileobj: io.TextIOBase) -> dict[str, SpeechRules]:
    """Read a speech table (CSV: lang, kind, written, said, said_one; ``#`` lines are comments)."""
    rows = csv.DictReader(line for line in fileobj if not line.startswith("#"))
    by_lang: dict[str, dict[str, list[tuple[str, str, str]]]] = {}
    for line, row in enumerate(rows, start=2):
        kind = row["kind"]
        if kind not in ("abbr", "separator", "unit") or not row["written"] or not row["said"]:
            raise ValueError(f"speech table row {line}: needs kind abbr|separator|unit, written and said")
        by_lang.setdefault(row["lang"], {}).setdefault(kind, []).append(
            (row["written"], row["said"], row.get("said_one") or row["said"])
        )
    return {lang: _compile(kinds) for lang, kinds in by_lang.items()}


def _compile(kinds: dict[str, list[tuple[str, str, str]]]) -> SpeechRules:
    abbreviations = []
    for written, said, _ in sorted(kinds.get("abbr", []), key=lambda r: len(r[0]), reverse=True):
        # "EE. UU." also matches "EE.UU." and "EE.UU..": spaces after inner full stops are optional.
        pattern = r"\s*".join(re.escape(part) for part in re.split(r"(?<=\.)\s*", written.strip()) if part)
        abbreviations.append((re.compile(rf"(?<![\w.]){pattern}(?:\.(?!\.))?(?![\w])"), said))
    separators = [
        (re.compile(rf"\s+{re.escape(written)}(?=\s)"), said)
        for written, said, _ in kinds.get("separator", [])
    ]
    units = kinds.get("unit", [])
    unit_re = None
    if units:
        alternatives = "|".join(re.escape(w) for w, _, _ in sorted(units, key=lambda r: len(r[0]), reverse=True))
        unit_re = re.compile(rf"(?<![\w.,])(\d+(?:[.,]\d+)*)\s?({alternatives})(?![\w])")
    return SpeechRules(tuple(abbreviations), tuple(separators), unit_re, {w: (s, o) for w, s, o in units})


@lru_cache(maxsize=1)
def default_rules() -> dict[str, SpeechRules]:
    """The package's own table (``data/speech.csv``)."""
    text = resources.files("a11ykit.quality").joinpath("data/speech.csv").read_text(encoding="utf-8")
    return read_table(io.StringIO(text))


_END_RE = re.compile(r"[\s”»\"’)]*$")


def normalize_speech(text: str, lang: str, rules: Mapping[str, SpeechRules] | None = None) -> str:
    """The text as the voice should read it (page language ``lang``)."""
    table = (rules if rules is not None else default_rules()).get(lang)
    if table is None:
        return text
    for pattern, said in table.abbreviations:
        # An abbreviation's last full stop can also end the sentence: keep one there.
        def abbreviation(m: re.Match[str], said: str = said, text: str = text) -> str:
            return said + ("." if _END_RE.fullmatch(text[m.end() :]) else "")

        text = pattern.sub(abbreviation, text)
    for pattern, said in table.separators:
        text = pattern.sub(said, text)
    if table.units is not None:
        def unit(m: re.Match[str]) -> str:
            said, said_one = table.unit_said[m.group(2)]
            return f"{m.group(1)} {said_one if m.group(1) == '1' else said}"

        text = table.units.sub(unit, text)
    return text
