"""Text that looks like markup stays text in everything a11ykit writes.

Wherever it comes from — entity-escaped markup in the page, a translator's approved
msgstr, an approved glossary override, a glossary entry, a TBX import — it is text in
the page, the review page, the captions and the translators' catalog; never an element.
"""

from __future__ import annotations

import csv
import datetime
import html
import io

import html5lib
import pytest

from a11ykit.api import build_page
from a11ykit.article import Article
from a11ykit.review.catalog import catalog_bytes, read_catalog
from a11ykit.review.page import render_review_page
from a11ykit.speech.captions import Cue, read_vtt, write_vtt
from a11ykit.terms.base import Glossary
from a11ykit.terms.glossary import read_glossary
from a11ykit.terms.overrides import Override, apply_overrides
from a11ykit.terms.tbx import read_tbx
from a11ykit.text import tagged
from fakes import IdentityEngine

HOSTILE = [
    "<script>alert(1)</script>",
    "<b>bold</b>",
    '"><img src=x onerror=alert(1)>',
    "&lt;i&gt;",
    "<1>x</1>",
]
#: What a translator can type into a msgstr without it being read as a placeholder.
HOSTILE_MSGSTR = [h for h in HOSTILE if not h.startswith("<1>")]

HEADER = ["kind", "en", "es", "case", "lang", "abbr_en", "abbr_es", "say_en", "say_es", "note"]


def csv_glossary(*rows: list[str]) -> Glossary:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return read_glossary(io.StringIO(out.getvalue()), "terms.csv")


NO_TERMS = Glossary()


def build(body: str, glossary: Glossary = NO_TERMS, catalog=None) -> Article:
    page = f'<!DOCTYPE html><html lang="en"><head><title>T</title></head><body><p>{body}</p></body></html>'
    return build_page(page.encode(), source="en", target="es", engine=IdentityEngine(), glossary=glossary,
                      catalog=catalog, audio_stem="story")


# --- where the text comes from ------------------------------------------------------------------


def sentence_id(built: Article) -> str:
    """The id of the paragraph's sentence (the title is a segment too)."""
    (sid,) = [u.id for u in built.units if "Say" in u.source]
    return sid


def from_page(text: str) -> Article:
    return build(f"Say {html.escape(text)} now.")


def from_approved_msgstr(text: str) -> Article:
    first = build("Say hello now.")
    (message,) = [m for m in first.catalog if m.context == sentence_id(first)]
    message.string = f"Di {text} ahora."
    message.flags.discard("fuzzy")
    return build("Say hello now.", catalog=read_catalog(io.BytesIO(catalog_bytes(first.catalog))))


def from_glossary_entry(text: str) -> Article:
    glossary = csv_glossary(["map", "hello", text, "ignore", "", "", "", "", "", ""],
                            ["keep", "ICE", "", "exact", "en", "", text, "", "", ""])
    return build("Say hello to ICE now.", glossary)


def from_override(text: str) -> Article:
    glossary = csv_glossary(["map", "hello", "hola", "ignore", "", "", "", "", "", ""])
    override = Override("hello", "es", text, "approved", "ana", datetime.date(2026, 7, 1), "test")
    glossary, _ = apply_overrides(glossary, [override])
    return build("Say hello now.", glossary)


def from_tbx(text: str) -> Article:
    term = html.escape(text, quote=False)
    data = f"""<?xml version="1.0" encoding="UTF-8"?>
<martif type="TBX" xml:lang="en"><text><body>
  <termEntry id="t1">
    <langSet xml:lang="en"><tig><term>hello</term></tig></langSet>
    <langSet xml:lang="es"><tig><term>{term}</term></tig></langSet>
  </termEntry>
</body></text></martif>""".encode()
    return build("Say hello now.", read_tbx(io.BytesIO(data), "terms.tbx"))


SOURCES = {
    "page": (from_page, HOSTILE),
    "approved msgstr": (from_approved_msgstr, HOSTILE_MSGSTR),
    "glossary entry": (from_glossary_entry, HOSTILE),
    "override": (from_override, HOSTILE),
    "tbx import": (from_tbx, HOSTILE),
}
CASES = [pytest.param(make, text, id=f"{name}: {text}") for name, (make, texts) in SOURCES.items() for text in texts]


# --- what a11ykit writes ----------------------------------------------------------------------------


def review_page(built: Article) -> str:
    return render_review_page(built, built.units, built.problems, source_lang="en", target_lang="es",
                              stem="story", po_path="story.po")


def browser_elements(page: str):
    """The elements a browser would build (html5lib follows the HTML5 parsing algorithm)."""
    return html5lib.parse(page, namespaceHTMLElements=False).iter()


def assert_only_text(page: str, text: str, own_scripts: int = 0) -> None:
    elements = list(browser_elements(page))
    assert sum(1 for e in elements if e.tag == "script") == own_scripts
    assert not [e.tag for e in elements if e.tag in ("b", "img", "i")]
    assert not [e.tag for e in elements if any(name.startswith("on") for name in e.attrib)]
    visible = "".join("".join(e.itertext()) for e in elements if e.tag == "body")
    assert text in visible


@pytest.mark.parametrize(("make", "text"), CASES)
def test_the_page_shows_it_as_text(make, text):
    built = make(text)
    assert_only_text(built.html, text, own_scripts=1)  # the player's own script


@pytest.mark.parametrize(("make", "text"), CASES)
def test_the_review_page_shows_it_as_text(make, text):
    assert_only_text(review_page(make(text)), text, own_scripts=1)  # its order switch and reason filter


@pytest.mark.parametrize(("make", "text"), CASES)
def test_the_captions_carry_it_as_escaped_text(make, text):
    built = make(text)
    out = io.StringIO()
    write_vtt(out, [Cue(item.id, i, i + 1, item.text) for i, item in enumerate(built.speech)])
    cue_lines = [line for block in out.getvalue().split("\n\n")[1:] for line in block.split("\n")[2:]]
    assert not any("<" in line for line in cue_lines)
    assert any(text in cue.text for cue in read_vtt(io.StringIO(out.getvalue())))


@pytest.mark.parametrize(("make", "text"), CASES)
def test_the_catalog_holds_it_as_text_not_placeholders(make, text):
    built = make(text)
    catalog = read_catalog(io.BytesIO(catalog_bytes(built.catalog)))
    (message,) = [m for m in catalog if m.context == sentence_id(built)]
    translation = message.string if message.string else ""
    assert [t.kind for t in tagged.tokenize(translation)] == ["text"]
    assert [t.kind for t in tagged.tokenize(message.id)] == ["text"]
    assert text in tagged.plain(translation) or text in tagged.plain(message.id)
