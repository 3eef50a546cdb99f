"""Synthesis of an article: chunks, lexicon, outputs, timings, and the ``speak`` command."""

from __future__ import annotations

import io
import itertools
import json
import signal

import numpy as np
import pytest
import soundfile

from a11ykit.cli import main
from a11ykit.errors import InputError, SpeechError
from a11ykit.speech import SpeechItem, encode, joining, synthesize_article
from a11ykit.speech.captions import Cue, heading_cues, read_vtt
from a11ykit.speech.items import PAUSE_AFTER, PAUSE_BEFORE_HEADING, gaps_for
from a11ykit.speech.lexicon import DEFAULT_LEXICON, apply_lexicon, lexicon_for, uses_phonemes
from a11ykit.speech.synth import Synthesizer
from a11ykit.terms.base import Glossary, Term

ITEMS = [
    SpeechItem("h1", "I Survived CECOT", "heading"),
    SpeechItem("s1", "He entered CECOT believing he was being deported."),
    SpeechItem("fig1", "Image: the prison seen from above.", "image"),
    SpeechItem("h2", "Where Andry is now", "heading"),
    SpeechItem("s2", "He is back with family."),
]


@pytest.fixture(scope="module")
def article(tmp_path_factory):
    out = tmp_path_factory.mktemp("article")
    return synthesize_article(ITEMS, lang="en", out_dir=out, stem="cecot")


@pytest.fixture(scope="module")
def english():
    with Synthesizer("en-us") as s:
        yield s


@pytest.fixture(scope="module")
def spanish():
    with Synthesizer("es-419") as s:
        yield s


# -- a chunk ----------------------------------------------------------------------------


def test_a_chunk_is_16_bit_mono_at_espeaks_rate(english):
    chunk = english.synthesize("s1", "Hello there.")
    assert chunk.samples.dtype == np.int16 and chunk.samples.ndim == 1
    assert chunk.sample_rate == 22050
    assert 0.3 < chunk.duration < 3


def test_word_timings_point_into_the_text_in_order(english):
    text = "Rights groups documented deaths."
    chunk = english.synthesize("s1", text)
    assert [text[w.offset : w.offset + w.length] for w in chunk.words] == [
        "Rights",
        "groups",
        "documented",
        "deaths",
    ]
    starts = [w.start for w in chunk.words]
    assert starts == sorted(starts) and starts[-1] < chunk.duration


# -- the lexicon ----------------------------------------------------------------------------


def test_a_closed_synthesizers_worker_is_killed_not_left_to_shut_down():
    # its shutdown (Python's and espeak's) would take CPU from the encoding that follows
    synth = Synthesizer()
    worker = synth._proc
    synth.synthesize("a", "Hello.", rate=175)
    synth.close()
    assert worker.wait(timeout=5) == -signal.SIGKILL


def test_lexicon_entries_match_whole_words_case_sensitively():
    lexicon = {"ICE": "ice"}
    assert apply_lexicon("ICE agents, not ice, NICE or ICED.", lexicon) == "ice agents, not ice, NICE or ICED."


def test_the_longest_entry_wins():
    assert apply_lexicon("U.S. ICE", {"ICE": "ice", "U.S. ICE": "the agency"}) == "the agency"


def test_brackets_in_page_text_cannot_inject_phonemes():
    spoken = apply_lexicon("a [[h@'l@U]] b [[[x]]]", {})
    assert not uses_phonemes(spoken)


def test_glossary_pronunciations_join_and_override_the_built_in_lexicon():
    term = Term(
        kind="keep",
        forms={"en": ("DNA",), "es": ("DNA",)},
        pronunciations={"es": "de ene a"},
    )
    override = Term(kind="keep", forms={"en": ("ICE",), "es": ("ICE",)}, pronunciations={"es": "áis"})
    lexicon = lexicon_for("es", Glossary((term, override)))
    assert lexicon == {"CECOT": "Cecot", "ICE": "áis", "DNA": "de ene a"}


def test_respellings_are_read_as_words_and_phonemes_are_left_alone():
    lexicon = {"CECOT": "SEE-cot", "ICE": "[[aIs]] Agency"}
    assert apply_lexicon("CECOT, ICE", lexicon) == "see-cot, [[aIs]] agency"


