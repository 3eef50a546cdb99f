"""Rule-based repairs: pure, switchable by name, and measured in benchmarks/quality.py."""

from __future__ import annotations

import pytest

from a11ykit.quality import REPAIRS, ApertiumLexicon, RepairContext, apply_repairs, repairs_for, sentence_case
from a11ykit.quality.repairs import add_opening_marks, collapse_doubled_punctuation, looks_title_case, split_glued_words
from conftest import EXAMPLES

HEADLINE = "“I Survived CECOT”: Andry Hernández Romero On A 125-day Ordeal After A Trump Deportation"
ARTICLE = (EXAMPLES.parent.parent / "shared" / "article-source.txt")


@pytest.fixture(scope="module")
def spanish():
    with ApertiumLexicon("es") as lexicon:
        yield lexicon


@pytest.fixture(scope="module")
def body() -> str:
    """The example article's text without its headline: the document the truecasing reads."""
    return ARTICLE.read_text(encoding="utf-8").split("\n", 1)[1]


class TestTitleCaseToSentenceCase:
    def test_the_example_headline_is_recognised_as_title_case(self):
        assert looks_title_case(HEADLINE)

    @pytest.mark.parametrize(
        "headline", ["Where Andry is now.", "Venezuela said 252 men were released.", "News", "Court Filings"]
    )
    def test_a_sentence_case_or_short_headline_is_not_title_case(self, headline):
        assert not looks_title_case(headline)

    def test_words_capitalised_only_by_title_case_are_lowered_and_names_kept(self, body):
        assert sentence_case(HEADLINE, body, keep=["CECOT", "Trump"]) == (
            "“I survived CECOT”: Andry Hernández Romero on a 125-day ordeal after a Trump deportation"
        )

    def test_a_name_is_kept_because_the_document_capitalises_it_inside_sentences(self, body):
        assert "Trump" not in body and "Miller" in body
        assert sentence_case("Andry Thanks Miller", body) == "Andry thanks Miller"

    def test_a_word_the_document_also_writes_in_lower_case_is_lowered(self):
        context = "He met the President. The president said no."
        assert sentence_case("Students Meet The President", context) == "Students meet the president"

    def test_glossary_terms_of_several_words_are_kept_whole(self, body):
        result = sentence_case("Ruling On The Alien Enemies Act", body, keep=["Alien Enemies Act"])
        assert result == "Ruling on the Alien Enemies Act"

    def test_the_first_word_after_a_colon_keeps_its_capital(self):
        assert sentence_case("Survivors: Ten Stories", "") == "Survivors: Ten stories"

    def test_acronyms_and_words_with_inner_capitals_are_kept(self):
        assert sentence_case("Inside The CECOT Of McAllen", "") == "Inside the CECOT of McAllen"

    def test_the_english_pronoun_i_keeps_its_capital(self):
        assert sentence_case("Why I Left", "") == "Why I left"

    def test_the_spanish_headline_gets_sentence_case(self):
        output = "“Sobreviví CECOT”: Andry Hernández Romero En Un Calvario De 125 Días Después De Una Deportación"
        context = "Hernández Romero dejó Venezuela. En marzo, Andry Hernández Romero habló de un calvario de 125 días."
        assert sentence_case(output, context, lang="es", keep=["CECOT"]) == (
            "“Sobreviví CECOT”: Andry Hernández Romero en un calvario de 125 días después de una deportación"
        )


class TestOpeningMarks:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("Hizo los oficiales confían en pruebas?", "¿Hizo los oficiales confían en pruebas?"),
            ("Qué bien!", "¡Qué bien!"),
            ("Fue así. Vienes? Sí.", "Fue así. ¿Vienes? Sí."),
            ("Dijo: “Vienes?” Y se fue.", "Dijo: “¿Vienes?” Y se fue."),
            ("“Vienes mañana?”", "“¿Vienes mañana?”"),
        ],
    )
    def test_a_question_or_exclamation_gets_its_opening_mark(self, text, expected):
        assert add_opening_marks(text) == expected

    @pytest.mark.parametrize("text", ["¿Se basaron en pruebas?", "¡Qué bien!", "Sin pregunta.", ""])
    def test_text_with_its_marks_or_without_a_question_is_unchanged(self, text):
        assert add_opening_marks(text) == text


