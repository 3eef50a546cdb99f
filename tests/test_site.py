"""Site builds: many articles in one ``a11ykit build``, a manifest to resume, a translation memory."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from a11ykit.cli import main
from a11ykit.layout import SPEECH_CACHE as SPEECH_CACHE_NAME
from a11ykit.memory import TranslationMemory
from a11ykit.site import (
    MANIFEST,
    MEMORY,
    SPEECH_CACHE,
    STATE_DIR,
    Options,
    _file_hash,
    build_site,
    collect_inputs,
    plan_speech,
)
from a11ykit.speech.cache import ChunkCache
from a11ykit.speech.remote import speech_setup
from a11ykit.translate.engines.apertium import ApertiumEngine

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "tests" / "corpus" / "pages"
#: Small real English pages of the corpus.
REAL = ["aptitude-doc-ch01.html", "html-text-books-to-scrape.html", "html-text-iana-reserved-domains.html"]
COPIES = 30
BOILERPLATE = "Subscribe to our newsletter for the week's best reporting."


def news(title: str, body: str) -> bytes:
    return (
        f"<!DOCTYPE html><html lang='en'><head><title>{title}</title></head><body><h1>{title}</h1>"
        f"<p>{body}</p><footer><p>{BOILERPLATE}</p></footer></body></html>"
    ).encode()


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A folder of real pages, one of them in a subfolder."""
    root = tmp_path / "site"
    (root / "guides").mkdir(parents=True)
    shutil.copy(PAGES / REAL[0], root / "guides" / REAL[0])
    for name in REAL[1:]:
        shutil.copy(PAGES / name, root / name)
    return root


def build_cli(capsys, tmp_path: Path, *inputs, extra=()) -> tuple[int, str, str]:
    argv = ["build", *map(str, inputs), "--to", "es", "--engine", "apertium", "--no-audio",
            "--out", str(tmp_path / "out"), "--locales", str(tmp_path / "locales"), *map(str, extra)]
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def statuses(out: str) -> dict[str, str]:
    """Article name → status, from the one line each article gets."""
    lines = [line.split(maxsplit=2) for line in out.splitlines() if line.startswith(("built ", "unchanged "))]
    return {Path(name).name: status for status, name, *_ in lines}


def test_a_folder_builds_every_page_with_the_outputs_mirroring_its_tree(capsys, tmp_path, site):
    code, out, _ = build_cli(capsys, tmp_path, site, extra=["--jobs", "1"])
    assert code == 0
    assert (tmp_path / "out" / "guides" / "aptitude-doc-ch01.es.html").is_file()
    for name in REAL[1:]:
        stem = name.removesuffix(".html")
        assert (tmp_path / "out" / f"{stem}.es.html").is_file()
        assert (tmp_path / "out" / f"{stem}.es.report.json").is_file()
    assert set(statuses(out).values()) == {"built"} and len(statuses(out)) == 3


def test_each_article_is_what_a_single_build_writes(capsys, tmp_path, site):
    build_cli(capsys, tmp_path, site, extra=["--jobs", "1"])
    single = tmp_path / "single"
    assert main(["build", str(site / REAL[1]), "--to", "es", "--engine", "apertium", "--no-audio",
                 "--out", str(single), "--locales", str(tmp_path / "single-locales")]) == 0
    stem = REAL[1].removesuffix(".html")
    assert (single / f"{stem}.es.html").read_bytes() == (tmp_path / "out" / f"{stem}.es.html").read_bytes()


def test_a_broken_article_is_reported_on_one_line_and_the_others_are_written(capsys, tmp_path, site):
    (site / "broken.html").write_bytes(b"\x00\x01\x02 not a page")
    code, out, err = build_cli(capsys, tmp_path, site, extra=["--jobs", "1"])
    assert code == 1
    failed = [line for line in err.splitlines() if line.startswith("failed")]
    assert len(failed) == 1 and "broken.html" in failed[0] and "[A11Y103]" in failed[0]
    assert len(statuses(out)) == 3
    header, values = out.splitlines()[-3:-1]
    assert header.split()[:4] == ["articles", "built", "unchanged", "failed"]
    assert values.split()[:4] == ["4", "3", "0", "1"]


