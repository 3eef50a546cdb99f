"""The talking book: ``build --epub`` and ``a11ykit epub`` write an EPUB 3 with media overlays
that epubcheck and DAISY Ace accept, and that reads back as the page and its narration.

Both examples are built once for the session, with audio and ``--epub``: the English article
into Spanish with its image beside it (so the book embeds it), the Spanish one into English
without (so the book gives the image's description instead). Every check reads those books.
epubcheck (Debian's ``epubcheck``) and Ace (``@daisy/ace`` from npm, run with Debian's
chromium) are skipped when missing, except under CI (``CI`` set), where they must be there.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import soundfile
from bs4 import BeautifulSoup

from a11ykit.cli import main
from a11ykit.epub import contiguous_clips, extract
from a11ykit.speech.captions import Cue, read_syncmap
from conftest import EXAMPLES, ROOT
from epub.readback import ReadBook, read_book
from unwritable import a11ykit, read_only

IMAGE = Path(__file__).resolve().parent / "epub" / "cecot.jpg"
#: book language → (the example it is built from, whether its image is beside it)
SOURCES = {"es": (EXAMPLES / "cecot.html", True), "en": (EXAMPLES / "cecot.es.html", False)}
LANGS = sorted(SOURCES)
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ACE = ROOT / "node_modules" / ".bin" / "ace-puppeteer"
CLIP_TOLERANCE = 0.020  # seconds of gap or overlap allowed between clips
DURATION_TOLERANCE = 0.01  # of the audio's length


@dataclass
class Built:
    lang: str
    source: Path  # the example copy it was built from
    out: Path
    epub: Path
    page: Path
    cues: list[Cue]
    mp3: Path
    book: ReadBook
    printed: str  # what the build printed


@pytest.fixture(scope="session")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    built = {}
    for lang, (example, with_image) in SOURCES.items():
        ws = tmp_path_factory.mktemp(f"epub-{lang}")
        source = ws / example.name
        shutil.copy(example, source)
        if with_image:
            (ws / "images").mkdir()
            shutil.copy(IMAGE, ws / "images" / "cecot.jpg")
        out = ws / "out"
        argv = ["build", str(source), "--to", lang, "--engine", "apertium", "--out", str(out),
                "--locales", str(ws / "locales"), "--epub"]
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            assert main(argv) == 0
        stem = f"cecot.{lang}"
        with (out / f"{stem}.syncmap.json").open(encoding="utf-8") as f:
            cues = read_syncmap(f)
        epub = out / f"{stem}.epub"
        built[lang] = Built(lang, source, out, epub, out / f"{stem}.html", cues, out / f"{stem}.mp3",
                            read_book(epub), printed.getvalue())
    return built


def _tool(path: str | None, what: str) -> str:
    if path is None or not os.access(path, os.X_OK):
        if os.environ.get("CI"):
            pytest.fail(f"{what} is missing (see the Makefile)", pytrace=False)
        pytest.skip(f"{what} is missing (run `make setup`)")
    return path


def _article_ids(page: Path) -> list[str]:
    """The ids the narration reads on the built page: the notice's sentences, then the article's
    sentence spans and described images, in document order."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    ids = [span["id"] for span in soup.find(class_="a11y-notice").find_all(class_="a11y-s")]
    for element in soup.find("article").find_all(True):
        if "a11y-s" in (element.get("class") or []) or (element.name == "img" and element.get("alt")):
            ids.append(element["id"])
    return ids


def _xhtml(book: ReadBook, path: str) -> BeautifulSoup:
    return BeautifulSoup(book.files[path].decode("utf-8"), "html.parser")


# --- conformance ----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_epubcheck_reports_no_error_and_no_warning(books: dict[str, Built], lang: str, tmp_path: Path) -> None:
    epubcheck = _tool(shutil.which("epubcheck"), "epubcheck (apt-get install epubcheck)")
    jar = Path(epubcheck).resolve()
    command = ["java", "-jar", str(jar)] if jar.suffix == ".jar" else [epubcheck]
    report = tmp_path / "epubcheck.json"
    run = subprocess.run([*command, str(books[lang].epub), "--json", str(report)],
                         capture_output=True, text=True, timeout=300)
    assert report.is_file(), f"epubcheck wrote no report (exit {run.returncode}): {run.stderr[-2000:]}"
    messages = json.loads(report.read_text(encoding="utf-8"))["messages"]
    bad = [f"{m['severity']} {m['ID']}: {m['message']} at {[loc.get('path') for loc in m['locations']]}"
           for m in messages if m["severity"] in ("FATAL", "ERROR", "WARNING")]
    assert not bad, "epubcheck:\n" + "\n".join(bad)
    assert run.returncode == 0


