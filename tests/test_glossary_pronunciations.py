"""The glossary's ``say_*`` columns: checked when the glossary is read, so a pronunciation
espeak would misread stops a build with one line naming the glossary line, before any work."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from a11ykit.cli import main
from a11ykit.errors import GlossaryError
from a11ykit.terms.glossary import read_glossary

HEADER = "kind,en,es,case,lang,abbr_en,abbr_es,say_en,say_es,note\n"
PAGE = b"<!DOCTYPE html><html lang='es'><body><p>La NASA dijo hola.</p></body></html>"


def row(say_en: str = "", say_es: str = "") -> str:
    return f'keep,ICE,,exact,,,,,,\nkeep,NASA,,exact,,,,"{say_en}","{say_es}",agency\n'


@pytest.mark.parametrize(
    "said",
    ["[[n'as@", "nasa]]", "[[n'a]]s@]]", "[n'as@]", "[[n'as@]] [[x"],
    ids=["unterminated", "unopened", "extra-close", "single-brackets", "second-unterminated"],
)
@pytest.mark.parametrize("column", ["say_en", "say_es"])
def test_a_pronunciation_espeak_would_misread_is_refused_naming_the_line_and_column(said: str, column: str) -> None:
    rows = row(**{column: said})
    with pytest.raises(GlossaryError, match=rf"^terms.csv:3: {column}: "):
        read_glossary(io.StringIO(HEADER + rows), "terms.csv")


@pytest.mark.parametrize("said", ["nasa", "[[n'as@]]", "[[n'as@]] agency", "the [[n'as@]] and [[aIs]]"])
def test_respellings_and_whole_phoneme_groups_are_accepted(said: str) -> None:
    glossary = read_glossary(io.StringIO(HEADER + row(say_en=said)), "terms.csv")
    assert glossary.find("NASA").pronunciations == {"en": said}


def test_a_build_with_an_unterminated_phoneme_group_exits_2_with_one_line_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    glossary = tmp_path / "terms.csv"
    glossary.write_text(HEADER + row(say_en="[[nasa"), encoding="utf-8")
    page = tmp_path / "nasa.html"
    page.write_bytes(PAGE)
    argv = ["build", page, "--to", "en", "--glossary", glossary, "--out", tmp_path / "out",
            "--locales", tmp_path / "locales", "--engine", "apertium"]
    code = main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip().splitlines() == [
        f"a11ykit: error: {glossary}:3: say_en: unbalanced [[…]] in '[[nasa' "
        "(espeak phonemes go in double brackets: [[sEk'oUt]]) [A11Y200]"
    ]
    assert not (tmp_path / "out").exists() and not (tmp_path / "locales").exists()
