"""Narrating an article: one verified chunk per item, encoded a paragraph at a time, joined, written.

This module owns the order of the work — it takes the spoken items of a page in
reading order, synthesizes each in parallel worker processes (one espeak engine each,
:mod:`a11ykit.speech.synth`), reuses cached chunks (:mod:`a11ykit.speech.cache`), cuts the
narration into pieces (a paragraph each, :func:`piece_ranges`; the cut inside the pause after
it, :data:`PIECE_LEAD` of which starts the next piece), lays each piece out with the pauses of
:mod:`a11ykit.speech.items`, normalizes it on its own (:mod:`a11ykit.speech.levels`), resamples
it (:mod:`a11ykit.speech.encode`), encodes it to Opus and MP3 and joins the pieces without
encoding again (:mod:`a11ykit.speech.joining`); encoded pieces are cached by their chunks and
settings, so a rebuild encodes only the pieces whose sentences changed, and takes the others from
the audio files it replaces (where the record says they are, while those files are as it wrote
them) instead of reading each from the cache. Cue times come from
the pieces' sample counts (every piece but the last is whole frames of both formats). Audio is
streamed: chunks wait in the cache (a temporary one without a cache folder) and only one
piece's samples per encoding thread are in memory, never the whole narration's. It writes,
next to each other::

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
A11Y507 rate or volume out of range; A11Y520/A11Y521 encoding or joining a piece
(:mod:`a11ykit.speech.joining`); A11Y500 anything else.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import io
import itertools
import math
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TextIO

import numpy as np

from a11ykit.errors import SpeechError
from a11ykit.layout import Staging, output_name
from a11ykit.progress import Progress, no_progress
from a11ykit.speech import encode, joining
from a11ykit.speech.cache import (
    ChunkCache,
    EncodedPiece,
    OutputRecord,
    PieceCache,
    Recorded,
    Spoken,
    cache_key,
    outputs_key,
    piece_key,
)
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
from a11ykit.speech.levels import (
    PEAK_CEILING,
    TARGET_LOUDNESS,
    Levels,
    block_powers,
    gated_loudness,
    level_gain,
    peak_dbfs,
)
from a11ykit.speech.lexicon import lexicon_for, lexicon_substitution
from a11ykit.speech.outputs import AudioResult, output_names
from a11ykit.speech.synth import CALL_TIMEOUT, DEFAULT_RATE, DEFAULT_VOLUME, Chunk, Synthesizer, check_rate
from a11ykit.speech.tags import AudioTags, id3_tag, tag_opus
from a11ykit.speech.voices import Voice, choose_voice

Writer = Callable[[BinaryIO], None]

#: What decides the normalization (a change writes the files again).
LEVEL_RULES = {"target": TARGET_LOUDNESS, "ceiling": PEAK_CEILING, "per": "piece", "version": 3}

#: Items to synthesize for each worker process started (the first is always there).
SENTENCES_PER_WORKER = 8

#: The most items one encoded piece holds (a longer paragraph is cut in its pauses).
PIECE_ITEMS = 8
#: Seconds of the pause before a piece that go into the piece (at most half the pause): each
#: piece starts and ends in silence, so its independently encoded edges meet in silence.
PIECE_LEAD = 0.05


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
    return _synthesize(
        items, lang=lang, voice=voice, rate=rate, lexicon=lexicon, cache_dir=cache_dir, workers=workers,
        timeout=timeout, progress=progress, keep=lambda chunk: chunk, recall=ChunkCache.get,
    )


def _synthesize(
    items: Sequence[SpeechItem],
    *,
    lang: str,
    voice: str | None,
    rate: int | None,
    lexicon: Mapping[str, str] | None,
    cache_dir: Path | None,
    workers: int,
    timeout: float | None,
    progress: Progress | None,
    keep: Callable[[Chunk], Any],
    recall: Callable[[ChunkCache, str, str], Any],
) -> Synthesis:
    """:func:`synthesize_items`, keeping ``keep(chunk)`` of each chunk once it is cached, and
    ``recall(cache, key, id)`` of each chunk found in the cache (a narration keeps a
    :class:`Spoken`, so the samples of the whole are never held at once)."""
    check_items(items)
    rate = check_rate(DEFAULT_RATE if rate is None else rate)
    timeout = CALL_TIMEOUT if timeout is None else timeout
    progress = progress or no_progress
    words = lexicon_for(lang) if lexicon is None else dict(lexicon)
    say = lexicon_substitution(words, lang)  # compiled once for all the items; what voices misread normalized
    spoken = {item.id: say(item.text) for item in items}
    cache = ChunkCache(cache_dir) if cache_dir is not None else None

    chunks: dict[str, Any] = {}
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
                found = recall(cache, keys[item.id], item.id)
                if found is not None:
                    chunks[item.id] = found
                    cached.append(item.id)
        missing = [item for item in items if item.id not in chunks]
        sharing: dict[str, list[SpeechItem]] = {}  # one utterance per key: same text, same audio
        for item in missing:
            sharing.setdefault(keys[item.id], []).append(item)
        todo = [same[0] for same in sharing.values()]
        progress("speech", len(chunks), len(items))
        lock = threading.Lock()

        def done(item: SpeechItem, chunk: Chunk) -> None:
            if cache is not None:  # what the cache holds: another process may have stored this key first
                chunk = cache.put(keys[item.id], chunk)
            with lock:
                for same in sharing[keys[item.id]]:
                    chunks[same.id] = keep(dataclasses.replace(chunk, id=same.id))
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
        synthesized=[item.id for item in missing],
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

    # Another worker costs a process start (about as much as speaking 8 sentences): a rebuild
    # of one paragraph is quicker on the first worker alone.
    count = max(1, min(workers, len(todo) // SENTENCES_PER_WORKER))
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
    lexicon for ``lang``); ``cache_dir`` keeps per-sentence audio and encoded pieces between
    builds (without it, a temporary folder holds them during the call).
    With ``staging``, the files are only staged there and the caller commits them
    together with its own; without, they are committed here. ``tags`` go into both audio
    files (None: the language only; a language they lack is ``lang``). Each piece is
    normalized on its own (:mod:`a11ykit.speech.levels`); the result says how (``levels``).
    """
    tags = dataclasses.replace(tags or AudioTags(""), language=(tags and tags.language) or lang)
    items = list(items)
    progress = progress or no_progress
    with contextlib.ExitStack() as stack:
        if cache_dir is None:  # chunks wait on disk, not in memory, until their piece is encoded
            cache_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="a11ykit-speech-")))
            record = None
        else:
            record = OutputRecord(cache_dir, output_name(stem, lang, "narration_record"))
        known = Recorded(record.details() if record is not None else None)
        names = output_names(stem, lang)
        out_dir = Path(out_dir)
        # the files this narration replaces are read (and their digests checked) while it speaks
        beside = stack.enter_context(ThreadPoolExecutor(max_workers=1, thread_name_prefix="a11ykit-earlier"))
        earlier_joins = beside.submit(_earlier_joins, record, out_dir, names) if record is not None else None
        synthesis = _synthesize(
            items, lang=lang, voice=voice, rate=rate, lexicon=lexicon, cache_dir=cache_dir, workers=workers,
            timeout=timeout, progress=progress, keep=Spoken.of, recall=known.chunk,
        )
        spoken: list[Spoken] = synthesis.chunks  # type: ignore[assignment]
        pieces = plan_pieces(items, spoken, synthesis.keys)
        duration = sum(p.length for p in pieces) / encode.OUTPUT_RATE
        cues = [
            Cue(item.id, start, end, item.text)
            for item, (start, end) in zip(items, _spans(pieces, spoken), strict=True)
        ]
        chapters = chapter_cues(heading_cues(cues, items), duration)
        captions: list[Cue] = []

        def lay_out_captions() -> None:
            captions[:] = [
                part
                for cue, item, chunk in zip(cues, items, spoken, strict=True)
                for part in caption_cues(cue, _word_clock(item.text, chunk, cue.start, synthesis.say))
            ]

        targets = [out_dir / name for name in names.values()]
        key = outputs_key(synthesis.keys, _layout(items, tags))
        written = record is None or not record.current(key, targets)
        levels = None if written or record is None else _recorded_levels(record)
        fresh: list[str] = []
        if levels is None:
            written = True
            piece_cache, chunk_cache = PieceCache(cache_dir), ChunkCache(cache_dir)
            encoded = encode_pieces(pieces, chunk_cache, piece_cache, workers, progress, fresh, known,
                                    meanwhile=lay_out_captions)
            levels = narration_levels(encoded)
            earlier = earlier_joins.result() if earlier_joins is not None else {}
            placed: dict[str, list[joining.Placed | None]] = {"opus": [], "mp3": []}
            with contextlib.nullcontext(staging) if staging is not None else Staging() as stage:
                _stage_outputs(pieces, piece_cache, duration, cues, captions, chapters, out_dir, names, stage, tags,
                               earlier, placed)
                if record is not None:  # a cache: if it cannot be saved, the next build writes again
                    details: dict[str, object] = {
                        "levels": dataclasses.asdict(levels),
                        **Recorded.details(chunk_cache, dict(zip(synthesis.keys, spoken, strict=True)),
                                           piece_cache, {p.key: e for p, e in zip(pieces, encoded, strict=True)}),
                        "joins": _joins_record(pieces, placed),
                    }
                    stage.after_commit(functools.partial(record.save, key, targets, quiet=True, details=details))
                if staging is None:
                    stage.commit()
        else:
            lay_out_captions()
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
        pieces=len(pieces),
        encoded=fresh,
    )


