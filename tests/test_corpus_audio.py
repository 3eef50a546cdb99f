"""Every real page of the corpus narrated: a site build with audio of each language's pages.

The corpus test (test_corpus.py) builds the pages without audio; real pages also have
sentences the narration must cope with (a lone comma between two ``<br>``, an ellipsis, a
smiley). Here each language's pages are built into the other language as one site build with
audio, and every page's sync map must speak each sentence with something to say, once, in
reading order, within the audio's length.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import soundfile
from bs4 import BeautifulSoup

from a11ykit.html.reading import speakable
from a11ykit.html.segment import SKIP_TAGS
from a11ykit.layout import output_stem
from test_corpus import PAGES, PAGES_DIR, _require_corpus

OTHER = {"en": "es", "es": "en"}
LANGS = sorted({page["lang"] for page in PAGES})
#: A cue may end this much after the audio's last sample (its pause is cut at the end).
END_TOLERANCE = 0.05


@pytest.fixture(scope="module")
def narrated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[subprocess.CompletedProcess, Path]]:
    """Each source language → (the site build's process, its output folder)."""
    _require_corpus()
    built = {}
    for lang in LANGS:
        site = tmp_path_factory.mktemp(f"corpus-{lang}")
        for page in PAGES:
            if page["lang"] == lang:
                (site / page["name"]).write_bytes((PAGES_DIR / page["name"]).read_bytes())
        out = site.parent / f"{site.name}-out"
        argv = [sys.executable, "-m", "a11ykit", "build", str(site), "--to", OTHER[lang], "--engine", "apertium",
                "--out", str(out), "--locales", str(site.parent / f"{site.name}-locales"), "--jobs", "2"]
        built[lang] = (subprocess.run(argv, capture_output=True, text=True, timeout=1200), out)
    return built


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_of_a_language_is_narrated(narrated, lang):
    done, _ = narrated[lang]
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


@pytest.mark.parametrize("page", [p["name"] for p in PAGES], ids=str)
def test_the_sync_map_speaks_every_sentence_once_in_reading_order(narrated, page):
    """Every sentence with something to say in the narrated part of the page (its <article>,
    else <main>, else <body>; the notice) has one cue, the cues follow the page's order, and
    each lies within the audio."""
    lang = next(p["lang"] for p in PAGES if p["name"] == page)
    _, out = narrated[lang]
    stem = f"{output_stem(Path(page))}.{OTHER[lang]}"
    soup = BeautifulSoup((out / f"{stem}.html").read_text(encoding="utf-8"), "html.parser")
    order = {element["id"]: n for n, element in enumerate(soup.find_all(id=True))}
    root = soup.find("article") or soup.find("main") or soup.body
    sentences = [
        span["id"] for span in root.find_all("span", class_="a11y-s")
        if speakable(span.get_text()) and not span.find_parent(list(SKIP_TAGS))
        and not span.find_parent(class_="a11y-player")
    ]
    cues = json.loads((out / f"{stem}.syncmap.json").read_text(encoding="utf-8"))
    spoken = [cue["id"] for cue in cues]
    assert len(set(spoken)) == len(spoken)
    assert [order[i] for i in spoken] == sorted(order[i] for i in spoken)
    assert not [i for i in sentences if i not in set(spoken)]
    duration = soundfile.info(str(out / f"{stem}.mp3")).duration
    assert all(0 <= cue["start"] < cue["end"] <= duration + END_TOLERANCE for cue in cues)
