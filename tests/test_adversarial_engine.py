"""Whatever an engine returns, a build never raises, never loses a link, an atom, a script or a
comment, and never writes an element or attribute the source did not have (a11ykit's own
sentence spans, notice, player, abbr and lang marks aside)."""

import io
from collections import Counter

import pytest
from bs4 import BeautifulSoup, Comment
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from a11ykit.api import build_page
from a11ykit.terms.glossary import read_glossary
from a11ykit.translate.translator import FLAG_ENGINE_COUNT
from fakes import AdversarialEngine

GLOSSARY = read_glossary(
    io.StringIO(
        "kind,en,es,case,lang,abbr_en,abbr_es,say_en,say_es,note\n"
        "keep,CECOT,,exact,es,Terrorism Confinement Center,Centro de Confinamiento del Terrorismo,,,\n"
        "keep,ICE,,exact,en,,,,,\n"
        "map,Alien Enemies Act,Ley de Enemigos Extranjeros,ignore,,,,,,\n"
    ),
    "test.csv",
)

WORDS = st.sampled_from([
    "Hello", "world", "officials", "said", "the", "big", "vote", "yes", "we", "can", "ICE", "CECOT",
    "Alien Enemies Act", "10,500", "3.5", "July 18", "QZXA", "qzxab", "U.S.", "Mr.", "end.", "Why?",
    "&amp;", "&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;1&gt;", "&quot;&gt;&lt;img src=x&gt;", "café", "“quoted,”",
])
ATOMS = st.sampled_from([
    '<img src="a.png" alt="">', "<br>", "<code>x &lt; y</code>", "<!-- note -->", "<script>var a = 1 < 2;</script>",
    '<time datetime="2026-07-25">July 25</time>', '<span translate="no">DNA</span>', "<wbr>",
])
INLINE = st.sampled_from(["a", "em", "strong", "b", "i", "span", "abbr", "q", "cite"])
GLUE = st.sampled_from(["", " ", " ", "\n"])


@st.composite
def inline_content(draw, counter, depth=0, in_link=False):
    """Inline markup; every element gets a unique data-n, so the test can follow it."""
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(
            st.sampled_from(["text", "text", "inline", "atom", "atom-in-word"] if depth < 3 else ["text", "atom"])
        )
        if kind == "text":
            parts.append(" ".join(draw(st.lists(WORDS, min_size=1, max_size=6))))
        elif kind == "inline":
            tag = draw(INLINE.filter(lambda t: t != "a") if in_link else INLINE)
            counter.append(len(counter))
            attrs = f' href="/l{draw(st.integers(0, 9))}?a=1&amp;b=2"' if tag == "a" else ' class="c"'
            content = draw(inline_content(counter, depth + 1, in_link or tag == "a"))
            parts.append(f'<{tag}{attrs} data-n="{len(counter)}">{content}</{tag}>')
        elif kind == "atom":
            parts.append(_numbered(draw(ATOMS), counter))
        else:  # an atom inside a word
            word = draw(WORDS.filter(lambda w: w.isalpha() and len(w) > 2))
            parts.append(word[:2] + _numbered(draw(ATOMS), counter) + word[2:])
    return "".join(p + draw(GLUE) for p in parts)


def _numbered(atom: str, counter: list[int]) -> str:
    if not atom.startswith("<img"):
        return atom
    counter.append(len(counter))
    return atom.replace("<img", f'<img data-n="{len(counter)}"')


@st.composite
def pages(draw):
    blocks = []
    counter: list[int] = []
    for _ in range(draw(st.integers(1, 4))):
        tag = draw(st.sampled_from(["p", "h2", "li", "blockquote", "td", "figcaption", "div"]))
        counter.append(len(counter))
        blocks.append(f'<{tag} data-n="{len(counter)}">{draw(inline_content(counter))}</{tag}>')
    return '<!DOCTYPE html><html lang="en"><head><title>T</title></head><body>' + "\n".join(blocks) + "</body></html>"


#: a11ykit's own additions, removed before comparing with the source.
OWN = (
    ".a11y-skip, .a11y-notice, #a11y-style, link[rel=alternate], .a11y-listen, #a11y-player-style, #a11y-player-script"
)


