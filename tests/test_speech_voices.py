"""Choosing the voice for a page language, and checking espeak really uses it."""

from __future__ import annotations

import pytest

from a11ykit.errors import SpeechError
from a11ykit.speech import voices as voices_module
from a11ykit.speech.synth import Synthesizer
from a11ykit.speech.voices import Voice, choose_voice, usable

VOICES = [
    Voice("English (Great Britain)", "gmw/en", "en-gb"),
    Voice("english-mb-en1", "mb/mb-en1", "en-uk"),
    Voice("English (America)", "gmw/en-US", "en-us"),
    Voice("Spanish (Spain)", "roa/es", "es"),
    Voice("Spanish (Latin America)", "roa/es-419", "es-419"),
    Voice("French (France)", "roa/fr", "fr-fr"),
    Voice("Storm", "!v/Storm", "variant"),
]


@pytest.fixture(autouse=True)
def no_mbrola(monkeypatch):
    monkeypatch.setattr(voices_module.shutil, "which", lambda name: None)


def test_english_pages_are_read_by_an_american_english_voice():
    assert choose_voice("en", VOICES).identifier == "gmw/en-US"


def test_spanish_pages_are_read_by_the_latin_american_voice():
    assert choose_voice("es", VOICES).identifier == "roa/es-419"


@pytest.mark.parametrize("override", ["roa/es", "Spanish (Spain)", "spanish_(spain)", "ES"])
def test_the_voice_override_accepts_identifier_name_or_language(override):
    assert choose_voice("es", VOICES, override).identifier == "roa/es"


def test_a_language_without_a_default_gets_a_voice_that_speaks_it():
    assert choose_voice("fr", VOICES).identifier == "roa/fr"


def test_a_language_with_no_voice_raises_listing_the_voices_that_exist():
    with pytest.raises(SpeechError, match="no voice for language 'qu'") as caught:
        choose_voice("qu", VOICES)
    assert "available voices: en-gb, en-us, es, es-419, fr-fr" in str(caught.value)
    assert caught.value.code == "A11Y501"


def test_an_unknown_override_raises_listing_the_voices_that_exist():
    with pytest.raises(SpeechError, match=r"unknown voice 'es-ar'.*es-419"):
        choose_voice("es", VOICES, "es-ar")


def test_an_override_in_another_language_is_refused():
    with pytest.raises(SpeechError, match="speaks 'en-us', not 'es'") as caught:
        choose_voice("es", VOICES, "en-us")
    assert caught.value.code == "A11Y502"


def test_mbrola_voices_are_not_offered_without_mbrola():
    assert not usable(VOICES[1])
    with pytest.raises(SpeechError, match="unknown voice"):
        choose_voice("en", VOICES, "mb-en1")


def test_variants_are_not_voices():
    assert not usable(VOICES[-1])


# -- against the real espeak-ng -------------------------------------------------------


@pytest.fixture(scope="module")
def installed():
    with Synthesizer() as s:
        return s.voices()


@pytest.mark.parametrize(("lang", "identifier"), [("en", "gmw/en-US"), ("es", "roa/es-419")])
def test_the_installed_espeak_has_the_default_voices(installed, lang, identifier):
    assert choose_voice(lang, installed).identifier == identifier


def test_a_chosen_voice_is_the_one_read_back_from_espeak(installed):
    chosen = choose_voice("es", installed)
    with Synthesizer(chosen.identifier) as s:
        assert s.voice == chosen