def test_a_dictionary_style_respelling_is_not_spelled_out(english):
    said = english.phonemes(apply_lexicon("He entered CECOT believing.", {"CECOT": "SEE-cot"}))
    assert "s'i:k" in said  # espeak reads "SEE-cot" itself as "S-E-E cot"


def test_a_malformed_entry_is_refused():
    with pytest.raises(ValueError, match="unbalanced"):
        apply_lexicon("ICE", {"ICE": "[[aIs"})


def test_in_spanish_ice_is_said_as_a_word_not_spelled(spanish):
    raw = spanish.phonemes("El ICE detuvo a muchos.")
    said = spanish.phonemes(apply_lexicon("El ICE detuvo a muchos.", DEFAULT_LEXICON["es"]))
    assert "'aIs" in said and "'aIs" not in raw  # espeak alone spells it "i-ce-e"


def test_in_spanish_cecot_is_one_word_stressed_on_the_last_syllable(spanish):
    said = spanish.phonemes(apply_lexicon("Entró en el CECOT ayer.", DEFAULT_LEXICON["es"]))
    assert "sek'ot" in said


def test_in_english_ice_is_said_as_a_word_not_spelled(english):
    raw = english.phonemes("The ICE agency.")
    said = english.phonemes(apply_lexicon("The ICE agency.", DEFAULT_LEXICON["en"]))
    assert "'aIs" in said and "i:" not in said.split("'aIs")[1].split()[0]
    assert raw != said  # espeak alone spells it "I-C-E" here


def test_in_english_cecot_is_read_from_its_phonemes_as_one_word(english):
    spoken = apply_lexicon("He entered CECOT today.", DEFAULT_LEXICON["en"])
    chunk = english.synthesize("s1", spoken)
    assert len(chunk.words) == 4  # "[[sEk'oUt]]" is one word, not brackets and letters
    plain = english.synthesize("s1", "He entered sekote today.")
    assert chunk.duration == pytest.approx(plain.duration, rel=0.15)


# -- the article ----------------------------------------------------------------------------------


def test_the_article_writes_audio_captions_chapters_and_sync_map(article):
    names = {p.name for p in article.opus.parent.iterdir()}
    assert names == {
        "cecot.en.opus",
        "cecot.en.mp3",
        "cecot.en.vtt",
        "cecot.en.chapters.vtt",
        "cecot.en.syncmap.json",
    }


def test_the_voice_is_reported_as_read_back(article):
    assert article.voice.identifier == "gmw/en-US"
    assert article.synthesized == [item.id for item in ITEMS] and article.cached == []


def test_short_items_are_one_caption_cue_each_with_the_item_id_and_page_text(article):
    cues = read_vtt(io.StringIO(article.captions.read_text(encoding="utf-8")))
    assert [(c.id, " ".join(c.text.split())) for c in cues] == [(i.id, i.text) for i in ITEMS]


LONG_SENTENCE = (
    "Hernández Romero left Venezuela and asked the United States for asylum, citing persecution "
    "based on sexual orientation, and he was held while his case was reviewed."
)


@pytest.fixture(scope="module")
def long_article(tmp_path_factory):
    out = tmp_path_factory.mktemp("long")
    items = [SpeechItem("a11y-6-1", LONG_SENTENCE), SpeechItem("a11y-6-2", "He is back with family.")]
    return synthesize_article(items, lang="en", out_dir=out, stem="long")


def test_a_long_sentence_is_captioned_in_cues_of_two_short_lines(long_article):
    cues = read_vtt(io.StringIO(long_article.captions.read_text(encoding="utf-8")))
    parts = [c for c in cues if c.id.split(".")[0] == "a11y-6-1"]
    assert [c.id for c in parts] == ["a11y-6-1"] + [f"a11y-6-1.{n}" for n in range(2, len(parts) + 1)]
    assert all(len(c.text.split("\n")) <= 2 and max(map(len, c.text.split("\n"))) <= 42 for c in cues)
    assert " ".join(" ".join(c.text.split()) for c in parts) == LONG_SENTENCE


