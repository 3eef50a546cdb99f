"""The build report: the :class:`~a11ykit.article.Article` serialized as JSON.

The report is a :class:`Report` dataclass made of the article's own dataclasses (units,
violations, problems, the summary, overrides) and turned into JSON by
:func:`dataclasses.asdict`; nothing in it is assembled by hand. Its keys are a public format
(the README lists them; ``a11ykit review check`` and the tests read them back).

This module only describes and serializes; it must not read or write files (the output
layout writes the text it returns) and must not change the article.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from a11ykit.article import Article, Problem, Summary, Unit
from a11ykit.quality.repairs import REPAIRS
from a11ykit.terms.base import Violation
from a11ykit.terms.overrides import Override


@dataclass(frozen=True)
class GlossaryUse:
    path: str
    terms: int
    hits: dict[str, int]  # term key → how often it was found in the page


@dataclass(frozen=True)
class Flagged:
    id: str
    flags: list[str]


@dataclass
class Report:
    """What one build did, in the order the JSON lists it."""

    input: str
    source_lang: str
    target_lang: str
    engine: str
    glossary: GlossaryUse
    summary: Summary
    violations: list[Violation]
    conflicts: list[Violation]
    problems: list[Problem]
    flagged: list[Flagged]
    warnings: list[str]
    segments: list[Unit]
    input_from_report: str  # the input's path relative to the report's folder: who the outputs belong to
    applied_overrides: list[Override]
    proposed_overrides: list[Override]
    catalog: str  # the translators' catalog the build updated
    audio: dict[str, Any] | None = field(default=None)  # what the narration wrote, with audio
    memory: Any = field(default=None)  # with a translation memory: sentences it served (MemoryUse)
    quality: Any = field(default=None)  # the page's quality estimates summed up (PageQuality), when made
    repairs: dict[str, int] = field(default_factory=dict)  # sentences each rule-based repair changed


def make_report(
    article: Article,
    *,
    input_path: Path,
    input_from_report: str,
    glossary_path: Path,
    overrides: list[Override],
    proposed: list[Override],
    catalog_path: Path,
) -> Report:
    glossary = article.settings.glossary
    hits: dict[str, int] = {}
    for unit in article.units:
        for hit in unit.hits:
            hits[hit.term] = hits.get(hit.term, 0) + 1
    return Report(
        input=str(input_path),
        source_lang=article.source,
        target_lang=article.target,
        engine=article.engine,
        glossary=GlossaryUse(str(glossary_path), len(glossary), hits),
        summary=article.summary,
        violations=article.violations,
        conflicts=article.conflicts,
        problems=article.problems,
        flagged=[Flagged(u.id, u.flags) for u in article.flagged],
        warnings=article.warnings,
        segments=article.units,
        input_from_report=input_from_report,
        applied_overrides=[o for o in overrides if o.status == "approved"],
        proposed_overrides=list(proposed),
        catalog=str(catalog_path),
        audio=article.audio,
        memory=article.memory,
        quality=article.quality,
        repairs={name: n for name in REPAIRS if (n := sum(name in u.repairs for u in article.units))},
    )


#: Fields of the dataclasses that stay out of the JSON: where an override was read, and what a
#: unit does not know yet (no quality estimate, no timing without audio) is left out when empty.
_LEFT_OUT = {"line"}
_LEFT_OUT_WHEN_NONE = {"quality", "start", "end", "audio", "memory"}  # a unit's and the page's quality


def _clean(value: Any) -> Any:
    """Plain JSON data from the report's dataclasses, dicts and lists (in one pass: what
    :func:`dataclasses.asdict` gives, without its deep copies)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {name: getattr(value, name) for name in _field_names(type(value))}
    if isinstance(value, dict):
        return {
            k: _clean(v)
            for k, v in value.items()
            if k not in _LEFT_OUT and not (k in _LEFT_OUT_WHEN_NONE and v is None)
        }
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def report_dict(report: Report) -> dict[str, Any]:
    """The report as plain JSON data."""
    return _clean(report)


#: JSON of one value on one line (the C encoder; ``indent`` would use the pure-Python one).
_ONE_LINE = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode


def _records(value: Any, depth: int = 0) -> str:
    """``value`` as JSON with its keys and list items one per line down to the records (a
    segment, a problem), each record on one line: a line per record reads and diffs well, and
    encoding a record at once is about 3× quicker than ``indent``'s line per field."""
    if depth < 2 and value and isinstance(value, (dict, list)):
        inner, outer = "  " * (depth + 1), "  " * depth
        if isinstance(value, dict):
            lines = [f"{inner}{_ONE_LINE(key)}: {_records(item, depth + 1)}" for key, item in value.items()]
            return "{\n" + ",\n".join(lines) + f"\n{outer}}}"
        return "[\n" + ",\n".join(inner + _records(item, depth + 1) for item in value) + f"\n{outer}]"
    return _ONE_LINE(value)


def report_json(report: Report) -> str:
    """The report as JSON text: a key per line, then each record (segment, problem) on a line."""
    return _records(report_dict(report)) + "\n"
