"""Captions, chapters, sync map, and the read-along player (fragment, script, styles)."""

from __future__ import annotations

import io
import itertools
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import given
from hypothesis import strategies as st

from a11ykit.html.player import LABELS, player_assets, player_fragment, player_tags
from a11ykit.speech.captions import (
    MAX_LINE,
    MAX_LINES,
    Cue,
    caption_blocks,
    caption_cues,
    chapter_cues,
    format_timestamp,
    parse_timestamp,
    read_syncmap,
    read_vtt,
    sentence_id,
    write_syncmap,
    write_vtt,
)

ASSETS = Path(__file__).resolve().parent.parent / "src" / "a11ykit" / "assets"


def vtt(cues: list[Cue]) -> str:
    out = io.StringIO()
    write_vtt(out, cues)
    return out.getvalue()


# -- WebVTT ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "00:00:00.000"), (1.2344, "00:00:01.234"), (61.5, "00:01:01.500"), (3723.004, "01:02:03.004")],
)
def test_timestamps_have_hours_minutes_seconds_and_millis(seconds, text):
    assert format_timestamp(seconds) == text


def test_a_cue_is_written_with_its_id_timing_and_text():
    assert vtt([Cue("s1", 0.0, 1.5, "Hello."), Cue("s2", 1.85, 3.0, "Bye.")]) == (
        "WEBVTT\n\ns1\n00:00:00.000 --> 00:00:01.500\nHello.\n"
        "\ns2\n00:00:01.850 --> 00:00:03.000\nBye.\n"
    )


def test_cue_text_is_escaped_and_a_blank_line_cannot_end_the_cue():
    lines = vtt([Cue("s1", 0, 1, "Q&A <b>bold</b>\n\n  \nstill  one cue")]).splitlines()[4:]
    assert lines == ["Q&amp;A &lt;b&gt;bold&lt;/b&gt;", "still one cue"]


@pytest.mark.parametrize("bad_id", ["", "a-->b", "two\nlines"])
def test_an_id_that_would_break_webvtt_is_refused(bad_id):
    with pytest.raises(ValueError, match="cue id"):
        vtt([Cue(bad_id, 0, 1, "x")])


def test_a_cue_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="not before end"):
        vtt([Cue("s1", 2.0, 1.0, "x")])


cue_ids = st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,12}", fullmatch=True).filter(lambda s: "-->" not in s)
cue_texts = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1).filter(
    lambda s: s.split()
)


@given(st.lists(st.tuples(cue_ids, st.integers(0, 10**7), st.integers(1, 10**6), cue_texts), max_size=5))
def test_written_cues_read_back_the_same(rows):
    cues = [Cue(i, start / 1000, (start + length) / 1000, text) for i, start, length, text in rows]
    back = read_vtt(io.StringIO(vtt(cues)))
    assert [(c.id, c.start, c.end, c.text) for c in back] == [
        (c.id, c.start, c.end, " ".join(c.text.split())) for c in cues
    ]


def test_parse_timestamp_accepts_the_short_form():
    assert parse_timestamp("01:02.500") == 62.5


# -- caption cues by convention ------------------------------------------------------

LONG = (
    "He left Venezuela and asked the United States for asylum, citing persecution based on "
    "sexual orientation, and he was held while his case was reviewed by the immigration court."
)
SPANISH = (
    "En marzo, funcionarios de EE. UU. etiquetaron sus tatuajes como relacionados con pandillas "
    "y lo subieron a un vuelo a El Salvador, donde él y más de 200 venezolanos fueron encerrados."
)
words = st.text(st.characters(whitelist_categories=("L", "N", "P")), min_size=1, max_size=60)


def lines_of(cues: list[Cue]) -> list[list[str]]:
    return [cue.text.split("\n") for cue in cues]


@given(st.lists(words, min_size=1, max_size=60))
def test_no_caption_line_is_longer_than_42_characters_nor_a_cue_longer_than_two_lines(text_words):
    blocks = caption_blocks(" ".join(text_words))
    assert all(len(lines) <= MAX_LINES and all(len(line) <= MAX_LINE for line in lines) for _, lines in blocks)


@given(st.lists(words, min_size=1, max_size=60))
def test_the_captions_say_every_word_in_order(text_words):
    text = " ".join(text_words)
    said = "".join("".join(lines) for _, lines in caption_blocks(text)).replace(" ", "")
    assert said == text.replace(" ", "")


def test_a_sentence_that_fits_two_lines_is_one_cue_with_the_sentence_id():
    cue = Cue("a11y-5-1", 3.0, 6.0, "He entered CECOT believing he was being deported.")
    assert [(c.id, c.start, c.end) for c in caption_cues(cue)] == [("a11y-5-1", 3.0, 6.0)]
    assert [len(lines) for lines in lines_of(caption_cues(cue))] == [2]


