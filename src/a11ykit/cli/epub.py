"""``a11ykit epub``: a built page and its narration as an EPUB 3 talking book.

It parses options and prints; the work is :func:`a11ykit.epub.build_epub`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from a11ykit.article import LANGUAGES

if TYPE_CHECKING:
    from a11ykit.epub import EpubResult


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "epub",
        help="make a talking book (EPUB 3 with media overlays) from a page built with audio",
        description=(
            "Read INPUT.html (a page a11ykit built with audio), its sync map STEM.LANG.syncmap.json and "
            "narration STEM.LANG.mp3 beside it, and write STEM.LANG.epub: the article as XHTML, a table of "
            "contents, and one media overlay per part, so reading systems highlight each sentence as it is read."
        ),
    )
    parser.add_argument("input", metavar="INPUT.html", type=Path, help="the built page")
    parser.add_argument("--lang", choices=LANGUAGES, help="the page's language (default: its lang attribute)")
    parser.add_argument("--out", metavar="DIR", type=Path, help="output folder (default: beside INPUT)")
    parser.add_argument("--glossary", type=Path, metavar="PATH",
                        help="glossary whose say_en/say_es columns go into the book's pronunciations "
                             "(default: as for build)")
    parser.add_argument("--overrides", type=Path, metavar="PATH",
                        help="the glossary's overrides file (default: overrides.csv beside the glossary)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from a11ykit.epub import build_epub

    result = build_epub(args.input, lang=args.lang, out_dir=args.out, glossary_path=args.glossary,
                        overrides_path=args.overrides)
    print(describe(result))
    return 0


def describe(result: EpubResult) -> str:
    """One line about a written book, for this command and ``build --epub``."""
    book = result.book
    content = book.content
    spoken = sum(len(clips) for clips in book.clips)
    images = f"{len(content.images)} image(s) embedded"
    if content.replaced_images:
        images += f", {len(content.replaced_images)} shown as their description (not found: " \
                  f"{', '.join(content.replaced_images)})"
    return (f"wrote {result.path}: {len(content.parts)} part(s), {spoken} narrated element(s), "
            f"{book.duration_ms / 1000:.1f} s of audio; {images}")