@pytest.mark.parametrize("lang", LANGS)
def test_ace_reports_no_violation(books: dict[str, Built], lang: str, tmp_path: Path) -> None:
    _tool(str(ACE) if ACE.exists() else None, "DAISY Ace (npm ci)")
    _tool(CHROMIUM if os.path.exists(CHROMIUM) else None, f"chromium at {CHROMIUM}")
    env = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": CHROMIUM}
    run = subprocess.run([str(ACE), "--silent", "--force", "--outdir", str(tmp_path / "ace"), str(books[lang].epub)],
                         capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)
    report_path = tmp_path / "ace" / "report.json"
    assert report_path.is_file(), f"Ace wrote no report (exit {run.returncode}): {(run.stdout + run.stderr)[-2000:]}"
    report = json.loads(report_path.read_text(encoding="utf-8"))
    violations = [
        f"{doc['earl:testSubject']['url']}: {a['earl:test']['dct:title']} ({a['earl:test']['earl:impact']}): "
        f"{a['earl:result'].get('dct:description', '')}"
        for doc in report["assertions"] for a in doc.get("assertions", [])
        if a["earl:result"]["earl:outcome"] == "fail"
    ]
    assert not violations, "Ace:\n" + "\n".join(violations)
    assert report["earl:result"]["earl:outcome"] == "pass"
    checked = {doc["earl:testSubject"]["url"].rsplit("/", 1)[-1] for doc in report["assertions"]}
    assert {"package.opf", "nav.xhtml"} <= checked and any(name.startswith("part-") for name in checked)


# --- the overlay is the page's narration ----------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_every_spoken_element_of_the_page_is_in_the_overlay_once_in_reading_order(
    books: dict[str, Built], lang: str
) -> None:
    built = books[lang]
    pars = built.book.pars
    in_overlay = [par.fragment for par in pars]
    assert in_overlay == _article_ids(built.page)
    assert in_overlay == [cue.id for cue in built.cues]
    assert [par.document for par in pars] == sorted((p.document for p in pars), key=built.book.spine.index)


@pytest.mark.parametrize("lang", LANGS)
def test_each_par_points_at_an_element_that_shows_what_is_said(books: dict[str, Built], lang: str) -> None:
    built = books[lang]
    said = {cue.id: " ".join(cue.text.split()) for cue in built.cues}
    documents = {path: _xhtml(built.book, path) for path in built.book.spine}
    for par in built.book.pars:
        found = documents[par.document].find_all(id=par.fragment)
        assert len(found) == 1, f"{par.document}#{par.fragment}: {len(found)} elements"
        element = found[0]
        shown = " ".join(element.get_text().split()) if element.name != "img" else element["alt"]
        assert shown in said[par.fragment], f"{par.fragment}: shows {shown!r}, says {said[par.fragment]!r}"


@pytest.mark.parametrize("lang", LANGS)
def test_clips_cover_the_audio_without_gaps_or_overlaps(books: dict[str, Built], lang: str) -> None:
    built = books[lang]
    pars = built.book.pars
    audio = {par.audio for par in pars}
    assert len(audio) == 1
    with zipfile.ZipFile(built.epub) as archive, archive.open(audio.pop()) as f:
        duration = soundfile.info(f).duration
    assert abs(pars[0].begin) <= CLIP_TOLERANCE
    for before, after in itertools.pairwise(pars):
        assert before.end > before.begin, f"{before.fragment}: empty clip"
        assert abs(after.begin - before.end) <= CLIP_TOLERANCE, (
            f"{before.fragment} ends at {before.end:.3f} s, {after.fragment} begins at {after.begin:.3f} s"
        )
    assert abs(pars[-1].end - duration) <= CLIP_TOLERANCE


@pytest.mark.parametrize("lang", LANGS)
def test_each_clip_holds_its_sentence_as_the_sync_map_times_it(books: dict[str, Built], lang: str) -> None:
    built = books[lang]
    for par, cue in zip(built.book.pars, built.cues, strict=True):
        assert par.begin <= cue.start + 0.001 and cue.end <= par.end + 0.001, (
            f"{cue.id}: spoken {cue.start}–{cue.end} s, clip {par.begin}–{par.end} s"
        )


