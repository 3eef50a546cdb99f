"""Narrated audio of an article: one verified chunk per sentence, joined, encoded, aligned.

:func:`synthesize_article` is the entry point. It takes the spoken items of a page
in reading order, synthesizes each in parallel worker processes (one espeak engine
each, see :mod:`a11ykit.speech.synth`), reuses cached chunks, joins them with short
pauses and writes, next to each other::

    <stem>.<lang>.opus  <stem>.<lang>.mp3            the narration
    <stem>.<lang>.vtt   <stem>.<lang>.chapters.vtt   captions (one cue per item), chapters
    <stem>.<lang>.syncmap.json                       [{id, start, end, text}]

Every output is staged (:class:`a11ykit.layout.Staging`): written to a temporary
file and renamed once all of them, and the caller's other outputs, are complete,
so a failed build never leaves half an output behind. With a cache, a rebuild
whose chunks and layout did not change leaves the files untouched.

SpeechError codes: A11Y501 voice unknown or refused, A11Y502 voice of another
language, A11Y503 worker timed out (and was killed), A11Y504 worker died or closed,
A11Y505 an utterance gave no usable audio, A11Y506 an encoded file failed its check,
A11Y507 rate or volume out of range; A11Y500 anything else.
"""

from __future__ import annotations

import contextlib
import io
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Literal, TextIO

from a11ykit.captions import Cue, chapter_cues, write_syncmap, write_vtt
from a11ykit.errors import InputError
from a11ykit.layout import Staging
from a11ykit.progress import Progress, no_progress

if TYPE_CHECKING:
    import numpy as np

    from a11ykit.speech import encode
    from a11ykit.speech.synth import Chunk, Synthesizer
    from a11ykit.speech.voices import Voice

ItemKind = Literal["sentence", "heading", "image", "notice"]
KINDS = ("sentence", "heading", "image", "notice")

#: Seconds of silence after an item of each kind, and before a heading.
PAUSE_AFTER = {"sentence": 0.35, "heading": 0.8, "image": 0.6, "notice": 0.6}
PAUSE_BEFORE_HEADING = 0.8
PAUSE_AT_END = 0.5

Writer = Callable[[BinaryIO], None]


@dataclass(frozen=True)
class SpeechItem:
    """One thing to say: ``id`` is its element id on the page and its cue id."""

    id: str
    text: str  # plain text, as it should be said (for images e.g. "Image: …")
    kind: ItemKind = "sentence"


@dataclass
class Synthesis:
    """Verified chunks for every item, in item order, and where each came from."""

    chunks: list[Chunk]
    voice: Voice  # as read back from espeak
    synthesized: list[str] = field(default_factory=list)  # ids spoken now
    cached: list[str] = field(default_factory=list)  # ids taken from the cache
    keys: list[str] = field(default_factory=list)  # cache key of each chunk, in item order


@dataclass
class AudioResult:
    """What :func:`synthesize_article` wrote and how it went."""

    opus: Path
    mp3: Path
    captions: Path
    chapters: Path
    syncmap: Path
    voice: Voice  # the voice actually used, read back from espeak
    cues: list[Cue]
    synthesized: list[str]
    cached: list[str]
    duration: float  # seconds
    written: bool = True  # False: the files on disk were already these (unchanged rebuild)


def output_names(stem: str, lang: str) -> dict[str, str]:
    """The file names :func:`synthesize_article` writes (the page links to these)."""
    base = f"{stem}.{lang}"
    return {
        "opus": f"{base}.opus",
        "mp3": f"{base}.mp3",
        "captions": f"{base}.vtt",
        "chapters": f"{base}.chapters.vtt",
        "syncmap": f"{base}.syncmap.json",
    }


def _check_items(items: Sequence[SpeechItem]) -> None:
    if not items:
        raise InputError("nothing to narrate: the page has no spoken items")
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise InputError(f"two spoken items share the id {item.id!r}")
        seen.add(item.id)
        if item.kind not in KINDS:
            raise InputError(f"{item.id}: unknown item kind {item.kind!r}")
        if not item.text.strip():
            raise InputError(f"{item.id}: an item with nothing to say")


