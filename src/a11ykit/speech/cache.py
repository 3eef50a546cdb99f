"""The per-sentence audio cache: rebuild only what changed.

This module owns the cache folder's contents: chunk entries by key, encoded pieces of
narrations by key (``pieces/``: a rebuild encodes only the pieces whose chunks changed),
and the record of the last outputs written, so an unchanged rebuild writes nothing. It must not
synthesize, encode, or write anything outside the cache folder it is given.

A chunk is stored under a key made of everything that decides its sound: the text
as spoken (after the lexicon, so a lexicon change re-synthesizes only the sentences
it touches), the voice read back from espeak, the espeak version, rate and volume.
Change one paragraph and only its sentences are synthesized again.

Entries (``.chunk``, ``.piece``) are a small JSON header and the raw bytes after it, with a
CRC-32 of those bytes (:func:`pack`): a rebuild reads hundreds of them, and ``.npz`` files
(a zip of ``.npy`` members, each header parsed by ``ast``) took ~1 ms each to open, most of
a one-paragraph rebuild's cache time. They are written with :func:`a11ykit.layout.atomic_write`,
so a crash never leaves half an entry (and its temporary file is cleaned up by a later
write); an entry that does not load or whose checksum does not match is a miss. They are not flushed to the disk
one by one (``durable=False``): after a power cut an entry may be missing or damaged, which
is a miss like any other.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import struct
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from a11ykit.errors import OutputError, SpeechError
from a11ykit.layout import Staging, atomic_write, write_error
from a11ykit.speech.synth import Chunk, Word, verify_samples

#: Bump when the stored format or the synthesis settings behind a key change.
CACHE_VERSION = 2

_MAGIC = b"a11ykit\x00"


def pack(header: dict[str, object], *parts: bytes) -> bytes:
    """One cache entry: magic, the JSON header's length (4 bytes), the header (with the parts'
    lengths, their CRC-32 and each one's added), the parts one after the other."""
    body = b"".join(parts)
    meta = json.dumps({**header, "parts": [len(p) for p in parts], "crc": zlib.crc32(body),
                       "crcs": [zlib.crc32(p) for p in parts]}).encode("utf-8")
    return _MAGIC + struct.pack("<I", len(meta)) + meta + body


#: Where an entry's JSON header starts: after the magic and the header's length.
_HEADER_START = len(_MAGIC) + 4


def _header_size(head: bytes) -> int:
    """The length of the JSON header of the entry that ``head`` begins (ValueError: not an entry)."""
    if head[: len(_MAGIC)] != _MAGIC or len(head) < _HEADER_START:
        raise ValueError("not a cache entry")
    return int(struct.unpack_from("<I", head, len(_MAGIC))[0])


def _header(head: bytes, size: int) -> dict:
    """The JSON header of ``size`` bytes of the entry that ``head`` begins."""
    header = json.loads(head[_HEADER_START : _HEADER_START + size])
    if not isinstance(header, dict):
        raise ValueError("not a cache entry")
    return header


def unpack(data: bytes) -> tuple[dict, list[bytes]]:
    """The header and parts of a :func:`pack` entry; ValueError when it is not one or is damaged."""
    size = _header_size(data)
    header = _header(data, size)
    body = memoryview(data)[_HEADER_START + size :]
    lengths = header.get("parts")
    if not isinstance(lengths, list) or sum(lengths) != len(body) or zlib.crc32(body) != header.get("crc"):
        raise ValueError("a damaged cache entry")
    parts, at = [], 0
    for length in lengths:
        parts.append(bytes(body[at : at + length]))
        at += length
    return header, parts