@pytest.mark.parametrize("lang", LANGS)
def test_durations_in_the_package_match_the_audio(books: dict[str, Built], lang: str) -> None:
    from epub.readback import seconds

    built = books[lang]
    duration = soundfile.info(str(built.mp3)).duration
    (total,) = built.book.metadata("media:duration")
    assert abs(seconds(total) - duration) <= DURATION_TOLERANCE * duration
    for overlay in built.book.overlays:
        (own,) = built.book.metadata("media:duration", refines=f"#{overlay.item_id}")
        clipped = sum(par.end - par.begin for par in overlay.pars)
        assert abs(seconds(own) - clipped) <= 0.002, overlay.path
    assert len(built.book.overlays) == len(built.book.spine)


@pytest.mark.parametrize("lang", LANGS)
def test_the_narration_is_the_builds_mp3(books: dict[str, Built], lang: str) -> None:
    built = books[lang]
    audio = [item for item in built.book.manifest.values() if item["media-type"].startswith("audio/")]
    assert [item["media-type"] for item in audio] == ["audio/mpeg"]
    assert built.book.files[audio[0]["path"]] == built.mp3.read_bytes()


# --- the package ----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_the_package_has_complete_metadata(books: dict[str, Built], lang: str) -> None:
    book = books[lang].book
    page = BeautifulSoup(books[lang].page.read_text(encoding="utf-8"), "html.parser")
    assert book.dc("title") == [" ".join(page.find("h1").get_text().split())]
    assert book.dc("language") == [lang]
    assert book.dc("creator") == ["Laura Pineda"]
    assert book.dc("publisher") == ["DNA"]
    assert book.dc("date") == ["2026-07-25"]
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", book.dc("identifier")[0])
    assert book.metadata("dcterms:modified") == ["2026-07-25T00:00:00Z"]
    assert set(book.metadata("schema:accessMode")) >= {"textual", "auditory"}
    assert set(book.metadata("schema:accessModeSufficient")) >= {"textual", "auditory"}
    assert set(book.metadata("schema:accessibilityFeature")) >= {
        "synchronizedAudioText", "readingOrder", "structuralNavigation", "tableOfContents"}
    assert book.metadata("schema:accessibilityHazard") == ["none"]
    assert len(book.metadata("schema:accessibilitySummary")[0]) > 100


@pytest.mark.parametrize("lang", LANGS)
def test_the_active_class_is_styled_by_the_book(books: dict[str, Built], lang: str) -> None:
    book = books[lang].book
    (active,) = book.metadata("media:active-class")
    css = [item["path"] for item in book.manifest.values() if item["media-type"] == "text/css"]
    assert any(re.search(rf"\.{re.escape(active)}\s*\{{[^}}]*background", book.text(path)) for path in css)


@pytest.mark.parametrize("lang", LANGS)
def test_the_navigation_document_lists_every_heading(books: dict[str, Built], lang: str) -> None:
    book = books[lang].book
    (nav_path,) = [item["path"] for item in book.manifest.values() if "nav" in item.get("properties", "").split()]
    nav = _xhtml(book, nav_path)
    toc = nav.find("nav", attrs={"epub:type": "toc"})
    links = [(" ".join(a.get_text().split()), a["href"]) for a in toc.find_all("a")]
    article = BeautifulSoup(books[lang].page.read_text(encoding="utf-8"), "html.parser").find("article")
    headings = [" ".join(h.get_text().split()) for h in article.find_all(re.compile(r"^h[1-6]$"))
                if not h.find_parent(class_="a11y-listen")]  # the web player's heading is not the book's
    assert [text for text, _ in links] == headings
    for _, href in links:
        path, _, fragment = href.partition("#")
        assert _xhtml(book, f"EPUB/{path}").find(id=fragment) is not None, href


@pytest.mark.parametrize("lang", LANGS)
def test_one_content_document_per_top_level_section(books: dict[str, Built], lang: str) -> None:
    book = books[lang].book
    article = BeautifulSoup(books[lang].page.read_text(encoding="utf-8"), "html.parser").find("article")
    sections = article.find_all("h2", recursive=False)
    assert len(book.spine) == 1 + len(sections)
    for path, h2 in zip(book.spine[1:], sections, strict=True):
        first = _xhtml(book, path).find(re.compile(r"^h[1-6]$"))
        assert first.name == "h2" and first.get_text() == h2.get_text()


