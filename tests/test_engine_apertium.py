import pytest

from a11ykit.errors import EngineError
from a11ykit.text import tagged
from a11ykit.translate.engines.apertium import ApertiumEngine
from a11ykit.translate.engines.base import select_engine
from engine_contract import EngineContract


@pytest.fixture
def engine():
    return ApertiumEngine()


class TestApertiumEnglishToSpanish(EngineContract):
    pair = ("en", "es")


class TestApertiumSpanishToEnglish(EngineContract):
    pair = ("es", "en")


def test_inline_tags_survive_and_stay_on_their_words(engine):
    (out,) = engine.translate(["His account to <1>the investigators</1> is long."], "en", "es")
    assert "<1>" in out and "</1>" in out
    assert "detectives" in out.split("<1>")[1].split("</1>")[0] or "investigadores" in out


def test_unknown_words_are_not_marked_with_stars(engine):
    (out,) = engine.translate(["The zorblax was seen."], "en", "es")
    assert "*" not in out and "zorblax" in out


@pytest.mark.parametrize(("text", "kept"), [("By Laura Pineda · July 25.", "·"), ("Rate it *5 stars.", "*5")])
def test_an_unknown_symbol_loses_its_mark_but_a_source_star_stays(engine, text, kept):
    (out,) = engine.translate([text], "en", "es")
    assert kept in out and "*·" not in out


def test_the_words_apertium_did_not_know_are_kept_but_not_lock_tokens(engine):
    engine.translate(["The zorblax was seen by QZXA.", "Court filings show it."], "en", "es")
    assert {"zorblax", "filings"} <= engine.unknown_words
    assert not any(w.upper().startswith("QZX") for w in engine.unknown_words)


@pytest.mark.parametrize(
    "nested",
    ["<1><2></2></1> Watch Now", "<1><2></2>Watch</1> now", "Watch <1><2></2></1>", "<1><2></2><3></3></1>"],
)
def test_an_empty_nested_element_neither_stops_the_batch_nor_is_lost(engine, nested):
    batch = [nested, "Good morning", "The house is red."]
    out = engine.translate(batch, "en", "es")
    assert out[1:] == engine.translate(batch[1:], "en", "es")
    assert out[1] != batch[1] and out[2] != batch[2]
    assert tagged.numbers(out[0]) == tagged.numbers(nested)


def test_a_sentence_starting_with_a_lock_token_keeps_the_next_word_lower_case(engine):
    (out,) = engine.translate(["QZXA was built for the campaign."], "en", "es")
    assert out.startswith("QZXA estuvo") or not out.split()[1][0].isupper()


@pytest.fixture
def pipelines(monkeypatch):
    """The Apertium pipelines started from here on (their argument lists)."""
    import subprocess

    started = []
    real = subprocess.Popen

    def counting(args, *rest, **kwargs):
        if "-f" in args:
            started.append(args)
        return real(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", counting)
    return started


def test_the_whole_batch_is_one_process_call(engine, pipelines):
    engine.translate([f"Sentence number {i}." for i in range(40)], "en", "es")
    assert len(pipelines) == 1


BATCH = ["His account to <1>the investigators</1> is long.", "The prison holds men from Venezuela."]


@pytest.mark.parametrize(("source", "target"), [("en", "es"), ("es", "en")])
def test_a_call_after_warm_up_uses_the_waiting_pipeline_and_answers_as_a_fresh_one(source, target, pipelines):
    batch = BATCH if source == "en" else ["Su relato a <1>los investigadores</1> es largo.", "La cárcel es grande."]
    fresh = ApertiumEngine().translate(batch, source, target)
    warmed = ApertiumEngine()
    warmed.warm_up(source, target)
    assert warmed.translate(batch, source, target) == fresh
    assert len(pipelines) == 2  # one for the fresh call, one started by warm_up; the call started none


def test_warm_up_keeps_one_waiting_pipeline_per_pair(pipelines):
    from a11ykit.translate.engines.apertium import stop_waiting

    try:
        ApertiumEngine().warm_up("en", "es")
        ApertiumEngine().warm_up("en", "es")
        assert len(pipelines) == 1
    finally:
        stop_waiting()


def test_a_waiting_pipeline_that_died_is_not_used(engine):
    import signal

    from a11ykit.translate.engines import apertium

    engine.warm_up("en", "es")
    (waiting,) = apertium._WAITING.values()
    waiting.send_signal(signal.SIGINT)
    waiting.wait(timeout=10)
    assert engine.translate(BATCH, "en", "es") == ApertiumEngine().translate(BATCH, "en", "es")
    assert not apertium._WAITING


def test_stop_waiting_ends_the_pipelines_no_call_used(engine):
    from a11ykit.translate.engines import apertium

    engine.warm_up("es", "en")
    (waiting,) = apertium._WAITING.values()
    apertium.stop_waiting()
    assert waiting.poll() is not None and not apertium._WAITING


def test_an_unknown_engine_name_is_an_engine_error():
    with pytest.raises(EngineError, match="unknown engine"):
        select_engine("babelfish", "en", "es")


def test_the_installed_modes_and_the_version_are_asked_once_per_process(monkeypatch):
    from a11ykit.translate.engines import apertium

    calls = []
    real_run = apertium.subprocess.run

    def run(argv, *args, **kwargs):
        calls.append(argv[1:])
        return real_run(argv, *args, **kwargs)

    apertium._installed_modes.cache_clear()
    apertium._package_version.cache_clear()
    monkeypatch.setattr(apertium.subprocess, "run", run)
    engines = [apertium.ApertiumEngine(), apertium.ApertiumEngine()]  # a build's, and its round trip's
    assert all(e.supports("en", "es") and e.supports("es", "en") for e in engines)
    assert len({e.describe() for e in engines}) == 1
    assert calls == [["-l"], ["-W", "-f=${Version}", "apertium-eng-spa"]]
