"""Narration pieces joined without encoding again: exact length, pieces where they belong,
no gap at the joints, and a changed piece that changes only itself."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile

from a11ykit.errors import SpeechError
from a11ykit.speech import joining

RATE = 24_000
PAUSE = 0.35  # seconds of pause after a paragraph: 50 ms open its piece, the rest ends it
LEAD = 0.05
PARAGRAPHS = [
    "El Centro de Confinamiento del Terrorismo es una cárcel de máxima seguridad.",
    "Fue inaugurado en dos mil veintitrés por el gobierno de El Salvador.",
    "Organizaciones de derechos humanos denuncian las condiciones de los presos.",
    "Las familias no saben dónde están sus parientes.",
]
CHANGED = "Nadie sabe cuántas personas hay dentro, ni por cuánto tiempo."


def speak(text: str) -> np.ndarray:
    """espeak-ng's Spanish voice, resampled by sox to the narration rate."""
    wav = subprocess.run(["espeak-ng", "-v", "es-419", "--stdout", text], capture_output=True, check=True).stdout
    raw = subprocess.run(["sox", "-t", "wav", "-", "-t", "f32", "-r", str(RATE), "-"],
                         input=wav, capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype=np.float32)


def paragraph_piece(text: str, fmt: str, *, last: bool) -> np.ndarray:
    """A paragraph in its pause, as a narration cuts it: a piece begins and ends in silence
    (the pause is lengthened to a whole frame unless the piece is the last)."""
    speech = speak(text)
    lead = round(LEAD * RATE)
    length = lead + len(speech) + round((PAUSE - LEAD) * RATE)
    if not last:
        length = joining.aligned_length(length, fmt, RATE)
    samples = np.zeros(length, dtype=np.float32)
    samples[lead : lead + len(speech)] = speech
    return samples


FORMATS: dict[str, tuple[Callable[..., bytes], Callable[..., int]]] = {
    "opus": (joining.encode_opus_piece, joining.join_opus),
    "mp3": (joining.encode_mp3_piece, joining.join_mp3),
}


@pytest.fixture(scope="module", params=sorted(FORMATS))
def narration(request: pytest.FixtureRequest) -> dict:
    fmt = request.param
    encode, join = FORMATS[fmt]
    pcm = [paragraph_piece(t, fmt, last=i == len(PARAGRAPHS) - 1) for i, t in enumerate(PARAGRAPHS)]
    pieces = [encode(p, RATE) for p in pcm]
    out = io.BytesIO()
    length = join(pieces, out)
    return {"fmt": fmt, "pcm": pcm, "pieces": pieces, "joined": out.getvalue(), "length": length,
            "encode": encode, "join": join}


def decode(data: bytes, fmt: str, folder: Path) -> np.ndarray:
    """ffmpeg's decoding of a file (from a file: gapless trimming needs to know the end)."""
    path = folder / f"audio.{fmt}"
    path.write_bytes(data)
    run = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "f32le", "-ac", "1", "-ar", str(RATE), "-"],
                         capture_output=True, check=True)
    return np.frombuffer(run.stdout, dtype=np.float32)


