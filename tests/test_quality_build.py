"""Issue #10's acceptance test on a11ykit's own build: the example article built with the real
Apertium through the CLI; the report, the summary line and the PO carry each sentence's quality
estimate. No rule names the asserted words."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

import a11ykit
from a11ykit.article import Article
from a11ykit.memory import TranslationMemory
from a11ykit.quality import REASON_CODES
from a11ykit.quality.build import is_headline, plain_text
from a11ykit.translate.engines.apertium import ApertiumEngine
from conftest import EXAMPLES
from fakes import UpperEngine


@dataclass
class Build:
    report: dict
    stdout: str
    catalog: Catalog

    @property
    def estimated(self) -> list[dict]:
        return [s for s in self.report["segments"] if "quality" in s]


def build(tmp_path, page: str, target: str, *flags: str) -> Build:
    done = subprocess.run(
        [sys.executable, "-m", "a11ykit", "build", str(EXAMPLES / page), "--to", target, "--engine", "apertium",
         "--no-audio", "--out", str(tmp_path / "out"), "--locales", str(tmp_path / "locales"), *flags],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "out" / f"cecot.{target}.report.json").read_text(encoding="utf-8"))
    with (tmp_path / "locales" / target / "LC_MESSAGES" / "cecot.po").open("rb") as po:
        catalog = read_po(po)
    return Build(report, done.stdout, catalog)


@pytest.fixture(scope="module")
def spanish_build(tmp_path_factory):
    # the estimate of the engine's own output: split-glued-words would mend "Calvariode125" first
    return build(tmp_path_factory.mktemp("es"), "cecot.html", "es", "--no-repairs")


@pytest.fixture(scope="module")
def english_build(tmp_path_factory):
    return build(tmp_path_factory.mktemp("en"), "cecot.es.html", "en")


def reasons_of(built: Build, word: str) -> set[str]:
    return {r["code"] for s in built.estimated for r in s["quality"]["reasons"] if word in r["words"]}


@pytest.mark.parametrize(
    ("word", "code"),
    [("piecing", "source-word"), ("filings", "source-word"), ("bookings", "source-word"),
     ("Calvariode125", "glued-word")],
)
def test_the_spanish_builds_leftover_english_and_glued_words_are_flagged(spanish_build, word, code):
    assert reasons_of(spanish_build, word) == {code}


@pytest.mark.parametrize("word", ["megacárcel", "recluidos", "incapacitación", "penitenciario"])
def test_the_english_builds_leftover_spanish_words_are_flagged(english_build, word):
    assert reasons_of(english_build, word) == {"source-word"}


def test_every_sentence_with_a_flagged_word_holds_that_word(spanish_build):
    for segment in spanish_build.estimated:
        for reason in segment["quality"]["reasons"]:
            if reason["code"] != "round-trip":  # its words are the source's
                assert all(w in segment["text"] for w in reason["words"]), (segment["id"], reason)


def test_every_machine_translated_sentence_has_a_score_and_coded_reasons(spanish_build):
    machine = [s for s in spanish_build.report["segments"] if s["origin"] == "machine"]
    assert machine and all("quality" in s for s in machine)
    for segment in machine:
        assert 0 <= segment["quality"]["score"] <= 1
        assert all(r["code"] in REASON_CODES for r in segment["quality"]["reasons"])


@pytest.mark.parametrize("built", ["spanish_build", "english_build"])
def test_the_reports_page_summary_counts_the_flagged_sentences(request, built):
    built = request.getfixturevalue(built)
    flagged = sum(bool(s["quality"]["reasons"]) for s in built.estimated)
    assert built.report["quality"]["flagged"] == flagged == built.report["summary"]["quality_flagged"]
    assert built.report["quality"]["sentences"] == len(built.estimated)
    assert f"{flagged} sentence(s) flagged for quality" in built.stdout


@pytest.mark.parametrize("built", ["spanish_build", "english_build"])
def test_the_built_pages_are_not_mostly_poor(request, built):
    page = request.getfixturevalue(built).report["quality"]
    assert page["poor"] <= 0.5 * page["sentences"] and page["flagged"] >= 5


def test_the_catalog_gives_each_estimated_sentence_its_score_and_reasons(spanish_build):
    entries = {m.context: m for m in spanish_build.catalog if m.id}
    for segment in spanish_build.estimated:
        quality = segment["quality"]
        lines = [c for c in entries[segment["id"]].auto_comments if c.startswith("quality ")]
        assert len(lines) == 1 and lines[0].startswith(f"quality {quality['score']:.2f}")
        for reason in quality["reasons"]:
            assert re.search(re.escape(reason["code"]) + r" \(" + re.escape(", ".join(reason["words"])), lines[0])


# --- the round trip served by the translation memory ---------------------------------------


class CountingApertium(ApertiumEngine):
    """The real Apertium, recording every translation it is asked for and every pair it is asked about."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str, int]] = []  # (source, target, texts)
        self.asked: list[tuple[str, str]] = []

    def supports(self, source: str, target: str) -> bool:
        self.asked.append((source, target))
        return super().supports(source, target)

    def translate(self, texts, source, target):
        self.calls.append((source, target, len(texts)))
        return super().translate(texts, source, target)


