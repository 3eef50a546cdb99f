"""The rule-based repairs inside real builds of the example article (Apertium, en→es): each one
changes the output where it applies and nothing when switched off; the catalog keeps the source
as the page wrote it; ``--no-repair NAME`` and ``--no-repairs`` switch them off."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from bs4 import BeautifulSoup

import a11ykit
from a11ykit.quality import REPAIRS, analysers_installed
from a11ykit.text import tagged
from conftest import EXAMPLES

pytestmark = pytest.mark.skipif(
    not analysers_installed(), reason="Apertium's analysers are not installed"
)
HEADLINE = ("title", "heading")


def build(tmp_path, repairs):
    return a11ykit.build(
        EXAMPLES / "cecot.html", to="es", engine="apertium", audio=False, out=tmp_path / "out",
        locales=tmp_path / "locales", repairs=repairs,
    )


@pytest.fixture(scope="module")
def unrepaired(tmp_path_factory):
    return build(tmp_path_factory.mktemp("none"), [])


@pytest.fixture(scope="module")
def repaired(tmp_path_factory):
    return build(tmp_path_factory.mktemp("all"), None)


def run_cli(tmp_path, *flags):
    return subprocess.run(
        [sys.executable, "-m", "a11ykit", "build", str(EXAMPLES / "cecot.html"), "--to", "es", "--engine", "apertium",
         "--no-audio", "--out", str(tmp_path / "out"), "--locales", str(tmp_path / "locales"), *flags],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )


def report_repairs(tmp_path) -> dict[str, int]:
    return json.loads((tmp_path / "out" / "cecot.es.report.json").read_text(encoding="utf-8"))["repairs"]


@pytest.mark.parametrize("name", list(REPAIRS))
def test_a_repair_alone_changes_the_sentences_it_records_and_no_others(tmp_path, unrepaired, name):
    article = build(tmp_path, [name])
    before = {u.id: u.text for u in unrepaired.units}
    changed = {u.id for u in article.units if u.text != before[u.id]}
    recorded = {u.id for u in article.units if u.repairs}
    assert recorded, f"{name} changed nothing in the example"
    assert changed == recorded
    assert all(u.repairs == [name] for u in article.units if u.repairs)


def test_no_sentence_is_repaired_when_the_repairs_are_off(unrepaired):
    assert [u.id for u in unrepaired.units if u.repairs] == []


def test_the_catalog_and_the_report_keep_the_source_as_the_page_wrote_it(repaired, unrepaired):
    title = next(u for u in repaired.units if u.role == "title" and "title-case-source" in u.repairs)
    assert title.source == next(u.source for u in unrepaired.units if u.id == title.id)
    msgids = {m.id for m in repaired.catalog if m.id}
    assert title.source in msgids


def test_the_source_repair_changes_what_the_engine_read(repaired, unrepaired):
    title = next(u for u in repaired.units if "title-case-source" in u.repairs)
    assert title.machine != next(u.machine for u in unrepaired.units if u.id == title.id)


def capitalised_inside(text: str) -> set[str]:
    """Words with a capital that are not the first of the text, of a quotation or after a colon."""
    words = re.finditer(r"[^\W\d_]+", text)
    opening = re.compile(r"(^|[:“\"«¿¡])\W*$")
    return {m.group(0) for m in words if m.group(0)[0].isupper() and not opening.search(text[: m.start()])}


def names_of_the_human_translation() -> set[str]:
    html = (EXAMPLES / "cecot.es.html").read_text(encoding="utf-8")
    body = BeautifulSoup(html, "html.parser").body.get_text(" ")
    return {w for w in re.findall(r"(?<=[^\s.!?:¿¡“\"«]\s)[^\W\d_]+", body) if w[0].isupper()}


@pytest.mark.parametrize("which", ["repaired", "unrepaired"])
def test_the_spanish_headline_capitalises_only_names_with_the_repairs(request, which):
    article = request.getfixturevalue(which)
    headlines = [tagged.plain(u.text) for u in article.units if u.role in HEADLINE and "Andry Hernández" in u.text]
    assert headlines
    not_names = {w for h in headlines for w in capitalised_inside(h)} - names_of_the_human_translation()
    assert (not_names == set()) == (which == "repaired"), not_names


def test_no_repair_switches_one_repair_off(tmp_path):
    done = run_cli(tmp_path, "--no-repair", "split-glued-words", "--no-repair", "opening-marks-es")
    assert done.returncode == 0, done.stderr
    counts = report_repairs(tmp_path)
    assert "split-glued-words" not in counts and "opening-marks-es" not in counts
    assert counts.get("title-case-source", 0) > 0


def test_no_repairs_switches_all_off(tmp_path):
    done = run_cli(tmp_path, "--no-repairs")
    assert done.returncode == 0, done.stderr
    assert report_repairs(tmp_path) == {}


def test_an_unknown_repair_is_one_line_and_exit_2(tmp_path):
    done = run_cli(tmp_path, "--no-repair", "title-case")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert "title-case" in done.stderr and "title-case-source" in done.stderr
    assert not (tmp_path / "out").exists()


def test_an_unknown_repair_in_python_is_an_input_error(tmp_path):
    with pytest.raises(a11ykit.InputError, match="unknown repair 'no-such-repair'"):
        build(tmp_path, ["no-such-repair"])


def test_a_site_build_switches_the_repairs_off_too(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "cecot.html").write_bytes((EXAMPLES / "cecot.html").read_bytes())
    done = subprocess.run(
        [sys.executable, "-m", "a11ykit", "build", str(site), str(site / "cecot.html"), "--to", "es",
         "--engine", "apertium", "--no-audio", "--jobs", "1", "--out", str(tmp_path / "out"), "--no-repairs"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    reports = list((tmp_path / "out").rglob("cecot.es.report.json"))
    assert len(reports) == 1
    assert json.loads(reports[0].read_text(encoding="utf-8"))["repairs"] == {}
