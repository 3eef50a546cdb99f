"""a11ykit installed from its wheel works like the checkout: outside the repository, from an
empty folder, the Spanish page gets its Spanish UI strings and the glossary a11ykit ships.

The wheel is built from a copy of the sources (``pip wheel . --no-deps``) and installed into a
fresh venv without the system's site-packages; its dependencies come from the package index the
way a user's ``pip install`` gets them."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup

from a11ykit.terms.glossary import load_glossary

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "cecot.html"
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "glossary", "src")


def _run(args: list[str | Path], cwd: Path, timeout: int = 240) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "A11YKIT_LOCALES", "VIRTUAL_ENV")}
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the wheel, the fresh venv's bin folder)."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    source.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():  # links kept as links: src/a11ykit/glossary is one
            shutil.copytree(
                path, source / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
            )
        else:
            shutil.copy2(path, source / name)
    _run([sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-q", "-w", base / "dist"], cwd=source)
    (wheel,) = (base / "dist").glob("a11ykit-*.whl")
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", venv], cwd=base)
    _run([venv / "bin" / "python", "-m", "pip", "install", "-q", wheel], cwd=base)
    shutil.rmtree(source)  # nothing of the sources is left to find
    return wheel, venv / "bin"


@pytest.fixture(scope="module")
def spanish_page(installed: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    """The example built into Spanish by the installed a11ykit, from a folder holding only the page."""
    _, bin_dir = installed
    work = tmp_path_factory.mktemp("empty")
    shutil.copy2(EXAMPLE, work / "cecot.html")
    _run(
        [
            bin_dir / "a11ykit",
            "build",
            "cecot.html",
            "--to",
            "es",
            "--engine",
            "apertium",
            "--no-audio",
            "--out",
            "out",
        ],
        cwd=work,
    )
    page = (work / "out" / "cecot.es.html").read_text(encoding="utf-8")
    report = json.loads((work / "out" / "cecot.es.report.json").read_text(encoding="utf-8"))
    return page, report


def _fixed_part(message: str) -> str:
    """The longest stretch of a UI string without a placeholder."""
    return max(re.split(r"\{[^{}]*\}", message), key=len).strip()


def test_the_installed_package_is_imported_not_the_checkout(installed: tuple[Path, Path], tmp_path: Path) -> None:
    _, bin_dir = installed
    where = _run([bin_dir / "python", "-c", "import a11ykit; print(a11ykit.__file__)"], cwd=tmp_path).stdout.strip()
    assert Path(where).is_relative_to(bin_dir.parent)


def test_the_spanish_page_speaks_spanish_in_its_own_strings(spanish_page: tuple[str, dict]) -> None:
    page, _ = spanish_page
    soup = BeautifulSoup(page, "html.parser")
    shown = " ".join(
        [soup.get_text(" ")] + [str(tag["aria-label"]) for tag in soup.find_all(attrs={"aria-label": True})]
    )
    shown = " ".join(shown.split())
    with open(ROOT / "src" / "a11ykit" / "locales" / "es" / "LC_MESSAGES" / "a11ykit.po", encoding="utf-8") as f:
        catalog = read_po(f)
    messages = [m for m in catalog if m.id and m.string]
    spanish = [m for m in messages if _fixed_part(m.string) in shown]
    english = [m.id for m in messages if _fixed_part(m.id) in shown]
    assert english == []
    assert len(spanish) >= 3  # the notice, its link and its landmark's name at least


def test_the_page_follows_the_glossary_a11ykit_ships(
    spanish_page: tuple[str, dict], installed: tuple[Path, Path]
) -> None:
    page, report = spanish_page
    _, bin_dir = installed
    assert Path(report["glossary"]["path"]).is_relative_to(bin_dir.parent)
    glossary = load_glossary(ROOT / "glossary" / "terms.csv")
    assert report["glossary"]["terms"] == len(glossary.terms)
    source = EXAMPLE.read_text(encoding="utf-8")
    mapped = [t for t in glossary.terms if t.kind == "map" and t.forms["en"][0] in source]
    assert mapped
    for term in mapped:
        assert term.forms["es"][0] in page, term.key
    assert report["violations"] == []


def test_version_is_the_wheels(installed: tuple[Path, Path], tmp_path: Path) -> None:
    wheel, bin_dir = installed
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        version = re.search(r"^Version: (\S+)$", archive.read(metadata).decode(), re.MULTILINE)
    assert version is not None
    printed = _run([bin_dir / "a11ykit", "--version"], cwd=tmp_path).stdout.strip()
    assert printed == f"a11ykit {version.group(1)}"
