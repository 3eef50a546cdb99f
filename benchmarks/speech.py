"""Time the narration of the example article: cold build, cached rebuild, one paragraph changed;
peak memory at 1×, 4× and 16× its length; the narration's levels.

The narration is the example page's (examples/cecot.html) as ``a11ykit build --to es`` reads
it: the Spanish page's spoken items (headline, byline, headings, paragraphs, captions, the
notice), from a build with Apertium into a temporary folder. ``--text`` narrates
../shared/article-source.txt in English instead (split into sentences by a regular
expression; its first line the title, a short line without a full stop a subheading).
Sentence ids follow the page's convention (``a11y-<paragraph>-<n>``), so a paragraph is one
encoded piece; the changed paragraph is the first with three sentences or more. Everything is
written to a temporary folder.

Figures printed:

* synthesis: time to get every sentence's verified chunk (worker start-up included),
  and its real-time factor (synthesis time / narration length);
* cold build: the whole ``synthesize_article`` call with an empty cache (synthesis, per-piece
  levels, resampling, Opus and MP3 encoding, joining, structure checks, captions, sync map);
* no-change rebuild: the same build again (every chunk, piece and output current);
* one paragraph changed (every sentence of it: " (2)" appended): only that paragraph's
  sentences are synthesized and its piece encoded again; also as a fraction of the cold build;
* levels: the written files' integrated loudness and sample peak as ffmpeg's ebur128 reads them;
* peak RSS: a build of the article repeated 1, 4 and 16 times (every copy's sentences made
  distinct), each in a fresh process: the build's own peak, and the largest speech worker's.

Run: .venv/bin/python benchmarks/speech.py [--text] [--workers 2] [--runs 3] [--scales 1 4 16]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from a11ykit.allocator import keep_freed_memory
from a11ykit.speech import SpeechItem, synthesize_article, synthesize_items

ROOT = Path(__file__).resolve().parent.parent
ARTICLE_TEXT = ROOT.parent / "shared" / "article-source.txt"  # ../shared beside the repository
EXAMPLE = ROOT / "examples" / "cecot.html"


def example_items() -> tuple[list[SpeechItem], str]:
    """The spoken items of the example page built into Spanish, and their language."""
    from a11ykit import build

    with tempfile.TemporaryDirectory() as tmp:
        article = build(EXAMPLE, to="es", engine="apertium", out=Path(tmp) / "out", locales=Path(tmp) / "locales")
    return list(article.speech), article.target


def narration_items(text: bool, copies: int = 1) -> tuple[list[SpeechItem], str]:
    if text:
        return article_items(ARTICLE_TEXT.read_text(encoding="utf-8"), copies), "en"
    items, lang = example_items()
    if copies == 1:
        return items, lang
    return [
        SpeechItem(_copy_id(item.id, copy), (f"Parte {copy + 1}. " if copy else "") + item.text, item.kind)
        for copy in range(copies)
        for item in items
    ], lang


def _copy_id(id: str, copy: int) -> str:
    """The id of an item in copy ``copy``: its paragraph renamed, its place in it kept."""
    block, _, n = id.rpartition("-")
    return f"{block}x{copy}-{n}" if copy else id


def changed_paragraph(items: list[SpeechItem]) -> str:
    """The block of the first paragraph with three sentences or more (its ids' common part)."""
    blocks: dict[str, int] = {}
    for item in items:
        if item.kind != "heading":
            block = item.id.rpartition("-")[0]
            blocks[block] = blocks.get(block, 0) + 1
    return next(block for block, count in blocks.items() if count >= 3)


def article_items(text: str, copies: int = 1) -> list[SpeechItem]:
    """The article's items; ``copies`` > 1 repeats it, each copy's sentences made distinct."""
    paragraphs = [line.strip() for line in text.splitlines() if line.strip()]
    items = []
    for copy in range(copies):
        for p, paragraph in enumerate(paragraphs):
            block = f"{copy}x{p}" if copies > 1 else str(p)
            mark = f"Part {copy + 1}. " if copy else ""
            if p == 0 or (len(paragraph) < 60 and not paragraph.rstrip(".").count(".")):
                items.append(SpeechItem(f"a11y-{block}-0", mark + paragraph.rstrip("."), "heading"))
                continue
            for s, sentence in enumerate(re.split(r"(?<=[.!?”])\s+(?=[“A-Z])", paragraph)):
                items.append(SpeechItem(f"a11y-{block}-{s}", (mark if s == 0 else "") + sentence))
    return items


CPU = []  # CPU seconds of each timed call (this process's threads and the speech workers it waited for)


def cpu_seconds() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def timed(function, *args, **kwargs):
    started, cpu = time.perf_counter(), cpu_seconds()
    result = function(*args, **kwargs)
    CPU.append(cpu_seconds() - cpu)
    return time.perf_counter() - started, result


def ffmpeg_levels(path: Path) -> tuple[float, float] | None:
    """(integrated loudness LUFS, sample peak dBFS) of a file as ffmpeg's ebur128 reads them."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return None
    done = subprocess.run(
        [ffmpeg, "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128=peak=sample", "-f", "null", "-"],
        capture_output=True, text=True, timeout=600, check=True,
    )
    summary = done.stderr[done.stderr.rindex("Summary:"):]
    loudness = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))
    peak = float(re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary).group(1))
    return loudness, peak


def peak_rss(copies: int, workers: int, text: bool) -> dict[str, float]:
    """Build the article ``copies`` times over in this process; its peak RSS and its workers'.
    The process's allocator is tuned as ``a11ykit build`` tunes its own (a11ykit.allocator)."""
    keep_freed_memory()
    items, lang = narration_items(text, copies)
    with tempfile.TemporaryDirectory() as tmp:
        seconds, result = timed(
            synthesize_article, items, lang=lang, out_dir=Path(tmp) / "out", stem="a",
            cache_dir=Path(tmp) / "cache", workers=workers,
        )
    return {
        "copies": copies,
        "items": len(items),
        "audio_s": result.duration,
        "build_s": seconds,
        "pieces": result.pieces,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scales", type=int, nargs="*", default=[1, 4, 16])
    parser.add_argument("--text", action="store_true", help="narrate article-source.txt, not the example page")
    parser.add_argument("--rss-of", type=int, help=argparse.SUPPRESS)  # the child process of one scale
    args = parser.parse_args()
    if args.rss_of:
        print(json.dumps(peak_rss(args.rss_of, args.workers, args.text)))
        return
    items, lang = narration_items(args.text)
    source = ARTICLE_TEXT.name if args.text else f"{EXAMPLE.name} built into Spanish"
    print(f"{source}: {len(items)} items ({sum(i.kind == 'heading' for i in items)} headings), "
          f"workers={args.workers}")

    synth_times, build_times, cached_times, changed_times = [], [], [], []
    cpu: dict[str, list[float]] = {"cold": [], "cached": [], "changed": []}
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            out, cache = Path(tmp) / "out", Path(tmp) / "cache"
            seconds, synthesis = timed(synthesize_items, items, lang=lang, workers=args.workers)
            synth_times.append(seconds)
            seconds, result = timed(
                synthesize_article, items, lang=lang, out_dir=out, stem="a", cache_dir=cache, workers=args.workers
            )
            build_times.append(seconds)
            cpu["cold"].append(CPU[-1])
            if len(build_times) == 1:
                levels = {kind: ffmpeg_levels(getattr(result, kind)) for kind in ("opus", "mp3")}
            seconds, again = timed(
                synthesize_article, items, lang=lang, out_dir=out, stem="a", cache_dir=cache, workers=args.workers
            )
            assert again.synthesized == [] and not again.written, again.synthesized
            cached_times.append(seconds)
            cpu["cached"].append(CPU[-1])
            paragraph = changed_paragraph(items)
            edited = [
                SpeechItem(i.id, f"{i.text} (2)", i.kind) if i.id.startswith(paragraph + "-") else i
                for i in items
            ]
            seconds, changed = timed(
                synthesize_article, edited, lang=lang, out_dir=out, stem="a", cache_dir=cache, workers=args.workers
            )
            changed_times.append(seconds)
            cpu["changed"].append(CPU[-1])
            resynthesized = len(changed.synthesized)

    speech = sum(c.duration for c in synthesis.chunks)
    synth, cold, changed_s = (statistics.median(t) for t in (synth_times, build_times, changed_times))
    print(f"narration: {result.duration:.1f} s of audio ({speech:.1f} s of speech) in {result.pieces} pieces, "
          f"voice {result.voice}")
    print(f"synthesis: {synth:.2f} s  (real-time factor {synth / result.duration:.4f})")
    cold_cpu, changed_cpu = statistics.median(cpu["cold"]), statistics.median(cpu["changed"])
    print(
        f"cold build:     {cold:.2f} s, {cold_cpu:.2f} s CPU  "
        "(synthesis + levels + encoding + joins + checks + captions)"
    )
    print(f"no-change rebuild: {statistics.median(cached_times):.2f} s, {statistics.median(cpu['cached']):.2f} s CPU  "
          f"(0 of {len(items)} synthesized, nothing written)")
    print(
        f"one paragraph changed: {changed_s:.2f} s = {changed_s / cold:.0%} of the cold build; "
        f"{changed_cpu:.2f} s CPU = {changed_cpu / cold_cpu:.0%}  "
        f"({resynthesized} of {len(items)} synthesized, {len(changed.encoded)} of {changed.pieces} pieces encoded)"
    )
    print(f"median of {args.runs} runs (wall time depends on what else the machine runs; CPU time less so)")
    lv = result.levels
    print(f"levels (a11ykit): measured {lv.measured:.2f} LUFS, loudness {lv.loudness:.2f} LUFS, "
          f"net gain {lv.gain:+.2f} dB, peak {lv.peak:.2f} dBFS")
    for kind, found in levels.items():
        if found:
            print(f"levels ({kind}, ffmpeg ebur128): {found[0]:.1f} LUFS, sample peak {found[1]:.1f} dBFS")

    if args.scales:
        print(f"\n{'copies':>6} {'items':>6} {'audio s':>8} {'build s':>8} {'pieces':>6} {'peak RSS MB':>11} "
              f"{'worker RSS MB':>13}")
    for copies in args.scales:
        done = subprocess.run(
            [sys.executable, __file__, "--rss-of", str(copies), "--workers", str(args.workers),
             *(["--text"] if args.text else [])],
            capture_output=True, text=True, check=True,
        )
        row = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{row['copies']:>5}x {row['items']:>6} {row['audio_s']:>8.1f} {row['build_s']:>8.2f} "
              f"{row['pieces']:>6} {row['rss_mb']:>11.0f} {row['worker_rss_mb']:>13.0f}")


if __name__ == "__main__":
    main()
