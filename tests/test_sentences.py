import pytest

from a11ykit.text.sentences import split_sentences


@pytest.mark.parametrize(
    "text, lang, expected",
    [
        ("He was held. The case was reviewed.", "en", ["He was held.", "The case was reviewed."]),
        ("In March, U.S. officials labelled his tattoos.", "en", ["In March, U.S. officials labelled his tattoos."]),
        ("Mr. Smith arrived. Dr. Jones left.", "en", ["Mr. Smith arrived.", "Dr. Jones left."]),
        ("It was 9 a.m. on Monday.", "en", ["It was 9 a.m. on Monday."]),
        ("J. R. Smith spoke.", "en", ["J. R. Smith spoke."]),
        ("“I have no words,” he told Miller. He smiled.", "en", ["“I have no words,” he told Miller.", "He smiled."]),
        (
            "We left as 252 brothers. Venezuela said 252 men were released.",
            "en",
            ["We left as 252 brothers.", "Venezuela said 252 men were released."],
        ),
        (
            "Did officials rely on evidence? Filings suggest not.",
            "en",
            ["Did officials rely on evidence?", "Filings suggest not."],
        ),
        ("Viajó a EE. UU. en marzo. ¿Qué pasó? ¡Nada!", "es", ["Viajó a EE. UU. en marzo.", "¿Qué pasó?", "¡Nada!"]),
        ("El Sr. Pérez habló a las 9 a. m. con la prensa.", "es", ["El Sr. Pérez habló a las 9 a. m. con la prensa."]),
        ("It cost 3.5 million. That is a lot.", "en", ["It cost 3.5 million.", "That is a lot."]),
    ],
)
def test_sentence_boundaries(text, lang, expected):
    assert split_sentences(text, lang) == expected
