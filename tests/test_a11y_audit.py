"""The built example pages in headless Chromium, driven by the keyboard and audited.

* Keyboard: the first Tab reaches the skip link, Enter on it moves on to the article; each of
  the player's chapter buttons, reached with Tab and pressed with Enter or Space, seeks the
  audio to its chapter's start, highlights that chapter's heading and marks its button current.
* Audits: pa11y 9 runs HTML_CodeSniffer (WCAG 2 AA, errors and warnings) and axe-core (WCAG 2
  A/AA and best practices, every impact) over each built page, its chapter list made, and over
  the source page it was built from. Every issue in a built page must be one the source page
  has too (``SOURCE_ISSUES`` lists them, and the source page must have them): a11ykit adds none.

Both pages are built once for the module with audio, served by ``range_server``, and measured by
one run of ``browser/check_navigation.mjs`` and one of ``browser/check_pa11y.mjs`` (puppeteer-core
driving Debian's ``chromium``; the scripts only measure, every assertion is here). Without
``node_modules`` (``npm ci`` not run) these tests are skipped — except under CI (``CI`` set),
where a missing browser or module fails them.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

import a11ykit
from a11ykit.html.localize import SKIP_CLASS
from conftest import EXAMPLES, ROOT, _guarded, _real_connect, _real_connect_ex
from range_server import RangeServer

BROWSER = Path(__file__).resolve().parent / "browser"
NODE_MODULES = ROOT / "node_modules"
NODE_PACKAGES = ("puppeteer-core", "pa11y")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
NODE_TIMEOUT = 180  # seconds; the scripts give up by themselves before
#: page language → the example it is built from
SOURCES = {"es": EXAMPLES / "cecot.html", "en": EXAMPLES / "cecot.es.html"}
LANGS = sorted(SOURCES)
SEEK_TOLERANCE = 0.002  # seconds

#: Issues the example source pages have themselves, not a11ykit's: (runner, type, code) → why.
SOURCE_ISSUES = {
    ("axe", "warning", "landmark-complementary-is-top-level"):
        "the article's closing note is an <aside> inside <main> (#story > aside)",
    ("htmlcs", "warning", "WCAG2AA.Principle1.Guideline1_3.1_3_1.H48"):
        "the lede paragraph has several links, which HTML_CodeSniffer asks to check is not a menu",
}


@dataclass
class Page:
    lang: str
    name: str  # the built page's file name
    navigation: dict  # what check_navigation.mjs measured
    audit: dict  # pa11y on the built page
    source_audit: dict  # pa11y on the page it was built from


def _check_tools() -> str:
    """The node binary; skips (no node_modules, not CI) or fails (anything else missing)."""
    in_ci = bool(os.environ.get("CI"))
    missing = [p for p in NODE_PACKAGES if not (NODE_MODULES / p / "package.json").is_file()]
    if missing and not in_ci and not NODE_MODULES.is_dir():
        pytest.skip(f"browser tests need the npm tools: no {NODE_MODULES} (run `make node` or `npm ci`)")
    problems = []
    if missing:
        problems.append(f"npm packages missing from {NODE_MODULES}: {', '.join(missing)} (run `npm ci`)")
    node = shutil.which("node")
    if node is None:
        problems.append("no `node` on PATH")
    if not os.access(CHROMIUM, os.X_OK):
        problems.append(f"no browser at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)")
    if problems:
        pytest.fail("cannot run the browser tests: " + "; ".join(problems), pytrace=False)
    assert node is not None
    return node


def _run_node(argv: list[str]) -> list[dict]:
    """Run a node script; its output lines as JSON. Past NODE_TIMEOUT, SIGTERM (it then kills its
    browser), then SIGKILL."""
    with subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "CHROMIUM": CHROMIUM},
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=NODE_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.terminate()
            try:
                process.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
            pytest.fail(f"{Path(argv[1]).name} did not finish in {NODE_TIMEOUT} s", pytrace=False)
    if process.returncode != 0:
        pytest.fail(f"{Path(argv[1]).name} crashed (exit {process.returncode}):\n{stderr.strip()}", pytrace=False)
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Page]:
    """Build both pages with audio, serve them beside their sources, drive and audit them."""
    node = _check_tools()
    out = tmp_path_factory.mktemp("audit")
    with pytest.MonkeyPatch.context() as patch:  # the network guard, for this module-scoped work too
        patch.setattr(socket.socket, "connect", _guarded(_real_connect))
        patch.setattr(socket.socket, "connect_ex", _guarded(_real_connect_ex))
        names, sources = {}, {}
        for lang, source in SOURCES.items():
            article = a11ykit.build(source, to=lang, out=out, locales=out / "locales", engine="apertium").save()
            names[lang] = article.settings.outputs.page.name
            sources[lang] = f"source.{source.name}"
            shutil.copyfile(source, out / sources[lang])
        with RangeServer(out) as server:
            navigation = _run_node([node, str(BROWSER / "check_navigation.mjs"), server.url, *names.values()])
            urls = []
            for lang in LANGS:
                urls += [server.url + sources[lang], "--wait-for=.a11y-chapters button", server.url + names[lang]]
            audits = _run_node([node, str(BROWSER / "check_pa11y.mjs"), *urls])
    driven = {result["page"]: result for result in navigation}
    audited = {result["url"].rsplit("/", 1)[-1]: result for result in audits}
    found = {}
    for lang in LANGS:
        for name in (names[lang], sources[lang]):
            result = driven.get(name, {}) if name == names[lang] else {}
            if result.get("error") or audited.get(name, {}).get("error"):
                pytest.fail(f"{name}: the browser check stopped: {result.get('error') or audited[name]['error']}",
                            pytrace=False)
            if name not in audited or (name == names[lang] and name not in driven):
                pytest.fail(f"the browser checks printed nothing for {name}", pytrace=False)
        found[lang] = Page(lang, names[lang], driven[names[lang]], audited[names[lang]], audited[sources[lang]])
    return found


def issues(audit: dict) -> list[dict]:
    """A pa11y result's issues that ask for a fix: HTML_CodeSniffer's errors and warnings (its
    notices are reminders to check something by hand), and every axe-core finding."""
    return [i for i in audit["issues"] if i["runner"] == "axe" or i["type"] != "notice"]


def kind(issue: dict) -> tuple[str, str, str]:
    return issue["runner"], issue["type"], issue["code"]


def describe(found: list[dict]) -> str:
    return "\n".join(f"  {i['runner']} {i['type']} {i['code']} at {i['selector']}: {i['message'][:160]}" for i in found)


# --- the keyboard ----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_the_first_tab_reaches_the_skip_link_shown_when_focused(pages: dict[str, Page], lang: str) -> None:
    skip = pages[lang].navigation["skip"]
    first = skip["first"]
    assert first and SKIP_CLASS in first["classes"], f"{pages[lang].name}: the first Tab focuses {first}"
    assert first["visible"], f"{pages[lang].name}: the focused skip link cannot be seen"


@pytest.mark.parametrize("lang", LANGS)
def test_enter_on_the_skip_link_moves_the_keyboard_into_the_article(pages: dict[str, Page], lang: str) -> None:
    skip = pages[lang].navigation["skip"]
    target = skip["first"]["href"].removeprefix("#")
    assert skip["hash"] == f"#{target}", f"{pages[lang].name}: Enter on the skip link led to {skip['hash']!r}"
    assert skip["next"] and target in skip["next"]["inside"], (
        f"{pages[lang].name}: after the skip link, Tab focuses {skip['next']}, outside #{target}"
    )


@pytest.mark.parametrize("lang", LANGS)
def test_the_player_lists_one_button_per_chapter_in_a_named_nav(pages: dict[str, Page], lang: str) -> None:
    navigation = pages[lang].navigation
    cues = navigation["cues"] or []
    assert cues, f"{pages[lang].name}: the chapters track has no cues"
    assert navigation["nav"] == {"tag": "nav", "label": navigation["nav"]["label"], "hidden": False}
    assert navigation["nav"]["label"].strip()
    assert [(b["cue"], b["text"], b["type"]) for b in navigation["buttons"]] == [
        (cue["id"], cue["text"], "button") for cue in cues
    ]


@pytest.mark.parametrize("lang", LANGS)
def test_each_chapter_button_pressed_with_the_keyboard_seeks_to_its_chapter(pages: dict[str, Page], lang: str) -> None:
    navigation = pages[lang].navigation
    cues = navigation["cues"] or []
    presses = navigation["presses"]
    assert len(presses) == len(cues) and {p["key"] for p in presses} == (
        {"Enter", "Space"} if len(cues) > 1 else {"Enter"}
    )
    wrong = []
    for press, cue in zip(presses, cues, strict=True):
        where = f"  {press['key']} on chapter {cue['id']} (start {cue['start']:.3f} s)"
        if press["focused"] != cue["id"]:
            wrong.append(f"{where}: the keyboard was on {press['focused']!r}")
        if press["how"] == "timeout" or abs(press["currentTime"] - cue["start"]) > SEEK_TOLERANCE:
            wrong.append(f"{where}: the audio is at {press['currentTime']:.3f} s ({press['how']})")
        if press["current"] != [cue["id"]]:
            wrong.append(f"{where}: highlighted {press['current']}")
        if press["ariaCurrent"] != [cue["id"]]:
            wrong.append(f"{where}: buttons marked current {press['ariaCurrent']}")
    assert not wrong, f"{pages[lang].name}: chapter navigation is wrong:\n" + "\n".join(wrong)
    assert navigation["pageErrors"] == [], f"{pages[lang].name}: script errors: {navigation['pageErrors']}"


# --- the audits ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_the_issues_listed_as_the_sources_are_in_the_source_page(pages: dict[str, Page], lang: str) -> None:
    """So the list of the source's issues stays true: each is really found in the source page."""
    found = Counter(kind(i) for i in issues(pages[lang].source_audit))
    missing = [issue for issue in SOURCE_ISSUES if not found[issue]]
    assert not missing, f"source of {pages[lang].name}: listed as the source's but not found there: {missing}"


@pytest.mark.parametrize("runner", ["htmlcs", "axe"])
@pytest.mark.parametrize("lang", LANGS)
def test_the_built_page_has_no_issue_the_source_has_not(pages: dict[str, Page], lang: str, runner: str) -> None:
    page = pages[lang]
    assert page.audit["waitedFor"], "the built page was audited before its chapter list was made"
    source = Counter(kind(i) for i in issues(page.source_audit) if kind(i) in SOURCE_ISSUES)
    ours = []
    for issue in issues(page.audit):
        if issue["runner"] != runner:
            continue
        if source[kind(issue)]:
            source[kind(issue)] -= 1
        else:
            ours.append(issue)
    assert not ours, (
        f"{page.name}: pa11y {page.audit['pa11y']} finds issues a11ykit caused (not in the source page):\n"
        + describe(ours)
    )
