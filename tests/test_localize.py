"""What localisation does to a page besides translating its words."""

import pytest
from bs4 import BeautifulSoup

from a11ykit.api import build_page
from a11ykit.l10n import find_dates, format_time_element
from a11ykit.terms.base import Glossary
from fakes import IdentityEngine, UpperEngine


def build(html: bytes, source="en", target="es", engine=None) -> str:
    return build_page(html, source=source, target=target, engine=engine or UpperEngine(), glossary=Glossary(),
                      original_href="story.html", own_href="story.es.html").html


@pytest.mark.parametrize(
    "text, source, target, expected",
    [
        ("flown on July 18 in a swap", "en", "es", "18 de julio"),
        ("on March 3rd, 2025 too", "en", "es", "3 de marzo de 2025"),
        ("el 18 de julio", "es", "en", "July 18"),
        ("el 3 de marzo de 2025", "es", "en", "March 3, 2025"),
    ],
)
def test_dates_in_words_are_formatted_by_babel(text, source, target, expected):
    ((_, _, replacement),) = find_dates(text, source, target)
    assert replacement == expected


@pytest.mark.parametrize(
    ("text", "source", "expected"),
    [
        ("in July we met", "en", []),  # a month without a day is not a date
        ("in July (2) we met", "en", []),
        ("on July \u0661\u0668 we met", "en", [(3, 10, "18 de julio")]),  # a day in other digits still is
        ("el 18 DE JULIO", "es", [(3, 14, "July 18")]),  # in capitals too
    ],
)
def test_a_date_needs_a_day_in_digits_next_to_its_month(text, source, expected):
    assert find_dates(text, source, "en" if source == "es" else "es") == expected


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_month_names_a_text_is_first_looked_for_are_babels(lang):
    from babel import Locale

    from a11ykit.l10n import MONTH_NAMES

    wide = Locale.parse(lang).months["format"]["wide"]
    assert MONTH_NAMES[lang] == tuple(wide[month].lower() for month in range(1, 13))


@pytest.mark.parametrize(
    ("text", "source"),
    [("in 2019 it rained", "en"), ("Ohio (2) and 25 more", "en"), ("los 18 días de lluvia", "es")],
)
def test_a_text_with_numbers_but_no_month_loads_no_locale_data(text, source, monkeypatch):
    from a11ykit import l10n

    monkeypatch.setattr(l10n, "Locale", None)  # any use of Babel's locale data would fail
    assert find_dates(text, source, "en" if source == "es" else "es") == []


def test_a_date_that_does_not_exist_is_left_to_the_engine():
    assert find_dates("on February 31 we met", "en", "es") == []


def test_dates_in_sentences_come_out_localised():
    html = build(b"<p>They were flown home on July 18 in a swap.</p>", engine=IdentityEngine())
    # the English words the engine left are marked <span lang="en"> (a11ykit.quality)
    assert "flown home on 18 de julio in a swap." in BeautifulSoup(html, "html.parser").get_text()


def test_time_elements_are_formatted_in_the_target_locale():
    assert format_time_element("2026-11-27", "es") == "27 de noviembre de 2026"
    assert "27 de noviembre de 2026" in build(b'<p>By me, <time datetime="2026-11-27">Nov 27</time>.</p>')


def test_the_page_language_is_the_target():
    assert '<html lang="es">' in build(b'<html lang="en"><body><p>Hello there.</p></body></html>')


def test_parts_marked_in_the_source_language_are_marked_in_the_target():
    html = build(b'<html lang="en"><body><div lang="en-US"><p>Hello there.</p></div>'
                 b'<p lang="fr" translate="no">Bonjour.</p></body></html>')
    assert '<div lang="es">' in html
    assert '<p lang="fr" translate="no">Bonjour.</p>' in html


def test_both_language_versions_are_linked_as_alternates():
    html = build(b"<html><head><title>T</title></head><body><p>Hi there.</p></body></html>")
    assert '<link href="story.html" hreflang="en" rel="alternate">' in html
    assert '<link href="story.es.html" hreflang="es" rel="alternate">' in html


def test_the_notice_links_to_the_original_and_names_the_current_language():
    html = build(b"<body><p>Hi there.</p></body>")
    assert 'class="a11y-notice"' in html
    assert '<a href="story.html" hreflang="en">Leer el original</a>' in html
    assert '<span aria-current="page" lang="es">Español</span>' in html


def test_the_charset_declaration_says_utf8_whatever_the_input_was():
    html = build('<html><head><meta charset="windows-1252"></head><body><p>Café.</p></body></html>'.encode("cp1252"))
    assert '<meta charset="utf-8">' in html


def test_open_graph_locale_follows_the_target():
    html = build(b'<html><head><meta property="og:locale" content="en_US"></head><body><p>Hi there.</p></body></html>')
    assert 'content="es_ES"' in html


# --- issue 9, case 14: unusual page shapes -----------------------------------------------------


def test_xhtml_xml_lang_follows_the_target():
    html = build(b'<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en"><body>'
                 b'<p>The vote was held.</p><p xml:lang="en">It passed.</p></body></html>')
    soup = BeautifulSoup(html, "html.parser")
    assert soup.html["xml:lang"] == "es" and soup.html["lang"] == "es"
    assert soup.find_all("p")[1]["xml:lang"] == "es"


def test_frameset_page_keeps_the_notice_inside_html():
    html = build(b'<html lang="en"><head><title>The vote was held</title></head>'
                 b'<frameset cols="50%,50%"><frame src="a.html"><frame src="b.html"></frameset></html>')
    assert html.rstrip().endswith("</html>")
    assert BeautifulSoup(html, "html.parser").html.find(class_="a11y-notice") is not None


def test_fragment_without_html_gets_the_target_lang():
    html = build(b"<p>The vote was held today.</p>")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.html is not None and soup.html["lang"] == "es"
    assert soup.html.find("p") is not None
    assert html.index("a11y-notice") < html.index("<p>")  # the notice opens the page
