"""The locked glossary: file format, matching, locking, verification."""

import io
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from a11ykit.api import build_page
from a11ykit.errors import GlossaryError
from a11ykit.terms.base import Glossary
from a11ykit.terms.glossary import TermMatcher, load_glossary, read_glossary, write_glossary
from a11ykit.translate.translator import FLAG_GLOSSARY_FALLBACK, Translator
from fakes import IdentityEngine, TokenDroppingEngine, UpperEngine

HEADER = "kind,en,es,case,lang,abbr_en,abbr_es,say_en,say_es,note\n"


def glossary(rows: str) -> Glossary:
    return read_glossary(io.StringIO(HEADER + rows), "test.csv")


TERMS = glossary(
    "keep,CECOT,,exact,es,Terrorism Confinement Center,Centro de Confinamiento del Terrorismo,,,\n"
    "keep,ICE,,exact,en,,,,,\n"
    "keep,Tim Miller|Miller,,exact,,,,,,\n"
    "map,Alien Enemies Act,Ley de Enemigos Extranjeros,ignore,,,,,,\n"
    "map,Terrorism Confinement Center|Terrorism Confinement Centre,"
    "Centro de Confinamiento del Terrorismo,ignore,,,,,,\n"
)


def test_the_project_glossary_reads(examples_dir):
    g = load_glossary(examples_dir.parent / "glossary" / "terms.csv")
    assert g.find("Alien Enemies Act").canonical("es") == "Ley de Enemigos Extranjeros"


def test_a_written_glossary_reads_back_the_same():
    out = io.StringIO()
    write_glossary(out, TERMS)
    assert read_glossary(io.StringIO(out.getvalue())).terms == TERMS.terms


@pytest.mark.parametrize(
    "rows, message",
    [
        ("keep,CECOT\nfrob,X,Y,,,,,,,\n", r"test.csv:3: kind must be"),
        ("map,Alien Enemies Act,,,,,,,,\n", r"test.csv:2: a map term needs"),
        ("keep,ICE,,sometimes,,,,,,\n", r"test.csv:2: case must be"),
        ('keep,"ICE,,,,,,,,\n', r"test.csv:2:"),
        ("keep,ICE,,,,,,,,,,,\n", r"test.csv:2: 13 fields"),
        ("keep,ICE\nkeep,ICE\n", r"test.csv:3: 'ICE' is already defined on line 2"),
    ],
)
def test_a_malformed_glossary_names_the_line(rows, message):
    with pytest.raises(GlossaryError, match=message):
        glossary(rows)


def test_an_unknown_column_is_refused():
    with pytest.raises(GlossaryError, match="unknown column"):
        read_glossary(io.StringIO("kind,en,es,colour\n"), "g.csv")


def test_the_longest_term_wins():
    matches = list(TermMatcher(TERMS).finditer("He told Tim Miller, and Miller agreed."))
    assert [m.form for m in matches] == ["Tim Miller", "Miller"]


def test_exact_case_terms_do_not_match_ordinary_words():
    assert [m.form for m in TermMatcher(TERMS).finditer("The ice melted; ICE detained him.")] == ["ICE"]


def test_case_insensitive_terms_match_any_case():
    assert [m.form for m in TermMatcher(TERMS).finditer("the alien enemies act")] == ["alien enemies act"]


def test_terms_match_on_word_boundaries_only():
    assert list(TermMatcher(TERMS).finditer("ICEBERG and NICE")) == []


def test_locked_terms_reach_the_engine_as_tokens():
    engine = IdentityEngine()
    Translator(engine, TERMS, "en", "es").translate_texts(["The Alien Enemies Act was used by ICE."])
    assert engine.calls[0] == ["The QZXA was used by QZXB."]


def test_mapped_terms_come_out_in_the_target_language():
    out = Translator(UpperEngine(), TERMS, "en", "es").translate_texts(["The Alien Enemies Act was used."])
    assert out["The Alien Enemies Act was used."][0] == "THE Ley de Enemigos Extranjeros WAS USED."


def test_mapped_terms_work_from_spanish_to_english():
    out = Translator(IdentityEngine(), TERMS, "es", "en").translate_texts(["Se usó la Ley de Enemigos Extranjeros."])
    assert out["Se usó la Ley de Enemigos Extranjeros."][0] == "Se usó la Alien Enemies Act."


def test_a_term_already_in_the_target_language_stays_as_written():
    out = Translator(IdentityEngine(), TERMS, "es", "en").translate_texts(
        ["Conocido como Terrorism Confinement Centre."]
    )
    assert out["Conocido como Terrorism Confinement Centre."][0] == "Conocido como Terrorism Confinement Centre."


def test_numbers_with_separators_are_localised():
    out = Translator(IdentityEngine(), Glossary(), "en", "es").translate_texts(["It cost 10,500 dollars and 3.5 more."])
    assert out["It cost 10,500 dollars and 3.5 more."][0] == "It cost 10.500 dollars and 3,5 more."


def test_a_lost_term_falls_back_to_translating_around_it():
    out, flags, _ = Translator(TokenDroppingEngine(), TERMS, "en", "es").translate_texts(
        ["The Alien Enemies Act was used by ICE in March."]
    )["The Alien Enemies Act was used by ICE in March."]
    assert out == "THE Ley de Enemigos Extranjeros WAS USED BY ICE IN MARCH."
    assert flags == [FLAG_GLOSSARY_FALLBACK]


