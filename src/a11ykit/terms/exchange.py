"""Exchanging the glossary with terminology tools: the CSV glossary exported as TBX, a TBX file
imported as the CSV glossary.

Owns the file-level decisions (refusing an import that would empty the glossary, checking
the CSV by reading it back, naming a problem by its TBX entry). The TBX format itself is
:mod:`a11ykit.terms.tbx`'s and the CSV format :mod:`a11ykit.terms.glossary`'s; this module
must not parse either, and must not print.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import Path

from a11ykit.errors import GlossaryError, InputError
from a11ykit.terms.base import Glossary
from a11ykit.terms.glossary import load_glossary, read_glossary, write_file, write_glossary
from a11ykit.terms.tbx import read_tbx, write_tbx


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
