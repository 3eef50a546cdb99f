"""Lock tokens stay one token whatever surrounds them, on the way to the engine and back."""

from pathlib import Path

import pytest

from a11ykit.api import build_page
from a11ykit.cli import main
from a11ykit.terms.base import Glossary
from a11ykit.translate.engines.base import lock_tokens, token_pattern
from a11ykit.translate.translator import FLAG_GLOSSARY_FALLBACK, Translator
from fakes import AdversarialEngine, IdentityEngine, UpperEngine


@pytest.mark.parametrize("count", [1, 26, 27, 700])
def test_the_tokens_of_one_text_all_have_the_same_length(count):
    tokens = lock_tokens(count)
    assert len(set(tokens)) == count
    assert len({len(t) for t in tokens}) == 1


def test_no_token_of_a_text_is_the_start_of_another():
    tokens = lock_tokens(30)
    assert not any(a != b and b.startswith(a) for a in tokens for b in tokens)


@pytest.mark.parametrize("output", ["QZXAyes", "qzxayes", "QzxaYes", "sayQZXAyes"])
def test_a_token_glued_to_a_word_in_any_case_is_still_found(output):
    assert [m.group(0).upper() for m in token_pattern(["QZXA", "QZXB"]).finditer(output)] == ["QZXA"]


@pytest.mark.parametrize(
    ("html", "wire"),
    [
        ('<p><img src="a.png" alt="">Text here.</p>', "QZXA Text here."),
        ('<p>Say<img src="a.png" alt="">yes now.</p>', "Say QZXA yes now."),
        ("<p>Run <code>ls</code><code>-l</code> now.</p>", "Run QZXA QZXB now."),
    ],
)
def test_an_atom_glued_to_a_word_reaches_the_engine_as_a_separate_token(html, wire):
    engine = IdentityEngine()
    build_page(html.encode(), source="en", target="es", engine=engine, glossary=Glossary())
    assert engine.calls[0] == [wire]


@pytest.mark.parametrize(
    ("html", "sentence"),
    [
        ('<p><img alt="" src="a.png">Text here.</p>', '<img alt="" src="a.png">TEXT HERE.'),
        ('<p>Say<img alt="" src="a.png">yes now.</p>', 'SAY<img alt="" src="a.png">YES NOW.'),
        ("<p>Run <code>ls</code><code>-l</code> now.</p>", "RUN <code>ls</code><code>-l</code> NOW."),
    ],
)
def test_the_space_added_for_the_engine_is_not_in_the_page(html, sentence):
    built = build_page(html.encode(), source="en", target="es", engine=UpperEngine(), glossary=Glossary())
    assert f'<span class="a11y-s" id="a11y-1-1">{sentence}</span>' in built.html


@pytest.mark.parametrize("move", ["glue-token", "recase-token"])
def test_glued_or_recased_tokens_are_put_back_without_a_fallback(move):
    engine = AdversarialEngine(0, moves=[move, move, move])
    out, flags, _ = Translator(engine, Glossary(), "en", "es").translate_texts(["It cost 10,500 and 3.5 <1/> more."])[
        "It cost 10,500 and 3.5 <1/> more."
    ]
    assert "10.500" in out and "3,5" in out and out.count("<1/>") == 1
    assert FLAG_GLOSSARY_FALLBACK not in flags


@pytest.mark.parametrize("text", ["The QZXA said QZXB.", "Code qzxab and QZXAyes stay."])
def test_source_words_that_look_like_tokens_are_text(text):
    out, flags, _ = Translator(UpperEngine(), Glossary(), "en", "es").translate_texts([text])[text]
    assert out == " ".join(w if "qzx" in w.lower() else w.upper() for w in text.split())
    assert flags == []


def test_a_repeated_token_falls_back_to_translating_around_it():
    engine = AdversarialEngine(0, moves=["repeat-token"])
    text = "We paid 10,500 dollars today."
    out, flags, _ = Translator(engine, Glossary(), "en", "es").translate_texts([text])[text]
    assert out.count("10.500") == 1
    assert FLAG_GLOSSARY_FALLBACK in flags


@pytest.mark.parametrize(
    "body",
    [
        "<p>Line one<br>yes we can.</p>",
        '<p><img src=a.png alt="">Text here.</p>',
        "<p>Say<img src=a.png alt=''>yes.</p>",
        "<p>The code QZXA and QZXAyes are text.</p>",
    ],
)
def test_pages_that_crashed_build_with_apertium(tmp_path: Path, capsys, body):
    page = tmp_path / "x.html"
    page.write_text(f"<!DOCTYPE html><html lang='en'><body>{body}</body></html>", encoding="utf-8")
    out = tmp_path / "out"
    code = main(["build", str(page), "--to", "es", "--engine", "apertium", "--out", str(out),
                 "--locales", str(tmp_path / "locales"), "--no-audio"])
    assert code == 0, capsys.readouterr().err
    html = (out / "x.es.html").read_text(encoding="utf-8")
    assert html.count("QZX") == body.count("QZX")  # no token left behind; text that looks like one kept


@pytest.mark.parametrize("page", ["cecot.html", "cecot.es.html"])
def test_the_terms_of_a_sentence_from_the_memory_are_those_locking_finds(page):
    from a11ykit.html.parse import parse_page
    from a11ykit.terms.glossary import default_glossary_path, load_glossary
    from a11ykit.text import tagged
    from a11ykit.translate.locks import Locker

    parsed = parse_page((Path(__file__).parent.parent / "examples" / page).read_bytes(), name=page)
    source = "es" if page.endswith(".es.html") else "en"
    locker = Locker(load_glossary(default_glossary_path()), source, "en" if source == "es" else "es")
    texts = [tagged.space_out(u.source)[0] for u in parsed.units]
    assert sum(len(locker.term_hits(t)) for t in texts) > 10  # the article names its terms
    assert [locker.term_hits(t) for t in texts] == [locker.lock(t).hits for t in texts]
