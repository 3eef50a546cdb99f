"""The per-sentence quality estimate: reasons with stable codes, the words at fault, a score.

The sentences are the example article's, as Apertium translated them; no rule names a word.
"""

from __future__ import annotations

import pytest

from a11ykit.quality import (
    REASON_CODES,
    ApertiumLexicon,
    QualityEstimate,
    Reason,
    estimate,
    estimate_all,
    page_quality,
    strip_unknown_marks,
    word_spans,
)
from a11ykit.quality.estimate import LENGTH_PENALTY, WORD_WEIGHT, glued_parts


@pytest.fixture(scope="module")
def lexicons():
    with ApertiumLexicon("en") as en, ApertiumLexicon("es") as es:
        yield {"en": en, "es": es}


def estimate_en_es(lexicons, source, output, **kwargs):
    return estimate(source, output, lexicons["en"], lexicons["es"], **kwargs)


def test_a_faithful_sentence_has_no_reason_and_scores_1(lexicons):
    result = estimate_en_es(lexicons, "Venezuela said 252 men were released.",
                            "Venezuela dijo que 252 hombres fueron liberados.")
    assert result == QualityEstimate(1.0, ())


@pytest.mark.parametrize(
    ("source", "output", "code", "word"),
    [
        ("His account tracks with what rights groups have been piecing together for months.",
         "Su cuenta pistas con qué grupos de derechos han sido piecing juntos para meses.", "source-word", "piecing"),
        ("Court filings and reporting suggest the latter.",
         "Corte filings e informando sugiere el último.", "source-word", "filings"),
        ("The transfer used a centuries-old law to fast-track removals.",
         "El traslado utilizó una ley vieja a trasladosdepista rápida.", "glued-word", "trasladosdepista"),
        ("On A 125-day Ordeal", "En Un Calvariode125 días", "glued-word", "Calvariode125"),
        ("In March, officials labelled his tattoos.", "En March, oficiales etiquetaron sus tatuajes.",
         "source-word", "March"),
    ],
)
def test_the_word_at_fault_is_named_under_its_reason(lexicons, source, output, code, word):
    reason = estimate_en_es(lexicons, source, output).reason(code)
    assert reason is not None and word in reason.words


def test_a_word_neither_language_knows_nor_made_of_known_words_is_unknown(lexicons):
    reason = estimate_en_es(lexicons, "The house is blue.", "La casa es zorblax.").reason("unknown-word")
    assert reason == Reason("unknown-word", ("zorblax",), "words es does not know")


@pytest.mark.parametrize(
    ("source", "output"),
    [
        ("His account to Tim Miller at The Bulwark.", "Su cuenta a Tim Miller en The Bulwark."),
        ("Tecoluca, El Salvador.", "Tecoluca, El Salvador."),
        ("CECOT was built for Nayib Bukele.", "CECOT fue construido para Nayib Bukele."),
        ("It was 2026.", "Fue 2026."),
    ],
)
def test_names_acronyms_and_numbers_are_never_flagged(lexicons, source, output):
    assert estimate_en_es(lexicons, source, output, protected=["The Bulwark"]).reasons == ()


@pytest.mark.parametrize(
    ("source", "output"),
    [
        ("In the 21st century, in the 1990s.", "En el siglo 21st, en los 1990s."),
        ("The G7 met at 5 pm, 10km away.", "El G7 se reunió a las 5 pm, a 10km."),
        ("A 4x4 car.", "Un coche 4x4."),
    ],
)
def test_codes_units_and_ordinals_next_to_numbers_are_not_glued_words(lexicons, source, output):
    assert estimate_en_es(lexicons, source, output).reasons == ()


@pytest.mark.parametrize(
    ("source", "output", "code", "word"),
    [
        ("The law isn't new.", "La ley isn't nueva.", "source-word", "isn"),
        ("He was based in Kabul.", "Estuvo basadoenKabul.", "glued-word", "basadoenKabul"),
        ("The action was not approved.", "La acciónnoaprobada.", "glued-word", "acciónnoaprobada"),
        ("The 125-day ordeal.", "El calvario de125 días.", "glued-word", "de125"),
    ],
)
def test_words_found_on_real_pages_get_their_reason(lexicons, source, output, code, word):
    assert word in estimate_en_es(lexicons, source, output).reason(code).words


@pytest.mark.parametrize(("source", "output"), [("Use bzip2 or gzip.", "Usa bzip2 o gzip."),
                                                ("The virus H1N1.", "El virus H1N1."),
                                                ("An A330 plane.", "Un avión A330.")])
def test_program_names_and_codes_with_digits_are_not_glued_words(lexicons, source, output):
    result = estimate_en_es(lexicons, source, output)
    assert result.reason("glued-word") is None


