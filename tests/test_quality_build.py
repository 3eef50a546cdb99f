"""Issue #10's acceptance test on a11ykit's own build: the example article built with the real
Apertium through the CLI, the report's sentences estimated. No rule names the asserted words."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from a11ykit.quality import ApertiumLexicon, estimate, page_quality
from conftest import EXAMPLES

_INLINE_TAG_RE = re.compile(r"</?\d+/?>")  # the report's inline markup, <1>…</1> and <2/>


def built_estimates(tmp_path, page: str, target: str):
    done = subprocess.run(
        [sys.executable, "-m", "a11ykit", "build", str(EXAMPLES / page), "--to", target, "--engine", "apertium",
         "--no-audio", "--out", str(tmp_path / "out"), "--locales", str(tmp_path / "locales")],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "out" / f"cecot.{target}.report.json").read_text(encoding="utf-8"))
    with ApertiumLexicon(report["source_lang"]) as source, ApertiumLexicon(target) as output:
        return [
            (segment, estimate(_INLINE_TAG_RE.sub("", segment["source"]), _INLINE_TAG_RE.sub("", segment["text"]),
                               source, output, protected=[hit["target_form"] for hit in segment["hits"]]))
            for segment in report["segments"]
        ]


@pytest.fixture(scope="module")
def spanish_build(tmp_path_factory):
    return built_estimates(tmp_path_factory.mktemp("es"), "cecot.html", "es")


@pytest.fixture(scope="module")
def english_build(tmp_path_factory):
    return built_estimates(tmp_path_factory.mktemp("en"), "cecot.es.html", "en")


def reasons_of(results, word: str) -> set[str]:
    return {r.code for _, e in results for r in e.reasons if word in r.words}


@pytest.mark.parametrize(
    ("word", "code"),
    [("piecing", "source-word"), ("filings", "source-word"), ("bookings", "source-word"),
     ("Calvariode125", "glued-word")],
)
def test_the_spanish_builds_leftover_english_and_glued_words_are_flagged(spanish_build, word, code):
    assert reasons_of(spanish_build, word) == {code}


@pytest.mark.parametrize("word", ["megacárcel", "recluidos", "incapacitación", "penitenciario"])
def test_the_english_builds_leftover_spanish_words_are_flagged(english_build, word):
    assert reasons_of(english_build, word) == {"source-word"}


def test_every_sentence_with_a_flagged_word_holds_that_word(spanish_build):
    for segment, result in spanish_build:
        for reason in result.reasons:
            assert all(w in segment["text"] for w in reason.words), (segment["id"], reason)


@pytest.mark.parametrize("results", ["spanish_build", "english_build"])
def test_the_built_pages_are_not_mostly_poor(request, results):
    page = page_quality([e for _, e in request.getfixturevalue(results)])
    assert not page.mostly_poor() and page.flagged >= 5
