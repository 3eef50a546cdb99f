"""QA checks on a translated page: one behaviour per test."""

from __future__ import annotations

import dataclasses
import io

import pytest

from a11ykit.article import Unit
from a11ykit.errors import InputError
from a11ykit.review.checks import (
    CHECKS,
    CODES,
    Context,
    Problem,
    has_errors,
    problem_from_dict,
    run_checks,
)
from a11ykit.terms.glossary import read_glossary

GLOSSARY = read_glossary(
    io.StringIO(
        "kind,en,es,case,lang,abbr_en,abbr_es,say_en,say_es,note\n"
        "keep,CECOT,,exact,es,,,,,\n"
        "keep,Tim Miller|Miller,,exact,,,,,,\n"
        "map,Alien Enemies Act,Ley de Enemigos Extranjeros,ignore,,,,,,\n"
    ),
    "terms.csv",
)


def result(source: str, text: str, sid: str = "s1", origin="machine") -> Unit:
    return Unit(sid, source, machine=text, text=text, origin=origin)


def check(name: str, unit: Unit | None, glossary=None, **context) -> list[Problem]:
    """Run one check of the registry on one unit (None: on the page)."""
    return CHECKS[name](Context(glossary, "es", **context), unit)


def codes(problems: list[Problem]) -> list[str]:
    return [p.code for p in problems]


# --- placeholders ----------------------------------------------------------------------------


def test_matching_placeholders_pass():
    assert check("tags", result("Read <1>the report</1> <2/>.", "Lea <1>el informe</1> <2/>.")) == []


def test_a_lost_placeholder_is_an_error():
    problems = check("tags", result("Read <1>the report</1>.", "Lea el informe."))
    assert [(p.code, p.severity) for p in problems] == [("tags", "error")]


def test_the_tags_message_lists_expected_and_found_placeholders():
    assert "placeholders are <2/>, expected <1> </1>" in check("tags", result("<1>a</1>", "<2/>"))[0].message


# --- links -------------------------------------------------------------------------------------


def test_an_element_nested_in_another_it_was_not_in_is_an_error():
    problems = check("tags", result("Read <1>one</1><2>two</2>.", "Lea <1>uno<2>dos</2></1>."))
    assert [(p.code, p.severity) for p in problems] == [("tags", "error")]
    assert "nested" in problems[0].message


def test_a_link_left_without_words_is_an_error():
    problems = check("tags", result("Read <1>the report</1> now.", "Lea <1></1> el informe ahora."))
    assert [(p.code, p.message) for p in problems] == [("tags", "element <1> had words in the source but has none")]


@pytest.mark.parametrize("flag", ["markup-unplaced", "markup-missing", "markup-repeated", "markup-unknown"])
def test_markup_the_build_could_not_place_is_an_error(flag):
    unplaced = result("Read <1>this</1>.", "<1>Lea esto.</1>")
    unplaced.flags.append(flag)
    assert [(p.code, p.severity) for p in check("markup", unplaced)] == [("markup-unplaced", "error")]


def test_realigned_markup_is_not_a_problem():
    realigned = result("Read <1>this</1>.", "Lea <1>esto</1>.")
    realigned.flags.append("markup-realigned")
    assert check("markup", realigned) == []


def test_the_same_links_in_another_order_pass():
    assert check("hrefs", None, source_hrefs=["/a", "/b", "/a"], output_hrefs=["/b", "/a", "/a"]) == []


def test_a_missing_link_is_a_page_level_error():
    assert [
        (p.code, p.segment_id, p.severity) for p in check("hrefs", None, source_hrefs=["/a", "/b"], output_hrefs=["/a"])
    ] == [("hrefs", "", "error")]


def test_a_changed_link_is_reported_missing_and_added():
    assert len(check("hrefs", None, source_hrefs=["https://x.org/a"], output_hrefs=["https://x.org/b"])) == 2


# --- locked terms --------------------------------------------------------------------------


def test_a_locked_term_translated_as_the_glossary_says_passes():
    assert check("terms", result("The Alien Enemies Act.", "La Ley de Enemigos Extranjeros."), GLOSSARY) == []


def test_a_locked_term_missing_from_the_output_is_an_error():
    problems = check("terms", result("The Alien Enemies Act.", "La ley de enemigos."), GLOSSARY)
    assert [(p.code, p.severity) for p in problems] == [("term-count", "error")]


def test_a_locked_term_found_fewer_times_than_in_the_source_is_an_error():
    source = "CECOT is CECOT."
    assert codes(check("terms", result(source, "CECOT es la cárcel."), GLOSSARY)) == ["term-count"]


def test_the_case_rule_of_a_term_is_respected():
    assert check("terms", result("The Alien Enemies Act.", "La ley de enemigos extranjeros."), GLOSSARY) == []


def test_terms_inside_inline_markup_count():
    assert (
        check("terms", result("The <1>Alien Enemies Act</1>.", "La <1>Ley de Enemigos Extranjeros</1>."), GLOSSARY)
        == []
    )


def test_a_longer_term_is_not_counted_again_as_its_shorter_variant():
    assert check("terms", result("Tim Miller wrote it.", "Tim Miller lo escribió."), GLOSSARY) == []


# --- numbers and URLs --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "output"),
    [("1,500 people", "1.500 personas"), ("3.5 million", "3,5 millones"), ("125 days", "125 días")],
)
def test_localized_numbers_pass(source, output):
    assert check("numbers", result(source, output)) == []


