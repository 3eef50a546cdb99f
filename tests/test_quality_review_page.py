"""The review page of the example built with Apertium puts the sentences the quality estimate
flagged first, says each reason next to its sentence, marks the words at fault and offers a
switch back to reading order and a filter by reason (issue #10)."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from conftest import build_example_es


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("review")
    report, out = build_example_es(root)
    page = BeautifulSoup((out / "cecot.es.review.html").read_text(encoding="utf-8"), "html.parser")
    return report, page


def quality_of(report: dict) -> dict[str, dict]:
    return {s["id"]: s["quality"] for s in report["segments"] if "quality" in s}


def test_the_rows_come_worst_first(built):
    report, page = built
    scores = quality_of(report)
    shown = [scores.get(tr["id"], {"score": 1.0})["score"] for tr in page.tbody.find_all("tr")]
    flagged = [tr["id"] for tr in page.tbody.find_all("tr") if tr["data-codes"]]
    assert flagged == [tr["id"] for tr in page.tbody.find_all("tr")][: len(flagged)]
    assert len(flagged) == report["quality"]["flagged"]
    assert shown[: len(flagged)] == sorted(shown[: len(flagged)]) and shown[len(flagged) :] == sorted(
        shown[len(flagged) :]
    )


def test_the_rows_know_their_reading_order_and_their_rank(built):
    report, page = built
    rows = page.tbody.find_all("tr")
    assert [tr["id"] for tr in sorted(rows, key=lambda tr: int(tr["data-order"]))] == [
        s["id"] for s in report["segments"]
    ]
    assert [int(tr["data-rank"]) for tr in rows] == list(range(len(rows)))


def test_each_reason_is_said_next_to_its_sentence_with_its_words_marked(built):
    report, page = built
    for sid, quality in quality_of(report).items():
        row = page.find("tr", id=sid)
        assert row["data-codes"].split() == [r["code"] for r in quality["reasons"]]
        assert f"quality {quality['score']:.2f}" in row.th.get_text()
        cells = row.find_all("td")
        for reason in quality["reasons"]:
            assert f"{reason['code']}: {', '.join(reason['words'])}" in cells[3].get_text()
            where = cells[0] if reason["code"] == "round-trip" else cells[2]
            assert set(reason["words"]) <= {m.get_text() for m in where.find_all("mark")}


def test_nothing_else_is_marked(built):
    report, page = built
    words = {w for q in quality_of(report).values() for r in q["reasons"] for w in r["words"]}
    assert {m.get_text() for m in page.find_all("mark")} == words


def test_the_order_switch_and_the_reason_filter_are_labelled_controls(built):
    report, page = built
    form = page.find("form", id="view")
    for control in form.find_all("select"):
        assert form.find("label", attrs={"for": control["id"]}).get_text().strip()
    assert [o["value"] for o in form.find("select", id="order").find_all("option")] == ["rank", "order"]
    options = {o["value"]: o.get_text() for o in form.find("select", id="reason").find_all("option") if o["value"]}
    assert options == {code: f"{code} ({n})" for code, n in report["quality"]["by_code"].items()}
    assert form.has_attr("hidden")  # shown by the page's script; without it the page stays worst first
    assert re.search(r'getElementById\("view"\)\.hidden = false', page.find("script").get_text())
