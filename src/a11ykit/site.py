"""Site builds: many articles in one run, each written as a single build writes it.

:func:`collect_inputs` turns the command line's inputs (files, folders searched recursively
for ``*.html``, ``@list`` files of paths) into articles whose outputs mirror the input tree
under ``--out``. :func:`build_site` then works in two passes, three with a Dask cluster and audio:

1. *translate*: every article is read and segmented on the pool; the unique sentences of the
   whole site that the translation memory lacks are sent to the engine in batches, each sentence
   once, on the local process pool or (``scheduler``) on a Dask cluster. Only this process
   writes the memory.
2. *speak* (``scheduler`` and audio only): what each article will say is learnt by running its
   stages on the local pool (:func:`plan_speech`, nothing written); the unique utterances the
   site's speech cache lacks are synthesized on the cluster in batches and their chunks come
   back here, where they are stored in the cache (:mod:`a11ykit.speech.remote` says why a pass
   before the narration, and how a worker with another espeak-ng is refused).
3. *build*: each article (the biggest first) is built and saved by :func:`a11ykit.api.build` on the local pool,
   its translate stage served by the memory and its narration by the site's one speech cache
   (``OUT/.a11ykit/speech-cache``: a sentence spoken in two articles is synthesized once;
   after pass 2 the narrations synthesize nothing, they lay out, encode, join and write).
   Each article is written by the process that built it, through the build's all-or-nothing
   staging: the page, report, catalog and narration never travel between processes, and the
   staging's per-file locks already make concurrent builds into one folder safe (the cache's
   entries are written atomically too). This process alone writes the manifest.

A run with one article to build (a rebuild after an edit) and no cluster builds it in this
process, without a pool and without pass 1: its build translates what the memory lacks itself.

Nothing is written into the articles' outputs before pass 3; a Dask task the cluster gives up
on (its workers died more often than the scheduler allows) ends the run in pass 1 or 2 (A11Y306).

The manifest (``OUT/.a11ykit/manifest.json``) records, per finished article, a hash of what
its outputs depend on (input, glossary and its overrides file, the catalog as the build left
it, the UI catalog the page's strings come from, engine, voice, options, a11ykit's version); a
rerun skips those whose hash is unchanged and whose outputs are there, so an interrupted run
resumes. A failing article is reported and the others go on.

This module schedules whole-site work; it must not translate, synthesize, render or name
outputs itself (the translator, :mod:`a11ykit.speech`, :mod:`a11ykit.api` and
:mod:`a11ykit.layout` do).
"""

from __future__ import annotations

import gc
import hashlib
import json
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from a11ykit import __version__
from a11ykit.allocator import keep_freed_memory
from a11ykit.api import build, collector_paused, resolve_glossary
from a11ykit.article import Article
from a11ykit.errors import A11yKitError, EngineError, InputError
from a11ykit.html.parse import parse_page
from a11ykit.l10n import UI_DOMAIN, check_language, ui_locales_dirs
from a11ykit.layout import DEFAULT_LOCALES, NAMES, outputs_for, terminate_cleanly
from a11ykit.memory.store import TranslationMemory
from a11ykit.memory.units import memory_key
from a11ykit.progress import Progress, no_progress
from a11ykit.stages import languages
from a11ykit.terms.base import Glossary
from a11ykit.terms.overrides import overrides_path
from a11ykit.translate.engines.base import Engine, select_engine
from a11ykit.translate.translator import Translator

#: Where a site build keeps its own files inside the output folder, and its speech cache.
STATE_DIR = NAMES["site_state"]
SPEECH_CACHE = NAMES["site_speech_cache"]
MANIFEST = "manifest.json"
MEMORY = "memory.sqlite"
_MANIFEST_VERSION = 2

#: Sentences per translation task: an Apertium call spends about 0.4 s starting its pipeline,
#: so big enough that start-up is a small part of it (64 made a 28-article cold build 36% slower)
#: and small enough to spread over the workers. Fixed, so batches (and Apertium's output, which
#: depends a little on a sentence's neighbours in its batch) are the same on any executor.
BATCH = 256


