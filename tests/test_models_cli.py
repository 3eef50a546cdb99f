"""``a11ykit models``: list, install, remove through the command line."""

from __future__ import annotations

import argparse
import json
import zipfile
from pathlib import Path

import pytest

from a11ykit.cli import main, make_parser
from argos_package import repack
from unwritable import a11ykit, read_only

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
    assert capsys.readouterr().out == f"en→es\t0.1\ta11ykit\t{packages / 'translate-en_es-0_1'}\n"


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


# --- archives and folders that must be refused on one line ----------------------------------

FOLDER = "translate-en_es-0_1"


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1, err
    return err


@pytest.fixture(scope="module")
def one_gib_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1 MB package whose model says (truly) it unpacks to 1 GiB of zeros."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.argosmodel"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{FOLDER}/metadata.json", '{"from_code": "en", "to_code": "es"}')
        with zf.open(f"{FOLDER}/model/model.bin", "w", force_zip64=True) as member:
            for _ in range(64):
                member.write(bytes(16 << 20))
    return path


def test_a_1_mb_archive_that_unpacks_to_1_gib_exits_2_and_writes_nothing(
    one_gib_bomb: Path, packages: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert one_gib_bomb.stat().st_size < 2 << 20
    assert main(["models", "install", str(one_gib_bomb)]) == 2
    err = one_line_error(capsys)
    assert "bomb.argosmodel would unpack to 1.0 GiB from 1.0 MiB" in err and "[A11Y409]" in err
    assert not packages.exists()


def test_an_archive_with_a_file_and_a_folder_of_one_name_exits_2_with_one_line(
    packages: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = tmp_path / "clash.argosmodel"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(f"{FOLDER}/metadata.json", '{"from_code": "en", "to_code": "es"}')
        zf.writestr(f"{FOLDER}/model", b"a file")
        zf.writestr(f"{FOLDER}/model/model.bin", b"and a folder")
    assert main(["models", "install", str(archive)]) == 2
    assert "is both a file and a folder [A11Y408]" in one_line_error(capsys)
    assert not packages.exists()


def test_a_package_whose_model_does_not_load_exits_2_with_one_line(
    package_file: Path, packages: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = repack(
        package_file, tmp_path / "broken.argosmodel", lambda f: {**f, f"{FOLDER}/model/model.bin": b"x" * 64}
    )
    assert main(["models", "install", str(broken)]) == 2
    assert "broken.argosmodel is broken: cannot load" in one_line_error(capsys)
    assert not packages.exists()


def test_installing_into_a_read_only_folder_exits_2_with_one_line(package_file: Path, tmp_path: Path) -> None:
    folder = tmp_path / "packages"
    folder.mkdir()
    with read_only(folder):
        done = a11ykit("models", "install", package_file, "--dir", folder)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"a11ykit: error: {folder}: cannot install packages there (Permission denied) [A11Y411]"
    ]
    assert list(folder.iterdir()) == []


def test_removing_from_a_read_only_folder_exits_2_and_leaves_the_package_whole(
    package_file: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "packages"
    assert main(["models", "install", str(package_file), "--dir", str(folder)]) == 0
    files = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    with read_only(folder):
        done = a11ykit("models", "remove", "en", "es", "--dir", folder)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"a11ykit: error: cannot remove the en→es package from {folder} (Permission denied) [A11Y411]"
    ]
    assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == files


def test_installing_from_the_index_into_a_read_only_folder_exits_2_with_one_line(
    package_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = tmp_path / "index.json"
    index.write_text(json.dumps([{"from_code": "en", "to_code": "es", "links": [package_file.as_uri()]}]))
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", index.as_uri())  # the child process inherits it
    folder = tmp_path / "packages"
    folder.mkdir()
    with read_only(folder):
        done = a11ykit("models", "install", "en", "es", "--dir", folder)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"a11ykit: error: {folder}: cannot install packages there (Permission denied) [A11Y411]"
    ]
    assert list(folder.iterdir()) == []
