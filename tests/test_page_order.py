"""The order of a built page: skip link first, the notice in a landmark of its own, the headline
as the first heading, the player after the headline and byline (as news sites place "Listen to
this article"), and sensible places for all of these on pages shaped otherwise."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup, Tag

from a11ykit.api import build_page
from a11ykit.html.localize import CONTENT_ID
from a11ykit.terms.base import Glossary
from conftest import EXAMPLES
from fakes import IdentityEngine

#: page language → the example it is built from
EXAMPLE_SOURCES = {"es": EXAMPLES / "cecot.html", "en": EXAMPLES / "cecot.es.html"}
HEADINGS = ["h1", "h2", "h3", "h4", "h5", "h6"]
FOCUSABLE = ["a", "button", "input", "select", "textarea", "audio", "video", "summary"]
SKIP_TEXT = {"es": "Saltar al contenido", "en": "Skip to content"}


def built(html: bytes | str, *, source: str = "en", target: str = "es", audio: bool = True) -> BeautifulSoup:
    data = html.encode() if isinstance(html, str) else html
    article = build_page(data, source=source, target=target, engine=IdentityEngine(), glossary=Glossary(),
                         original_href="story.html", own_href="story.es.html", audio_stem="story" if audio else None)
    return BeautifulSoup(article.html, "html.parser")


def example(lang: str) -> BeautifulSoup:
    return built(EXAMPLE_SOURCES[lang].read_bytes(), source="es" if lang == "en" else "en", target=lang)


def player(soup: BeautifulSoup) -> Tag:
    section = soup.find("section", class_="a11y-listen")
    assert isinstance(section, Tag), "no player on the page"
    return section


def player_heading(soup: BeautifulSoup) -> Tag:
    heading = soup.find(id="a11y-listen-h")
    assert isinstance(heading, Tag)
    return heading


def focusable(soup: BeautifulSoup) -> list[Tag]:
    """The elements a keyboard reaches, in document order (as Tab visits them with no tabindex)."""
    return [
        el for el in soup.body.find_all(FOCUSABLE)
        if (el.name != "a" or el.has_attr("href")) and (el.name not in ("audio", "video") or el.has_attr("controls"))
    ]


def page(body: str) -> str:
    return f'<!DOCTYPE html><html lang="en"><head><title>T</title></head><body>{body}</body></html>'


# --- the example pages -----------------------------------------------------------------------


@pytest.mark.parametrize("lang", sorted(EXAMPLE_SOURCES))
def test_the_headline_is_the_first_heading_and_the_player_comes_next(lang):
    soup = example(lang)
    headings = soup.find_all(HEADINGS)
    assert headings[0].name == "h1" and headings[0].find_parent("article") is not None
    assert headings[1] is player_heading(soup) and headings[1].name == "h2"


@pytest.mark.parametrize("lang", sorted(EXAMPLE_SOURCES))
def test_the_player_follows_the_headline_and_byline(lang):
    soup = example(lang)
    before = player(soup).find_previous_siblings(True)
    assert [el.name for el in before][:2] == ["p", "h1"] and "byline" in before[0]["class"]


@pytest.mark.parametrize("lang", sorted(EXAMPLE_SOURCES))
def test_the_skip_link_is_the_first_focusable_element_and_leads_to_the_article(lang):
    soup = example(lang)
    first = focusable(soup)[0]
    assert first.get("class") == ["a11y-skip"] and first.get_text() == SKIP_TEXT[lang]
    assert soup.find(id=first["href"].removeprefix("#")) is soup.find("article")


@pytest.mark.parametrize("lang", sorted(EXAMPLE_SOURCES))
def test_the_notice_is_a_named_landmark_at_the_top_level(lang):
    notice = example(lang).find(class_="a11y-notice")
    assert notice.name == "aside" and not notice.has_attr("role") and notice["aria-label"].strip()
    assert notice.parent.name == "body"  # a complementary landmark inside no other


# --- other shapes of page --------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, after",
    [
        ('<article><h1>Vote held</h1><p>By Ana Ruiz · <time datetime="2026-07-25">today</time></p>'
         "<p>The vote was held.</p></article>", "p"),
        ('<article><header><h1>Vote held</h1><p class="author">Ana Ruiz</p></header><p class="dateline">Lima</p>'
         "<p>The vote was held.</p></article>", "p.dateline"),
        ('<main><h1>Vote held</h1><address>Ana Ruiz</address><p>The vote was held.</p></main>', "address"),
        ("<h1>Vote held</h1><p>The vote was held. It passed easily and nobody was surprised by it.</p>", "h1"),
        ('<div><a href="/vote"><h1>Vote held</h1></a><p>The vote was held.</p></div>', 'a[href="/vote"]'),
        ('<article><h1>Vote held</h1><div class="author-info"><h4>Ana Ruiz</h4></div><p>Held.</p></article>',
         "div.author-info"),
    ],
    ids=["byline-with-time", "header-then-dateline", "address", "no-byline", "headline-in-a-link",
         "byline-with-a-heading"],
)
def test_the_player_goes_after_the_headline_and_the_lines_naming_author_or_date(body, after):
    soup = built(page(body))
    previous = player(soup).find_previous_sibling(True)
    assert previous is soup.select_one(after)
    assert player_heading(soup).name == "h2"


@pytest.mark.parametrize(
    "body, parent, heading",
    [
        ("<article><h2>Part one</h2><p>The vote was held.</p></article>", "article", "h2"),
        ("<main><p>The vote was held.</p><h3>More</h3><p>It passed.</p></main>", "main", "h3"),
        ("<div><p>The vote was held.</p></div>", "body", "p"),
    ],
    ids=["article-with-h2", "main-with-h3", "no-headings"],
)
def test_without_a_headline_the_player_opens_the_article_keeping_the_outline(body, parent, heading):
    soup = built(page(body))
    section = player(soup)
    assert section.parent.name == parent
    if parent == "body":  # after what a11ykit opens the body with
        assert section.find_previous_sibling(True)["class"] == ["a11y-notice"]
    else:
        assert section.find_previous_sibling(True) is None
    assert player_heading(soup).name == heading


@pytest.mark.parametrize(
    "body, target",
    [
        ("<header><a href='/'>Home</a></header><article><h1>Vote</h1><p>Held.</p></article>", "article"),
        ("<nav><a href='/'>Home</a></nav><main><p>Held.</p></main>", "main"),
        ("<div role='main'><p>Held.</p></div>", "div[role=main]"),
        ("<nav><a href='/'>Home</a></nav><div><h1>Vote</h1><p>Held.</p></div>", "h1"),
        ("<main><article><p>One.</p></article><article><p>Two.</p></article></main>", "main"),
    ],
    ids=["article", "main", "role-main", "h1", "several-articles"],
)
def test_the_skip_link_leads_to_the_content_giving_it_an_id_if_it_has_none(body, target):
    soup = built(page(body), audio=False)
    link = focusable(soup)[0]
    assert link["class"] == ["a11y-skip"] and link["href"] == f"#{CONTENT_ID}"
    assert soup.find(id=CONTENT_ID) is soup.select_one(target)


def test_the_skip_link_uses_the_contents_own_id():
    soup = built(page('<article id="story 1"><p>Held.</p></article>'), audio=False)
    assert soup.find(class_="a11y-skip")["href"] == "#story%201"
    assert soup.find("article")["id"] == "story 1"


def test_a_page_without_article_main_or_headline_gets_no_skip_link():
    soup = built(page("<div><p>The vote was held.</p></div>"), audio=False)
    assert soup.find(class_="a11y-skip") is None and soup.find(id=CONTENT_ID) is None


@pytest.mark.parametrize(
    "body, landmark",
    [
        ("<main><h1>Vote</h1><p>Held.</p></main>", True),
        ("<div role='main'><h1>Vote</h1><p>Held.</p></div>", True),
        ("<section aria-label='Story'><h1>Vote</h1><p>Held.</p></section>", True),
        ("<h1>Vote</h1><p>Held.</p>", True),
        ("<div><h1>Vote</h1><p>Held.</p></div>", False),
        ("<article><header><h1>Vote</h1></header><section><p>Held.</p></section></article>", False),
    ],
    ids=["in-main", "in-role-main", "in-named-section", "top-level", "in-div", "in-article"],
)
def test_the_player_is_a_landmark_where_it_cuts_no_container_into_pieces(body, landmark):
    """Inside a container that is no landmark, the player and its chapter list as landmarks would
    leave the container's content outside any in pieces (axe's ``region``): there they are groups."""
    section = player(built(page(body)))
    chapters = section.find(class_="a11y-chapters")
    if landmark:
        assert not section.has_attr("role") and chapters.name == "nav"
    else:
        assert section["role"] == "group" and (chapters.name, chapters["role"]) == ("div", "group")


@pytest.mark.parametrize("lang", sorted(EXAMPLE_SOURCES))
def test_the_skip_link_is_not_a_link_the_checks_miss_in_the_source(lang):
    data = EXAMPLE_SOURCES[lang].read_bytes()
    article = build_page(data, source="es" if lang == "en" else "en", target=lang, engine=IdentityEngine(),
                         glossary=Glossary(), original_href="story.html", own_href="story.es.html")
    assert BeautifulSoup(article.html, "html.parser").find("a", class_="a11y-skip") is not None
    assert [p for p in article.problems if p.code == "hrefs"] == []