@dataclass(frozen=True)
class SiteInput:
    """One article of a site build and the folder its outputs go to."""

    path: Path
    out_dir: Path
    name: str  # the input as messages and the manifest name it (relative to its tree)


@dataclass(frozen=True)
class Options:
    """What every article of the run is built with (the arguments of :func:`a11ykit.api.build`)."""

    to: str
    source: str | None = None
    engine: str = "auto"
    glossary: Path | None = None
    overrides: Path | None = None  # the glossary's overrides (None: overrides.csv beside it)
    locales: Path | None = None
    ui_locales: Path | None = None
    audio: bool = True
    voice: str | None = None
    original_url: str | None = None
    strict: bool = False
    epub: bool = False
    repairs: tuple[str, ...] | None = None  # the rule-based repairs that run (None: all)


@dataclass
class Outcome:
    """What became of one article: ``built``, ``unchanged`` (skipped) or ``failed``."""

    name: str
    status: str
    message: str = ""  # the error, one line, for a failed article
    page: str = ""
    sentences: int = 0
    from_memory: int = 0
    from_engine: int = 0  # unique sentences its build sent to the engine (none after pass 1)
    synthesized: int = 0  # spoken items its narration synthesized itself (not found in the speech cache)
    cached: int = 0  # spoken items its narration found in the speech cache
    seconds: float = 0.0


@dataclass
class SiteResult:
    outcomes: list[Outcome] = field(default_factory=list)
    memory: str = ""
    sentences: int = 0  # unique sentences of the articles built (per language pair)
    translated: int = 0  # of them, sent to the engine in this run
    speech_cache: str = ""
    utterances: int = 0  # with a scheduler and audio: unique utterances of the articles built
    on_cluster: int = 0  # of them, synthesized on the cluster in this run (the rest were in the cache)
    speakers: dict[str, int] = field(default_factory=dict)  # Dask worker → utterances it synthesized
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def synthesized(self) -> int:
        """Spoken items the articles' narrations synthesized here (the cluster's are in the cache)."""
        return sum(o.synthesized for o in self.outcomes)

    @property
    def cached(self) -> int:
        """Spoken items the articles' narrations found in the speech cache."""
        return sum(o.cached for o in self.outcomes)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def memory_hit_rate(self) -> float:
        return 1.0 - self.translated / self.sentences if self.sentences else 1.0


# --- inputs -------------------------------------------------------------------------------


def is_site(inputs: Sequence[str | Path]) -> bool:
    """Whether the command line's inputs ask for a site build (anything but one file)."""
    return len(inputs) != 1 or str(inputs[0]).startswith("@") or Path(inputs[0]).is_dir()


def _list_file(arg: str) -> list[str]:
    path = Path(arg[1:])
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the list of inputs ({exc})", code="A11Y170") from None
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def collect_inputs(inputs: Sequence[str | Path], out: Path) -> list[SiteInput]:
    """The articles of a run, each once, in order. A folder gives its ``*.html`` files
    (recursively, not those under ``out`` or in hidden folders), mirrored under ``out``; files
    named directly or in a ``@list`` file go under ``out`` by their path below their common
    folder. A path that does not exist stays in the list: its build reports it."""
    out_resolved = out.resolve()
    found: dict[Path, SiteInput] = {}
    loose: list[Path] = []
    for arg in inputs:
        text = str(arg)
        paths = [Path(p) for p in _list_file(text)] if text.startswith("@") else [Path(text)]
        for path in paths:
            if not path.is_dir():
                loose.append(path)
                continue
            files = [
                p for p in sorted(path.rglob("*.html"))
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts[:-1])
                and not p.resolve().is_relative_to(out_resolved)
            ]
            if not files:
                raise InputError(f"{path}: is a directory with no *.html files in it", code="A11Y170")
            for file in files:
                rel = file.relative_to(path)
                found.setdefault(file.resolve(), SiteInput(file, out / rel.parent, (path.name / rel).as_posix()))
    if loose:
        parents = [str(p.resolve().parent) for p in loose]
        base = Path(os.path.commonpath(parents))
        for path in loose:
            rel = path.resolve().relative_to(base)
            found.setdefault(path.resolve(), SiteInput(path, out / rel.parent, str(path)))
    if not found:
        raise InputError("no inputs given", code="A11Y170")
    return list(found.values())


