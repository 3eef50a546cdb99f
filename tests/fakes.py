"""Fake engines for unit tests: they follow the Engine contract with known behaviour."""

from __future__ import annotations

import re
from collections.abc import Sequence

from a11ykit.engines.base import LOCK_TOKEN_RE


class IdentityEngine:
    """Returns its input: the rebuilt page must equal the original."""

    name = "identity"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def supports(self, source: str, target: str) -> bool:
        return True

    def describe(self) -> str:
        return "identity (test)"

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        self.calls.append(list(texts))
        return [self.one(t) for t in texts]

    def one(self, text: str) -> str:
        return text


class UpperEngine(IdentityEngine):
    """Upper-cases the words, keeps tags and lock tokens: shows what was translated."""

    name = "upper"

    def one(self, text: str) -> str:
        return re.sub(r"(<[^>]*>)|([^<]+)", lambda m: m.group(1) or m.group(2).upper(), text)


class TokenDroppingEngine(UpperEngine):
    """Loses every lock token (as a neural model may), unless the text is only words."""

    name = "token-dropper"

    def one(self, text: str) -> str:
        return " ".join(LOCK_TOKEN_RE.sub("", super().one(text)).split())


class TagDroppingEngine(UpperEngine):
    """Drops inline tags (as engines that know no markup do)."""

    name = "tag-dropper"

    def one(self, text: str) -> str:
        return " ".join(re.sub(r"</?\d+>", "", super().one(text)).split())


class ReorderingEngine(IdentityEngine):
    """Swaps the first two words of each text and drops tags: placement must follow the words."""

    name = "reorder"

    def one(self, text: str) -> str:
        words = re.sub(r"</?\d+>", "", text).split()
        if len(words) > 2:
            words[0], words[1] = words[1], words[0]
        return " ".join(words)