def envelope(samples: np.ndarray, window: int = RATE // 100) -> np.ndarray:
    """RMS level per 10 ms."""
    usable = len(samples) // window * window
    return np.sqrt(np.mean(samples[:usable].reshape(-1, window).astype(np.float64) ** 2, axis=1))


def test_each_piece_alone_plays_exactly_its_samples(narration: dict, tmp_path: Path) -> None:
    for pcm, piece in zip(narration["pcm"], narration["pieces"], strict=True):
        assert len(decode(piece, narration["fmt"], tmp_path)) == len(pcm)


def test_the_joined_file_lasts_exactly_the_sum_of_the_pieces(narration: dict, tmp_path: Path) -> None:
    expected = sum(len(p) for p in narration["pcm"])
    frame = joining.frame_samples(narration["fmt"], RATE)
    with_ffmpeg = len(decode(narration["joined"], narration["fmt"], tmp_path))
    with_soundfile = len(soundfile.read(io.BytesIO(narration["joined"]), dtype="float32")[0])
    assert abs(with_ffmpeg - expected) < frame and abs(with_soundfile - expected) < frame
    assert with_ffmpeg == expected == narration["length"]  # in fact exact, and as join said


def test_every_piece_starts_where_the_timeline_says(narration: dict, tmp_path: Path) -> None:
    joined = decode(narration["joined"], narration["fmt"], tmp_path)
    search = RATE // 10
    expected = 0
    for pcm, piece in zip(narration["pcm"], narration["pieces"], strict=True):
        alone = decode(piece, narration["fmt"], tmp_path)[: RATE // 2]
        low = max(0, expected - search)
        region = joined[low : expected + search + len(alone)]
        scores = [float(np.dot(region[i : i + len(alone)], alone)) for i in range(len(region) - len(alone) + 1)]
        found = low + int(np.argmax(scores))
        assert abs(found - expected) / RATE <= 0.020, f"piece at {expected / RATE:.3f} s found at {found / RATE:.3f} s"
        expected += len(pcm)


def test_no_silence_is_inserted_at_the_joints(narration: dict, tmp_path: Path) -> None:
    whole_pcm = np.concatenate(narration["pcm"])
    whole = decode(narration["encode"](whole_pcm, RATE), narration["fmt"], tmp_path)
    joined = decode(narration["joined"], narration["fmt"], tmp_path)
    assert len(joined) == len(whole)
    a, b = envelope(joined), envelope(whole)
    assert np.corrcoef(a, b)[0, 1] > 0.99
    joint = 0
    for pcm in narration["pcm"][:-1]:
        joint += len(pcm)
        # 100 ms of pause, then the next paragraph's first 200 ms: the same level as encoded whole
        at = joint // (RATE // 100)
        assert np.allclose(a[at - 10 : at + 20], b[at - 10 : at + 20], atol=0.02)
        assert a[at : at + 20].max() > 0.02  # the next paragraph is heard at once


def test_a_changed_piece_changes_only_its_own_frames(narration: dict) -> None:
    fmt = narration["fmt"]
    pieces = list(narration["pieces"])
    pieces[1] = narration["encode"](paragraph_piece(CHANGED, fmt, last=False), RATE)
    out = io.BytesIO()
    narration["join"](pieces, out)
    before, after = _units(fmt, narration["joined"]), _units(fmt, out.getvalue())
    head = len(_kept(fmt, pieces[0], first=True))  # the first piece's frames, its primer included
    old, new = _kept(fmt, narration["pieces"][1], first=False), _kept(fmt, pieces[1], first=False)
    assert after == before[:head] + new + before[head + len(old) :]
    assert new != old


def _units(fmt: str, data: bytes) -> list[bytes]:
    """The audio packets (Opus) or frames (MP3) of a file, in order."""
    return joining.OggOpus.parse(data).packets if fmt == "opus" else joining.Mp3.parse(data).frames


def _kept(fmt: str, piece: bytes, *, first: bool) -> list[bytes]:
    """The packets or frames of a piece that a join keeps: its samples' (and its primer's if first)."""
    if fmt == "opus":
        return joining.OggOpus.parse(piece).content_packets(keep_primer=first, last=False, what="piece")
    parsed = joining.Mp3.parse(piece)
    primer = (parsed.delay + joining.MP3_DECODER_DELAY) // parsed.samples_per_frame
    return parsed.frames[0 if first else primer : primer + parsed.samples // parsed.samples_per_frame]


@pytest.mark.parametrize("narration", ["opus"], indirect=True)
def test_the_joined_ogg_opus_stream_is_valid(narration: dict, tmp_path: Path) -> None:
    path = tmp_path / "joined.opus"
    path.write_bytes(narration["joined"])
    run = subprocess.run(["opusinfo", str(path)], capture_output=True, text=True, check=False)
    report = run.stdout + run.stderr
    assert run.returncode == 0 and "WARNING" not in report.upper() and "ERROR" not in report.upper(), report
    stream = joining.OggOpus.parse(narration["joined"])
    assert stream.head.startswith(b"OpusHead") and stream.tags.startswith(b"OpusTags")
    assert stream.samples == 2 * sum(len(p) for p in narration["pcm"])  # 48 kHz granules


def test_a_piece_that_is_not_whole_frames_cannot_be_joined_in_the_middle(narration: dict) -> None:
    fmt = narration["fmt"]
    short = narration["encode"](paragraph_piece(CHANGED, fmt, last=True), RATE)
    with pytest.raises(SpeechError) as caught:
        narration["join"]([narration["pieces"][0], short, narration["pieces"][2]], io.BytesIO())
    assert caught.value.code == "A11Y521" and "piece 2" in str(caught.value)


@pytest.mark.parametrize("narration", ["opus"], indirect=True)
def test_a_flipped_byte_in_an_opus_page_is_refused_unless_the_pieces_were_verified_elsewhere(narration: dict) -> None:
    first, second = narration["pieces"][:2]
    flipped = bytearray(second)
    flipped[-3] ^= 0x01  # inside the last page's audio: the page checksum no longer matches
    with pytest.raises(SpeechError, match="damaged Ogg page"):
        joining.join_opus([first, bytes(flipped)], io.BytesIO())
    good, trusted = io.BytesIO(), io.BytesIO()
    assert joining.join_opus([first, second], trusted, verified=True) == joining.join_opus([first, second], good)
    joined = good.getvalue()
    assert trusted.getvalue() == joined
    assert joining.stream_length(joined, "opus", checksums=False) == joining.stream_length(joined, "opus")


def test_a_damaged_piece_is_refused(narration: dict) -> None:
    damaged = narration["pieces"][1][:-7]  # cut short, as by a full disk
    with pytest.raises(SpeechError) as caught:
        narration["join"]([narration["pieces"][0], damaged], io.BytesIO())
    assert caught.value.code == "A11Y521" and "piece 2" in str(caught.value)


@pytest.mark.parametrize("rate", [16_000, 24_000, 48_000])
@pytest.mark.parametrize("samples", [1, 2_879, 2_880, 100_001])
def test_a_common_length_is_whole_frames_in_both_formats(rate: int, samples: int) -> None:
    length = joining.common_aligned_length(samples, rate)
    opus, mp3 = joining.frame_samples("opus", rate), joining.frame_samples("mp3", rate)
    assert length % opus == 0 and length % mp3 == 0
    assert samples <= length < samples + np.lcm(opus, mp3)


def crc16_arc_bitwise(data: bytes) -> int:
    """CRC-16/ARC one bit at a time, straight from its definition (reflected 0x8005, init 0)."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


@pytest.mark.parametrize("size", [9, 1023, 1024, 4097, 65_536, 100_001])
def test_the_lame_tag_checksum_is_crc16_arc_at_any_length(size: int) -> None:
    data = np.random.default_rng(size).integers(0, 256, size, dtype=np.uint8).tobytes()
    assert joining._crc16(data) == crc16_arc_bitwise(data)


def test_the_lame_tag_checksum_of_the_standard_check_string() -> None:
    assert joining._crc16(b"123456789") == 0xBB3D  # CRC-16/ARC's check value


@pytest.mark.parametrize("narration", ["opus"], indirect=True)
def test_an_opus_piece_whose_primer_shares_a_page_cannot_be_joined_after_another(narration: dict) -> None:
    repaged = joining.OggOpus.parse(narration["pieces"][1]).to_bytes()  # pages filled across the primer
    with pytest.raises(SpeechError) as caught:
        joining.join_opus([narration["pieces"][0], repaged], io.BytesIO())
    assert caught.value.code == "A11Y521" and "piece 2 was not encoded to be joined" in str(caught.value)


def test_mp3_frames_of_different_lengths_are_read_one_by_one() -> None:
    # 48 kbit/s at 44.1 kHz: 156.7 bytes a frame, so some frames carry a padding byte
    piece = joining.encode_mp3_piece(np.sin(np.arange(44_100 * 2) / 7).astype(np.float32) * 0.3, 44_100)
    parsed = joining.Mp3.parse(piece)
    assert set(parsed.lengths.tolist()) == {156, 157}
    assert b"".join(parsed.frames) == parsed.audio and parsed.info + parsed.audio == piece
    assert all(joining.mp3_frame(frame, 0)[0] == len(frame) for frame in parsed.frames)  # type: ignore[index]


def test_the_encoders_are_loaded_by_their_soname_without_running_ldconfig(monkeypatch):
    import ctypes.util

    def no_ldconfig(name):
        raise AssertionError(f"find_library({name!r}) runs ldconfig")

    monkeypatch.setattr(ctypes.util, "find_library", no_ldconfig)
    joining._libopus.cache_clear()
    joining._libmp3lame.cache_clear()
    try:
        samples = np.zeros(RATE, dtype=np.float32)
        assert joining.stream_length(joining.encode_opus_piece(samples, RATE), "opus") == RATE
        assert joining.stream_length(joining.encode_mp3_piece(samples, RATE), "mp3") == RATE
    finally:
        joining._libopus.cache_clear()
        joining._libmp3lame.cache_clear()


# --- a piece taken from an earlier join ---------------------------------------------------------

#: A new narration as the pieces of the fixture's (by index) and the changed paragraph ("new").
REJOINS = {
    "nothing changed": [0, 1, 2, 3],
    "a middle piece changed": [0, "new", 2, 3],
    "the last but one changed": [0, 1, "new", 3],
    "a piece removed": [0, 2, 3],
    "a piece inserted": [0, 1, "new", 2, 3],
    "two pieces swapped": [0, 2, 1, 3],
    "a piece twice": [0, 1, 1, 3],
}


def _earlier_and_again(narration: dict, order: list) -> tuple[list, list]:
    """The new narration's pieces, each on its own, and the same with every piece the
    fixture's join holds (all but the first) taken from that join instead."""
    placed: list = []
    earlier = io.BytesIO()
    narration["join"](narration["pieces"], earlier, placed=placed)
    assert earlier.getvalue() == narration["joined"]
    changed = narration["encode"](paragraph_piece(CHANGED, narration["fmt"], last=False), RATE)
    own = [changed if i == "new" else narration["pieces"][i] for i in order]
    taken = [
        joining.Rejoin(earlier.getvalue(), placed[i]) if isinstance(i, int) and placed[i] is not None else piece
        for i, piece in zip(order, own, strict=True)
    ]
    return own, taken


@pytest.mark.parametrize("order", REJOINS.values(), ids=REJOINS.keys())
def test_pieces_taken_from_an_earlier_join_make_the_same_file_as_joining_them_again(
    narration: dict, order: list
) -> None:
    own, taken = _earlier_and_again(narration, order)
    again, rejoined = io.BytesIO(), io.BytesIO()
    placed_again: list = []
    placed_rejoined: list = []
    length = narration["join"](own, again, placed=placed_again)
    assert narration["join"](taken, rejoined, placed=placed_rejoined) == length
    assert rejoined.getvalue() == again.getvalue()
    assert placed_rejoined == placed_again  # so the next build can take them from this file in turn


def test_where_each_piece_landed_is_its_own_bytes_in_the_joined_file(narration: dict) -> None:
    placed: list = []
    narration["join"](narration["pieces"], io.BytesIO(), placed=placed)
    joined = narration["joined"]
    assert placed[0] is None  # the first piece's headers start the file: never taken from it
    for piece, spot in zip(narration["pieces"][1:], placed[1:], strict=True):
        there = joined[spot.start : spot.end]
        last = piece is narration["pieces"][-1]
        if narration["fmt"] == "mp3":  # its frames (the last one partly padding), its primer left out
            parsed = joining.Mp3.parse(piece)
            primer = (parsed.delay + joining.MP3_DECODER_DELAY) // parsed.samples_per_frame
            assert there == b"".join(parsed.frames[primer : primer - (-parsed.samples // parsed.samples_per_frame)])
            assert spot.samples == parsed.samples
        else:  # whole Ogg pages holding its packets, its primer left out; samples counted at 48 kHz
            packets = joining.OggOpus.parse(piece).content_packets(keep_primer=False, last=last, what="piece")
            assert there.startswith(b"OggS") and all(packet in there for packet in packets)
            assert spot.samples == joining.stream_length(piece, "opus") * 48_000 // RATE


def test_the_first_piece_cannot_be_taken_from_an_earlier_join(narration: dict) -> None:
    placed: list = []
    narration["join"](narration["pieces"], io.BytesIO(), placed=placed)
    with pytest.raises(SpeechError) as caught:
        narration["join"]([joining.Rejoin(narration["joined"], placed[1]), narration["pieces"][2]], io.BytesIO())
    assert caught.value.code == "A11Y521" and "piece 1 must be a piece of its own" in str(caught.value)
