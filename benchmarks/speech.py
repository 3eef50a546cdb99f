"""Time the narration of the example article: cold build, cached rebuild, one paragraph changed.

The article text (../shared/article-source.txt from the repository root) is split into sentences by a
simple regular expression; its first line is the title (a heading), and a short
line without a full stop is a subheading. Everything is written to a temporary
folder.

Figures printed:

* synthesis: time to get every sentence's verified chunk (worker start-up included),
  and its real-time factor (synthesis time / narration length);
* build: the whole ``synthesize_article`` call (synthesis, join, resample, Opus and
  MP3 encoding and their decode checks, captions, chapters, sync map);
* cached rebuild: the same build again with every sentence in the cache;
* one paragraph changed: only that paragraph's sentences are synthesized again.

Run: .venv/bin/python benchmarks/speech.py [--workers 2] [--runs 3]
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path

from a11ykit.speech import SpeechItem, synthesize_article, synthesize_items

ARTICLE_TEXT = Path(__file__).resolve().parent.parent.parent / "shared" / "article-source.txt"  # ../shared beside the repository


def article_items(text: str) -> list[SpeechItem]:
    items = []
    for p, paragraph in enumerate(line.strip() for line in text.splitlines() if line.strip()):
        if p == 0 or (len(paragraph) < 60 and not paragraph.rstrip(".").count(".")):
            items.append(SpeechItem(f"h{p}", paragraph.rstrip("."), "heading"))
            continue
        for s, sentence in enumerate(re.split(r"(?<=[.!?”])\s+(?=[“A-Z])", paragraph)):
            items.append(SpeechItem(f"p{p}s{s}", sentence))
    return items


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    items = article_items(ARTICLE_TEXT.read_text(encoding="utf-8"))
    print(f"{len(items)} items ({sum(i.kind == 'heading' for i in items)} headings), workers={args.workers}")

    synth_times, build_times, cached_times, changed_times = [], [], [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            out, cache = Path(tmp) / "out", Path(tmp) / "cache"
            seconds, synthesis = timed(synthesize_items, items, lang="en", workers=args.workers)
            synth_times.append(seconds)
            seconds, result = timed(
                synthesize_article, items, lang="en", out_dir=out, stem="a", cache_dir=cache, workers=args.workers
            )
            build_times.append(seconds)
            seconds, again = timed(
                synthesize_article, items, lang="en", out_dir=out, stem="a", cache_dir=cache, workers=args.workers
            )
            assert again.synthesized == [], again.synthesized
            cached_times.append(seconds)
            target = next(i for i in items if i.id.startswith("p3s"))
            paragraph = target.id.split("s")[0]
            edited = [
                SpeechItem(i.id, i.text.replace("the", "that"), i.kind) if i.id.startswith(paragraph + "s") else i
                for i in items
            ]
            seconds, changed = timed(
                synthesize_article, edited, lang="en", out_dir=out, stem="a", cache_dir=cache, workers=args.workers
            )
            changed_times.append(seconds)
            resynthesized = len(changed.synthesized)

    speech = sum(c.duration for c in synthesis.chunks)
    synth = statistics.median(synth_times)
    print(f"narration: {result.duration:.1f} s of audio ({speech:.1f} s of speech), voice {result.voice}")
    print(f"synthesis: {synth:.2f} s  (real-time factor {synth / result.duration:.4f})")
    print(f"build:     {statistics.median(build_times):.2f} s  (synthesis + encoding + checks + captions)")
    print(f"cached rebuild: {statistics.median(cached_times):.2f} s  (0 of {len(items)} synthesized)")
    print(
        f"one paragraph changed: {statistics.median(changed_times):.2f} s  "
        f"({resynthesized} of {len(items)} synthesized)"
    )
    print(f"median of {args.runs} runs")


if __name__ == "__main__":
    main()