def test_a_changed_number_is_an_error_naming_it():
    problems = check("numbers", result("He spent 125 days.", "Pasó 152 días."))
    assert [(p.code, p.severity) for p in problems] == [("numbers", "error")]
    assert "missing 125" in problems[0].message and "152" in problems[0].message


def test_placeholder_numbers_are_not_numbers_of_the_text():
    assert check("numbers", result("Read <1>this</1> <2/>.", "Lea <1>esto</1> <2/>.")) == []


def test_an_unchanged_url_passes():
    assert check("urls", result("See https://example.org/a?b=1.", "Vea https://example.org/a?b=1.")) == []


def test_a_changed_url_is_an_error():
    assert codes(check("urls", result("See www.example.org/report.", "Vea www.example.org/informe."))) == [
        "urls",
        "urls",
    ]


def test_a_changed_url_is_not_also_reported_as_a_changed_number():
    assert check("numbers", result("See https://x.org/2024/a.", "Vea https://x.org/2025/a.")) == []


# --- untranslated ------------------------------------------------------------------------------


def test_an_untranslated_sentence_is_a_warning():
    problems = check("untranslated", result("He was sent to prison.", "He was sent to prison."), GLOSSARY)
    assert [(p.code, p.severity) for p in problems] == [("untranslated", "warning")]


def test_a_segment_made_only_of_glossary_terms_may_stay_as_it_is():
    assert check("untranslated", result("CECOT", "CECOT"), GLOSSARY) == []


def test_a_name_may_stay_as_it_is():
    assert check("untranslated", result("Andry Hernández Romero", "Andry Hernández Romero"), GLOSSARY) == []


def test_a_segment_without_letters_may_stay_as_it_is():
    assert check("untranslated", result("2025 — 125", "2025 — 125"), GLOSSARY) == []


def test_an_approved_translation_equal_to_the_source_is_the_translators_choice():
    assert check("untranslated", result("Sin novedad.", "Sin novedad.", origin="approved"), GLOSSARY) == []


# --- whitespace and consistency ---------------------------------------------------------------


def test_lost_trailing_whitespace_is_a_warning():
    problems = check("whitespace", result("Read more ", "Leer más"))
    assert [(p.code, p.severity, p.message) for p in problems] == [
        ("whitespace", "warning", "trailing whitespace of the segment differs")
    ]


def test_whitespace_inside_an_inline_element_is_checked():
    assert [p.message for p in check("whitespace", result("By <1> Tim</1>", "Por <1>Tim</1>"))] == [
        "leading whitespace of element <1> differs"
    ]


def test_the_same_source_translated_two_ways_is_a_warning_on_the_second():
    units = [result("Read more", "Leer más", "s1"), result("Read more", "Lea más", "s2")]
    problems = [p for unit in units for p in check("consistency", unit, units=units)]
    assert [(p.code, p.segment_id, p.severity) for p in problems] == [("inconsistent", "s2", "warning")]


def test_the_same_source_translated_the_same_way_passes():
    units = [result("Read more", "Leer más", "s1"), result("Read more", "Leer más", "s2")]
    assert [p for unit in units for p in check("consistency", unit, units=units)] == []


# --- the whole page ---------------------------------------------------------------------------


def test_run_checks_reports_units_in_reading_order_and_page_problems_last():
    units = [result("<1>Read</1> it.", "Léalo.", "s1"), result("He spent 12 days.", "Pasó 13 días.", "s2")]
    problems = run_checks(Context(GLOSSARY, "es", units, ["/a"], []))
    assert [(p.code, p.segment_id) for p in problems] == [("tags", "s1"), ("numbers", "s2"), ("hrefs", "")]


def test_a_clean_page_has_no_problems():
    units = [result("The Alien Enemies Act.", "La Ley de Enemigos Extranjeros.")]
    assert run_checks(Context(GLOSSARY, "es", units, ["/a"], ["/a"])) == []


def test_every_check_of_the_registry_takes_a_context_and_a_unit_or_none():
    units = [result("Read <1>the report</1> 5 times.", "Lea 6 veces.")]
    context = Context(GLOSSARY, "es", units, ["/a"], [])
    found = {name: codes(c(context, units[0]) + c(context, None)) for name, c in CHECKS.items()}
    assert found["tags"] == ["tags"] and found["numbers"] == ["numbers"] and found["hrefs"] == ["hrefs"]


def test_every_code_has_a_severity_and_a_description():
    assert all(sev in ("error", "warning") and text for sev, text in CODES.values())


def test_only_errors_count_as_errors():
    assert (
        has_errors([Problem("whitespace", "s1", "m", "warning")]),
        has_errors([Problem("tags", "s1", "m", "error")]),
    ) == (False, True)


def test_a_problem_survives_json_as_a_dict():
    p = Problem("tags", "s1", "placeholders differ", "error")
    assert problem_from_dict(dataclasses.asdict(p)) == p


def test_a_malformed_problem_dict_is_an_input_error():
    with pytest.raises(InputError, match="no 'severity' field"):
        problem_from_dict({"code": "tags", "segment_id": "s1", "message": "m"})


def test_a_number_inside_a_glossary_term_is_not_a_number_of_the_text():
    glossary = read_glossary(
        io.StringIO(
            "kind,en,es,case,lang,abbr_en,abbr_es,say_en,say_es,note\nmap,Alien Enemies Act,Ley de 1798,exact,,,,,,\n"
        )
    )
    assert check("numbers", result("Under the Alien Enemies Act.", "Bajo la Ley de 1798."), glossary) == []
