"""One espeak-ng engine per worker process, one utterance per call, every output checked.

This module owns talking to the speech worker (starting, calling with timeouts, killing)
and the checks on what comes back (:class:`Chunk`, :func:`verify_samples`, the rate
range). It must not choose voices, cache, join or encode audio, or know about pages.

pyttsx3's own loop fails in ways we cannot afford on Linux (several queued files
keep only the last, ``runAndWait`` returns early or never, rate changes and unknown
voices are ignored, a second engine hangs the first, ``say()`` runs ``aplay``).
So :class:`Synthesizer` never uses that loop. It runs :mod:`a11ykit.speech.worker`
in a process of its own and asks it for one sentence at a time:

* every call has a timeout; a worker that does not answer in time is killed and
  the call raises :class:`SpeechError`;
* the voice is set once and read back; every answer carries the voice, rate and
  volume espeak actually used, which must be the ones asked for;
* every chunk is verified: samples present, long enough, not silent.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import selectors
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from a11ykit.errors import SpeechError
from a11ykit.speech.lexicon import uses_phonemes
from a11ykit.speech.voices import Voice

if TYPE_CHECKING:  # numpy loads when a chunk is first handled: a build starts a worker without it
    import numpy as np

#: espeak's own default, in words per minute; the range espeak really honours.
DEFAULT_RATE = 175
MIN_RATE, MAX_RATE = 80, 450
DEFAULT_VOLUME = 100

#: Seconds allowed to start a worker, and for one call.
START_TIMEOUT = 30.0
CALL_TIMEOUT = 30.0
#: The worker's program (stdlib and pyttsx3 only: it imports nothing else of a11ykit).
WORKER = Path(__file__).with_name("worker.py")

#: A chunk shorter than this, or quieter than this peak (of full scale), is not speech.
MIN_DURATION = 0.05
MIN_PEAK = 0.01

#: The longest text sent in one call; it also keeps a request well inside a pipe buffer.
MAX_TEXT = 20_000


@dataclass(frozen=True)
class Word:
    """Where a word starts in a chunk, as espeak reports it."""

    offset: int  # character position in the spoken text, from 0
    length: int
    start: float  # seconds from the start of the chunk


@dataclass(frozen=True, eq=False)
class Chunk:
    """The audio of one utterance: 16-bit mono samples and its word timings."""

    id: str
    samples: np.ndarray  # int16, mono
    sample_rate: int
    words: tuple[Word, ...] = ()

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate


def verify_samples(samples: np.ndarray, sample_rate: int, what: str) -> None:
    """Raise SpeechError unless the samples are long enough and not silent."""
    import numpy as np

    if len(samples) == 0:
        raise SpeechError(f"{what}: no audio was produced", code="A11Y505")
    duration = len(samples) / sample_rate
    if duration < MIN_DURATION:
        raise SpeechError(f"{what}: only {duration * 1000:.0f} ms of audio", code="A11Y505")
    if samples.dtype == np.int16:  # the extremes as integers: no float copy of every sample
        peak = max(int(samples.max()), -int(samples.min())) / 32768.0
    else:
        peak = float(np.max(np.abs(samples.astype(np.float64))))
    if peak < MIN_PEAK:
        raise SpeechError(f"{what}: the audio is silent (peak {peak:.4f})", code="A11Y505")


def check_rate(rate: int) -> int:
    if not MIN_RATE <= rate <= MAX_RATE:
        raise SpeechError(
            f"speech rate {rate} is outside {MIN_RATE}–{MAX_RATE} words per minute", code="A11Y507"
        )
    return rate


def _worker_env() -> dict[str, str]:
    """The environment for a worker: ours, with a11ykit importable even when run from source."""
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p)
    return env


def _spawn() -> tuple[subprocess.Popen[bytes], Any]:
    """A worker process, started, and the file its stderr goes to."""
    stderr = tempfile.TemporaryFile()  # noqa: SIM115 - the worker's stderr, kept until close()
    proc = subprocess.Popen(
        # The worker's file, run alone: ``-m a11ykit.speech.worker`` would import the
        # a11ykit and a11ykit.speech packages first, doubling its start (70 ms → 40 ms);
        # -P keeps the speech folder off its sys.path.
        [sys.executable, "-P", str(WORKER)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=stderr,
        env=_worker_env(),
    )
    return proc, stderr


#: A worker started ahead of the next :class:`Synthesizer` (:func:`warm_up`), and the process
#: that started it (a forked child does not take its parent's).
_WAITING: list[tuple[int, subprocess.Popen[bytes], Any]] = []
_WAITING_LOCK = threading.Lock()


def warm_up() -> None:
    """Start a worker now for the next :class:`Synthesizer`, so that espeak loads while the
    caller works (a build starts one before it parses the page); nothing if one is waiting."""
    with _WAITING_LOCK:
        if not any(pid == os.getpid() for pid, _, _ in _WAITING):
            _WAITING.append((os.getpid(), *_spawn()))


def _take_waiting() -> tuple[subprocess.Popen[bytes], Any] | None:
    with _WAITING_LOCK:
        mine = next((entry for entry in _WAITING if entry[0] == os.getpid()), None)
        if mine is not None:
            _WAITING.remove(mine)
    if mine is None:
        return None
    _, proc, stderr = mine
    if proc.poll() is None:
        return proc, stderr
    _stop(proc, stderr)  # it died waiting: not used
    return None


def _stop(proc: subprocess.Popen[bytes], stderr: Any) -> None:
    with contextlib.suppress(OSError):
        proc.kill()
    with contextlib.suppress(OSError, subprocess.TimeoutExpired):
        proc.communicate(timeout=5)
    stderr.close()


@atexit.register
def stop_waiting() -> None:
    """Stop the worker no synthesizer took."""
    with _WAITING_LOCK:
        mine = [(proc, stderr) for pid, proc, stderr in _WAITING if pid == os.getpid()]
        _WAITING[:] = [entry for entry in _WAITING if entry[0] != os.getpid()]
    for proc, stderr in mine:
        _stop(proc, stderr)


def _voice(data: dict[str, Any] | None) -> Voice | None:
    if not data:
        return None
    return Voice(data["name"], data["identifier"], data["language"])


def _reap(proc: subprocess.Popen[bytes]) -> None:
    """Wait for a killed worker to leave (so that it does not stay a zombie)."""
    with contextlib.suppress(OSError):
        proc.wait()


class Synthesizer:
    """One espeak engine in a worker process of its own. Use it as a context manager.

    ``voice`` is set and read back at start (None keeps espeak's default voice).
    ``timeout`` bounds every call, in seconds. One thread at a time per synthesizer;
    for parallel work, one synthesizer per thread. POSIX only (pipes are polled).
    """

    def __init__(
        self,
        voice: str | None = None,
        *,
        timeout: float = CALL_TIMEOUT,
        start_timeout: float = START_TIMEOUT,
    ) -> None:
        self.timeout = timeout
        self._buffer = bytearray()
        proc, self._stderr = _take_waiting() or _spawn()
        self._proc: subprocess.Popen[bytes] | None = proc
        self.pid = proc.pid
        try:
            hello, _ = self._receive(start_timeout, "starting the speech worker")
            self.sample_rate = int(hello["sample_rate"])
            self.espeak_version = str(hello["espeak"])
            self.voice = _voice(hello.get("voice"))
            if voice is not None:
                self.voice = self.set_voice(voice)
        except BaseException:
            self.close()
            raise

    # -- the calls --------------------------------------------------------------

    def voices(self) -> list[Voice]:
        """Every voice espeak lists (some may not be usable, see :func:`voices.usable`)."""
        answer, _ = self._call({"op": "voices"}, "listing voices")
        return [v for v in (_voice(d) for d in answer["voices"]) if v is not None]

    def set_voice(self, name: str) -> Voice:
        """Set the voice and return it as read back; raise SpeechError if espeak did not take it.

        After a refused voice the engine's state is unknown, so the worker is closed.
        """
        try:
            answer, _ = self._call({"op": "voice", "name": name}, f"setting voice {name!r}")
            voice = _voice(answer["voice"])
            if voice is None or name.lower() not in voice.names():
                raise SpeechError(f"espeak selected {voice} when asked for voice {name!r}")
        except SpeechError as exc:
            listing = ", ".join(sorted({v.language for v in self.voices()})) if self.alive else "?"
            self.close()
            raise SpeechError(f"{exc}; available voices: {listing}", code="A11Y501") from None
        self.voice = voice
        return voice

    def synthesize(
        self,
        id: str,
        text: str,
        *,
        rate: int = DEFAULT_RATE,
        volume: int = DEFAULT_VOLUME,
    ) -> Chunk:
        """Speak one utterance into a verified chunk. ``text`` may hold ``[[…]]`` phonemes."""
        if not text.strip():
            raise SpeechError(f"{id}: nothing to say", code="A11Y505")
        if len(text) > MAX_TEXT:
            raise SpeechError(f"{id}: {len(text)} characters is too long for one utterance")
        check_rate(rate)
        if not 0 <= volume <= 200:
            raise SpeechError(f"volume {volume} is outside 0–200", code="A11Y507")
        request = {
            "op": "synth",
            "text": text,
            "rate": rate,
            "volume": volume,
            "phonemes": uses_phonemes(text),
        }
        answer, payload = self._call(request, f"synthesizing {id}")
        if answer["rate"] != rate or answer["volume"] != volume:
            raise SpeechError(
                f"{id}: espeak used rate {answer['rate']} and volume {answer['volume']}, "
                f"not {rate} and {volume}"
            )
        used = _voice(answer["voice"])
        if self.voice is not None and (used is None or used.identifier != self.voice.identifier):
            raise SpeechError(f"{id}: espeak spoke with {used}, not {self.voice}")
        import numpy as np

        samples = np.frombuffer(payload, dtype="<i2").astype(np.int16)
        if len(samples) != answer["samples"]:
            raise SpeechError(f"{id}: {len(samples)} samples received, {answer['samples']} announced")
        sample_rate = int(answer["sample_rate"])
        verify_samples(samples, sample_rate, id)
        words = tuple(Word(w[0] - 1, w[1], w[2] / 1000) for w in answer["words"])
        return Chunk(id, samples, sample_rate, words)

    def phonemes(self, text: str) -> str:
        """espeak's phonemes for plain text in the current voice: to check lexicon entries."""
        answer, _ = self._call({"op": "phonemes", "text": text}, "reading phonemes")
        return str(answer["phonemes"])

    # -- the process ------------------------------------------------------------

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def close(self) -> None:
        """Stop the worker: killed, as it has answered every request (told that its input
        ended, it would shut Python and espeak down first: 8–12 ms of CPU, taken from the
        build's encoding that follows). The waiting is done by a thread of its own. Safe to call twice."""
        proc, self._proc = self._proc, None
        if proc is not None:
            with contextlib.suppress(OSError):
                proc.kill()
            for pipe in (proc.stdin, proc.stdout):
                if pipe:
                    with contextlib.suppress(OSError):
                        pipe.close()
            if proc.poll() is None:
                threading.Thread(target=_reap, args=(proc,), name="a11ykit-speech-exit", daemon=True).start()
        if not self._stderr.closed:
            self._stderr.close()

    def __enter__(self) -> Synthesizer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        proc = getattr(self, "_proc", None)
        if proc is not None and proc.poll() is None:
            proc.kill()
        if proc is not None:
            self.close()

    def _call(self, request: dict[str, Any], what: str) -> tuple[dict[str, Any], bytes]:
        proc = self._proc
        if proc is None or proc.stdin is None:
            raise SpeechError(f"{what}: the speech worker is closed", code="A11Y504")
        try:
            proc.stdin.write(json.dumps(request).encode("utf-8") + b"\n")
            proc.stdin.flush()
        except OSError:
            self._fail(what, "the speech worker is gone")
        return self._receive(self.timeout, what)

    def _receive(self, timeout: float, what: str) -> tuple[dict[str, Any], bytes]:
        deadline = time.monotonic() + timeout
        line = self._read(lambda buf: buf.find(b"\n") + 1, deadline, timeout, what)
        try:
            header = json.loads(line)
        except ValueError:
            self._fail(what, f"garbled answer from the speech worker: {line[:80]!r}", kill=True)
        size = int(header.get("bytes", 0))
        payload = b""
        if size:
            payload = self._read(lambda buf: size if len(buf) >= size else 0, deadline, timeout, what)
        if not header.get("ok"):
            raise SpeechError(f"{what}: {header.get('error', 'the speech worker failed')}")
        return header, payload

    def _read(
        self, complete: Callable[[bytearray], int], deadline: float, timeout: float, what: str
    ) -> bytes:
        """Read from the worker until ``complete(buffer)`` gives a length; kill it at the deadline."""
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        fd = proc.stdout.fileno()
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while True:
                size = complete(self._buffer)
                if size:
                    data = bytes(self._buffer[:size])
                    del self._buffer[:size]
                    return data
                left = deadline - time.monotonic()
                if left <= 0:
                    self._fail(
                        what, f"no answer within {timeout:g} s; the worker was killed", code="A11Y503", kill=True
                    )
                if selector.select(left):
                    data = os.read(fd, 1 << 16)
                    if not data:
                        self._fail(what, "the speech worker exited")
                    self._buffer += data

    def _fail(self, what: str, reason: str, *, code: str = "A11Y504", kill: bool = False) -> NoReturn:
        """Stop the worker and raise SpeechError with its exit status and the end of its stderr."""
        proc = self._proc
        status = ""
        if proc is not None:
            if kill:
                proc.kill()
            try:
                status = f" (exit status {proc.wait(timeout=2)})"
            except subprocess.TimeoutExpired:
                proc.kill()
        self._stderr.seek(0)
        tail = self._stderr.read()[-300:].decode("utf-8", "replace").strip()
        self.close()
        raise SpeechError(f"{what}: {reason}{status}" + (f": {tail}" if tail else ""), code=code)

