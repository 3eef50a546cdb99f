"""The stages of a build, listed once in :data:`STAGES`.

Each stage is a plain function ``Article -> Article`` that fills in its part of the article
(segment → translate → repair → quality → localize → check → catalog → narrate → render); what a stage needs
besides the article (engine, glossary, the translators' catalog, links, the player's stem)
is in the article's :class:`Settings`, decided before the first stage runs
(:mod:`a11ykit.api`). A stage calls the module that does the work (HTML, translation,
checks, catalog) and records the outcome on the article.

This module must not read or write files, resolve inputs (paths, engines by name) or format
the report; it only orders the work.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog

from a11ykit.article import Article
from a11ykit.errors import InputError
from a11ykit.html.find import elements, has_token
from a11ykit.html.localize import (
    NOTICE_CLASS,
    SKIP_CLASS,
    link_to_file,
    localize_page,
    make_decorator,
    retag_languages,
)
from a11ykit.html.parse import ParsedPage, declared_language
from a11ykit.html.render import apply_translations, mark_words_language, serialize
from a11ykit.l10n import check_language, ui_translations
from a11ykit.layout import Fingerprint, Outputs
from a11ykit.memory.store import TranslationMemory
from a11ykit.memory.units import RememberingTranslator
from a11ykit.progress import Progress, no_progress
from a11ykit.quality.build import (
    estimate_units,
    prepare_lexicons,
    prepare_round_trip,
    repair_outputs,
    repair_sources,
)
from a11ykit.review.catalog import approved_translations, catalog_problems, update_catalog
from a11ykit.review.checks import Context, conflict_problems, run_checks
from a11ykit.terms.base import Glossary
from a11ykit.terms.overrides import Override, approved_conflicts
from a11ykit.text import tagged
from a11ykit.translate.engines.base import Engine
from a11ykit.translate.translator import Translator

_STOPWORDS = {
    "en": set("the and of to in is was that for with on as he his by at from it this are were have which".split()),
    "es": set("el la los las de que y en un una por con para del al es fue se su sus como más pero".split()),
}


@dataclass
class Settings:
    """What the stages need besides the article, decided before the first stage runs."""

    target: str
    engine: Engine
    glossary: Glossary
    source: str | None = None  # None: the page's declared language, else a guess
    catalog: Catalog | None = None  # the translators' catalog as the build found it
    ui_dir: Path | None = None  # the app's own UI catalogs, if not the package's
    original_href: str = ""  # the notice's link to the original ("": its sibling file)
    own_href: str = ""  # this page's own address, for the language switcher
    audio_stem: str | None = None  # with a stem the page gets the player for <stem>.<target>.*
    progress: Progress = no_progress
    # What only a build from a file has: where it reads and writes, what to write into the report.
    input_path: Path | None = None
    outputs: Outputs | None = None
    catalog_read_as: Fingerprint | None = None
    glossary_path: Path | None = None
    overrides: list[Override] = field(default_factory=list)
    proposed: list[Override] = field(default_factory=list)
    voice: str | None = None
    cache_dir: Path | None = None
    strict: bool = False
    request: dict[str, Any] = field(default_factory=dict)  # the arguments a11ykit.build() was called with
    memory: TranslationMemory | None = None  # the translation memory, open for the stages' run
    estimate_quality: bool = True  # estimate each machine-translated sentence (a11ykit.quality)
    repairs: frozenset[str] | None = None  # the rule-based repairs that run (a11ykit.quality.repairs); None: all


# --- the stages ------------------------------------------------------------------------


def detect_language(page: ParsedPage) -> str:
    """The page's language: its ``lang`` attribute, else the language of most stopwords."""
    declared = declared_language(page.soup)
    if declared in _STOPWORDS:
        return declared
    words = re.findall(r"[^\W\d_]+", " ".join(tagged.plain(u.source) for u in page.units).lower())
    scores = {lang: sum(w in stop for w in words) for lang, stop in _STOPWORDS.items()}
    best = max(scores, key=scores.__getitem__)
    if scores[best] == 0:
        raise InputError("cannot tell the page's language; pass --from en or --from es", code="A11Y107")
    return best


