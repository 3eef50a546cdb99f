"""With an identity engine, a rebuilt page is the input page again (apart from what localisation adds)."""

from bs4 import BeautifulSoup, Comment, NavigableString
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from a11ykit.api import build_page
from a11ykit.terms.base import Glossary
from fakes import IdentityEngine
from pagecheck import soup_without_additions

WORDS = st.sampled_from(["Hello", "world", "U.S.", "officials", "said", "Mr.", "Smith", "252", "men", "“quoted,”",
                         "he", "left.", "Why?", "&", "<", "café", "a.m.", "end."])
TEXT = st.lists(WORDS, min_size=1, max_size=8).map(" ".join)
INLINE = st.sampled_from(["a", "em", "strong", "b", "i", "span", "abbr", "q", "cite"])


@st.composite
def inline_content(draw, depth=0):
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(
            st.sampled_from(["text", "text", "inline", "code", "comment", "img"] if depth < 2 else ["text", "img"])
        )
        if kind == "text":
            parts.append(draw(TEXT).replace("&", "&amp;").replace("<", "&lt;"))
        elif kind == "inline":
            tag = draw(INLINE)
            attrs = f' href="/x?a=1&amp;b=2" id="i{draw(st.integers(0, 99))}"' if tag == "a" else ' class="c"'
            parts.append(f"<{tag}{attrs}>{draw(inline_content(depth + 1))}</{tag}>")
        elif kind == "code":
            parts.append("<code>x &lt; y</code>")
        elif kind == "img":
            parts.append('<img src="i.png" alt="">')
        else:
            parts.append("<!-- note -->")
    return "".join(p + draw(st.sampled_from(["", " "])) for p in parts)


@st.composite
def pages(draw):
    blocks = []
    for _ in range(draw(st.integers(1, 5))):
        tag = draw(st.sampled_from(["p", "h2", "li", "blockquote", "td", "figcaption", "div"]))
        blocks.append(f"<{tag}>{draw(inline_content())}</{tag}>")
    return "<!DOCTYPE html><html lang=\"en\"><head><title>T</title></head><body>" + "\n".join(blocks) + "</body></html>"


def shape(soup: BeautifulSoup):
    """Element tree and text, with whitespace normalised (the engine sees collapsed whitespace)."""
    out = []
    for node in soup.descendants:
        if isinstance(node, Comment):
            out.append(("comment", str(node)))
        elif isinstance(node, NavigableString):
            if str(node).strip():
                out.append(("text", " ".join(str(node).split())))
        else:
            attrs = {k: v for k, v in node.attrs.items() if not (node.name == "html" and k == "lang")}
            out.append((node.name, sorted((k, str(v)) for k, v in attrs.items())))
    return out


def words(soup: BeautifulSoup) -> str:
    return " ".join(soup.get_text(" ").split())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pages())
def test_identity_translation_rebuilds_the_same_tree_and_text(html):
    built = build_page(html.encode(), source="en", target="es", engine=IdentityEngine(), glossary=Glossary())
    original = BeautifulSoup(html, "html.parser")
    rebuilt = soup_without_additions(built.html)
    for meta in rebuilt.find_all("meta", charset=True):
        meta.decompose()
    assert [s for s in shape(rebuilt) if s[0] != "text"] == [s for s in shape(original) if s[0] != "text"]
    assert words(rebuilt).replace(" ", "") == words(original).replace(" ", "")
    assert glue_around_images(rebuilt) == glue_around_images(original)


def glue_around_images(soup: BeautifulSoup) -> list[tuple[bool, bool]]:
    """For each image: whether a letter or digit touches it on the left and on the right."""
    def touches(node, first: bool) -> bool:
        text = str(node) if isinstance(node, NavigableString) and not isinstance(node, Comment) else ""
        return bool(text) and (text[0] if first else text[-1]).isalnum()

    return [(touches(img.previous_sibling, False), touches(img.next_sibling, True)) for img in soup.find_all("img")]
