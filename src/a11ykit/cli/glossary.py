"""``a11ykit glossary``: TBX export/import and translators' overrides."""

from __future__ import annotations

import argparse
import datetime
import io
import os
import re
import subprocess
from dataclasses import replace
from pathlib import Path

from a11ykit.errors import GlossaryError, InputError
from a11ykit.terms.glossary import DEFAULT_GLOSSARY, load_glossary, read_glossary, write_glossary
from a11ykit.l10n import check_language
from a11ykit.terms.base import Glossary
from a11ykit.terms.overrides import Override, load_overrides, sort_key, write_overrides
from a11ykit.layout import atomic_write as write_atomic
from a11ykit.terms.tbx import read_tbx, write_tbx

DEFAULT_OVERRIDES = Path("glossary") / "overrides.csv"


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
        "approved; they live in glossary/overrides.csv, one per line.",
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
    listing = actions.add_parser("list", help="print the overrides", description="Print the overrides, one per line.")
    _overrides_option(listing)
    listing.set_defaults(func=run_list)


def _glossary_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--glossary", default=DEFAULT_GLOSSARY, type=Path, metavar="PATH",
                   help=f"the CSV glossary (default: {DEFAULT_GLOSSARY})")


def _overrides_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--overrides", default=DEFAULT_OVERRIDES, type=Path, metavar="PATH",
                   help=f"the overrides file (default: {DEFAULT_OVERRIDES})")


# --- export / import ------------------------------------------------------------------------


def write_file(path: Path, text: str) -> None:
    """Write ``path`` whole or not at all; a folder that cannot be written is one line, not a traceback."""
    try:
        write_atomic(path, text)
    except OSError as exc:  # read-only or missing permission, a file where a folder should be, a full disk
        raise InputError(f"{path}: cannot write it ({exc.strerror or exc})", code="A11Y270") from None


def export_tbx(glossary_path: Path, tbx_path: Path) -> int:
    """Write the glossary at ``glossary_path`` as TBX; returns the number of terms."""
    glossary = load_glossary(glossary_path)
    buffer = io.BytesIO()
    write_tbx(buffer, glossary)
    write_file(tbx_path, buffer.getvalue().decode("utf-8"))
    return len(glossary)


def one_line_notes(glossary: Glossary) -> Glossary:
    """The glossary with each term's notes on one line, joined by ' / ': the CSV has one line per term."""
    terms = tuple(
        replace(t, note=" / ".join(line.strip() for line in t.note.splitlines() if line.strip()))
        for t in glossary.terms
    )
    return replace(glossary, terms=terms)


def import_tbx(tbx_path: Path, glossary_path: Path, *, allow_empty: bool = False) -> int:
    """Replace the CSV glossary with the TBX file's terms; returns the number of terms.

    The CSV is checked by reading it back (the rules of every build) before it replaces
    the old one; a problem names the TBX entry. A file without terms is refused unless
    ``allow_empty``: an empty import would silently unlock every term.
    """
    try:
        with tbx_path.open("rb") as f:
            glossary = read_tbx(f, str(tbx_path))
    except FileNotFoundError:
        raise InputError(f"{tbx_path}: no such file", code="A11Y101") from None
    except IsADirectoryError:
        raise InputError(f"{tbx_path}: is a directory, not a TBX file", code="A11Y101") from None
    except OSError as exc:
        raise InputError(f"{tbx_path}: cannot read it ({exc.strerror or exc})", code="A11Y101") from None
    if not glossary.terms and not allow_empty:
        raise GlossaryError(
            f"{tbx_path} has no terms; importing it would empty {glossary_path} "
            "(give --allow-empty to do that)",
            code="A11Y263",
        )
    text = io.StringIO()
    write_glossary(text, one_line_notes(glossary))
    as_csv = f"{tbx_path} (as CSV)"
    try:
        read_glossary(io.StringIO(text.getvalue()), as_csv)
    except GlossaryError as exc:
        raise _by_entry(exc, as_csv, str(tbx_path)) from None
    write_file(glossary_path, text.getvalue())
    return len(glossary)