def languages(page: ParsedPage, target: str, source: str | None, name: str) -> tuple[str, str]:
    """The target and source languages of a build: ``source`` None or "auto" is the page's own
    (declared, else guessed); the same language twice is an InputError (A11Y108)."""
    target = check_language(target, "target language")
    source = None if source in ("auto", "", None) else check_language(source, "source language")
    source = source or detect_language(page)
    if source == target:
        raise InputError(
            f"{name}: the page is already in {source}; choose the other language with --to", code="A11Y108"
        )
    return target, source


def _same_words(text: str, other: str) -> bool:
    """Whether two tagged texts say the same words, whatever the spaces between them (an engine
    that echoes its input may still space out words that touched across inline elements)."""
    return "".join(tagged.plain(text).split()) == "".join(tagged.plain(other).split())


def _hrefs(page: ParsedPage) -> list[str]:
    """The page's links, without a11ykit's own (the notice's links and the skip link)."""
    every = list(elements(page.soup))
    in_notice = {id(a) for notice in every if has_token(notice, "class", NOTICE_CLASS) for a in notice.find_all("a")}
    return [
        str(a.get("href"))
        for a in every
        if a.name == "a" and a.get("href") is not None and not has_token(a, "class", SKIP_CLASS)
        and id(a) not in in_notice
    ]


def segment(article: Article) -> Article:
    """The page's units and languages, and the links it has before anything changes."""
    page, settings = article.page, article.settings
    article.units, article.title, article.warnings = page.units, page.title, page.warnings
    article.target, article.source = languages(page, settings.target, settings.source, article.name)
    article.source_hrefs = _hrefs(page)
    return article


def translate(article: Article) -> Article:
    """Each unit's machine output and final text. Translators' approved entries win, unless
    they break a locked term: then the glossary wins."""
    settings = article.settings
    # what the repair and quality stages will ask starts loading now, while the engine translates
    prepare_lexicons(article.source, article.target, estimate=settings.estimate_quality, enabled=settings.repairs)
    if settings.estimate_quality:  # the round trip (a pipeline left waiting serves the next article)
        prepare_round_trip(settings.engine, article.source, article.target)
    catalog = settings.catalog
    approved = approved_translations(catalog, article.units) if catalog is not None else {}
    article.conflicts = approved_conflicts(settings.glossary, article.target, article.units, approved)
    for conflict in article.conflicts:
        approved.pop(conflict.segment_id, None)
    if settings.memory is None:
        translator = Translator(settings.engine, settings.glossary, article.source, article.target)
    else:  # the memory first; approved entries of any catalog win (unless they break a locked term)
        translator = RememberingTranslator(
            settings.engine, settings.glossary, article.source, article.target, settings.memory
        )
        source_of = {u.id: u.source for u in article.units}
        where = str(settings.outputs.catalog) if settings.outputs is not None else article.name
        translator.keep_approved({source_of[i]: text for i, text in approved.items()}, where)
        elsewhere = translator.approved_elsewhere([u.source for u in article.units if u.id not in approved])
        shared = {u.id: elsewhere[u.source] for u in article.units if u.id not in approved and u.source in elsewhere}
        for conflict in approved_conflicts(settings.glossary, article.target, article.units, shared):
            shared.pop(conflict.segment_id, None)
        approved.update(shared)
        translator.use.approved_from_memory = len(shared)
        article.memory = translator.use
    # The source repairs change only what the engine reads: the units keep the page's own text.
    forms = [f for t in settings.glossary.terms for f in t.forms.get(article.source, ())]
    page_text = " ".join(u.source for u in article.units)
    sent = repair_sources(article.units, article.source, enabled=settings.repairs,
                          keep=[f for f in forms if f in page_text])
    own = {u.id: u.source for u in article.units}
    for unit in article.units:
        unit.source = sent.get(unit.id, unit.source)
    try:
        translator.translate_units(article.units, approved=approved, progress=settings.progress)
    finally:
        for unit in article.units:
            if unit.id in sent and unit.machine is not None and _same_words(unit.machine, sent[unit.id]):
                # the engine left it as it read it (spaces aside)
                unit.machine = own[unit.id]
                unit.text = own[unit.id] if unit.origin == "machine" else unit.text
                unit.repairs.remove("title-case-source")
            unit.source = own[unit.id]
    article.engine = settings.engine.describe()
    return article