# -- pieces: cut in the pauses, encoded one by one, joined without encoding again ----------------


@dataclass(frozen=True)
class Piece:
    """A run of items encoded on its own: ``lead`` samples of silence (the end of the pause
    before it), the items with their pauses, ``tail`` samples of pause; ``length`` samples at
    :data:`encode.OUTPUT_RATE`, whole Opus and MP3 frames unless it is the last piece."""

    items: range
    chunk_keys: tuple[str, ...]
    ids: tuple[str, ...]
    gaps: tuple[int, ...]  # samples of silence after each item but the last (at the chunks' rate)
    lead: int
    tail: int
    sample_rate: int
    length: int
    key: str
    source: int  # samples before resampling: lead, the chunks, their pauses, tail


def _block(item: SpeechItem) -> str:
    """The page block (paragraph, heading) an item is a sentence of: sentence ids are
    ``a11y-<block>-<n>`` (html.segment), so the id without its last part."""
    return item.id.rpartition("-")[0] or item.id


def piece_ranges(items: Sequence[SpeechItem]) -> list[range]:
    """Where the narration is cut: a piece is one paragraph (items of one block and kind), of
    at most :data:`PIECE_ITEMS` items. Every cut depends only on its neighbours, so an edit
    changes only its own paragraph's pieces. Each sentence of the notice is a piece of its own:
    the notice counts the page's sentences and problems, so any edit changes one or two of its
    sentences, and only those are encoded again."""
    ranges: list[range] = []
    start = 0
    for i in range(1, len(items)):
        before, item = items[i - 1], items[i]
        apart = item.kind == "notice" or item.kind != before.kind or _block(item) != _block(before)
        if apart or i - start >= PIECE_ITEMS:
            ranges.append(range(start, i))
            start = i
    ranges.append(range(start, len(items)))
    return ranges


