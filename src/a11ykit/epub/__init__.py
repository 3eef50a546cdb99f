"""A talking book: a built page and its narration as an EPUB 3 with Media Overlays.

This module owns making a book from the files of a build (page, sync map, MP3 found
beside each other, images found beside the page) and the book's error codes. It must
not build or change the page or the audio; it only reads them.

:func:`build_epub` reads a page a11ykit built with audio (``<stem>.<lang>.html``),
its sync map (``<stem>.<lang>.syncmap.json``) and MP3 (``<stem>.<lang>.mp3``) from
one folder and writes ``<stem>.<lang>.epub``: the article as XHTML parts
(:mod:`a11ykit.epub.content`), a navigation document, one SMIL overlay per part that
pairs every spoken element's id with its clip of the MP3, and a package document with
accessibility and media metadata (:mod:`a11ykit.epub.book`). Reading systems such as
Thorium Reader play it with the sentence being read highlighted.

``dcterms:modified`` (and every zip entry's time) is, in order: ``SOURCE_DATE_EPOCH``
when set, the article's own modified or published date (its meta, else its first
``<time datetime>``), else the page file's modification time — so the same page and
audio give the same bytes.

InputError codes: A11Y801 a file the book needs is missing or unreadable, A11Y802 no
article text, A11Y803 duplicate ids, A11Y804 the sync map or audio is not this page's,
A11Y805 the book cannot be written, A11Y806 ``build --epub`` without audio.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bs4 import BeautifulSoup

from a11ykit.api import resolve_glossary
from a11ykit.epub.book import ACTIVE_CLASS, Book, Clip, book_files, contiguous_clips, make_book, write_epub
from a11ykit.epub.content import Content, extract
from a11ykit.errors import InputError, OutputError
from a11ykit.html.decode import decode_html
from a11ykit.html.parse import declared_language
from a11ykit.l10n import check_language
from a11ykit.layout import atomic_write, output_name, output_stem
from a11ykit.speech.captions import read_syncmap
from a11ykit.speech.lexicon import lexicon_for

__all__ = [
    "ACTIVE_CLASS",
    "Book",
    "Clip",
    "Content",
    "EpubResult",
    "book_files",
    "build_epub",
    "contiguous_clips",
    "extract",
    "make_book",
    "write_epub",
]


@dataclass
class EpubResult:
    path: Path
    book: Book


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file ({what}); build the page with audio first", code="A11Y801") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror or exc})", code="A11Y801") from None


def audio_duration(path: Path) -> float:
    """The decoded length of an audio file, in seconds."""
    import soundfile

    try:
        return float(soundfile.info(str(path)).duration)
    except (soundfile.LibsndfileError, RuntimeError) as exc:
        raise InputError(f"{path}: not a readable MP3 ({exc})", code="A11Y801") from None


def source_date_epoch() -> datetime | None:
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise InputError(f"SOURCE_DATE_EPOCH={value!r} is not a number of seconds", code="A11Y801") from None


def _image_finder(folders: Sequence[Path]) -> Callable[[str], bytes | None]:
    def find(src: str) -> bytes | None:
        for folder in folders:
            path = folder / src
            if path.is_file():
                try:
                    return path.read_bytes()
                except OSError:
                    continue
        return None

    return find


def _source_folders(soup: BeautifulSoup, page_path: Path, report_path: Path) -> list[Path]:
    """Folders of the page this one was translated from: the input its build report names,
    and the local targets of its ``rel=alternate`` and notice links that exist."""
    folders = []
    try:
        source = json.loads(report_path.read_text(encoding="utf-8")).get("input")
    except (OSError, ValueError, AttributeError):
        source = None
    if isinstance(source, str) and source:
        folders.append((page_path.parent / source).parent)
    links = soup.find_all("link", rel="alternate") + soup.select(".a11y-notice a[href]")
    for link in links:
        href = str(link.get("href") or "")
        if not href or "://" in href or href.startswith(("/", "#")):
            continue
        target = page_path.parent / href
        if target.is_file() and target.resolve() != page_path.resolve():
            folders.append(target.parent)
    return folders


def _lexicon(lang: str, glossary_path: Path | None, overrides_path: Path | None) -> dict[str, str]:
    """Pronunciations from the glossary a build uses, its overrides applied."""
    return lexicon_for(lang, resolve_glossary(glossary_path, overrides_path)[0])


def build_epub(
    page_path: Path,
    *,
    lang: str | None = None,
    out_dir: Path | None = None,
    image_dirs: Sequence[Path] = (),
    glossary_path: Path | None = None,
    overrides_path: Path | None = None,
) -> EpubResult:
    """Write ``out_dir/<stem>.<lang>.epub`` (default: beside the page) from a built page,
    its sync map and MP3. Images are looked for beside the page, then in ``image_dirs``,
    then beside the page it was translated from (as its build report or its links say).
    The book's pronunciation lexicon is the narration's: the built-in one and the
    ``say_*`` column of the glossary (``glossary_path``, default: as ``build`` finds it) with its
    overrides (``overrides_path``, default: the file beside the glossary), as ``build`` applies them."""
    page_path = Path(page_path)
    data = _read(page_path, "the page")
    soup = BeautifulSoup(decode_html(data, str(page_path)).text, "html.parser")
    lang = check_language(lang or declared_language(soup) or "", "book language")
    stem = output_stem(page_path)
    folder = page_path.parent
    syncmap_path = folder / output_name(stem, lang, "syncmap")
    try:
        cues = read_syncmap(io.StringIO(_read(syncmap_path, "the sync map").decode("utf-8")))
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{syncmap_path}: not a sync map ({exc})", code="A11Y801") from None
    mp3_path = folder / output_name(stem, lang, "mp3")
    audio = _read(mp3_path, "the narration")
    folders = [folder, *image_dirs, *_source_folders(soup, page_path, folder / output_name(stem, lang, "report"))]
    content = extract(soup, cues, lang=lang, find_image=_image_finder(folders))
    modified = source_date_epoch()
    if modified is None and content.modified is None:
        modified = datetime.fromtimestamp(page_path.stat().st_mtime, tz=UTC)
    book = make_book(content, cues, audio, stem=stem, duration=audio_duration(mp3_path), modified=modified,
                     lexicon=_lexicon(lang, glossary_path, overrides_path))
    out = Path(out_dir) if out_dir is not None else folder
    path = out / output_name(stem, lang, "epub")
    try:
        atomic_write(path, lambda f: write_epub(f, book))
    except OutputError as exc:
        raise InputError(str(exc), code="A11Y805") from None
    return EpubResult(path, book)
