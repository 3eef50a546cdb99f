"""One walk of a page finds what Beautiful Soup's finds find (a11ykit.html.find), on every
page of the real-page corpus."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from a11ykit.html.find import elements, first, has_token, matches_token, named
from a11ykit.html.parse import read_html

PAGES = sorted((Path(__file__).resolve().parent / "corpus" / "pages").glob("*.html"))
_AUTHOR = re.compile(r"\b(author|byline__name)\b")


@pytest.fixture(scope="module", params=PAGES, ids=lambda p: p.stem)
def soup(request):
    return read_html(request.param.read_text(encoding="utf-8", errors="replace"))


def test_there_are_pages_to_compare():
    assert len(PAGES) >= 20  # make corpus fetches them


def test_elements_are_find_all_true(soup):
    assert list(elements(soup)) == soup.find_all(True)


def test_first_named_is_the_first_find_that_finds(soup):
    expected = soup.find("article") or soup.find("main") or soup.find("body")
    assert first(soup, named("article"), named("main"), named("body")) is expected


@pytest.mark.parametrize(("attribute", "value"), [("class", "author"), ("rel", "author"), ("rel", "canonical")])
def test_a_token_is_found_as_find_finds_it(soup, attribute, value):
    assert first(soup, lambda el: has_token(el, attribute, value)) is soup.find(attrs={attribute: value})


def test_a_pattern_is_found_as_find_finds_it(soup):
    assert first(soup, lambda el: matches_token(el, "class", _AUTHOR)) is soup.find(class_=_AUTHOR)


def test_an_attribute_value_is_found_as_find_finds_it(soup):
    assert first(soup, lambda el: el.get("role") == "main") is soup.find(role="main")
