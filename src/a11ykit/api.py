"""The one way in, for the CLI and for Python users alike: :func:`build` and :func:`save`.

:func:`build` reads the page, the glossary with the overrides beside it and the translators'
catalog, decides the languages, the engine and where the outputs will go (:mod:`a11ykit.layout`),
runs the stages (:mod:`a11ykit.stages`) and returns the :class:`~a11ykit.article.Article`
without writing anything. :func:`save` writes everything the article produced (page, report,
review page, catalog and, with audio, the narration), all of it or nothing.
:func:`build_page` runs the same stages on bytes already in memory, with the same glossary
overrides and approved translations.

This module resolves inputs and commits outputs; it must not name output files, format the
report or touch HTML, PO or audio formats itself.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog

from a11ykit.article import Article
from a11ykit.deferred import import_beside
from a11ykit.errors import InputError, ViolationError
from a11ykit.html.localize import link_to_file, original_address
from a11ykit.html.parse import parse_page
from a11ykit.l10n import check_language
from a11ykit.layout import DEFAULT_LOCALES, Fingerprint, Staging, fingerprint, locked, outputs_for, refuse_overwriting
from a11ykit.memory.store import TranslationMemory
from a11ykit.progress import Progress, no_progress
from a11ykit.quality.repairs import check_repairs
from a11ykit.report import make_report, report_json
from a11ykit.review.catalog import catalog_bytes, read_catalog, record_input, update_catalog
from a11ykit.review.page import render_review_page
from a11ykit.stages import Settings, languages, run_stages
from a11ykit.terms.base import Glossary
from a11ykit.terms.glossary import default_glossary_path, load_glossary
from a11ykit.terms.overrides import Override, apply_overrides, load_overrides, overrides_path
from a11ykit.translate.engines.base import Engine, select_engine

#: What :func:`save` imports to narrate (numpy alone takes 60–100 ms to import).
NARRATION_MODULES = ("numpy", "a11ykit.speech.narration", "a11ykit.html.reading", "a11ykit.html.player")


def resolve_glossary(
    glossary: Glossary | str | Path | None, overrides_file: str | Path | None = None
) -> tuple[Glossary, Path | None, list[Override], list[Override]]:
    """The glossary a build uses: a path (None: the default glossary) is read with its overrides
    applied (``overrides_file``, else the file beside it); a Glossary is used as it is. Also: its
    path, all overrides, the proposed ones."""
    if isinstance(glossary, Glossary):
        return glossary, None, [], []
    path = Path(glossary) if glossary is not None else default_glossary_path()
    overrides = load_overrides(overrides_path(path, overrides_file))
    resolved, proposed = apply_overrides(load_glossary(path), overrides)
    return resolved, path, overrides, proposed


def build_page(
    data: bytes,
    *,
    target: str,
    engine: Engine | str = "auto",
    glossary: Glossary | str | Path | None = None,
    overrides: str | Path | None = None,
    source: str | None = None,
    name: str = "input",
    catalog: Catalog | None = None,
    ui_dir: Path | None = None,
    original_href: str = "",
    own_href: str = "",
    audio_stem: str | None = None,
    progress: Progress = no_progress,
    repairs: Iterable[str] | None = None,
) -> Article:
    """Build one page given as bytes, in memory: the same stages, glossary overrides and
    approved translations (from ``catalog``) as :func:`build`; nothing is written."""
    resolved, glossary_path, decisions, proposed = resolve_glossary(glossary, overrides)
    page = parse_page(data, name=name)
    target, source = languages(page, target, source, name)
    if isinstance(engine, str):
        engine = select_engine(engine, source, target, warnings=page.warnings)
    settings = Settings(
        target=target, engine=engine, glossary=resolved, source=source, catalog=catalog, ui_dir=ui_dir,
        original_href=original_href, own_href=own_href, audio_stem=audio_stem, progress=progress,
        glossary_path=glossary_path, overrides=decisions, proposed=proposed,
        repairs=frozenset(check_repairs(repairs)) if repairs is not None else None,
    )
    return run_stages(Article(name=name, page=page, settings=settings))


def read_input(path: Path) -> bytes:
    if path.is_dir():
        raise InputError(f"{path}: is a directory; give an HTML file", code="A11Y101")
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file", code="A11Y101") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror or exc})", code="A11Y101") from None


def load_catalog(po_path: Path) -> tuple[Catalog | None, Fingerprint | None]:
    """The translators' catalog, read under its lock, and the fingerprint it was read at."""
    if not po_path.is_file():
        return None, None
    with locked(po_path):
        with po_path.open("rb") as f:
            catalog = read_catalog(f)
        return catalog, fingerprint(po_path)


