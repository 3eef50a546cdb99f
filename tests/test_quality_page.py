"""What readers get from the quality estimate (issue #10): source-language words left in a
translated page say their language (``<span lang>``), and the notice says in plain words how
much of the page is machine-translated and unreviewed."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from bs4 import BeautifulSoup

from a11ykit.html.render import SENTENCE_CLASS, mark_words_language
from conftest import EXAMPLES


@pytest.fixture(scope="module", params=[("cecot.html", "es"), ("cecot.es.html", "en")], ids=["en-es", "es-en"])
def built(request, tmp_path_factory):
    page, target = request.param
    root = tmp_path_factory.mktemp(target)
    done = subprocess.run(
        [sys.executable, "-m", "a11ykit", "build", str(EXAMPLES / page), "--to", target, "--engine", "apertium",
         "--no-audio", "--out", str(root / "out"), "--locales", str(root / "locales")],
        capture_output=True, text=True, cwd=root, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((root / "out" / f"cecot.{target}.report.json").read_text(encoding="utf-8"))
    soup = BeautifulSoup((root / "out" / f"cecot.{target}.html").read_text(encoding="utf-8"), "html.parser")
    return report, soup


def left_over(report: dict) -> dict[str, list[str]]:
    """Sentence id → its source words (an attribute's text cannot hold markup)."""
    return {
        s["id"]: [w for r in s["quality"]["reasons"] if r["code"] == "source-word" for w in r["words"]]
        for s in report["segments"]
        if s["kind"] == "sentence"
        and "quality" in s
        and any(r["code"] == "source-word" for r in s["quality"]["reasons"])
    }


def test_every_leftover_source_word_says_its_language(built):
    report, soup = built
    assert left_over(report)
    for sentence_id, words in left_over(report).items():
        sentence = soup.find("span", id=sentence_id)
        marked = {span.get_text() for span in sentence.find_all("span", lang=report["source_lang"])}
        assert set(words) <= marked, sentence_id


def test_the_notice_says_how_much_is_machine_translated_and_unreviewed(built):
    report, soup = built
    sentences = [s for s in report["segments"] if s["kind"] == "sentence"]
    machine = sum(s["origin"] == "machine" for s in sentences)
    flagged = sum(bool(s.get("quality", {}).get("reasons")) for s in sentences)
    notice = soup.find(class_="a11y-notice").get_text(" ")
    numbers = {"es": f"{machine} de {len(sentences)} frases", "en": f"{machine} of {len(sentences)} sentences"}
    assert numbers[report["target_lang"]] in notice
    assert f" {flagged} " in notice


PAGE = (
    '<p><span class="{cls}" id="s1">Las <a href="#filings" title="filings">filings</a> de la corte y '
    '<b>book</b>ings, <code>filings</code>, <span lang="en">filings</span>; filings otra vez.</span></p>'
)


@pytest.fixture
def marked() -> BeautifulSoup:
    soup = BeautifulSoup(PAGE.format(cls=SENTENCE_CLASS), "html.parser")
    mark_words_language(soup, {"s1": ["filings", "bookings"]}, "en")
    return soup


def test_words_are_wrapped_in_text_only_never_in_attributes(marked):
    link = marked.find("a")
    assert (link["href"], link["title"]) == ("#filings", "filings")
    assert str(link) == '<a href="#filings" title="filings"><span lang="en">filings</span></a>'


def test_a_word_split_by_an_inline_tag_is_left_alone(marked):
    assert "<b>book</b>ings" in str(marked)


def test_code_and_text_that_already_says_its_language_are_left_alone(marked):
    assert "<code>filings</code>" in str(marked) and '<span lang="en">filings</span>;' in str(marked)
    assert not marked.find("span", lang="en").find("span")


def test_each_occurrence_in_running_text_is_wrapped(marked):
    assert '<span lang="en">filings</span> otra vez' in str(marked)
    assert len(marked.find_all("span", lang="en")) == 3  # the link's, the one already marked, the last one
