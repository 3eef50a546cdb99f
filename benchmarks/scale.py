"""How a build's time and memory grow with the page and with the glossary.

Cases, each a whole ``a11ykit build --no-audio`` (parse, glossary lock, engine, render,
QA, catalog, review page, report) run in its own child process:

* the example page (examples/cecot.html) with its article body repeated 1×, 10× and
  100× (ids made unique per copy), with the project's glossary;
* the example page with generated glossaries of 10, 1,000 and 20,000 terms (the
  project's terms first, then acronyms, people's names with a surname variant,
  organisations and laws mapped between English and Spanish).

Engines: ``upper``, a fake engine registered in the child that upper-cases the words
(no process, no model: the figures are a11ykit's own cost), and ``apertium`` (the real
engine, one process per build) unless ``--engines upper`` is given.

Figures, read from ``os.wait4``: wall time of the child (Python start-up and imports
included, about 0.3 s), its CPU time (user + system, the child and the engine processes it
waited for: steadier than wall time on a busy machine) and its peak RSS (the largest
process of the child's tree: a11ykit itself or the engine process).

Run: .venv/bin/python benchmarks/scale.py [--engines upper,apertium] [--profile page:100]
``--profile CASE`` runs one case in this process under cProfile and prints the top
functions instead (CASE is ``page:N`` or ``terms:N``).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "cecot.html"
PROJECT_GLOSSARY = ROOT / "glossary" / "terms.csv"
PAGE_SIZES = (1, 10, 100)
GLOSSARY_SIZES = (10, 1_000, 20_000)

_ARTICLE = re.compile(r'(<article id="story">)(.*?)(</article>)', re.DOTALL)
_ID = re.compile(r'\bid="([^"]+)"')
_SENTENCE_END = re.compile(r"(?:(?<=[a-z])|(?<=[A-Z]{2}))(?=[.?!](?:\s|<))")  # not in "U.S."


def scaled_page(times: int) -> bytes:
    """The example page with its article body ``times`` times. In copy k, ids get a ``-k`` suffix
    and sentences end in " k." ("in March 7."), so (nearly) every sentence is new to the engine."""
    html = EXAMPLE.read_text(encoding="utf-8")
    m = _ARTICLE.search(html)
    assert m, "examples/cecot.html has no <article id=\"story\">"
    body = m.group(2)
    copies = [body] + [
        _SENTENCE_END.sub(f" {k}", _ID.sub(lambda i, k=k: f'id="{i.group(1)}-{k}"', body)) for k in range(2, times + 1)
    ]
    return (html[: m.start(2)] + "".join(copies) + html[m.end(2) :]).encode("utf-8")


_SYLLABLES = "ka ro mi na te lu so va ri do pe ga lo mu si ta ne bo fi za qui ren dal mor tin vel".split()


def _word(rng: random.Random, syllables: tuple[int, int] = (2, 4)) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(*syllables))).capitalize()


def generated_glossary(size: int) -> str:
    """A glossary CSV of ``size`` terms: the project's own first, then generated ones."""
    lines = [line for line in PROJECT_GLOSSARY.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    header, project = lines[0], lines[1:]
    rows = project[:size]
    seen: set[str] = set()
    for row in csv.reader(rows):
        for form in (*row[1].split("|"), *row[2].split("|")):
            seen.add(form.casefold())
    rng = random.Random(size)

    def fresh(*forms: str) -> bool:
        folded = [f.casefold() for f in forms if f]
        if len(set(folded)) < len(folded) or seen.intersection(folded):
            return False
        seen.update(folded)
        return True

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    count = len(rows)
    while count < size:
        shape = rng.random()
        if shape < 0.25:  # an acronym, sometimes with its expansions
            acronym = "".join(rng.choice("ABCDEFGHIJKLMNOPRSTUVW") for _ in range(rng.randint(3, 6)))
            if fresh(acronym):
                count += 1
                name = f"{_word(rng)} {_word(rng)} Agency"
                expand = rng.random() < 0.5
                writer.writerow(["keep", acronym, "", "exact", rng.choice(["en", "es", ""]),
                                 name if expand else "", f"Agencia {name}" if expand else "", "", "", "agency"])
        elif shape < 0.6:  # a person: full name and surname
            first, last = _word(rng, (2, 3)), f"{_word(rng)} {_word(rng)}" if rng.random() < 0.3 else _word(rng)
            if fresh(f"{first} {last}", last):
                count += 1
                writer.writerow(["keep", f"{first} {last}|{last}", "", "exact", "", "", "", "", "", "person"])
        elif shape < 0.85:  # an organisation, mapped
            place = _word(rng)
            en, es = f"Ministry of {place} Affairs", f"Ministerio de Asuntos de {place}"
            if fresh(en, es):
                count += 1
                writer.writerow(["map", en, es, "ignore", "", "", "", "", "", "organisation"])
        else:  # a law with a variant
            name = _word(rng)
            en, variant, es = f"{name} Protection Act", f"{name} Act", f"Ley de Protección de {name}"
            if fresh(en, variant, es):
                count += 1
                writer.writerow(["map", f"{en}|{variant}", es, "ignore", "", "", "", "", "", "law"])
    return "\n".join([header, *rows]) + "\n" + out.getvalue()


# --- the child: one build --------------------------------------------------------------------


class UpperEngine:
    """Upper-cases the words and keeps tags and lock tokens (as tests/fakes.py's UpperEngine)."""

    name = "upper"

    def supports(self, source: str, target: str) -> bool:
        return True

    def describe(self) -> str:
        return "upper (benchmark fake)"

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        return [re.sub(r"(<[^>]*>)|([^<]+)", lambda m: m.group(1) or m.group(2).upper(), t) for t in texts]


def prepare(case: str, folder: Path) -> list[str]:
    """Write the case's page and glossary into ``folder``; the ``a11ykit build`` arguments."""
    kind, n = case.split(":")
    page = folder / "cecot.html"
    page.write_bytes(scaled_page(int(n) if kind == "page" else 1))
    glossary = folder / "terms.csv"
    glossary.write_text(generated_glossary(int(n)) if kind == "terms" else PROJECT_GLOSSARY.read_text(encoding="utf-8"),
                        encoding="utf-8")
    return ["build", str(page), "--to", "es", "--glossary", str(glossary), "--out", str(folder / "out"),
            "--locales", str(folder / "locales"), "--no-audio"]


def child(case: str, engine: str, folder: Path) -> int:
    from a11ykit.cli import main
    from a11ykit.translate.engines.base import ENGINES

    ENGINES["upper"] = UpperEngine
    return main([*prepare(case, folder), "--engine", engine])


def run_case(case: str, engine: str) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MiB) of one build in a child process."""
    with tempfile.TemporaryDirectory(prefix="a11ykit-scale-") as folder:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, __file__, "--child", case, "--engine", engine, "--folder", folder],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        with process.stderr:  # type: ignore[union-attr]
            errors = process.stderr.read()  # type: ignore[union-attr]
        _pid, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(
            f"{case} with {engine}: the build failed (exit {process.returncode}): {errors.decode()[-500:]}"
        )
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def profile(case: str, engine: str) -> None:
    import cProfile
    import pstats

    with tempfile.TemporaryDirectory(prefix="a11ykit-scale-") as folder:
        profiler = cProfile.Profile()
        profiler.runcall(child, case, engine, Path(folder))
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def describe(case: str) -> str:
    kind, n = case.split(":")
    if kind == "page":
        size = len(scaled_page(int(n)))
        return f"page ×{n} ({size / 1e6:.2f} MB)"
    return f"glossary of {int(n):,} terms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="upper,apertium", help="comma-separated: upper, apertium")
    parser.add_argument("--profile", metavar="CASE", help="profile one case (page:N or terms:N) in this process")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--engine", default="upper", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        raise SystemExit(child(args.child, args.engine, Path(args.folder)))
    if args.profile:
        profile(args.profile, args.engine)
        return
    engines = args.engines.split(",")
    cases = [f"page:{n}" for n in PAGE_SIZES] + [f"terms:{n}" for n in GLOSSARY_SIZES]
    print(f"{'case':<26}" + "".join(f"| {e:<30}" for e in engines))
    print(f"{'':<26}" + "".join(f"| {'wall s':>8} {'CPU s':>8} {'RSS MiB':>10}  " for _ in engines))
    for case in cases:
        cells = []
        for engine in engines:
            wall, cpu, rss = run_case(case, engine)
            cells.append(f"| {wall:>8.1f} {cpu:>8.1f} {rss:>10.0f}  ")
        print(f"{describe(case):<26}" + "".join(cells), flush=True)


if __name__ == "__main__":
    main()
