"""A narration is encoded piece by piece (a paragraph each) and joined without encoding again:
a rebuild encodes only the changed paragraph's piece, and the joined files play the pieces
exactly where the cues say."""

from __future__ import annotations

import io
import itertools

import numpy as np
import pytest
import soundfile

from a11ykit.errors import SpeechError
from a11ykit.speech import SpeechItem, joining, narration, synthesize_article, synthesize_items
from a11ykit.speech.encode import OUTPUT_RATE, resample
from a11ykit.speech.narration import PIECE_ITEMS, SENTENCES_PER_WORKER, piece_ranges
from a11ykit.speech.synth import Synthesizer

PARAGRAPHS = [
    [SpeechItem("a11y-1-0", "Where Andry is now", "heading")],
    [
        SpeechItem("a11y-2-0", "He entered the prison believing he was being deported."),
        SpeechItem("a11y-2-1", "Guards shaved his head on the first night."),
    ],
    [
        SpeechItem("a11y-3-0", "He is back with family in Venezuela."),
        SpeechItem("a11y-3-1", "He says faith kept him going."),
    ],
    [SpeechItem("a11y-4-0", "Four months later, he still wakes at four in the morning.")],
]
ITEMS = [item for paragraph in PARAGRAPHS for item in paragraph]


def sentences(block: str, count: int) -> list[SpeechItem]:
    return [SpeechItem(f"a11y-{block}-{n}", f"Sentence {n}.") for n in range(count)]


@pytest.mark.parametrize(
    ("items", "pieces"),
    [
        (ITEMS, [[0], [1, 2], [3, 4], [5]]),  # a piece per paragraph, headings apart
        (sentences("7", PIECE_ITEMS + 2), [list(range(PIECE_ITEMS)), [PIECE_ITEMS, PIECE_ITEMS + 1]]),
        ([SpeechItem("h1", "Title", "heading"), SpeechItem("h2", "Subtitle", "heading")], [[0], [1]]),
        ([SpeechItem("a11y-5-0", "Said."), SpeechItem("a11y-img-1", "Image: a map.", "image")], [[0], [1]]),
        # the notice's counts change with any edit: each of its sentences is a piece of its own
        ([SpeechItem(f"a11y-notice-{n}", f"Notice {n}.", "notice") for n in (1, 2, 3)] + ITEMS[:1],
         [[0], [1], [2], [3]]),
    ],
)
def test_the_narration_is_cut_per_paragraph(items, pieces):
    assert [list(r) for r in piece_ranges(items)] == pieces


def test_a_cut_depends_on_its_paragraph_only():
    longer = [*ITEMS[:3], SpeechItem("a11y-2-2", "A new sentence."), *ITEMS[3:]]
    before, after = piece_ranges(ITEMS), piece_ranges(longer)
    assert [[ITEMS[i].id for i in r] for r in before if ITEMS[r.start].id != "a11y-2-0"] == [
        [longer[i].id for i in r] for r in after if longer[r.start].id != "a11y-2-0"
    ]


def build(folder, items, **options):
    return synthesize_article(
        items, lang="en", out_dir=folder / "out", stem="a", cache_dir=folder / "cache", workers=2, **options
    )


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    """A narration built, then built again after one sentence of the third paragraph changed."""
    folder = tmp_path_factory.mktemp("pieces")
    first = build(folder, ITEMS)
    opus_before = first.opus.read_bytes()
    edited = [SpeechItem(i.id, "He is back home with his family.") if i.id == "a11y-3-0" else i for i in ITEMS]
    second = build(folder, edited)
    return first, opus_before, second


def test_the_first_build_encodes_every_piece(rebuilt):
    first, _, _ = rebuilt
    assert first.pieces == len(PARAGRAPHS)
    assert first.encoded == [p[0].id for p in PARAGRAPHS]


def test_a_rebuild_encodes_only_the_changed_paragraph(rebuilt):
    _, _, second = rebuilt
    assert second.synthesized == ["a11y-3-0"]
    assert second.encoded == ["a11y-3-0"]


def test_a_rebuild_reads_what_it_knew_of_unchanged_chunks_and_pieces_from_the_record(tmp_path, monkeypatch):
    """Only the changed sentence's chunk entry and its paragraph's piece entry are opened."""
    from a11ykit.speech.cache import ChunkCache, PieceCache

    build(tmp_path, ITEMS)
    opened = {"chunk": [], "piece": []}
    for kind, cls, method in (("chunk", ChunkCache, "spoken"), ("piece", PieceCache, "levels")):
        real = getattr(cls, method)
        monkeypatch.setattr(cls, method, lambda self, *a, _r=real, _k=kind: opened[_k].append(a[-1]) or _r(self, *a))
    edited = [SpeechItem(i.id, "He is back home with his family.") if i.id == "a11y-3-0" else i for i in ITEMS]
    second = build(tmp_path, edited)
    assert second.synthesized == ["a11y-3-0"] and second.encoded == ["a11y-3-0"]
    assert opened["chunk"] == ["a11y-3-0"] and len(opened["piece"]) == 1