def elements(soup: BeautifulSoup) -> Counter:
    """Every element with its attributes (lang aside: a11ykit retargets it)."""
    return Counter(
        (tag.name, tuple(sorted((k, str(v)) for k, v in tag.attrs.items() if k != "lang")))
        for tag in soup.find_all(True)
    )


def without_own(html: str) -> BeautifulSoup:
    soup = BeautifulSoup(html, "html.parser")
    for extra in soup.select(OWN):
        extra.decompose()
    for meta in soup.find_all("meta", charset=True):
        meta.decompose()
    for mark in soup.find_all(["span", "abbr"]):
        own = {"span": [{"class", "id"}, {"lang"}], "abbr": [{"title"}]}[mark.name]
        if set(mark.attrs) in own and (mark.get("class") in (None, ["a11y-s"])):
            mark.unwrap()
    return soup


def containers(soup: BeautifulSoup) -> dict[str, str | None]:
    """data-n of each numbered element → data-n of the nearest numbered element around it."""
    result = {}
    for tag in soup.find_all(attrs={"data-n": True}):
        parent = tag.find_parent(attrs={"data-n": True})
        result[tag["data-n"]] = parent["data-n"] if parent else None
    return result


def build(html: str, seed: int):
    return build_page(html.encode(), source="en", target="es", engine=AdversarialEngine(seed), glossary=GLOSSARY)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(pages(), st.integers(0, 2**32))
def test_no_engine_output_breaks_the_page(html, seed):
    built = build(html, seed)  # never raises
    source = BeautifulSoup(html, "html.parser")
    output = without_own(built.html)
    source_marks = without_own(html)
    # No element or attribute that the source did not have, and none lost.
    assert elements(output) == elements(source_marks)
    # Every element stays inside the element it was in.
    assert containers(output) == containers(source)
    # Every link keeps its target; no link is nested in another.
    assert sorted(a["href"] for a in output.find_all("a")) == sorted(a["href"] for a in source.find_all("a"))
    assert not any(a.find_parent("a") for a in output.find_all("a"))
    # Atoms, scripts and comments come back with their text.
    for name in ("script", "code"):
        assert sorted(t.get_text() for t in output.find_all(name)) == sorted(
            t.get_text() for t in source.find_all(name)
        )
    assert sorted(c for c in output.find_all(string=lambda s: isinstance(s, Comment))) == sorted(
        c for c in source.find_all(string=lambda s: isinstance(s, Comment))
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(pages(), st.integers(0, 2**32))
def test_a_sentence_with_words_keeps_words_and_every_link_that_had_text_has_text(html, seed):
    built = build(html, seed)
    output = without_own(built.html)
    source = BeautifulSoup(html, "html.parser")
    for tag in ("a", "em", "strong", "b", "i", "q", "cite"):
        had_words = sorted(bool(any(c.isalnum() for c in t.get_text())) for t in source.find_all(tag))
        has_words = sorted(bool(any(c.isalnum() for c in t.get_text())) for t in output.find_all(tag))
        assert has_words == had_words, tag


@pytest.mark.parametrize("move", AdversarialEngine.MOVES)
def test_each_kind_of_broken_output_is_survived(move):
    html = (
        '<p>Read <a href="/a">the first report</a><a href="/b">and the second</a> on ICE<img src="i.png" alt="">today, '
        "10,500 men.</p>"
    )
    built = build_page(
        html.encode(), source="en", target="es", engine=AdversarialEngine(1, moves=[move]), glossary=GLOSSARY
    )
    output = without_own(built.html)
    assert [a["href"] for a in output.find_all("a")] == ["/a", "/b"]
    assert output.find("img")["src"] == "i.png"
    assert "ICE" in output.get_text()


@pytest.mark.parametrize("batch_move", AdversarialEngine.BATCH_MOVES)
def test_more_or_fewer_outputs_than_inputs_are_flagged_not_fatal(batch_move):
    engine = AdversarialEngine(0, moves=["upper"], batch_moves=[batch_move], batch_rate=1.0)
    html = "".join(f"<p>Sentence number {i} is here.</p>" for i in range(12)).encode()
    built = build_page(html, source="en", target="es", engine=engine, glossary=GLOSSARY)
    assert batch_move in engine.done
    assert any(FLAG_ENGINE_COUNT in r.flags for r in built.units)
    assert all(r.text for r in built.units)
