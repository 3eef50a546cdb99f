"""Locale formatting (Babel) and the page's own UI strings (gettext, compiled with Babel).

The app's own UI catalogs ship inside the package, in
``src/a11ykit/locales/<lang>/LC_MESSAGES/a11ykit.po`` (a folder given with ``--ui-locales``
or ``$A11YKIT_LOCALES`` is searched first); they are compiled in memory at load time, so
there is no ``.mo`` file to forget to rebuild. They live apart from the translators' article
catalogs (``locales/`` of the working folder, :func:`a11ykit.layout.catalog_path`), which this
module never reads.

Catalog text is data, never code: a UI string is filled in with :func:`format_ui`,
which replaces ``{name}`` for the names the caller passes and nothing else (no
``str.format``, so no ``{language.__class__}`` lookups or format specs). A catalog is
checked when it is loaded: it must be UTF-8 and valid PO (:func:`a11ykit.review.po_check.check_po`),
and a translation may use only the placeholders of its msgid; otherwise it is refused with
one line naming the line (InputError A11Y140 not UTF-8 or unreadable, A11Y141 unknown
placeholder, A11Y142 malformed; A11Y160/161 from the PO syntax check).
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
import os
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po

from a11ykit.article import LANGUAGES
from a11ykit.errors import InputError
from a11ykit.review.po_check import check_po

UI_DOMAIN = "a11ykit"
BABEL_LOCALES = {"en": "en_US", "es": "es_419"}


def package_locales() -> Path:
    """The UI catalogs a11ykit ships (package data ``a11ykit/locales``, read through importlib.resources)."""
    folder = resources.files("a11ykit").joinpath("locales")
    if not isinstance(folder, Path):  # a11ykit is installed as files, never zipped
        raise InputError(f"{folder}: a11ykit's UI catalogs are not files on disk", code="A11Y140")
    return folder


def check_language(lang: str, what: str = "language") -> str:
    lang = (lang or "").strip().lower()
    if lang not in LANGUAGES:
        raise InputError(
            f"unsupported {what} {lang!r}; a11ykit translates between {' and '.join(LANGUAGES)}", code="A11Y106"
        )
    return lang


def language_name(lang: str, in_lang: str | None = None, *, capitalize: bool = True) -> str:
    """'English', 'Español': a language's name in its own language (or ``in_lang``)."""
    name = Locale.parse(lang).get_display_name(in_lang or lang) or lang
    return name[:1].upper() + name[1:] if capitalize else name


def ui_locales_dirs(locales_dir: Path | None = None) -> list[Path]:
    """Where UI catalogs are looked for, first first: ``locales_dir``, ``$A11YKIT_LOCALES``, the package's."""
    dirs = []
    if locales_dir is not None:
        dirs.append(Path(locales_dir))
    env = os.environ.get("A11YKIT_LOCALES")
    if env:
        dirs.append(Path(env))
    dirs.append(package_locales())
    return dirs


#: Text between braces in a UI string; a placeholder is a plain name: ``{language}``.
_BRACES = re.compile(r"\{([^{}]*)\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def placeholders(text: str) -> list[str]:
    """What stands between braces in a UI string, in order: 'in {language}.' → ['language']."""
    return _BRACES.findall(text)


def format_ui(template: str, **values: object) -> str:
    """``template`` with each ``{name}`` given as a keyword replaced by its value.

    Anything else between braces stays as it is written; unlike ``str.format`` nothing
    in the template can look up attributes, index values or apply format specs.
    """
    return _BRACES.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), template)


def check_ui_catalog(catalog: Catalog, name: str) -> None:
    """Refuse a translation that uses a placeholder its msgid does not have (fuzzy ones are unused)."""
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        ids = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
        strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
        allowed = sorted({p for msgid in ids for p in placeholders(msgid) if _NAME.fullmatch(p)})
        for string in strings:
            for found in placeholders(string or ""):
                if found not in allowed:
                    may = ", ".join(f"{{{p}}}" for p in allowed) or "none"
                    raise InputError(
                        f"{name}:{message.lineno}: unknown placeholder {{{found}}} in the translation of "
                        f"{ids[0]!r} (placeholders it may use: {may})",
                        code="A11Y141",
                    )


