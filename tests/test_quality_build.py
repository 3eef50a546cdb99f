"""Issue #10's acceptance test on a11ykit's own build: the example article built with the real
Apertium through the CLI; the report, the summary line and the PO carry each sentence's quality
estimate. No rule names the asserted words."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from a11ykit.quality import REASON_CODES
from conftest import EXAMPLES


@dataclass
class Build:
    report: dict
    stdout: str
    catalog: Catalog

    @property
    def estimated(self) -> list[dict]:
        return [s for s in self.report["segments"] if "quality" in s]


def build(tmp_path, page: str, target: str, *flags: str) -> Build:
    done = subprocess.run(
        [sys.executable, "-m", "a11ykit", "build", str(EXAMPLES / page), "--to", target, "--engine", "apertium",
         "--no-audio", "--out", str(tmp_path / "out"), "--locales", str(tmp_path / "locales"), *flags],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "out" / f"cecot.{target}.report.json").read_text(encoding="utf-8"))
    with (tmp_path / "locales" / target / "LC_MESSAGES" / "cecot.po").open("rb") as po:
        catalog = read_po(po)
    return Build(report, done.stdout, catalog)


@pytest.fixture(scope="module")
def spanish_build(tmp_path_factory):
    # the estimate of the engine's own output: split-glued-words would mend "Calvariode125" first
    return build(tmp_path_factory.mktemp("es"), "cecot.html", "es", "--no-repairs")


@pytest.fixture(scope="module")
def english_build(tmp_path_factory):
    return build(tmp_path_factory.mktemp("en"), "cecot.es.html", "en")


def reasons_of(built: Build, word: str) -> set[str]:
    return {r["code"] for s in built.estimated for r in s["quality"]["reasons"] if word in r["words"]}


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
    for segment in spanish_build.estimated:
        for reason in segment["quality"]["reasons"]:
            if reason["code"] != "round-trip":  # its words are the source's
                assert all(w in segment["text"] for w in reason["words"]), (segment["id"], reason)


def test_every_machine_translated_sentence_has_a_score_and_coded_reasons(spanish_build):
    machine = [s for s in spanish_build.report["segments"] if s["origin"] == "machine"]
    assert machine and all("quality" in s for s in machine)
    for segment in machine:
        assert 0 <= segment["quality"]["score"] <= 1
        assert all(r["code"] in REASON_CODES for r in segment["quality"]["reasons"])


@pytest.mark.parametrize("built", ["spanish_build", "english_build"])
def test_the_reports_page_summary_counts_the_flagged_sentences(request, built):
    built = request.getfixturevalue(built)
    flagged = sum(bool(s["quality"]["reasons"]) for s in built.estimated)
    assert built.report["quality"]["flagged"] == flagged == built.report["summary"]["quality_flagged"]
    assert built.report["quality"]["sentences"] == len(built.estimated)
    assert f"{flagged} sentence(s) flagged for quality" in built.stdout


@pytest.mark.parametrize("built", ["spanish_build", "english_build"])
def test_the_built_pages_are_not_mostly_poor(request, built):
    page = request.getfixturevalue(built).report["quality"]
    assert page["poor"] <= 0.5 * page["sentences"] and page["flagged"] >= 5


def test_the_catalog_gives_each_estimated_sentence_its_score_and_reasons(spanish_build):
    entries = {m.context: m for m in spanish_build.catalog if m.id}
    for segment in spanish_build.estimated:
        quality = segment["quality"]
        lines = [c for c in entries[segment["id"]].auto_comments if c.startswith("quality ")]
        assert len(lines) == 1 and lines[0].startswith(f"quality {quality['score']:.2f}")
        for reason in quality["reasons"]:
            assert re.search(re.escape(reason["code"]) + r" \(" + re.escape(", ".join(reason["words"])), lines[0])