def build(
    input_path: str | Path,
    *,
    to: str,
    source: str | None = None,
    out: str | Path = "out",
    engine: Engine | str = "auto",
    glossary: str | Path | None = None,
    overrides: str | Path | None = None,
    locales: str | Path | None = None,
    ui_locales: str | Path | None = None,
    audio: bool = True,
    voice: str | None = None,
    cache_dir: str | Path | None = None,
    original_url: str | None = None,
    strict: bool = False,
    progress: Progress = no_progress,
    memory: str | Path | None = None,
    repairs: Iterable[str] | None = None,
) -> Article:
    """Build the page at ``input_path`` into the language ``to``, as ``a11ykit build`` does: the
    glossary (default: the project's) with its overrides (``overrides``, else the file beside the
    glossary), the translators' catalog under
    ``locales`` (default: ``locales/``) and links as they will be in ``out``. ``ui_locales``:
    the page's own UI strings from there instead of a11ykit's. Nothing is
    written until :meth:`Article.save`. ``source`` None or "auto": the page's own language.
    ``memory``: a translation memory (SQLite file, created when missing) asked before the engine
    (the report's ``memory`` says how many sentences it served). ``repairs``: the names of the
    rule-based repairs that run (:data:`a11ykit.quality.REPAIRS`; default: all, ``[]``: none)."""
    if repairs is not None:
        repairs = check_repairs(repairs)
    request = dict(locals())
    input_path = Path(input_path)
    target = check_language(to, "target language")
    source = None if source in ("auto", "", None) else check_language(source, "source language")
    data = read_input(input_path)
    if audio:  # espeak's worker starts meanwhile (on another core), for the narration
        from a11ykit.speech.synth import warm_up

        warm_up()
    resolved, glossary_path, decisions, proposed = resolve_glossary(glossary, overrides)
    page = parse_page(data, name=str(input_path))
    # Language first, so a wrong pair fails before any engine is looked for.
    target, page_source = languages(page, target, source, str(input_path))
    chosen = select_engine(engine, page_source, target, warnings=page.warnings) if isinstance(engine, str) else engine
    out_dir = Path(out)
    outputs = outputs_for(input_path, target, out_dir, Path(locales) if locales is not None else DEFAULT_LOCALES)
    refuse_overwriting(input_path, outputs.all())
    previous, read_as = load_catalog(outputs.catalog)
    # Links to the original: its own address, else original_url, else its sibling in out/.
    sibling = outputs.sibling(page_source)
    original_link, unknown = original_address(page.soup, given=original_url, sibling=sibling)
    if unknown:
        missing = (
            ""
            if (out_dir / sibling).is_file()
            else f", which is not there yet (build the {page_source} page into {out_dir})"
        )
        page.warnings.append(unknown + missing)
    settings = Settings(
        target=target,
        engine=chosen,
        glossary=resolved,
        source=page_source,
        catalog=previous,
        ui_dir=Path(ui_locales) if ui_locales is not None else None,
        original_href=original_link,
        own_href=link_to_file(outputs.page.name),
        audio_stem=outputs.stem if audio else None,
        progress=progress,
        input_path=input_path,
        outputs=outputs,
        catalog_read_as=read_as,
        glossary_path=glossary_path,
        overrides=decisions,
        proposed=proposed,
        voice=voice,
        cache_dir=Path(cache_dir) if cache_dir is not None else None,
        strict=strict,
        request=request,
        repairs=frozenset(repairs) if repairs is not None else None,
    )
    if audio:  # what the narration needs is imported while the stages wait for the engine
        import_beside(NARRATION_MODULES)
    if memory is None:
        return run_stages(Article(name=str(input_path), page=page, settings=settings))
    with TranslationMemory.open(memory) as settings.memory:
        article = run_stages(Article(name=str(input_path), page=page, settings=settings))
    settings.memory = None
    return article


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused (where it runs) around one article's
    :func:`build` and :meth:`Article.save`. The build's objects (the page's tree, the
    catalog, the memory's rows) live until the article is written; collecting on the way only
    walks them again and again (about 60 ms of a one-paragraph rebuild). What became garbage
    is collected by the first collection after. Threads building articles side by side each
    leave the collector as they found it (the one that found it running turns it back on)."""
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()


# --- saving -----------------------------------------------------------------------------


def save(article: Article, out_dir: str | Path | None = None, *, audio: bool | None = None) -> Article:
    """Write the article's page, report, review page, catalog and (with audio) narration:
    all of them, or (on any error) none, the previous ones left as they were.

    ``out_dir`` and ``audio`` default to what the article was built for; an article built
    for another folder or without the player is built again for these first (the page's
    links and player depend on them). Returns the article that was written."""
    settings = article.settings
    if settings is None or settings.outputs is None or settings.input_path is None:
        raise InputError("only an article built from a file with a11ykit.build() can be saved", code="A11Y112")
    want_audio = settings.audio_stem is not None if audio is None else audio
    want_out = Path(out_dir) if out_dir is not None else settings.outputs.out_dir
    if want_audio != (settings.audio_stem is not None) or want_out != settings.outputs.out_dir:
        article = build(**{**settings.request, "out": want_out, "audio": want_audio})
        settings = article.settings
    outputs, input_path = settings.outputs, settings.input_path
    assert outputs is not None and input_path is not None
    out = outputs.out_dir
    with Staging() as staging, ThreadPoolExecutor(max_workers=1, thread_name_prefix="a11ykit-review") as beside:
        # The review page reads the units and problems, which the narration does not change:
        # it is rendered beside the narration, mostly while that waits for the speech worker.
        review = beside.submit(
            render_review_page, article, article.units, article.problems,
            source_lang=article.source, target_lang=article.target, stem=outputs.stem, po_path=str(outputs.catalog),
        )
        if want_audio:
            article.audio = _synthesize(article, staging)
        staging.stage(outputs.page, article.html)
        staging.stage(outputs.review, review.result())
        staging.prepare(outputs.catalog.parent)
        input_ref = os.path.relpath(input_path.resolve(), outputs.catalog.parent.resolve())
        with locked(outputs.catalog):
            merged, changed = _merge_catalog(article, outputs.catalog, settings.catalog_read_as, input_ref)
            if changed:
                article.warnings.append(
                    f"{outputs.catalog} changed during the build; its entries were merged again "
                    "(new approvals show on the page from the next build)"
                )
            article.catalog = merged
            staging.stage(outputs.catalog, catalog_bytes(merged), expect=fingerprint(outputs.catalog))
            report = make_report(
                article,
                input_path=input_path,
                input_from_report=os.path.relpath(input_path.resolve(), out.resolve()),
                glossary_path=settings.glossary_path or default_glossary_path(),
                overrides=settings.overrides,
                proposed=settings.proposed,
                catalog_path=outputs.catalog,
            )
            staging.stage(outputs.report, report_json(report))
            staging.commit()
    if settings.strict and article.violations:
        raise ViolationError(
            f"{len(article.violations)} glossary violation(s) remain (see {outputs.report})", code="A11Y601"
        )
    return article


def _merge_catalog(
    article: Article, po_path: Path, read_as: Fingerprint | None, input_ref: str
) -> tuple[Catalog, bool]:
    """The catalog to write (call under the catalog's lock). If the file changed since the
    build read it (a translator saved it meanwhile), the build's units are merged again
    into the file as it is now, so no approval made meanwhile is lost. True: it changed."""
    now = fingerprint(po_path)
    changed = now != read_as
    base = article.catalog
    if changed:
        fresh = None
        if now is not None:
            with po_path.open("rb") as f:
                fresh = read_catalog(f)
        base = update_catalog(
            fresh, article.units, target_lang=article.target, engine=article.engine,
            source_name=Path(article.name).name,
        )
    assert base is not None
    return record_input(base, input_ref), changed


def _synthesize(article: Article, staging: Staging) -> dict[str, Any]:
    """Narrate the page next to it; what happened goes into the report."""
    import dataclasses

    from a11ykit.html.reading import narration_tags
    from a11ykit.speech import synthesize_article
    from a11ykit.speech.lexicon import lexicon_for

    settings = article.settings
    outputs = settings.outputs
    result = synthesize_article(
        article.speech,
        lang=article.target,
        out_dir=outputs.out_dir,
        stem=outputs.stem,
        voice=settings.voice,
        lexicon=lexicon_for(article.target, settings.glossary),
        cache_dir=settings.cache_dir or outputs.speech_cache,
        progress=settings.progress,
        staging=staging,
        tags=narration_tags(article.page.soup, source=Path(article.name).name),
    )
    timing = {cue.id: cue for cue in result.cues}
    for unit in article.units:
        cue = timing.get(unit.id)
        if cue is not None:
            unit.start, unit.end = cue.start, cue.end
    return {
        "voice": dataclasses.asdict(result.voice),
        "files": {kind: str(getattr(result, kind)) for kind in ("opus", "mp3", "captions", "chapters", "syncmap")},
        "duration": result.duration,
        "items": len(article.speech),
        "synthesized": result.synthesized,
        "cached": result.cached,
        "levels": result.levels.as_dict() if result.levels is not None else None,
    }

