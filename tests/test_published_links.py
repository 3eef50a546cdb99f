"""Links a11ykit writes work once the output folder is published on its own.

The notice's "Read the original", the language switcher and the ``hreflang`` alternates
point at the original's own address (``<link rel=canonical>``, ``og:url``), else at
``--original-url``, else at the translated sibling ``<stem>.<lang>.html`` in the same
folder (with a warning). Paths are URL-encoded; nothing a11ykit writes leaves the output
folder by a relative path or carries a scheme other than http(s).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

from a11ykit.cli import main
from a11ykit.html.player import player_fragment

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
STORY = (
    "<!DOCTYPE html><html lang='en'><head>{head}<title>The vote</title></head>"
    "<body><p>The council held the vote today.</p></body></html>"
)


def build(capsys, page: Path, out: Path, *extra: str, target: str = "es", audio: bool = False) -> tuple[int, str]:
    argv = ["build", str(page), "--to", target, "--engine", "apertium", "--out", str(out),
            "--locales", str(out.parent / "locales"), *extra]
    if not audio:
        argv.append("--no-audio")
    code = main(argv)
    return code, capsys.readouterr().err


def story(tmp_path: Path, head: str = "", name: str = "story.html") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(STORY.format(head=head), encoding="utf-8")
    return path


def references(html: str) -> list[tuple[str, str]]:
    """(element name, value) of every href and src on a page."""
    soup = BeautifulSoup(html, "html.parser")
    return [(tag.name, str(tag[a])) for tag in soup.find_all(True) for a in ("href", "src") if tag.get(a) is not None]


def notice_links(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    notice = soup.find(class_="a11y-notice")
    alternates = [str(link["href"]) for link in soup.find_all("link", rel="alternate", hreflang="en")]
    return [str(a["href"]) for a in notice.find_all("a", href=True)] + alternates


def local_path(value: str) -> str | None:
    """The file a relative reference names, or None for an address elsewhere (scheme, host,
    site root, fragment only)."""
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
        return None
    return unquote(parts.path)


# --- make demo: both examples into one folder ------------------------------------------------


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What `make demo` writes (audio included), in a folder of its own."""
    base = tmp_path_factory.mktemp("demo")
    for page, target in ((EXAMPLES / "cecot.html", "es"), (EXAMPLES / "cecot.es.html", "en")):
        code = main(
            ["build", str(page), "--to", target, "--out", str(base / "out"), "--locales", str(base / "locales")]
        )
        assert code == 0
    return base / "out"


def test_demo_output_has_no_local_link_that_404s(demo_out):
    sources = {name: {v for _, v in references((EXAMPLES / name).read_text(encoding="utf-8"))}
               for name in ("cecot.html", "cecot.es.html")}
    broken = []
    for page in sorted(demo_out.glob("*.html")):
        for element, value in references(page.read_text(encoding="utf-8")):
            path = local_path(value)
            if path is None or (demo_out / path).is_file():
                continue
            # A reference the source itself had and that is broken next to the source too
            # (the example's picture is not shipped) is the article's, not a11ykit's.
            if any(value in refs and not (EXAMPLES / path).is_file() for refs in sources.values()):
                continue
            broken.append((page.name, element, value))
    assert broken == []


def test_demo_pages_link_each_other_as_the_original(demo_out):
    assert set(notice_links((demo_out / "cecot.es.html").read_text(encoding="utf-8"))) == {"cecot.en.html"}


def test_unknown_original_address_is_a_warning_in_the_report(demo_out):
    report = json.loads((demo_out / "cecot.es.report.json").read_text(encoding="utf-8"))
    assert any("original's address is unknown" in w for w in report["warnings"])


# --- where the original is -------------------------------------------------------------------


@pytest.mark.parametrize(
    "head",
    [
        '<link rel="canonical" href="https://news.example.org/2026/vote">',
        '<meta property="og:url" content="https://news.example.org/2026/vote">',
        '<link rel="canonical" href="https://news.example.org/2026/vote"><meta property="og:url" content="https://elsewhere.example/">',
    ],
    ids=["canonical", "og-url", "canonical-first"],
)
def test_the_page_own_address_is_the_original(capsys, tmp_path, head):
    code, err = build(capsys, story(tmp_path, head), tmp_path / "out")
    assert code == 0, err
    assert set(notice_links((tmp_path / "out" / "story.es.html").read_text())) == {"https://news.example.org/2026/vote"}
    assert "address is unknown" not in err


