"""Locale formatting (Babel) and the page's own UI strings (gettext, compiled with Babel).

UI catalogs live in ``locales/<lang>/LC_MESSAGES/a11ykit.po``; they are compiled
in memory at load time, so there is no ``.mo`` file to forget to rebuild.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
import os
import re
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from a11ykit.errors import InputError
from a11ykit.model import LANGUAGES

UI_DOMAIN = "a11ykit"
_REPO_LOCALES = Path(__file__).resolve().parents[2] / "locales"
BABEL_LOCALES = {"en": "en_US", "es": "es_419"}


def check_language(lang: str, what: str = "language") -> str:
    lang = (lang or "").strip().lower()
    if lang not in LANGUAGES:
        raise InputError(f"unsupported {what} {lang!r}; a11ykit translates between {' and '.join(LANGUAGES)}", code="A11Y106")
    return lang


def language_name(lang: str, in_lang: str | None = None, *, capitalize: bool = True) -> str:
    """'English', 'Español': a language's name in its own language (or ``in_lang``)."""
    name = Locale.parse(lang).get_display_name(in_lang or lang) or lang
    return name[:1].upper() + name[1:] if capitalize else name


def ui_locales_dirs(locales_dir: Path | None = None) -> list[Path]:
    dirs = []
    if locales_dir is not None:
        dirs.append(Path(locales_dir))
    env = os.environ.get("A11YKIT_LOCALES")
    if env:
        dirs.append(Path(env))
    dirs.append(_REPO_LOCALES)
    return dirs


@lru_cache(maxsize=16)
def _compiled(po_path: str, mtime: float) -> gettext.GNUTranslations:
    with open(po_path, "rb") as f:
        catalog = read_po(f)
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


def find_dates(text: str, source: str, target: str) -> list[tuple[int, int, str]]:
    """Dates written out in ``source`` ("July 18", "18 de julio de 2026") with their form in
    ``target`` ("18 de julio", "July 18, 2026"), as (start, end, replacement)."""
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
    return format_datetime(moment, format="long", locale=locale, tzinfo=moment.tzinfo) if moment.tzinfo else format_date(moment.date(), format="long", locale=locale)
