"""Inline markup comes back around the right words, with every attribute."""

import re

import pytest
from bs4 import BeautifulSoup

from a11ykit.api import build_page
from a11ykit.review.page import render_review_page
from a11ykit.terms.base import Glossary
from a11ykit.translate.translator import FLAG_MARKUP_REALIGNED, FLAG_MARKUP_UNPLACED, place_inline
from fakes import AdversarialEngine, ReorderingEngine, TagDroppingEngine, UpperEngine

LINK = '<p>His account to <a href="https://example.org/x" id="l1" class="ext" rel="author">Tim Miller</a> tracks.</p>'


def build(html: str, engine) -> str:
    return build_page(html.encode(), source="en", target="es", engine=engine, glossary=Glossary()).html


def test_a_link_keeps_every_attribute_and_gets_its_translated_words():
    html = build(LINK, UpperEngine())
    assert '<a class="ext" href="https://example.org/x" id="l1" rel="author">TIM MILLER</a>' in html


def test_an_engine_that_drops_tags_still_gets_the_link_around_its_words():
    engine = TagDroppingEngine()
    page = build_page(LINK.encode(), source="en", target="es", engine=engine, glossary=Glossary())
    assert "HIS ACCOUNT TO <a" in page.html and ">TIM MILLER</a> TRACKS." in page.html
    assert FLAG_MARKUP_REALIGNED in page.units[0].flags


def test_placement_follows_the_words_when_the_engine_reorders_them():
    tagged_text, unplaced = place_inline(
        "<1>Court filings</1> suggest the latter.", "filings Court suggest the latter.", {1: "filings Court"}
    )
    assert tagged_text == "<1>filings Court</1> suggest the latter."
    assert unplaced == []


def test_a_tag_that_cannot_be_placed_is_kept_around_the_sentence_and_flagged():
    tagged_text, unplaced = place_inline("See <1>this</1> now.", "Mira ahora.", {1: "esto"})
    assert tagged_text == "<1>Mira ahora.</1>"
    assert unplaced == [1]


def test_unplaceable_markup_is_reported_in_the_result_flags():
    page = build_page(b'<p>Look <a href="x">here</a> now please.</p>', source="en", target="es",
                      engine=ReorderingEngine(), glossary=Glossary())
    assert page.units[0].flags  # realigned or unplaced, never silent
    assert page.html.count('href="x"') == 1


def test_nested_markup_keeps_its_nesting():
    html = build('<p>A <a href="x">link with <em>emphasis</em> inside</a>.</p>', UpperEngine())
    assert '<a href="x">LINK WITH <em>EMPHASIS</em> INSIDE</a>' in html


def test_atoms_come_back_byte_identical():
    html = build('<p>Run <code class="c">rm -rf &lt;dir&gt;</code> now. <!-- keep me --> Yes.</p>', UpperEngine())
    assert '<code class="c">rm -rf &lt;dir&gt;</code>' in html
    assert "<!-- keep me -->" in html


def test_the_flag_codes_are_stable():
    assert (FLAG_MARKUP_REALIGNED, FLAG_MARKUP_UNPLACED) == ("markup-realigned", "markup-unplaced")


def test_every_sentence_gets_an_id_on_the_page():
    html = build("<p>One sentence. Another one.</p>", UpperEngine())
    assert (
        '<span class="a11y-s" id="a11y-1-1">ONE SENTENCE.</span> <span class="a11y-s" id="a11y-1-2">ANOTHER ONE.</span>'
        in html
    )


def test_the_title_gets_no_sentence_spans():
    html = build("<html><head><title>My page. Yes.</title></head><body><p>x y z.</p></body></html>", UpperEngine())
    assert "<title>MY PAGE. YES.</title>" in html


def test_attribute_segments_are_written_back():
    html = build('<img src="a.png" alt="A prison yard.">', UpperEngine())
    assert 'alt="A PRISON YARD."' in html


# --- links survive markup repair -----------------------------------------------------------------

LINKS = ('<p>Read <a href=/a>the first report</a><a href=/b>and the second</a> before '
         '<a href=/c><em>the big</em> <strong>vote</strong></a> today.</p>')


def link_engines():
    from a11ykit.translate.engines.apertium import ApertiumEngine

    return [
        ApertiumEngine(),
        UpperEngine(),
        TagDroppingEngine(),
        ReorderingEngine(),
        AdversarialEngine(4, moves=["move-tag", "repeat-tag"]),
    ]


