"""Issue #10's acceptance test: the real Apertium on the example article, both directions.

The article's sentences go through ``apertium`` as it is installed, *without* ``-u`` (so it marks
the words it does not know); the marks are stripped and every sentence is estimated with
Apertium's analysers. No rule names any of the words asserted here.
"""

from __future__ import annotations

import csv
import re
import subprocess

import pytest
from bs4 import BeautifulSoup

from a11ykit.quality import ApertiumLexicon, estimate, page_quality, strip_unknown_marks
from conftest import EXAMPLES

MODES = {("en", "es"): "eng-spa", ("es", "en"): "spa-eng"}


def glossary_forms() -> list[str]:
    """Every form of every term of the project's glossary (what the build keeps or maps)."""
    with (EXAMPLES.parent / "glossary" / "terms.csv").open(encoding="utf-8") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        return [form for row in rows for column in ("en", "es") for form in (row[column] or "").split("|") if form]


def article_sentences(page: str) -> list[str]:
    soup = BeautifulSoup((EXAMPLES / page).read_text(encoding="utf-8"), "html.parser")
    blocks = [" ".join(b.get_text().split()) for b in soup.find("article").find_all(["h1", "h2", "p", "figcaption"])]
    return [s for block in blocks for s in re.split(r"(?<=[.!?”])\s+(?=[“¿¡A-Z])", block) if s]


def apertium(sentences: list[str], source: str, target: str) -> list[str]:
    done = subprocess.run(
        ["apertium", MODES[source, target]], input="\n".join(sentences) + "\n",
        capture_output=True, text=True, check=True, timeout=120,
    )
    return done.stdout.split("\n")[: len(sentences)]


def estimated(page: str, source: str, target: str) -> list[tuple[str, object]]:
    sentences = article_sentences(page)
    outputs = apertium(sentences, source, target)
    protected = glossary_forms()
    with ApertiumLexicon(source) as source_lexicon, ApertiumLexicon(target) as target_lexicon:
        results = []
        for sentence, marked in zip(sentences, outputs, strict=False):
            output, unknown = strip_unknown_marks(marked, sentence)
            results.append((output, estimate(sentence, output, source_lexicon, target_lexicon,
                                             protected=protected, engine_unknown=unknown)))
    return results


@pytest.fixture(scope="module")
def english_to_spanish():
    return estimated("cecot.html", "en", "es")


@pytest.fixture(scope="module")
def spanish_to_english():
    return estimated("cecot.es.html", "es", "en")


def flagged(results, code: str) -> set[str]:
    return {w for _, e in results for r in e.reasons if r.code == code for w in r.words}


@pytest.mark.parametrize(
    ("word", "code"),
    [("piecing", "source-word"), ("filings", "source-word"), ("bookings", "source-word"),
     ("Calvariode125", "glued-word")],
)
def test_english_to_spanish_flags_the_issues_words_with_the_right_reason(english_to_spanish, word, code):
    assert word in flagged(english_to_spanish, code)


def test_the_engines_other_glued_words_are_found_too(english_to_spanish):
    assert {"trasladosdepista", "intercambiodetres"} <= flagged(english_to_spanish, "glued-word")


def test_the_flagged_sentence_is_the_one_that_holds_the_word(english_to_spanish):
    _output, result = next((o, e) for o, e in english_to_spanish if "bookings" in o)
    assert result.score < 1 and result.reason("source-word").words == ("bookings",)


@pytest.mark.parametrize("word", ["megacárcel", "recluidos", "incapacitación"])
def test_spanish_to_english_flags_spanish_words_left_in_the_english_text(spanish_to_english, word):
    assert word in flagged(spanish_to_english, "source-word")


@pytest.mark.parametrize("results", ["english_to_spanish", "spanish_to_english"])
def test_names_and_glossary_terms_are_never_flagged(request, results):
    words = {w for _, e in request.getfixturevalue(results) for r in e.reasons for w in r.words}
    names = {"Andry", "Hernández", "Romero", "Tim", "Miller", "Bulwark", "Nayib", "Bukele", "Tecoluca", "Laura",
             "Pineda", "Venezuela", "CECOT", "ICE", "Trump"}
    assert not words & names


@pytest.mark.parametrize("results", ["english_to_spanish", "spanish_to_english"])
def test_most_sentences_are_not_flagged(request, results):
    estimates = [e for _, e in request.getfixturevalue(results)]
    assert sum(bool(e.reasons) for e in estimates) <= len(estimates) // 3


def test_the_apertium_page_is_not_mostly_poor(english_to_spanish):
    assert not page_quality([e for _, e in english_to_spanish]).mostly_poor()


def test_a_page_the_engine_left_in_english_is_mostly_poor():
    """What the copy-model Argos package makes of the article: every sentence unchanged."""
    sentences = article_sentences("cecot.html")
    with ApertiumLexicon("en") as english, ApertiumLexicon("es") as spanish:
        page = page_quality([estimate(s, s, english, spanish, protected=glossary_forms()) for s in sentences])
    assert page.mostly_poor() and page.by_code["source-word"] > len(sentences) // 2
