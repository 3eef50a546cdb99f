"""The main job: one article page in, one translated page and its report out.

``build_page`` is pure (bytes in, strings and data out); ``build_file`` does the
file work around it: read, decide languages, write atomically.
"""

from __future__ import annotations

import dataclasses
import gettext
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog

from a11ykit.text import tagged
from a11ykit.translate.engines.base import Engine, select_engine
from a11ykit.errors import InputError, ViolationError
from a11ykit.terms.glossary import default_glossary_path, load_glossary
from a11ykit.html.localize import link_to_file, localize_page, make_decorator, original_address, retag_languages
from a11ykit.html.parse import ParsedPage, declared_language, parse_page
from a11ykit.html.render import apply_translations, serialize
from a11ykit.l10n import check_language, ui_translations
from a11ykit.layout import (
    Fingerprint,
    Staging,
    atomic_write,
    build_paths,
    fingerprint,
    locked,
    output_stem,  # noqa: F401  (a11ykit.pipeline.output_stem, as before)
    refuse_overwriting,
)
from a11ykit.article import Document, SegmentResult
from a11ykit.terms.base import Glossary, Violation
from a11ykit.progress import Progress, no_progress
from a11ykit.speech import SpeechItem
from a11ykit.terms.overrides import Override, apply_overrides, approved_conflicts, load_overrides, overrides_path
from a11ykit.review.checks import Problem, conflict_problems, run_checks
from a11ykit.review.catalog import (
    approved_translations,
    catalog_bytes,
    catalog_problems,
    read_catalog,
    update_catalog,
    record_input,
)
from a11ykit.review_page import render_review_page
from a11ykit.translate.translator import Translator

_STOPWORDS = {
    "en": set("the and of to in is was that for with on as he his by at from it this are were have which".split()),
    "es": set("el la los las de que y en un una por con para del al es fue se su sus como más pero".split()),
}


@dataclass
class PageBuild:
    """What building one page produced, before anything is written."""

    html: str
    document: Document
    results: list[SegmentResult]
    source: str
    target: str
    engine: str
    warnings: list[str] = field(default_factory=list)
    render_flags: dict[str, list[str]] = field(default_factory=dict)
    source_hrefs: list[str] = field(default_factory=list)
    output_hrefs: list[str] = field(default_factory=list)
    speech: list[SpeechItem] = field(default_factory=list)  # when the page gets a player
    catalog: Catalog | None = None  # the updated translators' catalog
    problems: list[Problem] = field(default_factory=list)  # QA
    conflicts: list[Violation] = field(default_factory=list)  # approved translations the glossary refused

    @property
    def violations(self) -> list[Violation]:
        return [v for r in self.results for v in r.violations]

    @property
    def flagged(self) -> list[str]:
        return [r.segment_id for r in self.results if r.flags]


def detect_language(page: ParsedPage) -> str:
    """The page's language: its ``lang`` attribute, else the language of most stopwords."""
    declared = declared_language(page.soup)
    if declared in _STOPWORDS:
        return declared
    words = re.findall(r"[^\W\d_]+", " ".join(tagged.plain(s.text) for s in page.document.segments).lower())
    scores = {lang: sum(w in stop for w in words) for lang, stop in _STOPWORDS.items()}
    best = max(scores, key=scores.__getitem__)
    if scores[best] == 0:
        raise InputError("cannot tell the page's language; pass --from en or --from es", code="A11Y107")
    return best


def _hrefs(page: ParsedPage) -> list[str]:
    return [str(a.get("href")) for a in page.soup.find_all("a") if a.get("href") is not None and not a.find_parent(class_="a11y-notice")]


def build_page(data: bytes, *, name: str = "input", **options) -> PageBuild:  # noqa: ANN003
    """Translate one page given as bytes; ``options`` are those of :func:`translate_page`."""
    return translate_page(parse_page(data, name=name), name=name, **options)