@pytest.mark.parametrize("text", [LONG, SPANISH])
def test_a_long_sentence_is_cut_into_cues_that_keep_its_id_and_number_the_rest(text):
    cues = caption_cues(Cue("a11y-6-3", 10.0, 22.0, text))
    assert len(cues) > 1
    assert [c.id for c in cues] == ["a11y-6-3"] + [f"a11y-6-3.{n}" for n in range(2, len(cues) + 1)]


@pytest.mark.parametrize("text", [LONG, SPANISH])
def test_the_cues_of_a_sentence_run_end_to_end_over_its_time(text):
    cues = caption_cues(Cue("s", 10.0, 22.0, text))
    assert cues[0].start == 10.0 and cues[-1].end == 22.0
    assert all(a.end == b.start and a.start < a.end for a, b in itertools.pairwise(cues))


@pytest.mark.parametrize("text", [LONG, SPANISH])
def test_breaks_fall_at_phrase_boundaries_never_after_an_article_or_preposition(text):
    leaners = {"the", "a", "an", "of", "to", "on", "by", "el", "la", "los", "las", "un", "una", "de", "con"}
    ends = [line.split()[-1].lower() for lines in lines_of(caption_cues(Cue("s", 0, 9, text))) for line in lines]
    assert not leaners & set(ends[:-1])


def test_a_cue_ends_after_a_comma_rather_than_inside_a_phrase():
    cues = caption_cues(Cue("s", 0, 9, LONG))
    assert cues[0].text.endswith("asylum,") or cues[0].text.split("\n")[0].endswith("asylum,")


def test_each_cue_starts_when_its_first_word_is_spoken():
    cue = Cue("s", 10.0, 22.0, LONG)
    blocks = caption_blocks(LONG)
    spoken_at = {offset: 10.0 + 0.1 * offset for offset, _ in blocks}  # a clock that knows every word
    cues = caption_cues(cue, spoken_at.get)
    assert [c.start for c in cues[1:]] == [spoken_at[offset] for offset, _ in blocks[1:]]


def test_without_word_times_a_cue_starts_where_its_first_character_falls():
    cue = Cue("s", 10.0, 22.0, LONG)
    starts = [c.start for c in caption_cues(cue, lambda offset: None)]
    expected = [10.0 + 12.0 * offset / len(LONG) for offset, _ in caption_blocks(LONG)]
    assert starts == pytest.approx(expected)


def test_word_times_out_of_order_are_not_used():
    cue = Cue("s", 10.0, 22.0, LONG)
    backwards = caption_cues(cue, lambda offset: 21.0 - offset / 100)
    assert [c.start for c in backwards] == [c.start for c in caption_cues(cue)]


def test_a_word_longer_than_a_line_is_cut():
    url = "https://example.org/" + "x" * 80
    cues = caption_cues(Cue("s", 0, 5, f"See {url} now."))
    assert all(len(line) <= MAX_LINE for lines in lines_of(cues) for line in lines)
    assert "".join("".join(lines) for lines in lines_of(cues)).replace(" ", "") == f"See{url}now."


@pytest.mark.parametrize(
    ("cue_id", "sentence"),
    [
        ("a11y-5-1", "a11y-5-1"),
        ("a11y-5-1.2", "a11y-5-1"),
        ("a11y-5-1.12", "a11y-5-1"),
        ("v1.5", "v1.5"),
        ("x.y", "x.y"),
    ],
)
def test_a_caption_cue_finds_its_sentence(cue_id, sentence):
    assert sentence_id(cue_id, {"a11y-5-1", "v1.5", "v1"}) == sentence


# -- chapters and sync map ----------------------------------------------------------


def test_each_chapter_runs_until_the_next_heading_and_the_last_until_the_end():
    headings = [Cue("h1", 0.0, 1.2, "Title"), Cue("h2", 30.0, 31.0, "Where Andry is now")]
    assert chapter_cues(headings, 95.5) == [
        Cue("h1", 0.0, 30.0, "Title"),
        Cue("h2", 30.0, 95.5, "Where Andry is now"),
    ]


def test_the_sync_map_is_a_json_list_of_id_start_end_text():
    out = io.StringIO()
    write_syncmap(out, [Cue("s1", 0.0, 1.23456, "Él dijo “hola”.")])
    assert json.loads(out.getvalue()) == [{"id": "s1", "start": 0.0, "end": 1.235, "text": "Él dijo “hola”."}]
    assert "Él" in out.getvalue()  # readable UTF-8, not \u escapes


