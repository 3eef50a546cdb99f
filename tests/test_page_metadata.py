"""What a page says about itself (a11ykit.html.metadata): the metas the narration's tags and the book read."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from a11ykit.html.metadata import meta, page_author, page_publisher


def soup(head: str, body: str = "") -> BeautifulSoup:
    return BeautifulSoup(f"<html><head>{head}</head><body>{body}</body></html>", "html.parser")


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('<meta name="author" content="Ana  Ruiz">', "Ana Ruiz"),
        ('<meta property="article:author" content="Ana Ruiz">', "Ana Ruiz"),
        ('<meta itemprop="author" content="Ana Ruiz">', "Ana Ruiz"),
        # the first key wins, wherever its meta stands on the page
        ('<meta name="dc.creator" content="Second"><meta name="author" content="First">', "First"),
        # an empty content is passed over
        ('<meta name="author" content=" "><meta property="author" content="Ana Ruiz">', "Ana Ruiz"),
        ('<meta name="description" content="Not an author">', None),
    ],
)
def test_a_meta_is_read_by_its_keys_in_order(head, expected):
    assert meta(soup(head), "author", "article:author", "dc.creator") == expected


def test_an_author_meta_that_is_a_link_gives_way_to_the_byline():
    page = soup('<meta name="author" content="https://example.org/ana">', '<p class="byline__name">Ana Ruiz</p>')
    assert page_author(page) == "Ana Ruiz"


def test_the_publisher_is_the_site_name_else_the_footers_copyright_line():
    assert page_publisher(soup('<meta property="og:site_name" content="The Daily">')) == "The Daily"
    footer = "<footer>© 2025 The Daily Planet. All rights reserved.</footer>"
    assert page_publisher(soup("", footer)) == "The Daily Planet"