@pytest.fixture(params=["apertium", "upper", "tag-dropper", "reorder", "adversarial"])
def links_page(request):
    engine = next(e for e in link_engines() if e.name == request.param)
    built = build_page(LINKS.encode(), source="en", target="es", engine=engine, glossary=Glossary())
    return built, BeautifulSoup(built.html, "html.parser").find("p")


def test_no_link_is_nested_in_another(links_page):
    _, p = links_page
    assert [a["href"] for a in p.find_all("a")] == ["/a", "/b", "/c"]
    assert not any(a.find_parent("a") for a in p.find_all("a"))


def test_emphasis_stays_inside_its_own_link(links_page):
    _, p = links_page
    assert sorted((t.name, t.find_parent("a")["href"]) for t in p.find_all(["em", "strong"])) == [
        ("em", "/c"),
        ("strong", "/c"),
    ]


def test_no_link_that_had_words_is_left_empty(links_page):
    _, p = links_page
    assert all(re.search(r"\w", a.get_text()) for a in p.find_all("a"))


def test_the_words_of_adjacent_links_do_not_run_together(links_page):
    _, p = links_page
    first, second = p.find_all("a")[:2]
    assert first.next_sibling is not second  # a space between them, not glued words
    assert re.search(r"\w\s+\w", p.get_text()[p.get_text().index(first.get_text()) :])


def test_apertium_translates_each_link_around_its_own_words():
    from a11ykit.translate.engines.apertium import ApertiumEngine

    built = build_page(LINKS.encode(), source="en", target="es", engine=ApertiumEngine(), glossary=Glossary())
    p = BeautifulSoup(built.html, "html.parser").find("p")
    links = {a["href"]: a.get_text() for a in p.find_all("a")}
    assert "informe" in links["/a"] and "segundo" in links["/b"] and "voto" in links["/c"]
    assert "informey" not in p.get_text()
    assert built.problems == []


def test_markup_that_cannot_be_placed_is_a_qa_problem_in_the_report_and_the_review_page():
    engine = EmptyInsideLinksEngine()
    built = build_page(LINKS.encode(), source="en", target="es", engine=engine, glossary=Glossary())
    assert FLAG_MARKUP_UNPLACED in built.units[0].flags
    assert [p.code for p in built.problems if p.segment_id == built.units[0].id] == ["markup-unplaced"]
    review = render_review_page(built, built.units, built.problems, source_lang="en", target_lang="es",
                                stem="x", po_path="x.po")
    assert "markup-unplaced" in review


class EmptyInsideLinksEngine(UpperEngine):
    """Answers the whole sentence with other words and no tags, and nothing for an element's words alone."""

    def one(self, text: str) -> str:
        if "<" in text:
            return "Lea todo ahora."
        return (
            ""
            if text.strip().lower() in {"the first report", "and the second", "the big", "vote"}
            else super().one(text)
        )


@pytest.mark.parametrize(
    ("source", "words", "inner", "placed"),
    [
        ("See <1>“Source”</1>, now.", "Ve “Fuente”, ahora.", {1: "“Fuente”"}, "Ve <1>“Fuente”</1>, ahora."),
        (
            "<1>He left New York.</1> <2/>",
            "Dejó Nueva York. <2/>",
            {1: "Dejó Nueva York."},
            "<1>Dejó Nueva York.</1> <2/>",
        ),
        ("See <1>the report</1>. Now.", "Ve el informe. Ahora.", {1: "el informe"}, "Ve <1>el informe</1>. Ahora."),
    ],
)
def test_punctuation_at_an_elements_edge_stays_inside_it_as_in_the_source(source, words, inner, placed):
    assert place_inline(source, words, inner) == (placed, [])


def test_an_element_without_words_gets_none_of_the_sentences_words():
    tagged_text, unplaced = place_inline('Read <1><2/></1> now.', "Lee ahora <2/>.", {1: ""})
    assert tagged_text == "Lee ahora <1><2/></1>."
    assert unplaced == []


class SpaceInsideTagsEngine(UpperEngine):
    """Puts a space just inside every element, as Apertium sometimes does."""

    def one(self, text: str) -> str:
        return re.sub(r"<(\d+)>", r"<\1> ", re.sub(r"</(\d+)>", r" </\1>", super().one(text)))


def test_spaces_an_engine_puts_inside_an_element_go_outside_it():
    built = build_page(b'<p>Read <a href="/x">the report</a> now.</p>', source="en", target="es",
                       engine=SpaceInsideTagsEngine(), glossary=Glossary())
    assert built.units[0].text == "READ <1>THE REPORT</1> NOW."
    assert not [p for p in built.problems if p.code == "whitespace"]