@pytest.mark.parametrize("lang", LANGS)
def test_the_zip_is_a_reproducible_epub_container(books: dict[str, Built], lang: str) -> None:
    book = books[lang].book
    first = book.infos[0]
    assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED and not first.extra
    assert book.files["mimetype"] == b"application/epub+zip"
    assert book.names[1:] == sorted(book.names[1:])
    assert {info.date_time for info in book.infos} == {(2026, 7, 25, 0, 0, 0)}


@pytest.mark.parametrize("lang", LANGS)
def test_the_epub_command_rebuilds_the_same_bytes(books: dict[str, Built], lang: str, tmp_path: Path) -> None:
    built = books[lang]
    assert main(["epub", str(built.page), "--lang", lang, "--out", str(tmp_path)]) == 0
    assert (tmp_path / built.epub.name).read_bytes() == built.epub.read_bytes()


def test_build_says_where_the_book_is(books: dict[str, Built]) -> None:
    built = books["es"]
    assert f"wrote {built.epub}: 2 part(s), {len(built.cues)} narrated element(s)" in built.printed


# --- what the page brings, and what it does not ---------------------------------------------


def _book_soup(book: ReadBook) -> list[BeautifulSoup]:
    return [_xhtml(book, path) for path in book.spine]


@pytest.mark.parametrize("lang", LANGS)
def test_lang_marks_abbreviations_and_the_notice_carry_over(books: dict[str, Built], lang: str) -> None:
    built = books[lang]
    page = BeautifulSoup(built.page.read_text(encoding="utf-8"), "html.parser")
    article = page.find("article")
    docs = _book_soup(built.book)
    marked = [(e.get("id"), e["lang"], e.get_text()) for e in article.find_all(attrs={"lang": True})]
    in_book = [(e.get("id"), e["lang"], e.get_text()) for d in docs for e in d.body.find_all(attrs={"lang": True})]
    assert marked and marked == in_book
    assert all(e.get("xml:lang") == e["lang"] for d in docs for e in d.find_all(attrs={"lang": True}))
    assert all(d.html["lang"] == d.html["xml:lang"] == lang for d in docs)
    abbrs = [(a.get_text(), a["title"]) for a in article.find_all("abbr")]
    assert abbrs and abbrs == [(a.get_text(), a["title"]) for d in docs for a in d.find_all("abbr")]
    notice = docs[0].find(class_="a11y-notice")
    message = " ".join(page.find(class_="a11y-notice").find("div").get_text().split())
    assert notice is not None and " ".join(notice.get_text().split()) == message


@pytest.mark.parametrize("lang", LANGS)
def test_no_script_player_or_site_navigation_goes_into_the_book(books: dict[str, Built], lang: str) -> None:
    built = books[lang]
    page = BeautifulSoup(built.page.read_text(encoding="utf-8"), "html.parser")
    outside = [
        e["id"]
        for e in page.find_all(class_="a11y-s")
        if not e.find_parent("article") and not e.find_parent(class_="a11y-notice")
    ]
    assert outside  # the page has menu and footer sentences …
    for doc in _book_soup(built.book):
        assert not doc.find_all(["script", "audio", "video", "iframe", "form", "style"])
        assert not doc.find(class_="a11y-listen")
        assert not any(doc.find(id=i) for i in outside)  # … that the book leaves out
        for a in doc.find_all("a", href=True):  # links that work: the web, or inside the book
            assert re.match(r"^(https?:|mailto:|#|part-\d+\.xhtml#)", a["href"]), a["href"]


def test_an_image_beside_the_page_is_embedded_with_its_alt_text(books: dict[str, Built]) -> None:
    built = books["es"]
    page_img = BeautifulSoup(built.page.read_text(encoding="utf-8"), "html.parser").find("article").find("img")
    images = [item for item in built.book.manifest.values() if item["media-type"].startswith("image/")]
    assert [item["media-type"] for item in images] == ["image/jpeg"]
    assert built.book.files[images[0]["path"]] == IMAGE.read_bytes()
    (img,) = [i for d in _book_soup(built.book) for i in d.find_all("img")]
    assert img["alt"] == page_img["alt"] and img["id"] == page_img["id"]
    assert "visual" in built.book.metadata("schema:accessMode")
    assert "alternativeText" in built.book.metadata("schema:accessibilityFeature")


