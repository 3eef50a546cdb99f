"""The public Python API: the README's example runs as written, and the in-memory build is the
file build (same glossary overrides, same approved translations)."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
from pathlib import Path

import pytest

import a11ykit
from a11ykit.api import build_page
from a11ykit.cli import main
from a11ykit.layout import catalog_path
from a11ykit.review.catalog import read_catalog, write_catalog

ROOT = Path(__file__).resolve().parent.parent
APPROVED = "Estuvo detenido mientras se revisaba su caso."
OVERRIDE_FORM = "Ley de Enemigos Extranjeros de 1798"


def readme_example() -> str:
    """The Python block under the README's "Python API" heading."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Python API", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


def test_the_readme_example_runs_and_writes_the_page_report_and_catalog(tmp_path, examples_dir, monkeypatch, capsys):
    (tmp_path / "examples").mkdir()
    shutil.copy(examples_dir / "cecot.html", tmp_path / "examples" / "cecot.html")
    monkeypatch.chdir(tmp_path)
    exec(compile(readme_example(), "README.md", "exec"), {})
    violations, first_text = capsys.readouterr().out.split(" ", 1)
    report = json.loads((tmp_path / "out" / "cecot.es.report.json").read_text(encoding="utf-8"))
    assert int(violations) == report["summary"]["violations"]
    assert first_text.strip() == report["segments"][0]["text"]
    assert (tmp_path / "out" / "cecot.es.html").is_file()
    assert (tmp_path / "locales" / "es" / "LC_MESSAGES" / "cecot.po").is_file()
    assert not (tmp_path / "out" / "cecot.es.mp3").exists()


@pytest.fixture
def reviewed(tmp_path, examples_dir):
    """The example page built once, then a translator's approval and an approved glossary override."""
    shutil.copy(examples_dir / "cecot.html", tmp_path / "cecot.html")
    (tmp_path / "glossary").mkdir()
    shutil.copy(examples_dir.parent / "glossary" / "terms.csv", tmp_path / "glossary" / "terms.csv")
    article = a11ykit.build(tmp_path / "cecot.html", to="es", engine="apertium", out=tmp_path / "out",
                            locales=tmp_path / "locales", glossary=tmp_path / "glossary" / "terms.csv", audio=False)
    article.save()
    held = next(u for u in article.units if u.source.startswith("He was held while his case was reviewed."))
    po = catalog_path(tmp_path / "locales", "es", "cecot")
    with po.open("rb") as f:
        catalog = read_catalog(f)
    (message,) = [m for m in catalog if m.context == held.id]
    message.string = APPROVED
    message.flags.discard("fuzzy")
    with po.open("wb") as f:
        write_catalog(f, catalog)
    for action in (["propose", "Alien Enemies Act", "--lang", "es", "--form", OVERRIDE_FORM, "--who", "Ana"],
                   ["approve", "Alien Enemies Act", "--lang", "es", "--who", "Editor"]):
        assert main(["glossary", "override", *action, "--overrides", str(tmp_path / "glossary" / "overrides.csv"),
                     "--glossary", str(tmp_path / "glossary" / "terms.csv")]) == 0
    return tmp_path


def test_the_in_memory_build_applies_the_same_overrides_and_approved_translations_as_the_file_build(reviewed):
    from_file = a11ykit.build(reviewed / "cecot.html", to="es", engine="apertium", out=reviewed / "out",
                              locales=reviewed / "locales", glossary=reviewed / "glossary" / "terms.csv", audio=False)
    with catalog_path(reviewed / "locales", "es", "cecot").open("rb") as f:
        catalog = read_catalog(f)
    in_memory = build_page((reviewed / "cecot.html").read_bytes(), target="es", engine="apertium",
                           glossary=reviewed / "glossary" / "terms.csv", catalog=catalog, name="cecot.html")
    assert [(u.id, u.text, u.origin) for u in in_memory.units] == [(u.id, u.text, u.origin) for u in from_file.units]
    texts = [u.text for u in in_memory.units]
    assert APPROVED in texts and any(OVERRIDE_FORM in t for t in texts)


