"""The per-sentence cache: a rebuild synthesizes only what changed."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from a11ykit.errors import SpeechError
from a11ykit.speech import SpeechItem, narration, synthesize_article, synthesize_items
from a11ykit.speech.cache import ChunkCache, EncodedPiece, PieceCache, Spoken, cache_key
from a11ykit.speech.synth import Chunk, Word

ITEMS = [
    SpeechItem("h1", "Where Andry is now", "heading"),
    SpeechItem("s1", "He is back with family in Venezuela."),
    SpeechItem("s2", "ICE detains and removes people."),
]


def build(tmp_path, items=ITEMS, **options):
    return synthesize_article(
        items, lang="en", out_dir=tmp_path / "out", stem="a", cache_dir=tmp_path / "cache", workers=1, **options
    )


@pytest.fixture
def built(tmp_path):
    first = build(tmp_path)
    assert first.synthesized == ["h1", "s1", "s2"] and first.cached == []
    return first


def test_an_unchanged_rebuild_synthesizes_nothing(tmp_path, built):
    again = build(tmp_path)
    assert again.synthesized == [] and again.cached == ["h1", "s1", "s2"]
    assert again.cues == built.cues


def test_changing_one_sentence_synthesizes_only_that_sentence(tmp_path, built):
    changed = [*ITEMS[:2], SpeechItem("s2", "ICE detains people.")]
    again = build(tmp_path, changed)
    assert again.synthesized == ["s2"] and again.cached == ["h1", "s1"]
    assert again.cues[2].end - again.cues[2].start < built.cues[2].end - built.cues[2].start


def test_a_new_rate_synthesizes_everything_again(tmp_path, built):
    assert build(tmp_path, rate=220).synthesized == ["h1", "s1", "s2"]


def test_a_lexicon_change_synthesizes_only_the_sentences_it_touches(tmp_path, built):
    again = build(tmp_path, lexicon={"ICE": "Immigration and Customs Enforcement"})
    assert again.synthesized == ["s2"]


def test_another_voice_synthesizes_everything_again(tmp_path, built):
    assert build(tmp_path, voice="en-gb").synthesized == ["h1", "s1", "s2"]


def test_a_damaged_cache_entry_is_synthesized_again(tmp_path, built):
    for entry in (tmp_path / "cache").rglob("*.chunk"):
        entry.write_bytes(b"damaged")
    again = build(tmp_path)
    assert again.synthesized == ["h1", "s1", "s2"]
    assert build(tmp_path).cached == ["h1", "s1", "s2"]


# -- the cache itself, without espeak ------------------------------------------------------------

KEY_FIELDS = {"text": "Hola.", "voice": "roa/es-419", "espeak": "1.51", "rate": 175, "volume": 100}


@pytest.mark.parametrize(
    ("field", "other"),
    [("text", "Hola!"), ("voice", "roa/es"), ("espeak", "1.52"), ("rate", 176), ("volume", 90)],
)
def test_every_setting_that_changes_the_sound_changes_the_key(field, other):
    assert cache_key(**KEY_FIELDS) != cache_key(**{**KEY_FIELDS, field: other})


def test_a_stored_chunk_comes_back_under_the_asked_id(tmp_path):
    samples = (np.sin(np.arange(4410) / 5) * 10000).astype(np.int16)
    cache = ChunkCache(tmp_path)
    cache.put("ab" * 32, Chunk("old", samples, 22050, (Word(0, 4, 0.0), Word(5, 3, 0.1))))
    back = cache.get("ab" * 32, "new")
    assert back.id == "new" and back.sample_rate == 22050
    assert np.array_equal(back.samples, samples)
    assert back.words == (Word(0, 4, 0.0), Word(5, 3, 0.1))
    assert [p.name for p in tmp_path.rglob("*")] == ["ab", "ab" * 32 + ".chunk"]  # no temp files left


def tone(length: int, period: float = 5) -> np.ndarray:
    return (np.sin(np.arange(length) / period) * 10000).astype(np.int16)


def test_the_first_chunk_stored_under_a_key_stays_and_is_what_put_returns(tmp_path):
    """espeak-ng speaks one text a little differently after other texts, so two processes
    may store one key with different samples: the first stays, and the second learns it."""
    cache = ChunkCache(tmp_path)
    first = cache.put("ef" * 32, Chunk("a", tone(4410), 22050))
    second = cache.put("ef" * 32, Chunk("b", tone(5000, period=7), 22050))
    assert np.array_equal(first.samples, tone(4410))
    assert second.id == "b" and np.array_equal(second.samples, tone(4410))
    assert np.array_equal(cache.get("ef" * 32, "c").samples, tone(4410))
    assert [p.name for p in tmp_path.rglob("*")] == ["ef", "ef" * 32 + ".chunk"]  # no temp files left


def test_a_damaged_entry_is_replaced_by_the_next_chunk_stored(tmp_path):
    cache = ChunkCache(tmp_path)
    cache.put("12" * 32, Chunk("a", tone(4410), 22050))
    (tmp_path / "12" / ("12" * 32 + ".chunk")).write_bytes(b"not an entry")
    stored = cache.put("12" * 32, Chunk("b", tone(5000, period=7), 22050))
    assert np.array_equal(stored.samples, tone(5000, period=7))
    assert np.array_equal(cache.get("12" * 32, "c").samples, tone(5000, period=7))


def test_a_stored_piece_comes_back_whole(tmp_path):
    cache = PieceCache(tmp_path)
    cache.put("cd" * 32, EncodedPiece(b"OggS...", b"\xff\xf3...", np.array([0.25, 1e-9]), -3.5, -1.25))
    back = cache.get("cd" * 32)
    assert (back.opus, back.mp3, back.gain, back.peak) == (b"OggS...", b"\xff\xf3...", -3.5, -1.25)
    assert back.powers.tolist() == [0.25, 1e-9]
    assert cache.read("cd" * 32, "mp3") == b"\xff\xf3..."
    levels = cache.levels("cd" * 32)  # what a narration reads of each piece before it joins them
    assert (levels.opus, levels.mp3, levels.gain, levels.peak, levels.powers.tolist()) == (
        b"", b"", -3.5, -1.25, [0.25, 1e-9])


def _flip_last_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))


def test_a_chunk_whose_bytes_changed_on_disk_is_a_miss_and_is_removed(tmp_path):
    cache = ChunkCache(tmp_path)
    cache.put("34" * 32, Chunk("a", tone(4410), 22050))
    _flip_last_byte(tmp_path / "34" / ("34" * 32 + ".chunk"))  # one sample's low bit: still speech, but not ours
    assert cache.get("34" * 32, "a") is None
    assert not (tmp_path / "34" / ("34" * 32 + ".chunk")).exists()


def test_a_piece_whose_bytes_changed_on_disk_is_a_miss_and_is_removed(tmp_path):
    cache = PieceCache(tmp_path)
    cache.put("56" * 32, EncodedPiece(b"opus", b"mp3", np.array([0.5]), 0.0, -1.0))
    _flip_last_byte(tmp_path / "pieces" / "56" / ("56" * 32 + ".piece"))
    assert cache.get("56" * 32) is None
    with pytest.raises(SpeechError, match="left the speech cache"):
        cache.read("56" * 32, "opus")


def test_a_chunk_that_changed_in_the_cache_before_its_piece_is_encoded_stops_the_build(tmp_path, monkeypatch):
    """A narration lays its pieces out from the chunks' lengths, then reads the samples back
    piece by piece: samples of another length must never be padded or cut into place."""
    real_get, real_encode = ChunkCache.get, narration.encode_pieces
    encoding = []

    def get(self, key, id):
        chunk = real_get(self, key, id)
        if chunk is None or not encoding or id != "s1":
            return chunk
        return Chunk(id, chunk.samples[:-500], chunk.sample_rate)  # stored anew, shorter, meanwhile

    def encode_pieces(*args, **kwargs):
        encoding.append(True)
        return real_encode(*args, **kwargs)

    monkeypatch.setattr(ChunkCache, "get", get)
    monkeypatch.setattr(narration, "encode_pieces", encode_pieces)
    with pytest.raises(SpeechError, match="s1: its audio changed in the speech cache") as caught:
        build(tmp_path)
    assert caught.value.code == "A11Y506"
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_a_stored_silent_chunk_is_a_miss(tmp_path):
    cache = ChunkCache(tmp_path)
    cache.put("cd" * 32, Chunk("s", np.zeros(4410, dtype=np.int16), 22050))
    assert cache.get("cd" * 32, "s") is None


def test_an_unchanged_rebuild_leaves_the_output_files_alone(tmp_path, built):
    stamps = {p: p.stat().st_mtime_ns for p in (built.opus, built.mp3, built.captions)}
    again = build(tmp_path)
    assert not again.written
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps


def test_an_output_changed_or_removed_since_is_written_again(tmp_path, built):
    built.mp3.write_bytes(b"tampered")
    built.captions.unlink()
    again = build(tmp_path)
    assert again.written and again.synthesized == []
    assert built.captions.exists() and built.mp3.read_bytes() != b"tampered"


def test_a_changed_sentence_rewrites_the_outputs(tmp_path, built):
    again = build(tmp_path, [*ITEMS[:2], SpeechItem("s2", "ICE detains people.")])
    assert again.written
    assert "ICE detains people." in again.captions.read_text(encoding="utf-8")


def test_a_sentence_said_twice_is_synthesized_once(tmp_path):
    items = [SpeechItem("s1", "He is back."), SpeechItem("s2", "He is back home."), SpeechItem("s3", "He is back.")]
    synthesis = synthesize_items(items, lang="en", cache_dir=tmp_path, workers=2)
    first, _, again = synthesis.chunks
    assert (first.id, again.id) == ("s1", "s3")
    assert again.samples is first.samples  # one utterance, one audio: the same length everywhere
    assert synthesis.synthesized == ["s1", "s2", "s3"]


def test_the_outputs_are_flushed_to_the_disk_and_the_cache_entries_are_not(tmp_path, monkeypatch):
    """An output must survive a power cut once renamed into place; a cache entry lost to one
    is only a miss, so a build does not wait for the disk on each of them."""
    flushed = []
    real = os.fsync

    def counted(fd):
        flushed.append(Path(os.readlink(f"/proc/self/fd/{fd}")).parent)
        real(fd)

    monkeypatch.setattr(os, "fsync", counted)
    build(tmp_path)
    cache = tmp_path / "cache"
    assert list(cache.rglob("*.chunk")) and list(cache.rglob("*.piece")), "the build cached its chunks and pieces"
    assert flushed == [tmp_path / "out"] * len(list((tmp_path / "out").iterdir()))


def test_what_a_narration_needs_of_a_stored_chunk_is_read_from_its_header(tmp_path):
    cache = ChunkCache(tmp_path)
    chunk = Chunk("s1", np.array([0, 1200, -3400, 5600] * 1000, dtype=np.int16), 22050,
                  (Word(0, 4, 0.0), Word(5, 3, 0.1)))
    cache.put("ab" * 32, chunk)
    assert cache.spoken("ab" * 32, "s9") == Spoken("s9", 4000, 22050, chunk.words)


NOT_AN_OBJECT = b"a11ykit\x00" + (2).to_bytes(4, "little") + b"[]"  # the magic, then a header that is a list


@pytest.mark.parametrize("damage", [lambda data: data[:-1], lambda data: b"damaged", lambda data: data + b"\0",
                                    lambda data: NOT_AN_OBJECT])
def test_a_chunk_entry_that_is_not_whole_gives_no_spoken_chunk_and_is_removed(tmp_path, damage):
    cache = ChunkCache(tmp_path)
    cache.put("cd" * 32, Chunk("s1", np.array([0, 1200, -3400] * 1000, dtype=np.int16), 22050, ()))
    entry = next(tmp_path.rglob("*.chunk"))
    entry.write_bytes(damage(entry.read_bytes()))
    assert cache.spoken("cd" * 32, "s1") is None and not entry.exists()


def test_a_piece_damaged_after_its_levels_were_read_stops_the_join_and_is_removed(tmp_path):
    cache = PieceCache(tmp_path)
    cache.put("fe" * 32, EncodedPiece(b"opus", b"mp3", np.array([0.5]), 0.0, -1.0))
    entry = tmp_path / "pieces" / "fe" / ("fe" * 32 + ".piece")
    data = bytearray(entry.read_bytes())
    data[-len(b"mp3") - 8 - 1] ^= 0x01  # the Opus bytes' last: the levels still read
    entry.write_bytes(bytes(data))
    assert cache.levels("fe" * 32) is not None
    with pytest.raises(SpeechError, match="left the speech cache during the build, or was damaged there"):
        cache.read("fe" * 32, "opus")
    assert not entry.exists()
