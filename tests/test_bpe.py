"""a11ykit's BPE (older Argos packages' ``bpe.model``) segments as subword-nmt does.

The recordings in tests/fixtures/bpe/ are subword-nmt's output (``argostranslate.apply_bpe``)
for the example article's Moses tokens, with codes learned from that article
(tests/bpe_fixture.py writes them); the argos extra no longer installs argos-translate.
"""

from __future__ import annotations

import ast
import io
import json
import re
import sys
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from a11ykit.translate.bpe import BPE

FIXTURES = Path(__file__).parent / "fixtures" / "bpe"
ROOT = Path(__file__).resolve().parents[1]
VERSIONS = ["codes-0.1", "codes-0.2"]


def codes(name: str) -> BPE:
    with open(FIXTURES / f"{name}.txt", encoding="utf-8") as f:
        return BPE(f)


def recorded(name: str) -> list[dict[str, list[str]]]:
    return json.loads((FIXTURES / f"{name}.expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", VERSIONS)
def test_the_article_is_segmented_as_subword_nmt_segments_it(name):
    bpe = codes(name)
    lines = recorded(name)
    assert sum(len(line["tokens"]) for line in lines) > 1000
    assert [bpe.segment_tokens(line["tokens"]) for line in lines] == [line["pieces"] for line in lines]


@pytest.mark.parametrize("name", VERSIONS)
def test_the_learned_codes_do_split_words_of_the_article(name):
    pieces = [piece for line in recorded(name) for piece in line["pieces"]]
    assert sum(piece.endswith("@@") for piece in pieces) > 500  # not a trivial recording


@given(st.lists(st.text(st.characters(blacklist_characters=" @", blacklist_categories=("Cs",)), min_size=1)))
def test_joining_the_pieces_gives_the_tokens_back(tokens):
    pieces = codes("codes-0.2").segment_tokens(tokens)
    assert " ".join(pieces).replace("@@ ", "") == " ".join(tokens)


def bpe(*lines: str) -> BPE:
    return BPE(io.StringIO("".join(f"{line}\n" for line in lines)))


@pytest.mark.parametrize(
    ("lines", "word", "pieces"),
    [
        (["#version: 0.2", "a b", "b c</w>"], "abc", ("ab", "c")),  # the better rank merges first
        (["#version: 0.2", "b c</w>", "a b"], "abc", ("a", "bc")),
        (["#version: 0.2", "b c</w>", "a b", "b c</w>"], "abc", ("a", "bc")),  # a repeated pair keeps its first rank
        (["#version: 0.2", "a a"], "aaaa", ("aa", "a", "a")),  # left to right, no overlap; a</w> is another symbol
        (["#version: 0.2", "a a", "aa aa"], "aaaaa", ("aaaa", "a")),
        (["#version: 0.2", "t h", "th e</w>"], "the", ("the",)),  # 0.2: the end mark is glued to the last letter
        (["t h", "th e</w>"], "the", ("th", "e")),  # no header is 0.1: the end mark is a symbol of its own
        (["t h", "e </w>", "th e</w>"], "the", ("the",)),
        (["#version: 0.2", "t h"], "t", ("t",)),
    ],
)
def test_merges_follow_subword_nmt(lines, word, pieces):
    assert bpe(*lines).segment_word(word) == pieces


def test_pieces_but_the_last_of_a_word_carry_the_separator_and_empty_tokens_are_dropped():
    tokens = ["lowest", "", "low"]
    assert bpe("#version: 0.2", "l o", "lo w", "e s", "es t</w>").segment_tokens(tokens) == [
        "low@@",
        "est",
        "lo@@",
        "w",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("#version: 0.2\na b\nabc\n", "line 3 of the BPE codes is not two symbols separated by a space: 'abc'"),
        ("#version: 0.2\na b c\n", "line 2 of the BPE codes is not two symbols separated by a space: 'a b c'"),
        ("#version: 0.3\na b\n", "BPE codes of version 0.3 are not supported (0.1 or 0.2)"),
    ],
)
def test_codes_it_cannot_read_are_a_value_error_naming_the_line(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        BPE(io.StringIO(text))


def test_the_argos_extra_installs_exactly_the_libraries_the_argos_engine_imports():
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    wanted = {requirement.split(">")[0].split("=")[0].strip() for requirement in extra["argos"]}
    engine = ast.parse((ROOT / "src" / "a11ykit" / "translate" / "engines" / "argos.py").read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0] for node in ast.walk(engine) if isinstance(node, ast.Import) for alias in node.names
    }
    imported |= {
        node.module.split(".")[0] for node in ast.walk(engine) if isinstance(node, ast.ImportFrom) and node.module
    }
    third_party = imported - {"a11ykit", *sys.stdlib_module_names}
    assert wanted == third_party == {"ctranslate2", "sentencepiece", "sacremoses"}


def test_an_older_bpe_package_translates_with_argos_translate_unimportable(
    tmp_path_factory: pytest.TempPathFactory, packages: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from a11ykit.translate import packages as models
    from a11ykit.translate.engines.argos import ArgosEngine
    from argos_package import cached_package

    monkeypatch.setitem(sys.modules, "argostranslate", None)  # any import of it would now fail
    bpe_package = cached_package(tmp_path_factory.getbasetemp() / "argos-package-cache", "es", "en", tokenizer="bpe")
    models.install_file(bpe_package, packages)
    sentences = ["Hernández Romero habló con Tim Miller, de The Bulwark."]
    assert ArgosEngine(packages).translate(sentences, "es", "en") == sentences
