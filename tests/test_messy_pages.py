"""Real-world-like pages with messy markup build without a crash and lose no link or text."""

import re
from collections import Counter
from pathlib import Path

import pytest
from babel import Locale
from bs4 import BeautifulSoup

from a11ykit.engines.apertium import ApertiumEngine
from a11ykit.html.parse import parse_page
from a11ykit.model import Glossary
from a11ykit.pipeline import build_page

from fakes import IdentityEngine
from pagecheck import hrefs, soup_without_additions

MESSY = sorted((Path(__file__).parent / "fixtures" / "messy").glob("*.html"))


def lang_of(path: Path) -> tuple[str, str]:
    return ("es", "en") if "spanish" in path.name else ("en", "es")


def text_nodes(soup: BeautifulSoup) -> list[str]:
    return [" ".join(s.split()) for s in soup.find_all(string=True) if s.strip()]


MONTHS = {m.lower() for lang in ("en", "es") for m in Locale.parse(lang).months["format"]["wide"].values()}


def all_text(soup: BeautifulSoup) -> Counter:
    """Every word of every text node. Dates and numbers are localised by the build (months move,
    separators change), so month names, "de" and digits are left out of the comparison."""
    words = re.findall(r"[^\W\d_]+", " ".join(text_nodes(soup)).lower())
    return Counter(w for w in words if w not in MONTHS and w != "de")


@pytest.mark.parametrize("path", MESSY, ids=[p.name for p in MESSY])
def test_identity_build_loses_no_link_and_no_text(path):
    source, target = lang_of(path)
    built = build_page(path.read_bytes(), source=source, target=target, engine=IdentityEngine(), glossary=Glossary())
    original = parse_page(path.read_bytes()).soup
    rebuilt = soup_without_additions(built.html)
    assert hrefs(rebuilt) == hrefs(original)
    assert all_text(rebuilt) == all_text(original)


@pytest.mark.parametrize("path", MESSY, ids=[p.name for p in MESSY])
def test_apertium_build_keeps_every_link(path):
    source, target = lang_of(path)
    built = build_page(path.read_bytes(), source=source, target=target, engine=ApertiumEngine(), glossary=Glossary())
    assert sorted(hrefs(soup_without_additions(built.html))) == sorted(hrefs(parse_page(path.read_bytes()).soup))
    assert f'lang="{target}"' in built.html