def test_a_missing_image_is_given_as_its_description(books: dict[str, Built]) -> None:
    built = books["en"]
    page_img = BeautifulSoup(built.page.read_text(encoding="utf-8"), "html.parser").find("article").find("img")
    assert not [item for item in built.book.manifest.values() if item["media-type"].startswith("image/")]
    docs = _book_soup(built.book)
    assert not [i for d in docs for i in d.find_all("img")]
    (shown,) = [e for d in docs for e in d.find_all(id=page_img["id"])]
    assert " ".join(page_img["alt"].split()) in shown.get_text()
    assert "visual" not in built.book.metadata("schema:accessMode")
    assert "images/cecot.jpg" in built.printed


@pytest.mark.parametrize("lang", LANGS)
def test_the_glossarys_pronunciations_of_words_in_the_book_come_as_a_pls_lexicon(
    books: dict[str, Built], lang: str
) -> None:
    book = books[lang].book
    (item,) = [i for i in book.manifest.values() if i["media-type"] == "application/pls+xml"]
    pls = ET.fromstring(book.files[item["path"]])
    assert pls.get("{http://www.w3.org/XML/1998/namespace}lang") == lang
    ns = {"p": "http://www.w3.org/2005/01/pronunciation-lexicon"}
    lexemes = {x.findtext("p:grapheme", namespaces=ns): x.findtext("p:alias", namespaces=ns)
               for x in pls.iterfind("p:lexeme", ns)}
    text = " ".join(d.body.get_text() for d in _book_soup(book))
    with (ROOT / "glossary" / "terms.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    said = {
        form: row[f"say_{lang}"]
        for row in rows
        if row[f"say_{lang}"] and "[[" not in row[f"say_{lang}"]
        for form in row["en"].split("|") + row["es"].split("|")
        if form and re.search(rf"\b{re.escape(form)}\b", text)
    }
    assert said and lexemes == {form: respelling.lower() for form, respelling in said.items()}
    for doc in _book_soup(book):
        link = doc.find("link", rel="pronunciation")
        assert link["type"] == "application/pls+xml" and link["hreflang"] == lang
        assert link["href"].endswith(item["href"])
    assert "ttsMarkup" in book.metadata("schema:accessibilityFeature")


# --- errors ---------------------------------------------------------------------------------


