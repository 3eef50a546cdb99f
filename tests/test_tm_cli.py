"""``a11ykit tm``: stats, TMX export that validates, import back into a memory."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from a11ykit.cli import main
from a11ykit.memory import Approved, MemoryKey, TranslationMemory
from conftest import EXAMPLES

DTD = etree.DTD(str(Path(__file__).resolve().parent / "schemas" / "tmx14.dtd"))
KEY = MemoryKey("apertium", "apertium-eng-spa 0.8.1-2", "en", "es", "0123456789abcdef")
MACHINE = {
    "The prison holds forty thousand men.": "La prisión aloja cuarenta mil hombres.",
    "Read <1>the report</1> here.": "Lee <1>el informe</1> aquí.",
}


@pytest.fixture
def memory_path(tmp_path: Path) -> Path:
    path = tmp_path / "out" / ".a11ykit" / "memory.sqlite"
    path.parent.mkdir(parents=True)
    with TranslationMemory.open(path) as memory:
        memory.store_machine(KEY, MACHINE)
        memory.store_approved("en", "es", [Approved("Subscribe.", "Suscríbase.", "locales/es/LC_MESSAGES/a.po", "Ana")])
    return path


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_stats_counts_machine_and_approved_entries_per_pair(capsys, memory_path):
    code, out, _ = run(capsys, "tm", "stats", "--tm", memory_path)
    assert code == 0
    assert "2 machine translation(s), 1 approved" in out
    assert "en-es: 2 machine, 1 approved" in out


def test_stats_name_each_engine_and_its_version_once(capsys, memory_path):
    code, out, _ = run(capsys, "tm", "stats", "--tm", memory_path)
    assert code == 0
    assert "  engine apertium, version apertium-eng-spa 0.8.1-2: 2 machine, 0 back translation(s)" in out.splitlines()


def test_stats_of_a_real_builds_memory_show_the_engine_version_and_the_round_trips(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    memory = tmp_path / "tm.sqlite"
    code, _, err = run(capsys, "build", EXAMPLES / "cecot.html", "--to", "es", "--engine", "apertium", "--no-audio",
                       "--out", tmp_path / "out", "--locales", tmp_path / "locales", "--tm", memory)
    assert code == 0, err
    installed = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "apertium-eng-spa"],
                               capture_output=True, text=True, check=True).stdout.strip()
    code, out, _ = run(capsys, "tm", "stats", "--tm", memory)
    assert code == 0
    engine_line = re.escape(f"  engine apertium, version apertium-eng-spa {installed}: ") + r"\d+ machine, (\d+) back"
    (line,) = [m for m in map(re.compile(engine_line).match, out.splitlines()) if m]
    assert int(line.group(1)) > 0  # the quality estimate's round trips, es → en
    assert re.search(r"^  es-en: 0 machine, 0 approved, [1-9]\d* back translation\(s\)$", out, re.MULTILINE)
    assert "apertium apertium" not in out


def test_the_default_memory_is_the_one_a_site_build_into_out_keeps(capsys, memory_path, monkeypatch):
    monkeypatch.chdir(memory_path.parent.parent.parent)
    code, out, _ = run(capsys, "tm", "stats")
    assert code == 0 and "2 machine translation(s)" in out


def test_export_writes_tmx_that_validates_against_the_dtd(capsys, memory_path, tmp_path):
    code, out, _ = run(capsys, "tm", "export", "--tmx", tmp_path / "site.tmx", "--tm", memory_path)
    assert code == 0 and "3 translation unit(s)" in out
    document = etree.parse(str(tmp_path / "site.tmx"))
    assert DTD.validate(document), DTD.error_log.filter_from_errors()


def test_an_export_imports_back_into_a_new_memory_exactly(capsys, memory_path, tmp_path):
    run(capsys, "tm", "export", "--tmx", tmp_path / "site.tmx", "--tm", memory_path)
    fresh = tmp_path / "elsewhere" / "tm.sqlite"
    code, out, _ = run(capsys, "tm", "import", tmp_path / "site.tmx", "--tm", fresh)
    assert code == 0 and "3 entries imported" in out
    with TranslationMemory.open(memory_path) as old, TranslationMemory.open(fresh) as new:
        assert list(new.machine_entries()) == list(old.machine_entries())
        assert list(new.approved_entries()) == list(old.approved_entries())


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["tm", "stats", "--tm", "missing.sqlite"], "no translation memory there"),
        (["tm", "export", "--tmx", "x.tmx", "--tm", "missing.sqlite"], "no translation memory there"),
        (["tm", "import", "missing.tmx", "--tm", "tm.sqlite"], "no such file"),
    ],
)
def test_a_missing_file_is_one_line_and_exit_2(capsys, tmp_path, monkeypatch, argv, match):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, *argv)
    assert code == 2 and len(err.strip().splitlines()) == 1 and match in err
    assert not (tmp_path / "tm.sqlite").exists()


def test_a_tmx_file_that_is_not_tmx_is_refused_and_nothing_is_added(capsys, memory_path, tmp_path):
    bad = tmp_path / "bad.tmx"
    bad.write_text("<html><body>not a memory</body></html>", encoding="utf-8")
    code, _, err = run(capsys, "tm", "import", bad, "--tm", memory_path)
    assert code == 2 and "A11Y903" in err
    with TranslationMemory.open(memory_path) as memory:
        assert memory.stats().machine == 2
