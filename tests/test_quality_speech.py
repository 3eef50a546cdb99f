"""The speech text: what the narration reads instead of what a voice would misread.

Data-driven (src/a11ykit/quality/data/speech.csv); the page's text is never changed.
"""

from __future__ import annotations

import io
import re
import subprocess

import pytest
from bs4 import BeautifulSoup

from a11ykit.quality import normalize_speech
from a11ykit.quality.speech import default_rules, read_table
from conftest import EXAMPLES


@pytest.fixture(scope="module")
def spanish_article() -> list[str]:
    """The example article's blocks (byline included) as Apertium translates them into Spanish."""
    soup = BeautifulSoup((EXAMPLES / "cecot.html").read_text(encoding="utf-8"), "html.parser")
    blocks = [" ".join(b.get_text().split()) for b in soup.find("article").find_all(["h1", "h2", "p", "figcaption"])]
    done = subprocess.run(["apertium", "-u", "eng-spa"], input="\n".join(blocks) + "\n",
                          capture_output=True, text=True, check=True, timeout=120)
    return done.stdout.split("\n")[: len(blocks)]


def test_the_example_translation_has_what_a_voice_misreads(spanish_article):
    text = " ".join(spanish_article)
    assert "EE.UU." in text and " · " in text


def test_the_speech_of_the_example_never_spells_ee_uu_nor_reads_the_middle_dot(spanish_article):
    speech = " ".join(normalize_speech(block, "es") for block in spanish_article)
    assert "EE" not in speech and "UU" not in speech and "·" not in speech
    assert "Estados Unidos" in speech


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("oficiales de EE.UU. etiquetaron", "oficiales de Estados Unidos etiquetaron"),
        ("oficiales de EE. UU. etiquetaron", "oficiales de Estados Unidos etiquetaron"),
        ("la ley de inmigración de los EE.UU..", "la ley de inmigración de los Estados Unidos."),
        ("la ley de los EE. UU.", "la ley de los Estados Unidos."),
        ("Por Laura Pineda · 25 de julio de 2026", "Por Laura Pineda, 25 de julio de 2026"),
        ("Noticias | Inmigración", "Noticias, Inmigración"),
        ("a 5 km de la costa", "a 5 kilómetros de la costa"),
        ("a 1 km de la costa", "a 1 kilómetro de la costa"),
        ("subió un 12,5 %", "subió un 12,5 por ciento"),
    ],
)
def test_spanish_speech_text(text, said):
    assert normalize_speech(text, "es") == said


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("By Laura Pineda · July 25, 2026", "By Laura Pineda, July 25, 2026"),
        ("a 3 mph wind", "a 3 miles per hour wind"),
        ("laws, e.g. this one", "laws, for example this one"),
    ],
)
def test_english_speech_text(text, said):
    assert normalize_speech(text, "en") == said


@pytest.mark.parametrize("text", ["l·l", "EEUU", "a|b", "5km2", "125 días"])
def test_what_is_not_an_abbreviation_separator_or_unit_is_read_as_written(text):
    assert normalize_speech(text, "es") == text


def test_a_language_without_rules_is_read_as_written():
    assert normalize_speech("EE.UU. · 5 km", "fr") == "EE.UU. · 5 km"


def test_the_rules_come_from_the_table_not_the_code():
    table = read_table(io.StringIO("lang,kind,written,said,said_one\nes,abbr,CC. AA.,comunidades autónomas,\n"))
    assert normalize_speech("las CC.AA. y", "es", table) == "las comunidades autónomas y"
    assert normalize_speech("las CC.AA. y", "es") == "las CC.AA. y"


def test_every_language_of_the_default_table_has_each_kind():
    rules = default_rules()
    assert set(rules) == {"en", "es"}
    assert all(r.abbreviations and r.separators and r.units for r in rules.values())


@pytest.mark.parametrize(
    "row", ["es,spell,EE.UU.,Estados Unidos,", "es,abbr,,Estados Unidos,", "es,abbr,EE.UU.,,"]
)
def test_a_malformed_row_is_refused_naming_its_line(row):
    with pytest.raises(ValueError, match=re.escape("row 2")):
        read_table(io.StringIO("lang,kind,written,said,said_one\n" + row + "\n"))


@pytest.fixture(scope="module")
def built_speech(tmp_path_factory) -> tuple[list[str], list[str]]:
    """The example built into Spanish with Apertium: what the page says and what the narration reads
    (the narration's own text path: the glossary's lexicon with the page's language)."""
    from a11ykit import build
    from a11ykit.speech.lexicon import lexicon_for, lexicon_substitution

    root = tmp_path_factory.mktemp("speech")
    article = build(EXAMPLES / "cecot.html", to="es", engine="apertium", out=root / "out", locales=root / "locales",
                    audio=True)
    say = lexicon_substitution(lexicon_for("es", article.settings.glossary), article.target)
    return [item.text for item in article.speech], [say(item.text) for item in article.speech]


def test_the_built_pages_speech_never_spells_ee_uu_nor_reads_the_middle_dot(built_speech):
    page, speech = built_speech
    assert any("EE.UU." in text for text in page) and any("·" in text for text in page)
    assert not any(re.search(r"\bEE\.|\bUU\.|·", text) for text in speech)
    assert any("Estados Unidos" in text for text in speech)
