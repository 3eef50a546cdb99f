"""The report's JSON text: a line per key of the report, a line per record (a segment, a problem)
in its lists, and nothing lost on the way."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from a11ykit.api import build
from conftest import EXAMPLES


@pytest.fixture(scope="module")
def report_text(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("report")
    article = build(EXAMPLES / "cecot.html", to="es", engine="apertium", out=root / "out", locales=root / "locales",
                    audio=False).save()
    return Path(article.settings.outputs.report).read_text(encoding="utf-8")


def test_the_report_reads_back_as_the_data_it_was_made_from(report_text: str) -> None:
    report = json.loads(report_text)
    assert report["summary"]["segments"] == len(report["segments"]) > 30
    assert report_text.endswith("}\n")


def test_each_record_of_a_list_is_one_line(report_text: str) -> None:
    report = json.loads(report_text)
    lists = {key: records for key, records in report.items() if isinstance(records, list) and records}
    assert "segments" in lists
    lines = report_text.splitlines()
    for key, records in lists.items():
        start = lines.index(f'  "{key}": [')
        assert [json.loads(line.strip().rstrip(",")) for line in lines[start + 1 : start + 1 + len(records)]] == records
        assert lines[start + 1 + len(records)] in ("  ],", "  ]")


def test_each_key_of_the_report_and_of_its_sections_is_one_line(report_text: str) -> None:
    lines = report_text.splitlines()
    report = json.loads(report_text)
    assert lines[0] == "{" and lines[-1] == "}"
    keys = [json.loads(line.split(": ", 1)[0]) for line in lines if line.startswith('  "')]
    assert keys == list(report)
    assert f'    "sentences": {report["summary"]["sentences"]},' in lines
