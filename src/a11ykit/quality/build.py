"""The quality step of a build: every machine-translated unit gets its :class:`QualityEstimate`.

Called by the build's ``quality`` stage (:mod:`a11ykit.stages`) right after translation, so the
page (``lang`` marks, the notice), the report, the catalog and the review page all see the
estimates. Per page: one analyser process per language (:class:`ApertiumLexicon`), a few queries
each (:func:`estimate_all`), and with Apertium one more engine call for the round trip (the
outputs back into the source language); slower engines are not asked for a round trip.

Units the translators approved, and untranslated ones, get no estimate (``quality`` stays None).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from a11ykit.quality.estimate import PageQuality, estimate_all, page_quality
from a11ykit.quality.lexicon import ApertiumLexicon, analysers_installed
from a11ykit.text import tagged

#: Engines whose round trip costs little (one more call of a fast process per page).
ROUND_TRIP_ENGINES = frozenset({"apertium"})

_WORD_RE = re.compile(r"\w+(?:['’.-]\w+)*")


def plain_text(text: str) -> str:
    """A unit's tagged text as the estimate reads it: no inline tags, whitespace collapsed."""
    return tagged.plain(text)


def estimate_units(units: Sequence[Any], source: str, target: str, engine: Any) -> PageQuality | None:
    """Estimate each machine-translated unit in place (``unit.quality``) and sum the page up;
    None when the analysers are not installed (nothing is estimated)."""
    if not analysers_installed():
        return None
    machine = [u for u in units if u.origin == "machine" and plain_text(u.text)]
    if not machine:
        return page_quality([])
    pairs = [(plain_text(u.source), plain_text(u.text)) for u in machine]
    unknown = getattr(engine, "unknown_words", set())
    engine_unknown = [[w for w in _WORD_RE.findall(output) if w in unknown] for _, output in pairs]
    back = None
    if getattr(engine, "name", "") in ROUND_TRIP_ENGINES and engine.supports(target, source):
        back = [tagged.plain(b) for b in engine.translate([output for _, output in pairs], target, source)]
    with ApertiumLexicon(source) as source_lexicon, ApertiumLexicon(target) as target_lexicon:
        estimates = estimate_all(
            pairs, source_lexicon, target_lexicon,
            protected=[[hit.target_form for hit in u.hits] for u in machine],
            engine_unknown=engine_unknown,
            back_translations=back,
        )
    for unit, found in zip(machine, estimates):
        unit.quality = found
    return page_quality(estimates)