@dataclass
class MemoryBuilds:
    source: str
    target: str
    memory: Path
    plain: Article  # no memory
    cold: Article  # an empty memory
    cold_engine: CountingApertium
    warm: Article  # the same memory again, a fresh engine and output folder (a site's "warm memory" run)
    warm_engine: CountingApertium


def _memory_builds(tmp_path: Path, page: str, source: str, target: str) -> MemoryBuilds:
    def one(name: str, engine: CountingApertium, memory: Path | None) -> Article:
        return a11ykit.build(EXAMPLES / page, to=target, engine=engine, audio=False, out=tmp_path / name,
                             locales=tmp_path / f"locales-{name}", memory=memory)

    memory = tmp_path / "tm.sqlite"
    cold_engine, warm_engine = CountingApertium(), CountingApertium()
    plain = one("plain", CountingApertium(), None)
    cold = one("cold", cold_engine, memory)
    warm = one("warm", warm_engine, memory)
    return MemoryBuilds(source, target, memory, plain, cold, cold_engine, warm, warm_engine)


@pytest.fixture(scope="module", params=[("cecot.html", "en", "es"), ("cecot.es.html", "es", "en")],
                ids=["en-es", "es-en"])
def memory_builds(request, tmp_path_factory) -> MemoryBuilds:
    return _memory_builds(tmp_path_factory.mktemp("memory"), *request.param)


def _estimates(article: Article) -> dict[str, object]:
    return {u.id: u.quality for u in article.units if u.quality is not None}


def test_a_build_with_an_empty_memory_asks_the_engine_for_the_round_trip(memory_builds):
    round_trips = [c for c in memory_builds.cold_engine.calls if c[:2] == (memory_builds.target, memory_builds.source)]
    assert len(round_trips) == 1 and round_trips[0][2] > 0


def test_a_build_served_by_the_memory_calls_no_engine_at_all(memory_builds):
    assert memory_builds.warm.memory.from_engine == 0 and memory_builds.warm.memory.from_memory > 0
    assert memory_builds.warm_engine.calls == [] and memory_builds.warm_engine.asked == []


def test_the_estimate_is_the_same_with_and_without_the_memory(memory_builds):
    without = _estimates(memory_builds.plain)
    assert without and any(q.score < 1 for q in without.values())
    assert _estimates(memory_builds.cold) == without
    assert _estimates(memory_builds.warm) == without


def test_the_memory_keeps_one_back_translation_per_distinct_output(memory_builds):
    outputs = {plain_text(u.text) for u in memory_builds.plain.units if u.quality is not None}
    with TranslationMemory.open(memory_builds.memory) as memory:
        stats = memory.stats()
    pair = f"{memory_builds.target}-{memory_builds.source}"
    assert stats.pairs[pair]["back_translations"] == stats.back_translations == len(outputs)


