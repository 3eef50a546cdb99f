"""The pages' UI strings come from catalogs translators edit: their text is data, never code.

A translation is filled in with ``format_ui`` (named placeholders only, never ``str.format``),
and a UI catalog with a placeholder its msgid lacks, or bytes that are not UTF-8, is refused
with one line naming the line, before anything is written.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from a11ykit.cli import main
from a11ykit.errors import InputError
from a11ykit.l10n import format_ui, ui_translations
from a11ykit.speak import speech_items

ROOT = Path(__file__).resolve().parent.parent
SPANISH_UI = ROOT / "src" / "a11ykit" / "locales" / "es" / "LC_MESSAGES" / "a11ykit.po"
PAGE = (
    b"<!DOCTYPE html><html lang='en'><body><p>He was held in March.</p>"
    b"<img src='a.jpg' alt='A prison yard'></body></html>"
)
NOTICE = "Esta página es una traducción automática del original en {language}."
IMAGE = "Imagen: {description}"


def ui_catalog(locales: Path, replace: str = "", by: str = "", *, raw: bytes | None = None) -> Path:
    """The project's Spanish UI catalog under ``locales``, with one msgstr edited (or other bytes)."""
    text = SPANISH_UI.read_text(encoding="utf-8")
    assert not replace or replace in text
    path = locales / "es" / "LC_MESSAGES" / "a11ykit.po"
    path.parent.mkdir(parents=True)
    path.write_bytes(raw if raw is not None else text.replace(replace, by).encode("utf-8"))
    return path


def line_of(path: Path, text: str) -> int:
    """The (1-based) number of the first line of ``path`` that holds ``text``."""
    lines = path.read_bytes().split(b"\n")
    return next(n for n, line in enumerate(lines, 1) if text.encode() in line)


def build(capsys: pytest.CaptureFixture[str], tmp_path: Path, locales: Path) -> tuple[int, str, str]:
    page = tmp_path / "story.html"
    page.write_bytes(PAGE)
    argv = ["build", str(page), "--to", "es", "--engine", "apertium", "--no-audio",
            "--out", str(tmp_path / "out"), "--ui-locales", str(locales), "--locales", str(tmp_path / "catalogs")]
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


# --- format_ui ----------------------------------------------------------------------------------


def test_a_named_placeholder_is_filled_in() -> None:
    assert format_ui("del original en {language}.", language="inglés") == "del original en inglés."


def test_a_placeholder_may_appear_anywhere_and_more_than_once() -> None:
    assert format_ui("{language}: original en {language}", language="inglés") == "inglés: original en inglés"


@pytest.mark.parametrize(
    "template",
    [
        "{language.__class__.__mro__}",
        "{language.__init__.__globals__}",
        "{language[0]}",
        "{language!r}",
        "{language:>40}",
        "{0}",
        "{}",
        "{other}",
        "{ language }",
    ],
)
def test_anything_but_a_known_name_in_braces_stays_literal(template: str) -> None:
    assert format_ui(f"en {template}.", language="inglés") == f"en {template}."


def test_a_value_with_braces_is_not_formatted_again() -> None:
    assert format_ui("Imagen: {description}", description="{description} {0}") == "Imagen: {description} {0}"


def test_a_lone_brace_is_text() -> None:
    assert format_ui("a { b } c {", language="x") == "a { b } c {"


# --- loading a UI catalog ------------------------------------------------------------------------


def test_the_projects_ui_catalogs_load() -> None:
    for lang in ("en", "es"):
        assert ui_translations(lang).gettext("Read the original")


@pytest.mark.parametrize(
    ("replace", "by", "placeholder"),
    [
        (NOTICE, NOTICE.replace("{language}", "{language.__class__.__mro__}"), "{language.__class__.__mro__}"),
        (NOTICE, NOTICE.replace("{language}", "{0}"), "{0}"),
        (NOTICE, NOTICE.replace("{language}", "{language!r}"), "{language!r}"),
        (IMAGE, "Imagen: {x}", "{x}"),
        ("Leer el original", "Leer el {original}", "{original}"),
    ],
    ids=["attribute-lookup", "positional", "conversion", "unknown-name", "msgid-without-placeholders"],
)
def test_a_translation_with_a_placeholder_its_msgid_lacks_is_refused_naming_the_line(
    tmp_path: Path, replace: str, by: str, placeholder: str
) -> None:
    po = ui_catalog(tmp_path / "locales", replace, by)
    with pytest.raises(InputError, match="unknown placeholder") as caught:
        ui_translations("es", tmp_path / "locales")
    assert caught.value.code == "A11Y141"
    msgid_line = line_of(po, by) - 1  # a message is numbered by its msgid, the line above its msgstr
    assert f"a11ykit.po:{msgid_line}:" in str(caught.value)
    assert placeholder in str(caught.value)


