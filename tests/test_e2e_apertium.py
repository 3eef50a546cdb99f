"""End to end with the real Apertium engine on the example article, both directions."""

import json
import re

import pytest

from a11ykit.cli import main
from page_contract import SpanishPageContract
from pagecheck import counts, hrefs, soup_without_additions


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from conftest import EXAMPLES

    out = tmp_path_factory.mktemp("out")
    common = ["--engine", "apertium", "--out", str(out), "--locales", str(out / "locales"), "--no-audio"]
    assert main(["build", str(EXAMPLES / "cecot.html"), "--to", "es", *common]) == 0
    assert main(["build", str(EXAMPLES / "cecot.es.html"), "--to", "en", *common]) == 0
    return {
        "en_src": (EXAMPLES / "cecot.html").read_text(encoding="utf-8"),
        "es_src": (EXAMPLES / "cecot.es.html").read_text(encoding="utf-8"),
        "es": (out / "cecot.es.html").read_text(encoding="utf-8"),
        "en": (out / "cecot.en.html").read_text(encoding="utf-8"),
        "es_report": json.loads((out / "cecot.es.report.json").read_text(encoding="utf-8")),
    }


class TestTheSpanishPage(SpanishPageContract):
    @pytest.fixture
    def page(self, built):
        return {"src": built["en_src"], "out": built["es"], "report": built["es_report"]}


def test_almost_no_sentence_is_left_in_english(built):
    report = built["es_report"]
    sentences = [s for s in report["segments"] if s["kind"] == "sentence" and len(s["source"].split()) >= 4]
    unchanged = [s for s in sentences if s["text"] == s["source"]]
    assert len(unchanged) <= len(sentences) // 20, unchanged


def test_the_byline_date_is_in_spanish(built):
    assert "25 de julio de 2026" in built["es"]


def test_the_page_links_to_the_original_language_version(built):
    assert re.search(r'<link[^>]*hreflang="en"', built["es"])


def test_the_notice_comes_from_the_spanish_catalog(built):
    assert "Esta página es una traducción automática del original en inglés." in built["es"]


def test_spanish_source_translates_to_english_with_the_alien_enemies_act(built):
    assert re.search(r'<html[^>]*\blang="en"', built["en"])
    assert "Alien Enemies Act" in built["en"]


def test_the_english_page_keeps_the_spanish_structure(built):
    assert counts(soup_without_additions(built["en"])) == counts(soup_without_additions(built["es_src"]))
    assert hrefs(soup_without_additions(built["en"])) == hrefs(soup_without_additions(built["es_src"]))
