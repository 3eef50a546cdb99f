"""Apertium's analysers as the quality estimate's word lists: one lt-proc per language, kept running."""

from __future__ import annotations

import signal

import pytest

from a11ykit.quality import ApertiumLexicon, Token
from a11ykit.quality.lexicon import find_analyser, parse_stream, running_lexicon, stop_lexicons


@pytest.fixture(scope="module")
def english():
    with ApertiumLexicon("en") as lexicon:
        yield lexicon


@pytest.fixture(scope="module")
def spanish():
    with ApertiumLexicon("es") as lexicon:
        yield lexicon


@pytest.mark.parametrize(
    ("lang", "word", "known"),
    [
        ("en", "officials", True),
        ("en", "deportation", True),
        ("en", "piecing", False),
        ("es", "traslados", True),
        ("es", "custodia", True),
        ("es", "trasladosdepista", False),
        ("es", "filings", False),
    ],
)
def test_a_word_is_known_when_the_languages_analyser_has_it(english, spanish, lang, word, known):
    lexicon = english if lang == "en" else spanish
    assert (word in lexicon.known([word])) is known


def test_a_capitalised_word_is_looked_up_like_its_lower_case_form(spanish):
    assert spanish.known(["Deportación", "deportación"]) == {"Deportación", "deportación"}


def test_tokens_carry_the_analysers_parts_of_speech(spanish):
    tokens = {t.surface: t for t in spanish.tokens("Tim Miller habló de su caso.")}
    assert tokens["Tim"].is_proper_noun
    assert not tokens["caso"].is_proper_noun and tokens["caso"].known


def test_tokens_skip_punctuation_and_keep_abbreviations_whole(spanish):
    assert [t.surface for t in spanish.tokens("oficiales de EE.UU., «en» marzo")] == [
        "oficiales", "de", "EE.UU.", "en", "marzo",
    ]


@pytest.mark.parametrize("text", ["a/b [x] ^c$ @d *e #f ~g <h> {i} \\j", "\0", "", "   "])
def test_characters_of_the_stream_format_never_break_the_analyser(english, text):
    english.tokens(text)
    assert "dogs" in english.known(["dogs"])


def test_a_word_the_analyser_cuts_in_two_is_unknown_as_a_whole(english):
    assert english.lookup(["mega-prison"])["mega-prison"] == Token("mega-prison", ())


def test_one_process_answers_every_query(english):
    process = english._process
    for word in ("one", "two", "three"):
        english.known([word])
    assert english._process is process and process.poll() is None


def test_a_word_looked_up_again_is_answered_without_asking_the_analyser(monkeypatch):
    with ApertiumLexicon("en") as lexicon:
        queries = []
        real = lexicon._query
        monkeypatch.setattr(lexicon, "_query", lambda block: queries.append(block) or real(block))
        first = lexicon.lookup(["officials", "piecing"])
        again = lexicon.lookup(["piecing", "officials", "deportation"])
        assert again["officials"] == first["officials"] and again["piecing"] == first["piecing"]
        assert again["deportation"].known
        assert queries == ["officials\npiecing", "deportation"]


def test_closing_the_lexicon_ends_its_process():
    lexicon = ApertiumLexicon("en")
    process = lexicon._process
    lexicon.close()
    assert process.poll() is not None


def test_the_stream_format_is_read_with_escapes_and_unknown_marks():
    tokens = parse_stream(r"^dogs/dog<n><pl>$ ^piecing/*piecing$ ^a\/b/*a\/b$")
    assert tokens == [Token("dogs", (("n", "pl"),)), Token("piecing", ()), Token("a/b", ())]


def test_a_language_without_an_analyser_is_an_engine_error():
    from a11ykit.errors import EngineError

    with pytest.raises(EngineError, match="no Apertium analyser"):
        find_analyser("fr")


def test_an_analyser_that_died_is_one_engine_error_not_a_hang():
    from a11ykit.errors import EngineError

    with ApertiumLexicon("en") as lexicon:
        lexicon._process.kill()
        lexicon._process.wait()
        with pytest.raises(EngineError, match="analyser\\) stopped") as raised:
            lexicon.known(["dogs"])
    assert raised.value.code == "A11Y305"


def test_a_build_asks_one_running_analyser_per_language():
    first = running_lexicon("en")
    assert running_lexicon("en") is first and first.running
    assert running_lexicon("es") is not first and running_lexicon("es").lang == "es"


def test_a_running_analyser_that_stopped_is_started_again():
    stopped = running_lexicon("en")
    stopped._process.kill()
    stopped._process.wait()
    again = running_lexicon("en")
    assert again is not stopped and again.known(["dogs"]) == {"dogs"}


def test_the_running_analysers_are_stopped_at_exit():
    processes = [running_lexicon(lang)._process for lang in ("en", "es")]
    stop_lexicons()
    assert all(process.poll() is not None for process in processes)
    assert running_lexicon("en")._process not in processes


def test_at_exit_the_running_analysers_are_killed_not_waited_for(monkeypatch):
    lexicons = [running_lexicon(lang) for lang in ("en", "es")]
    waited = []
    monkeypatch.setattr(ApertiumLexicon, "close", lambda self: waited.append(self))
    stop_lexicons(reap=False)
    assert not waited
    assert all(lexicon._process.wait(timeout=5) == -signal.SIGKILL for lexicon in lexicons)
    monkeypatch.undo()
    for lexicon in lexicons:  # their pipes
        lexicon.close()