# --- the manifest -------------------------------------------------------------------------


#: A file modified this close before it was hashed is hashed again next time, whatever its
#: size and time say: a second change within the file system's timestamp step would leave
#: both as they were (git's "racy" files; 2 s is FAT's step).
RACY_NS = 2_000_000_000


def _file_hash(path: Path | None, known: dict[str, list[Any]] | None = None) -> str:
    """The file's SHA-256 ("" if it cannot be read). With ``known`` (path → [size, mtime_ns,
    inode, when hashed (ns), hash], updated here), a file whose size, modification time and
    inode are those recorded is not read again, as make and git decide, unless it was
    modified within :data:`RACY_NS` of being hashed."""
    if path is None:
        return ""
    try:
        if known is None:
            return hashlib.sha256(path.read_bytes()).hexdigest()
        stat = path.stat()
        seen = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
        recorded = known.get(str(path))
        if recorded is not None and tuple(recorded[:3]) == seen and recorded[3] - seen[1] > RACY_NS:
            return str(recorded[4])
        hashed_at = time.time_ns()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""
    known[str(path)] = [*seen, hashed_at, digest]
    return digest


class Manifest:
    """Finished articles and the hash of what their outputs depend on, and the hashes of the
    files that went into it with their sizes and times (:func:`_file_hash`); written by the
    parent only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, dict[str, Any]] = {}
        self._files: dict[str, list[Any]] = {}  # as recorded, then as hashed by this run
        self._used: set[str] = set()
        self._changed = False
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") == _MANIFEST_VERSION:
                self.entries = dict(data.get("articles", {}))
                files = data.get("files", {})
                self._files = {k: v for k, v in files.items() if isinstance(v, list) and len(v) == 5}
        except (OSError, ValueError, AttributeError):
            pass

    def file_hash(self, path: Path | None) -> str:
        """:func:`_file_hash` with the sizes and times recorded; the manifest keeps those of
        the files this run asked about."""
        if path is None:
            return ""
        self._used.add(str(path))
        before = self._files.get(str(path))
        digest = _file_hash(path, self._files)
        self._changed |= self._files.get(str(path)) is not before
        return digest

    def save_file_hashes(self) -> None:
        """Write the manifest if this run hashed a file again (a run that built nothing
        would otherwise read the same files again next time)."""
        if self._changed:
            self._write()

    def finished(self, key: str, digest: str) -> bool:
        entry = self.entries.get(key)
        return bool(entry and entry.get("hash") == digest and all(Path(p).is_file() for p in entry.get("outputs", ())))

    def catalog(self, key: str) -> Path | None:
        """The catalog the article's last finished build used, if the manifest says."""
        recorded = self.entries.get(key, {}).get("catalog")
        return Path(recorded) if isinstance(recorded, str) else None

    def record(self, key: str, digest: str, outputs: Sequence[Path], catalog: Path) -> None:
        self.entries[key] = {"hash": digest, "outputs": [str(p) for p in outputs], "catalog": str(catalog)}
        self._write()

    def forget(self, key: str) -> None:
        if self.entries.pop(key, None) is not None:
            self._write()

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        files = {k: v for k, v in sorted(self._files.items()) if k in self._used}
        data = {"version": _MANIFEST_VERSION, "articles": dict(sorted(self.entries.items())), "files": files}
        temporary.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        os.replace(temporary, self.path)
        self._changed = False


# --- workers ------------------------------------------------------------------------------

#: Engines a worker process has started, reused by every task it runs.
_ENGINES: dict[tuple[str, str, str], Engine] = {}


def worker_engine(name: str, source: str, target: str) -> Engine:
    key = (name, source, target)
    if key not in _ENGINES:
        _ENGINES[key] = select_engine(name, source, target)
    return _ENGINES[key]


