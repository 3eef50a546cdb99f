"""``a11ykit glossary``: TBX export/import and translators' overrides.

Parses the options and prints; the work is :mod:`a11ykit.terms.exchange` and
:func:`a11ykit.terms.overrides.override_term`."""

from __future__ import annotations

import argparse
from pathlib import Path

from a11ykit.terms.glossary import DEFAULT_GLOSSARY
from a11ykit.terms.overrides import load_history, load_overrides, override_term, overrides_path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "glossary",
        help="exchange the glossary as TBX; propose and approve term overrides",
        description="Work on the locked glossary outside the build.",
    )
    parser_class = type(p)  # the CLI's parser: one-line usage errors, exit 2
    sub = p.add_subparsers(dest="glossary_command", metavar="ACTION", parser_class=parser_class)
    sub.required = True

    export = sub.add_parser(
        "export",
        help="write the glossary as TBX (ISO 30042)",
        description="Write the CSV glossary as a TBX file for terminology tools.",
    )
    export.add_argument("--tbx", required=True, type=Path, metavar="FILE", help="the TBX file to write")
    _glossary_option(export)
    export.set_defaults(func=run_export)

    imp = sub.add_parser(
        "import",
        help="replace the glossary with the terms of a TBX file",
        description="Read a TBX file (v3 <tbx> or v2 <martif>; DOCTYPEs are refused) and write it "
        "as the CSV glossary, replacing the file (comments in it are not kept). An entry's notes "
        "become one line, separated by ' / '. A TBX file without terms is refused unless --allow-empty.",
    )
    imp.add_argument("tbx", type=Path, metavar="FILE.tbx", help="the TBX file to read")
    imp.add_argument("--allow-empty", action="store_true",
                     help="replace the glossary even if the TBX file has no terms (empties it)")
    _glossary_option(imp)
    imp.set_defaults(func=run_import)

    override = sub.add_parser(
        "override",
        help="propose, approve, reject or list overrides of a term's target form",
        description="Overrides change the canonical form of one glossary term in one language once "
        "approved; every decision (who, when, why) is added to overrides.csv beside the glossary, "
        "one per line, and kept.",
    )
    actions = override.add_subparsers(dest="override_command", metavar="ACTION", parser_class=parser_class)
    actions.required = True
    for action, help_text in (
        ("propose", "propose a new target form for a term"),
        ("approve", "approve a proposed form: the next build uses it"),
        ("reject", "reject a proposed (or approved) form"),
    ):
        a = actions.add_parser(action, help=help_text, description=help_text[0].upper() + help_text[1:] + ".")
        a.add_argument("term", metavar="TERM", help="the term as the glossary's canonical English form")
        a.add_argument("--lang", required=True, metavar="LANG", help="the language whose form changes: es or en")
        a.add_argument("--form", required=action == "propose", metavar="FORM",
                       help="the new form" + ("" if action == "propose" else " (needed when several are proposed)"))
        a.add_argument("--why", default="", metavar="TEXT", help="the reason, for the record")
        a.add_argument("--who", default=None, metavar="NAME",
                       help="who decides (default: git config user.name, else $USER)")
        _overrides_option(a)
        _glossary_option(a)
        a.set_defaults(func=run_override, action=action)
    listing = actions.add_parser("list", help="print the overrides",
                                 description="Print the overrides in their current state, one per line.")
    listing.add_argument("--history", action="store_true",
                         help="print every decision, in order, instead (who proposed, who approved, when, why)")
    _overrides_option(listing)
    _glossary_option(listing)
    listing.set_defaults(func=run_list)


def _glossary_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--glossary", default=DEFAULT_GLOSSARY, type=Path, metavar="PATH",
                   help=f"the CSV glossary (default: {DEFAULT_GLOSSARY})")


def _overrides_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--overrides", default=None, type=Path, metavar="PATH",
                   help="the overrides file (default: overrides.csv beside the glossary)")


def run_export(args: argparse.Namespace) -> int:
    from a11ykit.terms.exchange import export_tbx  # here: TBX (XML) is this command's alone

    count = export_tbx(args.glossary, args.tbx)
    print(f"wrote {args.tbx} ({count} terms)")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from a11ykit.terms.exchange import import_tbx

    count = import_tbx(args.tbx, args.glossary, allow_empty=args.allow_empty)
    print(f"wrote {args.glossary} ({count} terms from {args.tbx})")
    return 0


def run_override(args: argparse.Namespace) -> int:
    changed = override_term(
        args.glossary, args.overrides, args.action,
        term=args.term, lang=args.lang, form=args.form, who=args.who, why=args.why,
    )
    where = overrides_path(args.glossary, args.overrides)
    print(f"{changed.status}: {changed.term!r} ({changed.lang}) → {changed.form!r} in {where}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    path = overrides_path(args.glossary, args.overrides)
    for o in load_history(path) if args.history else load_overrides(path):
        why = f" — {o.why}" if o.why else ""
        print(f"{o.status:8} {o.term!r} ({o.lang}) → {o.form!r}  {o.who}, {o.when.isoformat()}{why}")
    return 0
