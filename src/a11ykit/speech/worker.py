"""The speech worker: one libespeak-ng engine, alone in its own process.

This module owns the only calls into libespeak-ng (through pyttsx3's ctypes binding)
and the line protocol it answers on. It must not import the rest of a11ykit, play
audio, or write files.

Run as ``python -m a11ykit.speech.worker`` by :class:`a11ykit.speech.synth.Synthesizer`;
nothing else should import it. Why a process of its own: espeak has one global
callback and one global state per process, so two engines in one process hang
each other, and a hung call can only be stopped by killing the process.

It drives libespeak-ng through pyttsx3's ctypes binding (``pyttsx3.drivers._espeak``)
in synchronous mode: ``espeak_Synth`` returns only once every sample and word
event has gone through the callback, so an answer is never sent before the audio
is complete, and nothing is ever played (no ``say()``, no ``aplay``).

Protocol: one JSON request per line on stdin; each answer is one JSON line on the
protocol channel followed by ``bytes`` bytes of payload (16-bit mono PCM for
``synth``). The protocol channel is the original stdout; fd 1 is pointed at
stderr so stray C prints cannot corrupt it. The first answer is sent unasked,
once the engine is up; the voices are listed next, before the first request is read.
"""

from __future__ import annotations

import ctypes
import json
import os
import sys
from typing import Any, BinaryIO

# espeak_GetParameter(param, current) and espeak_TextToPhonemes are declared here:
# pyttsx3's GetParameter prototype omits ``current`` and it has no TextToPhonemes.


class Engine:
    """The process's only espeak engine (Initialize runs once per process)."""

    _created = False

    def __init__(self) -> None:
        if Engine._created:
            raise RuntimeError("one espeak engine per process")
        Engine._created = True
        from pyttsx3.drivers import _espeak  # loads libespeak-ng

        self.es = _espeak
        self.sample_rate = _espeak.Initialize(_espeak.AUDIO_OUTPUT_SYNCHRONOUS, 0, None, 0)
        if self.sample_rate <= 0:
            raise RuntimeError("espeak_Initialize failed")
        self._get = _espeak.dll.espeak_GetParameter
        self._get.argtypes = [ctypes.c_int, ctypes.c_int]
        self._get.restype = ctypes.c_int
        self._to_phonemes = _espeak.dll.espeak_TextToPhonemes
        self._to_phonemes.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
        self._to_phonemes.restype = ctypes.c_char_p
        self._pcm: list[bytes] = []
        self._words: list[list[int]] = []
        self._voices: list[dict[str, Any]] | None = None
        _espeak.SetSynthCallback(self._on_synth)
        self.version = (_espeak.Info(None) or b"").decode()

    def _on_synth(self, wav: Any, numsamples: int, events: Any) -> int:
        i = 0
        while events[i].type != self.es.EVENT_LIST_TERMINATED:
            event = events[i]
            if event.type == self.es.EVENT_WORD:
                self._words.append([event.text_position, event.length, event.audio_position])
            i += 1
        if numsamples > 0:
            self._pcm.append(ctypes.string_at(wav, numsamples * 2))
        return 0

    @staticmethod
    def _describe(voice: Any) -> dict[str, Any]:
        return {
            "name": (voice.name or b"").decode("utf-8", "replace"),
            "identifier": (voice.identifier or b"").decode("utf-8", "replace"),
            # espeak packs "<priority byte><language>\0…"; the first is the main one
            "language": (voice.languages or b"")[1:].decode("utf-8", "replace"),
        }

    def voices(self) -> list[dict[str, Any]]:
        """Every installed voice, listed once (espeak reads each voice file: about 17 ms)."""
        if self._voices is None:
            self._voices = [self._describe(v) for v in self.es.ListVoices(None)]
        return self._voices

    def current_voice(self) -> dict[str, Any] | None:
        voice = self.es.GetCurrentVoice()
        if not voice or not voice.contents.identifier:
            return None
        return self._describe(voice.contents)

    def set_voice(self, name: str) -> dict[str, Any]:
        result = self.es.SetVoiceByName(name.encode("utf-8"))
        if result != self.es.EE_OK:
            # espeak may leave a half-selected voice behind; the caller discards this worker
            raise LookupError(f"espeak refused voice {name!r} (code {result})")
        voice = self.current_voice()
        if voice is None:
            raise LookupError(f"no voice selected after setting {name!r}")
        return voice

    def synth(self, text: str, rate: int, volume: int, phonemes: bool) -> tuple[dict[str, Any], bytes]:
        es = self.es
        for param, value in ((es.RATE, rate), (es.VOLUME, volume)):
            if es.SetParameter(param, value, 0) != es.EE_OK or self._get(param, 1) != value:
                raise RuntimeError(f"espeak did not take parameter {param}={value}")
        self._pcm, self._words = [], []
        flags = es.CHARS_UTF8 | (es.PHONEMES if phonemes else 0)
        result = es.Synth(text.encode("utf-8"), flags=flags)
        if result != es.EE_OK:
            raise RuntimeError(f"espeak_Synth failed (code {result})")
        pcm = b"".join(self._pcm)
        header = {
            "ok": True,
            "samples": len(pcm) // 2,
            "sample_rate": self.sample_rate,
            "words": self._words,
            "rate": self._get(es.RATE, 1),
            "volume": self._get(es.VOLUME, 1),
            "voice": self.current_voice(),
        }
        return header, pcm

    def phonemes(self, text: str) -> str:
        buffer = ctypes.create_string_buffer(text.encode("utf-8"))
        pointer = ctypes.c_void_p(ctypes.addressof(buffer))
        parts = []
        while pointer.value:
            chunk = self._to_phonemes(ctypes.byref(pointer), self.es.CHARS_UTF8, 0)
            parts.append((chunk or b"").decode("utf-8", "replace"))
        return " ".join(p for p in parts if p)


def _send(channel: BinaryIO, header: dict[str, Any], payload: bytes = b"") -> None:
    header["bytes"] = len(payload)
    channel.write(json.dumps(header).encode("utf-8") + b"\n" + payload)
    channel.flush()


def _handle(engine: Engine, request: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    op = request.get("op")
    if op == "synth":
        return engine.synth(
            request["text"], int(request["rate"]), int(request["volume"]), bool(request["phonemes"])
        )
    if op == "voice":
        return {"ok": True, "voice": engine.set_voice(request["name"])}, b""
    if op == "voices":
        return {"ok": True, "voices": engine.voices()}, b""
    if op == "phonemes":
        return {"ok": True, "phonemes": engine.phonemes(request["text"])}, b""
    raise ValueError(f"unknown request {op!r}")


def main() -> int:
    channel = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        engine = Engine()
    except Exception as exc:  # noqa: BLE001 - reported to the parent, never swallowed
        _send(channel, {"ok": False, "error": f"{type(exc).__name__}: {exc}"})
        return 1
    _send(
        channel,
        {
            "ok": True,
            "pid": os.getpid(),
            "sample_rate": engine.sample_rate,
            "espeak": engine.version,
            "voice": engine.current_voice(),
        },
    )
    # Listed now, while the first request is awaited (a build picks its voice from the list):
    # a worker started ahead (synth.warm_up) answers "voices" at once.
    engine.voices()
    for line in sys.stdin.buffer:
        try:
            header, payload = _handle(engine, json.loads(line))
        except Exception as exc:  # noqa: BLE001 - every error goes back as an answer
            header, payload = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}, b""
        _send(channel, header, payload)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
