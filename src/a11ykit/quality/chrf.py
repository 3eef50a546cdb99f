"""chrF: the character n-gram F-score (Popović 2015), as sacrebleu computes it by default.

Character n-grams of orders 1 to 6, whitespace removed, no word n-grams, beta = 2 (recall
weighs twice precision), sacrebleu 2's averaging (precision and recall averaged over the orders
both sides have, then combined). Scores are 0–100, as sacrebleu prints them. The tests check
equality with ``sacrebleu.sentence_chrf`` and ``sacrebleu.corpus_chrf`` on real sentence pairs;
a11ykit does not depend on sacrebleu at run time (it only needs these 60 lines).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

CHAR_ORDER = 6
BETA = 2.0


def sentence_chrf(hypothesis: str, reference: str) -> float:
    """chrF of one hypothesis against one reference, 0–100."""
    return f_score(statistics(hypothesis, reference))


def corpus_chrf(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """chrF of a document: the statistics of every aligned pair summed, then one F-score
    (as ``sacrebleu.corpus_chrf(hypotheses, [references])``)."""
    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses for {len(references)} references")
    total = [0] * (3 * CHAR_ORDER)
    for hypothesis, reference in zip(hypotheses, references, strict=True):
        total = [a + b for a, b in zip(total, statistics(hypothesis, reference), strict=True)]
    return f_score(total)


def statistics(hypothesis: str, reference: str) -> list[int]:
    """Per order: [n-grams in the hypothesis, n-grams in the reference, n-grams in common]."""
    stats: list[int] = []
    for hyp, ref in zip(_ngrams(hypothesis), _ngrams(reference), strict=True):
        matches = sum(min(count, ref[gram]) for gram, count in hyp.items() if gram in ref)
        stats += [sum(hyp.values()) if ref else 0, sum(ref.values()), matches]
    return stats


def f_score(stats: Sequence[int]) -> float:
    """sacrebleu's chrF from summed statistics: average precision and recall over the orders
    where both sides have n-grams, then F-beta."""
    factor = BETA**2
    precision = recall = 0.0
    orders = 0
    for i in range(CHAR_ORDER):
        n_hyp, n_ref, n_match = stats[3 * i : 3 * i + 3]
        if n_hyp > 0 and n_ref > 0:
            precision += n_match / n_hyp
            recall += n_match / n_ref
            orders += 1
    if not orders:
        return 0.0
    precision, recall = precision / orders, recall / orders
    if not precision + recall:
        return 0.0
    return 100 * (1 + factor) * precision * recall / (factor * precision + recall)


def _ngrams(text: str) -> list[Counter[str]]:
    chars = "".join(text.split())
    return [Counter(chars[i : i + n] for i in range(len(chars) - n + 1)) for n in range(1, CHAR_ORDER + 1)]