def translate_batch(
    engine: Engine | str, glossary: Glossary, source: str, target: str, texts: list[str]
) -> dict[str, tuple[str, list[str]]]:
    """One task: tagged source sentences → (tagged translation, flags), locked, verified and
    repaired as a single build does. Runs in a pool process or on a Dask worker."""
    if isinstance(engine, str):
        engine = worker_engine(engine, source, target)
    done = Translator(engine, glossary, source, target).translate_texts(texts)
    return {text: (result.text, list(result.flags)) for text, result in done.items()}


def _build(
    item: SiteInput, options: Options, memory: Path, engine: Engine | str, cache_dir: Path | None = None
) -> Article:
    """One article built as the site builds it (nothing written; ``cache_dir``: the speech cache
    its narration will use when it is saved)."""
    return build(
        item.path, to=options.to, source=options.source, out=item.out_dir, engine=engine,
        glossary=options.glossary, overrides=options.overrides, locales=options.locales,
        ui_locales=options.ui_locales, audio=options.audio, voice=options.voice, cache_dir=cache_dir,
        original_url=options.original_url, strict=options.strict, memory=memory, repairs=options.repairs,
    )


def build_article(
    item: SiteInput, options: Options, memory: Path, engine: Engine | str, cache_dir: Path
) -> Outcome:
    """One task: build and save one article (its outputs written by the build's staging; its
    narration's chunks from and into the site's speech cache ``cache_dir``)."""
    started = time.perf_counter()
    try:
        with terminate_cleanly(), collector_paused():
            article = _build(item, options, memory, engine, cache_dir).save()
            if options.epub:
                from a11ykit.epub import build_epub

                build_epub(article.settings.outputs.page, lang=article.target, image_dirs=[item.path.parent],
                           glossary_path=options.glossary, overrides_path=options.overrides)
    except A11yKitError as exc:
        return Outcome(item.name, "failed", _about(item, f"{exc} [{exc.code}]"), seconds=time.perf_counter() - started)
    except Exception as exc:  # noqa: BLE001 - one broken article must not stop the site
        return Outcome(item.name, "failed", _about(item, f"{type(exc).__name__}: {exc}"),
                       seconds=time.perf_counter() - started)
    use = article.memory
    audio = article.audio or {}
    return Outcome(
        item.name, "built", page=str(article.settings.outputs.page), sentences=len(article.units),
        from_memory=use.from_memory if use is not None else 0, from_engine=use.from_engine if use is not None else 0,
        synthesized=len(audio.get("synthesized", ())),
        cached=len(audio.get("cached", ())), seconds=time.perf_counter() - started,
    )


def read_sentences(path: Path, target: str, source: str | None) -> tuple[tuple[str, str], list[str]] | None:
    """One task: an article's (source, target) languages and its unique source sentences, in
    order; None for an article that cannot be read (its build reports why)."""
    try:
        page = parse_page(path.read_bytes(), name=str(path))
        pair = languages(page, target, source, str(path))
    except (OSError, A11yKitError):
        return None
    return (pair[1], pair[0]), list(dict.fromkeys(u.source for u in page.units))


def plan_speech(item: SiteInput, options: Options, memory: Path, engine: Engine | str) -> list[str]:
    """One task: what the article's narration will have espeak read, item by item (its stages
    run as its build will run them; nothing written). A broken article says nothing: its build
    reports it."""
    from a11ykit.speech.lexicon import lexicon_for
    from a11ykit.speech.remote import spoken_texts

    try:
        article = _build(item, options, memory, engine)
    except Exception:  # noqa: BLE001 - the article's own build reports what is wrong with it
        return []
    return spoken_texts(article.speech, article.target, lexicon_for(article.target, article.settings.glossary))


def _input_size(item: SiteInput) -> int:
    try:
        return item.path.stat().st_size
    except OSError:
        return 0


def _about(item: SiteInput, message: str) -> str:
    """The message, one line, naming the article once."""
    line = " ".join(message.split())
    return line if line.startswith(str(item.path)) else f"{item.path}: {line}"


# --- the run --------------------------------------------------------------------------------


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


class _Inline(Executor):
    """Runs each task at once in this process (one job: no pool to start). With the cyclic
    garbage collector off (the ``a11ykit build`` command turns it off), what a task left (an
    article's page trees) is collected before the next task starts."""

    def __init__(self) -> None:
        self._started = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        if self._started and not gc.isenabled():
            gc.collect()
        self._started = True
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            future.set_exception(exc)
        return future


