"""``a11ykit speak``: narrate one page into audio, captions, chapters and a sync map."""

from __future__ import annotations

import argparse
from pathlib import Path

from a11ykit.errors import InputError
from a11ykit.model import LANGUAGES
from a11ykit.progress import terminal_progress


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "speak",
        help="narrate a page: Opus and MP3 audio, WebVTT captions and chapters, a JSON sync map",
        description=(
            "Read the sentences of INPUT.html aloud with espeak-ng and write "
            "STEM.LANG.opus, .mp3, .vtt, .chapters.vtt and .syncmap.json "
            "(STEM is the input file name without .html and a language suffix)."
        ),
    )
    parser.add_argument("input", metavar="INPUT.html", type=Path, help="the page to narrate")
    parser.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the page (default: en)")
    parser.add_argument("--out", metavar="DIR", type=Path, help="output folder (default: beside INPUT)")
    parser.add_argument("--voice", metavar="V", help="espeak voice, e.g. en-us or es-419 (default: by language)")
    parser.add_argument("--rate", metavar="N", type=int, help="words per minute, 80–450 (default: 175)")
    parser.add_argument("--workers", metavar="N", type=int, default=2, help="synthesis processes (default: 2)")
    parser.add_argument(
        "--no-cache", action="store_true", help="do not reuse or keep per-sentence audio between runs"
    )
    parser.set_defaults(func=run)


def page_stem(path: Path) -> str:
    """``cecot.es.html`` → ``cecot``: the name without ``.html`` and a language suffix."""
    stem = path.name
    for suffix in (".html", ".htm"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    base, _, last = stem.rpartition(".")
    return base if base and last in LANGUAGES else stem


def run(args: argparse.Namespace) -> int:
    from a11ykit.pipeline import speech_items
    from a11ykit.speech import synthesize_article

    try:
        html = args.input.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {args.input}: {exc.strerror}") from None
    out_dir = args.out if args.out is not None else args.input.parent
    stem = page_stem(args.input)
    result = synthesize_article(
        speech_items(html, args.lang),
        lang=args.lang,
        out_dir=out_dir,
        stem=stem,
        voice=args.voice,
        rate=args.rate,
        cache_dir=None if args.no_cache else out_dir / ".a11ykit-cache" / "speech",
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
