"""The translators' whole loop with real files: build → approve → rebuild."""

import json
import shutil
from pathlib import Path

import pytest

from a11ykit.cli import main
from a11ykit.layout import catalog_path
from a11ykit.review.catalog import read_catalog, write_catalog

CORRECTED = "Estuvo detenido mientras se revisaba su caso."


@pytest.fixture
def workspace(tmp_path, examples_dir):
    """A copy of the example article and the glossary, with its own locales/ and out/."""
    shutil.copy(examples_dir / "cecot.html", tmp_path / "cecot.html")
    (tmp_path / "glossary").mkdir()
    shutil.copy(examples_dir.parent / "glossary" / "terms.csv", tmp_path / "glossary" / "terms.csv")
    return tmp_path


def build(ws: Path) -> dict:
    code = main([
        "build", str(ws / "cecot.html"), "--to", "es", "--engine", "apertium", "--out", str(ws / "out"),
        "--locales", str(ws / "locales"), "--glossary", str(ws / "glossary" / "terms.csv"), "--no-audio",
    ])
    assert code == 0
    return json.loads((ws / "out" / "cecot.es.report.json").read_text(encoding="utf-8"))


def approve(ws: Path, segment_id: str, text: str) -> None:
    """What a translator does in Poedit: write the translation and clear 'fuzzy'."""
    po = catalog_path(ws / "locales", "es", "cecot")
    with po.open("rb") as f:
        catalog = read_catalog(f)
    (message,) = [m for m in catalog if m.context == segment_id]
    message.string = text
    message.flags.discard("fuzzy")
    with po.open("wb") as f:
        write_catalog(f, catalog)


def override(ws: Path, *argv: str) -> None:
    assert main(["glossary", "override", *argv, "--overrides", str(ws / "glossary" / "overrides.csv"),
                 "--glossary", str(ws / "glossary" / "terms.csv")]) == 0


def segment(report: dict, source_start: str) -> dict:
    return next(s for s in report["segments"] if s["source"].startswith(source_start))


def test_approved_sentence_and_approved_override_win_on_rebuild_and_nothing_else_changes(workspace, capsys):
    first = build(workspace)
    held = segment(first, "He was held while his case was reviewed.")
    approve(workspace, held["id"], CORRECTED)
    override(workspace, "propose", "Alien Enemies Act", "--lang", "es", "--form", "Ley de Enemigos Extranjeros de 1798",
             "--why", "house style names the year", "--who", "Ana")
    override(workspace, "approve", "Alien Enemies Act", "--lang", "es", "--who", "Editor", "--why", "agreed")
    capsys.readouterr()

    second = build(workspace)
    page = (workspace / "out" / "cecot.es.html").read_text(encoding="utf-8")
    assert CORRECTED in page
    assert page.count("Ley de Enemigos Extranjeros de 1798") == sum(
        s["source"].count("Alien Enemies Act") for s in first["segments"]
    )
    assert segment(second, "He was held")["origin"] == "approved"
    assert second["summary"]["approved"] == 1
    (applied,) = second["applied_overrides"]
    assert (applied["term"], applied["form"], applied["status"], applied["who"], applied["why"]) == (
        "Alien Enemies Act", "Ley de Enemigos Extranjeros de 1798", "approved", "Editor", "agreed")  # the approval
    assert any(h["target_form"] == "Ley de Enemigos Extranjeros de 1798" for s in second["segments"] for h in s["hits"])
    changed = {s["id"] for s, t in zip(first["segments"], second["segments"], strict=False) if s["text"] != t["text"]}
    aea = {s["id"] for s in first["segments"] if "Alien Enemies Act" in s["source"]}
    assert changed == aea | {held["id"]}


def test_a_proposed_override_only_appears_in_the_report(workspace, capsys):
    build(workspace)
    override(workspace, "propose", "Alien Enemies Act", "--lang", "es", "--form", "Ley de Enemigos Alienígenas",
             "--why", "trying", "--who", "Ana")
    report = build(workspace)
    page = (workspace / "out" / "cecot.es.html").read_text(encoding="utf-8")
    assert "Alienígenas" not in page
    assert [o["form"] for o in report["proposed_overrides"]] == ["Ley de Enemigos Alienígenas"]


def test_editing_one_paragraph_keeps_the_approvals_of_the_others(workspace):
    first = build(workspace)
    held = segment(first, "He was held while his case was reviewed.")
    approve(workspace, held["id"], CORRECTED)
    html = (workspace / "cecot.html").read_text(encoding="utf-8")
    edited = html.replace("He has begun taking makeup bookings again", "He has started taking makeup bookings again")
    assert edited != html
    (workspace / "cecot.html").write_text(edited, encoding="utf-8")

    second = build(workspace)
    assert segment(second, "He was held")["origin"] == "approved"
    assert CORRECTED in (workspace / "out" / "cecot.es.html").read_text(encoding="utf-8")
    with catalog_path(workspace / "locales", "es", "cecot").open("rb") as f:
        catalog = read_catalog(f)
    fuzzy_changed = [m for m in catalog if m.id and "started taking makeup" in str(m.id)]
    assert len(fuzzy_changed) == 1 and fuzzy_changed[0].fuzzy


def test_an_approved_translation_that_breaks_a_locked_term_is_a_conflict_and_the_glossary_wins(workspace):
    first = build(workspace)
    ice = segment(first, "<1>ICE</1> is U.S. Immigration")
    approve(workspace, ice["id"], "<1>El hielo</1> es la agencia de inmigración.")
    second = build(workspace)
    assert {c["segment_id"] for c in second["conflicts"]} == {ice["id"]}
    assert "ICE" in {c["term"] for c in second["conflicts"]}
    assert segment(second, "<1>ICE</1> is U.S. Immigration")["origin"] == "machine"
    assert "hielo" not in (workspace / "out" / "cecot.es.html").read_text(encoding="utf-8").lower()


def test_every_catalog_a11ykit_writes_passes_msgfmt_check(workspace):
    import subprocess

    build(workspace)
    po = catalog_path(workspace / "locales", "es", "cecot")
    done = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
