"""chrF (character 6-grams, beta 2) computed by a11ykit equals sacrebleu's on real sentence pairs."""

from __future__ import annotations

import pytest
import sacrebleu
from bs4 import BeautifulSoup

from a11ykit.quality import corpus_chrf, sentence_chrf
from conftest import EXAMPLES


def paragraphs(name: str) -> list[str]:
    soup = BeautifulSoup((EXAMPLES / name).read_text(encoding="utf-8"), "html.parser")
    return [" ".join(p.get_text().split()) for p in soup.find_all(["h1", "h2", "p", "figcaption"])]


ENGLISH, SPANISH = paragraphs("cecot.html"), paragraphs("cecot.es.html")


def test_the_example_pages_give_aligned_paragraphs():
    assert len(ENGLISH) == len(SPANISH) > 10


@pytest.mark.parametrize("index", range(len(ENGLISH)))
def test_sentence_chrf_equals_sacrebleu_on_the_articles_paragraphs(index):
    hypothesis, reference = ENGLISH[index], SPANISH[index]
    assert sentence_chrf(hypothesis, reference) == pytest.approx(
        sacrebleu.sentence_chrf(hypothesis, [reference]).score, abs=1e-9
    )


def test_corpus_chrf_equals_sacrebleu_on_the_whole_article():
    assert corpus_chrf(ENGLISH, SPANISH) == pytest.approx(sacrebleu.corpus_chrf(ENGLISH, [SPANISH]).score, abs=1e-9)


@pytest.mark.parametrize(
    ("hypothesis", "reference"),
    [("", ""), ("", "Hola"), ("Hola", ""), ("a", "ab"), ("EE.UU.", "Estados Unidos"), ("  x  y ", "xy")],
)
def test_edge_cases_score_as_sacrebleu_does(hypothesis, reference):
    assert sentence_chrf(hypothesis, reference) == pytest.approx(
        sacrebleu.sentence_chrf(hypothesis, [reference]).score, abs=1e-9
    )


def test_a_sentence_scores_100_against_itself_whatever_its_spaces():
    assert sentence_chrf("Venezuela  said 252 men\twere released.", "Venezuela said 252 men were released.") == 100


def test_corpus_chrf_refuses_unaligned_lists():
    with pytest.raises(ValueError, match="2 hypotheses for 1 references"):
        corpus_chrf(["a", "b"], ["a"])