@pytest.mark.parametrize("count", [0, 1, 3])
def test_the_sync_map_reads_back_and_has_an_entry_a_line(count):
    cues = [Cue(f"s{n}", n * 2.0, n * 2.0 + 1.5, f"Sentence {n}, \"quoted\".") for n in range(count)]
    out = io.StringIO()
    write_syncmap(out, cues)
    assert read_syncmap(io.StringIO(out.getvalue())) == cues
    lines = out.getvalue().splitlines()
    assert len(lines) == (count + 2 if count else 1) and all(line.count('"id"') == 1 for line in lines[1:-1])


# -- the player fragment --------------------------------------------------------------


def fragment(**labels: str) -> BeautifulSoup:
    html = player_fragment(lang="es", stem="cecot", labels={**LABELS, **labels})
    return BeautifulSoup(html, "html.parser")


def test_the_player_is_a_region_named_by_its_heading():
    soup = fragment()
    section = soup.find("section")
    assert section["aria-labelledby"] == "a11y-listen-h"
    assert soup.find(id="a11y-listen-h").get_text() == LABELS["listen"]


def test_the_audio_element_has_controls_loads_metadata_only_and_never_autoplays():
    audio = fragment().find("audio")
    assert audio["id"] == "a11y-audio"
    assert audio.has_attr("controls")
    assert audio["preload"] == "metadata"
    assert not audio.has_attr("autoplay")


def test_sources_are_opus_then_mp3_named_after_stem_and_language():
    sources = [(s["src"], s["type"]) for s in fragment().find_all("source")]
    assert sources == [("cecot.es.opus", "audio/ogg; codecs=opus"), ("cecot.es.mp3", "audio/mpeg")]


def test_tracks_are_default_captions_and_chapters_in_the_page_language():
    tracks = fragment(captions="Subtítulos", chapters="Capítulos").find_all("track")
    assert [(t["kind"], t["src"], t["srclang"], t["label"], t.has_attr("default")) for t in tracks] == [
        ("captions", "cecot.es.vtt", "es", "Subtítulos", True),
        ("chapters", "cecot.es.chapters.vtt", "es", "Capítulos", False),
    ]


def test_the_files_are_also_plain_download_links():
    links = [(a["href"], a.get_text()) for a in fragment().find(class_="a11y-listen-files").find_all("a")]
    assert links == [("cecot.es.opus", LABELS["opus"]), ("cecot.es.mp3", LABELS["mp3"])]


def test_labels_are_escaped():
    html = player_fragment(lang="en", stem="x", labels={**LABELS, "listen": "<b>Listen</b> & read"})
    assert "&lt;b&gt;Listen&lt;/b&gt; &amp; read" in html


def test_a_missing_label_is_named():
    with pytest.raises(KeyError, match="fallback"):
        player_fragment(lang="en", stem="x", labels={k: v for k, v in LABELS.items() if k != "fallback"})


def test_inline_tags_cannot_be_closed_early_by_their_contents():
    style, script = player_tags()
    assert style.startswith("<style>") and style.count("</style") == 1
    assert script.startswith("<script>") and script.count("</script") == 1


def test_linked_tags_point_at_the_asset_files():
    style, script = player_tags(inline=False, href_prefix="assets/")
    assert set(player_assets()) == {"a11ykit-player.css", "a11ykit-player.js"}
    assert 'href="assets/a11ykit-player.css"' in style
    assert 'src="assets/a11ykit-player.js" defer' in script


# -- the styles ---------------------------------------------------------------------------


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def rule(css: str, selector: str) -> dict[str, str]:
    body = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", css).group(1)
    return {
        k.strip(): v.strip() for k, v in (d.split(":", 1) for d in body.split(";") if ":" in d)
    }


CSS = (ASSETS / "player.css").read_text(encoding="utf-8")


def test_the_highlight_meets_wcag_aa_text_contrast():
    highlight = rule(CSS, ".a11y-s.a11y-current")
    ratio = contrast(highlight["color"], highlight["background-color"])
    assert ratio >= 4.5
    assert f"= {ratio:.1f}:1" in CSS  # the comment states the real ratio


def test_links_inside_the_highlight_meet_wcag_aa_text_contrast():
    background = rule(CSS, ".a11y-s.a11y-current")["background-color"]
    assert contrast(rule(CSS, ".a11y-s.a11y-current a")["color"], background) >= 4.5


def test_the_highlight_outline_stands_out_from_a_white_page():
    outline = rule(CSS, ".a11y-s.a11y-current")["outline"].split()[-1]
    assert contrast(outline, "#ffffff") >= 3.0


