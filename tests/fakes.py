"""Fake engines for unit tests: they follow the Engine contract with known behaviour."""

from __future__ import annotations

import re
from collections.abc import Sequence

from a11ykit.translate.engines.base import LOCK_TOKEN_RE


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


HOSTILE_TEXTS = (
    "<script>alert(1)</script>",
    "&lt;b&gt;",
    '"><img src=x onerror=alert(1)>',
    "</p><p>",
    "&amp;lt;i&amp;gt;",
)
_TAG = re.compile(r"</?\d+/?>")
_TOKEN = re.compile(r"QZX[A-Z]+", re.IGNORECASE)


class AdversarialEngine(IdentityEngine):
    """Breaks the engine contract in every way an engine has been seen to, deterministically
    for a seed: it drops, repeats, swaps, glues and re-cases lock tokens; drops, moves and
    repeats tags; returns empty strings and text that looks like HTML; and returns more or
    fewer outputs than it was given. ``moves`` limits it to some of :data:`MOVES`."""

    name = "adversarial"
    MOVES = (
        "drop-token", "repeat-token", "swap-tokens", "glue-token", "recase-token", "empty",
        "drop-tags", "move-tag", "repeat-tag", "hostile", "swap-words", "upper",
    )
    BATCH_MOVES = ("more", "fewer")

    def __init__(
        self,
        seed: int = 0,
        moves: Sequence[str] | None = None,
        batch_moves: Sequence[str] | None = None,
        batch_rate: float = 0.3,
    ) -> None:
        super().__init__()
        self.seed = seed
        self.batch_rate = batch_rate
        self.moves = tuple(moves) if moves is not None else self.MOVES
        self.batch_moves = (
            tuple(batch_moves) if batch_moves is not None else (self.BATCH_MOVES if moves is None else ())
        )
        self.done: list[str] = []  # every move made, for test messages

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        import random

        call = len(self.calls)
        self.calls.append(list(texts))
        outputs = [self._break(random.Random(f"{self.seed}|{call}|{i}|{t}"), t) for i, t in enumerate(texts)]
        rng = random.Random(f"{self.seed}|{call}|batch")
        if self.batch_moves and rng.random() < self.batch_rate:
            move = rng.choice(self.batch_moves)
            self.done.append(move)
            if move == "more":
                outputs.insert(rng.randrange(len(outputs) + 1), rng.choice(HOSTILE_TEXTS))
            elif outputs:
                del outputs[rng.randrange(len(outputs))]
        return outputs

    def _break(self, rng, text: str) -> str:
        for _ in range(rng.randint(0 if self.moves == self.MOVES else 1, 3)):
            move = rng.choice(self.moves)
            self.done.append(move)
            text = getattr(self, "_" + move.replace("-", "_"))(rng, text)
        return text

    @staticmethod
    def _pick(rng, pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
        found = list(pattern.finditer(text))
        return rng.choice(found) if found else None

    def _drop_token(self, rng, text: str) -> str:
        m = self._pick(rng, _TOKEN, text)
        return text[: m.start()] + text[m.end() :] if m else text

    def _repeat_token(self, rng, text: str) -> str:
        m = self._pick(rng, _TOKEN, text)
        if not m:
            return text
        spaces = [i for i, c in enumerate(text) if c == " "] or [len(text)]
        at = rng.choice(spaces)
        return text[:at] + " " + m.group(0) + text[at:]

    def _swap_tokens(self, rng, text: str) -> str:
        found = list(_TOKEN.finditer(text))
        if len(found) < 2:
            return text
        a, b = rng.sample(found, 2)
        a, b = sorted((a, b), key=lambda m: m.start())
        return text[: a.start()] + b.group(0) + text[a.end() : b.start()] + a.group(0) + text[b.end() :]

    def _glue_token(self, rng, text: str) -> str:
        m = self._pick(rng, _TOKEN, text)
        if not m:
            return text
        if rng.random() < 0.5:
            return text[: m.end()] + text[m.end() :].lstrip(" ")
        return text[: m.start()].rstrip(" ") + text[m.start() :]

    def _recase_token(self, rng, text: str) -> str:
        m = self._pick(rng, _TOKEN, text)
        if not m:
            return text
        form = rng.choice([str.lower, str.title, str.swapcase])(m.group(0))
        return text[: m.start()] + form + text[m.end() :]

    def _empty(self, rng, text: str) -> str:
        return ""

    def _drop_tags(self, rng, text: str) -> str:
        return " ".join(re.sub(r"</?\d+>", "", text).split())

    def _move_tag(self, rng, text: str) -> str:
        m = self._pick(rng, _TAG, text)
        if not m:
            return text
        rest = text[: m.start()] + text[m.end() :]
        at = rng.randrange(len(rest) + 1)
        return rest[:at] + m.group(0) + rest[at:]

    def _repeat_tag(self, rng, text: str) -> str:
        m = self._pick(rng, _TAG, text)
        if not m:
            return text
        at = rng.randrange(len(text) + 1)
        return text[:at] + m.group(0) + text[at:]

    def _hostile(self, rng, text: str) -> str:
        at = rng.randrange(len(text) + 1)
        return text[:at] + rng.choice(HOSTILE_TEXTS) + text[at:]

    def _swap_words(self, rng, text: str) -> str:
        words = text.split(" ")
        if len(words) > 2:
            i = rng.randrange(len(words) - 1)
            words[i], words[i + 1] = words[i + 1], words[i]
        return " ".join(words)

    def _upper(self, rng, text: str) -> str:
        return UpperEngine().one(text)
