"""Sentence boundaries in plain text, for English and Spanish news prose.

A boundary is sentence-final punctuation, then any closing quotes or brackets,
then whitespace, then something that can start a sentence. Abbreviations
("U.S.", "Mr.", "a.m.", "EE. UU."), initials ("J. Smith") and numbers never end one.
"""

from __future__ import annotations

import re

ABBREVIATIONS = {
    "en": {
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "gen", "gov", "sen", "rep", "rev",
        "lt", "col", "capt", "sgt", "cmdr", "adm", "pres", "supt", "det", "hon", "messrs",
        "jan", "feb", "mar", "apr", "aug", "sep", "sept", "oct", "nov", "dec",
        "no", "nos", "vol", "vs", "etc", "e.g", "i.e", "a.m", "p.m", "u.s", "u.k", "u.n", "d.c",
        "inc", "corp", "ltd", "co", "dept", "est", "approx", "fig", "ft", "mi", "oz", "lb",
    },
    "es": {
        "sr", "sra", "srta", "sres", "dr", "dra", "lic", "ing", "prof", "profa", "gral", "cnel",
        "pdte", "dña", "d", "av", "avda", "c", "núm", "no", "pág", "págs", "vol", "ee", "uu",
        "ee.uu", "etc", "p.ej", "a.m", "p.m", "a. m", "p. m", "aprox", "depto", "cía", "s.a",
        "ene", "feb", "mar", "abr", "jun", "jul", "ago", "sept", "oct", "nov", "dic", "ud", "uds",
        "vs", "fig", "tel", "u.s",
    },
}

_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s)")
_STARTER = re.compile(r"\s+(?=[\"'“‘«(¿¡\[]*[A-ZÁÉÍÓÚÑÜ0-9])")
_WORD_BEFORE = re.compile(r"([\w.]+(?:\.\s?\w+)*)$")


def boundaries(text: str, lang: str) -> list[int]:
    """Offsets where a new sentence starts (after the separating whitespace)."""
    abbreviations = ABBREVIATIONS.get(lang, set()) | ABBREVIATIONS["en"]
    result: list[int] = []
    for m in _END.finditer(text):
        starter = _STARTER.match(text, m.end())
        if not starter:
            continue
        single_period = m.group(0)[0] == "." and len(m.group(0).rstrip("\"'”’»)]")) == 1
        if single_period and _is_abbreviation(text[: m.start()], abbreviations):
            continue
        result.append(starter.end())
    return result


def _is_abbreviation(before: str, abbreviations: set[str]) -> bool:
    word = re.search(r"(\S+)$", before)
    if not word:
        return False
    token = word.group(1).lstrip("\"'“‘«(¿¡[").lower()
    if token in abbreviations:
        return True
    if re.fullmatch(r"[a-záéíóúñ]", token):  # an initial: "J. Smith"
        return True
    if re.fullmatch(r"(?:[a-z]\.)+[a-z]", token):  # "U.S", "e.g", "a.m"
        return True
    # Spanish spaced abbreviations: "EE. UU." / "a. m."
    two = re.search(r"(\S+\s\S+)$", before)
    return bool(two and two.group(1).lower() in abbreviations)


def split_sentences(text: str, lang: str) -> list[str]:
    starts = [0, *boundaries(text, lang)]
    ends = [*starts[1:], len(text)]
    return [text[s:e].strip() for s, e in zip(starts, ends, strict=True) if text[s:e].strip()]