def test_an_empty_folder_is_refused_on_one_line(capsys, tmp_path):
    (tmp_path / "empty").mkdir()
    code, _out, err = build_cli(capsys, tmp_path, tmp_path / "empty")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "no *.html files" in err
    assert not (tmp_path / "out").exists()


def test_a_list_file_names_the_inputs(capsys, tmp_path, site):
    listing = tmp_path / "pages.txt"
    listing.write_text(f"# the pages to build\n{site / REAL[1]}\n\n{site / 'guides' / REAL[0]}\n", encoding="utf-8")
    code, out, _ = build_cli(capsys, tmp_path, f"@{listing}", extra=["--jobs", "1"])
    assert code == 0
    assert set(statuses(out)) == {REAL[1], REAL[0]}
    assert (tmp_path / "out" / "guides" / "aptitude-doc-ch01.es.html").is_file()


def test_a_second_run_skips_every_unchanged_article(capsys, tmp_path, site):
    build_cli(capsys, tmp_path, site, extra=["--jobs", "1"])
    code, out, _ = build_cli(capsys, tmp_path, site, extra=["--jobs", "1"])
    assert code == 0
    assert set(statuses(out).values()) == {"unchanged"} and len(statuses(out)) == 3


def _edit_input(tmp_path: Path, site: Path) -> set[str]:
    page = site / REAL[1]
    page.write_bytes(page.read_bytes().replace(b"</body>", b"<p>A new closing line.</p></body>"))
    return {REAL[1]}


def _edit_input_keeping_its_size(tmp_path: Path, site: Path) -> set[str]:
    page = site / REAL[1]
    data = page.read_bytes()
    at = data.index(b"Light")  # its title: "A Light in the Attic"
    page.write_bytes(data[:at] + b"l" + data[at + 1 :])
    return {REAL[1]}


def _approve_in_catalog(tmp_path: Path, site: Path) -> set[str]:
    po = tmp_path / "locales" / "es" / "LC_MESSAGES" / f"{REAL[2].removesuffix('.html')}.po"
    with po.open("rb") as f:
        catalog = read_po(f)
    message = next(m for m in catalog if m.id and m.context)
    message.flags.discard("fuzzy")
    message.string = "Traducción aprobada."
    with po.open("wb") as f:
        write_po(f, catalog)
    return {REAL[2]}


def _edit_glossary(tmp_path: Path, site: Path) -> set[str]:
    (tmp_path / "terms.csv").write_text("kind,en,es\nkeep,Debian,\nkeep,aptitude,\n", encoding="utf-8")
    return set(REAL)


def backdate(path: Path, seconds: int = 3600) -> None:
    """The file as if written ``seconds`` ago (a site's pages are older than its build)."""
    then = time.time_ns() - seconds * 1_000_000_000
    os.utime(path, ns=(then, then))


@pytest.mark.parametrize(
    "change", [_edit_input, _edit_input_keeping_its_size, _approve_in_catalog, _edit_glossary],
    ids=lambda f: f.__name__[1:],
)
def test_a_rerun_rebuilds_exactly_the_articles_whose_inputs_changed(capsys, tmp_path, site, change):
    for page in site.rglob("*.html"):
        backdate(page)  # their sizes and times are trusted: an edit changes the time
    glossary = tmp_path / "terms.csv"
    glossary.write_text("kind,en,es\nkeep,Debian,\n", encoding="utf-8")
    build_cli(capsys, tmp_path, site, extra=["--jobs", "1", "--glossary", glossary])
    changed = change(tmp_path, site)
    code, out, _ = build_cli(capsys, tmp_path, site, extra=["--jobs", "1", "--glossary", glossary])
    assert code == 0
    assert {name for name, status in statuses(out).items() if status == "built"} == changed


