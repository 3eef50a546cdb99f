"""The Argos engine, run on a tiny real package whose model copies its input."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import ClassVar

import ctranslate2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from a11ykit.errors import EngineError
from a11ykit.text import tagged
from a11ykit.translate import packages as models
from a11ykit.translate.engines import create_engine, select_engine
from a11ykit.translate.engines.argos import ArgosEngine, available_cores
from a11ykit.translate.engines.base import Engine, lock_token
from argos_package import cached_package
from engine_contract import EngineContract

pytestmark = pytest.mark.usefixtures("packages")  # every test gets its own HOME, XDG folders, package folder

ARTICLE = [
    "“I Survived CECOT”: Andry Hernández Romero On A 125-day Ordeal After A Trump Deportation",
    "We have covered Andry Hernández Romero’s case from the first reports of his transfer.",
    "This week, he spoke at length about what kept him alive — and what comes next.",
    "¿Qué pasó? Él habló 3 horas, 42 % del tiempo en español.",
]


@pytest.fixture
def engine(package_file: Path, packages: Path) -> ArgosEngine:
    models.install_file(package_file, packages)
    return ArgosEngine(packages)


class CountingTranslator:
    """Wraps ctranslate2.Translator to record every translate_batch call."""

    calls: ClassVar[list[tuple[list[list[str]], dict]]] = []  # every instance's calls

    def __init__(self, *args: object, **kwargs: object) -> None:
        self._real = _RealTranslator(*args, **kwargs)

    def translate_batch(self, batch: list[list[str]], **kwargs: object):
        CountingTranslator.calls.append((batch, kwargs))
        return self._real.translate_batch(batch, **kwargs)


_RealTranslator = ctranslate2.Translator


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[list[list[str]], dict]]:
    CountingTranslator.calls = []
    monkeypatch.setattr(ctranslate2, "Translator", CountingTranslator)
    return CountingTranslator.calls


# --- the Engine contract ---------------------------------------------------------------


class TestArgosWithTheCopyModel(EngineContract):
    """The behaviour every engine shows, on the copy-model package."""


def test_the_engine_meets_the_engine_protocol(engine: ArgosEngine) -> None:
    assert isinstance(engine, Engine)
    assert engine.name == "argos"


def test_each_sentence_comes_back_exactly_through_the_copy_model(engine: ArgosEngine) -> None:
    assert engine.translate(ARTICLE, "en", "es") == ARTICLE


def test_lock_tokens_pass_through_unchanged(engine: ArgosEngine) -> None:
    sentence = f"{lock_token(0)} told {lock_token(1)} about {lock_token(27)}."
    assert engine.translate([sentence], "en", "es") == ["QZXA told QZXB about QZXAB."]


def test_inline_tags_are_stripped_and_plain_text_returned(engine: ArgosEngine) -> None:
    tagged_sentence = "His account to <1>Tim Miller</1> at <2>The <3>Bulwark</3></2> tracks<4/>."
    assert engine.translate([tagged_sentence], "en", "es") == ["His account to Tim Miller at The Bulwark tracks."]


def test_a_literal_tag_lookalike_stays_escaped(engine: ArgosEngine) -> None:
    assert engine.translate(["I &lt;3> news"], "en", "es") == ["I &lt;3> news"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=60))
def test_any_text_comes_back_as_its_plain_words(engine: ArgosEngine, text: str) -> None:
    assert engine.translate([text], "en", "es") == [tagged.escape(tagged.plain(text))]


def test_outputs_keep_the_order_of_the_inputs(engine: ArgosEngine) -> None:
    reordered = list(reversed(ARTICLE))
    assert engine.translate(reordered, "en", "es") == reordered


def test_an_empty_batch_is_answered_without_loading_a_model(packages: Path, calls: list) -> None:
    assert ArgosEngine(packages).translate([], "en", "es") == []
    assert calls == []


def test_empty_sentences_stay_empty(engine: ArgosEngine) -> None:
    assert engine.translate(["", "Hello.", "<1></1>"], "en", "es") == ["", "Hello.", ""]


def test_a_long_sentence_is_not_cut_short(engine: ArgosEngine) -> None:
    sentence = " ".join(["Hernández Romero spoke about the mega-prison."] * 10)  # 360 pieces: past the 256 default
    assert engine.translate([sentence], "en", "es") == [sentence]


# --- one model call per document ------------------------------------------------------


def test_a_document_costs_one_translate_batch_call(engine: ArgosEngine, calls: list) -> None:
    engine.translate(ARTICLE, "en", "es")
    engine_batch, _ = calls[0]
    assert len(calls) == 1
    assert len(engine_batch) == len(ARTICLE)


def test_repeated_sentences_are_translated_once(engine: ArgosEngine, calls: list) -> None:
    texts = [ARTICLE[0], ARTICLE[1], ARTICLE[0], f"<1>{ARTICLE[1]}</1>"]
    assert engine.translate(texts, "en", "es") == [ARTICLE[0], ARTICLE[1], ARTICLE[0], ARTICLE[1]]
    assert len(calls[0][0]) == 2


def test_batches_are_built_by_tokens_with_the_configured_beam(package_file: Path, packages: Path, calls: list) -> None:
    models.install_file(package_file, packages)
    ArgosEngine(packages, beam_size=3).translate(ARTICLE, "en", "es")
    options = calls[0][1]
    assert (options["batch_type"], options["max_batch_size"], options["beam_size"]) == (
        "tokens",
        ArgosEngine.MAX_BATCH_TOKENS,
        3,
    )


def test_the_model_is_loaded_once_per_pair(engine: ArgosEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    loads: list[object] = []

    def counting(*args: object, **kwargs: object) -> object:
        loads.append(args)
        return _RealTranslator(*args, **kwargs)

    monkeypatch.setattr(ctranslate2, "Translator", counting)
    engine.translate(ARTICLE[:1], "en", "es")
    engine.translate(ARTICLE[1:], "en", "es")
    assert len(loads) == 1


def test_an_older_bpe_package_translates_through_moses_and_bpe(
    tmp_path_factory: pytest.TempPathFactory, packages: Path
) -> None:
    bpe_package = cached_package(
        tmp_path_factory.getbasetemp() / "argos-package-cache", "es", "en", tokenizer="bpe"
    )
    models.install_file(bpe_package, packages)
    sentences = ["Hernández Romero habló con QZXA y QZXB, ¿verdad?", "Zyxwv 日本 ĳ."]  # unknowns come back too
    assert ArgosEngine(packages).translate(sentences, "es", "en") == sentences


# --- settings ---------------------------------------------------------------------------


def test_threads_never_exceed_the_cores(packages: Path) -> None:
    assert ArgosEngine(packages, threads=1000).threads == available_cores()


def test_int8_is_used_where_the_cpu_supports_it(engine: ArgosEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ctranslate2, "get_supported_compute_types", lambda device: {"int8", "float32"})
    engine.translate(ARTICLE[:1], "en", "es")
    assert engine._loaded[("en", "es")].compute_type == "int8"


def test_without_int8_support_the_model_loads_as_saved(engine: ArgosEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ctranslate2, "get_supported_compute_types", lambda device: {"float32"})
    assert engine.translate(ARTICLE[:1], "en", "es") == ARTICLE[:1]
    assert engine._loaded[("en", "es")].compute_type == "default"


def test_a_beam_size_below_one_is_refused(packages: Path) -> None:
    with pytest.raises(EngineError, match="beam size"):
        ArgosEngine(packages, beam_size=0)


# --- what is installed -----------------------------------------------------------------


def test_supports_the_installed_pair_only(engine: ArgosEngine) -> None:
    assert engine.supports("en", "es")
    assert not engine.supports("es", "en")


def test_supports_nothing_when_no_package_is_installed(packages: Path) -> None:
    assert not ArgosEngine(packages).supports("en", "es")


def test_translating_a_pair_without_a_package_says_how_to_install_one(engine: ArgosEngine) -> None:
    with pytest.raises(EngineError, match="a11ykit models install es en"):
        engine.translate(["Hola."], "es", "en")


def test_supports_nothing_without_ctranslate2(engine: ArgosEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ctranslate2", None)
    assert not engine.supports("en", "es")


def test_constructing_without_ctranslate2_gives_an_install_hint(
    packages: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ctranslate2", None)
    with pytest.raises(EngineError, match=r"pip install 'a11ykit\[argos\]'"):
        ArgosEngine(packages)


def test_the_engine_never_imports_argostranslate(engine: ArgosEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "argostranslate", None)  # any import of it would now fail
    assert engine.translate(ARTICLE[:1], "en", "es") == ARTICLE[:1]


def test_describe_names_the_pair_package_version_and_ctranslate2(engine: ArgosEngine) -> None:
    engine.translate(ARTICLE[:1], "en", "es")
    assert engine.describe() == f"argos en→es translate-en_es 0.1 (ctranslate2 {ctranslate2.__version__})"


def test_describe_says_when_no_model_is_installed(packages: Path) -> None:
    assert "(no model installed)" in ArgosEngine(packages).describe()


# --- the engine registry -----------------------------------------------------------------


def test_the_registry_builds_the_engine_on_the_environments_package_folder(engine: ArgosEngine) -> None:
    assert create_engine("argos").package_dir == engine.package_dir


def test_auto_selects_argos_when_its_package_is_installed(engine: ArgosEngine) -> None:
    assert select_engine("auto", "en", "es").name == "argos"


# --- an installed package that cannot be loaded -------------------------------------------


@pytest.fixture
def broken(engine: ArgosEngine) -> Path:
    """The installed en→es package, its model damaged after the install (a disk error, a bad copy)."""
    model = engine.package_dir / "translate-en_es-0_1" / "model" / "model.bin"
    model.write_bytes(b"damaged" * 16)
    return model


def test_auto_falls_back_to_apertium_with_a_warning_when_the_argos_package_does_not_load(broken: Path) -> None:
    warnings: list[str] = []
    assert select_engine("auto", "en", "es", warnings).name == "apertium"
    assert len(warnings) == 1
    assert warnings[0].startswith("the argos engine is installed for en → es but failed to load: cannot load")
    assert warnings[0].endswith("; translating with apertium instead")


def test_auto_gives_no_warning_when_argos_loads(engine: ArgosEngine) -> None:
    warnings: list[str] = []
    assert select_engine("auto", "en", "es", warnings).name == "argos"
    assert warnings == []


def test_asking_for_argos_by_name_with_a_broken_package_fails_before_any_work(broken: Path) -> None:
    with pytest.raises(EngineError, match="cannot load translate-en_es's CTranslate2 model") as failed:
        select_engine("argos", "en", "es")
    assert failed.value.code == "A11Y322"
    assert "\n" not in str(failed.value)


def test_selecting_argos_loads_its_model_once_for_the_whole_build(
    engine: ArgosEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads: list[object] = []

    def counting(*args: object, **kwargs: object) -> object:
        loads.append(args)
        return _RealTranslator(*args, **kwargs)

    monkeypatch.setattr(ctranslate2, "Translator", counting)
    selected = select_engine("auto", "en", "es")
    assert selected.translate(ARTICLE, "en", "es") == ARTICLE
    assert len(loads) == 1


def test_a_build_with_a_broken_argos_package_uses_apertium_and_says_so(
    broken: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from a11ykit.cli import main

    page = tmp_path / "story.html"
    page.write_bytes(b"<!DOCTYPE html><html lang='en'><body><p>He spoke at length.</p></body></html>")
    out = tmp_path / "out"
    code = main(
        ["build", str(page), "--to", "es", "--no-audio", "--out", str(out), "--locales", str(tmp_path / "locales")]
    )
    err = capsys.readouterr().err
    assert code == 0, err
    assert "warning: the argos engine is installed for en → es but failed to load" in err
    report = json.loads((out / "story.es.report.json").read_text(encoding="utf-8"))
    assert report["engine"].startswith("apertium")
    assert any(w.startswith("the argos engine is installed for en → es but failed to load") for w in report["warnings"])
