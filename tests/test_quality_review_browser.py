"""The review page in headless Chromium (issue #10): worst first, the order switch works from the
keyboard, the reason filter shows only that reason's rows, and axe-core finds no violation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import build_example_es
from test_browser import _check_tools, _run_node

SCRIPT = Path(__file__).resolve().parent / "browser" / "check_review.mjs"


@pytest.fixture(scope="module")
def review(tmp_path_factory):
    node = _check_tools()
    root = tmp_path_factory.mktemp("review-browser")
    report, out = build_example_es(root)
    code, stdout, stderr = _run_node([node, str(SCRIPT), str(out / "cecot.es.review.html"), "source-word"])
    assert code == 0, stderr
    return report, json.loads(stdout)


def test_the_page_opens_worst_first_and_switches_to_reading_order_from_the_keyboard(review):
    report, seen = review
    flagged = {s["id"] for s in report["segments"] if s.get("quality", {}).get("reasons")}
    assert seen["formShown"] and set(seen["first"][: len(flagged)]) == flagged
    assert seen["reading"] == [s["id"] for s in report["segments"]]


def test_the_reason_filter_shows_only_that_reasons_sentences(review):
    report, seen = review
    wanted = [s["id"] for s in report["segments"]
              if any(r["code"] == "source-word" for r in s.get("quality", {}).get("reasons", []))]
    assert seen["filtered"] == wanted and seen["status"] == f"{len(wanted)} of {len(report['segments'])} segments shown"


def test_axe_finds_no_violation_and_the_script_no_error(review):
    _, seen = review
    assert seen["axe"] == [] and seen["errors"] == []
