"""Translators' glossary overrides, and approved translations that contradict the glossary.

An override proposes a different target form for one glossary term in one language
(a house style: "Ley de Enemigos Extranjeros de 1798" rather than "Ley de Enemigos
Extranjeros"), with who decided, when, why and a status. Only *approved* overrides
change the glossary (:func:`apply_overrides`); the new form becomes the canonical
one and the form it replaces is no longer accepted, so the page uses the new form
everywhere and approved PO translations still using the old one are reported by
:func:`approved_conflicts`.

The file lives beside its glossary (``<glossary folder>/overrides.csv``, :func:`overrides_path`;
every command reads and writes it there unless given ``--overrides PATH``). It is the history
of the decisions: CSV with a header, one decision per line, never rewritten, only added to,
kept sorted by term, language, form and date (decisions of one day in the order they were
taken) so that a diff shows one new line per decision. An override's state is its last line::

    term,lang,form,status,who,when,why
    Alien Enemies Act,es,Ley de Enemigos Extranjeros de 1798,proposed,Ana Ruiz,2025-03-01,house style
    Alien Enemies Act,es,Ley de Enemigos Extranjeros de 1798,approved,Luis Mora,2025-03-02,agreed with the desk

This module owns the overrides file and the decisions on it; it must not print (the CLI does)
and must not touch the CSV glossary, which overrides change only in memory.
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Literal

from a11ykit.article import LANGUAGES, Unit
from a11ykit.errors import GlossaryError, InputError
from a11ykit.l10n import check_language
from a11ykit.terms.base import Glossary, Term, Violation
from a11ykit.terms.glossary import load_glossary, term_violations, write_file

OverrideStatus = Literal["proposed", "approved", "rejected"]
STATUSES: tuple[OverrideStatus, ...] = ("proposed", "approved", "rejected")
FIELDS = ("term", "lang", "form", "status", "who", "when", "why")


@dataclass(frozen=True)
class Override:
    """A translator's decision on the target form of one term in one language."""

    term: str  # the term's key (canonical English form) in the glossary
    lang: str  # the language whose form changes
    form: str  # the new canonical form in that language
    status: OverrideStatus
    who: str
    when: datetime.date
    why: str = ""
    line: int = field(default=0, compare=False)  # where it was read, for messages


def sort_key(override: Override) -> tuple[str, str, str, str, str]:
    """Term, language, form, date: a stable sort keeps one day's decisions in their order."""
    return (override.term.casefold(), override.term, override.lang, override.form, override.when.isoformat())


def current_overrides(history: Iterable[Override]) -> list[Override]:
    """Each override's state: the last decision on its term, language and form."""
    latest: dict[tuple[str, str, str], Override] = {}
    for decision in history:
        latest[(decision.term, decision.lang, decision.form)] = decision
    return sorted(latest.values(), key=sort_key)


def _clean(value: str) -> str:
    return " ".join(value.split())


# --- the file ----------------------------------------------------------------------------


def read_overrides(fileobj: IO[str], name: str = "overrides.csv") -> list[Override]:
    """Read an overrides file (text mode, ``newline=""``): its decisions, in the file's order.
    A malformed one raises :class:`GlossaryError` naming the line."""
    reader = csv.reader(fileobj)
    header = next(reader, None)
    if header is None:
        return []
    if [h.strip() for h in header] != list(FIELDS):
        raise GlossaryError(
            f"{name} line 1: the header must be {','.join(FIELDS)}", code="A11Y251"
        )
    overrides = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        overrides.append(_parse_row(row, name, reader.line_num))
    return overrides


def _parse_row(row: list[str], name: str, line: int) -> Override:
    def fail(message: str) -> GlossaryError:
        return GlossaryError(f"{name} line {line}: {message}", code="A11Y251")

    if len(row) != len(FIELDS):
        raise fail(f"expected {len(FIELDS)} fields ({','.join(FIELDS)}), found {len(row)}")
    term, lang, form, status, who, when, why = (_clean(cell) for cell in row)
    for label, value in (("term", term), ("form", form), ("who", who)):
        if not value:
            raise fail(f"the {label} is empty")
    if lang not in LANGUAGES:
        raise fail(f"unknown language {lang!r} (one of {', '.join(LANGUAGES)})")
    if status not in STATUSES:
        raise fail(f"unknown status {status!r} (one of {', '.join(STATUSES)})")
    try:
        date = datetime.date.fromisoformat(when)
    except ValueError:
        raise fail(f"the date {when!r} is not YYYY-MM-DD") from None
    return Override(term, lang, form, status, who, date, why, line=line)


def write_overrides(fileobj: IO[str], overrides: Iterable[Override]) -> None:
    """Write decisions sorted, one per line (whitespace inside fields collapsed); decisions
    with the same term, language, form and date keep their order."""
    writer = csv.writer(fileobj, lineterminator="\n")
    writer.writerow(FIELDS)
    for o in sorted(overrides, key=sort_key):
        writer.writerow(
            [_clean(o.term), o.lang, _clean(o.form), o.status, _clean(o.who), o.when.isoformat(), _clean(o.why)]
        )


# --- the decisions -----------------------------------------------------------------------


def _where(override: Override) -> str:
    return f"line {override.line}" if override.line else f"{override.term!r} ({override.lang})"