def test_the_sync_map_keeps_one_entry_per_sentence(long_article):
    entries = json.loads(long_article.syncmap.read_text(encoding="utf-8"))
    assert [(e["id"], e["text"]) for e in entries] == [
        ("a11y-6-1", LONG_SENTENCE),
        ("a11y-6-2", "He is back with family."),
    ]


def test_each_caption_cue_starts_when_espeak_says_its_first_word(long_article):
    sentence = long_article.cues[0]
    with Synthesizer("gmw/en-US") as synth:
        words = synth.synthesize("a11y-6-1", apply_lexicon(LONG_SENTENCE, lexicon_for("en"))).words
    parts = [c for c in long_article.caption_cues if c.id.startswith("a11y-6-1.")]
    assert parts
    for part in parts:
        first_word = " ".join(part.text.split()).split()[0]
        offset = LONG_SENTENCE.index(" ".join(part.text.split()))
        spoken = next(w for w in words if w.offset == offset and w.length == len(first_word))
        assert part.start == pytest.approx(sentence.start + spoken.start, abs=0.001)


#: A piece but the last ends on whole Opus and MP3 frames: its last pause grows by less than this.
PIECE_FRAME = joining.common_aligned_length(1, encode.OUTPUT_RATE) / encode.OUTPUT_RATE


def test_cues_follow_each_other_with_longer_pauses_around_headings(article):
    cues = article.cues
    gaps = [b.start - a.end for a, b in itertools.pairwise(cues)]
    pauses = [
        PAUSE_AFTER["heading"],
        PAUSE_AFTER["sentence"],
        max(PAUSE_AFTER["image"], PAUSE_BEFORE_HEADING),
        PAUSE_AFTER["heading"],
    ]
    assert article.pieces == len(ITEMS)  # no two items of one paragraph: each ends a piece
    for gap, pause in zip(gaps, pauses, strict=True):
        assert pause - 0.001 <= gap < pause + PIECE_FRAME


def test_sentences_of_one_paragraph_are_one_piece_and_keep_the_exact_pause(long_article):
    (first, second) = long_article.cues
    assert long_article.pieces == 1
    assert second.start - first.end == pytest.approx(PAUSE_AFTER["sentence"], abs=0.001)


def test_chapters_are_the_headings_each_running_to_the_next(article):
    chapters = read_vtt(io.StringIO(article.chapters.read_text(encoding="utf-8")))
    by_id = {c.id: c for c in article.cues}
    assert [(c.id, c.start) for c in chapters] == [("h1", 0.0), ("h2", round(by_id["h2"].start, 3))]
    assert chapters[0].end == chapters[1].start
    assert chapters[1].end == pytest.approx(article.duration, abs=0.001)


def test_the_sync_map_matches_the_cues(article):
    entries = json.loads(article.syncmap.read_text(encoding="utf-8"))
    assert [(e["id"], e["start"], e["end"]) for e in entries] == [
        (c.id, round(c.start, 3), round(c.end, 3)) for c in article.cues
    ]


def test_the_audio_lasts_as_long_as_the_timeline(article):
    for path in (article.opus, article.mp3):
        info = soundfile.info(path)
        assert info.samplerate == encode.OUTPUT_RATE and info.channels == 1
        assert info.frames / info.samplerate == pytest.approx(article.duration, abs=0.01)
    assert article.cues[-1].end < article.duration


def test_the_sentences_of_one_heading_make_one_chapter_and_a_short_pause():
    items = [
        SpeechItem("h1a", "I Survived CECOT.", "heading"),
        SpeechItem("h1b", "A 125-day ordeal.", "heading"),
        SpeechItem("s1", "Text.", "sentence"),
        SpeechItem("h2", "Where Andry is now", "heading"),
    ]
    cues = [Cue(i.id, n * 2.0, n * 2.0 + 1, i.text) for n, i in enumerate(items)]
    assert heading_cues(cues, items) == [
        Cue("h1a", 0.0, 3.0, "I Survived CECOT. A 125-day ordeal."),
        Cue("h2", 6.0, 7.0, "Where Andry is now"),
    ]
    assert gaps_for(items)[0] == PAUSE_AFTER["sentence"]


