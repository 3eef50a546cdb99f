"""Real-world-like pages with messy markup build without a crash and lose no link or text."""

import re
from pathlib import Path

import pytest
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


def all_text(soup: BeautifulSoup) -> str:
    """Every text node, joined, without spaces; number separators are localised, so ignored."""
    return re.sub(r"(?<=\d)[.,](?=\d)", "", "".join(text_nodes(soup)).replace(" ", ""))


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
