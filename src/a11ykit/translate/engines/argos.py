"""The Argos engine: an installed Argos package run directly through CTranslate2.

We load the package's CTranslate2 model and tokenizer ourselves rather than calling
``argostranslate.translate``: that API re-splits text with its own sentence splitter
(which may download a model) and translates one call at a time, while the pipeline
hands us sentences already split and wants one batch. ``argostranslate.settings`` is
never imported, so Argos's import-time folders and settings stay out of the way;
argos-translate is not needed at all (older BPE packages use :mod:`a11ykit.translate.bpe`).

Threads: one intra-op thread per batch, with the cores spent on parallel batches
(``inter_threads``); measured on two cores, ``intra_threads=0`` (all cores on one batch)
was 3–4× slower for the small test model. See docs/argos.md.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

from a11ykit.errors import EngineError
from a11ykit.text import tagged
from a11ykit.translate import packages as models
from a11ykit.translate.bpe import BPE

_DEPENDENCIES = ("ctranslate2", "sentencepiece")
_EXTRA_HINT = "install the Argos extra with \"pip install 'a11ykit[argos]'\""
_MODEL_HINT = "install a model with 'a11ykit models install {s} {t}' (or 'a11ykit models install FILE.argosmodel')"


def missing_dependencies() -> list[str]:
    """The Python packages the engine needs that are not installed (nothing is imported)."""
    missing = []
    for name in _DEPENDENCIES:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(name)
    return missing


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class _SentencePiece:
    """The tokenizer of most Argos packages (``sentencepiece.model``)."""

    def __init__(self, path: Path) -> None:
        import sentencepiece

        self.processor = sentencepiece.SentencePieceProcessor(model_file=str(path))

    def encode(self, sentences: list[str]) -> list[list[str]]:
        return self.processor.encode(sentences, out_type=str)

    def decode(self, tokens: list[str]) -> str:
        return self.processor.decode(tokens)


class _MosesBPE:
    """The tokenizer of older packages (``bpe.model``): Moses, then subword-nmt BPE, as Argos does it
    (the BPE is a11ykit's own, :mod:`a11ykit.translate.bpe`)."""

    def __init__(self, path: Path, source: str, target: str) -> None:
        from sacremoses import MosesDetokenizer, MosesPunctNormalizer, MosesTokenizer

        self.normalizer = MosesPunctNormalizer(source)
        self.tokenizer = MosesTokenizer(source)
        self.detokenizer = MosesDetokenizer(target)
        with open(path, encoding="utf-8") as codes:
            self.bpe = BPE(codes)

    def encode(self, sentences: list[str]) -> list[list[str]]:
        return [
            self.bpe.segment_tokens(self.tokenizer.tokenize(self.normalizer.normalize(s))) for s in sentences
        ]

    def decode(self, tokens: list[str]) -> str:
        return self.detokenizer.detokenize(" ".join(tokens).replace("@@ ", "").split())


@dataclass
class _Loaded:
    package: models.InstalledPackage
    translator: Any  # ctranslate2.Translator
    tokenizer: _SentencePiece | _MosesBPE
    target_prefix: str
    compute_type: str


class ArgosEngine:
    """Neural translation with an installed Argos package (see the module docstring).

    ``package_dir``: where the packages are (default: :func:`a11ykit.translate.packages.package_dir`);
    ``threads``: cores to use, at most (and by default) all of them; ``compute_type``:
    ``"auto"`` for int8 where the CPU has it, or any CTranslate2 compute type.
    """

    name = "argos"
    #: Tokens per CTranslate2 batch; batches run in parallel on ``inter_threads``.
    MAX_BATCH_TOKENS = 512

    def __init__(
        self,
        package_dir: str | os.PathLike[str] | None = None,
        beam_size: int = 2,
        threads: int | None = None,
        compute_type: str = "auto",
    ) -> None:
        missing = missing_dependencies()
        if missing:
            raise EngineError(
                f"the argos engine needs {' and '.join(missing)}, which is not installed; {_EXTRA_HINT}",
                code="A11Y320",
            )
        if beam_size < 1:
            raise EngineError(f"beam size must be at least 1, not {beam_size}", code="A11Y323")
        if threads is not None and threads < 1:
            raise EngineError(f"threads must be at least 1, not {threads}", code="A11Y323")
        self.package_dir = models.package_dir(package_dir)
        self.beam_size = beam_size
        self.threads = min(threads or available_cores(), available_cores())
        self.compute_type = compute_type
        self._loaded: dict[tuple[str, str], _Loaded] = {}

    def supports(self, source: str, target: str) -> bool:
        """Whether a package for the pair is installed (reads metadata only)."""
        if missing_dependencies():
            return False
        return models.find_package(source, target, self.package_dir) is not None

    def load(self, source: str, target: str) -> None:
        """Load the pair's tokenizer and model now rather than at the first sentence;
        :class:`EngineError` when the installed package cannot be loaded."""
        self._load(source, target)

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        """One ``translate_batch`` over the distinct sentences; inline tags are dropped, lock tokens pass through."""
        texts = list(texts)
        if not texts:
            return []
        plains = [tagged.plain(text) for text in texts]
        unique = list(dict.fromkeys(p for p in plains if p))
        translated = {"": ""}
        if unique:
            loaded = self._load(source, target)
            translated.update(zip(unique, self._run(loaded, unique), strict=True))
        return [translated[p] for p in plains]

    def describe(self) -> str:
        """The packages in use (or, before any use, installed) and the CTranslate2 version."""
        packages = [loaded.package for loaded in self._loaded.values()]
        if not packages:
            packages = models.all_packages(self.package_dir)
        described = ", ".join(f"{p.source}→{p.target} {p.name} {p.version}" for p in packages)
        return f"argos {described or '(no model installed)'} (ctranslate2 {_version('ctranslate2')})"

    # --- internals ---------------------------------------------------------------

    def _load(self, source: str, target: str) -> _Loaded:
        key = (source, target)
        if key in self._loaded:
            return self._loaded[key]
        package = models.find_package(source, target, self.package_dir)
        if package is None:
            raise EngineError(
                f"no Argos {source}→{target} package in {self.package_dir} or {models.argos_package_dir()}; "
                + _MODEL_HINT.format(s=source, t=target),
                code="A11Y321",
            )
        import ctranslate2

        tokenizer = _open_tokenizer(package)
        translator, compute_type = self._open_translator(ctranslate2, package)
        prefix = package.metadata().get("target_prefix") or ""
        loaded = _Loaded(package, translator, tokenizer, str(prefix), compute_type)
        self._loaded[key] = loaded
        return loaded

    def _open_translator(self, ctranslate2: Any, package: models.InstalledPackage) -> tuple[Any, str]:
        return _open_translator(ctranslate2, package, self.compute_type, self.threads)

    def _run(self, loaded: _Loaded, sentences: list[str]) -> list[str]:
        pieces = loaded.tokenizer.encode(sentences)
        prefix = [[loaded.target_prefix]] * len(pieces) if loaded.target_prefix else None
        longest = max(len(p) for p in pieces)
        try:
            results = loaded.translator.translate_batch(
                pieces,
                target_prefix=prefix,
                beam_size=self.beam_size,
                max_batch_size=self.MAX_BATCH_TOKENS,
                batch_type="tokens",
                max_decoding_length=max(256, 2 * longest + 16),
                replace_unknowns=True,
            )
        except (RuntimeError, ValueError) as exc:
            raise EngineError(f"argos translation failed: {exc}", code="A11Y324") from None
        outputs = []
        for result in results:
            text = loaded.tokenizer.decode(result.hypotheses[0])
            if loaded.target_prefix and text.startswith(loaded.target_prefix):
                text = text[len(loaded.target_prefix) :]
            outputs.append(tagged.escape(" ".join(text.split())))
        return outputs


def check_loads(package: models.InstalledPackage) -> None:
    """Load a package's tokenizer and CTranslate2 model once, as translating would (the
    install check); :class:`EngineError` when either cannot be loaded."""
    missing = missing_dependencies()
    if missing:
        raise EngineError(
            f"checking an Argos package needs {' and '.join(missing)}, which is not installed; {_EXTRA_HINT}",
            code="A11Y320",
        )
    import ctranslate2

    _open_tokenizer(package)
    translator, _ = _open_translator(ctranslate2, package, "auto", 1)
    del translator


def _open_translator(
    ctranslate2: Any, package: models.InstalledPackage, compute_type: str, threads: int
) -> tuple[Any, str]:
    """int8 where the CPU supports it (``compute_type="auto"``), else whatever the model was saved as."""
    if compute_type != "auto":
        choices = [compute_type]
    else:
        supported = ctranslate2.get_supported_compute_types("cpu")
        choices = [t for t in ("int8",) if t in supported] + ["default"]
    problem: Exception | None = None
    for choice in choices:
        try:
            translator = ctranslate2.Translator(
                str(package.path / "model"),
                device="cpu",
                compute_type=choice,
                inter_threads=threads,
                intra_threads=1,
            )
            return translator, choice
        except (RuntimeError, ValueError, OSError) as exc:
            problem = exc
    raise EngineError(f"cannot load {package.name}'s CTranslate2 model: {_first_line(problem)}", code="A11Y322")


def _first_line(problem: object) -> str:
    """A library's message, one line and not too long."""
    text = " ".join(str(problem).split())
    return text if len(text) <= 200 else text[:199] + "…"


def _open_tokenizer(package: models.InstalledPackage) -> _SentencePiece | _MosesBPE:
    sentencepiece_model = package.path / "sentencepiece.model"
    try:
        if sentencepiece_model.is_file():
            return _SentencePiece(sentencepiece_model)
        return _MosesBPE(package.path / "bpe.model", package.source, package.target)
    except ImportError as exc:
        raise EngineError(
            f"{package.name} uses a BPE tokenizer, which needs {exc.name}; {_EXTRA_HINT}", code="A11Y320"
        ) from None
    except (OSError, RuntimeError, ValueError) as exc:
        raise EngineError(f"cannot load {package.name}'s tokenizer: {_first_line(exc)}", code="A11Y322") from None


def _version(distribution: str) -> str:
    try:
        return importlib_metadata.version(distribution)
    except importlib_metadata.PackageNotFoundError:
        return "unknown"


__all__ = ["ArgosEngine", "available_cores", "check_loads", "missing_dependencies"]
