"""``a11ykit speak``: narrate one page into audio, captions, chapters and a sync map."""

from __future__ import annotations

import argparse
from pathlib import Path

from a11ykit.errors import InputError
from a11ykit.terms.glossary import DEFAULT_GLOSSARY, load_glossary
from a11ykit.layout import terminate_cleanly
from a11ykit.article import LANGUAGES
from a11ykit.progress import terminal_progress

#: The per-sentence audio cache, beside the outputs; ``a11ykit build`` uses the same one.
CACHE_DIR = ".speech-cache"


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
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
        help=f"glossary whose say_en/say_es columns set pronunciations (default: {DEFAULT_GLOSSARY}, if present)",
    )
    parser.add_argument(
        "--no-cache", action="store_true", help="do not reuse or keep per-sentence audio between runs"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from a11ykit.layout import output_stem
    from a11ykit.pipeline import detect_language, parse_page, speech_items
    from a11ykit.speech import synthesize_article
    from a11ykit.speech.lexicon import lexicon_for

    try:
        html = args.input.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {args.input}: {exc.strerror}") from None
    lang = args.lang
    if lang is None:
        try:
            lang = detect_language(parse_page(html, name=str(args.input)))
        except InputError as exc:
            raise InputError("cannot tell the page's language; pass --lang en or --lang es", code=exc.code) from None
    out_dir = args.out if args.out is not None else args.input.parent
    glossary_path = args.glossary or (DEFAULT_GLOSSARY if DEFAULT_GLOSSARY.is_file() else None)
    glossary = load_glossary(glossary_path) if glossary_path is not None else None
    with terminate_cleanly():
        result = synthesize_article(
            speech_items(html, lang, name=str(args.input)),
            lang=lang,
            out_dir=out_dir,
            stem=output_stem(args.input),
            voice=args.voice,
            rate=args.rate,
            lexicon=lexicon_for(lang, glossary),
            cache_dir=None if args.no_cache else out_dir / CACHE_DIR,
            workers=max(1, args.workers),
            progress=terminal_progress(),
        )
    print(
        f"{result.opus.name}, {result.mp3.name}: {result.duration:.1f} s, voice {result.voice}; "
        f"{len(result.synthesized)} sentences synthesized, {len(result.cached)} from cache"
    )
    for path in (result.captions, result.chapters, result.syncmap):
        print(path.name)
    return 0
