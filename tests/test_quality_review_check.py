"""``a11ykit review check`` fails a page that is mostly untranslated or poor (issue #10): the
copy-model Argos package leaves the example in English, so its page fails with exit 1 and says
why; the Apertium page passes the quality part; the thresholds are flags."""

from __future__ import annotations

import pytest

from a11ykit.cli import main
from argos_package import cached_package, isolate_environment
from conftest import EXAMPLES


def build(root, engine: str) -> None:
    assert main(["build", str(EXAMPLES / "cecot.html"), "--to", "es", "--engine", engine, "--out", str(root / "out"),
                 "--locales", str(root / "locales"), "--no-audio"]) == 0


@pytest.fixture(scope="module")
def copy_model_build(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    root = tmp_path_factory.mktemp("argos-copy")
    packages = isolate_environment(mp, root / "env")
    try:
        assert main(["models", "install", str(cached_package(root / "package-cache")), "--dir", str(packages)]) == 0
        build(root, "argos")
    finally:
        mp.undo()
    return root


@pytest.fixture(scope="module")
def apertium_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("apertium")
    build(root, "apertium")
    return root


def check(capsys, root, *flags: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["review", "check", str(EXAMPLES / "cecot.html"), "--to", "es", "--out", str(root / "out"),
                 "--locales", str(root / "locales"), *flags])
    return code, capsys.readouterr().out


def test_the_copy_model_page_fails_with_exit_1_and_says_why(capsys, copy_model_build):
    code, out = check(capsys, copy_model_build)
    assert code == 1
    assert "FAILED: the page is mostly untranslated or poor" in out
    assert "source-word" in out.split("quality:")[1].splitlines()[0]


def test_the_apertium_page_is_not_failed_for_its_quality(capsys, apertium_build):
    _, out = check(capsys, apertium_build)
    assert "quality: " in out and "FAILED" not in out


@pytest.mark.parametrize(
    ("flags", "fails"),
    [(("--poor-below", "1", "--max-poor-share", "0"), True), (("--poor-below", "0.5", "--max-poor-share", "1"), False)],
)
def test_the_thresholds_are_flags(capsys, apertium_build, flags, fails):
    _, out = check(capsys, apertium_build, *flags)
    assert ("FAILED: the page is mostly untranslated or poor" in out) is fails


def test_the_copy_model_page_passes_only_when_every_sentence_may_be_poor(capsys, copy_model_build):
    _, out = check(capsys, copy_model_build, "--max-poor-share", "1")
    assert "FAILED" not in out


@pytest.mark.parametrize("value", ["2", "-0.1", "half"])
def test_a_threshold_outside_0_to_1_is_refused_in_one_line(capsys, apertium_build, value):
    with pytest.raises(SystemExit) as exited:
        main(["review", "check", str(EXAMPLES / "cecot.html"), "--to", "es", "--poor-below", value])
    assert exited.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