EDITED = [SpeechItem(i.id, "He is back home with his family.") if i.id == "a11y-3-0" else i for i in ITEMS]


def _pieces_read(monkeypatch) -> list[tuple[str, str]]:
    """Every (key, format) the joins read from the speech cache from now on."""
    from a11ykit.speech.cache import PieceCache

    read: list[tuple[str, str]] = []
    real = PieceCache.read
    monkeypatch.setattr(PieceCache, "read", lambda self, key, fmt: read.append((key, fmt)) or real(self, key, fmt))
    return read


def test_a_rebuild_takes_the_unchanged_pieces_from_the_files_it_replaces(tmp_path, monkeypatch):
    """Only the first piece (its headers start the files) and the changed one are read from the
    cache, and the files are byte for byte what joining every piece from the cache writes."""
    build(tmp_path, ITEMS)
    read = _pieces_read(monkeypatch)
    second = build(tmp_path, EDITED)
    assert len(read) == 4 and {fmt for _, fmt in read} == {"opus", "mp3"}  # 2 pieces, 2 formats
    rejoined = {fmt: getattr(second, fmt).read_bytes() for fmt in ("opus", "mp3")}
    for fmt in ("opus", "mp3"):
        getattr(second, fmt).unlink()  # nothing to take from: every piece from the cache
    read.clear()
    again = build(tmp_path, EDITED)
    assert len(read) == 2 * len(PARAGRAPHS) and again.encoded == []
    assert {fmt: getattr(again, fmt).read_bytes() for fmt in ("opus", "mp3")} == rejoined


@pytest.mark.parametrize("fmt", ["opus", "mp3"])
def test_nothing_is_taken_from_an_audio_file_changed_since_it_was_written(tmp_path, monkeypatch, fmt):
    first = build(tmp_path, ITEMS)
    path = getattr(first, fmt)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    read = _pieces_read(monkeypatch)
    second = build(tmp_path, EDITED)
    assert sorted(f for _, f in read).count(fmt) == len(PARAGRAPHS)  # every piece of it from the cache
    assert sorted(f for _, f in read).count({"opus": "mp3", "mp3": "opus"}[fmt]) == 2  # the other taken
    assert joining.stream_length(getattr(second, fmt).read_bytes(), fmt) == round(second.duration * OUTPUT_RATE)


@pytest.mark.parametrize("entries", ["*/*.chunk", "pieces/*/*.piece"])
def test_what_the_record_knows_of_an_entry_that_is_gone_is_not_used(tmp_path, entries):
    """Chunks gone: every sentence is spoken again (the changed paragraph's piece needs their
    samples); pieces gone: every piece is encoded again (the joins need their bytes)."""
    build(tmp_path, ITEMS)
    for entry in (tmp_path / "cache").glob(entries):
        entry.unlink()
    edited = [SpeechItem(i.id, "He is back home with his family.") if i.id == "a11y-3-0" else i for i in ITEMS]
    second = build(tmp_path, edited)
    if entries.endswith(".chunk"):
        assert second.synthesized == [i.id for i in ITEMS]
    else:
        assert second.synthesized == ["a11y-3-0"] and second.encoded == [p[0].id for p in PARAGRAPHS]


def test_cues_before_the_change_keep_their_times_and_after_it_move_by_its_length(rebuilt):
    """In the changed piece a cue moves by the changed sentence's length; in the pieces after
    it, by the changed piece's length (whole frames: its pause absorbs the rest)."""
    first, _, second = rebuilt
    before = {c.id: c for c in first.cues}
    after = {c.id: c for c in second.cues}
    for id in ("a11y-1-0", "a11y-2-0", "a11y-2-1", "a11y-3-0"):
        assert after[id].start == before[id].start
    changed = (after["a11y-3-0"].end - after["a11y-3-0"].start) - (before["a11y-3-0"].end - before["a11y-3-0"].start)
    assert after["a11y-3-1"].start - before["a11y-3-1"].start == pytest.approx(changed, abs=0.001)
    piece = after["a11y-4-0"].start - before["a11y-4-0"].start
    frame = joining.common_aligned_length(1, OUTPUT_RATE) / OUTPUT_RATE
    assert piece == pytest.approx(second.duration - first.duration, abs=0.001)
    assert abs(piece - changed) < frame and round(piece / frame, 6).is_integer()


def test_the_unchanged_pieces_bytes_are_copied_into_the_joined_file(rebuilt):
    first, opus_before, second = rebuilt
    before = joining.OggOpus.parse(opus_before).packets
    after = joining.OggOpus.parse(second.opus.read_bytes()).packets
    # the first two paragraphs' packets come first in both files, byte for byte
    start = first.cues[[c.id for c in first.cues].index("a11y-3-0")].start
    unchanged = int(start / joining.OPUS_FRAME_SECONDS) - 2
    assert unchanged > 0 and before[:unchanged] == after[:unchanged]


