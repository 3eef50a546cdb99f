"""The review page: side by side, problems marked, anchors = PO msgctxt, accessible, escaped."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from a11ykit.article import Article, Problem, Unit
from a11ykit.review.page import render_review_page

DOC = Article(
    source="en",
    target="es",
    units=[
        Unit("a11y-1-1", "He spent <1>125 days</1> in CECOT.", "sentence", "b1", "paragraph",
             machine="Pasó <1>125 días</1> en CECOT.", text="Estuvo <1>125 días</1> en el CECOT.", origin="approved"),
        Unit("a11y-2-1", "Guards <script>alert(1)</script> & dogs", "sentence", "b2", "paragraph",
             machine="Guardias <b onclick=x>y</b>", text="Guardias <b onclick=x>y</b>", origin="machine"),
        Unit("a11y-a1-alt", "A guard", "attribute", "a11y-a1-alt", "image", "alt",
             machine="Un guardia", text="Un guardia", origin="machine"),
    ],
)
RESULTS = DOC.units
PROBLEMS = [
    Problem("numbers", "a11y-2-1", "numbers differ: missing <7>", "error"),
    Problem("whitespace", "a11y-a1-alt", "trailing whitespace of the segment differs", "warning"),
    Problem("hrefs", "", "link to '/news/' is missing from the output (1 fewer)", "error"),
]


def render(problems=PROBLEMS) -> str:
    return render_review_page(
        DOC,
        RESULTS,
        problems,
        source_lang="en",
        target_lang="es",
        stem="cecot",
        po_path="locales/es/LC_MESSAGES/cecot.po",
    )


@pytest.fixture
def soup() -> BeautifulSoup:
    return BeautifulSoup(render(), "html.parser")


def row(soup: BeautifulSoup, sid: str):
    return soup.find("tr", id=sid)


def test_the_page_is_html5_with_a_language_and_a_title(soup):
    assert render().startswith("<!DOCTYPE html>")
    assert soup.html["lang"] == "en"
    assert soup.title.get_text() == "Review: cecot (English → Spanish)"


def test_each_segment_is_a_row_anchored_by_its_po_msgctxt(soup):
    rows = sorted(soup.tbody.find_all("tr"), key=lambda tr: int(tr["data-order"]))
    assert [tr["id"] for tr in rows] == ["a11y-1-1", "a11y-2-1", "a11y-a1-alt"]


def test_the_columns_have_headers_with_scope(soup):
    assert [th.get("scope") for th in soup.thead.find_all("th")] == ["col"] * 5
    assert all(tr.th["scope"] == "row" for tr in soup.tbody.find_all("tr"))


def test_the_table_has_a_caption(soup):
    assert soup.table.caption.get_text() == "Segments of cecot, worst first"


def test_source_and_target_cells_declare_their_language(soup):
    assert [td.get("lang") for td in row(soup, "a11y-1-1").find_all("td")] == ["en", "es", "es", None]


def test_source_machine_and_final_text_are_side_by_side(soup):
    cells = [td.get_text() for td in row(soup, "a11y-1-1").find_all("td")[:3]]
    assert cells[0] == "He spent <1>125 days</1> in CECOT."
    assert cells[1] == "Pasó <1>125 días</1> en CECOT."
    assert cells[2].startswith("Estuvo <1>125 días</1> en el CECOT.")


def test_the_final_text_says_where_it_came_from(soup):
    assert "approved by a translator" in row(soup, "a11y-1-1").find_all("td")[2].get_text()


def test_problems_show_severity_code_and_message_in_their_row(soup):
    cell = row(soup, "a11y-2-1").find_all("td")[3]
    assert cell.get_text(" ", strip=True) == "error numbers : numbers differ: missing <7>"
    assert row(soup, "a11y-2-1")["class"] == ["error"]
    assert row(soup, "a11y-a1-alt")["class"] == ["warning"]


def test_page_level_problems_are_listed_above_the_table(soup):
    section = soup.find("section")
    assert "link to '/news/' is missing" in section.get_text()


def test_no_page_problems_section_without_page_problems():
    assert BeautifulSoup(render(PROBLEMS[:2]), "html.parser").find("section") is None


def test_text_from_the_page_is_escaped():
    html = render()
    parsed = BeautifulSoup(html, "html.parser")
    assert [s.get_text() for s in parsed.find_all("script")] == [
        s.get_text()
        for s in BeautifulSoup(
            render_review_page(Article(), [], [], source_lang="en", target_lang="es", stem="x", po_path="x.po"),
            "html.parser",
        ).find_all("script")
    ]  # only the page's own script
    assert parsed.find(attrs={"onclick": True}) is None
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; dogs" in html


def test_a_hostile_segment_id_cannot_break_out_of_its_attribute():
    doc = Article(units=[Unit('x" onmouseover="alert(1)', "Hi", "sentence", "b1", machine="Hola", text="Hola")])
    html = render_review_page(doc, doc.units, [],
                              source_lang="en", target_lang="es", stem="s", po_path="p.po")
    assert BeautifulSoup(html, "html.parser").find(attrs={"onmouseover": True}) is None


def test_the_summary_counts_segments_approvals_errors_and_warnings(soup):
    assert "3 segments · 1 approved · 2 errors · 1 warnings." in soup.header.get_text(" ")


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_every_text_colour_contrasts_at_least_7_to_1_with_every_background():
    css = render().split("<style>")[1].split("</style>")[0]
    texts = set(re.findall(r"(?<![-\w])color:\s*(#[0-9a-f]{6})", css))
    backgrounds = set(re.findall(r"background:\s*(#[0-9a-f]{6})", css))
    worst = min(_contrast(t, b) for t in texts for b in backgrounds)
    assert worst >= 7, worst