@contextmanager
def _executor(jobs: int) -> Iterator[Executor]:
    if jobs <= 1:
        yield _Inline()
        return
    # forkserver: children start clean (no threads copied by fork), once for the whole run.
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("forkserver"),
                               initializer=keep_freed_memory)
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _batches(texts: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(texts), BATCH):
        yield texts[start : start + BATCH]


def _other(lang: str) -> str:
    return {"en": "es", "es": "en"}.get(lang, "")


def build_site(
    inputs: Sequence[str | Path],
    options: Options,
    *,
    out: str | Path = "out",
    memory: str | Path | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    engine: Engine | None = None,
    progress: Progress = no_progress,
    report: Callable[[Outcome], None] = lambda outcome: None,
) -> SiteResult:
    """Build every article of ``inputs`` into ``out`` (see the module doc). ``memory``: the
    translation memory (default ``OUT/.a11ykit/memory.sqlite``); ``jobs``: local processes
    (default: the cores; a single article to build is built in this process, without starting
    a pool); ``scheduler``: a Dask scheduler's address for the translation and the
    speech; ``engine``: an engine object instead of ``options.engine`` (then every article is
    built in this process). ``report`` is called with each article's outcome as it is known."""
    started = time.perf_counter()
    out = Path(out)
    items = collect_inputs(inputs, out)
    target = check_language(options.to, "target language")
    source = None if options.source in (None, "", "auto") else check_language(options.source, "source language")
    glossary, glossary_path, _, _ = resolve_glossary(options.glossary, options.overrides)
    state = out / STATE_DIR
    try:
        state.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{state}: cannot create the output folder ({exc.strerror or exc})", code="A11Y170") from None
    memory_path = Path(memory) if memory is not None else state / MEMORY
    speech_cache = out / SPEECH_CACHE
    jobs = 1 if engine is not None else (jobs or default_jobs())
    locales = options.locales if options.locales is not None else DEFAULT_LOCALES
    # What every article's outputs depend on besides its own input and catalog.
    pair_source = source or _other(target)
    chosen = engine if engine is not None else select_engine(options.engine, pair_source, target)
    common = {
        "a11ykit": __version__,
        "options": {k: str(v) for k, v in asdict(options).items()},
        "glossary": _file_hash(glossary_path),
        "overrides": _file_hash(overrides_path(glossary_path, options.overrides) if glossary_path else None),
        "ui": _ui_catalog_hash(target, options.ui_locales),
        "engine": chosen.describe(),
    }
    manifest = Manifest(state / MANIFEST)
    result = SiteResult(memory=str(memory_path), speech_cache=str(speech_cache) if options.audio else "")

    def digest(item: SiteInput, catalog: Path) -> str:
        parts = {**common, "input": manifest.file_hash(item.path), "catalog": manifest.file_hash(catalog),
                 "out": str(item.out_dir)}
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()

    todo: list[SiteInput] = []
    for item in items:
        # The catalog the last build used, as the manifest recorded it: working it out again
        # (outputs_for) reads every article's report and catalog, which a rerun of a big site
        # over unchanged articles would pay for each one.
        catalog = manifest.catalog(item.name)
        unchanged = catalog is not None and manifest.finished(item.name, digest(item, catalog))
        if unchanged:
            outcome = Outcome(item.name, "unchanged", page=manifest.entries[item.name]["outputs"][0])
            result.outcomes.append(outcome)
            report(outcome)
        else:
            todo.append(item)
    # one article to build (a rebuild after an edit): built here, no pool of processes to start
    with _executor(min(jobs, max(1, len(todo)))) as pool:
        # One article, built here without a cluster: its build translates what the memory lacks
        # itself (pass 1 would only parse it once more to send the same sentences first).
        inline = len(todo) == 1 and isinstance(pool, _Inline) and scheduler is None
        if inline and options.audio:  # first: started after the engine's programs, it waits for a core
            from a11ykit.speech.synth import warm_up

            warm_up()
        if inline and hasattr(chosen, "warm_up"):  # an edited article: its new sentences go to the engine
            chosen.warm_up(pair_source, target)
        if not inline:
            with TranslationMemory.open(memory_path) as tm:
                result.sentences, result.translated = _translate_site(
                    todo, target, source, glossary, chosen, tm, pool, scheduler, progress
                )
        engine_arg: Engine | str = chosen if isinstance(pool, _Inline) else chosen.name
        if scheduler is not None and options.audio and todo:
            _speak_site(todo, options, target, memory_path, engine_arg, speech_cache, pool, scheduler, progress,
                        result)
        # the biggest articles first, so that no worker is left with a big one at the end
        biggest_first = todo if isinstance(pool, _Inline) else sorted(todo, key=_input_size, reverse=True)
        futures = {
            pool.submit(build_article, item, options, memory_path, engine_arg, speech_cache): item
            for item in biggest_first
        }
        progress("articles", 0, len(todo))
        for done, future in enumerate(as_completed(futures), 1):
            item = futures[future]
            try:
                outcome = future.result()
            except Exception as exc:  # noqa: BLE001 - the pool itself broke (a worker killed)
                outcome = Outcome(item.name, "failed", _about(item, f"{type(exc).__name__}: {exc}"))
            if outcome.status == "built":
                outputs = outputs_for(item.path, target, item.out_dir, locales)
                manifest.record(item.name, digest(item, outputs.catalog), [Path(outcome.page), outputs.report],
                                outputs.catalog)
            else:
                manifest.forget(item.name)
            if inline:
                result.sentences += outcome.from_memory + outcome.from_engine
                result.translated += outcome.from_engine
            result.outcomes.append(outcome)
            report(outcome)
            progress("articles", done, len(todo))
    manifest.save_file_hashes()
    order = {item.name: i for i, item in enumerate(items)}
    result.outcomes.sort(key=lambda o: order[o.name])
    result.seconds = time.perf_counter() - started
    return result