def test_epub_without_audio_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["build", str(EXAMPLES / "cecot.html"), "--to", "es", "--no-audio", "--epub", "--out", str(tmp_path)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "A11Y806" in err
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("missing", "code"), [("cecot.es.syncmap.json", "A11Y801"), ("cecot.es.mp3", "A11Y801")]
)
def test_a_page_without_its_narration_cannot_become_a_book(
    books: dict[str, Built], tmp_path: Path, capsys: pytest.CaptureFixture[str], missing: str, code: str
) -> None:
    for name in ("cecot.es.html", "cecot.es.syncmap.json", "cecot.es.mp3"):
        if name != missing:
            shutil.copy(books["es"].out / name, tmp_path / name)
    assert main(["epub", str(tmp_path / "cecot.es.html")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and code in err and missing in err
    assert not list(tmp_path.glob("*.epub"))


def test_a_sync_map_that_misses_sentences_of_the_page_is_refused(
    books: dict[str, Built], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    built = books["es"]
    shutil.copy(built.page, tmp_path / "cecot.es.html")
    shutil.copy(built.mp3, tmp_path / "cecot.es.mp3")
    stale = [{"id": c.id, "start": c.start, "end": c.end, "text": c.text} for c in built.cues[:-3]]
    (tmp_path / "cecot.es.syncmap.json").write_text(json.dumps(stale), encoding="utf-8")
    assert main(["epub", str(tmp_path / "cecot.es.html")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "A11Y804" in err and built.cues[-1].id in err
    assert not list(tmp_path.glob("*.epub"))


def test_a_sentence_with_nothing_to_say_needs_no_audio_in_the_book(books: dict[str, Built], tmp_path: Path) -> None:
    """A sentence of punctuation alone (real pages have lone commas between <br>) is not
    narrated, so the book takes the page without audio for it."""
    built = books["es"]
    soup = BeautifulSoup(built.page.read_text(encoding="utf-8"), "html.parser")
    sentence = soup.find("span", class_="a11y-s", id=built.cues[-1].id)
    silent = soup.new_tag("span", attrs={"class": "a11y-s", "id": "a11y-silent-1"})
    silent.string = "…"
    sentence.insert_after(silent)
    (tmp_path / "cecot.es.html").write_text(str(soup), encoding="utf-8")
    for name in ("cecot.es.syncmap.json", "cecot.es.mp3"):
        shutil.copy(built.out / name, tmp_path / name)
    assert main(["epub", str(tmp_path / "cecot.es.html")]) == 0
    book = read_book(tmp_path / "cecot.es.epub")
    assert any(b'id="a11y-silent-1"' in book.files[name] for name in book.spine)
    spoken = [par.fragment for overlay in book.overlays for par in overlay.pars]
    assert "a11y-silent-1" not in spoken and built.cues[-1].id in spoken


def test_a_book_that_cannot_be_written_leaves_the_folder_as_it_was(books: dict[str, Built], tmp_path: Path) -> None:
    built = books["es"]
    folder = tmp_path / "book"
    folder.mkdir()
    for path in (built.page, built.mp3, built.out / "cecot.es.syncmap.json"):
        shutil.copy(path, folder / path.name)
    (folder / built.epub.name).write_bytes(b"the previous book")
    before = sorted(p.name for p in folder.iterdir())
    with read_only(folder):
        result = a11ykit("epub", folder / "cecot.es.html")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "A11Y805" in result.stderr and built.epub.name in result.stderr
    assert sorted(p.name for p in folder.iterdir()) == before
    assert (folder / built.epub.name).read_bytes() == b"the previous book"


# --- the parts, on small pages (no audio needed) ---------------------------------------------


def _page(article: str) -> BeautifulSoup:
    return BeautifulSoup(f'<html lang="en"><body><article>{article}</article></body></html>', "html.parser")


def _cues(*ids: str) -> list[Cue]:
    return [Cue(i, n * 2.0, n * 2.0 + 1.5, i) for n, i in enumerate(ids)]


def test_an_article_without_sections_is_one_part() -> None:
    soup = _page('<h1><span class="a11y-s" id="s1">Title.</span></h1><p><span class="a11y-s" id="s2">One.</span></p>')
    content = extract(soup, _cues("s1", "s2"), lang="en")
    assert [part.spoken for part in content.parts] == [["s1", "s2"]]


def test_links_point_inside_the_book_or_to_the_web_or_become_text() -> None:
    soup = _page(
        '<p><span class="a11y-s" id="s1"><a href="#s3">Below</a>, <a href="/site/">site</a>, '
        '<a href="https://example.org/">web</a>.</span></p>'
        '<h2><span class="a11y-s" id="s2">Part.</span></h2><p><span class="a11y-s" id="s3">There.</span></p>'
    )
    content = extract(soup, _cues("s1", "s2", "s3"), lang="en")
    first = content.parts[0].body[0]
    links = {"".join(a.itertext()): a.get("href") for a in first.iter("a")}
    assert links == {"Below": "part-2.xhtml#s3", "web": "https://example.org/"}
    assert [e.text for e in first.iter("span") if not e.get("id")] == ["site"]


def test_a_remote_image_is_given_as_its_description_and_a_decorative_one_is_left_out() -> None:
    soup = _page('<p><span class="a11y-s" id="s1">One.</span></p>'
                 '<img id="i1" src="https://example.org/photo.jpg" alt="A photo of the prison.">'
                 '<img src="https://example.org/rule.png" alt="">')
    cues = [Cue("s1", 0.0, 1.0, "One."), Cue("i1", 1.5, 3.0, "Image: A photo of the prison.")]
    content = extract(soup, cues, lang="en", find_image=lambda src: IMAGE.read_bytes())
    section = content.parts[0].body[0]
    assert not list(section.iter("img")) and not content.images
    shown = [e.text for e in section.iter("span") if e.get("id") == "i1"]
    assert shown == ["Image: A photo of the prison."]  # what the narration says for it
    assert content.replaced_images == ["https://example.org/photo.jpg", "https://example.org/rule.png"]


def test_clips_run_end_to_end_across_the_pauses() -> None:
    cues = [Cue("a", 0.2, 1.0, "A."), Cue("b", 1.35, 2.0, "B."), Cue("c", 2.8, 3.5, "C.")]
    clips = contiguous_clips(cues, duration_ms=4000)
    assert [(c.id, c.begin, c.end) for c in clips] == [("a", 0, 1350), ("b", 1350, 2800), ("c", 2800, 4000)]