def test_original_url_option_is_used_when_the_page_declares_none(capsys, tmp_path):
    code, err = build(capsys, story(tmp_path), tmp_path / "out", "--original-url", "https://news.example.org/vote")
    assert code == 0, err
    assert set(notice_links((tmp_path / "out" / "story.es.html").read_text())) == {"https://news.example.org/vote"}


def test_a_relative_canonical_or_a_script_address_is_not_the_original(capsys, tmp_path):
    head = '<link rel="canonical" href="javascript:alert(1)"><meta property="og:url" content="../story.html">'
    code, err = build(capsys, story(tmp_path, head), tmp_path / "out")
    assert code == 0, err
    assert set(notice_links((tmp_path / "out" / "story.es.html").read_text())) == {"story.en.html"}
    assert "address is unknown" in err


@pytest.mark.parametrize(
    "url", ["javascript:alert(document.domain)", "data:text/html,<b>x</b>", "../examples/cecot.html", "/etc/passwd",
            "//evil.example/x", "file:///etc/passwd", "https://", "a b.html"],
)
def test_a_bad_original_url_is_refused_with_one_line(capsys, tmp_path, url):
    code, err = build(capsys, story(tmp_path), tmp_path / "out", "--original-url", url)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "[A11Y170]" in err
    assert not (tmp_path / "out").exists()


def test_no_link_a11ykit_writes_leaves_the_output_folder(capsys, tmp_path):
    page = story(tmp_path / "site" / "articles")
    code, err = build(capsys, page, tmp_path / "public" / "es")
    assert code == 0, err
    html = (tmp_path / "public" / "es" / "story.es.html").read_text()
    written = [v for _, v in references(html) if v not in {v for _, v in references(page.read_text())}]
    assert written
    for value in written:
        path = local_path(value)
        assert path is not None and ".." not in path.split("/") and "/" not in path


# --- issue 9, case 11: paths into links ---------------------------------------------------------


@pytest.mark.parametrize("name", ["a#b.html", "100%.html", "what?.html", "x y&z.html", "café.html"])
def test_file_names_are_url_encoded_in_every_link(capsys, tmp_path, name):
    page = story(tmp_path, name=name)
    code, err = build(capsys, page, tmp_path / "out")
    assert code == 0, err
    stem = name[: -len(".html")]
    html = (tmp_path / "out" / f"{stem}.es.html").read_text()
    written = {local_path(v) for v in notice_links(html)} | {
        local_path(str(link["href"])) for link in BeautifulSoup(html, "html.parser").find_all("link", hreflang="es")
    }
    assert written == {f"{stem}.en.html", f"{stem}.es.html"}  # decoded, they name exactly these files
    for value in notice_links(html):
        assert not set("#? &") & set(value) and re.fullmatch(r"(?:[^%]|%[0-9A-F]{2})*", value)


@pytest.mark.parametrize("stem", ["a#b", "100%", "what?", "javascript:alert(1)"])
def test_player_sources_and_downloads_are_url_encoded(stem):
    labels = {k: k for k in ("listen", "fallback", "opus", "mp3", "captions", "chapters")}
    html = player_fragment(lang="es", stem=stem, labels=labels)
    for _, value in references(html):
        assert urlsplit(value).scheme == "" and local_path(value).startswith(f"{stem}.es.")


@pytest.mark.parametrize("name", ["javascript:alert(document.domain)/story.html", "javascript:alert(1).html"])
def test_a_script_url_in_a_path_never_becomes_a_link(capsys, tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    page = story(tmp_path, name=name)
    shutil.copy(page, tmp_path / "copy.html")
    for out in (Path("."), page.parent, Path("out")):
        code, err = build(capsys, Path(name), out)
        assert code == 0, err
        for built in out.glob("*.es*.html"):
            for _, value in references(built.read_text()):
                assert urlsplit(value.strip()).scheme in ("", "http", "https"), value


def test_no_scheme_a11ykit_writes_is_other_than_http(demo_out):
    source_schemes = {urlsplit(v).scheme for name in ("cecot.html", "cecot.es.html")
                      for _, v in references((EXAMPLES / name).read_text(encoding="utf-8"))}
    for page in demo_out.glob("*.html"):
        schemes = {urlsplit(v).scheme for _, v in references(page.read_text(encoding="utf-8"))}
        assert schemes <= source_schemes | {"", "http", "https"}
