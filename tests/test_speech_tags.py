"""The narration files' metadata: title, artist, publisher, language and a comment, in Opus and MP3."""

from __future__ import annotations

import io
import json
import shutil
import subprocess

import numpy as np
import pytest
import soundfile

from a11ykit.speech import SpeechItem, synthesize_article
from a11ykit.speech.tags import AudioTags, tag_mp3, tag_opus

TAGS = AudioTags(
    title="“Sobreviví al CECOT”: 125 días",
    artist="Laura Pineda",
    publisher="DNA",
    language="es",
    comment="Narrated by a11ykit with espeak-ng from https://example.org/cecot",
)


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed (the Makefile's APT_PACKAGES has it)")
    return found


def probe(data: bytes, tmp_path, suffix: str) -> dict[str, str]:
    """The tags ffprobe reads from a file, names lower-cased (stream tags for Ogg, format tags for MP3)."""
    path = tmp_path / f"probe.{suffix}"
    path.write_bytes(data)
    done = subprocess.run(
        [tool("ffprobe"), "-v", "error", "-show_entries", "format_tags:stream_tags", "-of", "json", str(path)],
        capture_output=True, text=True, timeout=60, check=True,
    )
    found = json.loads(done.stdout)
    tags = dict(found.get("format", {}).get("tags", {}))
    for stream in found.get("streams", []):
        tags.update(stream.get("tags", {}))
    return {key.lower(): value for key, value in tags.items()}


@pytest.fixture(scope="module")
def narration(tmp_path_factory):
    items = [SpeechItem("h1", "Sobreviví al CECOT", "heading"), SpeechItem("s1", "Está de vuelta con su familia.")]
    return synthesize_article(items, lang="es", out_dir=tmp_path_factory.mktemp("tags"), stem="cecot", tags=TAGS)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("opus", {"title": TAGS.title, "artist": "Laura Pineda", "organization": "DNA", "language": "es",
                  "comment": TAGS.comment}),
        ("mp3", {"title": TAGS.title, "artist": "Laura Pineda", "publisher": "DNA", "language": "spa",
                 "comment": TAGS.comment}),
    ],
)
def test_both_files_say_title_artist_publisher_language_and_source(narration, tmp_path, kind, expected):
    found = probe(getattr(narration, kind).read_bytes(), tmp_path, kind)
    assert {key: found.get(key) for key in expected} == expected


def test_the_tagged_opus_stream_is_valid(narration):
    done = subprocess.run([tool("opusinfo"), str(narration.opus)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "WARNING" not in done.stdout + done.stderr, done.stdout + done.stderr


def tone(fmt: str, subtype: str) -> tuple[bytes, np.ndarray]:
    rate = 24_000
    samples = (0.3 * np.sin(2 * np.pi * 300 * np.arange(rate * 2) / rate)).astype(np.float32)
    out = io.BytesIO()
    soundfile.write(out, samples, rate, format=fmt, subtype=subtype)
    return out.getvalue(), soundfile.read(io.BytesIO(out.getvalue()), dtype="float32")[0]


@pytest.mark.parametrize(("fmt", "subtype", "tag"), [("OGG", "OPUS", tag_opus), ("MP3", "MPEG_LAYER_III", tag_mp3)])
def test_tagging_leaves_the_audio_as_it_was(fmt, subtype, tag):
    data, decoded = tone(fmt, subtype)
    again = soundfile.read(io.BytesIO(tag(data, TAGS)), dtype="float32")[0]
    assert np.array_equal(again, decoded)


def test_a_comment_header_longer_than_an_ogg_page_spans_pages_and_the_stream_stays_valid(tmp_path):
    data, decoded = tone("OGG", "OPUS")
    tagged = tag_opus(data, AudioTags("t", comment="x" * 100_000))
    path = tmp_path / "long.opus"
    path.write_bytes(tagged)
    done = subprocess.run([tool("opusinfo"), str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "WARNING" not in done.stdout + done.stderr, done.stdout + done.stderr
    assert probe(tagged, tmp_path, "opus")["comment"] == "x" * 100_000
    assert np.array_equal(soundfile.read(io.BytesIO(tagged), dtype="float32")[0], decoded)


def test_tagging_an_mp3_again_replaces_its_tag(tmp_path):
    data, _ = tone("MP3", "MPEG_LAYER_III")
    twice = tag_mp3(tag_mp3(data, AudioTags("first")), AudioTags("second"))
    assert twice.count(b"ID3") == 1 and probe(twice, tmp_path, "mp3")["title"] == "second"


def test_without_tags_the_files_still_say_their_language(tmp_path):
    result = synthesize_article([SpeechItem("s1", "Hello there.")], lang="en", out_dir=tmp_path, stem="x")
    assert probe(result.mp3.read_bytes(), tmp_path, "mp3").get("language") == "eng"


PAGE = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Back home</title>'
    '<link rel="canonical" href="https://news.example.org/back-home">'
    '<meta name="author" content="Laura Pineda"><meta property="og:site_name" content="DNA"></head>'
    "<body><article><h1>He is back home</h1><p>He is back with his family. He thanks everyone.</p>"
    "</article></body></html>"
)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from a11ykit.cli import main

    folder = tmp_path_factory.mktemp("built")
    (folder / "home.html").write_text(PAGE, encoding="utf-8")
    out = folder / "out"
    argv = ["build", str(folder / "home.html"), "--to", "es", "--engine", "apertium", "--out", str(out),
            "--locales", str(folder / "locales")]
    assert main(argv) == 0
    return out


@pytest.mark.parametrize("kind", ["opus", "mp3"])
def test_a_build_tags_its_audio_with_what_the_page_says(built, tmp_path, kind):
    from bs4 import BeautifulSoup

    headline = BeautifulSoup((built / "home.es.html").read_text(encoding="utf-8"), "html.parser").h1.get_text(
        " ", strip=True
    )
    found = probe((built / f"home.es.{kind}").read_bytes(), tmp_path, kind)
    publisher = "organization" if kind == "opus" else "publisher"
    assert (" ".join(found["title"].split()), found["artist"], found[publisher]) == (
        " ".join(headline.split()), "Laura Pineda", "DNA"
    )
    assert found["language"] in ("es", "spa")
    assert "https://news.example.org/back-home" in found["comment"]


def test_a_build_reports_the_levels_of_its_audio(built):
    levels = json.loads((built / "home.es.report.json").read_text(encoding="utf-8"))["audio"]["levels"]
    assert set(levels) == {"measured_lufs", "gain_db", "loudness_lufs", "peak_dbfs"}
    assert levels["loudness_lufs"] == pytest.approx(levels["measured_lufs"] + levels["gain_db"], abs=0.02)
    assert levels["peak_dbfs"] <= -1.0


def test_the_speak_command_tags_its_audio_too(tmp_path):
    from a11ykit.cli import main

    (tmp_path / "home.html").write_text(PAGE, encoding="utf-8")
    assert main(["speak", str(tmp_path / "home.html"), "--out", str(tmp_path / "out"), "--no-cache"]) == 0
    found = probe((tmp_path / "out" / "home.en.mp3").read_bytes(), tmp_path, "mp3")
    assert (found["title"], found["artist"], found["publisher"], found["language"]) == (
        "He is back home", "Laura Pineda", "DNA", "eng"
    )