def translate_page(
    page: ParsedPage,
    *,
    target: str,
    engine: Engine,
    glossary: Glossary,
    source: str | None = None,
    name: str = "input",
    original_href: str = "",
    own_href: str = "",
    catalog: Catalog | None = None,  # the translators' catalog from the last build
    locales_dir: Path | None = None,
    audio_stem: str | None = None,
    progress: Progress = no_progress,
) -> PageBuild:
    """Translate one page. With ``audio_stem``, the page also gets the audio player for
    ``<audio_stem>.<target>.*`` and the result lists what the narration must say."""
    target = check_language(target, "target language")
    source = check_language(source, "source language") if source else detect_language(page)
    if source == target:
        raise InputError(f"{name}: the page is already in {source}; choose the other language with --to", code="A11Y108")
    page.document.lang = source
    source_hrefs = _hrefs(page)
    # Translators' approved entries win, unless they break a locked term: then the glossary wins.
    approved = approved_translations(catalog, page.document) if catalog is not None else {}
    conflicts = approved_conflicts(glossary, source, target, page.document, approved)
    for conflict in conflicts:
        approved.pop(conflict.segment_id, None)
    translator = Translator(engine, glossary, source, target)
    results = translator.translate_document(page.document, approved=approved, progress=progress)
    texts = {r.segment_id: r.text for r in results}
    retag_languages(page, source, target)
    render_flags = apply_translations(page, texts, decorate=make_decorator(glossary, target))
    for result in results:
        for flag in render_flags.get(result.segment_id, []):
            if flag not in result.flags:
                result.flags.append(flag)
    ui = ui_translations(target, locales_dir)
    localize_page(
        page,
        source=source,
        target=target,
        original_href=original_href or link_to_file(Path(name).name),
        own_href=own_href,
        ui=ui,
    )
    output_hrefs = _hrefs(page)
    speech = add_player(page, target, audio_stem, ui) if audio_stem else []
    engine_name = engine.describe()
    new_catalog = update_catalog(
        catalog, page.document, results, target_lang=target, engine=engine_name, source_name=Path(name).name
    )
    problems = (
        run_checks(page.document, results, glossary, source, target, source_hrefs, output_hrefs)
        + (catalog_problems(catalog, page.document) if catalog is not None else [])
        + conflict_problems(conflicts)
    )
    return PageBuild(
        html=serialize(page.soup),
        document=page.document,
        results=results,
        source=source,
        target=target,
        engine=engine_name,
        warnings=page.warnings,
        render_flags=render_flags,
        source_hrefs=source_hrefs,
        output_hrefs=output_hrefs,
        speech=speech,
        catalog=new_catalog,
        problems=problems,
        conflicts=conflicts,
    )


def add_player(page: ParsedPage, lang: str, stem: str, ui: gettext.NullTranslations) -> list[SpeechItem]:
    """Put the accessible player on the page; return the items the narration reads."""
    from a11ykit.html.reading import insert_player, speech_items
    from a11ykit.html.player import LABELS, player_fragment, player_tags

    labels = {key: ui.gettext(text) for key, text in LABELS.items()}
    head_html, body_html = player_tags(inline=True)
    items = speech_items(page.soup, ui)
    insert_player(page.soup, player_fragment(lang=lang, stem=stem, labels=labels), head_html, body_html)
    return items


def speech_items(
    data: bytes, lang: str | None = None, *, locales_dir: Path | None = None, name: str = "input"
) -> list[SpeechItem]:
    """The spoken items of a page, in reading order. A page a11ykit built has sentence
    spans already; an original page gets the same sentence ids it would get in a build."""
    from a11ykit.html.reading import speech_items as read_items

    page = parse_page(data, name=name)
    lang = check_language(lang, "language") if lang else detect_language(page)
    if not page.soup.find(class_="a11y-s"):
        apply_translations(page, {s.id: s.text for s in page.document.segments})
    return read_items(page.soup, ui_translations(lang, locales_dir))


# --- files --------------------------------------------------------------------------------


@dataclass
class BuildOptions:
    target: str
    source: str = "auto"
    out_dir: Path = Path("out")
    engine: str = "auto"
    glossary_path: Path | None = None  # None: glossary.default_glossary_path()
    strict: bool = False
    locales_dir: Path | None = None
    audio: bool = True
    voice: str | None = None
    cache_dir: Path | None = None
    original_url: str | None = None  # where the original is published, if the page does not say


