"""Behaviour every real translation engine must show (subclass once per engine)."""

from __future__ import annotations

from a11ykit.translate.engines.base import Engine


class EngineContract:
    """Subclass with an ``engine`` fixture returning a ready engine, and ``pair``."""

    pair = ("en", "es")

    def test_returns_one_string_per_input_in_order(self, engine: Engine):
        out = engine.translate(["The house is red.", "Good morning.", "The house is red."], *self.pair)
        assert len(out) == 3
        assert out[0] == out[2]
        assert out[0] != out[1]

    def test_an_empty_batch_costs_nothing_and_returns_nothing(self, engine: Engine):
        assert engine.translate([], *self.pair) == []

    def test_lock_tokens_come_back_unchanged(self, engine: Engine):
        (out,) = engine.translate(["The QZXA said that QZXB is closed."], *self.pair)
        assert "QZXA" in out and "QZXB" in out

    def test_output_is_one_line_without_tabs(self, engine: Engine):
        for out in engine.translate(["First sentence.", "Second one, with a comma."], *self.pair):
            assert "\n" not in out and "\t" not in out
            assert out == out.strip()

    def test_describe_names_the_engine(self, engine: Engine):
        assert engine.name in engine.describe()

    def test_supports_its_pair(self, engine: Engine):
        assert engine.supports(*self.pair)
