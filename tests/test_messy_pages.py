"""Real-world-like pages with messy markup build without a crash and lose no link or text."""

import re
from collections import Counter
from pathlib import Path

import pytest
from babel import Locale
from bs4 import BeautifulSoup

from a11ykit.api import build_page
from a11ykit.cli import main
from a11ykit.html.parse import MAX_DEPTH, parse_page
from a11ykit.terms.base import Glossary
from a11ykit.translate.engines.apertium import ApertiumEngine
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


# --- what the real-page corpus found (tests/test_corpus.py) ------------------------------------


def identity_build(html: str) -> str:
    return build_page(html.encode(), source="en", target="es", engine=IdentityEngine(), glossary=Glossary()).html


@pytest.mark.parametrize(
    "script",
    ["<script src='a.js'>\n    </script>", "<script>\n\n</script>", "<style>\t \n</style>", "<script> </script>"],
)
def test_blank_script_or_style_stays_byte_identical(script):
    assert script.replace("'", '"') in identity_build(
        f"<html><head>{script}</head><body><p>The vote was held today.</p></body></html>"
    )


def test_end_tag_br_is_a_line_break_as_in_a_browser():
    html = identity_build("<p>Kabul, Afghanistan</br>The father of the gunman spoke today.</p>")
    assert BeautifulSoup(html, "html.parser").p.find("br") is not None


def test_stray_end_tag_p_is_an_empty_paragraph_as_in_a_browser():
    html = identity_build("<div><p>The vote was held today.</p></p><p>It passed.</p></div>")
    assert len(BeautifulSoup(html, "html.parser").find_all("p")) == 3


def test_unclosed_trailing_script_keeps_its_content():
    html = identity_build("<html><body><p>The vote was held.</p><script>var a = 1;\nif (a < 2) { go(); }")
    assert "<script>var a = 1;\nif (a < 2) { go(); }</script>" in html


@pytest.mark.parametrize("tag", ["div", "span", "b"])
def test_5000_nested_elements_are_refused_with_one_line(tmp_path, capsys, tag):
    page = tmp_path / "deep.html"
    page.write_text(f"<html lang='en'><body>{f'<{tag}>' * 5000}The vote was held.{f'</{tag}>' * 5000}</body></html>")
    code = main(["build", str(page), "--to", "es", "--engine", "apertium", "--no-audio",
                 "--out", str(tmp_path / "out"), "--locales", str(tmp_path / "locales")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "[A11Y109]" in err and "Traceback" not in err


@pytest.mark.parametrize("tag", ["div", "span", "b"])
def test_pages_nested_as_deep_as_browsers_allow_build(tag):
    depth = MAX_DEPTH - 2  # inside <html> and <body>
    html = identity_build(f"<html><body>{f'<{tag}>' * depth}The vote was held.{f'</{tag}>' * depth}</body></html>")
    assert "The vote was held." in html


def test_a_repeated_attribute_keeps_its_first_value_as_in_a_browser():
    html = identity_build('<div data-view="" data-view="desktop" class="a" class="b"><p>The vote was held.</p></div>')
    div = BeautifulSoup(html, "html.parser").find("div", attrs={"data-view": True})
    assert div["data-view"] == "" and div["class"] == ["a"]


def test_self_closing_p_in_html_opens_a_paragraph_as_in_a_browser():
    html = identity_build('<div><p class="x" /><span>By Lynne</span> of the Associated Press.</div>')
    assert BeautifulSoup(html, "html.parser").find("p", class_="x").find("span") is not None


@pytest.mark.parametrize(
    "page",
    ['<html xmlns="http://www.w3.org/1999/xhtml"><body><h1><a id="up"/>Chapter 9</h1></body></html>',
     '<html><body><p>The chart <svg><path d="M0 0"/><circle r="1"/></svg> shows the vote.</p></body></html>'],
    ids=["xhtml", "svg"],
)
def test_self_closing_element_stays_empty_in_xhtml_and_svg(page):
    soup = BeautifulSoup(identity_build(page), "html.parser")
    for tag in soup.find_all(["a", "path", "circle"]):
        if tag.get("id") == "up" or tag.name != "a":
            assert tag.contents == []


def test_apertium_private_use_marks_never_reach_the_page():
    html = build_page(b'<p><img src="a.png" alt=""> <label><i class="icon"></i>MORE STORIES LIKE THIS ONE</label></p>',
                      source="en", target="es", engine=ApertiumEngine(), glossary=Glossary()).html
    assert not re.search("[\ue000-\uf8ff]", html)


def test_an_end_tag_across_a_table_cell_is_ignored_as_in_a_browser():
    soup = BeautifulSoup(identity_build(
        "<div><table><tr><td>The vote</div> was held.</td></tr></table><p>It passed.</p></div>"), "html.parser")
    assert " ".join(soup.find("td").get_text().split()) == "The vote was held."
    assert soup.find("p").find_parent("div") is not None


def test_an_end_tag_inside_a_table_does_not_close_it():
    soup = BeautifulSoup(
        identity_build(
            "<div><table><tr><td>The vote was held.</td></tr></div><tr><td>It passed.</td></tr></table></div>"
        ),
        "html.parser",
    )
    assert len(soup.find("table").find_all("tr")) == 2


@pytest.mark.parametrize(
    "text",
    ["Q&amp;A", "Caf&eacute; &copy 2024", "x &notin; y", "&NotGreaterFullEqual; and &ngE;", "AT&T &unknown; &amp"],
)
def test_named_character_references_read_as_beautiful_soup_reads_them(text):
    from a11ykit.html.parse import read_html

    page = f"<html><body><p>{text}</p></body></html>"
    assert read_html(page).find("p").get_text() == BeautifulSoup(page, "html.parser").find("p").get_text()


def test_named_characters_are_read_as_in_beautiful_soups_table():
    from bs4.dammit import EntitySubstitution

    from a11ykit.html.parse import _named_character

    table = EntitySubstitution.HTML_ENTITY_TO_CHARACTER
    assert {name: _named_character(name) for name in table} == table
    assert _named_character("notanentity") is None