@dataclass
class BuildOutcome:
    page_path: Path
    report_path: Path
    build: PageBuild
    report: dict


def read_input(path: Path) -> bytes:
    if path.is_dir():
        raise InputError(f"{path}: is a directory; give an HTML file", code="A11Y101")
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file", code="A11Y101") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror or exc})", code="A11Y101") from None


def build_file(input_path: Path, options: BuildOptions, progress: Progress = no_progress) -> BuildOutcome:
    """Build ``out/<stem>.<lang>.html``, its report, review page, audio and catalog: all
    of them, or (on any error) none, the previous ones left as they were."""
    input_path = Path(input_path)
    target = check_language(options.target, "target language")
    source = None if options.source in ("auto", "", None) else check_language(options.source, "source language")
    data = read_input(input_path)
    glossary_path = Path(options.glossary_path) if options.glossary_path else default_glossary_path()
    glossary = load_glossary(glossary_path)
    overrides = load_overrides(overrides_path(glossary_path))
    glossary, proposed = apply_overrides(glossary, overrides)
    page = parse_page(data, name=str(input_path))
    # Language first, so a wrong pair fails before any engine is looked for.
    page_source = source or detect_language(page)
    if page_source == target:
        raise InputError(f"{input_path}: the page is already in {target}; choose the other language with --to", code="A11Y108")
    engine = select_engine(options.engine, page_source, target, warnings=page.warnings)
    out_dir = Path(options.out_dir)
    paths = build_paths(input_path, target, out_dir, options.locales_dir or Path("locales"))
    refuse_overwriting(input_path, paths.all())
    stem, po_path = paths.stem, paths.catalog
    catalog, read_as = load_catalog(po_path)
    input_from_out = os.path.relpath(input_path.resolve(), out_dir.resolve())  # who the outputs belong to
    # Links to the original: its own address, else --original-url, else its sibling in out/.
    sibling = f"{stem}.{page_source}.html"
    original_link, unknown = original_address(page.soup, given=options.original_url, sibling=sibling)
    if unknown:
        missing = "" if (out_dir / sibling).is_file() else f", which is not there yet (build the {page_source} page into {out_dir})"
        page.warnings.append(unknown + missing)
    build = translate_page(
        page,
        target=target,
        engine=engine,
        glossary=glossary,
        source=page_source,
        name=str(input_path),
        original_href=original_link,
        own_href=link_to_file(paths.page.name),
        catalog=catalog,
        locales_dir=options.locales_dir,
        audio_stem=stem if options.audio else None,
        progress=progress,
    )
    report = make_report(build, input_path=input_path, glossary_path=glossary_path, glossary=glossary)
    report["input_from_report"] = input_from_out
    report["applied_overrides"] = [_override_dict(o) for o in overrides if o.status == "approved"]
    report["proposed_overrides"] = [_override_dict(o) for o in proposed]
    report["catalog"] = str(po_path)
    with Staging() as staging:
        if options.audio:
            report["audio"] = narrate(build, out_dir, stem, glossary, options, progress, staging)
        staging.stage(paths.page, build.html)
        staging.stage(paths.review, render_review_page(
            build.document, build.results, build.problems,
            source_lang=build.source, target_lang=target, stem=stem, po_path=str(po_path),
        ))
        staging.prepare(po_path.parent)
        input_ref = os.path.relpath(input_path.resolve(), po_path.parent.resolve())
        with locked(po_path):
            merged, changed = merge_catalog(build, po_path, read_as, input_path.name, input_ref)
            if changed:
                build.warnings.append(
                    f"{po_path} changed during the build; its entries were merged again "
                    "(new approvals show on the page from the next build)"
                )
                report["warnings"] = build.warnings
            build.catalog = merged
            staging.stage(po_path, catalog_bytes(merged), expect=fingerprint(po_path))
            staging.stage(paths.report, json.dumps(report, ensure_ascii=False, indent=2) + "\n")
            staging.commit()
    if options.strict and build.violations:
        raise ViolationError(
            f"{len(build.violations)} glossary violation(s) remain (see {paths.report})", code="A11Y601"
        )
    return BuildOutcome(paths.page, paths.report, build, report)