def _ui_catalog_hash(target: str, ui_locales: Path | None) -> str:
    """The hash of the UI catalog a page in ``target`` takes its strings from (``--ui-locales``,
    ``$A11YKIT_LOCALES`` or a11ykit's own, the first that has one; "" for none)."""
    for base in ui_locales_dirs(ui_locales):
        po = base / target / "LC_MESSAGES" / f"{UI_DOMAIN}.po"
        if po.is_file():
            return f"{po.resolve()}:{_file_hash(po)}"
    return ""


def _translate_site(
    items: Sequence[SiteInput],
    target: str,
    source: str | None,
    glossary: Glossary,
    engine: Engine,
    memory: TranslationMemory,
    pool: Executor,
    scheduler: str | None,
    progress: Progress,
) -> tuple[int, int]:
    """Pass 1: the unique sentences the memory lacks, translated once and kept. Returns the
    number of unique sentences and how many went to the engine."""
    by_pair: dict[tuple[str, str], dict[str, None]] = {}
    # each article read on the pool; their sentences taken in the articles' order, whatever
    # order they come back in (the batches, hence Apertium's outputs, depend on it)
    read = [pool.submit(read_sentences, item.path, target, source) for item in items]
    for future in read:
        found = future.result()
        if found is not None:
            by_pair.setdefault(found[0], {}).update(dict.fromkeys(found[1]))
    tasks: list[tuple[str, str, list[str]]] = []
    keys = {}
    total = 0
    for (src, tgt), sentences in by_pair.items():
        total += len(sentences)
        pair_engine = engine if src == (source or _other(target)) else select_engine(engine.name, src, tgt)
        keys[(src, tgt)] = memory_key(pair_engine, glossary, src, tgt)
        known = memory.lookup(keys[(src, tgt)], list(sentences), approved=False)
        missing = [s for s in sentences if s not in known]
        tasks += [(src, tgt, batch) for batch in _batches(missing)]
    count = sum(len(t[2]) for t in tasks)
    if not tasks:
        return total, 0
    progress("sentences", 0, count)
    engine_arg: Engine | str = engine.name if not isinstance(pool, _Inline) or scheduler else engine
    done = 0
    for (src, tgt, batch), translations in _run_tasks(tasks, glossary, engine_arg, pool, scheduler):
        memory.store_machine(
            keys[(src, tgt)], {s: t for s, (t, _) in translations.items()},
            flags={s: f for s, (_, f) in translations.items()},
        )
        done += len(batch)
        progress("sentences", done, count)
    return total, count


