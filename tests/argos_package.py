"""Build a tiny, real Argos package whose model copies its input, for offline tests.

No real en⇄es model can be downloaded here, so the tests and the benchmark build
one: a SentencePiece model trained on the example article (with byte fallback, so
any text round-trips) and a one-layer CTranslate2 Transformer whose weights are set
by hand so that its translation of any sentence of up to 1,000 pieces is the
sentence itself. It runs through exactly the code a real package does.

How the copy works: every token is a random ±1 code in the first ``CODE_DIM``
dimensions of the encoder output; positions are sinusoids in the remaining
dimensions. The decoder's own embeddings are zero, so at step *t* its state is just
position *t*; its cross-attention compares that with the encoder positions (sharply
enough that only position *t* counts) and copies that token's code, which the
output projection turns back into the token. The source gets ``</s>`` appended
(``add_source_eos``), so after the last token the decoder copies ``</s>`` and stops.
Self-attention and feed-forward layers have zero weights and add nothing.

Importable without pytest: ``python tests/argos_package.py OUT_DIR`` builds a file.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "article-source.txt"  # ../shared beside the repository

CODE_DIM = 256  # token codes
FREQUENCIES = 16  # sinusoid pairs for positions (each stored as sin, cos, -sin, -cos)
MAX_POSITIONS = 1024
VOCAB_SIZE = 400

#: Characters the SentencePiece model sees even if the corpus lacks them (the rest go through bytes).
ALPHABET = (
    "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 "
    ".,;:!?¿¡'\"()[]{}<>/\\-–—“”‘’«»…%&@#*+=_$€£ áéíóúñüÁÉÍÓÚÑÜ QZXA QZXB QZXC"
)


def corpus_text() -> str:
    """Text to train SentencePiece on: the example article when present, else a stand-in."""
    for path in (SHARED, ROOT / "examples" / "article-source.txt"):
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return (
        "We have covered the case from the first reports of his transfer.\n"
        "He spoke at length about what kept him alive and what comes next.\n"
    )


def train_sentencepiece(text: str) -> bytes:
    """A small BPE SentencePiece model with byte fallback and no normalization (exact round trip)."""
    import sentencepiece as spm

    lines = [line for line in text.splitlines() if line.strip()] + [ALPHABET]
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        model_type="bpe",
        vocab_size=VOCAB_SIZE,
        hard_vocab_limit=False,
        byte_fallback=True,
        character_coverage=1.0,
        normalization_rule_name="identity",
        num_threads=1,
        minloglevel=2,
    )
    return model.getvalue()


def copy_model_spec(vocabulary: list[str]):
    """A CTranslate2 Transformer spec that copies its input (see the module docstring)."""
    import numpy as np
    from ctranslate2.specs import transformer_spec

    size = len(vocabulary)
    width = CODE_DIM + 4 * FREQUENCIES
    rng = np.random.default_rng(20240611)
    codes = rng.choice([-1.0, 1.0], size=(size, CODE_DIM)).astype(np.float32)
    overlap = np.abs(codes @ codes.T - np.diag(np.full(size, CODE_DIM)))
    assert overlap.max() < CODE_DIM / 2, "token codes too alike; change the seed"

    frequencies = np.geomspace(1.0, 2 * np.pi / (4 * MAX_POSITIONS), FREQUENCIES)
    angles = np.arange(MAX_POSITIONS)[:, None] * frequencies[None, :]
    waves = np.concatenate([np.sin(angles), np.cos(angles), -np.sin(angles), -np.cos(angles)], axis=1)
    positions = np.zeros((MAX_POSITIONS, width), np.float32)
    positions[:, CODE_DIM:] = waves  # mean 0 and constant norm: layer norm only rescales it
    # how much less alike two different positions are than a position with itself
    gap = FREQUENCIES - np.cos(np.arange(1, MAX_POSITIONS)[:, None] * frequencies[None, :]).sum(1).max()

    def zeros(rows: int, cols: int):
        return np.zeros((rows, cols), np.float32)

    def plain_norm(norm) -> None:
        norm.gamma = np.ones(width, np.float32)
        norm.beta = np.zeros(width, np.float32)

    def silent(layer) -> None:
        plain_norm(layer.self_attention.layer_norm)
        layer.self_attention.linear[0].weight = zeros(3 * width, width)
        layer.self_attention.linear[1].weight = zeros(width, width)
        plain_norm(layer.ffn.layer_norm)
        layer.ffn.linear_0.weight = zeros(4, width)
        layer.ffn.linear_1.weight = zeros(width, 4)

    spec = transformer_spec.TransformerSpec.from_config(1, 1, no_final_norm=True)
    encoder, decoder = spec.encoder, spec.decoder
    encoder.scale_embeddings = False
    decoder.scale_embeddings = False

    embeddings = zeros(size, width)
    embeddings[:, :CODE_DIM] = codes
    encoder.embeddings[0].weight = embeddings
    encoder.position_encodings.encodings = positions
    silent(encoder.layer[0])

    decoder.embeddings.weight = zeros(size, width)
    decoder.position_encodings.encodings = positions
    layer = decoder.layer[0]
    silent(layer)
    attention = layer.attention
    plain_norm(attention.layer_norm)
    # query · key / sqrt(width) must beat the next-best position by ~40 nats
    norm_scale = np.sqrt(2 * FREQUENCIES / width)  # std of the position part after layer norm
    sharpness = 40.0 * np.sqrt(width) * norm_scale / (2 * gap)
    query = zeros(width, width)
    query[CODE_DIM:, CODE_DIM:] = np.eye(4 * FREQUENCIES) * sharpness
    attention.linear[0].weight = query
    key_value = zeros(2 * width, width)
    key_value[CODE_DIM:width, CODE_DIM:] = np.eye(4 * FREQUENCIES)  # keys: positions
    key_value[width : width + CODE_DIM, :CODE_DIM] = np.eye(CODE_DIM)  # values: token codes
    attention.linear[1].weight = key_value
    output = zeros(width, width)
    output[:CODE_DIM, :CODE_DIM] = np.eye(CODE_DIM)
    attention.linear[2].weight = output
    projection = zeros(size, width)
    projection[:, :CODE_DIM] = codes * (30.0 / CODE_DIM)  # right token scores 30, others < 15
    decoder.projection.weight = projection

    spec.config.add_source_eos = True
    spec.register_source_vocabulary(vocabulary)
    spec.register_target_vocabulary(vocabulary)
    spec.validate()
    spec.optimize(quantization="int8")  # like the real Argos packages
    return spec


def metadata(source: str, target: str, version: str) -> dict:
    return {
        "package_version": version,
        "argos_version": "1.9",
        "from_code": source,
        "from_name": {"en": "English", "es": "Spanish"}.get(source, source),
        "to_code": target,
        "to_name": {"en": "English", "es": "Spanish"}.get(target, target),
        "type": "translate",
        "code": f"translate-{source}_{target}",
        "links": [],
    }


def build_package(
    out_dir: Path,
    source: str = "en",
    target: str = "es",
    version: str = "0.1",
    text: str | None = None,
    tokenizer: str = "sentencepiece",
) -> Path:
    """Write ``translate-SRC_TGT-VERSION.argosmodel`` (a copy model) into ``out_dir``; returns its path.

    ``tokenizer="bpe"`` builds an older-style package with ``bpe.model`` (Moses + BPE).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    corpus = corpus_text() if text is None else text
    if tokenizer == "bpe":
        name, model, vocabulary = "bpe.model", BPE_CODES.encode(), bpe_vocabulary(corpus, source)
    else:
        import sentencepiece as spm

        name, model = "sentencepiece.model", train_sentencepiece(corpus)
        processor = spm.SentencePieceProcessor(model_proto=model)
        vocabulary = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    folder = f"translate-{source}_{target}-{version.replace('.', '_')}"
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = Path(tmp) / "model"
        model_dir.mkdir()
        copy_model_spec(vocabulary).save(str(model_dir))
        files = {
            "metadata.json": json.dumps(metadata(source, target, version), indent=2).encode(),
            name: model,
            "README.md": b"Test package: a CTranslate2 model that copies its input.\n",
        }
        for path in sorted(model_dir.iterdir()):
            files[f"model/{path.name}"] = path.read_bytes()
        archive = out_dir / f"{folder}.argosmodel"
        write_zip(archive, {f"{folder}/{n}": data for n, data in files.items()}, folder)
    return archive