def load_catalog(po_path: Path) -> tuple[Catalog | None, Fingerprint | None]:
    """The translators' catalog, read under its lock, and the fingerprint it was read at."""
    if not po_path.is_file():
        return None, None
    with locked(po_path):
        with po_path.open("rb") as f:
            catalog = read_catalog(f)
        return catalog, fingerprint(po_path)


def merge_catalog(
    build: PageBuild, po_path: Path, read_as: Fingerprint | None, source_name: str, input_ref: str
) -> tuple[Catalog, bool]:
    """The catalog to write (call under the catalog's lock). If the file changed since the
    build read it (a translator saved it meanwhile), the build's entries are merged again
    into the file as it is now, so no approval made meanwhile is lost. True: it changed."""
    now = fingerprint(po_path)
    changed = now != read_as
    base = build.catalog
    if changed:
        fresh = None
        if now is not None:
            with po_path.open("rb") as f:
                fresh = read_catalog(f)
        base = update_catalog(
            fresh, build.document, build.results, target_lang=build.target, engine=build.engine,
            source_name=source_name,
        )
    assert base is not None
    return record_input(base, input_ref), changed


def narrate(
    build: PageBuild, out_dir: Path, stem: str, glossary: Glossary, options: BuildOptions, progress: Progress,
    staging: Staging | None = None,
) -> dict:
    """Synthesize the page's narration next to it; what happened goes into the report."""
    from a11ykit.speech import synthesize_article
    from a11ykit.speech.lexicon import lexicon_for

    result = synthesize_article(
        build.speech,
        lang=build.target,
        out_dir=out_dir,
        stem=stem,
        voice=options.voice,
        lexicon=lexicon_for(build.target, glossary),
        cache_dir=options.cache_dir or out_dir / ".speech-cache",
        progress=progress,
        staging=staging,
    )
    return {
        "voice": dataclasses.asdict(result.voice),
        "files": {k: str(getattr(result, k)) for k in ("opus", "mp3", "captions", "chapters", "syncmap")},
        "duration": result.duration,
        "items": len(build.speech),
        "synthesized": result.synthesized,
        "cached": result.cached,
    }


def make_report(build: PageBuild, *, input_path: Path, glossary_path: Path, glossary: Glossary) -> dict:
    segments = []
    for segment, result in zip(build.document.segments, build.results):
        segments.append(
            {
                "id": segment.id,
                "kind": segment.kind,
                "role": segment.role,
                "block": segment.block,
                "attribute": segment.attribute,
                "source": result.source,
                "machine": result.machine,
                "text": result.text,
                "origin": result.origin,
                "flags": result.flags,
                "hits": [h.__dict__ for h in result.hits],
                "violations": [v.__dict__ for v in result.violations],
            }
        )
    hits: dict[str, int] = {}
    for r in build.results:
        for h in r.hits:
            hits[h.term] = hits.get(h.term, 0) + 1
    return {
        "input": str(input_path),
        "source_lang": build.source,
        "target_lang": build.target,
        "engine": build.engine,
        "glossary": {"path": str(glossary_path), "terms": len(glossary), "hits": hits},
        "summary": {
            "segments": len(build.results),
            "sentences": sum(1 for s in build.document.segments if s.kind == "sentence"),
            "violations": len(build.violations),
            "flagged": len(build.flagged),
            "problems": len(build.problems),
            "approved": sum(1 for r in build.results if r.origin == "approved"),
        },
        "violations": [v.__dict__ for v in build.violations],
        "conflicts": [v.__dict__ for v in build.conflicts],
        "problems": [p.__dict__ for p in build.problems],
        "flagged": [{"id": r.segment_id, "flags": r.flags} for r in build.results if r.flags],
        "warnings": build.warnings,
        "segments": segments,
    }


def _override_dict(o: Override) -> dict:
    return {"term": o.term, "lang": o.lang, "form": o.form, "status": o.status, "who": o.who,
            "when": o.when.isoformat(), "why": o.why}


def write_atomic(path: Path, text: str) -> None:
    """Write one file completely or not at all (see :func:`a11ykit.layout.atomic_write`)."""
    atomic_write(path, text)
