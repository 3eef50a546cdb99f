"""Speech synthesized elsewhere: a site's unique utterances spoken on other machines, their chunks
stored in the site's speech cache by the one process that writes it.

A site build with ``--scheduler`` and audio (:mod:`a11ykit.site`) learns what every article
will say (:func:`spoken_texts`: the page's spoken items through the lexicon, as the narration
reads them), keys each utterance as the narration's cache does (:meth:`SpeechSetup.key`: text as
spoken, voice and espeak-ng version read back from espeak, rate, volume), and sends those the
cache lacks, each once, in batches to :func:`synthesize_batch` on the cluster's workers. The
chunks come back (int16 samples and word positions) and :func:`store_batch` puts them into the
cache; each article's narration then finds all of its chunks there and only lays them out,
encodes, joins and writes, on the client.

Why a pass before the narration rather than a hook inside it: the data flows one way (client
→ workers: texts; workers → client: chunks; client → cache → narration), the narration keeps
its own work and its one way to espeak (it reads the cache as on any rebuild), each utterance
of the whole site is sent once whatever process builds its articles, and no worker needs the
cache, the outputs or a shared file system.

A worker whose espeak-ng version or voice differs from the client's would make audio the
client's own rebuilds could not reproduce, under keys that say otherwise: it is refused
(:class:`SpeechError` A11Y508), on the worker and again on the client before anything is
stored. This module must not build pages, name outputs or talk to Dask (:mod:`a11ykit.site`
does); it talks to espeak only through :class:`a11ykit.speech.synth.Synthesizer`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from a11ykit.errors import SpeechError
from a11ykit.speech.cache import ChunkCache, cache_key
from a11ykit.speech.items import SpeechItem
from a11ykit.speech.lexicon import lexicon_substitution
from a11ykit.speech.synth import (
    CALL_TIMEOUT,
    DEFAULT_RATE,
    DEFAULT_VOLUME,
    Chunk,
    Synthesizer,
    check_rate,
    verify_samples,
)
from a11ykit.speech.voices import choose_voice

#: The most utterances per synthesis task. A task is one article's utterances (those the cache
#: and earlier articles lack), spoken in reading order by one fresh espeak engine, as the
#: narration of a one-job local build speaks them (one engine for fewer than 16): espeak-ng's
#: sound depends a little on what the same engine spoke before (its pitch flutter's phase is a
#: static it never resets), so a task's audio depends only on the task, whichever worker runs
#: it, however often it is retried.
BATCH = 16


@dataclass(frozen=True)
class SpeechSetup:
    """Everything besides the text that decides an utterance's sound, as espeak read it back."""

    lang: str
    voice: str  # the voice's identifier, as espeak reports it
    espeak: str  # espeak-ng's version
    rate: int = DEFAULT_RATE
    volume: int = DEFAULT_VOLUME

    def key(self, text: str) -> str:
        """The speech cache's key of ``text`` as spoken (the narration's own key)."""
        return cache_key(text=text, voice=self.voice, espeak=self.espeak, rate=self.rate, volume=self.volume)


def speech_setup(lang: str, voice: str | None = None, rate: int | None = None) -> SpeechSetup:
    """The setup of this machine's espeak for ``lang`` (``voice``: another voice than the default)."""
    with Synthesizer() as synth:
        used = synth.set_voice(choose_voice(lang, synth.voices(), voice).identifier)
        rate = check_rate(DEFAULT_RATE if rate is None else rate)
        return SpeechSetup(lang, used.identifier, synth.espeak_version, rate)


def spoken_texts(items: Sequence[SpeechItem], lang: str, lexicon: Mapping[str, str]) -> list[str]:
    """What espeak reads for each item: its text through the lexicon (as the narration reads it)."""
    say = lexicon_substitution(lexicon, lang)
    return [say(item.text) for item in items]


@dataclass(frozen=True)
class SpokenBatch:
    """What a synthesis task sends back: the setup its espeak had, who spoke, the chunks by key."""

    setup: SpeechSetup
    worker: str
    chunks: dict[str, Chunk]


def _check_same(wanted: SpeechSetup, got: SpeechSetup, worker: str) -> None:
    if got != wanted:
        raise SpeechError(
            f"the speech worker {worker or '?'} has espeak-ng {got.espeak} with voice {got.voice!r} "
            f"(rate {got.rate}, volume {got.volume}), the client espeak-ng {wanted.espeak} with "
            f"{wanted.voice!r} (rate {wanted.rate}, volume {wanted.volume}); its audio would not match the "
            "speech cache: install the same espeak-ng on every machine",
            code="A11Y508",
        )


def _worker_name() -> str:
    """The Dask worker running this task, or "" outside one."""
    try:
        from distributed import get_worker

        return str(get_worker().name)
    except (ImportError, ValueError):
        return ""


def synthesize_batch(setup: SpeechSetup, texts: Mapping[str, str], timeout: float = CALL_TIMEOUT) -> SpokenBatch:
    """One task: every text (by its key) spoken by an espeak set up as ``setup`` says, refused if
    this machine's espeak differs; a text that gives no usable audio is left out of the answer.
    Runs on a Dask worker (or anywhere with espeak-ng)."""
    worker = _worker_name()
    with Synthesizer(timeout=timeout) as synth:
        try:
            used = synth.set_voice(setup.voice)
        except SpeechError as exc:
            raise SpeechError(f"the speech worker {worker or '?'}: {exc}", code="A11Y508") from None
        here = dataclasses.replace(setup, voice=used.identifier, espeak=synth.espeak_version)
        _check_same(setup, here, worker)
        chunks = {}
        for key, text in texts.items():
            try:
                chunks[key] = synth.synthesize(f"utterance {key[:12]}", text, rate=setup.rate, volume=setup.volume)
            except SpeechError as exc:
                if exc.code != "A11Y505":
                    raise
                # No usable audio: left out, so the article's own narration meets it and that article alone
                # fails (as in a local build), not the whole site.
    return SpokenBatch(here, worker, chunks)


def store_batch(cache: ChunkCache, setup: SpeechSetup, batch: SpokenBatch, texts: Mapping[str, str]) -> int:
    """Put a task's chunks into the cache, after checking the worker's setup and every chunk
    (only asked-for keys, each chunk real speech). Returns how many were stored."""
    _check_same(setup, batch.setup, batch.worker)
    if not set(batch.chunks) <= set(texts):
        raise SpeechError(f"the speech worker {batch.worker or '?'} answered other utterances than it was asked")
    for key, chunk in batch.chunks.items():
        verify_samples(chunk.samples, chunk.sample_rate, chunk.id)
        cache.put(key, chunk)
    return len(batch.chunks)


def batches(
    cache: ChunkCache, setup: SpeechSetup, articles: Iterable[Sequence[str]]
) -> tuple[int, list[dict[str, str]]]:
    """The synthesis tasks for the texts each article will have spoken (in reading order, articles
    in build order): the number of unique utterances, and per article the utterances neither the
    cache nor an earlier article has, in its reading order, cut into tasks of :data:`BATCH`
    (texts by key). A task speaks as a one-job local build's narration of that article would."""
    seen: set[str] = set()
    tasks: list[dict[str, str]] = []
    for texts in articles:
        new: dict[str, str] = {}
        for text in texts:
            key = setup.key(text)
            if key not in seen:
                seen.add(key)
                if cache.get(key, key[:12]) is None:  # missing, or damaged (then removed)
                    new[key] = text
        items = list(new.items())
        tasks += [dict(items[start : start + BATCH]) for start in range(0, len(items), BATCH)]
    return len(seen), tasks
