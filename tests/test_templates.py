"""The templates of generated HTML (player, review page): package files, every value escaped."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from a11ykit.html.template import escaped, join, placeholders, raw_text, render

TEMPLATES = Path(__file__).resolve().parent.parent / "src" / "a11ykit" / "html" / "templates"
HOSTILE = ['"><script>alert(1)</script>', "' onmouseover='x", "a & b < c > d"]


def template_names() -> list[str]:
    return sorted(p.name for p in TEMPLATES.glob("*.html"))


@pytest.mark.parametrize("name", template_names())
def test_every_template_is_read_from_the_package_with_valid_placeholders(name):
    shipped = (resources.files("a11ykit.html") / "templates" / name).read_text(encoding="utf-8")
    assert shipped == (TEMPLATES / name).read_text(encoding="utf-8")
    assert placeholders(name)


@pytest.mark.parametrize("value", HOSTILE)
def test_a_value_cannot_break_out_of_an_attribute(value):
    html = render("player-style-link.html", href=value)
    link = BeautifulSoup(html, "html.parser").find_all(True)
    assert [(tag.name, tag.attrs) for tag in link] == [("link", {"rel": ["stylesheet"], "href": value})]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_value_in_text_stays_text(value):
    html = render("review-problem.html", severity="error", code="numbers", message=value)
    soup = BeautifulSoup(html, "html.parser")
    assert [tag.name for tag in soup.find_all(True)] == ["li", "span", "code"]
    assert soup.li.get_text() == f"error numbers: {value}"


@pytest.mark.parametrize("value", HOSTILE)
def test_escaped_text_stands_among_rendered_parts_as_text(value):
    soup = BeautifulSoup(join([escaped(value), render("review-placeholder.html", shape="<1>")]), "html.parser")
    assert [tag.name for tag in soup.find_all(True)] == ["span"]
    assert soup.get_text() == value + "<1>"


def test_markup_from_another_template_is_inserted_as_it_is():
    items = join([render("review-problem.html", severity="error", code="numbers", message="m")] * 2)
    assert BeautifulSoup(render("review-problems.html", items=items), "html.parser").find_all("li") != []
    assert render("review-problems.html", items=items).count("<li>") == 2


@pytest.mark.parametrize(
    ("values", "message"),
    [({}, r"missing \['href'\]"), ({"href": "a", "hreff": "b"}, r"unexpected \['hreff'\]")],
)
def test_the_values_must_be_the_templates_placeholders(values, message):
    with pytest.raises(TypeError, match=message):
        render("player-style-link.html", **values)


@pytest.mark.parametrize(
    ("contents", "element"),
    [("a { }</style><script>x</script>", "style"), ("x = 1; </SCRIPT >", "script"), ("<!-- x", "script")],
)
def test_raw_text_that_could_end_its_element_is_refused(contents, element):
    with pytest.raises(ValueError, match=f"</{element}"):
        raw_text(contents, element)

