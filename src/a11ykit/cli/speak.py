"""``a11ykit speak``: narrate one page into audio, captions, chapters and a sync map.

Parses the options and prints; the work is :func:`a11ykit.speak.speak`."""

from __future__ import annotations

import argparse
from pathlib import Path

from a11ykit.article import LANGUAGES
from a11ykit.layout import terminate_cleanly
from a11ykit.progress import terminal_progress
from a11ykit.terms.glossary import DEFAULT_GLOSSARY


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "speak",
        help="narrate a page: Opus and MP3 audio, WebVTT captions and chapters, a JSON sync map",
        description=(
            "Read the sentences of INPUT.html aloud with espeak-ng and write "
            "STEM.LANG.opus, .mp3, .vtt, .chapters.vtt and .syncmap.json "
            "(STEM is the input file name without .html and a language suffix). "
            "Pronunciations come from the glossary's say_en/say_es columns and a built-in lexicon."
        ),
    )
    parser.add_argument("input", metavar="INPUT.html", type=Path, help="the page to narrate")
    parser.add_argument(
        "--lang", choices=LANGUAGES, help="language of the page (default: its lang attribute, else a guess)"
    )
    parser.add_argument("--out", metavar="DIR", type=Path, help="output folder (default: beside INPUT)")
    parser.add_argument("--voice", metavar="V", help="espeak voice, e.g. en-us or es-419 (default: by language)")
    parser.add_argument("--rate", metavar="N", type=int, help="words per minute, 80–450 (default: 175)")
    parser.add_argument("--workers", metavar="N", type=int, default=2, help="synthesis processes (default: 2)")
    parser.add_argument(
        "--glossary",
        type=Path,
        metavar="PATH",
        help=f"glossary whose say_en/say_es columns set pronunciations (default: as for build, {DEFAULT_GLOSSARY}, "
        "else the project's own)",
    )
    parser.add_argument("--overrides", type=Path, metavar="PATH",
                        help="the glossary's overrides file (default: overrides.csv beside the glossary)")
    parser.add_argument(
        "--no-cache", action="store_true", help="do not reuse or keep per-sentence audio between runs"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from a11ykit.speak import speak

    with terminate_cleanly():
        result = speak(
            args.input,
            lang=args.lang,
            out=args.out,
            voice=args.voice,
            rate=args.rate,
            workers=args.workers,
            glossary=args.glossary,
            overrides=args.overrides,
            cache=not args.no_cache,
            progress=terminal_progress(),
        )
    print(
        f"{result.opus.name}, {result.mp3.name}: {result.duration:.1f} s, voice {result.voice}; "
        f"{len(result.synthesized)} sentences synthesized, {len(result.cached)} from cache"
    )
    for path in (result.captions, result.chapters, result.syncmap):
        print(path.name)
    return 0