def plan_pieces(items: Sequence[SpeechItem], spoken: Sequence[Spoken], keys: Sequence[str]) -> list[Piece]:
    """The pieces of a narration and their lengths, known before any is encoded."""
    rate = spoken[0].sample_rate
    if any(s.sample_rate != rate for s in spoken):
        raise SpeechError("the chunks have different sample rates")
    gaps = [round(gap * rate) for gap in gaps_for(items)]
    ranges = piece_ranges(items)
    leads = [0] + [min(round(PIECE_LEAD * rate), gaps[r.start - 1] // 2) for r in ranges[1:]]
    settings = {"rate": encode.OUTPUT_RATE, "levels": LEVEL_RULES, "encoders": joining.encoder_settings()}
    pieces = []
    for index, r in enumerate(ranges):
        last = index == len(ranges) - 1
        lead = leads[index]
        tail = gaps[r.stop - 1] - (0 if last else leads[index + 1])
        inner = tuple(gaps[i] for i in r[:-1])
        source = lead + sum(spoken[i].length for i in r) + sum(inner) + tail
        length = encode.resampled_length(source, rate, encode.OUTPUT_RATE)
        if not last:
            length = joining.common_aligned_length(length, encode.OUTPUT_RATE)
        chunk_keys = tuple(keys[i] for i in r)
        layout = {"gaps": inner, "lead": lead, "tail": tail, "length": length, "last": last, **settings}
        pieces.append(Piece(r, chunk_keys, tuple(s.id for s in spoken[r.start : r.stop]), inner, lead, tail, rate,
                            length, piece_key(chunks=list(chunk_keys), layout=layout), source))
    return pieces


def _spans(pieces: Sequence[Piece], spoken: Sequence[Spoken]) -> list[tuple[float, float]]:
    """Each item's (start, end) in seconds: its piece's start (from the pieces' sample counts
    at the output rate) plus its place in the piece."""
    spans = []
    position = 0  # samples at the output rate
    for piece in pieces:
        offset = piece.lead
        for n, i in enumerate(piece.items):
            start = position / encode.OUTPUT_RATE + offset / piece.sample_rate
            spans.append((start, start + spoken[i].length / piece.sample_rate))
            offset += spoken[i].length + (piece.gaps[n] if n < len(piece.gaps) else 0)
        position += piece.length
    return spans


def _piece_samples(piece: Piece, chunks: ChunkCache) -> np.ndarray:
    parts = [np.zeros(piece.lead, dtype=np.float32)]
    for n, (key, id) in enumerate(zip(piece.chunk_keys, piece.ids, strict=True)):
        chunk = chunks.get(key, id)
        if chunk is None:
            raise SpeechError(f"{id}: its audio left the speech cache during the build")
        gap = piece.gaps[n] if n < len(piece.gaps) else piece.tail
        parts += [chunk.samples.astype(np.float32) / 32768.0, np.zeros(gap, dtype=np.float32)]
    return np.concatenate(parts)


def encode_piece(piece: Piece, chunks: ChunkCache) -> EncodedPiece:
    """Normalize one piece on its own (:func:`levels.level_gain`: the gain goes on before
    resampling, which clips at full scale), resample it, pad it to its length, encode it."""
    samples = _piece_samples(piece, chunks)
    if len(samples) != piece.source:  # the cache keeps the first chunk stored under a key: never seen
        raise SpeechError(f"{piece.ids[0]}: its audio changed in the speech cache during the build; build again",
                          code="A11Y506")
    powers = block_powers(samples, piece.sample_rate)
    gain = level_gain(gated_loudness(powers), peak_dbfs(samples))
    audio = encode.resample(samples * np.float32(10 ** (gain / 20)), piece.sample_rate, encode.OUTPUT_RATE)
    audio = np.concatenate([audio, np.zeros(piece.length - len(audio), dtype=np.float32)])
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="a11ykit-mp3") as beside:  # both formats at once
        mp3 = beside.submit(_encoded, audio, piece, "mp3")
        opus = _encoded(audio, piece, "opus")
        return EncodedPiece(opus=opus, mp3=mp3.result(), powers=powers, gain=gain, peak=peak_dbfs(audio))


def _encoded(audio: np.ndarray, piece: Piece, fmt: str) -> bytes:
    """One piece in one format, checked from its structure (every Ogg page's checksum, every
    MP3 frame header, and the samples they play): decoding it again would cost as much as
    encoding it, and the samples it was made from were checked to be speech."""
    encoder = joining.encode_opus_piece if fmt == "opus" else joining.encode_mp3_piece
    data = encoder(audio, encode.OUTPUT_RATE)
    what = f"the {fmt} piece from {piece.ids[0]}"
    if joining.stream_length(data, fmt, what) != piece.length:
        got = joining.stream_length(data, fmt, what) / encode.OUTPUT_RATE
        raise SpeechError(f"{what} lasts {got:.3f} s, expected {piece.length / encode.OUTPUT_RATE:.3f} s",
                          code="A11Y506")
    return data


def encode_pieces(
    pieces: Sequence[Piece],
    chunks: ChunkCache,
    cache: PieceCache,
    workers: int,
    progress: Progress,
    fresh: list[str] | None = None,
    known: Recorded | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> list[EncodedPiece]:
    """Every piece's levels, from the cache (``known``: what the last narration recorded of it)
    or encoded by ``workers`` threads (libopus, libmp3lame and the FFTs run without the GIL) and
    cached; ``fresh`` gets the first item id of each piece encoded now. The encoded bytes stay in
    the cache (the joins read them one piece at a time). ``meanwhile`` runs on this thread while
    the pieces are encoded."""
    found: dict[int, EncodedPiece] = {}
    known = known or Recorded()
    for index, piece in enumerate(pieces):
        hit = known.levels(cache, piece.key)
        if hit is not None:
            found[index] = hit
    progress("encoding", len(found), len(pieces))
    lock = threading.Lock()

    def run(index: int) -> None:
        encoded = encode_piece(pieces[index], chunks)
        cache.put(pieces[index].key, encoded)
        encoded = dataclasses.replace(encoded, opus=b"", mp3=b"")
        with lock:
            found[index] = encoded
            progress("encoding", len(found), len(pieces))

    todo = [i for i in range(len(pieces)) if i not in found]
    if fresh is not None:
        fresh += [pieces[i].ids[0] for i in todo]
    if todo:
        with ThreadPoolExecutor(
            max_workers=max(1, min(workers, len(todo))), thread_name_prefix="a11ykit-encode"
        ) as pool:
            futures = [pool.submit(run, i) for i in todo]
            try:
                if meanwhile is not None:
                    meanwhile()
                for future in futures:
                    future.result()
            except BaseException:  # a failed piece or Ctrl-C: start no other piece
                for future in futures:
                    future.cancel()
                raise
    elif meanwhile is not None:
        meanwhile()
    return [found[i] for i in range(len(pieces))]


def narration_levels(pieces: Sequence[EncodedPiece]) -> Levels:
    """The whole narration's levels from its pieces' block powers (pooled and gated as one
    programme): ``measured`` before the pieces' gains, ``loudness`` after, ``gain`` the
    difference (each piece has its own), ``peak`` the highest written sample."""
    before = np.concatenate([p.powers for p in pieces])
    after = np.concatenate([p.powers * 10 ** (p.gain / 10) for p in pieces])
    measured, loudness = gated_loudness(before), gated_loudness(after)
    gain = loudness - measured if math.isfinite(measured) and math.isfinite(loudness) else 0.0
    return Levels(measured, gain, loudness, max(p.peak for p in pieces))


def _word_clock(
    text: str, chunk: Spoken, start: float, say: Callable[[str], str]
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
        "pieces": {"items": PIECE_ITEMS, "lead": PIECE_LEAD},
        "captions": CAPTION_RULES,
        "rate": encode.OUTPUT_RATE,
        "encoders": joining.encoder_settings(),
    }


def _stage_outputs(
    pieces: Sequence[Piece],
    cache: PieceCache,
    duration: float,
    cues: list[Cue],
    captions: list[Cue],
    chapters: list[Cue],
    out_dir: Path,
    names: Mapping[str, str],
    staging: Staging,
    tags: AudioTags,
    earlier: Mapping[str, Mapping[str, joining.Rejoin]] | None = None,
    placed: Mapping[str, list[joining.Placed | None]] | None = None,
) -> None:
    """Stage the five files. ``earlier``: by format and key, the pieces the files being
    replaced hold (taken from there instead of from the cache); ``placed`` gets where each
    piece lands, by format."""
    earlier = earlier or {}

    def rest(fmt: str) -> Iterable[bytes | joining.Rejoin]:
        """Every piece but the first: from the earlier file where it is there, else from the cache."""
        there = earlier.get(fmt, {})
        return (there.get(p.key) or cache.read(p.key, fmt) for p in pieces[1:])

    def opus(f: BinaryIO) -> None:  # the tags go in the first piece's comment header, which the join keeps
        first = tag_opus(cache.read(pieces[0].key, "opus"), tags)
        # read from the cache, each piece's bytes are checked against their CRC-32 there
        joining.join_opus(itertools.chain([first], rest("opus")), f, verified=True,
                          placed=placed["opus"] if placed is not None else None)
        checked(f, "opus")

    def mp3(f: BinaryIO) -> None:
        f.write(id3_tag(tags))
        joining.join_mp3(itertools.chain([cache.read(pieces[0].key, "mp3")], rest("mp3")), f,
                         placed=placed["mp3"] if placed is not None else None)
        checked(f, "mp3")

    def checked(f: BinaryIO, fmt: str) -> None:
        """Every piece was checked when encoded; the whole is checked from its structure (the
        page checksums the join just computed are not computed again)."""
        f.flush()
        f.seek(0)
        got = joining.stream_length(f.read(), fmt, names[fmt], checksums=False) / encode.OUTPUT_RATE
        if abs(got - duration) > 0.001:
            raise SpeechError(f"{names[fmt]} lasts {got:.3f} s, expected {duration:.3f} s", code="A11Y506")

    writers: dict[str, Writer] = {
        names["opus"]: opus,
        names["mp3"]: mp3,
        names["captions"]: _text(lambda f: write_vtt(f, captions)),
        names["chapters"]: _text(lambda f: write_vtt(f, chapters)),
        names["syncmap"]: _text(lambda f: write_syncmap(f, cues)),
    }
    for name, write in writers.items():
        staging.stage(out_dir / name, write)


def _joins_record(pieces: Sequence[Piece], placed: Mapping[str, list[joining.Placed | None]]) -> dict[str, object]:
    """Where each piece (by key) landed in the files just joined, for the next build's
    :func:`_earlier_joins`."""
    return {
        fmt: {piece.key: [spot.start, spot.end, spot.samples, spot.sequence, spot.position]
              for piece, spot in zip(pieces, spots, strict=True) if spot is not None}
        for fmt, spots in placed.items()
    }


def _earlier_joins(
    record: OutputRecord, out_dir: Path, names: Mapping[str, str]
) -> dict[str, dict[str, joining.Rejoin]]:
    """The pieces of the audio files the last build joined, by format and key: only of a file
    that is still byte for byte as that build wrote it (its digest in the record)."""
    joins = record.details().get("joins")
    found: dict[str, dict[str, joining.Rejoin]] = {}
    for fmt in ("opus", "mp3"):
        spots = joins.get(fmt) if isinstance(joins, dict) else None
        if not isinstance(spots, dict) or not spots:
            continue
        data = record.unchanged(out_dir / names[fmt])
        if data is None:
            continue
        try:
            found[fmt] = {key: joining.Rejoin(data, joining.Placed(*map(int, spot))) for key, spot in spots.items()}
        except (TypeError, ValueError):
            continue
    return found


def _text(write: Callable[[TextIO], None]) -> Writer:
    def run(f: BinaryIO) -> None:
        wrapper = io.TextIOWrapper(f, encoding="utf-8", newline="\n")
        write(wrapper)
        wrapper.flush()
        wrapper.detach()

    return run