def unpack_parts(path: Path, wanted: Sequence[int]) -> tuple[dict, dict[int, bytes]]:
    """The header and the ``wanted`` parts of the :func:`pack` entry at ``path``, each checked
    against its own CRC-32 (the others are not read); ValueError when it is not one or is
    damaged, OSError when it cannot be read."""
    with path.open("rb") as f:
        head = f.read(4096)
        size = _header_size(head)
        if size > len(head) - _HEADER_START:
            head += f.read(size - len(head) + _HEADER_START)
        header = _header(head, size)
        lengths, crcs = header.get("parts"), header.get("crcs")
        if not isinstance(lengths, list) or not isinstance(crcs, list) or len(crcs) != len(lengths):
            f.seek(0)
            header, parts = unpack(f.read())  # an entry without each part's CRC-32: read whole
            return header, {i: parts[i] for i in wanted}
        body = _HEADER_START + size
        if body + sum(lengths) != os.fstat(f.fileno()).st_size:
            raise ValueError("a cut-off cache entry")
        found = {}
        for index in wanted:
            f.seek(body + sum(lengths[:index]))
            found[index] = f.read(lengths[index])
            if len(found[index]) != lengths[index] or zlib.crc32(found[index]) != crcs[index]:
                raise ValueError("a damaged cache entry")
    return header, found


def _word_rows(words: Sequence[Word]) -> list[list[int | float]]:
    """Word timings as an entry's header and a narration's record keep them."""
    return [[w.offset, w.length, w.start] for w in words]


def _words(rows: Sequence[Sequence[Any]]) -> tuple[Word, ...]:
    """:func:`_word_rows` read back (ValueError or TypeError when they are not rows of three numbers)."""
    return tuple(Word(int(o), int(n), float(t)) for o, n, t in rows)


def _powers_bytes(powers: np.ndarray) -> bytes:
    """A piece's block powers as a piece entry and a narration's record keep them (little-endian doubles)."""
    return np.asarray(powers, dtype="<f8").tobytes()


def _powers(data: bytes) -> np.ndarray:
    """:func:`_powers_bytes` read back (ValueError when the length is not whole doubles)."""
    return np.frombuffer(data, dtype="<f8").astype(np.float64)


def cache_key(*, text: str, voice: str, espeak: str, rate: int, volume: int) -> str:
    """The key of one utterance: a hash of everything that decides its sound."""
    fields = {
        "v": CACHE_VERSION,
        "text": text,
        "voice": voice,
        "espeak": espeak,
        "rate": rate,
        "volume": volume,
    }
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode("utf-8")).hexdigest()


class ChunkCache:
    """Chunks on disk under ``directory``, one file per key."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.chunk"

    def get(self, key: str, id: str) -> Chunk | None:
        """The stored chunk renamed to ``id``, or None when missing or unusable (then it is removed)."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError:
            data = b""
        try:
            header, (samples_bytes,) = unpack(data)
            samples = np.frombuffer(samples_bytes, dtype="<i2").astype(np.int16)
            sample_rate = int(header["sample_rate"])
            words = _words(header["words"])
            verify_samples(samples, sample_rate, id)
        except (ValueError, KeyError, TypeError, SpeechError):
            path.unlink(missing_ok=True)
            return None
        return Chunk(id, samples, sample_rate, words)

    def spoken(self, key: str, id: str) -> Spoken | None:
        """What a narration needs of the stored chunk (its length, rate and word timings),
        read from the entry's header alone: its samples are read, and checked, only if its
        piece is encoded again. None when missing or when the entry is not whole."""
        path = self._path(key)
        try:
            header, _ = unpack_parts(path, [])
            (length,) = header["parts"]
            words = _words(header["words"])
            return Spoken(id, int(length) // 2, int(header["sample_rate"]), words)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            path.unlink(missing_ok=True)
            return None

    def put(self, key: str, chunk: Chunk) -> Chunk:
        """Store the chunk unless one is stored under ``key`` already; return the stored one.

        espeak-ng's sound depends a little on what its engine spoke before, so two processes
        (a site's articles built side by side) may speak one key with different samples: the
        first stored wins, and every narration lays out and encodes that one, never a chunk the
        cache no longer holds."""
        path = self._path(key)
        stored = self.get(key, chunk.id)
        if stored is not None:
            return stored
        entry = pack(
            {"sample_rate": int(chunk.sample_rate), "words": _word_rows(chunk.words)},
            np.asarray(chunk.samples, dtype="<i2").tobytes(),
        )
        with Staging(durable=False) as staging:
            temp = staging.stage(path, entry)
            try:
                os.link(temp, path)  # never replaces: another process's chunk stays
            except FileExistsError:
                stored = self.get(key, chunk.id)
                if stored is not None:
                    return stored
                os.replace(temp, path)  # what was there did not load: it is gone
            except OSError as exc:
                raise write_error(path, exc) from None
        return chunk


@dataclass(frozen=True)
class Spoken:
    """What a narration keeps of a chunk once it is in the cache: its length, rate and word
    timings, not its samples (those are read back from the cache, one piece at a time)."""

    id: str
    length: int  # samples
    sample_rate: int
    words: tuple[Word, ...]

    @classmethod
    def of(cls, chunk: Chunk) -> Spoken:
        return cls(chunk.id, len(chunk.samples), chunk.sample_rate, chunk.words)


@dataclass(frozen=True, eq=False)
class EncodedPiece:
    """One piece of a narration, encoded: its Opus and MP3 bytes (joined without encoding
    again, :mod:`a11ykit.speech.joining`) and its levels, to add up the narration's."""

    opus: bytes
    mp3: bytes
    powers: np.ndarray  # K-weighted block powers before the gain (levels.block_powers)
    gain: float  # dB applied to the piece
    peak: float  # sample peak of the written piece, dBFS


def piece_key(*, chunks: list[str], layout: object) -> str:
    """The key of one encoded piece: its chunks' keys and everything else that decides its bytes
    (pauses, position, level rules, encoder settings)."""
    fields = {"v": CACHE_VERSION, "piece": chunks, "layout": layout}
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode("utf-8")).hexdigest()