def apply_overrides(
    glossary: Glossary, overrides: Sequence[Override]
) -> tuple[Glossary, list[Override]]:
    """The glossary with the approved overrides applied, and the proposed overrides
    (for the report). Rejected ones are ignored.

    An approved override for a term the glossary does not have, or two approved
    overrides for the same term and language, raise :class:`GlossaryError`.
    """
    approved: dict[tuple[str, str], Override] = {}
    for override in overrides:
        if override.status != "approved":
            continue
        if glossary.find(override.term) is None:
            raise GlossaryError(
                f"overrides {_where(override)}: no glossary term {override.term!r}", code="A11Y252"
            )
        key = (override.term, override.lang)
        if key in approved:
            raise GlossaryError(
                f"overrides {_where(approved[key])} and {_where(override)}: two approved forms "
                f"for {override.term!r} in {override.lang}; reject one",
                code="A11Y253",
            )
        approved[key] = override
    terms = []
    for term in glossary.terms:
        term_key = term.key  # before an English override changes it
        for lang in LANGUAGES:
            found = approved.get((term_key, lang))
            if found is not None:
                term = _override_term(term, found)
        terms.append(term)
    proposed = [o for o in overrides if o.status == "proposed"]
    return replace(glossary, terms=tuple(terms)), proposed


def _override_term(term: Term, override: Override) -> Term:
    forms = dict(term.forms)
    if term.kind == "keep":  # spell out every language before one changes
        for lang in LANGUAGES:
            forms.setdefault(lang, term.forms["en"])
    rest = forms.get(override.lang, ())[1:]  # the old canonical form goes, variants stay
    forms[override.lang] = (override.form, *(f for f in rest if f != override.form))
    kind = term.kind
    if kind == "keep" and len(set(forms.values())) > 1:
        kind = "map"  # a keep term has one set of forms; this one now has two
    return replace(term, kind=kind, forms=forms)


# --- approved PO translations against the glossary -----------------------------------------


def approved_conflicts(
    glossary: Glossary, target_lang: str, units: Sequence[Unit], approved: Mapping[str, str]
) -> list[Violation]:
    """Approved translations (unit id → tagged text) in which a locked term of the source
    appears fewer times than in the source (any accepted target form counts; the same rule
    as the build's violation check). Source terms are found in either language's forms."""
    violations = []
    for unit in units:
        text = approved.get(unit.id)
        if text is not None:
            violations += term_violations(glossary, target_lang, unit.id, unit.source, text, where="approved")
    return violations


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
    """Write the overrides file (the decisions' history) whole or not at all."""
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
    """The history of decisions ``overrides`` with the decision ``action`` (propose, approve,
    reject) added (nothing in it is changed or dropped), and that decision. Approving a form
    also rejects the form approved before it ("superseded")."""
    current = current_overrides(overrides)
    if action == "propose":
        assert form is not None
        for o in current:
            if (o.term, o.lang, o.form) == (term, lang, form):
                raise InputError(f"{form!r} for {term!r} ({lang}) is already {o.status}", code="A11Y120")
        new = Override(term, lang, form, "proposed", who, today, why)
        return sorted([*overrides, new], key=sort_key), new
    wanted = ("proposed", "rejected") if action == "approve" else ("proposed", "approved")
    candidates = [
        o for o in current
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
    status: OverrideStatus = "approved" if action == "approve" else "rejected"
    changed = Override(chosen.term, lang, chosen.form, status, who, today, why)
    superseded = [
        Override(o.term, o.lang, o.form, "rejected", who, today, f"superseded by {changed.form!r}")
        for o in current
        if action == "approve" and (o.term, o.lang) == (term, lang) and o.status == "approved"
    ]
    return sorted([*overrides, *superseded, changed], key=sort_key), changed


def override_term(
    glossary_path: Path,
    path: Path | None,
    action: str,
    *,
    term: str,
    lang: str,
    form: str | None = None,
    who: str | None = None,
    why: str = "",
    today: datetime.date | None = None,
) -> Override:
    """Record a translator's decision (propose, approve, reject) on the form of a term of the
    glossary at ``glossary_path``, added to the overrides file ``path`` (None: the one beside the
    glossary); returns the decision."""
    lang = check_language(lang, "language")
    if load_glossary(glossary_path).find(term) is None:
        raise InputError(f"{glossary_path} has no term {term!r} (give its canonical English form)", code="A11Y123")
    path = overrides_path(glossary_path, path)
    updated, changed = decide(
        load_history(path),
        action,
        term=term,
        lang=lang,
        form=" ".join(form.split()) if form else None,
        who=who or default_who(),
        why=why,
        today=today or datetime.date.today(),
    )
    save_overrides(path, updated)
    return changed


def load_overrides(path: Path) -> list[Override]:
    """The overrides in the file ``path``, each in its current state; a missing file means none."""
    return current_overrides(load_history(path))


def load_history(path: Path) -> list[Override]:
    """Every decision in the overrides file ``path``, in the file's order; a missing file means none."""
    try:
        with path.open(encoding="utf-8", newline="") as f:
            return read_overrides(f, str(path))
    except FileNotFoundError:
        return []
    except UnicodeDecodeError as exc:
        raise GlossaryError(f"{path}: not UTF-8 (byte {exc.start})", code="A11Y251") from None
    except OSError as exc:  # a folder, no permission
        raise GlossaryError(f"{path}: cannot read the overrides ({exc.strerror or exc})", code="A11Y251") from None


def overrides_path(glossary_path: Path, given: str | Path | None = None) -> Path:
    """The overrides file of a glossary: ``given`` (``--overrides``), else ``overrides.csv`` beside it."""
    return Path(given) if given is not None else Path(glossary_path).parent / "overrides.csv"