#: A few subword-nmt merges (format 0.2); words without them split into letters, which is fine.
BPE_CODES = "#version: 0.2\n" + "".join(
    f"{pair}\n" for pair in ("e n", "e r", "d e", "e s", "a n", "o n", "r e", "t h", "th e</w>", "a r", "e l</w>")
)


def bpe_vocabulary(text: str, source: str) -> list[str]:
    """Every token Moses + BPE makes of ``text``, letters with and without ``@@``; CTranslate2
    maps anything else to ``<unk>``, and ``replace_unknowns`` puts the source token back."""
    from sacremoses import MosesPunctNormalizer, MosesTokenizer

    from a11ykit.translate.bpe import BPE

    bpe = BPE(io.StringIO(BPE_CODES))
    moses, normalizer = MosesTokenizer(source), MosesPunctNormalizer(source)
    tokens: set[str] = set()
    for line in text.splitlines():
        tokens.update(bpe.segment_tokens(moses.tokenize(normalizer.normalize(line))))
    letters = set(ALPHABET.replace(" ", ""))
    tokens.update(letters | {f"{c}@@" for c in letters})
    return ["<unk>", "<s>", "</s>", *sorted(tokens)]


def write_zip(archive: Path, files: dict[str, bytes], folder: str | None = None) -> None:
    """A deterministic zip (fixed dates) with the folder entries Argos packages carry."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        dirs = {folder} if folder else set()
        for name in files:
            parts = name.split("/")[:-1]
            dirs.update("/".join(parts[: i + 1]) for i in range(len(parts)))
        for d in sorted(dirs):
            info = zipfile.ZipInfo(d + "/", date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = (0o40755 << 16) | 0x10
            zf.writestr(info, b"")
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)


def cached_package(
    cache_dir: Path, source: str = "en", target: str = "es", version: str = "0.1", tokenizer: str = "sentencepiece"
) -> Path:
    """The package built once into ``cache_dir`` (a test session's temp folder) and reused."""
    cache_dir = Path(cache_dir) / tokenizer
    wanted = cache_dir / f"translate-{source}_{target}-{version.replace('.', '_')}.argosmodel"
    cache_dir.mkdir(parents=True, exist_ok=True)
    if not wanted.is_file():
        with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
            build_package(Path(tmp), source, target, version, tokenizer=tokenizer).replace(wanted)
    return wanted


def repack(archive: Path, destination: Path, edit) -> Path:
    """A copy of ``archive`` whose ``{member name: bytes}`` went through ``edit`` (for broken packages)."""
    with zipfile.ZipFile(archive) as zf:
        files = {i.filename: zf.read(i) for i in zf.infolist() if not i.is_dir()}
    write_zip(Path(destination), edit(files))
    return Path(destination)


def isolate_environment(monkeypatch, root: Path) -> Path:
    """Point HOME, the XDG folders and every Argos setting at ``root``; returns the package folder.

    Argos Translate reads these at import time, so a test that might import it must
    call this first; our own code reads A11YKIT_ARGOS_DIR.
    """
    root = Path(root)
    for name, sub in (
        ("HOME", "home"),
        ("XDG_DATA_HOME", "home/.local/share"),
        ("XDG_CONFIG_HOME", "home/.config"),
        ("XDG_CACHE_HOME", "home/.cache"),
        ("ARGOS_PACKAGES_DIR", "argos-translate-packages"),
        ("A11YKIT_ARGOS_DIR", "packages"),
    ):
        monkeypatch.setenv(name, str(root / sub))
    for name in ("ARGOS_PACKAGE_INDEX", "ARGOS_TRANSLATE_PACKAGE_DIR", "SNAP"):
        monkeypatch.delenv(name, raising=False)
    return root / "packages"


if __name__ == "__main__":
    import sys
    import time

    start = time.perf_counter()
    built = build_package(Path(sys.argv[1] if len(sys.argv) > 1 else "."))
    print(f"{built} ({built.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - start:.2f}s")