def test_an_article_built_in_memory_cannot_be_saved(examples_dir):
    article = build_page((examples_dir / "cecot.html").read_bytes(), target="es", engine="apertium")
    with pytest.raises(a11ykit.InputError, match="built from a file") as raised:
        article.save("out")
    assert raised.value.code == "A11Y112"


def test_each_unit_is_one_sentence_or_attribute_with_all_it_became(examples_dir):
    article = build_page((examples_dir / "cecot.html").read_bytes(), target="es", engine="apertium")
    summary = article.summary
    assert summary.segments == len(article.units) and summary.problems == len(article.problems)
    assert {u.kind for u in article.units} == {"sentence", "attribute"}
    assert all(u.origin == "machine" and u.machine == u.text for u in article.units)
    assert article.unit(article.units[-1].id) is article.units[-1]


def test_saving_with_audio_gives_each_spoken_unit_its_timing_from_the_sync_map(tmp_path):
    page = tmp_path / "story.html"
    page.write_text('<html lang="en"><body><article><h1>The report</h1><p>He was held for a week. '
                    'Then he was sent home.</p></article></body></html>', encoding="utf-8")
    article = a11ykit.build(page, to="es", engine="apertium", out=tmp_path / "out", locales=tmp_path / "locales",
                            cache_dir=tmp_path / "cache").save(audio=True)
    syncmap = json.loads((tmp_path / "out" / "story.es.syncmap.json").read_text(encoding="utf-8"))
    timed = {u.id: (round(u.start, 3), round(u.end, 3)) for u in article.units if u.start is not None}
    assert timed and timed == {c["id"]: (c["start"], c["end"]) for c in syncmap if c["id"] in timed}
    assert set(timed) == {u.id for u in article.units if u.kind == "sentence"}


def test_speak_says_terms_with_the_glossary_build_uses_by_default(tmp_path, monkeypatch):
    import a11ykit.speak
    from a11ykit.speech import narration

    heard = {}
    monkeypatch.setattr(narration, "synthesize_article", lambda items, **options: heard.update(options))
    page = tmp_path / "story.es.html"
    page.write_text('<html lang="es"><body><p>Lo enviaron al CECOT.</p></body></html>', encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # no glossary/ here: build falls back to the project's glossary
    a11ykit.speak.speak(page)
    assert heard["lexicon"]["CECOT"] == "se-kot"  # the project glossary's say_es
    assert heard["out_dir"] == tmp_path and heard["stem"] == "story"


@pytest.mark.parametrize("running", [True, False])
@pytest.mark.parametrize("fails", [False, True])
def test_the_collector_is_paused_for_one_build_and_left_as_it_was_found(running, fails):
    import gc

    from a11ykit.api import collector_paused

    was = gc.isenabled()
    (gc.enable if running else gc.disable)()
    try:
        with contextlib.suppress(RuntimeError), collector_paused():
            assert not gc.isenabled()
            if fails:
                raise RuntimeError("a failed build")
        assert gc.isenabled() is running
    finally:
        (gc.enable if was else gc.disable)()


def test_a_site_article_is_built_and_saved_with_the_collector_paused(tmp_path, monkeypatch):
    import gc

    from a11ykit import api
    from a11ykit.site import Options, build_site

    seen = []
    real_save = api.save

    def save(article, *args, **kwargs):
        seen.append(gc.isenabled())
        return real_save(article, *args, **kwargs)

    monkeypatch.setattr(api, "save", save)
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "a.html").write_text("<html lang='en'><body><p>The vote was held.</p></body></html>")
    options = Options(to="es", engine="apertium", audio=False, locales=tmp_path / "locales")
    result = build_site([tmp_path / "site"], options,
                        out=tmp_path / "out", jobs=1)
    assert [o.status for o in result.outcomes] == ["built"] and seen == [False] and gc.isenabled()
