"""``build`` makes narrated audio by default, in the page's language, and rebuilds cheaply."""

import json
import re
import shutil

import pytest

from a11ykit.cli import main
from a11ykit.speech.captions import sentence_id


@pytest.fixture(scope="module")
def audio_builds(tmp_path_factory):
    """Build the Spanish page twice: once fresh, once after one English paragraph changed."""
    from conftest import EXAMPLES

    ws = tmp_path_factory.mktemp("audio")
    source = ws / "cecot.html"
    shutil.copy(EXAMPLES / "cecot.html", source)
    argv = [
        "build",
        str(source),
        "--to",
        "es",
        "--engine",
        "apertium",
        "--out",
        str(ws / "out"),
        "--locales",
        str(ws / "locales"),
    ]
    assert main(argv) == 0
    first = json.loads((ws / "out" / "cecot.es.report.json").read_text(encoding="utf-8"))
    html = source.read_text(encoding="utf-8")
    edited = html.replace("says faith and community kept him going", "says faith and family kept him going")
    assert edited != html
    source.write_text(edited, encoding="utf-8")
    assert main(argv) == 0
    second = json.loads((ws / "out" / "cecot.es.report.json").read_text(encoding="utf-8"))
    return ws / "out", first, second


def test_the_page_comes_with_opus_mp3_captions_chapters_and_sync_map(audio_builds):
    out, _, _ = audio_builds
    for suffix in (".opus", ".mp3", ".vtt", ".chapters.vtt", ".syncmap.json"):
        assert (out / f"cecot.es{suffix}").stat().st_size > 0, suffix


def test_the_spanish_audio_is_spoken_with_a_spanish_voice(audio_builds):
    _, first, _ = audio_builds
    assert first["audio"]["voice"]["language"].startswith("es")


def test_every_caption_cue_id_is_a_sentence_on_the_page(audio_builds):
    out, _, _ = audio_builds
    page = (out / "cecot.es.html").read_text(encoding="utf-8")
    ids = set(re.findall(r'id="([^"]+)"', page))
    cue_ids = [line for line in (out / "cecot.es.vtt").read_text(encoding="utf-8").split("\n\n")[1:] if line]
    cue_ids = [block.splitlines()[0] for block in cue_ids]
    assert cue_ids and all(sentence_id(c, ids) in ids for c in cue_ids)  # "a11y-5-1.2": part 2 of a11y-5-1


def test_the_page_has_a_labelled_player_without_autoplay(audio_builds):
    out, _, _ = audio_builds
    page = (out / "cecot.es.html").read_text(encoding="utf-8")
    assert "Escuchar este artículo" in page
    assert re.search(r'<audio[^>]*controls[^>]*preload="metadata"', page)
    assert "autoplay" not in page
    assert 'kind="captions"' in page and 'kind="chapters"' in page


def test_changing_one_paragraph_resynthesizes_only_its_sentences(audio_builds):
    _, first, second = audio_builds
    changed = {s["id"] for s, t in zip(first["segments"], second["segments"], strict=False) if s["text"] != t["text"]}
    spoken_changed = changed & set(first["audio"]["synthesized"] + first["audio"]["cached"])
    assert spoken_changed  # the edited paragraph is read aloud
    assert set(second["audio"]["synthesized"]) == spoken_changed
    assert len(second["audio"]["cached"]) == second["audio"]["items"] - len(spoken_changed)