def _run_tasks(
    tasks: list[tuple[str, str, list[str]]],
    glossary: Glossary,
    engine: Engine | str,
    pool: Executor,
    scheduler: str | None,
) -> Iterable[tuple[tuple[str, str, list[str]], dict[str, tuple[str, list[str]]]]]:
    if scheduler is None:
        futures = {pool.submit(translate_batch, engine, glossary, src, tgt, batch): (src, tgt, batch)
                   for src, tgt, batch in tasks}
        for future in as_completed(futures):
            yield futures[future], future.result()
        return
    # The glossary goes with each task (a few KB), never scattered: scattered data lives only
    # on the workers that hold it, and a task whose data died with its worker cannot be rerun.
    calls = [((src, tgt, batch), (engine, glossary, src, tgt, batch)) for src, tgt, batch in tasks]
    yield from _run_on_cluster(scheduler, translate_batch, calls, "translation task")


def _speak_site(
    items: Sequence[SiteInput],
    options: Options,
    target: str,
    memory: Path,
    engine: Engine | str,
    cache_dir: Path,
    pool: Executor,
    scheduler: str,
    progress: Progress,
    result: SiteResult,
) -> None:
    """Pass 2 with a scheduler and audio: what every article will say is learnt on the local pool
    (:func:`plan_speech`), and the unique utterances the site's speech cache lacks are synthesized
    on the cluster in batches (:mod:`a11ykit.speech.remote`); their chunks come back here and go
    into the cache, where the articles' narrations find them."""
    from a11ykit.speech.cache import ChunkCache
    from a11ykit.speech.remote import batches, speech_setup, store_batch, synthesize_batch

    setup = speech_setup(target, options.voice)
    plans = [pool.submit(plan_speech, item, options, memory, engine) for item in items]
    cache = ChunkCache(cache_dir)
    result.utterances, tasks = batches(cache, setup, (plan.result() for plan in plans))
    todo = sum(len(task) for task in tasks)
    if not todo:
        return
    progress("speech", 0, todo)
    calls = [(task, (setup, task)) for task in tasks]
    done = 0
    for task, spoken in _run_on_cluster(scheduler, synthesize_batch, calls, "synthesis task"):
        stored = store_batch(cache, setup, spoken, task)
        result.on_cluster += stored
        result.speakers[spoken.worker] = result.speakers.get(spoken.worker, 0) + stored
        done += len(task)
        progress("speech", done, todo)


def _run_on_cluster(
    scheduler: str, function: Callable[..., Any], calls: Sequence[tuple[Any, tuple[Any, ...]]], what: str
) -> Iterator[tuple[Any, Any]]:
    """Each ``(tag, args)`` of ``calls`` a task ``function(*args)`` on a Dask cluster (the
    ``dask`` extra), retried on another worker when its worker dies; yields ``(tag, result)`` as
    the results come back here. A task the cluster gives up on ends the run (A11Y306)."""
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:
        raise InputError("--scheduler needs Dask: pip install 'a11ykit[dask]'", code="A11Y171") from None
    try:
        client = Client(scheduler, timeout=60, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(f"cannot reach the Dask scheduler at {scheduler} ({exc})", code="A11Y171") from None
    with client:
        futures = {client.submit(function, *args, pure=False, retries=3): tag for tag, args in calls}
        for future in dask_completed(list(futures), loop=client.loop):
            try:
                answer = future.result()
            except A11yKitError:
                raise
            except Exception as exc:  # noqa: BLE001 - Dask's own errors (a task lost, cancelled, killed workers)
                raise EngineError(
                    f"the Dask cluster at {scheduler} lost a {what} ({type(exc).__name__}: {exc})",
                    code="A11Y306",
                ) from None
            yield futures[future], answer
