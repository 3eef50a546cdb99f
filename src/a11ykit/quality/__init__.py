"""Honest quality (issue #10): per-sentence quality estimates, chrF, rule-based repairs and the
speech text, engine-independent. Nothing here reads HTML; everything works on plain text.

* :func:`estimate_all` — a page's sentences at once (a few analyser queries per page);
* :func:`estimate` → :class:`QualityEstimate` (``score``, ``reasons``: :class:`Reason` with a
  stable ``code`` of :data:`REASON_CODES`, the ``words`` at fault, a ``detail``);
* :func:`page_quality` → :class:`PageQuality` — a page's estimates summed up; ``mostly_poor()``
  says a page is mostly untranslated;
* :func:`word_spans` — where a reason's words stand in the sentence (to highlight or mark them);
* :func:`strip_unknown_marks` — Apertium's ``*word`` marks off, the words kept;
* :class:`ApertiumLexicon` — one language's analyser (``lt-proc -z``, kept running);
* :func:`sentence_chrf`, :func:`corpus_chrf` — chrF as sacrebleu computes it;
* :data:`REPAIRS`, :func:`apply_repairs` — the switchable rule-based repairs, by name;
* :func:`normalize_speech` — what the narration reads instead of what a voice misreads.
"""

from a11ykit.quality.chrf import corpus_chrf, sentence_chrf
from a11ykit.quality.estimate import (
    REASON_CODES,
    PageQuality,
    QualityEstimate,
    Reason,
    estimate,
    estimate_all,
    page_quality,
    strip_unknown_marks,
    word_spans,
)
from a11ykit.quality.lexicon import ApertiumLexicon, Lexicon, Token, analysers_installed
from a11ykit.quality.repairs import REPAIRS, RepairContext, apply_repairs, repairs_for, sentence_case
from a11ykit.quality.speech import normalize_speech

__all__ = [
    "REASON_CODES",
    "REPAIRS",
    "ApertiumLexicon",
    "Lexicon",
    "PageQuality",
    "QualityEstimate",
    "Reason",
    "RepairContext",
    "Token",
    "analysers_installed",
    "apply_repairs",
    "corpus_chrf",
    "estimate",
    "estimate_all",
    "normalize_speech",
    "page_quality",
    "repairs_for",
    "sentence_case",
    "sentence_chrf",
    "strip_unknown_marks",
    "word_spans",
]
