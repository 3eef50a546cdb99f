"""End to end with the Argos engine, offline, on the copy-model package the tests build.

The package is installed through the same code as a real model (``a11ykit models install FILE``)
and used through the same engine code; its model copies its input, so outputs are exact.
"""

import json

import pytest

from a11ykit.cli import main
from argos_package import cached_package, isolate_environment
from page_contract import SpanishPageContract


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from conftest import EXAMPLES

    mp = pytest.MonkeyPatch()
    root = tmp_path_factory.mktemp("argos-e2e")
    packages = isolate_environment(mp, root / "env")
    package = cached_package(root / "package-cache")
    out = root / "out"
    try:
        assert main(["models", "install", str(package), "--dir", str(packages)]) == 0
        assert main(["build", str(EXAMPLES / "cecot.html"), "--to", "es", "--engine", "argos", "--out", str(out),
                     "--locales", str(root / "locales"), "--no-audio"]) == 0
    finally:
        mp.undo()
    return {
        "src": (EXAMPLES / "cecot.html").read_text(encoding="utf-8"),
        "es": (out / "cecot.es.html").read_text(encoding="utf-8"),
        "report": json.loads((out / "cecot.es.report.json").read_text(encoding="utf-8")),
    }


def test_the_report_names_the_argos_engine_and_package(built):
    assert built["report"]["engine"].startswith("argos en→es translate-en_es")


class TestTheSpanishPage(SpanishPageContract):
    """The same structure and glossary checks as the Apertium page."""

    @pytest.fixture
    def page(self, built):
        return {"src": built["src"], "out": built["es"], "report": built["report"]}


def test_the_copy_model_gives_the_exact_sentence_with_its_markup_and_terms(built):
    segment = next(s for s in built["report"]["segments"] if "centuries-old law" in s["source"])
    assert (
        segment["source"]
        == "The transfer used the <1>Alien Enemies Act</1>, a centuries-old law, to fast-track removals."
    )
    assert (
        segment["text"]
        == "The transfer used the <1>Ley de Enemigos Extranjeros</1>, a centuries-old law, to fast-track removals."
    )
    assert "markup-realigned" in segment["flags"]  # the engine returns plain text; the pipeline put the tag back
