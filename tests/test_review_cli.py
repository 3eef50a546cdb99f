"""``a11ykit review check`` and ``a11ykit glossary …`` from the command line."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from a11ykit.cli import main, make_parser

GLOSSARY_CSV = (
    "kind,en,es,case,lang,abbr_en,abbr_es,say_en,say_es,note\n"
    "keep,CECOT,,exact,es,Terrorism Confinement Center,Centro de Confinamiento del Terrorismo,SEE-cot,se-kot,prison\n"
    "map,Alien Enemies Act,Ley de Enemigos Extranjeros,ignore,,,,,,1798 law\n"
)


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def write_report(out_dir: Path, problems: list[dict] | None, stem="cecot", lang="es") -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{stem}.{lang}.report.json"
    report = {"input": f"{stem}.html", "segments": []}
    if problems is not None:
        report["problems"] = problems
    path.write_text(json.dumps(report), encoding="utf-8")
    return path


ERROR = {"code": "numbers", "segment_id": "a11y-1-1", "message": "numbers differ: missing 125", "severity": "error"}
WARNING = {
    "code": "whitespace",
    "segment_id": "a11y-2-1",
    "message": "trailing whitespace differs",
    "severity": "warning",
}


# --- review check ------------------------------------------------------------------------------


def test_check_without_a_report_tells_to_build_first(capsys, tmp_path):
    code, _, err = run(capsys, "review", "check", tmp_path / "cecot.html", "--to", "es", "--out", tmp_path / "out")
    assert code == 2
    assert "no build report at" in err and "run 'a11ykit build" in err
    assert len(err.strip().splitlines()) == 1


def test_check_exits_1_when_a_problem_is_an_error(capsys, tmp_path):
    write_report(tmp_path / "out", [ERROR, WARNING])
    code, out, _ = run(capsys, "review", "check", tmp_path / "cecot.html", "--to", "es", "--out", tmp_path / "out")
    assert code == 1
    assert "numbers" in out and "a11y-1-1: numbers differ: missing 125" in out
    assert "1 error(s), 1 warning(s)" in out


def test_check_exits_0_when_there_are_only_warnings(capsys, tmp_path):
    write_report(tmp_path / "out", [WARNING])
    assert run(capsys, "review", "check", tmp_path / "cecot.html", "--to", "es", "--out", tmp_path / "out")[0] == 0


def test_check_finds_the_report_of_a_page_named_with_its_language(capsys, tmp_path):
    write_report(tmp_path / "out", [], lang="en")
    assert run(capsys, "review", "check", tmp_path / "cecot.es.html", "--to", "en", "--out", tmp_path / "out")[0] == 0


def test_check_refuses_a_report_without_problems(capsys, tmp_path):
    write_report(tmp_path / "out", None)
    code, _, err = run(capsys, "review", "check", tmp_path / "cecot.html", "--to", "es", "--out", tmp_path / "out")
    assert code == 2 and "no 'problems' list" in err


def test_check_refuses_a_report_that_is_not_json(capsys, tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "cecot.es.report.json").write_text("{nope", encoding="utf-8")
    code, _, err = run(capsys, "review", "check", tmp_path / "cecot.html", "--to", "es", "--out", tmp_path / "out")
    assert code == 2 and "cannot read the report" in err


def test_check_refuses_an_unsupported_language(capsys, tmp_path):
    assert run(capsys, "review", "check", tmp_path / "cecot.html", "--to", "fr", "--out", tmp_path)[0] == 2


def test_check_shows_the_state_of_the_catalog(capsys, tmp_path):
    from a11ykit.review.catalog import catalog_bytes
    from test_review_catalog import S1, S2, approve, build, document

    write_report(tmp_path / "out", [])
    po = tmp_path / "locales" / "es" / "LC_MESSAGES" / "cecot.po"
    po.parent.mkdir(parents=True)
    po.write_bytes(catalog_bytes(approve(build(None, document(S1, S2)), "s1")))
    _, out, _ = run(
        capsys,
        "review",
        "check",
        tmp_path / "cecot.html",
        "--to",
        "es",
        "--out",
        tmp_path / "out",
        "--locales",
        tmp_path / "locales",
    )
    assert "1 approved, 1 to review (fuzzy), 0 untranslated, 0 obsolete" in out


# --- glossary export / import --------------------------------------------------------------------


@pytest.fixture
def glossary_path(tmp_path: Path) -> Path:
    path = tmp_path / "glossary" / "terms.csv"
    path.parent.mkdir()
    path.write_text(GLOSSARY_CSV, encoding="utf-8")
    return path


def test_export_then_import_gives_the_same_glossary_file(capsys, tmp_path, glossary_path):
    assert run(capsys, "glossary", "export", "--tbx", tmp_path / "g.tbx", "--glossary", glossary_path)[0] == 0
    copy = tmp_path / "copy.csv"
    code, out, _ = run(capsys, "glossary", "import", tmp_path / "g.tbx", "--glossary", copy)
    assert (code, copy.read_text(encoding="utf-8")) == (0, GLOSSARY_CSV)
    assert "2 terms" in out


def test_importing_a_hostile_tbx_leaves_the_glossary_untouched(capsys, tmp_path, glossary_path):
    from test_tbx import EXTERNAL_ENTITY

    (tmp_path / "evil.tbx").write_bytes(EXTERNAL_ENTITY)
    code, _, err = run(capsys, "glossary", "import", tmp_path / "evil.tbx", "--glossary", glossary_path)
    assert code == 2 and "DOCTYPE" in err
    assert glossary_path.read_text(encoding="utf-8") == GLOSSARY_CSV


def test_importing_a_missing_file_is_refused(capsys, tmp_path, glossary_path):
    assert run(capsys, "glossary", "import", tmp_path / "nope.tbx", "--glossary", glossary_path)[0] == 2


def test_exporting_a_missing_glossary_is_refused(capsys, tmp_path):
    assert run(capsys, "glossary", "export", "--tbx", tmp_path / "g.tbx", "--glossary", tmp_path / "nope.csv")[0] == 2
    assert not (tmp_path / "g.tbx").exists()


# --- help ----------------------------------------------------------------------------------------


def _parsers(parser: argparse.ArgumentParser, path=()):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, sub in action.choices.items():
                assert helps.get(name), f"{' '.join((*path, name))} has no help text"
                yield from _parsers(sub, (*path, name))


def test_every_review_and_glossary_command_and_option_has_help_text():
    for path, parser in _parsers(make_parser()):
        if path[:1] not in (("review",), ("glossary",)):
            continue
        assert parser.description, f"{' '.join(path)} has no description"
        for action in parser._actions:
            if not isinstance(action, argparse._SubParsersAction):
                assert action.help, f"{' '.join(path)} {action.dest} has no help"