def test_a_short_source_word_left_behind_is_still_flagged(lexicons):
    result = estimate_en_es(lexicons, "The Act of Congress.", "La Ley of Congreso.")
    assert result.reason("source-word").words == ("of",)


def test_protected_forms_are_never_flagged(lexicons):
    source, output = "He was deported after a Trump order.", "Fue deportado tras una orden de Trump."
    assert estimate_en_es(lexicons, source, output, protected=["Trump"]).reasons == ()
    assert estimate_en_es(lexicons, source, output).reason("source-word").words == ("Trump",)


def test_a_prefix_before_a_hyphen_is_judged_with_its_word_not_alone(lexicons):
    result = estimate_en_es(lexicons, "He was sent to the mega-prison.", "Fue enviado a la mega-prisión.")
    assert result.reasons == ()


def test_each_faulty_word_costs_its_weighted_share_of_the_sentence(lexicons):
    output = "Corte filings e informando sugiere el último."  # 7 words, 1 faulty
    result = estimate_en_es(lexicons, "Court filings and reporting suggest the latter.", output)
    assert result.score == pytest.approx(1 - WORD_WEIGHT / 7, abs=1e-4)


def test_a_word_the_engine_marked_unknown_is_judged_like_any_other(lexicons):
    source = "They have been piecing it together."
    result = estimate_en_es(lexicons, source, "Han sido piecing lo juntos.", engine_unknown=["piecing"])
    assert result.reason("source-word").words == ("piecing",)


def test_a_marked_word_the_target_language_knows_was_quoted_in_that_language(lexicons):
    source = "CECOT is the acronym of Centro de Confinamiento del Terrorismo."
    output = "CECOT es el acrónimo de Centro de Confinamiento del Terrorismo."
    assert estimate_en_es(lexicons, source, output, engine_unknown=["de", "del", "Centro"]).reasons == ()


def test_a_name_the_engine_marked_unknown_is_still_a_name(lexicons):
    result = estimate_en_es(lexicons, "I survived CECOT, Andry said.", "Sobreviví CECOT, dijo Andry.",
                            engine_unknown=["CECOT", "Andry"])
    assert result.reasons == ()


def test_a_poor_round_trip_is_a_reason_naming_the_source_words_it_lost(lexicons):
    source = "Did officials rely on sound evidence or quick assumptions?"
    output = "Hizo los oficiales confían encima evidencia de sonido o suposiciones rápidas?"
    back = "It did the officials trust on evidence of sound or fast suppositions?"
    result = estimate_en_es(lexicons, source, output, back_translation=back)
    reason = result.reason("round-trip")
    assert reason is not None and {"rely", "quick", "assumptions"} <= set(reason.words)
    assert result.score < 1


def test_a_faithful_round_trip_is_no_reason(lexicons):
    source = "Venezuela said 252 men were released."
    output = "Venezuela dijo que 252 hombres fueron liberados."
    result = estimate_en_es(lexicons, source, output, back_translation=source)
    assert result.reasons == () and result.score == 1


def test_a_sentence_made_of_a_locked_term_is_not_judged_by_round_trip(lexicons):
    source = "U.S. Immigration and Customs Enforcement"
    output = "Servicio de Inmigración y Control de Aduanas de Estados Unidos"
    back = "Service of Immigration and Control of Customs of United States"
    assert estimate_en_es(lexicons, source, output, back_translation=back).score < 1
    assert estimate_en_es(lexicons, source, output, protected=[output], back_translation=back) == QualityEstimate(1.0)


def test_short_sources_are_not_judged_by_round_trip_or_length(lexicons):
    result = estimate_en_es(lexicons, "About", "Aproximadamente", back_translation="Approximately")
    assert result.reasons == ()


@pytest.mark.parametrize(
    ("output", "flagged"),
    [
        ("Venezuela dijo.", True),
        ("Venezuela dijo que 252 hombres fueron liberados.", False),
        ("Venezuela dijo que 252 hombres fueron liberados, " * 4, True),
    ],
)
def test_an_output_much_shorter_or_longer_than_its_source_is_a_length_reason(lexicons, output, flagged):
    result = estimate_en_es(lexicons, "Venezuela said 252 men were released.", output)
    assert (result.reason("length-ratio") is not None) is flagged
    assert (result.score == LENGTH_PENALTY) is flagged


def test_every_reason_code_is_one_of_the_documented_codes(lexicons):
    result = estimate_en_es(
        lexicons, "Court filings and reporting suggest the latter in a 125-day ordeal.",
        "Corte filings zorblax Calvariode125.", back_translation="Nothing at all.",
    )
    assert set(result.codes) <= set(REASON_CODES) and len(result.codes) == 5


def test_the_score_is_always_between_0_and_1(lexicons):
    result = estimate_en_es(lexicons, "Court filings.", "filings filings filings zorblax", back_translation="x")
    assert result.score == 0