def test_a_fuzzy_translation_is_not_used_so_not_checked(tmp_path: Path) -> None:
    ui_catalog(tmp_path / "locales", f'msgid "Image: {{description}}"\nmsgstr "{IMAGE}"',
               '#, fuzzy\nmsgid "Image: {description}"\nmsgstr "Imagen: {x}"')
    assert ui_translations("es", tmp_path / "locales").gettext("Image: {description}") == "Image: {description}"


def test_a_catalog_that_is_not_utf8_is_refused_naming_the_line(tmp_path: Path) -> None:
    text = SPANISH_UI.read_bytes()
    po = ui_catalog(tmp_path / "locales", raw=text.replace(b"Leer el original", b"Leer el original \xff"))
    with pytest.raises(InputError, match="not UTF-8") as caught:
        ui_translations("es", tmp_path / "locales")
    assert caught.value.code == "A11Y140"
    assert f"a11ykit.po:{line_of(po, 'Leer el original')}:" in str(caught.value)  # the line of the byte


def test_a_latin1_catalog_is_refused_even_when_its_header_says_so(tmp_path: Path) -> None:
    text = SPANISH_UI.read_text(encoding="utf-8").replace("charset=UTF-8", "charset=ISO-8859-1")
    ui_catalog(tmp_path / "locales", raw=text.encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        ui_translations("es", tmp_path / "locales")


def test_a_catalog_msgfmt_would_reject_is_refused_naming_the_line(tmp_path: Path) -> None:
    po = ui_catalog(tmp_path / "locales", 'msgstr "Idioma"', "msgstr Idioma")
    with pytest.raises(InputError) as caught:
        ui_translations("es", tmp_path / "locales")
    assert f"a11ykit.po:{line_of(po, 'msgstr Idioma')}:" in str(caught.value)


# --- through the command line and the narration -------------------------------------------------


def test_a_build_with_a_hostile_ui_catalog_exits_2_with_one_line_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    locales = tmp_path / "locales"
    ui_catalog(locales, NOTICE, NOTICE.replace("{language}", "{language.__class__.__mro__}"))
    code, _, err = build(capsys, tmp_path, locales)
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert "unknown placeholder {language.__class__.__mro__}" in err and "[A11Y141]" in err
    assert "class" not in err.replace("{language.__class__.__mro__}", "")  # no Python internals
    assert not (tmp_path / "out").exists()
    assert sorted(p.name for p in (locales / "es" / "LC_MESSAGES").iterdir()) == ["a11ykit.po"]


def test_a_build_with_a_ui_catalog_that_is_not_utf8_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    locales = tmp_path / "locales"
    ui_catalog(locales, raw=SPANISH_UI.read_bytes().replace(b"Idioma", b"Idioma \xfe\xff"))
    code, _, err = build(capsys, tmp_path, locales)
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert "not UTF-8" in err and "[A11Y140]" in err
    assert not (tmp_path / "out").exists()


def test_a_translation_that_moves_its_placeholder_is_filled_in_on_the_page(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    locales = tmp_path / "locales"
    ui_catalog(locales, NOTICE, "Original en {language}: esta página es una traducción automática.")
    code, _, err = build(capsys, tmp_path, locales)
    assert code == 0, err
    html = (tmp_path / "out" / "story.es.html").read_text(encoding="utf-8")
    assert "Original en inglés: esta página es una traducción automática." in html


def test_an_image_is_announced_with_the_catalogs_words_and_its_description_verbatim(tmp_path: Path) -> None:
    locales = tmp_path / "locales"
    ui_catalog(locales, IMAGE, "Foto ({description})")
    page = PAGE.replace(b"A prison yard", b"A yard {description} {0}")
    items = speech_items(page, "es", ui_dir=locales)
    assert [item.text for item in items if item.kind == "image"] == ["Foto (A yard {description} {0})"]


def test_the_narration_refuses_a_hostile_image_string(tmp_path: Path) -> None:
    locales = tmp_path / "locales"
    ui_catalog(locales, IMAGE, "Imagen: {description.__class__}")
    with pytest.raises(InputError, match=re.escape("unknown placeholder {description.__class__}")):
        speech_items(PAGE, "es", ui_dir=locales)
