"""Work that must grow linearly with the page: checked by counting the work done, never by timing.

(The glossary matcher's check is in test_glossary.py; benchmarks/scale.py prints the figures.)
"""

from __future__ import annotations

import difflib
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from a11ykit.article import Unit
from a11ykit.html.parse import parse_page
from a11ykit.html.render import apply_translations
from a11ykit.review import catalog as review
from a11ykit.speech import lexicon as lexicon_module
from a11ykit.text import tagged


def test_rendering_a_sentence_reads_its_tags_once_not_once_per_tag(monkeypatch):
    page = parse_page(("<p>Start " + " ".join(f"<b>w{i}</b>" for i in range(500)) + " end.</p>").encode())
    (unit,) = page.units
    read = []
    real = tagged.tokenize
    monkeypatch.setattr(tagged, "tokenize", lambda text: read.append(text) or real(text))
    apply_translations(page, {unit.id: unit.source})
    assert 0 < sum(text.count("<") for text in read) < 10 * unit.source.count("<")


def catalog_of(units: list[Unit], *, approved: bool):
    results = [Unit(u.id, u.source, u.kind, u.block, machine=u.source.upper(), text=u.source.upper()) for u in units]
    catalog = review.update_catalog(None, results, target_lang="es", engine="upper", source_name="p.html")
    if approved:
        for message in catalog:
            if message.id:
                message.flags.discard("fuzzy")
    return catalog, results


def test_an_edited_sentence_is_compared_with_a_short_list_of_entries_not_all(monkeypatch):
    size = 400
    before = [Unit(f"s{i}", f"Item w{i}q and w{i + 1}q are here.", "sentence", f"b{i}") for i in range(size)]
    after = [Unit(u.id, "Also, " + u.source, "sentence", u.block) for u in before]
    catalog, _ = catalog_of(before, approved=True)
    compared = []

    class Counting(difflib.SequenceMatcher):
        def __init__(self, *args, **kwargs):
            compared.append(args)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(difflib, "SequenceMatcher", Counting)
    _, results = catalog_of(after, approved=False)
    updated = review.update_catalog(catalog, results, target_lang="es", engine="upper", source_name="p.html")
    assert len(compared) <= size * (review.SHORTLIST_SIZE + 1)
    # …and each edited sentence still found its own approved entry: it is offered as the suggestion.
    assert all(m.previous_id == [b.source] for m, b in zip(list(updated)[1:], before, strict=False))


LEXICON_WORDS = ["ICE", "ice", "U.S.", "U.S. ICE", "CECOT", "Cecot", "-", "A&B", "Hernández", " ICE", "é"]


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.sampled_from(LEXICON_WORDS), st.sampled_from(["ais", "SEE-cot", "[[aIs]]"]), max_size=6),
    st.lists(st.sampled_from([*LEXICON_WORDS, "ICED", "NICE", " ", ",", "x", "\n"]), max_size=12).map("".join),
)
def test_the_lexicon_substitutes_what_one_alternation_of_its_entries_would(lexicon, text):
    """The lexicon is compiled once per lexicon, not once per sentence, and finds entries by their first
    word; the result is the one big longest-first alternation's."""
    alternation = "|".join(rf"(?<!\w){re.escape(w)}(?!\w)" for w in sorted(lexicon, key=len, reverse=True))
    expected = re.sub(alternation, lambda m: lexicon_module._as_words(lexicon[m.group(0)]), text) if lexicon else text
    assert lexicon_module.apply_lexicon(text, lexicon) == expected
