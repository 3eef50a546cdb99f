"""Encode the narration piece by piece and join the pieces without encoding again.

A rebuild after one paragraph changed then encodes only that paragraph: every other
piece's bytes come from the cache and are copied into the joined file as they are.

How a join stays gapless and sample-exact (RFC 3533 Ogg, RFC 7845 Ogg Opus; MP3 frames
with the LAME/Info header):

* Each piece is encoded from its own samples preceded by a short *primer* of silence, so
  long that the encoder's delay plus the primer is a whole number of frames (Opus: one
  10 ms packet, then 20 ms packets; MP3 at 24 kHz: 576-sample frames). The piece file says
  so: its Opus pre-skip (or its LAME encoder delay) covers exactly the primer frames, so
  the piece alone plays exactly its samples, and a joiner can drop those frames whole.
* Every piece but the last must be a whole number of frames long (:func:`aligned_length`;
  the narration lengthens the pause that ends a piece by less than one frame), so its
  frames end exactly where its samples end.
* Joining copies the first piece's frames, then every other piece's frames without its
  primer frames, and writes ONE header for the whole: Ogg Opus gets one OpusHead (the first
  piece's pre-skip) and one OpusTags, and each piece's pages copied whole (a piece's primer
  packet has a page of its own, which is left out), numbered again, with granule positions
  counting the whole stream, the last piece's end trim kept; MP3 gets one Info/LAME frame
  with the whole file's frame and byte counts, seek table, encoder delay and padding. Neither
  join handles a packet or a frame one by one (a constant-bitrate MP3's frames are checked
  all at once), so a rebuild's join costs about as much as copying the files.
* Pieces are encoded independently (the primer is silence, not the previous piece), so a
  changed piece changes only its own frames. A joint is clean when the pieces meet in a
  pause, which is where a narration cuts them (after a paragraph).
* A join says where each piece landed in the file (:class:`Placed`). A later join may take
  a piece from that file instead of from its own (:class:`Rejoin`): the same frames, so the
  same bytes but for the Ogg page headers (sequence numbers, granule positions, checksums),
  which follow the new stream. A rebuild then reads the earlier file once instead of every
  unchanged piece, and its files are byte for byte what joining every piece again writes.

Encoding calls libopus and libmp3lame in this process (ctypes; Debian's libopus0 and
libmp3lame0, which ffmpeg also uses): no process per piece, no temporary file. The settings
come from benchmarks/encoding.py. Errors: :class:`~a11ykit.errors.SpeechError` ``A11Y520``
an encoder library missing or failing,
``A11Y521`` a piece that cannot be joined (not encoded here, damaged or cut short, or not
a whole number of frames where another piece follows).
"""

from __future__ import annotations

import bisect
import contextlib
import ctypes
import ctypes.util
import functools
import io
import itertools
import math
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import BinaryIO

import numpy as np

from a11ykit.errors import SpeechError
from a11ykit.speech.tags import bit_reversed, ogg_crc

OPUS_FRAME_SECONDS = 0.020
OPUS_BITRATE = 32_000
MP3_BITRATE = 48_000
#: LAME's algorithm quality (0 best … 9 worst): 7 encodes the narration twice as fast as LAME's
#: default (3), and on espeak's speech at 48 kbit/s its output is closer to the source, not
#: further (benchmarks/encoding.py: SNR and spectral SNR of each setting).
MP3_QUALITY = 7
#: What an MP3 decoder adds before the first sample (the MDCT's and filterbank's delay).
MP3_DECODER_DELAY = 529
_OPUS_RATE = 48_000  # Ogg Opus counts granule positions and pre-skip at 48 kHz
#: The serial number of every Ogg stream written here ("a11y"): pieces and joined files alike.
OGG_SERIAL = 0x61313179


@dataclass(frozen=True)
class Placed:
    """Where a piece (not the first) landed in a joined file: bytes ``start`` to ``end``, whole
    Ogg pages or MP3 frames (its primer left out), playing ``samples`` samples. Ogg only: the
    first page's ``sequence`` number and the granule ``position`` where the piece starts."""

    start: int
    end: int
    samples: int
    sequence: int = 0
    position: int = 0


@dataclass(frozen=True)
class Rejoin:
    """A piece taken from a file joined before (``data``, the whole file) where :class:`Placed`
    says it is, instead of from its own encoded file. Never the first piece, whose headers
    start the stream."""

    data: bytes
    placed: Placed



def frame_samples(fmt: str, rate: int) -> int:
    """The frame length (samples at ``rate``) that every piece but the last must be a multiple of."""
    if fmt == "opus":
        return round(rate * OPUS_FRAME_SECONDS)
    if fmt == "mp3":
        return 1152 if rate >= 32_000 else 576
    raise ValueError(f"unknown format {fmt!r}")


