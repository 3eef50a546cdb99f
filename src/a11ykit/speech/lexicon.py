"""The pronunciation lexicon: rewrite words before espeak reads them.

This module owns the built-in pronunciations, the lexicon of a page language (built-in
entries, then the glossary's ``say_*``), the checks on an entry and the substitution
itself. It reads a glossary but must not load one from a file, and never calls espeak.

A lexicon maps a written form to what espeak should read instead: a respelling
("ais", "SEE-cot"; read as words, so lower-cased first) or espeak phonemes in
double brackets ("[[sEk'oUt]]", espeak's own codes, as ``espeak-ng -x`` prints
them). It is applied to plain text rather than through SSML ``<sub>`` or
``<phoneme>``, which espeak supports only partly.

Acronyms are why this exists: espeak spells "ICE" letter by letter inside a
sentence, and Spanish readers say it "ais". Entries match whole words, case
sensitively, so "ICE" the agency changes and "ice" the frozen water does not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache

from a11ykit.quality.speech import normalize_speech
from a11ykit.terms.base import Glossary

#: Built-in pronunciations, per page language. A glossary's ``pronunciations`` add to
#: and override these (see :func:`lexicon_for`).
DEFAULT_LEXICON: dict[str, dict[str, str]] = {
    # CECOT: the Spanish acronym, said as one word, stress on the last syllable.
    # ICE: said as the word "ice", never spelled out.
    "en": {"CECOT": "[[sEk'oUt]]", "ICE": "ice"},
    "es": {"CECOT": "Cecot", "ICE": "ais"},
}

_PHONEMES_RE = re.compile(r"\[\[[^\[\]]*\]\]")


def lexicon_for(lang: str, glossary: Glossary | None = None) -> dict[str, str]:
    """The lexicon for a page language: the built-in entries, then the glossary's, which win."""
    lexicon = dict(DEFAULT_LEXICON.get(lang, {}))
    if glossary is not None:
        for term in glossary.terms:
            said = term.pronunciations.get(lang)
            if said:
                for form in (*term.forms.get(lang, ()), *term.all_forms()):
                    lexicon[form] = said
    return lexicon


def check_pronunciation(said: str) -> None:
    """Refuse a pronunciation espeak would misread: multi-line, or brackets outside whole
    ``[[…]]`` phoneme groups ("[[nasa" never closes). The glossary calls this for every
    ``say_*`` cell, so a bad one is an error naming its line, not a failure mid-narration."""
    if any(ch in said for ch in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"):
        raise ValueError(f"{said!r} spans lines")
    rest = _PHONEMES_RE.sub("", said)
    if "[" in rest or "]" in rest:
        raise ValueError(f"unbalanced [[…]] in {said!r} (espeak phonemes go in double brackets: [[sEk'oUt]])")


def check_entry(written: str, said: str) -> None:
    """Refuse entries espeak would misread: empty, multi-line, or unbalanced ``[[…]]``."""
    if not written.strip() or not said.strip():
        raise ValueError(f"empty lexicon entry {written!r} → {said!r}")
    if any(ch in written for ch in "\r\n"):
        raise ValueError(f"lexicon entry {written!r} spans lines")
    try:
        check_pronunciation(said)
    except ValueError as exc:
        raise ValueError(f"lexicon entry {written!r}: {exc}") from None


def apply_lexicon(text: str, lexicon: Mapping[str, str]) -> str:
    """The text espeak should read: page text with lexicon entries substituted.

    Double brackets already in the page text are removed first, so only lexicon
    entries can reach espeak as phonemes.
    """
    return lexicon_substitution(lexicon)(text)


def lexicon_substitution(lexicon: Mapping[str, str], lang: str | None = None) -> Callable[[str], str]:
    """:func:`apply_lexicon` with the lexicon compiled once, for reading many texts. With the
    page's ``lang``, what a voice misreads is normalized first (:func:`a11ykit.quality.normalize_speech`:
    "EE.UU." → "Estados Unidos", "·" and "|" → a pause, "5 km" → "5 kilómetros")."""
    substitute = _compiled(tuple(lexicon.items())) if lexicon else None

    def apply(text: str) -> str:
        text = re.sub(r"\]{2,}", "]", re.sub(r"\[{2,}", "[", text))
        if lang is not None:
            text = normalize_speech(text, lang)
        return substitute(text) if substitute is not None else text

    return apply


@lru_cache(maxsize=8)
def _compiled(entries: tuple[tuple[str, str], ...]) -> Callable[[str], str]:
    """The substitution for a lexicon, built once however many sentences it reads: the entries
    grouped by their first word (or character), so each place in a text tries only the entries
    that start like it, longest first: what ``(?<!\\w)(?:longest|…|shortest)(?!\\w)`` would do,
    at a cost that does not grow with the size of the lexicon."""
    for written, replacement in entries:
        check_entry(written, replacement)
    said = {written: _as_words(replacement) for written, replacement in entries}
    by_first: dict[str, list[str]] = {}
    for written in sorted(said, key=len, reverse=True):
        by_first.setdefault(_FIRST.match(written).group(0), []).append(written)  # type: ignore[union-attr]
    starts = re.compile(r"(?<!\w)(?:\w+|\s|[^\w\s])")

    def substitute(text: str) -> str:
        parts: list[str] = []
        done = 0  # text[:done] is in parts
        for start in starts.finditer(text):
            p = start.start()
            if p < done:
                continue
            for written in by_first.get(start.group(0), ()):
                end = p + len(written)
                if text.startswith(written, p) and not _WORD_AT.match(text, end):
                    parts += [text[done:p], said[written]]
                    done = end
                    break
        return "".join(parts) + text[done:]

    return substitute


_FIRST = re.compile(r"\w+|\s|[^\w\s]")
_WORD_AT = re.compile(r"\w")


def _as_words(said: str) -> str:
    """A respelling in lower case (phonemes untouched): dictionary-style stress capitals
    ("SEE-cot") would make espeak spell the letters out, "S-E-E cot"."""
    parts = _PHONEMES_RE.split(said)
    phonemes = _PHONEMES_RE.findall(said)
    out = [parts[0].lower()]
    for phoneme, part in zip(phonemes, parts[1:], strict=True):
        out += [phoneme, part.lower()]
    return "".join(out)


def uses_phonemes(text: str) -> bool:
    """Whether espeak must read ``[[…]]`` in this text as phonemes."""
    return bool(_PHONEMES_RE.search(text))
