"""Packages installed with Argos Translate itself are used from its own folder, read-only:
listed with where they come from, translated with when a11ykit's folder lacks the pair, and
never written to, locked, removed or added to."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest

from a11ykit.cli import main
from a11ykit.errors import ModelPackageError
from a11ykit.translate import packages as models
from a11ykit.translate.engines.argos import ArgosEngine
from unwritable import a11ykit, read_only

SENTENCES = ["We have covered the case from the first reports.", "He spoke at length about what comes next."]


def snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Every file and folder under ``folder``: (mode, size, mtime in ns)."""
    found = {}
    for where, dirs, files in os.walk(folder):
        for name in [*dirs, *files]:
            info = (Path(where) / name).lstat()
            found[str((Path(where) / name).relative_to(folder))] = (info.st_mode, info.st_size, info.st_mtime_ns)
    return found


def unpack_as_argos_does(package_file: Path, folder: Path, version: str | None = None) -> Path:
    """The package unpacked the way Argos Translate leaves it, with the sentence splitters a11ykit
    does not use (stanza/, minisbd/) beside the model; returns the package's folder."""
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(package_file) as archive:
        archive.extractall(folder)
        (top,) = {Path(name).parts[0] for name in archive.namelist()}
    package = folder / top
    if version is not None:
        package = package.rename(folder / f"{top}-argos-{version}")
        metadata = json.loads((package / "metadata.json").read_text(encoding="utf-8"))
        (package / "metadata.json").write_text(json.dumps({**metadata, "package_version": version}), encoding="utf-8")
    for splitter, member in (("stanza", "en/tokenize/ewt.pt"), ("minisbd", "model.onnx")):
        (package / splitter / member).parent.mkdir(parents=True, exist_ok=True)
        (package / splitter / member).write_bytes(b"not used by a11ykit")
    return package


def make_read_only(folder: Path) -> None:
    for where, _dirs, files in os.walk(folder):
        for name in files:
            (Path(where) / name).chmod(0o444)
        Path(where).chmod(0o555)


@pytest.fixture
def argos_folder(packages: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Argos Translate's default folder under a fake XDG data home ($ARGOS_PACKAGES_DIR unset)."""
    monkeypatch.delenv(models.ARGOS_DIR_ENV)
    return Path(os.environ["XDG_DATA_HOME"]) / "argos-translate" / "packages"


@pytest.mark.parametrize("configured", [False, True], ids=["xdg-default", "ARGOS_PACKAGES_DIR"])
def test_argos_translates_folder_is_found_as_argos_translate_finds_it(configured, argos_folder, monkeypatch, tmp_path):
    expected = argos_folder
    if configured:
        expected = tmp_path / "elsewhere"
        monkeypatch.setenv(models.ARGOS_DIR_ENV, str(expected))
    assert models.argos_package_dir() == expected


def test_a_read_only_argos_package_lists_and_translates_and_its_folder_is_untouched(
    package_file, packages, argos_folder
):
    unpack_as_argos_does(package_file, argos_folder)
    make_read_only(argos_folder)
    before = snapshot(argos_folder.parent)
    engine = ArgosEngine(packages)
    assert engine.supports("en", "es")
    assert engine.translate(SENTENCES, "en", "es") == SENTENCES
    (listed,) = models.all_packages(packages)
    assert (listed.pair, listed.origin, listed.path.parent) == ("en→es", models.ARGOS, argos_folder)
    assert snapshot(argos_folder.parent) == before
    assert not packages.exists()  # a11ykit's own folder is not even created


def test_models_list_says_where_each_package_comes_from(package_file, packages, argos_folder, capsys):
    assert main(["models", "install", str(package_file)]) == 0
    argos_package = unpack_as_argos_does(package_file, argos_folder, version="0.2")
    capsys.readouterr()
    assert main(["models", "list"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"en→es\t0.1\ta11ykit\t{packages / 'translate-en_es-0_1'}",
        f"en→es\t0.2\targos-translate\t{argos_package}",
    ]


def test_models_list_works_when_argos_translates_folder_is_read_only(package_file, argos_folder):
    package = unpack_as_argos_does(package_file, argos_folder)
    with read_only(argos_folder):
        done = a11ykit("models", "list")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"en→es\t0.1\targos-translate\t{package}\n"


def test_a11ykits_own_package_is_preferred_to_a_newer_one_of_argos_translate(package_file, packages, argos_folder):
    models.install_file(package_file, packages)
    unpack_as_argos_does(package_file, argos_folder, version="0.2")
    chosen = models.find_package("en", "es", packages)
    assert chosen is not None and (chosen.origin, chosen.version) == (models.OWN, "0.1")


def test_the_newest_of_argos_translates_packages_is_used(package_file, packages, argos_folder):
    unpack_as_argos_does(package_file, argos_folder)
    unpack_as_argos_does(package_file, argos_folder, version="0.3")
    chosen = models.find_package("en", "es", packages)
    assert chosen is not None and (chosen.origin, chosen.version) == (models.ARGOS, "0.3")


def test_an_argos_package_without_its_model_is_skipped(package_file, packages, argos_folder):
    package = unpack_as_argos_does(package_file, argos_folder)
    (package / "model" / "model.bin").unlink()
    assert models.all_packages(packages) == []


def test_removing_a_package_that_belongs_to_argos_translate_is_refused(package_file, packages, argos_folder, capsys):
    unpack_as_argos_does(package_file, argos_folder)
    before = snapshot(argos_folder)
    with pytest.raises(ModelPackageError, match="belongs to Argos Translate") as refused:
        models.remove_package("en", "es", packages)
    assert refused.value.code == "A11Y412"
    assert main(["models", "remove", "en", "es"]) == 2
    assert "[A11Y412]" in capsys.readouterr().err
    assert snapshot(argos_folder) == before