def test_an_engine_whose_round_trip_is_not_cheap_gets_none_with_a_memory(tmp_path):
    engine = UpperEngine()
    article = a11ykit.build(EXAMPLES / "cecot.html", to="es", engine=engine, audio=False, out=tmp_path / "out",
                            locales=tmp_path / "locales", memory=tmp_path / "tm.sqlite")
    assert _estimates(article)
    with TranslationMemory.open(tmp_path / "tm.sqlite") as memory:
        assert memory.stats().back_translations == 0
    assert len(engine.calls) == 1  # the translation alone


class Derivations:
    """What a build repaired and estimated anew (not from the memory's derived records)."""

    def __init__(self, monkeypatch) -> None:
        import a11ykit.quality.build as quality_build

        self.estimated: list[str] = []
        self.repaired: list[str] = []
        estimate_all, repair_tagged = quality_build.estimate_all, quality_build.repair_tagged

        def counting_estimate(pairs, *args, **kwargs):
            self.estimated += [output for _, output in pairs]
            return estimate_all(pairs, *args, **kwargs)

        def counting_repair(text, stage, *args, **kwargs):
            if stage == "target":
                self.repaired.append(text)
            return repair_tagged(text, stage, *args, **kwargs)

        monkeypatch.setattr(quality_build, "estimate_all", counting_estimate)
        monkeypatch.setattr(quality_build, "repair_tagged", counting_repair)


EDITED_SENTENCE = "He was held while his case was reviewed."


@pytest.fixture(scope="module")
def edited_rebuild(tmp_path_factory):
    """The example built with a memory, then one sentence edited and the page built again with
    it; and the edited page built without a memory, for comparison."""
    tmp_path = tmp_path_factory.mktemp("edited")
    page = tmp_path / "cecot.html"
    page.write_text((EXAMPLES / "cecot.html").read_text(encoding="utf-8"), encoding="utf-8")

    def one(name: str, memory: Path | None) -> Article:
        return a11ykit.build(page, to="es", engine="apertium", audio=False, out=tmp_path / name,
                             locales=tmp_path / f"locales-{name}", memory=memory)

    one("first", tmp_path / "tm.sqlite")
    text = page.read_text(encoding="utf-8")
    assert EDITED_SENTENCE in text
    page.write_text(text.replace(EDITED_SENTENCE, "He was held for weeks while a judge reviewed his case."),
                    encoding="utf-8")
    with pytest.MonkeyPatch.context() as monkeypatch:
        derivations = Derivations(monkeypatch)
        again = one("again", tmp_path / "tm.sqlite")
    return again, derivations, one("fresh", None)


def test_a_rebuild_estimates_only_the_sentence_that_changed(edited_rebuild):
    again, derivations, _ = edited_rebuild
    (edited,) = [u for u in again.units if "judge" in u.source]
    assert derivations.estimated == [plain_text(edited.text)]


def test_a_rebuild_repairs_only_the_changed_sentence_and_the_headlines_that_read_the_page(edited_rebuild):
    again, derivations, _ = edited_rebuild
    headlines = [u for u in again.units if u.origin == "machine" and is_headline(u)]  # truecased against the page
    assert len([t for t in derivations.repaired if "juez" in t]) == 1
    assert 1 < len(derivations.repaired) <= 1 + len(headlines) < len(again.units) / 4


def test_a_rebuild_from_kept_records_equals_a_build_that_redoes_them_all(edited_rebuild):
    again, _, fresh = edited_rebuild
    assert [(u.id, u.text, u.machine, u.repairs, u.quality) for u in again.units] == \
        [(u.id, u.text, u.machine, u.repairs, u.quality) for u in fresh.units]
    assert again.quality == fresh.quality