def synthesize_items(
    items: Sequence[SpeechItem],
    *,
    lang: str,
    voice: str | None = None,
    rate: int | None = None,
    lexicon: Mapping[str, str] | None = None,
    cache_dir: Path | None = None,
    workers: int = 2,
    timeout: float | None = None,
    progress: Progress | None = None,
) -> Synthesis:
    """One verified chunk per item, from the cache or from ``workers`` worker processes."""
    from a11ykit.speech.cache import ChunkCache, cache_key
    from a11ykit.speech.lexicon import lexicon_for, lexicon_substitution
    from a11ykit.speech.synth import CALL_TIMEOUT, DEFAULT_RATE, DEFAULT_VOLUME, Synthesizer, check_rate
    from a11ykit.speech.voices import choose_voice

    _check_items(items)
    rate = check_rate(DEFAULT_RATE if rate is None else rate)
    timeout = CALL_TIMEOUT if timeout is None else timeout
    progress = progress or no_progress
    words = lexicon_for(lang) if lexicon is None else dict(lexicon)
    say = lexicon_substitution(words)  # compiled once for all the items
    spoken = {item.id: say(item.text) for item in items}
    cache = ChunkCache(cache_dir) if cache_dir is not None else None

    chunks: dict[str, Chunk] = {}
    cached: list[str] = []
    with Synthesizer(timeout=timeout) as first:
        used = first.set_voice(choose_voice(lang, first.voices(), voice).identifier)
        keys = {
            item.id: cache_key(
                text=spoken[item.id],
                voice=used.identifier,
                espeak=first.espeak_version,
                rate=rate,
                volume=DEFAULT_VOLUME,
            )
            for item in items
        }
        if cache is not None:
            for item in items:
                chunk = cache.get(keys[item.id], item.id)
                if chunk is not None:
                    chunks[item.id] = chunk
                    cached.append(item.id)
        todo = [item for item in items if item.id not in chunks]
        progress("speech", len(chunks), len(items))
        lock = threading.Lock()

        def done(item: SpeechItem, chunk: Chunk) -> None:
            if cache is not None:
                cache.put(keys[item.id], chunk)
            with lock:
                chunks[item.id] = chunk
                progress("speech", len(chunks), len(items))

        if todo:
            _run_workers(
                todo,
                spoken,
                first=first,
                voice=used.identifier,
                rate=rate,
                timeout=timeout,
                workers=workers,
                done=done,
            )
    return Synthesis(
        chunks=[chunks[item.id] for item in items],
        voice=used,
        synthesized=[item.id for item in todo],
        cached=cached,
        keys=[keys[item.id] for item in items],
    )


def _run_workers(
    todo: list[SpeechItem],
    spoken: Mapping[str, str],
    *,
    first: Synthesizer,
    voice: str,
    rate: int,
    timeout: float,
    workers: int,
    done: Callable[[SpeechItem, Chunk], None],
) -> None:
    """Share the items among ``workers`` synthesizers (``first`` plus new ones), one thread each."""
    from a11ykit.speech.synth import Synthesizer

    jobs = list(reversed(todo))
    lock = threading.Lock()
    stop = threading.Event()

    def run(index: int) -> None:
        synth = None
        try:
            synth = first if index == 0 else Synthesizer(voice, timeout=timeout)
            while not stop.is_set():
                with lock:
                    if not jobs:
                        return
                    item = jobs.pop()
                done(item, synth.synthesize(item.id, spoken[item.id], rate=rate))
        except BaseException:
            stop.set()
            raise
        finally:
            if synth is not None and synth is not first:
                synth.close()

    count = max(1, min(workers, len(todo)))
    with ThreadPoolExecutor(max_workers=count, thread_name_prefix="a11ykit-speech") as pool:
        futures = [pool.submit(run, index) for index in range(count)]
        try:
            errors = [f.exception() for f in futures]
        except BaseException:  # Ctrl-C: let the threads finish their sentence and stop
            stop.set()
            raise
    for error in errors:
        if error is not None:
            raise error


def gaps_for(items: Sequence[SpeechItem]) -> list[float]:
    """Silence after each item: longer after a heading and before one (not inside one)."""
    gaps = []
    for item, following in zip(items, [*items[1:], None]):
        if following is None:
            gaps.append(PAUSE_AT_END)
        elif item.kind == "heading" and following.kind == "heading":
            gaps.append(PAUSE_AFTER["sentence"])  # two sentences of one heading
        elif following.kind == "heading":
            gaps.append(max(PAUSE_AFTER[item.kind], PAUSE_BEFORE_HEADING))
        else:
            gaps.append(PAUSE_AFTER[item.kind])
    return gaps


def heading_cues(cues: Sequence[Cue], items: Sequence[SpeechItem]) -> list[Cue]:
    """One cue per heading: consecutive heading items (sentences of one heading) are merged."""
    merged: list[Cue] = []
    previous = None
    for cue, item in zip(cues, items, strict=True):
        if item.kind == "heading" and previous is not None and previous.kind == "heading":
            last = merged[-1]
            merged[-1] = Cue(last.id, last.start, cue.end, f"{last.text} {cue.text}")
        elif item.kind == "heading":
            merged.append(cue)
        previous = item
    return merged