def test_a_file_hash_is_remembered_with_the_files_size_time_and_inode(tmp_path):
    """A file whose size, modification time and inode are those recorded is not read again."""
    page = tmp_path / "page.html"
    page.write_bytes(b"<p>one</p>")
    backdate(page)
    known: dict = {}
    first = _file_hash(page, known)
    stat = page.stat()
    page.write_bytes(b"<p>two</p>")  # the same size, in place; its time put back
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert _file_hash(page, known) == first
    assert _file_hash(page) != first


def _resize(page: Path) -> None:
    stat = page.stat()
    page.write_bytes(b"<p>three</p>")
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def _touch(page: Path) -> None:
    page.write_bytes(b"<p>two</p>")


def _replace(page: Path) -> None:
    stat = page.stat()
    other = page.with_name("other.html")
    other.write_bytes(b"<p>two</p>")
    os.utime(other, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    os.replace(other, page)


@pytest.mark.parametrize("change", [_resize, _touch, _replace], ids=["size", "time", "inode"])
def test_a_file_whose_size_time_or_inode_changed_is_read_again(tmp_path, change):
    page = tmp_path / "page.html"
    page.write_bytes(b"<p>one</p>")
    backdate(page)
    known: dict = {}
    _file_hash(page, known)
    change(page)
    assert _file_hash(page, known) == _file_hash(page)


def test_a_file_modified_just_before_it_was_hashed_is_read_again(tmp_path):
    """A second change in the same timestamp step would keep its size and time (git's racy files)."""
    page = tmp_path / "page.html"
    page.write_bytes(b"<p>one</p>")
    known: dict = {}
    _file_hash(page, known)
    stat = page.stat()
    page.write_bytes(b"<p>two</p>")
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert _file_hash(page, known) == _file_hash(page)


def test_the_manifest_keeps_the_hashes_of_the_files_of_this_run(capsys, tmp_path, site):
    for page in site.rglob("*.html"):
        backdate(page)
    build_cli(capsys, tmp_path, site, extra=["--jobs", "1"])
    (site / REAL[2]).unlink()
    build_cli(capsys, tmp_path, site, extra=["--jobs", "1"])
    files = json.loads((tmp_path / "out" / STATE_DIR / MANIFEST).read_text(encoding="utf-8"))["files"]
    pages = {Path(name).name for name in files if name.endswith(".html")}
    catalogs = {Path(name).name for name in files if name.endswith(".po")}
    assert pages == {REAL[0], REAL[1]}
    assert catalogs == {f"{name.removesuffix('.html')}.po" for name in (REAL[0], REAL[1])}


def test_an_interrupted_run_resumes_without_redoing_finished_articles(tmp_path):
    """SIGKILL mid-run; the next run skips what the manifest records as finished, builds the rest."""
    site = tmp_path / "site"
    site.mkdir()
    real = (PAGES / "maint-guide-checkit.html").read_bytes()
    for i in range(COPIES):
        (site / f"story-{i:02}.html").write_bytes(real.replace(b"</body>", f"<p>Copy {i}.</p></body>".encode()))
    argv = [sys.executable, "-m", "a11ykit", "build", str(site), "--to", "es", "--engine", "apertium",
            "--no-audio", "--jobs", "1", "--out", str(tmp_path / "out"), "--locales", str(tmp_path / "locales")]
    manifest = tmp_path / "out" / STATE_DIR / MANIFEST
    run = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    finished: set[str] = set()
    while time.monotonic() < deadline and run.poll() is None:
        try:
            finished = set(json.loads(manifest.read_text(encoding="utf-8"))["articles"])
        except (OSError, ValueError):
            finished = set()
        if len(finished) >= 2:
            run.send_signal(signal.SIGKILL)
            break
        time.sleep(0.02)
    run.communicate()
    assert run.returncode == -signal.SIGKILL, "the run ended before it could be interrupted"
    finished = set(json.loads(manifest.read_text(encoding="utf-8"))["articles"])
    assert 2 <= len(finished) < COPIES
    rerun = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    assert rerun.returncode == 0, rerun.stderr
    done = statuses(rerun.stdout)
    assert {name for name, status in done.items() if status == "unchanged"} == {Path(n).name for n in finished}
    assert {name for name, status in done.items() if status == "built"} == {
        f"story-{i:02}.html" for i in range(COPIES)} - {Path(n).name for n in finished}
    assert len(list((tmp_path / "out").glob("*.es.html"))) == COPIES
    assert not list((tmp_path / "out").glob(".*.tmp"))


def test_two_jobs_write_the_same_pages_as_one(capsys, tmp_path, site):
    build_cli(capsys, tmp_path / "one", site, extra=["--jobs", "1"])
    build_cli(capsys, tmp_path / "two", site, extra=["--jobs", "2"])
    one = sorted((tmp_path / "one" / "out").rglob("*.es.html"))
    two = sorted((tmp_path / "two" / "out").rglob("*.es.html"))
    assert [p.relative_to(tmp_path / "one") for p in one] == [p.relative_to(tmp_path / "two") for p in two]
    assert [p.read_bytes() for p in one] == [p.read_bytes() for p in two]


def transfuse_states() -> set[str]:
    """Every folder a call to Apertium keeps Transfuse's state in, where calls put them."""
    import glob
    import tempfile

    return {*glob.glob("/dev/shm/a11ykit-transfuse-*"), *glob.glob(f"{tempfile.gettempdir()}/a11ykit-transfuse-*")}


def test_a_build_on_a_pool_leaves_no_apertium_state_behind(capsys, tmp_path, site):
    memory = str(tmp_path / "memory.sqlite")
    build_cli(capsys, tmp_path / "cold", site, extra=["--jobs", "2", "--tm", memory])
    before = transfuse_states()
    # from the memory: each article's build starts its round trip's processes ahead, and needs none of them
    build_cli(capsys, tmp_path / "again", site, extra=["--jobs", "2", "--tm", memory])
    assert transfuse_states() <= before


# --- the translation memory in builds -----------------------------------------------------


class CountingApertium(ApertiumEngine):
    """The real Apertium engine, counting what it is sent to translate into Spanish (the
    quality estimate's round trip back into English is not the translation)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []

    def translate(self, texts, source, target):
        if (source, target) == ("en", "es"):
            self.sent.extend(texts)
        return super().translate(texts, source, target)


@pytest.fixture
def newsroom(tmp_path: Path) -> Path:
    root = tmp_path / "news"
    root.mkdir()
    (root / "prison.html").write_bytes(news("The prison", "The prison holds forty thousand men."))
    (root / "election.html").write_bytes(news("The election", "The vote was counted twice."))
    return root


def test_a_sentence_repeated_across_articles_is_sent_to_the_engine_once(tmp_path, newsroom):
    engine = CountingApertium()
    result = build_site([newsroom], Options(to="es", audio=False, locales=tmp_path / "locales"),
                        out=tmp_path / "out", engine=engine)
    assert result.count("built") == 2
    assert sum("newsletter" in text for text in engine.sent) == 1
    footers = set()
    for page in ("prison", "election"):
        report = json.loads((tmp_path / "out" / f"{page}.es.report.json").read_text(encoding="utf-8"))
        footers |= {s["text"] for s in report["segments"] if s["source"] == BOILERPLATE}
    (footer,) = footers
    assert footer != BOILERPLATE and "nuestro" in footer


def test_a_warm_build_asks_the_engine_nothing_and_the_report_says_the_memory_served_it(tmp_path, newsroom):
    options = Options(to="es", audio=False, locales=tmp_path / "locales")
    build_site([newsroom], options, out=tmp_path / "cold", memory=tmp_path / "tm.sqlite", engine=CountingApertium())
    engine = CountingApertium()
    result = build_site([newsroom], options, out=tmp_path / "warm", memory=tmp_path / "tm.sqlite", engine=engine)
    assert engine.sent == [] and result.translated == 0 and result.memory_hit_rate == 1.0
    report = json.loads((tmp_path / "warm" / "prison.es.report.json").read_text(encoding="utf-8"))
    unique = len({segment["source"] for segment in report["segments"]})
    assert report["memory"]["from_memory"] == unique and report["memory"]["from_engine"] == 0
    for page in ("prison", "election"):
        warm, cold = (tmp_path / run / f"{page}.es.html" for run in ("warm", "cold"))
        assert warm.read_bytes() == cold.read_bytes()


def test_a_rebuild_of_one_edited_article_sends_only_its_new_sentence_and_counts_it(tmp_path, newsroom):
    options = Options(to="es", audio=False, locales=tmp_path / "locales")
    build_site([newsroom], options, out=tmp_path / "out", engine=CountingApertium())
    page = newsroom / "prison.html"
    page.write_bytes(page.read_bytes().replace(b"</p><footer>", b" The guards were new.</p><footer>"))
    engine = CountingApertium()
    result = build_site([newsroom], options, out=tmp_path / "out", engine=engine)
    assert [o.status for o in result.outcomes] == ["unchanged", "built"]  # election, prison
    assert engine.sent == ["The guards were new."]
    assert (result.sentences, result.translated) == (4, 1)  # title, two body sentences, footer


def test_a_rerun_over_unchanged_articles_does_not_work_their_outputs_out_again(tmp_path, newsroom, monkeypatch):
    """The manifest says which catalog each article's build used: a big site's rerun reads no
    article's report or catalog to find it."""
    from a11ykit import site as site_module

    options = Options(to="es", audio=False, locales=tmp_path / "locales")
    build_site([newsroom], options, out=tmp_path / "out", jobs=1)
    asked = []
    real = site_module.outputs_for
    monkeypatch.setattr(site_module, "outputs_for", lambda *args: asked.append(args) or real(*args))
    result = build_site([newsroom], options, out=tmp_path / "out", jobs=1)
    assert result.count("unchanged") == 2 and asked == []


def test_the_memory_lives_in_the_output_folder_unless_given(tmp_path, newsroom):
    build_site([newsroom], Options(to="es", audio=False, locales=tmp_path / "locales"), out=tmp_path / "out", jobs=1)
    with TranslationMemory.open(tmp_path / "out" / STATE_DIR / MEMORY) as memory:
        assert memory.stats().pairs["en-es"]["machine"] > 0


def test_an_approved_translation_from_one_catalog_wins_in_every_article(tmp_path, newsroom):
    options = Options(to="es", audio=False, locales=tmp_path / "locales", engine="apertium")
    build_site([newsroom], options, out=tmp_path / "out", jobs=1)
    po = tmp_path / "locales" / "es" / "LC_MESSAGES" / "prison.po"
    with po.open("rb") as f:
        catalog = read_po(f)
    message = next(m for m in catalog if m.id == BOILERPLATE)
    message.flags.discard("fuzzy")
    message.string = "Suscríbase a nuestro boletín semanal."
    with po.open("wb") as f:
        write_po(f, catalog)
    build_site([newsroom], options, out=tmp_path / "out", jobs=1)  # the prison's catalog goes into the memory
    (newsroom / "election.html").write_bytes(news("The election", "The vote was counted three times."))
    build_site([newsroom], options, out=tmp_path / "out", jobs=1)
    html = (tmp_path / "out" / "election.es.html").read_text(encoding="utf-8")
    assert "Suscríbase a nuestro boletín semanal." in html
    report = json.loads((tmp_path / "out" / "election.es.report.json").read_text(encoding="utf-8"))
    assert report["memory"]["approved_from_memory"] == 1
    with TranslationMemory.open(tmp_path / "out" / STATE_DIR / MEMORY) as memory:
        (entry,) = list(memory.approved_entries())
    assert entry.approved.catalog == str(po)


def test_a_single_page_uses_a_memory_only_when_given_one(capsys, tmp_path, newsroom):
    code, out, _ = build_cli(capsys, tmp_path, newsroom / "prison.html")
    report = json.loads((tmp_path / "out" / "prison.es.report.json").read_text(encoding="utf-8"))
    assert code == 0 and "memory" not in report and not (tmp_path / "out" / STATE_DIR).exists()
    assert "translation memory" not in out
    code, out, _ = build_cli(capsys, tmp_path, newsroom / "prison.html", extra=["--tm", tmp_path / "tm.sqlite"])
    report = json.loads((tmp_path / "out" / "prison.es.report.json").read_text(encoding="utf-8"))
    unique = len({s["source"] for s in report["segments"]})
    assert code == 0 and report["memory"]["from_engine"] == unique
    assert f"0 sentence(s) from memory, {unique} translated" in out


def test_progress_covers_the_sentences_then_the_articles(tmp_path, newsroom):
    seen: list[tuple[str, int, int]] = []
    result = build_site([newsroom], Options(to="es", audio=False, locales=tmp_path / "locales"), out=tmp_path / "out",
                        jobs=1, progress=lambda stage, done, total: seen.append((stage, done, total)))
    stages = [stage for stage, _, _ in seen]
    assert stages.index("articles") > stages.index("sentences")
    assert seen[-1] == ("articles", 2, 2)
    assert [s for s in seen if s[0] == "sentences"][-1][1:] == (result.translated, result.translated)
    assert result.translated > 0


def test_inputs_under_the_output_folder_are_not_inputs(tmp_path, newsroom):
    (newsroom / "out").mkdir()
    (newsroom / "out" / "prison.es.html").write_bytes(news("Old", "An output of an earlier build."))
    names = [item.path.name for item in collect_inputs([newsroom], newsroom / "out")]
    assert sorted(names) == ["election.html", "prison.html"]



# --- overrides and UI catalogs in site builds -----------------------------------------------------


def _overrides(path: Path, form: str) -> Path:
    path.write_text(f"term,lang,form,status,who,when,why\nprison,es,{form},approved,Luis,2026-03-02,house style\n",
                    encoding="utf-8")
    return path


def test_a_site_build_takes_overrides_from_the_given_file(capsys, tmp_path, newsroom):
    glossary = tmp_path / "terms.csv"
    glossary.write_text("kind,en,es\nmap,prison,prisión\n", encoding="utf-8")
    overrides = _overrides(tmp_path / "desk-overrides.csv", "cárcel")
    code, _, err = build_cli(capsys, tmp_path, newsroom, extra=["--jobs", "1", "--glossary", glossary,
                                                               "--overrides", overrides])
    assert code == 0, err
    html = (tmp_path / "out" / "prison.es.html").read_text(encoding="utf-8")
    assert "cárcel" in html and "prisión" not in html


def _ui_catalog(folder: Path, skip_link: str) -> Path:
    """A UI catalog folder: a11ykit's own Spanish catalog with another "Skip to content"."""
    po = folder / "es" / "LC_MESSAGES" / "a11ykit.po"
    po.parent.mkdir(parents=True, exist_ok=True)
    own = (ROOT / "src" / "a11ykit" / "locales" / "es" / "LC_MESSAGES" / "a11ykit.po").read_text(encoding="utf-8")
    po.write_text(own.replace('msgstr "Saltar al contenido"', f'msgstr "{skip_link}"'), encoding="utf-8")
    return folder


def _change_overrides(tmp_path: Path) -> None:
    _overrides(tmp_path / "desk-overrides.csv", "penal")


def _change_ui_catalog(tmp_path: Path) -> None:
    _ui_catalog(tmp_path / "ui", "Ir al artículo")


@pytest.mark.parametrize("change", [None, _change_overrides, _change_ui_catalog],
                         ids=lambda f: f.__name__[1:] if f else "nothing_changed")
def test_a_changed_overrides_file_or_ui_catalog_rebuilds_every_article_and_nothing_else_does(
    capsys, tmp_path, newsroom, change
):
    glossary = tmp_path / "terms.csv"
    glossary.write_text("kind,en,es\nmap,prison,prisión\n", encoding="utf-8")
    _overrides(tmp_path / "desk-overrides.csv", "cárcel")
    _ui_catalog(tmp_path / "ui", "Saltar al artículo")
    extra = ["--jobs", "1", "--glossary", glossary, "--overrides", tmp_path / "desk-overrides.csv",
             "--ui-locales", tmp_path / "ui"]
    build_cli(capsys, tmp_path, newsroom, extra=extra)
    if change is not None:
        change(tmp_path)
    code, out, _ = build_cli(capsys, tmp_path, newsroom, extra=extra)
    assert code == 0
    assert set(statuses(out).values()) == ({"built"} if change else {"unchanged"})
    assert set(statuses(out)) == {"prison.html", "election.html"}


def test_a_rebuild_after_a_ui_catalog_changed_shows_its_strings(capsys, tmp_path, newsroom):
    extra = ["--jobs", "1", "--ui-locales", _ui_catalog(tmp_path / "ui", "Saltar al artículo")]
    build_cli(capsys, tmp_path, newsroom, extra=extra)
    _change_ui_catalog(tmp_path)
    build_cli(capsys, tmp_path, newsroom, extra=extra)
    html = (tmp_path / "out" / "election.es.html").read_text(encoding="utf-8")
    assert "Ir al artículo" in html and "Saltar al artículo" not in html


# --- one speech cache for the whole site -------------------------------------------------------


def test_a_sentence_spoken_in_two_articles_is_synthesized_once_into_the_sites_speech_cache(tmp_path, newsroom):
    result = build_site([newsroom], Options(to="es", engine="apertium", locales=tmp_path / "locales"),
                        out=tmp_path / "out", jobs=1)
    assert result.count("built") == 2
    assert (tmp_path / "out" / SPEECH_CACHE).is_dir() and not (tmp_path / "out" / SPEECH_CACHE_NAME).exists()
    reports = [json.loads((tmp_path / "out" / f"{page}.es.report.json").read_text(encoding="utf-8"))
               for page in ("election", "prison")]  # built in this order (the folder's)
    footers = [next(s["id"] for s in report["segments"] if s["source"] == BOILERPLATE) for report in reports]
    first, second = (report["audio"] for report in reports)
    assert footers[0] in first["synthesized"] and footers[0] not in first["cached"]
    assert footers[1] in second["cached"] and footers[1] not in second["synthesized"]
    assert result.cached == len(second["cached"]) + len(first["cached"]) > 0
    assert result.synthesized == len(first["synthesized"]) + len(second["synthesized"])


def test_a_rebuilt_article_takes_all_its_audio_from_the_sites_speech_cache(tmp_path, newsroom):
    options = Options(to="es", engine="apertium", locales=tmp_path / "locales")
    build_site([newsroom], options, out=tmp_path / "out", jobs=2)
    (newsroom / "prison.html").write_bytes((newsroom / "prison.html").read_bytes() + b"\n")  # new bytes, same words
    result = build_site([newsroom], options, out=tmp_path / "out", jobs=2)
    assert [o.status for o in result.outcomes] == ["unchanged", "built"]
    assert result.synthesized == 0 and result.cached > 0


def test_the_utterances_the_speak_pass_plans_are_those_the_narration_keeps_in_the_sites_cache(tmp_path, newsroom):
    """What a Dask build synthesizes on the workers is keyed as the narration looks it up."""
    options = Options(to="es", engine="apertium", locales=tmp_path / "locales")
    out = tmp_path / "out"
    build_site([newsroom], options, out=out, jobs=1)
    setup = speech_setup("es")
    cache = ChunkCache(out / SPEECH_CACHE)
    for item in collect_inputs([newsroom], out):
        texts = plan_speech(item, options, out / STATE_DIR / MEMORY, "apertium")
        report = json.loads((out / f"{item.path.stem}.es.report.json").read_text(encoding="utf-8"))
        assert len(texts) == report["audio"]["items"] > 0
        assert all(cache.get(setup.key(text), item.name) is not None for text in texts)