def test_a_failed_encoding_leaves_no_outputs_and_no_temporary_files(tmp_path, monkeypatch):
    def broken(pieces, out, **options):
        out.write(next(iter(pieces))[:100])
        raise SpeechError("encoder failed")

    monkeypatch.setattr(joining, "join_mp3", broken)
    with pytest.raises(SpeechError, match="encoder failed"):
        synthesize_article(ITEMS[:2], lang="en", out_dir=tmp_path, stem="cecot")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([], "nothing to narrate"),
        ([SpeechItem("s1", "a"), SpeechItem("s1", "b")], "share the id 's1'"),
        ([SpeechItem("s1", " ")], "nothing to say"),
        ([SpeechItem("s1", "a", "poem")], "unknown item kind"),  # type: ignore[arg-type]
    ],
)
def test_bad_items_are_refused_before_any_synthesis(tmp_path, items, message):
    with pytest.raises(InputError, match=message):
        synthesize_article(items, lang="en", out_dir=tmp_path, stem="x")


def test_progress_is_reported_per_sentence(tmp_path):
    seen = []
    synthesize_article(ITEMS[:2], lang="en", out_dir=tmp_path, stem="x", progress=lambda *a: seen.append(a))
    assert [s for s in seen if s[0] == "speech"][-1] == ("speech", 2, 2)
    assert seen[-1] == ("encoding", 2, 2)


# -- the command -------------------------------------------------------------------------------------


@pytest.fixture
def fake_pipeline(monkeypatch):
    """Stands in for the page side's ``a11ykit.speak.speech_items`` (the lead's)."""
    calls = []

    def speech_items(html: bytes, lang: str, **options: object) -> list[SpeechItem]:
        calls.append((html, lang))
        return [SpeechItem("s1", "Hola a todos.")]

    import a11ykit.speak

    monkeypatch.setattr(a11ykit.speak, "speech_items", speech_items)
    return calls


def test_speak_writes_the_files_beside_the_page_by_default(tmp_path, fake_pipeline, capsys):
    page = tmp_path / "cecot.es.html"
    page.write_bytes(b"<p>Hola</p>")
    assert main(["speak", str(page), "--lang", "es"]) == 0
    assert fake_pipeline == [(b"<p>Hola</p>", "es")]
    assert (tmp_path / "cecot.es.opus").exists() and (tmp_path / "cecot.es.vtt").exists()
    assert "Spanish (Latin America)" in capsys.readouterr().out


def test_speak_reports_a_bad_rate_as_an_error(tmp_path, fake_pipeline, capsys):
    page = tmp_path / "a.html"
    page.write_bytes(b"<p>x</p>")
    assert main(["speak", str(page), "--lang", "en", "--rate", "20", "--no-cache"]) == 2
    assert "A11Y507" in capsys.readouterr().err


def test_speak_asks_for_the_language_when_the_page_does_not_tell(tmp_path, fake_pipeline, capsys):
    page = tmp_path / "a.html"
    page.write_bytes(b"<p>x</p>")
    assert main(["speak", str(page)]) == 2
    assert "pass --lang en or --lang es" in capsys.readouterr().err


def test_speak_reads_a_real_page_in_its_own_language(tmp_path, capsys):
    page = tmp_path / "story.html"
    page.write_text(
        '<!DOCTYPE html><html lang="es"><head><title>T</title></head><body><article>'
        "<h1>Sobreviví al CECOT</h1><p>El ICE detuvo a muchos. Fueron llevados al CECOT.</p>"
        "</article></body></html>",
        encoding="utf-8",
    )
    assert main(["speak", str(page), "--out", str(tmp_path / "out"), "--no-cache"]) == 0
    assert "Spanish (Latin America)" in capsys.readouterr().out
    cues = read_vtt(io.StringIO((tmp_path / "out" / "story.es.vtt").read_text(encoding="utf-8")))
    assert [c.text for c in cues] == ["Sobreviví al CECOT", "El ICE detuvo a muchos.", "Fueron llevados al CECOT."]
    assert all(c.id for c in cues)
