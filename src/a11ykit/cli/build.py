"""``a11ykit build``: translate a page (and, by default, narrate it).

Parses the options, calls :func:`a11ykit.build` and :meth:`Article.save`, prints what was written."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from a11ykit.api import build, collector_paused
from a11ykit.errors import InputError
from a11ykit.layout import terminate_cleanly
from a11ykit.progress import terminal_progress
from a11ykit.quality.repairs import REPAIRS, check_repairs
from a11ykit.site import Options, Outcome, build_site, is_site
from a11ykit.terms.glossary import DEFAULT_GLOSSARY
from a11ykit.translate.engines.base import available_engines


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "build",
        help="translate an article page into the other language",
        description="Translate INPUT.html (English ⇄ Spanish) under the locked glossary; writes "
        "DIR/<stem>.<lang>.html and DIR/<stem>.<lang>.report.json.",
    )
    p.add_argument("input", nargs="+", metavar="INPUT",
                   help="the article page; or several pages, folders (their *.html, recursively) and @LIST files "
                   "(one path a line): a site build, whose outputs mirror the input tree under DIR")
    p.add_argument("--to", required=True, dest="target", metavar="LANG", help="target language: es or en")
    p.add_argument(
        "--from", default="auto", dest="source", metavar="LANG", help="source language: auto (default), en or es"
    )
    p.add_argument("--out", default=Path("out"), type=Path, metavar="DIR", help="output folder (default: out/)")
    p.add_argument("--engine", default="auto", metavar="NAME",
                   help=f"translation engine: auto (default), {', '.join(available_engines())}")
    p.add_argument("--glossary", default=None, type=Path, metavar="PATH",
                   help=f"locked glossary CSV (default: {DEFAULT_GLOSSARY}, else the project's own)")
    p.add_argument("--overrides", default=None, type=Path, metavar="PATH",
                   help="the glossary's overrides file (default: overrides.csv beside the glossary)")
    p.add_argument("--locales", default=None, type=Path, metavar="DIR",
                   help="the translators' catalogs folder: DIR/<lang>/LC_MESSAGES/<stem>.po (default: locales/)")
    p.add_argument("--ui-locales", default=None, type=Path, metavar="DIR",
                   help="a folder of the page's own UI strings (DIR/<lang>/LC_MESSAGES/a11ykit.po) to use instead of "
                   "a11ykit's")
    p.add_argument("--no-repair", action="append", default=[], metavar="NAME",
                   help=f"switch one rule-based repair off (repeatable): {', '.join(REPAIRS)}")
    p.add_argument("--no-repairs", action="store_true", help="switch all rule-based repairs off")
    p.add_argument("--strict", action="store_true", help="exit 1 if glossary violations remain")
    p.add_argument("--no-audio", dest="audio", action="store_false", help="skip the narrated audio and the player")
    p.add_argument(
        "--voice", default=None, metavar="VOICE", help="espeak-ng voice for the narration (default: per language)"
    )
    p.add_argument(
        "--original-url",
        default=None,
        metavar="URL",
        help="where the original page is published, for the notice's link, the language switcher and the "
        "alternates (default: the page's canonical link or og:url, else its sibling <stem>.<lang>.html in DIR)",
    )
    p.add_argument("--epub", action="store_true",
                   help="also write DIR/<stem>.<lang>.epub, a talking book (EPUB 3 with media overlays)")
    p.add_argument("--tm", default=None, type=Path, metavar="PATH",
                   help="translation memory (SQLite) asked before the engine (default for a site build: "
                   "DIR/.a11ykit/memory.sqlite; a single page uses one only when given)")
    p.add_argument("--jobs", default=None, type=_positive, metavar="N",
                   help="site build: articles built at once (default: the number of cores)")
    p.add_argument("--scheduler", default=None, metavar="tcp://HOST:8786",
                   help="site build: translate and synthesize on this Dask cluster (needs the dask extra)")
    p.set_defaults(func=run)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return value


def run(args: argparse.Namespace) -> int:
    if args.epub and not args.audio:
        raise InputError("--epub needs the narration; leave out --no-audio", code="A11Y806")
    check_repairs(args.no_repair)
    repairs = [] if args.no_repairs else [name for name in REPAIRS if name not in args.no_repair]
    if is_site(args.input):
        return run_site(args, repairs)
    args.input = Path(args.input[0])
    with terminate_cleanly(), collector_paused():
        article = build(
            args.input,
            to=args.target,
            source=args.source,
            out=args.out,
            engine=args.engine,
            glossary=args.glossary,
            overrides=args.overrides,
            locales=args.locales,
            ui_locales=args.ui_locales,
            audio=args.audio,
            voice=args.voice,
            original_url=args.original_url,
            strict=args.strict,
            progress=terminal_progress(),
            memory=args.tm,
            repairs=repairs,
        ).save()
    outputs, summary = article.settings.outputs, article.summary
    print(f"wrote {outputs.page} and {outputs.report}")
    print(
        f"{summary.segments} segments ({summary.sentences} sentences) with {article.engine}; "
        f"{summary.violations} glossary violation(s); {summary.flagged} flagged for review; "
        f"{summary.problems} QA problem(s); {summary.approved} approved translation(s) used; "
        f"{summary.quality_flagged} sentence(s) flagged for quality"
    )
    print(f"translators' catalog: {outputs.catalog}")
    if article.memory is not None:
        memory = article.memory
        print(f"translation memory {memory.path}: {memory.from_memory} sentence(s) from memory, "
              f"{memory.from_engine} translated, {memory.approved_from_memory} approved elsewhere")
    audio = article.audio
    if audio:
        voice = audio["voice"]
        print(
            f"audio: {audio['files']['opus']} ({audio['duration']:.1f} s, "
            f"voice {voice['name']} [{voice['identifier']}]); "
            f"{len(audio['synthesized'])} sentence(s) synthesized, {len(audio['cached'])} from cache"
        )
    if args.epub:
        from a11ykit.cli.epub import describe
        from a11ykit.epub import build_epub

        print(describe(build_epub(outputs.page, lang=article.target, image_dirs=[args.input.parent],
                                  glossary_path=args.glossary, overrides_path=args.overrides)))
    for v in article.violations:
        print(f"  violation {v.segment_id}: {v.term!r} expected as {v.expected!r} "
              f"{v.expected_count}×, found {v.found_count}×", file=sys.stderr)
    for warning in article.warnings:
        print(f"  warning: {warning}", file=sys.stderr)
    return 0


def run_site(args: argparse.Namespace, repairs: list[str]) -> int:
    """Many articles: one line each as it finishes, a summary table, exit 1 if any failed."""
    options = Options(
        to=args.target, source=args.source, engine=args.engine, glossary=args.glossary, overrides=args.overrides,
        locales=args.locales, ui_locales=args.ui_locales, audio=args.audio, voice=args.voice,
        original_url=args.original_url,
        strict=args.strict, epub=args.epub, repairs=tuple(repairs),
    )

    def report(outcome: Outcome) -> None:
        if outcome.status == "failed":
            print(f"failed    {outcome.message}", file=sys.stderr)
        else:
            print(f"{outcome.status:<9} {outcome.name} → {outcome.page}")

    with terminate_cleanly():
        result = build_site(
            args.input, options, out=args.out, memory=args.tm, jobs=args.jobs, scheduler=args.scheduler,
            progress=terminal_progress(), report=report,
        )
    if result.speech_cache:
        line = (f"speech cache: {result.speech_cache}; {result.synthesized} item(s) synthesized here, "
                f"{result.cached} from the cache")
        if args.scheduler is not None:
            workers = ", ".join(f"{name} {count}" for name, count in sorted(result.speakers.items()))
            line += (f"; {result.utterances} unique utterance(s), {result.on_cluster} synthesized on the cluster"
                     + (f" ({workers})" if workers else ""))
        print(line)
    rows = [("articles", len(result.outcomes)), ("built", result.count("built")),
            ("unchanged", result.count("unchanged")), ("failed", result.count("failed")),
            ("sentences", result.sentences), ("from memory", result.sentences - result.translated),
            ("translated", result.translated)]
    print("  ".join(f"{name:>{max(len(name), 6)}}" for name, _ in rows))
    print("  ".join(f"{value:>{max(len(name), 6)}}" for name, value in rows))
    print(f"translation memory: {result.memory}; {result.seconds:.1f} s")
    return 1 if result.failed else 0