def aligned_length(samples: int, fmt: str, rate: int) -> int:
    """The smallest length ≥ ``samples`` that is a whole number of ``fmt`` frames."""
    frame = frame_samples(fmt, rate)
    return -(-samples // frame) * frame


def common_aligned_length(samples: int, rate: int) -> int:
    """The smallest length ≥ ``samples`` that is whole frames in Opus and in MP3 alike (120 ms
    steps at 24 kHz), so that both files of a narration share one timeline."""
    frame = math.lcm(frame_samples("opus", rate), frame_samples("mp3", rate))
    return -(-samples // frame) * frame


# --- encoding: libopus and libmp3lame in this process (ctypes) ------------------------------------


def _library(name: str, package: str) -> ctypes.CDLL:
    """The library by Debian's soname (``lib<name>.so.0``), else wherever the linker's cache
    says: :func:`ctypes.util.find_library` runs ``ldconfig -p``, a process, at each call."""
    with contextlib.suppress(OSError):
        return ctypes.CDLL(f"lib{name}.so.0")
    try:
        return ctypes.CDLL(ctypes.util.find_library(name) or f"lib{name}.so")
    except OSError:
        raise SpeechError(f"lib{name} is not installed (Debian: apt-get install {package})", code="A11Y520") from None


@cache
def _libopus() -> ctypes.CDLL:
    lib = _library("opus", "libopus0")
    lib.opus_encoder_create.restype = ctypes.c_void_p
    lib.opus_encoder_create.argtypes = [ctypes.c_int32, ctypes.c_int, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
    lib.opus_encode_float.restype = ctypes.c_int32
    lib.opus_encode_float.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_int32]
    lib.opus_encoder_destroy.argtypes = [ctypes.c_void_p]
    lib.opus_encoder_ctl.restype = ctypes.c_int
    lib.opus_get_version_string.restype = ctypes.c_char_p
    return lib


@cache
def _libmp3lame() -> ctypes.CDLL:
    lib = _library("mp3lame", "libmp3lame0")
    lib.lame_init.restype = ctypes.c_void_p
    for name in ("lame_set_in_samplerate", "lame_set_out_samplerate", "lame_set_num_channels", "lame_set_mode",
                 "lame_set_brate", "lame_set_VBR", "lame_set_disable_reservoir", "lame_set_bWriteVbrTag",
                 "lame_set_quality"):
        getattr(lib, name).argtypes = [ctypes.c_void_p, ctypes.c_int]
    for name in ("lame_init_params", "lame_get_encoder_delay", "lame_get_framesize", "lame_close"):
        getattr(lib, name).argtypes = [ctypes.c_void_p]
    lib.lame_encode_buffer_ieee_float.argtypes = [
        ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
    lib.lame_encode_flush.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
    lib.lame_get_lametag_frame.restype = ctypes.c_size_t
    lib.lame_get_lametag_frame.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]
    lib.get_lame_version.restype = ctypes.c_char_p
    return lib


def encoder_settings() -> dict[str, object]:
    """What decides a piece's encoded bytes besides its samples: the libraries' versions and
    the settings (a key of cached pieces, so a new encoder encodes them again)."""
    return {
        "opus": _libopus().opus_get_version_string().decode("ascii", "replace"),
        "opus_bitrate": OPUS_BITRATE,
        "mp3": _libmp3lame().get_lame_version().decode("ascii", "replace"),
        "mp3_bitrate": MP3_BITRATE,
        "mp3_quality": MP3_QUALITY,
        "format": 2,  # primer (on an Ogg page of its own), Ogg pages and Info frame as written here
    }


_OPUS_APPLICATION_AUDIO = 2049
_OPUS_SET_BITRATE, _OPUS_SET_VBR, _OPUS_SET_COMPLEXITY, _OPUS_SET_VBR_CONSTRAINT = 4002, 4006, 4010, 4020
_OPUS_GET_LOOKAHEAD = 4027


def encode_opus_piece(samples: np.ndarray, rate: int, *, bitrate: int = OPUS_BITRATE) -> bytes:
    """One piece as an Ogg Opus file (mono float samples at 8/12/16/24/48 kHz) that plays
    exactly ``samples`` and joins gaplessly (see the module docstring).

    libopus at complexity 5, unconstrained VBR around ``bitrate``, 20 ms frames: on the example
    narration about 10× faster than libsndfile's writer and at least its quality (about
    50 kbit/s for speech at a 32 kbit/s target; benchmarks/encoding.py)."""
    lib = _libopus()
    error = ctypes.c_int()
    encoder = lib.opus_encoder_create(rate, 1, _OPUS_APPLICATION_AUDIO, ctypes.byref(error))
    if not encoder or error.value:
        raise SpeechError(f"libopus cannot encode {rate} Hz (error {error.value})", code="A11Y520")
    try:
        delay = ctypes.c_int32()
        settings = ((_OPUS_SET_BITRATE, bitrate), (_OPUS_SET_VBR, 1), (_OPUS_SET_VBR_CONSTRAINT, 0),
                    (_OPUS_SET_COMPLEXITY, 5))
        for request, value in settings:
            lib.opus_encoder_ctl(ctypes.c_void_p(encoder), request, ctypes.c_int32(value))
        lib.opus_encoder_ctl(ctypes.c_void_p(encoder), _OPUS_GET_LOOKAHEAD, ctypes.byref(delay))
        frame = frame_samples("opus", rate)
        # The first packet is the primer's: the shortest Opus frame (10 or 20 ms) that covers
        # the encoder's delay. Its length is the stream's pre-skip, which browsers count in
        # <audio>.duration (10 ms here, where libsndfile's files have 6.5 ms).
        first = next(f for f in (frame // 2, frame, 2 * frame, 3 * frame) if f >= delay.value)
        primer = first - delay.value
        pcm = np.zeros(first + -(-len(samples) // frame) * frame, dtype=np.float32)
        pcm[primer : primer + len(samples)] = samples
        out = ctypes.create_string_buffer(4000)
        packets = []
        for start, size in [(0, first)] + [(s, frame) for s in range(first, len(pcm), frame)]:
            chunk = pcm[start : start + size]
            written = lib.opus_encode_float(encoder, chunk.ctypes.data, size, out, len(out))
            if written < 0:
                raise SpeechError(f"libopus failed (error {written})", code="A11Y520")
            packets.append(out.raw[:written])
    finally:
        lib.opus_encoder_destroy(encoder)
    scale = _OPUS_RATE // rate
    pre_skip = (primer + delay.value) * scale
    head = struct.pack("<8sBBHIhB", b"OpusHead", 1, 1, pre_skip, rate, 0, 0)
    vendor = b"a11ykit with " + lib.opus_get_version_string()
    tags = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 0)
    # The primer packet on a page of its own: a join leaves that page out (:func:`join_opus`).
    return OggOpus(head, tags, packets, pre_skip + len(samples) * scale).to_bytes(fresh_pages=[1])


def encode_mp3_piece(
    samples: np.ndarray, rate: int, *, bitrate: int = MP3_BITRATE, quality: int = MP3_QUALITY
) -> bytes:
    """One piece as an MP3 file (mono float samples) that plays exactly ``samples`` and joins
    gaplessly: LAME, constant bitrate, no bit reservoir (every frame decodes alone), the
    primer in the encoder delay of its LAME tag; ``quality`` is LAME's algorithm quality."""
    lib = _libmp3lame()
    lame = lib.lame_init()
    if not lame:
        raise SpeechError("libmp3lame cannot start", code="A11Y520")
    try:
        for name, value in (("in_samplerate", rate), ("out_samplerate", rate), ("num_channels", 1), ("mode", 3),
                            ("brate", bitrate // 1000), ("VBR", 0), ("disable_reservoir", 1), ("bWriteVbrTag", 1),
                            ("quality", quality)):
            getattr(lib, f"lame_set_{name}")(lame, value)
        if lib.lame_init_params(lame) < 0:
            raise SpeechError(f"libmp3lame cannot encode {rate} Hz at {bitrate} bit/s", code="A11Y520")
        delay, spf = lib.lame_get_encoder_delay(lame), lib.lame_get_framesize(lame)
        primer = -(-(delay + MP3_DECODER_DELAY) // spf) * spf - delay - MP3_DECODER_DELAY
        pcm = np.concatenate([np.zeros(primer, np.float32), np.asarray(samples, dtype=np.float32)])
        out = ctypes.create_string_buffer(len(pcm) * 5 // 4 + 7200)
        size = lib.lame_encode_buffer_ieee_float(lame, pcm.ctypes.data, pcm.ctypes.data, len(pcm), out, len(out))
        flushed = lib.lame_encode_flush(lame, ctypes.byref(out, size), len(out) - size) if size >= 0 else -1
        if size < 0 or flushed < 0:
            raise SpeechError(f"libmp3lame failed (error {min(size, flushed)})", code="A11Y520")
        data = out.raw[: size + flushed]
    finally:
        lib.lame_close(lame)
    # LAME leaves out its Info frame when the frame at this bitrate is too small to hold it
    # (48 kbit/s at 24 kHz), so the Info frame is always a11ykit's own.
    start, lengths = _mp3_frames(data, "libmp3lame's output")
    audio = data[start : start + int(lengths.sum())]
    piece = Mp3(_info_frame(audio[: lengths[0]]), audio, lengths, delay + primer, 0, rate, spf)
    piece.padding = len(lengths) * spf - piece.delay - len(samples)
    return piece.to_bytes()


# --- joining -----------------------------------------------------------------------------------


def join_opus(
    pieces: Iterable[bytes | Rejoin],
    out: BinaryIO,
    *,
    verified: bool = False,
    placed: list[Placed | None] | None = None,
) -> int:
    """Write the pieces (from :func:`encode_opus_piece`, or a :class:`Rejoin` of an earlier
    join) as one Ogg Opus stream; returns its length in samples at the pieces' own rate
    (OpusHead's input rate), pre-skip excluded. ``verified``: the pieces' bytes were checked
    already (the speech cache keeps a CRC-32 of each), so their pages' checksums are not
    computed again. ``placed`` gets where each piece landed (None for the first).

    The pieces are read one at a time and their pages copied as they are but for the page
    header: the sequence number, the granule position counted on the whole stream, the
    end-of-stream flag (the last page only) and the checksum. The stream's headers are the
    first piece's; every other piece's primer page is left out (a piece has its primer
    packet on a page of its own, so that it can be)."""
    writer = _PageWriter(out)
    first_head = b""
    position = 0  # the stream's granule position where the next piece's samples start
    whole_frames = True  # the previous piece ends on a frame boundary (every piece but the last must)
    frame = round(_OPUS_RATE * OPUS_FRAME_SECONDS)
    earlier: set[int] = set()  # the earlier joins whose headers were compared with this one's
    index = -1
    for index, item in enumerate(pieces):
        what = f"Opus piece {index + 1}"
        start, sequence = writer.offset, writer.sequence
        if index and not whole_frames:
            raise SpeechError(f"Opus piece {index} is not a whole number of 20 ms frames", code="A11Y521")
        if isinstance(item, Rejoin):
            if index == 0:
                raise SpeechError(f"{what} must be a piece of its own: its headers start the stream", code="A11Y521")
            if id(item.data) not in earlier:
                head = _ogg_first_packet(item.data, what)
                if not head.startswith(b"OpusHead") or not _same_channels(head, first_head):
                    raise SpeechError(f"{what} comes from a join of another channel layout", code="A11Y521")
                earlier.add(id(item.data))
            writer.copy(item.data, item.placed, position - item.placed.position, what)
            samples = item.placed.samples
        else:
            data = item
            pages = _ogg_page_spans(data, what, checksums=not verified)
            audio = next((i + 1 for i in range(1, len(pages)) if pages[i].ends_packet), len(pages))  # after OpusTags
            head = data[pages[0].body : pages[0].end]
            if not head.startswith(b"OpusHead") or len(head) < 19 or audio >= len(pages):
                raise SpeechError(f"{what} is not Ogg Opus", code="A11Y521")
            pre_skip = struct.unpack_from("<H", head, 10)[0]
            if index == 0:
                first_head, position = head, pre_skip
                for page in pages[:audio]:
                    writer.page(data, page.start, page.end, page.kind, page.granule)
            elif not _same_channels(head, first_head):
                raise SpeechError(f"{what} has another channel layout", code="A11Y521")
            else:
                if pages[audio].granule != pre_skip:  # the primer packet shares its page with the samples
                    raise SpeechError(f"{what} was not encoded to be joined (pre-skip {pre_skip})", code="A11Y521")
                audio += 1
                start = writer.offset
            for page in pages[audio:]:
                writer.page(data, page.start, page.end, page.kind, position + page.granule - pre_skip)
            samples = pages[-1].granule - pre_skip
        if placed is not None:
            placed.append(Placed(start, writer.offset, samples, sequence, position) if index else None)
        whole_frames = samples % frame == 0
        position += samples
    if index < 0:
        raise ValueError("nothing to join")
    writer.close()
    rate = struct.unpack_from("<I", first_head, 12)[0] or _OPUS_RATE
    return (position - struct.unpack_from("<H", first_head, 10)[0]) * rate // _OPUS_RATE


@dataclass(frozen=True)
class _PageSpan:
    """Where one Ogg page lies in its file, and what the joins read of its header."""

    start: int
    body: int  # where its body starts (after the lacing values)
    end: int
    kind: int  # the header type flags: 0x01 continued packet, 0x02 first page, 0x04 last page
    granule: int
    ends_packet: bool  # its last lacing value is under 255: a packet ends with this page


def _ogg_page_spans(data: bytes, what: str, *, checksums: bool = True) -> list[_PageSpan]:
    """Every page of an Ogg file, its checksum checked (unless ``checksums`` is False); one
    logical stream."""
    spans = []
    pos, size = 0, len(data)
    serial = None
    while pos < size:
        if data[pos : pos + 4] != b"OggS" or size < pos + 27:
            raise SpeechError(f"{what} is not Ogg (no page at byte {pos})", code="A11Y521")
        _, kind, granule, page_serial, _, crc, count = struct.unpack_from("<BBqIIIB", data, pos + 4)
        body = pos + 27 + count
        end = body + sum(data[pos + 27 : body])
        if end > size or (checksums and _page_crc(data[pos:end]) != crc):
            raise SpeechError(f"{what} has a damaged Ogg page at byte {pos}", code="A11Y521")
        if serial is not None and page_serial != serial:
            raise SpeechError(f"{what} has more than one logical stream", code="A11Y521")
        serial = page_serial
        spans.append(_PageSpan(pos, body, end, kind, granule, count > 0 and data[body - 1] < 255))
        pos = end
    if not spans:
        raise SpeechError(f"{what} is empty", code="A11Y521")
    return spans


def _same_channels(head: bytes, first: bytes) -> bool:
    """Whether two OpusHeads have the same channel count and mapping (a joined stream has one)."""
    return head[9] == first[9] and head[18:] == first[18:]


def _ogg_first_packet(data: bytes, what: str) -> bytes:
    """The body of an Ogg file's first page (a stream's identification header)."""
    if data[:4] != b"OggS" or len(data) < 27:
        raise SpeechError(f"{what} comes from a file that is not Ogg", code="A11Y521")
    body = 27 + data[26]
    return bytes(data[body : body + sum(data[27:body])])


def _page_crc(page: bytes | bytearray) -> int:
    """The checksum of a page as it should be (computed with its checksum field zeroed)."""
    return ogg_crc(page[:22] + b"\0\0\0\0" + page[26:])


class _PageWriter:
    """Writes copied Ogg pages numbered from 0 on one serial, holding back the last page
    written so far: the stream's last page gets the end-of-stream flag."""

    def __init__(self, out: BinaryIO, serial: int = OGG_SERIAL) -> None:
        self.out, self.serial, self.sequence = out, serial, 0
        self.offset = 0  # bytes of the pages given so far, the one held back included
        self.held: bytearray | None = None

    def page(self, data: bytes, start: int, end: int, kind: int, granule: int) -> None:
        self._flush()
        page = bytearray(data[start:end])
        kind = (kind & 0x01) | (0x02 if self.sequence == 0 else 0)
        struct.pack_into("<BqII", page, 5, kind, granule, self.serial, self.sequence)
        self.held, self.sequence = page, self.sequence + 1
        self.offset += end - start

    def copy(self, data: bytes, placed: Placed, shift: int, what: str) -> None:
        """The pages an earlier join wrote for one piece, numbered on and their granule
        positions moved by ``shift``. A page that this stream would number and place as it is
        is copied as it is; the piece's last page is held back like any (it may end the stream)."""
        self._flush()
        pos, end = placed.start, placed.end
        view = memoryview(data)
        mirrored: memoryview | None = None  # the piece's bytes bit-reversed, for the checksums
        parts: list[bytes | bytearray | memoryview] = []
        while pos < end:
            if data[pos : pos + 4] != b"OggS" or end < pos + 27:
                raise SpeechError(f"{what}: the earlier join has no Ogg page at byte {pos}", code="A11Y521")
            body = pos + 27 + data[pos + 26]
            stop = body + sum(data[pos + 27 : body])
            if stop > end:
                raise SpeechError(f"{what}: the earlier join's page at byte {pos} runs past the piece",
                                  code="A11Y521")
            kind, granule, serial, sequence = struct.unpack_from("<BqII", data, pos + 5)
            if stop == end:  # held back
                if parts:
                    self.out.write(b"".join(parts))
                self.page(data, pos, stop, kind, granule + shift)
                return
            if shift == 0 and sequence == self.sequence and serial == self.serial and not kind & 0x06:
                parts.append(view[pos:stop])
            else:
                if mirrored is None:
                    mirrored = memoryview(bit_reversed(view[placed.start : end]))
                header = bytearray(data[pos : pos + 26])  # its checksum zeroed, then computed
                struct.pack_into("<BqIII", header, 5, kind & 0x01, granule + shift, self.serial, self.sequence, 0)
                crc = ogg_crc(header, mirrored[pos + 26 - placed.start : stop - placed.start])
                struct.pack_into("<I", header, 22, crc)
                parts += (header, view[pos + 26 : stop])
            self.sequence += 1
            self.offset += stop - pos
            pos = stop
        if parts:
            self.out.write(b"".join(parts))

    def close(self) -> None:
        if self.held is not None:
            self.held[5] |= 0x04
        self._flush()

    def _flush(self) -> None:
        if self.held is not None:
            struct.pack_into("<I", self.held, 22, _page_crc(self.held))
            self.out.write(self.held)
            self.held = None


def join_mp3(pieces: Iterable[bytes | Rejoin], out: BinaryIO, *, placed: list[Placed | None] | None = None) -> int:
    """Write the pieces (from :func:`encode_mp3_piece`, or a :class:`Rejoin` of an earlier
    join) as one MP3 file; returns its length in samples. The pieces are read one at a time;
    their frames are copied as they are. ``placed`` gets where each piece landed (None for
    the first)."""
    first: Mp3 | None = None
    audio: list[bytes] = []
    lengths: list[np.ndarray] = []
    spans: list[tuple[int, int, int]] = []  # each piece's (start, end) in the frames after the Info frame, samples
    total = at = before = 0  # before: the previous piece's samples
    for index, item in enumerate(pieces):
        what = f"MP3 piece {index + 1}"
        if first is not None and before % first.samples_per_frame:
            raise SpeechError(f"MP3 piece {index} is not a whole number of frames ({before} samples)",
                              code="A11Y521")
        if isinstance(item, Rejoin):
            if first is None:
                raise SpeechError(f"{what} must be a piece of its own: its Info frame starts the file",
                                  code="A11Y521")
            frames = item.data[item.placed.start : item.placed.end]
            found = mp3_frame(frames, 0)
            if found is None or found[1:] != (first.rate, first.samples_per_frame):
                raise SpeechError(f"{what} comes from a join of another sample rate", code="A11Y521")
            frame_lengths = _mp3_frames(frames, what)[1]
            samples = item.placed.samples
        else:
            piece = Mp3.parse(item, what=what)
            first = first or piece
            spf = first.samples_per_frame
            if piece.samples_per_frame != spf or piece.rate != first.rate:
                raise SpeechError(f"{what} has another sample rate", code="A11Y521")
            primer, rest = divmod(piece.delay + MP3_DECODER_DELAY, spf)
            if rest:
                raise SpeechError(f"{what} was not encoded to be joined (delay {piece.delay})", code="A11Y521")
            content = -(-piece.samples // spf)
            start = 0 if index == 0 else primer
            frames = piece.frame_bytes(start, primer + content)
            frame_lengths = piece.lengths[start : primer + content]
            samples = piece.samples
        audio.append(frames)
        lengths.append(frame_lengths)
        spans.append((at, at + len(frames), samples))
        at += len(frames)
        total += samples
        before = samples
    if first is None:
        raise ValueError("nothing to join")
    every = np.concatenate(lengths)
    joined = Mp3(first.info, b"".join(audio), every, first.delay, 0, first.rate, first.samples_per_frame)
    joined.padding = len(every) * first.samples_per_frame - first.delay - total
    base = out.tell() + len(first.info)
    joined.write(out)
    if placed is not None:
        placed += [Placed(base + a, base + b, n) if i else None for i, (a, b, n) in enumerate(spans)]
    return total


def stream_length(data: bytes, fmt: str, what: str = "audio", *, checksums: bool = True) -> int:
    """How many samples a file written here plays (at the rate it was encoded from), read
    from its structure: every Ogg page's checksum (unless ``checksums`` is False: pages this
    process just wrote), every MP3 frame header, the granule position or the Info frame's
    counts. Checks a joined file without decoding it again."""
    if fmt == "opus":
        pages = _ogg_page_spans(data, what, checksums=checksums)
        head = data[pages[0].body : pages[0].end]
        if not head.startswith(b"OpusHead") or len(head) < 19:
            raise SpeechError(f"{what} is not Ogg Opus", code="A11Y521")
        pre_skip, rate = struct.unpack_from("<HI", head, 10)
        return (pages[-1].granule - pre_skip) * (rate or _OPUS_RATE) // _OPUS_RATE
    if fmt == "mp3":
        return Mp3.parse(data, what).samples
    raise ValueError(f"unknown format {fmt!r}")


# --- Ogg Opus ----------------------------------------------------------------------------------


def _toc_samples(toc: int) -> int:
    """Samples at 48 kHz of one frame of a packet with this TOC byte (RFC 6716 §3.1)."""
    config = toc >> 3
    if config < 12:
        return (480, 960, 1920, 2880)[config % 4]
    if config < 16:
        return (480, 960)[config % 2]
    return (120, 240, 480, 960)[config % 4]


#: Samples of a packet by its TOC byte, for frame-count codes 0–2 (code 3 counts its frames in byte 1).
_PACKET_SAMPLES = [_toc_samples(toc) * (1 if toc & 3 == 0 else 2) for toc in range(256)]


def opus_packet_samples(packet: bytes) -> int:
    """Samples at 48 kHz that one Opus packet decodes to (RFC 6716 §3.1)."""
    if not packet:
        return 0
    if packet[0] & 3 != 3:
        return _PACKET_SAMPLES[packet[0]]
    return _toc_samples(packet[0]) * (packet[1] & 0x3F if len(packet) > 1 else 0)


@dataclass
class OggOpus:
    """An Ogg Opus stream as its headers and audio packets."""

    head: bytes
    tags: bytes
    packets: list[bytes]
    end: int  # the final granule position (pre-skip + samples)

    @classmethod
    def parse(cls, data: bytes, what: str = "Opus data") -> OggOpus:
        packets: list[bytes] = []
        partial = b""
        end = 0
        for page in _ogg_page_spans(data, what):
            lacing, body = data[page.start + 27 : page.body], data[page.body : page.end]
            if page.granule != -1:
                end = page.granule
            if not partial and lacing and max(lacing) < 255:  # every packet whole on this page
                bounds = list(itertools.accumulate(lacing, initial=0))
                packets += [body[start:end] for start, end in itertools.pairwise(bounds)]
                continue
            pos = 0
            for value in lacing:
                partial += body[pos : pos + value]
                pos += value
                if value < 255:
                    packets.append(partial)
                    partial = b""
        if len(packets) < 2 or not packets[0].startswith(b"OpusHead") or not packets[1].startswith(b"OpusTags"):
            raise SpeechError(f"{what} is not Ogg Opus", code="A11Y521")
        return cls(packets[0], packets[1], packets[2:], end)

    @property
    def pre_skip(self) -> int:
        return struct.unpack_from("<H", self.head, 10)[0]

    @pre_skip.setter
    def pre_skip(self, value: int) -> None:
        self.head = self.head[:10] + struct.pack("<H", value) + self.head[12:]

    @property
    def channels(self) -> int:
        return self.head[9]

    @property
    def samples(self) -> int:
        """What the stream plays, at 48 kHz."""
        return self.end - self.pre_skip

    def content_packets(self, *, keep_primer: bool, last: bool, what: str) -> list[bytes]:
        """The packets that decode this piece's samples (and its primer when asked)."""
        pre_skip, samples, count = self.pre_skip, self.samples, len(self.packets)
        # where each packet's output starts, relative to the samples; the last entry: where all end
        starts = list(itertools.accumulate(map(opus_packet_samples, self.packets), initial=-pre_skip))
        primer = bisect.bisect_left(starts, 0, 0, count)  # the packets that start before the samples
        if primer and starts[primer] > 0:
            raise SpeechError(f"{what} was not encoded to be joined (pre-skip {pre_skip})", code="A11Y521")
        stop = bisect.bisect_left(starts, samples, 0, count)  # … and those that start before they end
        covered = starts[stop] if keep_primer else starts[stop] - starts[primer]
        if covered < samples or (not last and covered != samples):
            raise SpeechError(f"{what} is not a whole number of 20 ms frames", code="A11Y521")
        return self.packets[0 if keep_primer else primer : stop]

    def to_bytes(self, serial: int = OGG_SERIAL, *, fresh_pages: Iterable[int] = ()) -> bytes:
        out = io.BytesIO()
        self.write(out, serial, fresh_pages=fresh_pages)
        return out.getvalue()

    def write(self, out: BinaryIO, serial: int = OGG_SERIAL, *, fresh_pages: Iterable[int] = ()) -> None:
        """The stream as Ogg pages: headers on their own pages, then audio pages of at most
        255 lacing values, 4 KiB and one second; granule positions counted from the packets.
        A page starts afresh at each packet index in ``fresh_pages``."""
        sequence = 0

        def page(packets: list[bytes], granule: int, kind: int) -> None:
            nonlocal sequence
            sizes = [len(packet) for packet in packets]
            if max(sizes) < 255:
                lacing = bytes(sizes)
            else:
                lacing = b"".join(b"\xff" * (size // 255) + bytes([size % 255]) for size in sizes)
            header = struct.pack("<4sBBqIIIB", b"OggS", 0, kind, granule, serial, sequence, 0, len(lacing))
            body = b"".join(packets)
            crc = ogg_crc(header + lacing + body)
            out.write(header[:22] + struct.pack("<I", crc) + header[26:] + lacing + body)
            sequence += 1

        if any(len(p) >= 255 * 255 for p in [*self.packets, self.head, self.tags]):
            raise SpeechError("an Opus packet too large for one Ogg page", code="A11Y521")
        if not self.packets:
            raise SpeechError("an Opus stream without audio", code="A11Y521")
        page([self.head], 0, 0x02)
        page([self.tags], 0, 0)
        # Pages of as many packets as fit: at most 255 lacing values, 4 KiB and one second.
        segments = np.cumsum([len(p) // 255 + 1 for p in self.packets])
        sizes = np.cumsum([len(p) for p in self.packets])
        durations = np.cumsum([opus_packet_samples(p) for p in self.packets])
        start, count = 0, len(self.packets)
        breaks = sorted(set(fresh_pages))
        while start < count:
            before = (segments[start - 1], sizes[start - 1], durations[start - 1]) if start else (0, 0, 0)
            stop = max(start + 1, min(
                int(np.searchsorted(segments, before[0] + 255, "right")),
                int(np.searchsorted(sizes, before[1] + 4096, "right")),
                int(np.searchsorted(durations, before[2] + _OPUS_RATE, "right")),
                next((b for b in breaks if b > start), count),
            ))
            granule = int(durations[stop - 1])
            if stop == count:
                page(self.packets[start:stop], min(granule, self.end), 0x04)
            else:
                page(self.packets[start:stop], granule, 0)
            start = stop


# --- MP3 ------------------------------------------------------------------------------------------

_BITRATES = {  # kbit/s by bitrate index, Layer III
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES = {3: (44_100, 48_000, 32_000), 2: (22_050, 24_000, 16_000), 0: (11_025, 12_000, 8_000)}


def _crc16_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC16 = _crc16_table()


_CRC16_ARRAY = np.array(_CRC16, dtype=np.uint32)
_CRC16_BLOCK = 64  # bytes per block when many blocks are run side by side


@functools.cache
def _crc16_words() -> np.ndarray:
    """The CRC-16 state after two bytes, for every state XOR the two bytes (little-endian):
    a 16-bit CRC is used up by two bytes, so one lookup per two bytes."""
    state = np.arange(1 << 16, dtype=np.uint32)
    for _ in range(2):
        state = (state >> 8) ^ _CRC16_ARRAY[state & 0xFF]
    return state


def _crc16(data: bytes) -> int:
    """CRC-16/ARC, the LAME tag's checksum (of the tag, and of the music).

    Long data is cut into blocks whose CRCs are computed side by side (numpy), two bytes at a
    time (:func:`_crc16_words`), then combined
    pairwise: CRC(A‖B) = shift(CRC(A), len(B)) ^ CRC(B), the shift by a number of zero bytes
    being linear (a table for each byte of the state). Zero bytes put in front change nothing
    (the CRC starts at 0): the data is padded in front to whole blocks, and an odd count of
    blocks gets one more of zeros."""
    table = _CRC16
    if len(data) < 16 * _CRC16_BLOCK:
        crc = 0
        for byte in data:
            crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
        return crc
    words = _crc16_words()
    count = -(-len(data) // _CRC16_BLOCK)
    padded = np.zeros(count * _CRC16_BLOCK, dtype=np.uint8)
    padded[len(padded) - len(data) :] = np.frombuffer(data, dtype=np.uint8)
    columns = padded.view("<u2").reshape(count, _CRC16_BLOCK // 2).T  # row i: bytes 2i, 2i+1 of every block
    crcs = np.zeros(count, dtype=np.uint32)
    low, high = np.arange(256, dtype=np.uint32), np.arange(256, dtype=np.uint32) << 8
    for column in columns:
        crcs = words[crcs ^ column]
        low, high = words[low], words[high]  # shift by two zero bytes
    while len(crcs) > 1:  # low/high now shift a state past one block's length
        if len(crcs) % 2:  # a block of zeros in front: CRC 0, changes nothing
            crcs = np.concatenate([np.zeros(1, dtype=np.uint32), crcs])
        first, second = crcs[0::2], crcs[1::2]
        crcs = low[first & 0xFF] ^ high[first >> 8] ^ second
        low, high = low[low & 0xFF] ^ high[low >> 8], low[high & 0xFF] ^ high[high >> 8]  # twice as far
    return int(crcs[0])


def mp3_frame(data: bytes, pos: int) -> tuple[int, int, int] | None:
    """(frame length in bytes, sample rate, samples per frame) of the Layer III frame at ``pos``."""
    if len(data) < pos + 4 or data[pos] != 0xFF:
        return None
    return _mp3_header(data[pos + 1], data[pos + 2])


@functools.cache
def _mp3_header(second: int, third: int) -> tuple[int, int, int] | None:
    """:func:`mp3_frame` from a header's second and third bytes (a file has few distinct ones)."""
    if second & 0xE0 != 0xE0:
        return None
    version, layer = (second >> 3) & 3, (second >> 1) & 3
    bitrate_index, rate_index, padding = third >> 4, (third >> 2) & 3, (third >> 1) & 1
    if version == 1 or layer != 1 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    rate = _RATES[version][rate_index]
    kbps = _BITRATES[1 if version == 3 else 2][bitrate_index]
    spf = 1152 if version == 3 else 576
    return spf // 8 * kbps * 1000 // rate + padding, rate, spf


@dataclass
class Mp3:
    """An MP3 file as its Info/LAME frame and audio frames."""

    info: bytes
    audio: bytes  # the audio frames, one after the other
    lengths: np.ndarray  # each audio frame's length in bytes
    delay: int
    padding: int
    rate: int
    samples_per_frame: int

    @classmethod
    def parse(cls, data: bytes, what: str = "MP3 data") -> Mp3:
        start, lengths = _mp3_frames(data, what)
        info = data[start : start + lengths[0]]
        offset = _info_offset(info)
        if info[offset : offset + 4] not in (b"Info", b"Xing"):
            raise SpeechError(f"{what} has no Info/LAME header: its encoder delay is unknown", code="A11Y521")
        lame = offset + 120
        delay_padding = int.from_bytes(info[lame + 21 : lame + 24], "big")
        _, rate, spf = mp3_frame(info, 0) or (0, 0, 0)
        audio = data[start + len(info) : start + int(lengths.sum())]
        return cls(info, audio, lengths[1:], delay_padding >> 12, delay_padding & 0xFFF, rate, spf)

    @property
    def samples(self) -> int:
        return len(self.lengths) * self.samples_per_frame - self.delay - self.padding

    @property
    def frames(self) -> list[bytes]:
        """The audio frames, each on its own."""
        bounds = [0, *np.cumsum(self.lengths).tolist()]
        return [self.audio[a:b] for a, b in itertools.pairwise(bounds)]

    def frame_bytes(self, start: int, stop: int) -> bytes:
        """The audio frames ``start`` to ``stop`` (excluded), as they follow each other."""
        return self.audio[int(self.lengths[:start].sum()) : int(self.lengths[:stop].sum())]

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.write(out)
        return out.getvalue()

    def write(self, out: BinaryIO) -> None:
        """The file with its Info frame rewritten for these frames (counts, seek table,
        delay and padding, the LAME tag's checksums)."""
        if not 0 <= self.delay < 4096 or not 0 <= self.padding < 4096:
            raise SpeechError(f"MP3 delay {self.delay} or padding {self.padding} does not fit the LAME tag",
                              code="A11Y521")
        info = bytearray(self.info)
        offset = _info_offset(info)
        count = len(self.lengths)
        size = len(info) + len(self.audio)
        flags = int.from_bytes(info[offset + 4 : offset + 8], "big")
        if flags & 0x7 != 0x7:
            raise SpeechError("the MP3 Info header lacks frame count, byte count or seek table", code="A11Y521")
        info[offset + 8 : offset + 12] = count.to_bytes(4, "big")
        info[offset + 12 : offset + 16] = size.to_bytes(4, "big")
        starts = len(info) + np.concatenate([[0], np.cumsum(self.lengths)[:-1]]) if count else np.zeros(1, int)
        for i in range(100):
            at = starts[min(count - 1, i * count // 100)] if count else 0
            info[offset + 16 + i] = min(255, int(at) * 256 // size)
        lame = offset + 120
        info[lame + 21 : lame + 24] = (self.delay << 12 | self.padding).to_bytes(3, "big")
        info[lame + 28 : lame + 32] = size.to_bytes(4, "big")
        info[lame + 32 : lame + 34] = _crc16(self.audio).to_bytes(2, "big")
        info[lame + 34 : lame + 36] = _crc16(bytes(info[: lame + 34])).to_bytes(2, "big")
        out.write(bytes(info))
        out.write(self.audio)


def _mp3_frames(data: bytes, what: str) -> tuple[int, np.ndarray]:
    """Where the Layer III frames of an MP3 file start (an ID3v2 tag skipped) and each frame's
    length; one sample rate throughout, an ID3v1 tag may end the file."""
    pos = 0
    if data[:3] == b"ID3" and len(data) >= 10:  # skip an ID3v2 tag
        pos = 10 + ((data[6] & 0x7F) << 21 | (data[7] & 0x7F) << 14 | (data[8] & 0x7F) << 7 | (data[9] & 0x7F))
    start, size = pos, len(data)
    lengths: list[int] = []
    rates = set()
    while pos < size:
        if len(lengths) < 3 and (alike := _alike_frames(data, pos)):  # the rest at once (checked alike)
            count, (length, rate, spf) = alike
            lengths += [length] * count
            rates.add((rate, spf))
            pos += count * length
            continue
        found = mp3_frame(data, pos)
        if found is None:
            if data[pos : pos + 3] == b"TAG" and size - pos == 128:
                break  # an ID3v1 tag ends the file
            raise SpeechError(f"{what} is not MP3 (no frame at byte {pos})", code="A11Y521")
        length, rate, spf = found
        if pos + length > size:
            raise SpeechError(f"{what} is cut short (its last frame lacks {pos + length - size} bytes)",
                              code="A11Y521")
        rates.add((rate, spf))
        lengths.append(length)
        pos += length
    if not lengths:
        raise SpeechError(f"{what} has no MP3 frame", code="A11Y521")
    if len(rates) > 1:
        raise SpeechError(f"{what} changes its sample rate", code="A11Y521")
    return start, np.array(lengths, dtype=np.int64)


def _alike_frames(data: bytes, pos: int) -> tuple[int, tuple[int, int, int]] | None:
    """(count, :func:`mp3_frame` of each) when every frame from ``pos`` to the end (or to an ID3v1 tag) has the
    header of the one at ``pos`` (same bitrate, rate and padding: the same length), checked
    all at once; None otherwise. A constant-bitrate file without padding is like that."""
    found = mp3_frame(data, pos)
    if found is None:
        return None
    length, end = found[0], len(data)
    if (end - pos) % length and data[end - 128 : end - 125] == b"TAG":
        end -= 128
    if end <= pos or (end - pos) % length:
        return None
    frames = np.frombuffer(data, dtype=np.uint8, count=end - pos, offset=pos).reshape(-1, length)
    return (len(frames), found) if bool((frames[:, :3] == frames[0, :3]).all()) else None


def _info_frame(audio_frame: bytes) -> bytes:
    """An empty Info frame with a LAME tag, shaped like ``audio_frame`` (version, rate,
    channels) at the lowest bitrate that holds the tag; :meth:`Mp3.to_bytes` fills it in."""
    offset = _info_offset(audio_frame)
    need = offset + 120 + 36
    for index in range(1, 15):
        header = bytes([audio_frame[0], audio_frame[1] | 1, (index << 4) | (audio_frame[2] & 0x0C), audio_frame[3]])
        found = mp3_frame(header, 0)
        if found and found[0] >= need:
            break
    else:
        raise SpeechError("no MP3 bitrate holds an Info frame at this sample rate", code="A11Y521")
    frame = bytearray(found[0])
    frame[:4] = header
    frame[offset : offset + 8] = b"Info" + (0x0F).to_bytes(4, "big")  # frames, bytes, seek table, quality
    lame = offset + 120
    frame[lame : lame + 9] = b"LAME3.100"
    frame[lame + 9] = 0x01  # tag revision 0, constant bitrate
    return bytes(frame)


def _info_offset(frame: bytes | bytearray) -> int:
    """Where "Info"/"Xing" sits in a frame: after the header and the side information."""
    mpeg1 = (frame[1] >> 3) & 3 == 3
    mono = frame[3] >> 6 == 3
    return 4 + (17 if mono else 32) if mpeg1 else 4 + (9 if mono else 17)
