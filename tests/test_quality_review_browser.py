"""The review page in headless Chromium (issue #10): worst first, the order switch works from the
keyboard, the reason filter shows only that reason's rows, and axe-core finds no violation."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES
from test_browser import _check_tools, _run_node

SCRIPT = Path(__file__).resolve().parent / "browser" / "check_review.mjs"


@pytest.fixture(scope="module")
def review(tmp_path_factory):
    node = _check_tools()
    root = tmp_path_factory.mktemp("review-browser")
    done = subprocess.run(
        [sys.executable, "-m", "a11ykit", "build", str(EXAMPLES / "cecot.html"), "--to", "es", "--engine", "apertium",
         "--no-audio", "--out", str(root / "out"), "--locales", str(root / "locales")],
        capture_output=True, text=True, cwd=root, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((root / "out" / "cecot.es.report.json").read_text(encoding="utf-8"))
    code, stdout, stderr = _run_node([node, str(SCRIPT), str(root / "out" / "cecot.es.review.html"), "source-word"])
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
