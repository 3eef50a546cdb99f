"""Every PO catalog a11ykit ships (its UI strings) or writes (the translators' catalogs) has a
complete header and passes ``msgfmt --check``, which also checks the placeholders of every
entry flagged ``python-brace-format``."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from email import message_from_string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from a11ykit import __version__
from a11ykit.cli import main
from a11ykit.l10n import placeholders
from a11ykit.review.catalog import header_fields, read_catalog

ROOT = Path(__file__).resolve().parents[1]
UI_CATALOGS = sorted((ROOT / "src" / "a11ykit" / "locales").glob("*/LC_MESSAGES/a11ykit.po"))
HEADER_FIELDS = (
    "Project-Id-Version",
    "PO-Revision-Date",
    "Language-Team",
    "Language",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
)


@pytest.fixture(scope="module")
def written_catalogs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The translators' catalogs of both example pages, as a build writes them."""
    work = tmp_path_factory.mktemp("catalogs")
    for page, target in (("cecot.html", "es"), ("cecot.es.html", "en")):
        shutil.copy2(ROOT / "examples" / page, work / page)
        code = main(
            [
                "build",
                str(work / page),
                "--to",
                target,
                "--engine",
                "apertium",
                "--no-audio",
                "--out",
                str(work / "out"),
                "--locales",
                str(work / "locales"),
            ]
        )
        assert code == 0
    return sorted((work / "locales").glob("*/LC_MESSAGES/*.po"))


def headers(path: Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8")
    header = text.split('msgid ""\nmsgstr ""\n', 1)[1].split("\n\n", 1)[0]
    fields = [line.strip('"').removesuffix("\\n") for line in header.splitlines()]
    return dict(field.split(": ", 1) if ": " in field else (field.rstrip(":"), "") for field in fields)


def msgfmt_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True, check=False
    )


def test_there_are_catalogs_of_both_kinds(written_catalogs):
    assert [p.parent.parent.name for p in UI_CATALOGS] == ["en", "es"]
    assert [p.parent.parent.name for p in written_catalogs] == ["en", "es"]


@pytest.mark.parametrize("kind", ["shipped", "written"])
def test_every_catalog_passes_msgfmt_check(kind, written_catalogs):
    for path in UI_CATALOGS if kind == "shipped" else written_catalogs:
        checked = msgfmt_check(path)
        assert (checked.returncode, checked.stderr) == (0, ""), path


@pytest.mark.parametrize("kind", ["shipped", "written"])
def test_every_catalog_has_a_complete_header(kind, written_catalogs):
    for path in UI_CATALOGS if kind == "shipped" else written_catalogs:
        found = headers(path)
        assert [f for f in HEADER_FIELDS if not found.get(f)] == [], path
        assert found["Language"] == path.parent.parent.name
        assert found["Content-Type"].lower() == "text/plain; charset=utf-8"
        last = found["Last-Translator"]  # a name with an address, or empty: left for the translator
        assert last == "" or re.fullmatch(r"[^<>]+ <[^<>@\s]+@[^<>@\s]+>", last), f"{path}: {last!r}"


def test_project_id_version_is_the_same_in_every_language_and_names_a11ykits_version(written_catalogs):
    assert {headers(p)["Project-Id-Version"] for p in UI_CATALOGS} == {f"a11ykit {__version__}"}
    assert {headers(p)["Project-Id-Version"] for p in written_catalogs} == {f"a11ykit-cecot {__version__}"}


@pytest.mark.parametrize("path", UI_CATALOGS, ids=lambda p: p.parent.parent.name)
def test_every_ui_string_with_a_placeholder_is_flagged_python_brace_format(path):
    with path.open(encoding="utf-8") as f:
        catalog = read_po(f)
    with_placeholders = [m for m in catalog if m.id and placeholders(str(m.id))]
    assert with_placeholders
    assert [m.id for m in with_placeholders if "python-brace-format" not in m.flags] == []


def test_msgfmt_check_refuses_a_translation_with_another_placeholder(tmp_path):
    spanish = next(p for p in UI_CATALOGS if p.parent.parent.name == "es")
    text = spanish.read_text(encoding="utf-8")
    broken = text.replace("original en {language}.", "original en {idioma}.")
    assert broken != text
    (tmp_path / "a11ykit.po").write_text(broken, encoding="utf-8")
    checked = msgfmt_check(tmp_path / "a11ykit.po")
    assert checked.returncode != 0 and "idioma" in checked.stderr


#: Header strings as a PO file's ``msgid ""`` entry holds them, and whether they are plain lines
#: (split here) or need the email parser (a folded line, a name with a space, no colon, a CR).
HEADERS = {
    "plain": ("Project-Id-Version: cecot 1\nLast-Translator: José <j@x.es>\nLanguage: es\n", True),
    "a value with spaces around": ("Language-Team:   Spanish team  \nPlural-Forms: nplurals=2; plural=(n != 1);\n",
                                   True),
    "an empty value and no final newline": ("Report-Msgid-Bugs-To:\nLanguage: es", True),
    "empty": ("", True),
    "folded": ("Project-Id-Version: cecot\n 1\nLanguage: es\n", False),
    "a name with a space": ("Project Id: cecot\nLanguage: es\n", False),
    "no colon": ("Project-Id-Version cecot\n", False),
    "a carriage return": ("Language: es\r\nMIME-Version: 1.0\n", False),
}


@pytest.mark.parametrize(("text", "plain"), HEADERS.values(), ids=HEADERS.keys())
def test_a_header_of_plain_lines_is_split_as_the_email_parser_splits_it(text, plain):
    fields = header_fields(text)
    assert (fields is not None) == plain
    assert fields is None or fields == message_from_string(text).items()


@pytest.mark.parametrize("po", UI_CATALOGS, ids=lambda p: p.parts[-3])
def test_a_catalog_is_read_with_the_header_babel_reads(po):
    ours, babels = read_catalog(io.BytesIO(po.read_bytes())), read_po(io.BytesIO(po.read_bytes()))
    assert (ours.mime_headers, ours.header_comment, ours.fuzzy, ours.locale, ours.plural_forms) == (
        babels.mime_headers, babels.header_comment, babels.fuzzy, babels.locale, babels.plural_forms)
    assert [(m.id, m.string, m.context) for m in ours] == [(m.id, m.string, m.context) for m in babels]
