"""Narrating a page on its own: the library behind ``a11ykit speak``.

A page a11ykit built already has its sentence spans; any other page gets the sentence ids
a build would give it. The glossary is the build's (:func:`a11ykit.api.resolve_glossary`:
the same default, with its overrides), so a page says its terms the same way whichever
command narrated it. This module decides what is read and where the files go; synthesis is
:mod:`a11ykit.speech`'s and file names are :mod:`a11ykit.layout`'s. It must not print.
"""

from __future__ import annotations

from pathlib import Path

from a11ykit.api import read_input, resolve_glossary
from a11ykit.errors import InputError
from a11ykit.html.parse import parse_page
from a11ykit.html.render import apply_translations
from a11ykit.l10n import check_language, ui_translations
from a11ykit.layout import SPEECH_CACHE, output_stem
from a11ykit.progress import Progress, no_progress
from a11ykit.speech import AudioResult, SpeechItem
from a11ykit.stages import detect_language


def speech_items(
    data: bytes, lang: str | None = None, *, ui_dir: Path | None = None, name: str = "input"
) -> list[SpeechItem]:
    """The spoken items of a page, in reading order. A page a11ykit built has sentence
    spans already; an original page gets the same sentence ids it would get in a build."""
    from a11ykit.html.reading import speech_items as read_items

    page = parse_page(data, name=name)
    lang = check_language(lang, "language") if lang else detect_language(page)
    if not page.soup.find(class_="a11y-s"):
        apply_translations(page, {u.id: u.source for u in page.units})
    return read_items(page.soup, ui_translations(lang, ui_dir))


def page_language(data: bytes, name: str = "input") -> str:
    """The language of a page to narrate: its ``lang`` attribute, else a guess."""
    try:
        return detect_language(parse_page(data, name=name))
    except InputError as exc:
        raise InputError("cannot tell the page's language; pass --lang en or --lang es", code=exc.code) from None


def speak(
    input_path: str | Path,
    *,
    lang: str | None = None,
    out: str | Path | None = None,
    voice: str | None = None,
    rate: int | None = None,
    workers: int = 2,
    glossary: str | Path | None = None,
    overrides: str | Path | None = None,
    cache: bool = True,
    progress: Progress = no_progress,
) -> AudioResult:
    """Narrate the page at ``input_path`` into ``<stem>.<lang>.*`` in ``out`` (default: beside it)."""
    from a11ykit.html.reading import narration_tags
    from a11ykit.speech import synthesize_article
    from a11ykit.speech.lexicon import lexicon_for

    input_path = Path(input_path)
    data = read_input(input_path)
    lang = check_language(lang, "language") if lang else page_language(data, str(input_path))
    out_dir = Path(out) if out is not None else input_path.parent
    resolved = resolve_glossary(glossary, overrides)[0]
    return synthesize_article(
        speech_items(data, lang, name=str(input_path)),
        lang=lang,
        out_dir=out_dir,
        stem=output_stem(input_path),
        voice=voice,
        rate=rate,
        lexicon=lexicon_for(lang, resolved),
        cache_dir=out_dir / SPEECH_CACHE if cache else None,
        workers=max(1, workers),
        progress=progress,
        tags=narration_tags(parse_page(data, name=str(input_path)).soup, source=input_path.name),
    )