class TestDoubledPunctuation:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("la ley de inmigración de los EE.UU..", "la ley de inmigración de los EE.UU."),
            ("under U.S.. law", "under U.S. law"),
            ("etc.. y más", "etc. y más"),
        ],
    )
    def test_an_abbreviations_full_stop_doubled_by_the_sentences_is_collapsed(self, text, expected):
        assert collapse_doubled_punctuation(text) == expected

    @pytest.mark.parametrize("text", ["Y entonces... nada.", "de los EE.UU. hoy", "Fin."])
    def test_ellipses_and_single_full_stops_are_left_alone(self, text):
        assert collapse_doubled_punctuation(text) == text


class TestSplitGluedWords:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("En Un Calvariode125 días", "En Un Calvario de 125 días"),
            ("a trasladosdepista rápida", "a traslados de pista rápida"),
            ("en un intercambiodetres países", "en un intercambio de tres países"),
        ],
    )
    def test_words_the_engine_glued_are_split_into_their_known_parts(self, spanish, text, expected):
        assert split_glued_words(text, spanish) == expected

    @pytest.mark.parametrize(
        "text",
        ["han sido piecing juntos", "en Tecoluca, El Salvador", "Bluewater dijo", "la megacárcel", "125 días",
         "el virus H1N1 a 10km", "el G7 del siglo 21st"],
    )
    def test_known_words_names_and_words_made_of_no_known_words_are_left_alone(self, spanish, text):
        assert split_glued_words(text, spanish) == text

    def test_the_registered_repair_uses_the_lexicon_of_its_context(self, spanish):
        context = RepairContext(lexicon=spanish)
        assert apply_repairs("a trasladosdepista", "target", "es", context=context) == "a traslados de pista"

    def test_without_a_lexicon_the_repair_changes_nothing(self):
        text = "a trasladosdepista"
        assert apply_repairs(text, "target", "es", enabled=["split-glued-words"]) == text


class TestTheRegistry:
    def test_every_repair_has_a_stable_name(self):
        assert list(REPAIRS) == [
            "title-case-source", "split-glued-words", "sentence-case-es", "opening-marks-es", "doubled-punctuation",
        ]

    @pytest.mark.parametrize(
        ("stage", "lang", "headline", "names"),
        [
            ("source", "en", True, ["title-case-source"]),
            ("source", "en", False, []),
            ("source", "es", True, []),
            ("target", "es", True,
             ["split-glued-words", "sentence-case-es", "opening-marks-es", "doubled-punctuation"]),
            ("target", "es", False, ["split-glued-words", "opening-marks-es", "doubled-punctuation"]),
            ("target", "en", False, ["split-glued-words", "doubled-punctuation"]),
        ],
    )
    def test_each_repair_applies_at_its_stage_to_its_language(self, stage, lang, headline, names):
        assert [r.name for r in repairs_for(stage, lang, headline=headline)] == names

    def test_a_repair_left_out_of_the_enabled_names_does_not_run(self):
        text = "Vienes a EE.UU..?"
        assert apply_repairs(text, "target", "es") == "¿Vienes a EE.UU.?"
        assert apply_repairs(text, "target", "es", enabled=["opening-marks-es"]) == "¿Vienes a EE.UU..?"
        assert apply_repairs(text, "target", "es", enabled=[]) == text

    def test_the_source_repair_leaves_a_headline_that_is_not_title_case_alone(self):
        assert apply_repairs("Where Andry Is", "source", "en", headline=True) == "Where Andry Is"