def test_the_fallback_costs_one_more_engine_call_for_the_whole_document():
    engine = TokenDroppingEngine()
    Translator(engine, TERMS, "en", "es").translate_texts([f"Sentence {i} about ICE and CECOT." for i in range(20)])
    assert len(engine.calls) == 2


def test_a_violation_is_reported_when_a_term_does_not_come_out():
    t = Translator(UpperEngine(), TERMS, "en", "es")
    (v,) = t.violations("s1", "The Alien Enemies Act applies.", "La Ley de Enemigos Alienígenas aplica.")
    assert (v.term, v.expected, v.expected_count, v.found_count) == (
        "Alien Enemies Act",
        "Ley de Enemigos Extranjeros",
        1,
        0,
    )


def test_an_approved_translation_that_breaks_a_term_is_a_violation():
    from a11ykit.html.parse import parse_page

    (unit,) = parse_page(b"<p>ICE detained him.</p>").units
    Translator(UpperEngine(), TERMS, "en", "es").translate_units([unit], approved={"a11y-1-1": "El hielo lo detuvo."})
    (v,) = unit.violations
    assert v.where == "approved" and v.term == "ICE"


def test_a_foreign_term_is_marked_with_its_language():
    page = build_page(b"<p>His account to The Bulwark.</p>", source="en", target="es", engine=UpperEngine(),
                      glossary=glossary("keep,The Bulwark,,exact,en,,,,,\n"))
    assert '<span lang="en">The Bulwark</span>' in page.html


def test_an_acronym_is_expanded_in_an_abbr_the_first_time_only():
    page = build_page(
        b"<p>CECOT is big. CECOT is far.</p>", source="en", target="es", engine=UpperEngine(), glossary=TERMS
    )
    assert page.html.count('<abbr title="Centro de Confinamiento del Terrorismo">CECOT</abbr>') == 1
    assert page.html.count("CECOT") == 2


# --- one matcher for the whole glossary ------------------------------------------------------

FORM_WORDS = ["Tim", "Miller", "tim", "ICE", "ice", "U.S.", "Act", "Straße", "STRASSE", "İstanbul", "\u0131ce", "Ley",
              "de", "Enemigos", "Hernández", "-", "AT&T", "e-mail", "Σοφία", "σοφια"]
TEXT_WORDS = [*FORM_WORDS, "and", "Timothy", "ICEBERG", "NICE", "miller", "act", ",", ".", "  ", "\n", "istanbul",
              "ΣΟΦΙΑ", "MILLER", "e", "mail", "at&t"]


def one_alternation(glossary: Glossary):
    """The specification: all forms in one regex alternation, longest first, each with its case rule."""
    entries = sorted(
        ((form, term, lang) for term in glossary.terms for lang in ("en", "es") for form in term.forms[lang]),
        key=lambda e: (-len(e[0]), e[0]),
    )
    parts = []
    for i, (form, term, _lang) in enumerate(entries):
        body = re.escape(form).replace(r"\ ", r"\s+")
        parts.append(f"(?P<t{i}>{body if term.case_sensitive else '(?i:' + body + ')'})")
    regex = re.compile(r"(?<![\w])(?:" + "|".join(parts) + r")(?![\w])")

    def find(text: str) -> list[tuple[int, int, str, str]]:
        return [(m.start(), m.end(), entries[int(m.lastgroup[1:])][1].key, entries[int(m.lastgroup[1:])][2])
                for m in regex.finditer(text)]

    return find


@st.composite
def glossaries_and_texts(draw):
    rows, used, forms_used = [], set(), []
    for _ in range(draw(st.integers(1, 6))):
        case = draw(st.sampled_from(["exact", "ignore"]))
        forms = draw(st.lists(st.lists(st.sampled_from(FORM_WORDS), min_size=1, max_size=3).map(" ".join),
                              min_size=1, max_size=2, unique=True))
        folded = {f if case == "exact" else f.casefold() for f in forms}
        if folded & used or len(folded) < len(forms):
            continue
        used |= folded
        forms_used += forms
        rows.append(f'keep,{"|".join(forms)},,{case},,,,,,\n')
    # Texts made of the forms themselves (also in other cases and spacing) and of near misses.
    pieces = forms_used + [f.upper() for f in forms_used] + [f.lower().replace(" ", "\n  ") for f in forms_used]
    text = draw(st.lists(st.sampled_from(pieces + TEXT_WORDS), max_size=12).map(" ".join))
    return (glossary("".join(rows)) if rows else TERMS), text


@settings(max_examples=300, deadline=None)
@given(glossaries_and_texts())
def test_the_matcher_finds_what_one_alternation_of_all_forms_finds(case):
    terms, text = case
    found = [(m.start, m.end, m.term.key, m.lang) for m in TermMatcher(terms).finditer(text)]
    assert found == one_alternation(terms)(text)


def test_only_the_forms_that_may_start_at_a_place_are_tried(monkeypatch):
    many = glossary(
        "".join(f"map,Ministry of Place{i} Affairs,Ministerio de Place{i},ignore,,,,,,\n" for i in range(2000))
    )
    matcher = TermMatcher(many)
    tried = []
    real = matcher._pattern
    monkeypatch.setattr(matcher, "_pattern", lambda rank: tried.append(rank) or real(rank))
    (match,) = matcher.finditer("The Ministry of Place7 Affairs and the ministry of nothing said so.")
    assert match.form == "Ministry of Place7 Affairs" and len(tried) == 1
