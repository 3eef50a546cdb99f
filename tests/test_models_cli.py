"""``a11ykit models``: list, install, remove through the command line."""

from __future__ import annotations

import argparse
import zipfile
from pathlib import Path

import pytest

from a11ykit.cli import main, make_parser

pytestmark = pytest.mark.usefixtures("packages")  # every test gets its own HOME, XDG folders, package folder


def test_list_with_nothing_installed_says_how_to_install(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "list"]) == 0
    assert "a11ykit models install en es" in capsys.readouterr().out


def test_install_from_a_file_then_list_shows_pair_version_and_path(
    package_file: Path, packages: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["models", "install", str(package_file)]) == 0
    capsys.readouterr()
    assert main(["models", "list"]) == 0
    assert capsys.readouterr().out == f"en→es\t0.1\t{packages / 'translate-en_es-0_1'}\n"


def test_remove_uninstalls_the_pair(package_file: Path, packages: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["models", "install", str(package_file)])
    assert main(["models", "remove", "en", "es"]) == 0
    assert "removed en→es 0.1" in capsys.readouterr().out
    assert list(packages.iterdir()) == []


def test_removing_a_pair_that_is_not_installed_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "remove", "en", "es"]) == 2
    assert "no en→es package is installed" in capsys.readouterr().err


def test_install_from_the_index_offline_exits_2_with_a_one_line_hint(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "install", "en", "es"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "index is unreachable" in err and "a11ykit models install FILE.argosmodel" in err


def test_installing_a_hostile_archive_exits_2_and_writes_nothing(
    packages: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = tmp_path / "evil.argosmodel"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("translate-en_es-1_0/../../escaped.txt", b"owned")
    assert main(["models", "install", str(archive)]) == 2
    assert "unsafe" in capsys.readouterr().err
    assert not (tmp_path / "escaped.txt").exists() and not (packages.parent / "escaped.txt").exists()
    assert not packages.exists()  # not even the package folder was created


def test_installing_a_file_that_is_not_a_package_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    not_zip = tmp_path / "notes.argosmodel"
    not_zip.write_text("hello")
    assert main(["models", "install", str(not_zip)]) == 2
    assert "not a zip archive" in capsys.readouterr().err


def test_install_with_one_language_asks_for_both(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "install", "en"]) == 2
    assert "give both languages" in capsys.readouterr().err


def test_install_with_three_words_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as usage:
        main(["models", "install", "en", "es", "fr"])
    assert usage.value.code == 2
    assert "unrecognized arguments: fr" in capsys.readouterr().err


def test_the_dir_flag_wins_over_the_environment(
    package_file: Path, packages: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "elsewhere"
    assert main(["models", "install", str(package_file), "--dir", str(elsewhere)]) == 0
    assert (elsewhere / "translate-en_es-0_1").is_dir()
    assert not packages.exists()
    capsys.readouterr()
    main(["models", "list", "--dir", str(elsewhere)])
    assert str(elsewhere) in capsys.readouterr().out


def test_models_without_an_action_prints_usage_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models"]) == 2
    assert "list" in capsys.readouterr().err


def _parsers(parser: argparse.ArgumentParser, name: str = "a11ykit") -> list[tuple[str, argparse.ArgumentParser]]:
    found = [(name, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                found += _parsers(sub, f"{name} {sub_name}")
    return found


def test_every_models_parser_and_option_has_help_text() -> None:
    models_parsers = [(n, p) for n, p in _parsers(make_parser()) if n.startswith("a11ykit models")]
    assert {n for n, _ in models_parsers} == {
        "a11ykit models",
        "a11ykit models list",
        "a11ykit models install",
        "a11ykit models remove",
    }
    for name, parser in models_parsers:
        assert parser.description, name
        for action in parser._actions:
            assert action.help, f"{name} {action.dest}"
