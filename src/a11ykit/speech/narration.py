"""Narrating an article: one verified chunk per item, joined, encoded, aligned, written.

This module owns the order of the work — it takes the spoken items of a page in
reading order, synthesizes each in parallel worker processes (one espeak engine each,
:mod:`a11ykit.speech.synth`), reuses cached chunks (:mod:`a11ykit.speech.cache`),
joins them with the pauses of :mod:`a11ykit.speech.items`, encodes them
(:mod:`a11ykit.speech.encode`) and writes, next to each other::

    <stem>.<lang>.opus  <stem>.<lang>.mp3            the narration
    <stem>.<lang>.vtt   <stem>.<lang>.chapters.vtt   captions, chapters
    <stem>.<lang>.syncmap.json                       [{id, start, end, text}], one per item

Captions follow broadcast conventions (:func:`a11ykit.speech.captions.caption_cues`): a
long item becomes several cues of at most two lines of 42 characters, timed by the word
positions espeak reports; the first keeps the item's id, the next are ``id.2``, ``id.3``….

Every output is staged (:class:`a11ykit.layout.Staging`): written to a temporary
file and renamed once all of them, and the caller's other outputs, are complete,
so a failed build never leaves half an output behind. With a cache, a rebuild
whose chunks and layout did not change leaves the files untouched. It must not read
or write HTML, decide file names (:mod:`a11ykit.speech.outputs` does) or talk to
espeak other than through :class:`a11ykit.speech.synth.Synthesizer`.

SpeechError codes: A11Y501 voice unknown or refused, A11Y502 voice of another
language, A11Y503 worker timed out (and was killed), A11Y504 worker died or closed,
A11Y505 an utterance gave no usable audio, A11Y506 an encoded file failed its check,
A11Y507 rate or volume out of range; A11Y500 anything else.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TextIO

import numpy as np

from a11ykit.layout import Staging
from a11ykit.progress import Progress, no_progress
from a11ykit.speech import encode
from a11ykit.speech.cache import ChunkCache, OutputRecord, cache_key, outputs_key
from a11ykit.speech.captions import (
    CAPTION_RULES,
    Cue,
    caption_cues,
    chapter_cues,
    heading_cues,
    write_syncmap,
    write_vtt,
)
from a11ykit.speech.items import SpeechItem, check_items, gaps_for
from a11ykit.speech.levels import PEAK_CEILING, TARGET_LOUDNESS, Levels, normalize, peak_dbfs
from a11ykit.speech.lexicon import lexicon_for, lexicon_substitution
from a11ykit.speech.outputs import AudioResult, output_names
from a11ykit.speech.synth import CALL_TIMEOUT, DEFAULT_RATE, DEFAULT_VOLUME, Chunk, Synthesizer, check_rate
from a11ykit.speech.tags import AudioTags, tag_mp3, tag_opus
from a11ykit.speech.voices import Voice, choose_voice

Writer = Callable[[BinaryIO], None]

#: What decides the normalization (a change writes the files again).
LEVEL_RULES = {"target": TARGET_LOUDNESS, "ceiling": PEAK_CEILING, "version": 2}


@dataclass
class Synthesis:
    """Verified chunks for every item, in item order, and where each came from."""

    chunks: list[Chunk]
    voice: Voice  # as read back from espeak
    synthesized: list[str] = field(default_factory=list)  # ids spoken now
    cached: list[str] = field(default_factory=list)  # ids taken from the cache
    keys: list[str] = field(default_factory=list)  # cache key of each chunk, in item order
    say: Callable[[str], str] = str  # page text → the text espeak read (the lexicon applied)


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
    check_items(items)
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
        say=say,
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
    tags: AudioTags | None = None,
) -> AudioResult:
    """Narrate the items and write the audio, captions, chapters and sync map into ``out_dir``.

    ``voice`` overrides the language's default voice; ``rate`` is in words per minute
    (80–450); ``lexicon`` maps written forms to what to say (None: the built-in
    lexicon for ``lang``); ``cache_dir`` keeps per-sentence audio between builds.
    With ``staging``, the files are only staged there and the caller commits them
    together with its own; without, they are committed here. ``tags`` go into both audio
    files (None: the language only; a language they lack is ``lang``). The audio is normalized (:mod:`a11ykit.speech.levels`);
    the result says how (``levels``).
    """
    tags = dataclasses.replace(tags or AudioTags(""), language=(tags and tags.language) or lang)
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
    captions = [
        part
        for cue, item, chunk in zip(cues, items, synthesis.chunks, strict=True)
        for part in caption_cues(cue, _word_clock(item.text, chunk, cue.start, synthesis.say))
    ]
    names = output_names(stem, lang)
    out_dir = Path(out_dir)
    targets = [out_dir / name for name in names.values()]
    duration = encode.resampled_length(len(timeline.samples), timeline.sample_rate) / encode.OUTPUT_RATE
    record = None
    if cache_dir is not None:
        record = OutputRecord(cache_dir, f"{stem}.{lang}")
        key = outputs_key(synthesis.keys, _layout(items, tags))
    written = record is None or not record.current(key, targets)
    levels = None if written or record is None else _recorded_levels(record)
    if levels is None:
        written = True
        with contextlib.nullcontext(staging) if staging is not None else Staging() as stage:
            levels = _encode_outputs(timeline, cues, captions, chapters, out_dir, names, progress, stage, tags)
            if record is not None:  # a cache: if it cannot be saved, the next build writes again
                details = {"levels": dataclasses.asdict(levels)}
                stage.after_commit(lambda: record.save(key, targets, quiet=True, details=details))
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
        caption_cues=captions,
        synthesized=synthesis.synthesized,
        cached=synthesis.cached,
        duration=duration,
        written=written,
        levels=levels,
    )


def _word_clock(
    text: str, chunk: Chunk, start: float, say: Callable[[str], str]
) -> Callable[[int], float | None]:
    """When the word at an offset of the page ``text`` is spoken: espeak reports each word's
    position in the text it read (``say(text)``), and the page text up to a word, read the
    same way, ends where that word begins in it."""

    def clock(offset: int) -> float | None:
        spoken = len(say(text[:offset]))
        later = [word.start for word in chunk.words if word.offset >= spoken and word.length > 0]
        return start + min(later) if later else None

    return clock


def _recorded_levels(record: OutputRecord) -> Levels | None:
    try:
        return Levels(**record.details()["levels"])  # type: ignore[arg-type]
    except (KeyError, TypeError):
        return None


def _layout(items: Sequence[SpeechItem], tags: AudioTags) -> dict[str, object]:
    """Everything besides the chunks that decides the output files' bytes."""
    return {
        "items": [[item.id, item.text, item.kind] for item in items],
        "tags": tags.fields(),
        "levels": LEVEL_RULES,
        "gaps": gaps_for(items),
        "captions": CAPTION_RULES,
        "rate": encode.OUTPUT_RATE,
        "encoders": encode.encoder_settings(),
    }


