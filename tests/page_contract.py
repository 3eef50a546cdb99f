"""The checks every translated page of the example article must pass, whatever the engine.

Subclass once per engine with a ``page`` fixture: ``{"src": source html, "out": built html,
"report": the report dict}`` for examples/cecot.html built into Spanish.
"""

from __future__ import annotations

import re

import pytest

from pagecheck import counts, hrefs, raw_blocks, soup_without_additions, visible_and_attribute_text


class SpanishPageContract:
    def test_the_page_says_it_is_spanish(self, page):
        assert re.search(r'<html[^>]*\blang="es"', page["out"])

    def test_the_structure_is_kept(self, page):
        assert counts(soup_without_additions(page["out"])) == counts(soup_without_additions(page["src"]))

    def test_every_link_target_is_kept_in_order(self, page):
        assert hrefs(soup_without_additions(page["out"])) == hrefs(soup_without_additions(page["src"]))

    @pytest.mark.parametrize("tag", ["script", "style"])
    def test_scripts_and_styles_are_byte_identical(self, page, tag):
        blocks = raw_blocks(page["src"], tag)
        assert blocks
        for block in blocks:
            assert block in page["out"]

    def test_the_comments_are_kept(self, page):
        assert re.findall(r"<!--.*?-->", page["src"], re.S) == re.findall(r"<!--.*?-->", page["out"], re.S)

    def test_the_alien_enemies_act_is_the_ley_de_enemigos_extranjeros(self, page):
        assert "Ley de Enemigos Extranjeros" in page["out"]
        assert "Alien Enemies Act" not in visible_and_attribute_text(soup_without_additions(page["out"]))
        assert "alienígena" not in page["out"].lower()

    def test_ice_is_never_hielo(self, page):
        assert "hielo" not in page["out"].lower()

    @pytest.mark.parametrize("term", ["CECOT", "ICE"])
    def test_locked_acronyms_appear_as_often_as_in_the_source(self, page, term):
        pattern = rf"(?<!\w){term}(?!\w)"
        source = visible_and_attribute_text(soup_without_additions(page["src"]))
        output = visible_and_attribute_text(soup_without_additions(page["out"]))
        assert len(re.findall(pattern, output)) == len(re.findall(pattern, source))

    def test_the_report_has_no_glossary_violation(self, page):
        assert page["report"]["summary"]["violations"] == 0
