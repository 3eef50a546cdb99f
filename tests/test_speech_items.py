"""What the narration reads from a page: the notice sentence by sentence, each one highlightable."""

from __future__ import annotations

import gettext

import pytest
from bs4 import BeautifulSoup

from a11ykit.html.reading import speech_items

NOTICE = (
    '<aside class="a11y-notice" role="note"><div>Esta página es una traducción automática del original en '
    'inglés. Puede tener errores. <a href="cecot.en.html" hreflang="en">Leer el original</a></div>'
    '<nav aria-label="Idioma"><ul><li><a href="cecot.en.html">English</a></li></ul></nav></aside>'
)


def page(body: str) -> BeautifulSoup:
    return BeautifulSoup(f"<!DOCTYPE html><html lang='es'><body>{body}</body></html>", "html.parser")


def read(soup: BeautifulSoup):
    return speech_items(soup, gettext.NullTranslations())


ARTICLE = '<article><p><span class="a11y-s" id="a11y-1-1">Hola.</span></p></article>'


def test_each_notice_sentence_and_its_link_is_one_item():
    items = read(page(NOTICE + ARTICLE))
    assert [(i.id, i.text, i.kind) for i in items if i.kind == "notice"] == [
        ("a11y-notice-1", "Esta página es una traducción automática del original en inglés.", "notice"),
        ("a11y-notice-2", "Puede tener errores.", "notice"),
        ("a11y-notice-3", "Leer el original", "notice"),
    ]


def test_each_notice_item_is_a_sentence_span_the_read_along_can_highlight():
    soup = page(NOTICE + ARTICLE)
    items = read(soup)
    for item in items[:3]:
        span = soup.find(id=item.id)
        assert span.name == "span" and "a11y-s" in span["class"]
        assert " ".join(span.get_text().split()) == item.text


def test_the_notice_keeps_its_words_link_and_language_switcher():
    soup = page(NOTICE + ARTICLE)
    before = page(NOTICE + ARTICLE).aside
    read(soup)
    assert soup.aside.get_text() == before.get_text()
    assert soup.aside.find("a", hreflang="en").get_text() == "Leer el original"
    assert soup.aside.nav == before.nav


def test_a_page_read_again_gives_the_same_items_and_wraps_nothing_twice():
    soup = page(NOTICE + ARTICLE)
    first = read(soup)
    html = str(soup)
    assert read(BeautifulSoup(html, "html.parser")) == first
    assert str(soup) == html


@pytest.mark.parametrize("body", [NOTICE + ARTICLE, NOTICE + '<p><span class="a11y-s" id="a11y-1-1">Hola.</span></p>'])
def test_the_notice_is_read_once_with_or_without_an_article(body):
    ids = [i.id for i in read(page(body))]
    assert ids == ["a11y-notice-1", "a11y-notice-2", "a11y-notice-3", "a11y-1-1"]


@pytest.mark.parametrize("text", [",", "...", "-)", "—", "« »"])
def test_a_sentence_with_nothing_to_say_is_not_narrated(text):
    """Real pages have sentences of punctuation alone (a lone comma between two <br>, an
    ellipsis, a smiley): espeak gives them a few milliseconds of sound, which is no speech."""
    soup = page(
        '<article><p><span class="a11y-s" id="a11y-1-1">Hola.</span> '
        f'<span class="a11y-s" id="a11y-1-2">{text}</span> <span class="a11y-s" id="a11y-1-3">Adiós 2.</span></p>'
        "</article>"
    )
    assert [item.id for item in read(soup)] == ["a11y-1-1", "a11y-1-3"]