def synthesize_article(
    items: Iterable[SpeechItem],
    *,
    lang: str,
    out_dir: Path,
    stem: str,
    voice: str | None = None,
    rate: int | None = None,
    lexicon: Mapping[str, str] | None = None,
    cache_dir: Path | None = None,
    workers: int = 2,
    timeout: float | None = None,
    progress: Progress | None = None,
    staging: Staging | None = None,
) -> AudioResult:
    """Narrate the items and write the audio, captions, chapters and sync map into ``out_dir``.

    ``voice`` overrides the language's default voice; ``rate`` is in words per minute
    (80–450); ``lexicon`` maps written forms to what to say (None: the built-in
    lexicon for ``lang``); ``cache_dir`` keeps per-sentence audio between builds.
    With ``staging``, the files are only staged there and the caller commits them
    together with its own; without, they are committed here.
    """
    from a11ykit.speech import encode

    items = list(items)
    progress = progress or no_progress
    synthesis = synthesize_items(
        items,
        lang=lang,
        voice=voice,
        rate=rate,
        lexicon=lexicon,
        cache_dir=cache_dir,
        workers=workers,
        timeout=timeout,
        progress=progress,
    )
    timeline = encode.join_chunks(synthesis.chunks, gaps_for(items))
    cues = [
        Cue(item.id, start, end, item.text)
        for item, (start, end) in zip(items, timeline.spans, strict=True)
    ]
    chapters = chapter_cues(heading_cues(cues, items), timeline.duration)
    names = output_names(stem, lang)
    out_dir = Path(out_dir)
    targets = [out_dir / name for name in names.values()]
    duration = encode.resampled_length(len(timeline.samples), timeline.sample_rate) / encode.OUTPUT_RATE
    record = None
    if cache_dir is not None:
        from a11ykit.speech.cache import OutputRecord, outputs_key

        record = OutputRecord(cache_dir, f"{stem}.{lang}")
        key = outputs_key(synthesis.keys, _layout(items))
    written = record is None or not record.current(key, targets)
    if written:
        with contextlib.nullcontext(staging) if staging is not None else Staging() as stage:
            _encode_outputs(timeline, cues, chapters, out_dir, names, progress, stage)
            if record is not None:  # a cache: if it cannot be saved, the next build writes again
                stage.after_commit(lambda: record.save(key, targets, quiet=True))
            if staging is None:
                stage.commit()
    paths = dict(zip(names.values(), targets, strict=True))
    return AudioResult(
        opus=paths[names["opus"]],
        mp3=paths[names["mp3"]],
        captions=paths[names["captions"]],
        chapters=paths[names["chapters"]],
        syncmap=paths[names["syncmap"]],
        voice=synthesis.voice,
        cues=cues,
        synthesized=synthesis.synthesized,
        cached=synthesis.cached,
        duration=duration,
        written=written,
    )


def _layout(items: Sequence[SpeechItem]) -> dict[str, object]:
    """Everything besides the chunks that decides the output files' bytes."""
    from a11ykit.speech import encode

    return {
        "items": [[item.id, item.text, item.kind] for item in items],
        "gaps": gaps_for(items),
        "rate": encode.OUTPUT_RATE,
        "encoders": encode.encoder_settings(),
    }


def _encode_outputs(
    timeline: encode.Timeline,
    cues: list[Cue],
    chapters: list[Cue],
    out_dir: Path,
    names: Mapping[str, str],
    progress: Progress,
    staging: Staging,
) -> None:
    from a11ykit.speech import encode

    progress("encoding", 0, 2)
    audio = encode.resample(timeline.samples, timeline.sample_rate, encode.OUTPUT_RATE)
    duration = len(audio) / encode.OUTPUT_RATE

    def encoded(write: Callable[[BinaryIO, np.ndarray, int], None], name: str, step: int) -> Writer:
        def run(f: BinaryIO) -> None:
            write(f, audio, encode.OUTPUT_RATE)
            f.flush()
            f.seek(0)
            encode.verify_audio(f, duration=duration, what=name)
            progress("encoding", step, 2)

        return run

    writers = {
        names["opus"]: encoded(encode.write_opus, names["opus"], 1),
        names["mp3"]: encoded(encode.write_mp3, names["mp3"], 2),
        names["captions"]: _text(lambda f: write_vtt(f, cues)),
        names["chapters"]: _text(lambda f: write_vtt(f, chapters)),
        names["syncmap"]: _text(lambda f: write_syncmap(f, cues)),
    }
    for name, write in writers.items():
        staging.stage(out_dir / name, write)


def _text(write: Callable[[TextIO], None]) -> Writer:
    def run(f: BinaryIO) -> None:
        wrapper = io.TextIOWrapper(f, encoding="utf-8", newline="\n")
        write(wrapper)
        wrapper.flush()
        wrapper.detach()

    return run
