"""Overrides: one file per glossary, beside it (or ``--overrides PATH``), that every command reads
and writes; each decision is added to it, so who proposed a form and why, and who approved it,
when and why, are all kept."""

from __future__ import annotations

import argparse
import datetime
import json
from pathlib import Path

import pytest

from a11ykit.cli import main, make_parser
from a11ykit.epub import _lexicon
from a11ykit.errors import InputError
from a11ykit.terms.overrides import FIELDS, Override, current_overrides, decide, load_history

GLOSSARY_CSV = (
    "kind,en,es,case,lang,abbr_en,abbr_es,say_en,say_es,note\n"
    "keep,CECOT,,exact,es,Terrorism Confinement Center,Centro de Confinamiento del Terrorismo,SEE-cot,se-kot,prison\n"
    "map,Alien Enemies Act,Ley de Enemigos Extranjeros,ignore,,,,,,1798 law\n"
)
NEW_FORM = "Ley de Enemigos Extranjeros de 1798"
PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>The law</title></head>'
    "<body><main><h1>The law</h1><p>The Alien Enemies Act was used again.</p></main></body></html>"
)
TODAY = datetime.date.today().isoformat()
DAY = datetime.date(2026, 3, 2)


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def glossary_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A glossary in its own folder, away from the current folder (which has none)."""
    folder = tmp_path / "terms-of-the-desk"
    folder.mkdir()
    (folder / "terms.csv").write_text(GLOSSARY_CSV, encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    (work / "law.html").write_text(PAGE, encoding="utf-8")
    monkeypatch.chdir(work)
    return folder / "terms.csv"


def override(capsys: pytest.CaptureFixture[str], glossary: Path, action: str, *extra: object) -> tuple[int, str, str]:
    return run(
        capsys, "glossary", "override", action, "Alien Enemies Act", "--lang", "es", *extra, "--glossary", glossary
    )


def propose_and_approve(capsys: pytest.CaptureFixture[str], glossary: Path, *where: object) -> None:
    assert (
        override(capsys, glossary, "propose", "--form", NEW_FORM, "--who", "Ana", "--why", "house style", *where)[0]
        == 0
    )
    assert override(capsys, glossary, "approve", "--who", "Luis", "--why", "agreed with the desk", *where)[0] == 0


def built_page(capsys: pytest.CaptureFixture[str], *options: object) -> tuple[str, dict]:
    code, _, err = run(
        capsys, "build", "law.html", "--to", "es", "--engine", "apertium", "--no-audio", "--out", "out", *options
    )
    assert code == 0, err
    report = json.loads(Path("out/law.es.report.json").read_text(encoding="utf-8"))
    return Path("out/law.es.html").read_text(encoding="utf-8"), report


# --- the history ----------------------------------------------------------------------------------


def test_approving_adds_a_line_and_keeps_the_proposal_with_its_author_and_reason(capsys, glossary_path):
    propose_and_approve(capsys, glossary_path)
    lines = (glossary_path.parent / "overrides.csv").read_text(encoding="utf-8").splitlines()
    assert lines == [
        ",".join(FIELDS),
        f"Alien Enemies Act,es,{NEW_FORM},proposed,Ana,{TODAY},house style",
        f"Alien Enemies Act,es,{NEW_FORM},approved,Luis,{TODAY},agreed with the desk",
    ]


def test_rejecting_an_approved_form_adds_a_line_too(capsys, glossary_path):
    propose_and_approve(capsys, glossary_path)
    assert override(capsys, glossary_path, "reject", "--who", "Eva", "--why", "legal said no")[0] == 0
    history = load_history(glossary_path.parent / "overrides.csv")
    assert [(o.status, o.who, o.why) for o in history] == [
        ("proposed", "Ana", "house style"),
        ("approved", "Luis", "agreed with the desk"),
        ("rejected", "Eva", "legal said no"),
    ]
    assert [o.status for o in current_overrides(history)] == ["rejected"]


def test_list_shows_the_current_state_and_history_every_decision(capsys, glossary_path):
    propose_and_approve(capsys, glossary_path)
    code, current, _ = run(capsys, "glossary", "override", "list", "--glossary", glossary_path)
    assert code == 0
    assert current.splitlines() == [
        f"approved 'Alien Enemies Act' (es) → '{NEW_FORM}'  Luis, {TODAY} — agreed with the desk"
    ]
    code, history, _ = run(capsys, "glossary", "override", "list", "--history", "--glossary", glossary_path)
    assert code == 0
    assert [line.split()[0] for line in history.splitlines()] == ["proposed", "approved"]
    assert "Ana" in history.splitlines()[0] and "house style" in history.splitlines()[0]


def proposal(form: str, status: str = "proposed", when: datetime.date = DAY) -> Override:
    return Override("Alien Enemies Act", "es", form, status, "Ana", when, "why")  # type: ignore[arg-type]


def test_approving_one_form_rejects_the_form_approved_before_and_keeps_both_histories():
    history = [proposal("A"), proposal("A", "approved"), proposal("B")]
    updated, changed = decide(
        history, "approve", term="Alien Enemies Act", lang="es", form="B", who="Luis", why="", today=DAY
    )
    assert [o for o in updated if o in history] == history  # nothing before is changed, dropped or reordered
    assert len(updated) == len(history) + 2  # the approval of B and the rejection of A added
    assert [(o.form, o.status) for o in current_overrides(updated)] == [("A", "rejected"), ("B", "approved")]
    assert changed == Override("Alien Enemies Act", "es", "B", "approved", "Luis", DAY, "")
    assert [o for o in updated if o.form == "A"][-1].why == "superseded by 'B'"


def test_one_days_decisions_keep_their_order_whatever_the_names():
    history = [proposal("A"), Override("Alien Enemies Act", "es", "A", "approved", "Aaron", DAY, "")]
    assert current_overrides(history)[0].status == "approved"


def test_approving_among_several_proposals_needs_the_form():
    with pytest.raises(InputError, match="choose one with --form"):
        decide(
            [proposal("A"), proposal("B")],
            "approve",
            term="Alien Enemies Act",
            lang="es",
            form=None,
            who="L",
            why="",
            today=DAY,
        )


def test_proposing_the_same_form_twice_is_refused():
    with pytest.raises(InputError, match="already proposed"):
        decide([proposal("A")], "propose", term="Alien Enemies Act", lang="es", form="A", who="L", why="", today=DAY)


def test_an_override_for_a_term_not_in_the_glossary_is_refused(capsys, glossary_path):
    code, _, err = run(
        capsys,
        "glossary",
        "override",
        "propose",
        "Sedition Act",
        "--lang",
        "es",
        "--form",
        "X",
        "--glossary",
        glossary_path,
    )
    assert code == 2 and "no term 'Sedition Act'" in err


def test_approving_without_a_proposal_is_refused(capsys, glossary_path):
    code, _, err = override(capsys, glossary_path, "approve", "--who", "Ana")
    assert code == 2 and "no proposed or rejected override" in err


# --- one place, every command -----------------------------------------------------------------------


def test_the_overrides_of_a_glossary_are_beside_it_for_override_and_build(capsys, glossary_path):
    propose_and_approve(capsys, glossary_path)
    assert (glossary_path.parent / "overrides.csv").is_file()
    assert not Path("glossary").exists()  # nothing written in the current folder
    page, report = built_page(capsys, "--glossary", glossary_path)
    assert NEW_FORM in page
    assert [o["form"] for o in report["applied_overrides"]] == [NEW_FORM]


def test_overrides_given_with_a_path_are_the_ones_build_applies(capsys, glossary_path, tmp_path):
    elsewhere = tmp_path / "desk-decisions.csv"
    propose_and_approve(capsys, glossary_path, "--overrides", elsewhere)
    assert not (glossary_path.parent / "overrides.csv").exists()
    page, _ = built_page(capsys, "--glossary", glossary_path)
    assert NEW_FORM not in page
    page, _ = built_page(capsys, "--glossary", glossary_path, "--overrides", elsewhere)
    assert NEW_FORM in page


def test_the_talking_book_says_the_approved_form_as_the_glossary_says_the_term(capsys, glossary_path):
    csv = GLOSSARY_CSV.replace(",ignore,,,,,,", ",ignore,,,,,lei,")
    glossary_path.write_text(csv, encoding="utf-8")
    propose_and_approve(capsys, glossary_path)
    assert _lexicon("es", glossary_path, None)[NEW_FORM] == "lei"
    assert NEW_FORM not in _lexicon("es", glossary_path, glossary_path.parent / "none.csv")


def _subcommands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> dict[tuple[str, ...], argparse.ArgumentParser]:
    found = {path: parser}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found.update(_subcommands(child, (*path, name)))
    return found


@pytest.mark.parametrize(
    "command",
    [
        ("build",),
        ("speak",),
        ("epub",),
        *[("glossary", "override", a) for a in ("propose", "approve", "reject", "list")],
    ],
)
def test_every_command_that_reads_a_glossary_takes_overrides_and_glossary(command):
    options = {o for a in _subcommands(make_parser())[command]._actions for o in a.option_strings}
    assert {"--overrides", "--glossary"} <= options
