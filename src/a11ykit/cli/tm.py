"""``a11ykit tm``: the translation memory a site build keeps (stats, TMX export and import).

Parses the options and prints; the work is :class:`a11ykit.memory.TranslationMemory`."""

from __future__ import annotations

import argparse
from pathlib import Path

from a11ykit.errors import InputError, OutputError
from a11ykit.memory import TranslationMemory
from a11ykit.site import MEMORY, STATE_DIR

DEFAULT_MEMORY = Path("out") / STATE_DIR / MEMORY


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "tm",
        help="the translation memory: stats, TMX export and import",
        description="Look at the translation memory builds keep, or exchange it with CAT tools as TMX 1.4b.",
    )
    parser_class = type(p)  # the CLI's parser: one-line usage errors, exit 2
    sub = p.add_subparsers(dest="tm_command", metavar="ACTION", parser_class=parser_class)
    sub.required = True

    stats = sub.add_parser("stats", help="count the entries per language pair and engine",
                           description="Count the memory's machine and approved entries and the back"
                           " translations kept for the quality round trip, per language pair and per"
                           " engine (name and version).")
    _memory_option(stats)
    stats.set_defaults(func=run_stats)

    export = sub.add_parser("export", help="write the memory as TMX 1.4b",
                            description="Write every entry (machine output and approved translations) as TMX 1.4b.")
    export.add_argument("--tmx", required=True, type=Path, metavar="FILE", help="the TMX file to write")
    _memory_option(export)
    export.set_defaults(func=run_export)

    imp = sub.add_parser("import", help="add the units of a TMX file to the memory",
                         description="Add the translation units of a TMX 1.4b file (all of them or, on any "
                         "error, none); creates the memory when missing.")
    imp.add_argument("tmx", type=Path, metavar="FILE.tmx", help="the TMX file to read")
    _memory_option(imp)
    imp.set_defaults(func=run_import)


def _memory_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tm", default=DEFAULT_MEMORY, type=Path, metavar="PATH",
                   help=f"the memory (default: {DEFAULT_MEMORY}, where a site build into out/ keeps it)")


def _existing(path: Path) -> TranslationMemory:
    if not path.is_file():
        raise InputError(f"{path}: no translation memory there (a site build creates one; see --tm)", code="A11Y172")
    return TranslationMemory.open(path)


def run_stats(args: argparse.Namespace) -> int:
    with _existing(args.tm) as memory:
        stats = memory.stats()
    print(f"{args.tm}: {stats.machine} machine translation(s), {stats.approved} approved,"
          f" {stats.back_translations} back translation(s) for the quality round trip")
    for pair, counts in stats.pairs.items():
        print(f"  {pair}: {counts['machine']} machine, {counts['approved']} approved,"
              f" {counts['back_translations']} back translation(s)")
    for (engine, version), counts in stats.engines.items():
        print(f"  engine {engine}, version {version or '(unknown)'}: {counts['machine']} machine,"
              f" {counts['back_translations']} back translation(s)")
    return 0


def run_export(args: argparse.Namespace) -> int:
    with _existing(args.tm) as memory:
        try:
            units = memory.export_tmx(args.tmx)
        except OSError as exc:
            raise OutputError(f"{args.tmx}: cannot write it ({exc.strerror or exc})", code="A11Y770") from None
    print(f"wrote {args.tmx}: {units} translation unit(s)")
    return 0


def run_import(args: argparse.Namespace) -> int:
    if not args.tmx.is_file():
        raise InputError(f"{args.tmx}: no such file", code="A11Y172")
    try:
        args.tm.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{args.tm.parent}: cannot create it ({exc.strerror or exc})", code="A11Y770") from None
    with TranslationMemory.open(args.tm) as memory:
        added = memory.import_tmx(args.tmx)
    print(f"{args.tm}: {added} entr{'y' if added == 1 else 'ies'} imported from {args.tmx}")
    return 0
