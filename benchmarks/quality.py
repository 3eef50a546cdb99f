"""Translation quality of the example article, and the word lists behind the quality estimate.

Three tables:

1. **Lexicons** — share of the human texts' words (examples/cecot.html, examples/cecot.es.html;
   words of two letters or more, each looked up on its own) that each word list knows, and the
   time to analyse 1,000 sentences one at a time through one long-running process: Apertium's
   analysers (``lt-proc -z``, :mod:`a11ykit.quality.lexicon`) vs Debian's hunspell (``hunspell -a``,
   which also computes suggestions for every unknown word; ``hunspell -l`` over the whole batch
   at once is shown beside it).
2. **chrF** (a11ykit's :mod:`a11ykit.quality.chrf`; sacrebleu's ``corpus_chrf`` beside it as a
   cross-check) of the example article in both directions against its human translation
   (en→es against examples/cecot.es.html, es→en against examples/cecot.html):

   * ``bare engine`` — ``apertium -f html -u`` on the raw page (what Apertium alone makes of it;
     its HTML mode leaves attributes alone, so the page's metas and ``alt`` stay untranslated);
   * ``a11ykit build`` — ``a11ykit build --engine apertium --no-audio --no-repairs``;
   * ``+ <repair>`` — the same build with only that repair of :mod:`a11ykit.quality.repairs`
     on (``--no-repair`` for every other one; only the repairs for the direction's languages);
   * ``all repairs`` — the build as it runs by default (every repair on). chrF ignores spaces, so
     ``split-glued-words`` ("trasladosdepista" → "traslados de pista") cannot move it: its effect
     is the ``glued-word`` count of table 3.

   Alignment: by the page's structure. Both pages (the machine's and the human one) are cut
   into the same blocks in document order — ``<title>``, the description/og/twitter metas, then
   every innermost text block of ``<body>`` (h1–h6, p, li, figcaption, dt, dd, td, th), then
   image ``alt`` texts — and a11ykit's own additions (notice, player) are removed first. The
   two lists must have the same block kinds in the same order (the script stops otherwise);
   block *i* of the machine page is scored against block *i* of the human page. chrF is the
   corpus score over all block pairs.
3. **Quality estimate** of the a11ykit build, per direction: sentences flagged per reason,
   with Apertium's round trip (the output translated back), and the time it takes.

Run: .venv/bin/python benchmarks/quality.py [--a11ykit "COMMAND"]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bs4 import BeautifulSoup, Tag

from a11ykit.quality import ApertiumLexicon, corpus_chrf, estimate_all
from a11ykit.quality.repairs import REPAIRS, RepairContext, apply_repairs

ROOT = Path(__file__).resolve().parent.parent
PAGES = {"en": ROOT / "examples" / "cecot.html", "es": ROOT / "examples" / "cecot.es.html"}
MODES = {("en", "es"): "eng-spa", ("es", "en"): "spa-eng"}
HUNSPELL = {"en": "en_US", "es": "es_ES"}
META_NAMES = ("description", "og:title", "og:description", "twitter:title", "twitter:description")
BLOCKS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "figcaption", "dt", "dd", "td", "th")
HEADLINES = ("title", "h1", "og:title", "twitter:title")
WORD_RE = re.compile(r"[^\W\d_]{2,}")


# --- the page's structure -------------------------------------------------------------------

def page_blocks(html: str) -> list[tuple[str, str]]:
    """(kind, text) of every block, in document order (see the module docstring)."""
    soup = BeautifulSoup(html, "html.parser")
    for added in soup.select('[class^="a11y-"], [class*=" a11y-"]'):
        if "a11y-s" not in (added.get("class") or []):
            added.decompose()
    blocks: list[tuple[str, str]] = []
    if soup.title:
        blocks.append(("title", _text(soup.title.get_text())))
    for name in META_NAMES:
        meta = soup.find("meta", attrs={"name": name}) or soup.find("meta", attrs={"property": name})
        if isinstance(meta, Tag) and meta.get("content"):
            blocks.append((name, _text(str(meta["content"]))))
    body = soup.body or soup
    for element in body.find_all(BLOCKS):
        if not element.find(BLOCKS):
            text = _text(element.get_text())
            if text:
                blocks.append((element.name, text))
    blocks += [("alt", _text(str(img["alt"]))) for img in body.find_all("img") if img.get("alt")]
    return blocks


def _text(text: str) -> str:
    return " ".join(text.split())


def aligned(machine: list[tuple[str, str]], human: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    if [k for k, _ in machine] != [k for k, _ in human]:
        sys.exit(f"pages do not align: {[k for k, _ in machine]} vs {[k for k, _ in human]}")
    return [t for _, t in machine], [t for _, t in human]


def glossary_forms() -> list[str]:
    with (ROOT / "glossary" / "terms.csv").open(encoding="utf-8") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        return [form for row in rows for col in ("en", "es") for form in (row[col] or "").split("|") if form]


# --- engines --------------------------------------------------------------------------------

def bare_engine(html: str, source: str, target: str) -> str:
    return subprocess.run(
        ["apertium", "-f", "html", "-u", MODES[source, target]], input=html, capture_output=True, text=True, check=True
    ).stdout


def apertium_lines(texts: list[str], source: str, target: str) -> list[str]:
    """Plain texts through Apertium, one per line (for the round trip)."""
    out = subprocess.run(
        ["apertium", "-u", MODES[source, target]], input="\n".join(" ".join(t.split()) for t in texts) + "\n",
        capture_output=True, text=True, check=True,
    ).stdout.split("\n")
    return out[: len(texts)]


#: The a11ykit command the build rows run (``--a11ykit`` changes it, e.g. to compare another checkout:
#: ``--a11ykit "env PYTHONPATH=../other/src .venv/bin/python -m a11ykit"``).
A11YKIT = [sys.executable, "-m", "a11ykit"]


def a11ykit_build(page: Path, target: str, workdir: Path, flags: tuple[str, ...] = ()) -> tuple[str, dict]:
    out = workdir / "out"
    workdir.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [*A11YKIT, "build", str(page), "--to", target, "--engine", "apertium", "--no-audio", *flags,
         "--glossary", str(ROOT / "glossary" / "terms.csv"), "--out", str(out), "--locales", str(workdir / "locales")],
        capture_output=True, text=True, cwd=workdir,
    )
    if done.returncode != 0:
        sys.exit(f"a11ykit build failed (exit {done.returncode}): {done.stderr.strip()[-400:]}")
    stem = page.name.split(".")[0]
    html = (out / f"{stem}.{target}.html").read_text(encoding="utf-8")
    report = json.loads((out / f"{stem}.{target}.report.json").read_text(encoding="utf-8"))
    return html, report


# --- tables ---------------------------------------------------------------------------------

class Hunspell:
    """``hunspell -a`` kept running: one line of words in, one verdict per word out."""

    def __init__(self, lang: str) -> None:
        self.process = subprocess.Popen(
            ["hunspell", "-a", "-i", "utf-8", "-d", HUNSPELL[lang]],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8", bufsize=1,
        )
        self.process.stdout.readline()  # banner

    def known(self, words: list[str]) -> list[bool]:
        self.process.stdin.write("^" + " ".join(words) + "\n")
        self.process.stdin.flush()
        verdicts = []
        while (line := self.process.stdout.readline()) not in ("\n", ""):
            verdicts.append(line[:1] in "*+-")
        return verdicts

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def lexicon_table() -> None:
    print("Lexicons: share of the human texts' words known; time to analyse 1,000 sentences")
    print(f"{'lexicon':10} {'lang':4} {'words':>6} {'known':>7}  {'1,000 sentences':>15}  unknown")
    have_hunspell = shutil.which("hunspell") is not None
    for lang, page in PAGES.items():
        text = " ".join(t for _, t in page_blocks(page.read_text(encoding="utf-8")))
        words = WORD_RE.findall(text)
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", text) if s]
        sentences = (sentences * (1000 // len(sentences) + 1))[:1000]
        with ApertiumLexicon(lang) as lexicon:
            known = lexicon.known(words)
            started = time.perf_counter()
            for sentence in sentences:
                lexicon.tokens(sentence)
            seconds = time.perf_counter() - started
        unknown = sorted({w for w in words if w not in known})
        share = sum(w in known for w in words) / len(words)
        print(f"{'apertium':10} {lang:4} {len(words):6} {share:7.1%}  {seconds:13.2f} s  {', '.join(unknown)}")
        if not have_hunspell:
            print(f"{'hunspell':10} {lang:4} (not installed: apt-get install hunspell hunspell-en-us hunspell-es)")
            continue
        speller = Hunspell(lang)
        verdicts = dict(zip(words, speller.known(words), strict=True))
        started = time.perf_counter()
        for sentence in sentences:
            speller.known(WORD_RE.findall(sentence))
        seconds = time.perf_counter() - started
        speller.close()
        started = time.perf_counter()
        subprocess.run(["hunspell", "-l", "-i", "utf-8", "-d", HUNSPELL[lang]], input="\n".join(sentences),
                       capture_output=True, text=True, check=True)
        batch = time.perf_counter() - started
        unknown = sorted({w for w in words if not verdicts[w]})
        share = sum(verdicts[w] for w in words) / len(words)
        print(f"{'hunspell':10} {lang:4} {len(words):6} {share:7.1%}  {seconds:13.2f} s  {', '.join(unknown)}")
        print(f"{'hunspell -l':10} {lang:4} {'':6} {'':7}  {batch:13.2f} s  (one batch, no per-sentence answer)")
    print()


def chrf_table(workdir: Path) -> dict[tuple[str, str], dict]:
    try:
        import sacrebleu
    except ImportError:
        sacrebleu = None
    reports = {}
    print("chrF against the human translation (a11ykit's chrF; sacrebleu's in brackets)")
    print(f"{'direction':9} {'row':28} {'chrF':>6} {'sacrebleu':>10}")
    for source, target in (("en", "es"), ("es", "en")):
        page = PAGES[source]
        html = page.read_text(encoding="utf-8")
        human = page_blocks(PAGES[target].read_text(encoding="utf-8"))
        rows: list[tuple[str, list[tuple[str, str]]]] = []
        rows.append(("bare engine", page_blocks(bare_engine(html, source, target))))
        built, report = a11ykit_build(page, target, workdir / f"{source}-{target}", ("--no-repairs",))
        reports[source, target] = report
        rows.append(("a11ykit build", page_blocks(built)))
        names = [n for n, r in REPAIRS.items() if r.lang in (None, source if r.stage == "source" else target)]
        for name in names:
            off = tuple(flag for other in REPAIRS if other != name for flag in ("--no-repair", other))
            one, _ = a11ykit_build(page, target, workdir / f"{source}-{target}-{name}", off)
            rows.append((f"+ {name}", page_blocks(one)))
        every, _ = a11ykit_build(page, target, workdir / f"{source}-{target}-all")
        rows.append(("all repairs", page_blocks(every)))
        for label, blocks in rows:
            hypotheses, references = aligned(blocks, human)
            ours = corpus_chrf(hypotheses, references)
            theirs = f"{sacrebleu.corpus_chrf(hypotheses, [references]).score:10.2f}" if sacrebleu else "-"
            print(f"{source}→{target:6} {label:28} {ours:6.2f} {theirs:>10}")
    print()
    return reports


def estimate_table(reports: dict[tuple[str, str], dict]) -> None:
    print("Quality estimate of the a11ykit build without repairs (Apertium analysers, Apertium round trip)")
    tag = re.compile(r"</?\d+/?>")
    for (source, target), report in reports.items():
        segments = [s for s in report["segments"] if s["text"].strip()]
        started = time.perf_counter()
        sources = [tag.sub("", s["source"]) for s in segments]
        outputs = [tag.sub("", s["text"]) for s in segments]
        back = apertium_lines(outputs, target, source)
        with ApertiumLexicon(source) as src, ApertiumLexicon(target) as tgt:
            protected = [[h["target_form"] for h in seg["hits"]] for seg in segments]
            estimates = estimate_all(list(zip(sources, outputs, strict=True)), src, tgt, protected=protected,
                                     back_translations=back)
            seconds = time.perf_counter() - started
            context = RepairContext(" ".join(outputs), (), tgt)
            fixed = [
                apply_repairs(o, "target", target, headline=seg["role"] in ("title", "heading"), context=context)
                for o, seg in zip(outputs, segments, strict=True)
            ]
            after = estimate_all(list(zip(sources, fixed, strict=True)), src, tgt, protected=protected)
        counts: dict[str, set[str]] = {}
        for estimate_ in estimates:
            for reason in estimate_.reasons:
                counts.setdefault(reason.code, set()).update(reason.words or ("—",))
        flagged = sum(bool(e.reasons) for e in estimates)
        mean = sum(e.score for e in estimates) / len(estimates)
        print(f"{source}→{target}: {len(segments)} sentences, {flagged} flagged, mean score {mean:.2f}, "
              f"{seconds:.2f} s")
        for code, words in counts.items():
            count = sum(code in e.codes for e in estimates)
            print(f"  {code:13} {count:3} sentences  {', '.join(sorted(words))[:150]}")
        print(f"  after the target repairs (no round trip): {sum(bool(e.reasons) for e in after)} flagged, "
              f"glued-word in {sum('glued-word' in e.codes for e in after)} sentences")
        worst = sorted(zip(estimates, outputs, strict=True), key=lambda p: p[0].score)[:3]
        for e, o in worst:
            print(f"  worst {e.score:.2f}  {o[:110]}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--a11ykit", help="the a11ykit command for the build rows (default: this Python -m a11ykit)")
    args = parser.parse_args()
    if args.a11ykit:
        A11YKIT[:] = shlex.split(args.a11ykit)
    lexicon_table()
    with tempfile.TemporaryDirectory() as tmp:
        reports = chrf_table(Path(tmp))
    estimate_table(reports)


if __name__ == "__main__":
    main()