def test_focus_is_visible_on_the_player_and_its_links():
    assert "outline: 3px solid" in rule(CSS, ".a11y-s a:focus-visible")["outline"] or rule(
        CSS, ".a11y-s a:focus-visible"
    )["outline"].startswith("3px solid")


def test_motion_happens_only_for_readers_who_did_not_ask_for_less():
    outside = re.sub(r"@media \(prefers-reduced-motion: no-preference\)\s*\{.*?\}\s*\}", "", CSS, flags=re.S)
    assert "transition" in CSS and "transition" not in outside


# -- the script, run against a tiny DOM in node ---------------------------------------------

DOM_HARNESS = r"""
const classes = () => { const s = new Set(); return {
  add: (c) => s.add(c), remove: (c) => s.delete(c), contains: (c) => s.has(c), has: s }; };
const els = {};
for (const id of ["s1", "s2", "s3", "h1"]) {
  els[id] = { id, classList: classes(), getBoundingClientRect: () => ({ top: 10, bottom: 20 }),
              scrollIntoView() {}, closest(sel) { return sel === ".a11y-s" ? this : null; } };
  els[id].classList.add("a11y-s");
}
els.h1.classList.remove("a11y-s");  // an id that is not a spoken sentence
const listeners = { track: {}, audio: {}, doc: {} };
const on = (where) => (type, fn) => { (listeners[where][type] ||= []).push(fn); };
const fire = (where, type, event) => (listeners[where][type] || []).forEach((fn) => fn(event || {}));
const cueList = [{ id: "s1", startTime: 0 }, { id: "s2", startTime: 2.5 }, { id: "s3", startTime: 5.25 }];
const track = { kind: "captions", mode: "showing", activeCues: [], addEventListener: on("track"),
  cues: Object.assign(cueList, { getCueById: (id) => cueList.find((c) => c.id === id) || null }) };
const audio = { textTracks: [track], paused: true, currentTime: 0, addEventListener: on("audio") };
els["a11y-audio"] = audio;
globalThis.window = { innerHeight: 800, getSelection: () => ({ isCollapsed: true }),
  matchMedia: () => ({ matches: false }) };
globalThis.document = { readyState: "complete", documentElement: { classList: classes() },
  getElementById: (id) => els[id] || null, addEventListener: on("doc"),
  querySelectorAll: (sel) => Object.values(els).filter((e) => e.classList && e.classList.contains(sel.slice(1))) };
const current = () => Object.keys(els).filter((id) => els[id].classList && els[id].classList.contains("a11y-current"));
const log = {};
require(process.argv[2]);
log.mode = track.mode;
track.activeCues = [cueList[1]]; fire("track", "cuechange"); log.afterCue = current();
track.activeCues = [cueList[0]]; audio.currentTime = 0.5; fire("audio", "seeked"); log.afterSeek = current();
track.activeCues = [{ id: "s3.2" }]; fire("track", "cuechange"); log.continuation = current();
track.activeCues = [{ id: "h1" }]; fire("track", "cuechange"); log.notASentence = current();
track.activeCues = []; fire("track", "cuechange"); log.noCue = current();
audio.paused = true; fire("doc", "click", { target: els.s3 }); log.clickPaused = audio.currentTime;
audio.paused = false; fire("doc", "click", { target: els.s3 }); log.clickPlaying = audio.currentTime;
console.log(JSON.stringify(log));
"""


@pytest.fixture(scope="module")
def script_run(tmp_path_factory):
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("node is not installed; CI must run the player script test")
        pytest.skip("node is not installed")
    harness = tmp_path_factory.mktemp("js") / "harness.js"
    harness.write_text(DOM_HARNESS, encoding="utf-8")
    done = subprocess.run(
        [node, str(harness), str(ASSETS / "player.js")], capture_output=True, text=True, timeout=30, check=True
    )
    return json.loads(done.stdout)


def test_the_script_hides_the_captions_track_so_cues_fire_without_drawing(script_run):
    assert script_run["mode"] == "hidden"


def test_the_active_cue_highlights_its_sentence_only(script_run):
    assert script_run["afterCue"] == ["s2"]


def test_seeking_moves_the_highlight(script_run):
    assert script_run["afterSeek"] == ["s1"]


def test_a_continuation_cue_highlights_its_sentence(script_run):
    assert script_run["continuation"] == ["s3"]


def test_only_spoken_sentences_are_highlighted_and_no_cue_clears_it(script_run):
    assert script_run["notASentence"] == [] and script_run["noCue"] == []


def test_clicking_a_sentence_while_playing_seeks_to_it(script_run):
    assert script_run["clickPaused"] == 0.5  # paused: a click is just a click
    assert script_run["clickPlaying"] == 5.25