@pytest.mark.parametrize("kind", ["opus", "mp3"])
def test_the_joined_files_play_exactly_the_narration(rebuilt, kind):
    _, _, second = rebuilt
    data = getattr(second, kind).read_bytes()
    assert joining.stream_length(data, kind) == round(second.duration * OUTPUT_RATE)
    decoded, rate = soundfile.read(io.BytesIO(data), dtype="float32")
    assert len(decoded) / rate == pytest.approx(second.duration, abs=0.002)


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if len(samples) else 0.0


@pytest.mark.parametrize("kind", ["opus", "mp3"])
def test_the_pauses_between_cues_are_silent_and_the_cues_are_spoken(rebuilt, kind):
    """Each cue sits where the decoded audio speaks it (within 20 ms): the pause between two
    cues, 20 ms in from both ends, is silent, across the joins between pieces too."""
    _, _, second = rebuilt
    decoded, rate = soundfile.read(getattr(second, kind), dtype="float32")
    at = lambda seconds: round(seconds * rate)  # noqa: E731
    for cue, following in itertools.pairwise(second.cues):
        assert rms(decoded[at(cue.start) : at(cue.end)]) > 0.01, cue.id
        pause = decoded[at(cue.end + 0.020) : at(following.start - 0.020)]
        assert np.max(np.abs(pause)) < 0.01, f"{kind}: sound between {cue.id} and {following.id}"


def heard_at(decoded: np.ndarray, reference: np.ndarray, expected: int, search: int) -> int:
    """Where ``reference`` best matches ``decoded`` within ``search`` samples of ``expected``."""
    low = max(0, expected - search)
    region = decoded[low : expected + search + len(reference)]
    return low + int(np.argmax(np.correlate(region, reference, mode="valid")))


@pytest.mark.parametrize("kind", ["opus", "mp3"])
def test_every_sentence_is_heard_where_its_cue_starts(rebuilt, tmp_path_factory, kind):
    """Each sentence's own audio (its chunk, as synthesized) is found in the decoded file within
    20 ms of its cue's start: in every piece, after every join."""
    _, _, second = rebuilt
    folder = second.opus.parent.parent
    edited = [SpeechItem(c.id, c.text) for c in second.cues]
    chunks = synthesize_items(edited, lang="en", cache_dir=folder / "cache").chunks  # all from the cache
    decoded, rate = soundfile.read(getattr(second, kind), dtype="float32")
    for cue, chunk in zip(second.cues, chunks, strict=True):
        reference = resample(chunk.samples.astype(np.float32) / 32768, chunk.sample_rate, rate)[: rate // 2]
        found = heard_at(decoded, reference, round(cue.start * rate), rate // 10)
        assert abs(found / rate - cue.start) <= 0.020, (
            f"{kind}: {cue.id} at {cue.start:.3f} s, heard at {found / rate:.3f} s"
        )


def test_an_encoder_failure_stops_the_build_and_writes_nothing(tmp_path, monkeypatch):
    def failing(samples, rate):
        raise SpeechError("libmp3lame failed (error -1)", code="A11Y520")

    monkeypatch.setattr(joining, "encode_mp3_piece", failing)
    with pytest.raises(SpeechError, match="libmp3lame failed") as caught:
        build(tmp_path, ITEMS)
    assert caught.value.code == "A11Y520"
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []
    assert list((tmp_path / "cache" / "pieces").rglob("*.piece")) == []


@pytest.mark.parametrize("fmt", ["opus", "mp3"])
def test_an_encoded_piece_shorter_than_planned_stops_the_build_and_writes_nothing(tmp_path, monkeypatch, fmt):
    """Each piece is checked from its structure when encoded: an encoder that drops audio (here,
    the real encoder given half the samples) is caught before anything is joined or written."""
    real = getattr(joining, f"encode_{fmt}_piece")
    monkeypatch.setattr(joining, f"encode_{fmt}_piece", lambda samples, rate: real(samples[: len(samples) // 2], rate))
    with pytest.raises(SpeechError, match=f"the {fmt} piece from .* lasts") as caught:
        build(tmp_path, ITEMS)
    assert caught.value.code == "A11Y506"
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize(("sentences", "processes"), [(4, 1), (2 * SENTENCES_PER_WORKER, 2)])
def test_another_speech_worker_starts_only_for_enough_sentences(monkeypatch, sentences, processes):
    """A process start costs about as much as speaking a few sentences: a one-paragraph rebuild
    speaks on the first worker alone."""
    started = []

    class Counted(Synthesizer):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append(self.pid)

    monkeypatch.setattr(narration, "Synthesizer", Counted)
    items = [SpeechItem(f"s{n}", f"Sentence number {n} of the test.") for n in range(sentences)]
    synthesis = synthesize_items(items, lang="en", workers=2)
    assert len(synthesis.chunks) == sentences
    assert len(set(started)) == processes