def repair(article: Article) -> Article:
    """The rule-based repairs on each machine output (see :mod:`a11ykit.quality.repairs`)."""
    keep = sorted({hit.target_form for u in article.units for hit in u.hits})
    repair_outputs(article.units, article.target, enabled=article.settings.repairs, keep=keep,
                   memory=article.settings.memory)
    return article


def quality(article: Article) -> Article:
    """Each machine-translated unit's quality estimate, and the page's sum (see :mod:`a11ykit.quality.build`)."""
    if not article.settings.estimate_quality:
        return article
    settings = article.settings
    # with a memory, the round trip's back translations come from it (and are kept there)
    article.quality = estimate_units(article.units, article.source, article.target, settings.engine, settings.memory)
    if article.quality is None:
        article.warnings.append(
            "quality not estimated: Apertium's analysers (apertium-eng-spa, lttoolbox) are not installed"
        )
    return article


def localize(article: Article) -> Article:
    """The translations into the page, which then says its new language, links the original
    and formats dates for its readers."""
    page, settings = article.page, article.settings
    retag_languages(page, article.source, article.target)
    render_flags = apply_translations(
        page, {u.id: u.text for u in article.units}, decorate=make_decorator(settings.glossary, article.target)
    )
    for unit in article.units:
        unit.flags += [flag for flag in render_flags.get(unit.id, []) if flag not in unit.flags]
    by_id = {u.id: u for u in article.units}
    left_over = {u.id: u.quality.reason("source-word").words for u in article.units
                 if u.quality is not None and u.quality.reason("source-word") is not None}
    # a sentence the engine left as it was is not marked word by word (the notice and the review say so)
    mark_words_language(page.soup, {
        i: words for i, words in left_over.items()
        if not _same_words(by_id[i].text, by_id[i].source)
    }, article.source)
    sentences = [u for u in article.units if u.kind == "sentence"]
    localize_page(
        page,
        source=article.source,
        target=article.target,
        original_href=settings.original_href or link_to_file(Path(article.name).name),
        own_href=settings.own_href,
        ui=ui_translations(article.target, settings.ui_dir),
        unreviewed=(
            sum(u.origin == "machine" for u in sentences), len(sentences),
            sum(u.quality is not None and bool(u.quality.reasons) for u in sentences),
        ),
    )
    article.output_hrefs = _hrefs(page)
    return article


def check(article: Article) -> Article:
    """Every QA check, filed under the unit it is about (see :mod:`a11ykit.review.checks`)."""
    settings = article.settings
    context = Context(settings.glossary, article.target, article.units, article.source_hrefs, article.output_hrefs)
    article.add_problems(run_checks(context))
    if settings.catalog is not None:
        article.add_problems(catalog_problems(settings.catalog, article.units))
    article.add_problems(conflict_problems(article.conflicts))
    return article


def catalog(article: Article) -> Article:
    """The translators' catalog with this build's units merged in."""
    article.catalog = update_catalog(
        article.settings.catalog,
        article.units,
        target_lang=article.target,
        engine=article.engine,
        source_name=Path(article.name).name,
    )
    return article


def narrate(article: Article) -> Article:
    """With audio, the player on the page and the items the narration will read."""
    stem = article.settings.audio_stem
    if stem is None:
        return article
    from a11ykit.html.player import LABELS, player_fragment, player_tags
    from a11ykit.html.reading import insert_player, speech_items

    ui = ui_translations(article.target, article.settings.ui_dir)
    labels = {key: ui.gettext(text) for key, text in LABELS.items()}
    head_html, body_html = player_tags(inline=True)
    article.speech = speech_items(article.page.soup, ui)
    insert_player(
        article.page.soup, player_fragment(lang=article.target, stem=stem, labels=labels), head_html, body_html
    )
    return article


def render(article: Article) -> Article:
    """The page as HTML."""
    article.html = serialize(article.page.soup)
    return article


#: The build, in order.
STAGES: tuple[Callable[[Article], Article], ...] = (
    segment, translate, repair, quality, localize, check, catalog, narrate, render
)


def run_stages(article: Article) -> Article:
    for stage in STAGES:
        article = stage(article)
    return article


