"""The narration files' metadata: title, artist, publisher, language and a comment.

This module owns writing :class:`AudioTags` into encoded bytes, whatever encoder made
them: as Vorbis comments in the OpusTags header of an Ogg Opus stream (RFC 7845 §5.2,
the Ogg pages rebuilt with their checksums, RFC 3533) and as an ID3v2.4 tag in front
of an MP3 (TIT2, TPE1, TPUB, TLAN, COMM; UTF-8). It must not encode or decode audio,
or decide what the tags say (the caller does, from the page).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from a11ykit.errors import SpeechError

#: ISO 639-2 codes (what ID3's TLAN and COMM want) of the page languages a11ykit narrates.
ISO_639_2 = {"en": "eng", "es": "spa"}


@dataclass(frozen=True)
class AudioTags:
    """What the narration files say about themselves."""

    title: str
    artist: str = ""  # the article's author
    publisher: str = ""  # the site or organization that published the article
    language: str = ""  # BCP 47, as the page says (``es``, ``en-US``)
    comment: str = ""  # where the narration comes from

    def fields(self) -> list[tuple[str, str]]:
        """(name, value) of the tags that have a value, in a fixed order."""
        named = [
            ("title", self.title),
            ("artist", self.artist),
            ("publisher", self.publisher),
            ("language", self.language),
            ("comment", self.comment),
        ]
        return [(name, " ".join(value.split())) for name, value in named if value and value.strip()]


# -- Ogg Opus ---------------------------------------------------------------------------

_VORBIS_NAMES = {
    "title": "TITLE",
    "artist": "ARTIST",
    "publisher": "ORGANIZATION",
    "language": "LANGUAGE",
    "comment": "COMMENT",
}


_BYTE_REVERSED = bytes(int(f"{b:08b}"[::-1], 2) for b in range(256))


def ogg_crc(page: bytes | bytearray, mirrored: bytes | memoryview = b"") -> int:
    """The Ogg page checksum (CRC-32, polynomial 0x04c11db7, unreflected, no final xor): zlib's
    reflected CRC-32 of the bit-reversed bytes, bit-reversed (a Python loop per byte took
    0.13 s for a 3-minute narration). ``mirrored``: the rest of the page, already
    :func:`bit_reversed` (who checksums many pages of one file reverses it once)."""
    reflected = zlib.crc32(mirrored, zlib.crc32(page.translate(_BYTE_REVERSED), 0xFFFFFFFF)) ^ 0xFFFFFFFF
    return int(f"{reflected:032b}"[::-1], 2)


def bit_reversed(data: bytes | memoryview) -> bytes:
    """Each byte with its bits in reverse order (what :func:`ogg_crc` checksums)."""
    return bytes(data).translate(_BYTE_REVERSED)


@dataclass
class _Page:
    flags: int
    granule: int
    serial: int
    sequence: int
    lacing: list[int]
    body: bytes

    def to_bytes(self) -> bytes:
        header = struct.pack(
            "<4sBBqIIIB", b"OggS", 0, self.flags, self.granule, self.serial, self.sequence, 0, len(self.lacing)
        )
        page = header + bytes(self.lacing) + self.body
        return page[:22] + struct.pack("<I", ogg_crc(page)) + page[26:]


def _pages(data: bytes) -> list[_Page]:
    pages, pos = [], 0
    while pos < len(data):
        if data[pos : pos + 4] != b"OggS" or len(data) < pos + 27:
            raise SpeechError(f"not an Ogg stream: no page at byte {pos}", code="A11Y506")
        _, _, flags, granule, serial, sequence, _, count = struct.unpack_from("<4sBBqIIIB", data, pos)
        lacing = list(data[pos + 27 : pos + 27 + count])
        start = pos + 27 + count
        body = data[start : start + sum(lacing)]
        if len(body) != sum(lacing):
            raise SpeechError("a cut-off Ogg page", code="A11Y506")
        pages.append(_Page(flags, granule, serial, sequence, lacing, body))
        pos = start + len(body)
    return pages


def _opus_tags_packet(vendor: bytes, tags: AudioTags) -> bytes:
    comments = [f"{_VORBIS_NAMES[name]}={value}".encode() for name, value in tags.fields()]
    return (
        b"OpusTags"
        + struct.pack("<I", len(vendor))
        + vendor
        + struct.pack("<I", len(comments))
        + b"".join(struct.pack("<I", len(c)) + c for c in comments)
    )


def _paginate(packet: bytes, serial: int, first_sequence: int) -> list[_Page]:
    """One header packet on pages of its own (granule 0 where it ends, -1 before)."""
    lacing = [255] * (len(packet) // 255) + [len(packet) % 255]
    pages: list[_Page] = []
    body_pos = 0
    for index in range(0, len(lacing), 255):
        part = lacing[index : index + 255]
        ends = index + 255 >= len(lacing)
        pages.append(
            _Page(
                0x01 if index else 0,
                0 if ends else -1,
                serial,
                first_sequence + len(pages),
                part,
                packet[body_pos : body_pos + sum(part)],
            )
        )
        body_pos += sum(part)
    return pages


def tag_opus(data: bytes, tags: AudioTags) -> bytes:
    """The Ogg Opus stream with its comment header replaced by ``tags`` (the encoder's vendor
    string kept); the audio pages are unchanged but for their sequence numbers if the header
    now takes more or fewer pages."""
    pages = _pages(data)
    if len(pages) < 2 or not pages[0].body.startswith(b"OpusHead"):
        raise SpeechError("not an Ogg Opus stream (no OpusHead)", code="A11Y506")
    # The comment header starts on page 1 and the first audio page starts afresh (RFC 7845 §3).
    end = 1
    while end < len(pages) and (not pages[end].lacing or pages[end].lacing[-1] == 255):
        end += 1
    old = b"".join(page.body for page in pages[1 : end + 1])
    continued = end + 1 < len(pages) and pages[end + 1].flags & 0x01
    if end >= len(pages) or not old.startswith(b"OpusTags") or continued:
        raise SpeechError("the Ogg Opus comment header is not where RFC 7845 puts it", code="A11Y506")
    (vendor_length,) = struct.unpack_from("<I", old, 8)
    vendor = old[12 : 12 + vendor_length]
    header = _paginate(_opus_tags_packet(vendor, tags), pages[0].serial, 1)
    shift = len(header) - end  # the old comment header took pages 1…end
    out = [data[: 27 + len(pages[0].lacing) + len(pages[0].body)]]
    out += [page.to_bytes() for page in header]
    for page in pages[end + 1 :]:
        page.sequence += shift
        out.append(page.to_bytes())
    return b"".join(out)


# -- MP3 ----------------------------------------------------------------------------------


def _synchsafe(size: int) -> bytes:
    return bytes((size >> shift) & 0x7F for shift in (21, 14, 7, 0))


def _id3_frame(frame_id: str, payload: bytes) -> bytes:
    return frame_id.encode("ascii") + _synchsafe(len(payload)) + b"\x00\x00" + payload


def id3_tag(tags: AudioTags) -> bytes:
    """An ID3v2.4 tag with the text frames of ``tags`` (UTF-8)."""
    language = ISO_639_2.get(tags.language.split("-")[0].lower(), "und").encode("ascii")
    text_frames = {"title": "TIT2", "artist": "TPE1", "publisher": "TPUB"}
    frames = []
    for name, value in tags.fields():
        if name in text_frames:
            frames.append(_id3_frame(text_frames[name], b"\x03" + value.encode()))
        elif name == "language":
            frames.append(_id3_frame("TLAN", b"\x03" + language))
        elif name == "comment":
            frames.append(_id3_frame("COMM", b"\x03" + language + b"\x00" + value.encode()))
    body = b"".join(frames)
    return b"ID3\x04\x00\x00" + _synchsafe(len(body)) + body


def tag_mp3(data: bytes, tags: AudioTags) -> bytes:
    """The MP3 with an ID3v2.4 tag of ``tags`` in front (replacing an ID3v2 tag it had)."""
    if data[:3] == b"ID3" and len(data) >= 10:
        size = 0
        for byte in data[6:10]:
            size = (size << 7) | (byte & 0x7F)
        data = data[10 + size + (10 if data[5] & 0x10 else 0) :]
    return id3_tag(tags) + data
