"""``a11ykit review check``: the QA problems of the last build, as an exit code.

Reads the build report and the catalog the build wrote, prints them; decides nothing about them
except whether the page is mostly untranslated or poor: more than ``--max-poor-share`` of its
estimated sentences score below ``--poor-below`` (:mod:`a11ykit.quality`), which fails too."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from a11ykit.article import Problem
from a11ykit.errors import InputError
from a11ykit.l10n import check_language
from a11ykit.layout import DEFAULT_LOCALES, outputs_for
from a11ykit.quality import PageQuality, QualityEstimate, Reason, page_quality
from a11ykit.quality.estimate import MOSTLY_POOR_SHARE, POOR_SCORE
from a11ykit.review.catalog import catalog_stats, read_catalog
from a11ykit.review.checks import has_errors, problem_from_dict

DEFAULT_OUT = Path("out")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "review",
        help="check a built page and its translators' catalog",
        description="Review what the last build of a page produced.",
    )
    sub = p.add_subparsers(dest="review_command", metavar="ACTION", parser_class=type(p))
    sub.required = True
    check = sub.add_parser(
        "check",
        help="print the QA problems of the last build; exit 1 if any is an error or the page is mostly poor",
        description="Read DIR/<stem>.<lang>.report.json written by 'a11ykit build', print its QA "
        "problems, its quality estimate and the state of the PO catalog. Exit 0 when no problem is "
        "an error and the page is not mostly untranslated or poor, 1 when one is or it is, 2 when "
        "there is no usable report.",
    )
    check.add_argument("input", type=Path, metavar="INPUT.html", help="the article page that was built")
    check.add_argument(
        "--to", required=True, dest="target", metavar="LANG", help="target language of the build: es or en"
    )
    check.add_argument("--locales", default=DEFAULT_LOCALES, type=Path, metavar="DIR",
                       help=f"translators' catalogs folder (default: {DEFAULT_LOCALES}/)")
    check.add_argument("--out", default=DEFAULT_OUT, type=Path, metavar="DIR",
                       help=f"the build's output folder (default: {DEFAULT_OUT}/)")
    check.add_argument("--poor-below", type=_share, default=POOR_SCORE, metavar="SCORE",
                       help=f"a sentence whose quality score is below SCORE (0 to 1) is poor (default: {POOR_SCORE})")
    check.add_argument("--max-poor-share", type=_share, default=MOSTLY_POOR_SHARE, metavar="SHARE",
                       help="fail when more than SHARE (0 to 1) of the page's estimated sentences are poor "
                       f"(default: {MOSTLY_POOR_SHARE})")
    check.set_defaults(func=run_check)


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number from 0 to 1: {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"not a number from 0 to 1: {text!r}")
    return value


def load_estimates(report_path: Path) -> list[QualityEstimate]:
    """The quality estimates of a build report's sentences (none when it was built without)."""
    data = json.loads(report_path.read_text(encoding="utf-8"))
    try:
        return [
            QualityEstimate(
                float(s["quality"]["score"]),
                tuple(
                    Reason(r["code"], tuple(r.get("words", ())), r.get("detail", "")) for r in s["quality"]["reasons"]
                ),
            )
            for s in data.get("segments", [])
            if isinstance(s, dict) and s.get("quality") is not None
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{report_path}: a sentence's quality estimate is malformed ({exc})", code="A11Y111") from None


def format_quality(page: PageQuality, poor_below: float) -> str:
    reasons = ", ".join(f"{code} {n}" for code, n in sorted(page.by_code.items(), key=lambda kv: -kv[1]))
    return (
        f"quality: {page.flagged} of {page.sentences} sentence(s) flagged"
        + (f" ({reasons})" if reasons else "")
        + f"; {page.poor} score below {poor_below:g}; mean score {page.mean_score:.2f}"
    )


def load_problems(report_path: Path, build_hint: str) -> list[Problem]:
    """The ``problems`` of a build report; InputError when it is missing or unusable."""
    try:
        data = json.loads(report_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"no build report at {report_path}; run '{build_hint}' first", code="A11Y110") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{report_path}: cannot read the report ({exc})", code="A11Y111") from None
    problems = data.get("problems") if isinstance(data, dict) else None
    if not isinstance(problems, list):
        raise InputError(
            f"{report_path}: the report has no 'problems' list; run '{build_hint}' again", code="A11Y111"
        )
    try:
        return [problem_from_dict(p) for p in problems]
    except InputError as exc:
        raise InputError(f"{report_path}: {exc}", code="A11Y111") from None


def format_problem(p: Problem) -> str:
    where = p.segment_id or "page"
    return f"{p.severity:7} {p.code:17} {where}: {p.message}"


def run_check(args: argparse.Namespace) -> int:
    target = check_language(args.target, "target language")
    paths = outputs_for(args.input, target, args.out, args.locales)
    stem, report_path = paths.stem, paths.report
    problems = load_problems(report_path, f"a11ykit build {args.input} --to {target} --out {args.out}")
    for p in problems:
        print(format_problem(p))
    errors = sum(1 for p in problems if p.severity == "error")
    print(f"{stem} → {target}: {errors} error(s), {len(problems) - errors} warning(s)")
    po = paths.catalog
    if po.is_file():
        with po.open("rb") as f:
            stats = catalog_stats(read_catalog(f))
        print(
            f"catalog {po}: {stats['approved']} approved, {stats['fuzzy']} to review (fuzzy), "
            f"{stats['untranslated']} untranslated, {stats['obsolete']} obsolete"
        )
    review_page = paths.review
    if review_page.is_file():
        print(f"review page: {review_page}")
    estimates = load_estimates(report_path)
    poor = False
    if estimates:
        page = page_quality(estimates, poor_below=args.poor_below)
        print(format_quality(page, args.poor_below))
        poor = page.mostly_poor(args.max_poor_share)
        if poor:
            print(
                f"{stem} → {target}: FAILED: the page is mostly untranslated or poor: {page.poor} of "
                f"{page.sentences} sentence(s) score below {args.poor_below:g} (more than "
                f"{args.max_poor_share:.0%}; see --poor-below and --max-poor-share)"
            )
    return 1 if has_errors(problems) or poor else 0