class PieceCache:
    """Encoded pieces on disk under ``directory``/pieces, one ``.piece`` file per key."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory) / "pieces"

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.piece"

    def _load(self, key: str) -> EncodedPiece:
        header, (opus, mp3, powers) = unpack(self._path(key).read_bytes())
        return EncodedPiece(opus=opus, mp3=mp3, powers=_powers(powers),
                            gain=float(header["gain"]), peak=float(header["peak"]))

    def get(self, key: str) -> EncodedPiece | None:
        """The stored piece, or None when missing or unreadable (then it is removed)."""
        try:
            piece = self._load(key)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            self._path(key).unlink(missing_ok=True)
            return None
        return piece if piece.opus and piece.mp3 else None

    def levels(self, key: str) -> EncodedPiece | None:
        """The stored piece's levels (its Opus and MP3 bytes left empty, and unread): what a
        narration needs of a piece before it joins them. None when missing or unreadable (then
        it is removed)."""
        path = self._path(key)
        try:
            header, found = unpack_parts(path, [2])
            if not all(header["parts"][:2]):
                raise ValueError("a piece without audio")
            return EncodedPiece(opus=b"", mp3=b"", powers=_powers(found[2]),
                                gain=float(header["gain"]), peak=float(header["peak"]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            path.unlink(missing_ok=True)
            return None

    def read(self, key: str, fmt: str) -> bytes:
        """One format's bytes of a stored piece (``"opus"`` or ``"mp3"``), read when joining.
        A piece damaged meanwhile is removed (the next build encodes it again)."""
        path, index = self._path(key), 0 if fmt == "opus" else 1
        try:
            return unpack_parts(path, [index])[1][index]
        except (OSError, ValueError, KeyError, TypeError):
            path.unlink(missing_ok=True)
            raise SpeechError(f"an encoded piece ({key[:12]}) left the speech cache during the build, "
                              "or was damaged there; build again") from None

    def put(self, key: str, piece: EncodedPiece) -> None:
        entry = pack({"gain": float(piece.gain), "peak": float(piece.peak)}, piece.opus, piece.mp3,
                     _powers_bytes(piece.powers))
        atomic_write(self._path(key), entry, durable=False)


class Recorded:
    """What the last narration recorded of its chunks and pieces: each entry's size and the
    facts a narration reads from its header (a chunk's length, rate and word timings; a piece's
    levels). A rebuild of a long article read ~700 entries' headers, one file each (~20 ms),
    to learn what it had known when it wrote them; it now reads them from the narration's record.
    A fact is used only while its entry is there with the size recorded (one ``stat``); else the
    entry is read, as without a record, and a missing one is made again."""

    def __init__(self, details: Mapping[str, object] | None = None) -> None:
        details = details or {}
        spoken, pieces = details.get("spoken"), details.get("pieces")
        self.spoken: dict = spoken if isinstance(spoken, dict) else {}
        self.pieces: dict = pieces if isinstance(pieces, dict) else {}

    def chunk(self, cache: ChunkCache, key: str, id: str) -> Spoken | None:
        """What :meth:`ChunkCache.spoken` answers, from the record where it can."""
        entry = self.spoken.get(key)
        try:
            size, length, rate, words = entry  # type: ignore[misc]
            if _size(cache._path(key)) == size:
                return Spoken(id, int(length), int(rate), _words(words))
        except (TypeError, ValueError):
            pass
        return cache.spoken(key, id)

    def levels(self, cache: PieceCache, key: str) -> EncodedPiece | None:
        """What :meth:`PieceCache.levels` answers, from the record where it can."""
        entry = self.pieces.get(key)
        try:
            size, gain, peak, powers = entry  # type: ignore[misc]
            if _size(cache._path(key)) == size:
                return EncodedPiece(opus=b"", mp3=b"", powers=_powers(base64.b64decode(powers)),
                                    gain=float(gain), peak=float(peak))
        except (TypeError, ValueError, binascii.Error):
            pass
        return cache.levels(key)

    @staticmethod
    def details(
        chunks: ChunkCache, spoken: Mapping[str, Spoken], pieces: PieceCache, levels: Mapping[str, EncodedPiece]
    ) -> dict[str, object]:
        """The record's details for a narration of these chunks and pieces (by key); an entry
        that is not there is left out."""
        return {
            "spoken": {
                key: [size, s.length, s.sample_rate, _word_rows(s.words)]
                for key, s in spoken.items() if (size := _size(chunks._path(key))) is not None
            },
            "pieces": {
                key: [size, float(p.gain), float(p.peak), base64.b64encode(_powers_bytes(p.powers)).decode("ascii")]
                for key, p in levels.items() if (size := _size(pieces._path(key))) is not None
            },
        }


def _size(path: Path) -> int | None:
    try:
        return os.stat(path).st_size
    except OSError:
        return None


def outputs_key(chunk_keys: list[str], layout: object) -> str:
    """The key of a whole narration: its chunks in order and how they are laid out and encoded."""
    fields = {"v": CACHE_VERSION, "chunks": chunk_keys, "layout": layout}
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode("utf-8")).hexdigest()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class OutputRecord:
    """What the last build wrote for one page and language, so an unchanged rebuild writes nothing.

    The outputs count as current only if the key matches and every file is still
    there, byte for byte, as it was written (and verified) then.
    """

    def __init__(self, directory: Path, name: str) -> None:
        self.path = Path(directory) / "outputs" / f"{name}.json"
        self._read: dict | None = None

    def _record(self) -> dict:
        """The record as it was when first asked (``{}`` when there is none or it does not load)."""
        if self._read is None:
            try:
                record = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                record = {}
            self._read = record if isinstance(record, dict) else {}
        return self._read

    def current(self, key: str, paths: list[Path]) -> bool:
        record = self._record()
        try:
            return record.get("key") == key and record.get("files") == {
                str(p.resolve()): _digest(p) for p in paths
            }
        except OSError:
            return False

    def unchanged(self, path: Path) -> bytes | None:
        """The bytes of ``path`` if it is one of the files recorded and still as it was written
        then (its digest), else None."""
        recorded = self._record().get("files")
        try:
            expected = recorded.get(str(path.resolve())) if isinstance(recorded, dict) else None
            data = path.read_bytes() if expected is not None else None
        except OSError:
            return None
        return data if data is not None and hashlib.sha256(data).hexdigest() == expected else None

    def details(self) -> dict[str, object]:
        """What was recorded with the files besides them (e.g. their levels), or ``{}``."""
        details = self._record().get("details", {})
        return details if isinstance(details, dict) else {}

    def save(
        self, key: str, paths: list[Path], *, quiet: bool = False, details: dict[str, object] | None = None
    ) -> None:
        """Record the files as written now, and ``details`` about them; ``quiet``: a record that
        cannot be written is skipped."""
        try:
            record = {"key": key, "files": {str(p.resolve()): _digest(p) for p in paths}, "details": details or {}}
            atomic_write(self.path, json.dumps(record, separators=(",", ":")), durable=False)
            self._read = record
        except (OSError, OutputError):
            if not quiet:
                raise
