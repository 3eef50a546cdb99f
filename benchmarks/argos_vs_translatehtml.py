"""Time a11ykit's Argos engine against translatehtml on the example article.

Both sides run the same tiny copy-model package (tests/argos_package.py builds it;
no real model can be downloaded here), so the figures compare how each drives
CTranslate2, not translation quality:

* a11ykit: the pipeline sends every sentence of the page to ``ArgosEngine.translate``,
  which runs one ``translate_batch`` over the distinct sentences.
* translatehtml: ``translate_html`` walks the HTML tree and calls Argos Translate once
  per text node; Argos splits each into sentences and runs ``translate_batch`` per call.

Argos's sentence splitter (MiniSBD) would download a model, so here it is replaced
by a simple regular expression; its real cost is left out, in translatehtml's favour.
Everything Argos Translate writes goes to a temporary folder.

translatehtml 1.5.3 requires the heavy ``argostranslate`` (stanza, spacy, torch) and
pins beautifulsoup4==4.9.3, so install it without its dependencies; it then runs on
``argos-translate-lt``, which provides the same ``argostranslate`` modules (it is no longer
part of the ``argos`` extra, so install it for the benchmark):

    .venv/bin/pip install argos-translate-lt
    .venv/bin/pip install --no-deps translatehtml==1.5.3

Run: .venv/bin/python benchmarks/argos_vs_translatehtml.py [--runs 5] [--html PAGE]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the package builder

EXAMPLE = ROOT / "examples" / "cecot.html"
ARTICLE_TEXT = ROOT.parent / "shared" / "article-source.txt"  # ../shared beside the repository


def example_page() -> bytes:
    """The example page, or the article text wrapped in paragraphs while the page is not there."""
    if EXAMPLE.is_file():
        return EXAMPLE.read_bytes()
    from html import escape

    paragraphs = [line for line in ARTICLE_TEXT.read_text(encoding="utf-8").splitlines() if line.strip()]
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    head = f"<head><title>{escape(paragraphs[0])}</title></head>"
    return f'<!doctype html><html lang="en">{head}<body>{body}</body></html>'.encode()


def best_of(runs: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


class CountingTranslator:
    """A stand-in for a ctranslate2.Translator that counts translate_batch calls."""

    def __init__(self, real: object) -> None:
        self.real = real
        self.calls = 0

    def translate_batch(self, *args: object, **kwargs: object) -> object:
        self.calls += 1
        return self.real.translate_batch(*args, **kwargs)  # type: ignore[attr-defined]


def isolate(root: Path) -> Path:
    """Point every folder Argos Translate reads at import time into ``root``."""
    for name, sub in (
        ("XDG_DATA_HOME", "data"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_CACHE_HOME", "cache"),
        ("ARGOS_PACKAGES_DIR", "argos-packages"),
        ("A11YKIT_ARGOS_DIR", "a11ykit-packages"),
    ):
        os.environ[name] = str(root / sub)
    os.environ.pop("ARGOS_PACKAGE_INDEX", None)
    return root / "a11ykit-packages"


def run_a11ykit(package: Path, directory: Path, page: bytes, runs: int) -> dict:
    from a11ykit.api import build_page
    from a11ykit.html.parse import parse_page
    from a11ykit.terms.base import Glossary
    from a11ykit.terms.glossary import DEFAULT_GLOSSARY, load_glossary
    from a11ykit.translate import packages as models
    from a11ykit.translate.engines.argos import ArgosEngine

    models.install_file(package, directory)
    engine = ArgosEngine(directory)
    engine.translate(["Warm up."], "en", "es")  # load the model outside the timing
    counter = CountingTranslator(engine._loaded[("en", "es")].translator)
    engine._loaded[("en", "es")].translator = counter

    texts = [segment.text for segment in parse_page(page, name="example").document.segments]
    engine_time = best_of(runs, lambda: engine.translate(texts, "en", "es"))
    counter.calls = 0
    engine.translate(texts, "en", "es")
    engine_calls = counter.calls

    glossary_path = ROOT / DEFAULT_GLOSSARY
    glossary = load_glossary(glossary_path) if glossary_path.is_file() else Glossary()
    page_time = best_of(
        runs, lambda: build_page(page, target="es", engine=engine, glossary=glossary, source="en", name="example")
    )
    counter.calls = 0
    build_page(page, target="es", engine=engine, glossary=glossary, source="en", name="example")
    return {
        "segments": len(texts),
        "engine": engine_time,
        "engine_calls": engine_calls,
        "page": page_time,
        "page_calls": counter.calls,
        "describe": engine.describe(),
    }


def run_translatehtml(package: Path, page: bytes, runs: int) -> dict:
    import argostranslate.package
    import argostranslate.sbd
    import argostranslate.settings
    import argostranslate.translate
    from translatehtml import translate_html

    def split(self: object, text: str) -> list[str]:  # MiniSBD would download a model
        return [s for s in re.split(r"(?<=[.!?…])\s+", text) if s]

    argostranslate.sbd.MiniSBDSentencizer.split_sentences = split  # type: ignore[method-assign]
    argostranslate.package.install_from_path(package)
    languages = {lang.code: lang for lang in argostranslate.translate.get_installed_languages()}
    installed = next(p for p in argostranslate.package.get_installed_packages() if p.from_code == "en")
    html = page.decode("utf-8")

    def fresh() -> argostranslate.translate.PackageTranslation:
        # PackageTranslation has no result cache, so every run does the full work.
        return argostranslate.translate.PackageTranslation(languages["en"], languages["es"], installed)

    def measure() -> dict:
        warm = fresh()
        warm.translate("Warm up.")  # load the model outside the timing
        counter = CountingTranslator(warm.translator)

        def once() -> str:
            translation = fresh()
            translation.translator = counter
            return str(translate_html(translation, html))

        elapsed = best_of(runs, once)
        counter.calls = 0
        output = once()
        settings = argostranslate.settings
        return {
            "time": elapsed,
            "calls": counter.calls,
            "settings": f"beam {settings.beam_size}, intra_threads {settings.intra_threads}",
            "leaked": _leaked_words(html, output),
        }

    defaults = measure()
    # the same settings as a11ykit's engine: beam 2, one intra-op thread
    argostranslate.settings.beam_size, argostranslate.settings.intra_threads = 2, 1
    return {"defaults": defaults, "matched": measure()}


def _leaked_words(source: str, output: str) -> list[str]:
    """Words in the output that the copy model did not copy from the page's text, or ['?'] if text was lost.

    translatehtml rebuilds comments and the doctype as plain strings, so they show up as text.
    """
    before, after = _words(source), _words(output)
    extra, position = [], 0
    for word in after:
        if position < len(before) and word == before[position]:
            position += 1
        else:
            extra.append(word)
    return extra if position == len(before) else ["?"]


def _words(html: str) -> list[str]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for hidden in soup(["script", "style"]):
        hidden.decompose()
    return soup.get_text(" ").split()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per side; the best is reported")
    parser.add_argument("--html", type=Path, help="page to translate (default: examples/cecot.html)")
    args = parser.parse_args(argv)

    from argos_package import build_package

    page = args.html.read_bytes() if args.html else example_page()
    with tempfile.TemporaryDirectory(prefix="a11ykit-bench-") as tmp:
        root = Path(tmp)
        directory = isolate(root)
        start = time.perf_counter()
        package = build_package(root / "build")
        built = time.perf_counter() - start
        ours = run_a11ykit(package, directory, page, args.runs)
        try:
            theirs = run_translatehtml(package, page, args.runs)
        except ModuleNotFoundError as exc:
            if exc.name not in ("translatehtml", "argostranslate"):
                raise
            theirs = None

    source = args.html or (EXAMPLE if EXAMPLE.is_file() else f"{ARTICLE_TEXT} in <p>s")
    print(f"page: {source} ({ours['segments']} segments); test package built in {built:.2f}s")
    print(f"model: {ours['describe']}; best of {args.runs} runs, model already loaded")
    print(
        f"a11ykit ArgosEngine.translate (segments): {ours['engine'] * 1000:8.1f} ms  "
        f"({ours['engine_calls']} translate_batch call)"
    )
    print(
        f"a11ykit build_page (whole pipeline):      {ours['page'] * 1000:8.1f} ms  "
        f"({ours['page_calls']} translate_batch calls)"
    )
    if theirs is None:
        print("translatehtml is not installed: .venv/bin/pip install --no-deps translatehtml==1.5.3")
        return 0
    for label, result in (("Argos defaults", theirs["defaults"]), ("matched", theirs["matched"])):
        print(
            f"translatehtml translate_html ({label + '):':16}{result['time'] * 1000:8.1f} ms  "
            f"({result['calls']} translate_batch calls; {result['settings']})"
        )
    leaked = theirs["defaults"]["leaked"]
    if leaked:
        print(f"note: translatehtml's page shows {len(leaked)} words the source page does not: {' '.join(leaked)!r}")
    for label, result in (("Argos defaults", theirs["defaults"]), ("matched", theirs["matched"])):
        print(
            f"ratio translatehtml ({label}) / a11ykit: engine {result['time'] / ours['engine']:.1f}×, "
            f"whole pipeline {result['time'] / ours['page']:.1f}×"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