@pytest.mark.parametrize(
    ("marked", "clean", "words"),
    [
        ("han sido *piecing juntos", "han sido piecing juntos", ["piecing"]),
        ("Corte *filings e @informando #sugiere.", "Corte filings e informando sugiere.",
         ["filings", "informando", "sugiere"]),
        ("sin marcas", "sin marcas", []),
        ("3 * 4 = 12 y a*b", "3 * 4 = 12 y a*b", []),
    ],
)
def test_apertiums_unknown_word_marks_are_stripped_and_the_words_kept(marked, clean, words):
    assert strip_unknown_marks(marked) == (clean, words)


def test_a_mark_the_source_had_is_not_an_unknown_word():
    assert strip_unknown_marks("ver *nota", source="see *nota") == ("ver *nota", [])


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("trasladosdepista", ["traslados", "de", "pista"]),
        ("intercambiodetres", ["intercambio", "de", "tres"]),
        ("Calvariode125", ["Calvario", "de", "125"]),
        ("piecing", None),
        ("zorblax", None),
    ],
)
def test_a_glued_word_is_split_into_the_known_words_it_is_made_of(lexicons, word, parts):
    assert glued_parts(word, lexicons["es"]) == parts


def test_the_summary_names_the_score_the_codes_and_the_words():
    result = QualityEstimate(0.57, (Reason("source-word", ("filings",)), Reason("length-ratio", (), "2.10×")))
    assert result.summary() == "quality 0.57: source-word (filings); length-ratio"
    assert QualityEstimate(1.0).summary() == "quality 1.00"


def test_a_page_quality_counts_flagged_and_poor_sentences_and_reasons():
    estimates = [QualityEstimate(1.0), QualityEstimate(0.4, (Reason("glued-word", ("a",)),)),
                 QualityEstimate(0.8, (Reason("glued-word", ("b",)), Reason("round-trip")))]
    page = page_quality(estimates)
    assert (page.sentences, page.flagged, page.poor, page.mean_score) == (3, 2, 1, 0.7333)
    assert page.by_code == {"glued-word": 2, "round-trip": 1}
    assert not page.mostly_poor()


def test_an_empty_page_is_not_mostly_poor():
    assert not page_quality([]).mostly_poor()


def test_a_reasons_words_are_found_as_whole_words_in_the_sentence(lexicons):
    output = "Ha empezado tomando maquillaje bookings otra vez; bookingsX no."
    reason = estimate_en_es(lexicons, "He has begun taking makeup bookings again.", output).reason("source-word")
    assert [output[a:b] for a, b in word_spans(output, reason.words)] == ["bookings"]
    assert word_spans(output, []) == []


ARTICLE_PAIRS = [
    ("His account tracks with what rights groups have been piecing together for months.",
     "Su cuenta pistas con qué grupos de derechos han sido piecing juntos para meses."),
    ("Court filings and reporting suggest the latter.", "Corte filings e informando sugiere el último."),
    ("The transfer used a centuries-old law to fast-track removals.",
     "El traslado utilizó una ley vieja a trasladosdepista rápida."),
    ("Venezuela said 252 men were released.", "Venezuela dijo que 252 hombres fueron liberados."),
    ("He was deported after a Trump order.", "Fue deportado tras una orden de Trump."),
]


def test_a_page_estimated_at_once_is_the_sentences_estimated_one_by_one(lexicons):
    protected = [(), (), (), (), ("Trump",)]
    backs = [source for source, _ in ARTICLE_PAIRS]
    together = estimate_all(ARTICLE_PAIRS, lexicons["en"], lexicons["es"], protected=protected,
                            back_translations=backs)
    one_by_one = [estimate_en_es(lexicons, s, o, protected=p, back_translation=b)
                  for (s, o), p, b in zip(ARTICLE_PAIRS, protected, backs, strict=True)]
    assert together == one_by_one and len({e.codes for e in together}) > 2


class CountingLexicon(ApertiumLexicon):
    """The real analyser, counting the queries it answers."""

    queries = 0

    def _query(self, block):
        self.queries += 1
        return super()._query(block)


def test_a_page_costs_a_few_analyser_queries_whatever_its_length():
    pairs = ARTICLE_PAIRS * 400
    with CountingLexicon("en") as english, CountingLexicon("es") as spanish:
        estimates = estimate_all(pairs, english, spanish)
        assert english.queries <= 2 and spanish.queries <= 2
    assert [e.codes for e in estimates[:5]] == [e.codes for e in estimates[-5:]]


def test_estimate_all_refuses_lists_that_do_not_match_the_sentences(lexicons):
    with pytest.raises(ValueError, match="1 protected for 5 sentences"):
        estimate_all(ARTICLE_PAIRS, lexicons["en"], lexicons["es"], protected=[()])