def read_ui_catalog(data: bytes, name: str) -> Catalog:
    """A UI catalog from its bytes, checked (UTF-8, known placeholders); errors name the line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{name}:{line}: the UI catalog is not UTF-8 (byte 0x{data[exc.start]:02x})", code="A11Y140"
        ) from None
    check_po(text, name)  # what msgfmt refuses, Babel would misread
    try:
        catalog = read_po(io.StringIO(text), abort_invalid=True)
    except PoFileError as exc:
        raise InputError(f"{name}: the UI catalog is malformed ({exc})", code="A11Y142") from None
    catalog.charset = "utf-8"  # the text is decoded already; whatever the header says
    check_ui_catalog(catalog, name)
    return catalog


@lru_cache(maxsize=16)
def _compiled(po_path: str, mtime: float) -> gettext.GNUTranslations:
    try:
        with open(po_path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise InputError(f"{po_path}: cannot read the UI catalog ({exc.strerror or exc})", code="A11Y140") from None
    catalog = read_ui_catalog(data, po_path)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def ui_translations(lang: str, locales_dir: Path | None = None) -> gettext.NullTranslations:
    """The UI catalog for ``lang``; English msgids stand for themselves when there is none."""
    for base in ui_locales_dirs(locales_dir):
        po = base / lang / "LC_MESSAGES" / f"{UI_DOMAIN}.po"
        if po.is_file():
            return _compiled(str(po), po.stat().st_mtime)
    return gettext.NullTranslations()


@lru_cache(maxsize=4)
def _date_pattern(lang: str) -> re.Pattern[str]:
    months = Locale.parse(lang).months["format"]["wide"]
    names = "|".join(sorted((re.escape(months[m]) for m in range(1, 13)), key=len, reverse=True))
    if lang == "es":
        body = rf"(?P<day>\d{{1,2}}) de (?P<month>{names})(?: de (?P<year>\d{{4}}))?"
    else:
        body = rf"(?P<month>{names}) (?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:, (?P<year>\d{{4}}))?"
    return re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)


#: The month names of :func:`_date_pattern` (Babel's wide format names, lower case; a test holds
#: them to Babel's), for :data:`_DATE_SHAPES` only.
MONTH_NAMES = {
    "en": ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
           "noviembre", "diciembre"),
}
#: What every date of :func:`_date_pattern` has around its day: "July 18" (a month, a space, a
#: digit), "18 de julio". Text without it is not searched, nor the language's locale data loaded
#: (20–30 ms of a rebuild whose new sentences have no date).
_DATE_SHAPES = {
    "en": re.compile(rf"(?:{'|'.join(MONTH_NAMES['en'])}) \d", re.IGNORECASE),
    "es": re.compile(rf"\d de (?:{'|'.join(MONTH_NAMES['es'])})", re.IGNORECASE),
}


def find_dates(text: str, source: str, target: str) -> list[tuple[int, int, str]]:
    """Dates written out in ``source`` ("July 18", "18 de julio de 2026") with their form in
    ``target`` ("18 de julio", "July 18, 2026"), as (start, end, replacement)."""
    shape = _DATE_SHAPES.get(source)
    if shape is not None and not shape.search(text):
        return []
    months = {name.lower(): number for number, name in Locale.parse(source).months["format"]["wide"].items()}
    found = []
    for m in _date_pattern(source).finditer(text):
        year = int(m.group("year")) if m.group("year") else None
        try:
            day = dt.date(year or 2000, months[m.group("month").lower()], int(m.group("day")))
        except ValueError:
            continue  # "February 31": not a date; leave it to the engine
        locale = BABEL_LOCALES.get(target, target)
        replacement = format_date(day, "long", locale=locale) if year else format_skeleton("MMMMd", day, locale=locale)
        found.append((m.start(), m.end(), replacement))
    return found


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def format_time_element(value: str, lang: str) -> str | None:
    """The visible text for ``<time datetime=value>`` in ``lang`` ('27 de noviembre de 2026'), or None."""
    value = value.strip()
    locale = BABEL_LOCALES.get(lang, lang)
    try:
        if _ISO_DATE.match(value):
            return format_date(dt.date.fromisoformat(value), format="long", locale=locale)
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (
        format_datetime(moment, format="long", locale=locale, tzinfo=moment.tzinfo)
        if moment.tzinfo
        else format_date(moment.date(), format="long", locale=locale)
    )