def _by_entry(error: GlossaryError, as_csv: str, tbx_name: str) -> GlossaryError:
    """A problem found in the CSV form, told by TBX entry: CSV line N+1 holds entry N."""
    message = str(error)
    found = re.match(re.escape(as_csv) + r":(\d+): (.*)", message)
    if found is None:
        return error
    detail = re.sub(r"already defined on line (\d+)", lambda m: f"already defined in entry {int(m.group(1)) - 1}",
                    found.group(2))
    return GlossaryError(f"{tbx_name} entry {int(found.group(1)) - 1}: {detail}", code=error.code)


def run_export(args: argparse.Namespace) -> int:
    count = export_tbx(args.glossary, args.tbx)
    print(f"wrote {args.tbx} ({count} terms)")
    return 0


def run_import(args: argparse.Namespace) -> int:
    count = import_tbx(args.tbx, args.glossary, allow_empty=args.allow_empty)
    print(f"wrote {args.glossary} ({count} terms from {args.tbx})")
    return 0


# --- overrides -------------------------------------------------------------------------------


def default_who() -> str:
    """git config user.name, else $USER (or $USERNAME), else 'unknown'."""
    try:
        name = subprocess.run(
            ["git", "config", "user.name"], capture_output=True, text=True, timeout=5, check=False
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        name = ""
    return name or os.environ.get("USER") or os.environ.get("USERNAME") or "unknown"


def save_overrides(path: Path, overrides: list[Override]) -> None:
    text = io.StringIO()
    write_overrides(text, overrides)
    write_file(path, text.getvalue())


def decide(
    overrides: list[Override],
    action: str,
    *,
    term: str,
    lang: str,
    form: str | None,
    who: str,
    why: str,
    today: datetime.date,
) -> tuple[list[Override], Override]:
    """The overrides after ``action`` (propose, approve, reject), and the one it changed."""
    if action == "propose":
        assert form is not None
        for o in overrides:
            if (o.term, o.lang, o.form) == (term, lang, form):
                raise InputError(f"{form!r} for {term!r} ({lang}) is already {o.status}", code="A11Y120")
        new = Override(term, lang, form, "proposed", who, today, why)
        return [*overrides, new], new
    wanted = ("proposed", "rejected") if action == "approve" else ("proposed", "approved")
    candidates = [
        o for o in overrides
        if (o.term, o.lang) == (term, lang) and o.status in wanted and (form is None or o.form == form)
    ]
    if not candidates:
        states = " or ".join(wanted)
        raise InputError(f"no {states} override for {term!r} ({lang}){f' with form {form!r}' if form else ''}",
                         code="A11Y121")
    if len(candidates) > 1:
        forms = ", ".join(repr(o.form) for o in candidates)
        raise InputError(f"several overrides for {term!r} ({lang}): {forms}; choose one with --form", code="A11Y122")
    chosen = candidates[0]
    status = "approved" if action == "approve" else "rejected"
    changed = Override(chosen.term, lang, chosen.form, status, who, today, why or chosen.why)
    result = []
    for o in overrides:
        if o is chosen:
            result.append(changed)
        elif action == "approve" and (o.term, o.lang) == (term, lang) and o.status == "approved":
            result.append(Override(o.term, o.lang, o.form, "rejected", who, today, f"superseded by {changed.form!r}"))
        else:
            result.append(o)
    return sorted(result, key=sort_key), changed


def run_override(args: argparse.Namespace) -> int:
    lang = check_language(args.lang, "language")
    glossary = load_glossary(args.glossary)
    if glossary.find(args.term) is None:
        raise InputError(
            f"{args.glossary} has no term {args.term!r} (give its canonical English form)", code="A11Y123"
        )
    overrides = load_overrides(args.overrides)
    updated, changed = decide(
        overrides,
        args.action,
        term=args.term,
        lang=lang,
        form=" ".join(args.form.split()) if args.form else None,
        who=args.who or default_who(),
        why=args.why,
        today=datetime.date.today(),
    )
    save_overrides(args.overrides, updated)
    print(f"{changed.status}: {changed.term!r} ({changed.lang}) → {changed.form!r} in {args.overrides}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    for o in sorted(load_overrides(args.overrides), key=sort_key):
        why = f" — {o.why}" if o.why else ""
        print(f"{o.status:8} {o.term!r} ({o.lang}) → {o.form!r}  {o.who}, {o.when.isoformat()}{why}")
    return 0