def _encode_outputs(
    timeline: encode.Timeline,
    cues: list[Cue],
    captions: list[Cue],
    chapters: list[Cue],
    out_dir: Path,
    names: Mapping[str, str],
    progress: Progress,
    staging: Staging,
    tags: AudioTags,
) -> Levels:
    progress("encoding", 0, 2)
    # The gain goes on before resampling, which clips at full scale: espeak peaks at 0 dBFS.
    scaled, levels = normalize(timeline.samples, timeline.sample_rate)
    audio = encode.resample(scaled, timeline.sample_rate, encode.OUTPUT_RATE)
    levels = dataclasses.replace(levels, peak=peak_dbfs(audio))  # as written
    duration = len(audio) / encode.OUTPUT_RATE

    def encoded(
        write: Callable[[BinaryIO, np.ndarray, int], None], tag: Callable[[bytes, AudioTags], bytes], name: str, step: int
    ) -> Writer:
        def run(f: BinaryIO) -> None:
            data = io.BytesIO()
            write(data, audio, encode.OUTPUT_RATE)
            f.write(tag(data.getvalue(), tags))
            f.flush()
            f.seek(0)
            encode.verify_audio(f, duration=duration, what=name)
            progress("encoding", step, 2)

        return run

    writers = {
        names["opus"]: encoded(encode.write_opus, tag_opus, names["opus"], 1),
        names["mp3"]: encoded(encode.write_mp3, tag_mp3, names["mp3"], 2),
        names["captions"]: _text(lambda f: write_vtt(f, captions)),
        names["chapters"]: _text(lambda f: write_vtt(f, chapters)),
        names["syncmap"]: _text(lambda f: write_syncmap(f, cues)),
    }
    for name, write in writers.items():
        staging.stage(out_dir / name, write)
    return levels


def _text(write: Callable[[TextIO], None]) -> Writer:
    def run(f: BinaryIO) -> None:
        wrapper = io.TextIOWrapper(f, encoding="utf-8", newline="\n")
        write(wrapper)
        wrapper.flush()
        wrapper.detach()

    return run
