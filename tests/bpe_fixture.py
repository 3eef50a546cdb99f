"""Write tests/fixtures/bpe/: BPE codes learned from the example article, and how
subword-nmt (as argos-translate ships it, ``argostranslate.apply_bpe``) segments the
article's Moses tokens with them. tests/test_bpe.py checks a11ykit's own BPE against
these recordings, so it needs neither argos-translate nor sacremoses.

Run it again only to record anew, where argos-translate-lt and sacremoses are installed:

    .venv/bin/python tests/bpe_fixture.py
"""

from __future__ import annotations

import io
import json
import sys
from collections import Counter
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "bpe"
ARTICLE = (ROOT.parent / "shared" / "article-source.txt", ROOT / "examples" / "article-source.txt")
SPANISH_PAGE = ROOT / "examples" / "cecot.es.html"
MERGES = 300
END = "</w>"


def article_lines() -> list[tuple[str, str]]:
    """(language, line) for the English article and the Spanish example page's text."""
    english = next(path for path in ARTICLE if path.is_file()).read_text(encoding="utf-8")
    from bs4 import BeautifulSoup

    spanish = BeautifulSoup(SPANISH_PAGE.read_text(encoding="utf-8"), "html.parser").body.get_text("\n")
    return [("en", line) for line in english.splitlines() if line.strip()] + [
        ("es", " ".join(line.split())) for line in spanish.splitlines() if len(line.split()) > 3
    ]


def moses_tokens(lines: list[tuple[str, str]]) -> list[list[str]]:
    """Tokens as the argos engine makes them: Moses punctuation normalizer, then tokenizer."""
    from sacremoses import MosesPunctNormalizer, MosesTokenizer

    tools = {lang: (MosesPunctNormalizer(lang), MosesTokenizer(lang)) for lang in ("en", "es")}
    return [tools[lang][1].tokenize(tools[lang][0].normalize(line)) for lang, line in lines]


def learn_codes(token_lines: list[list[str]], version: tuple[int, int], merges: int = MERGES) -> str:
    """A codes file the way subword-nmt's learn_bpe makes one: most frequent pair first."""
    words = Counter(token for tokens in token_lines for token in tokens)
    if version == (0, 1):
        vocab = {(*word, END): count for word, count in words.items()}
    else:
        vocab = {(*word[:-1], word[-1] + END): count for word, count in words.items()}
    lines = [f"#version: {version[0]}.{version[1]}"] if version != (0, 1) else []
    for _ in range(merges):
        pairs: Counter[tuple[str, str]] = Counter()
        for symbols, count in vocab.items():
            for pair in pairwise(symbols):
                pairs[pair] += count
        if not pairs:
            break
        best = max(pairs, key=lambda pair: (pairs[pair], pair))
        if pairs[best] < 2:
            break
        lines.append(" ".join(best))
        vocab = {_merge(symbols, best): count for symbols, count in vocab.items()}
    return "\n".join(lines) + "\n"


def _merge(symbols: tuple[str, ...], pair: tuple[str, str]) -> tuple[str, ...]:
    out: list[str] = []
    i = 0
    while i < len(symbols):
        if symbols[i : i + 2] == pair:
            out.append(pair[0] + pair[1])
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return tuple(out)


def main() -> int:
    from argostranslate import apply_bpe as subword_nmt

    token_lines = moses_tokens(article_lines())
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for version in ((0, 1), (0, 2)):
        codes = learn_codes(token_lines, version)
        name = f"codes-{version[0]}.{version[1]}"
        (FIXTURES / f"{name}.txt").write_text(codes, encoding="utf-8")
        reference = subword_nmt.BPE(io.StringIO(codes))
        recorded = [{"tokens": tokens, "pieces": reference.segment_tokens(tokens)} for tokens in token_lines]
        lines = ",\n".join(json.dumps(line, ensure_ascii=False) for line in recorded)
        (FIXTURES / f"{name}.expected.json").write_text(f"[\n{lines}\n]\n", encoding="utf-8")
        print(f"{name}: {codes.count(chr(10))} lines, {sum(len(r['tokens']) for r in recorded)} tokens recorded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
