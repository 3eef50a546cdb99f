"""Structural comparison of a source page and its translation (shared by the end-to-end tests)."""

from __future__ import annotations

from bs4 import BeautifulSoup

STRUCTURE_TAGS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "figure", "img", "a")


def soup_without_additions(html: str) -> BeautifulSoup:
    """The page without what localisation adds (notice, its style, alternates, sentence spans)."""
    soup = BeautifulSoup(html, "html.parser")
    for extra in soup.select(
        ".a11y-skip, .a11y-notice, #a11y-style, link[rel=alternate], .a11y-listen, "
        "#a11y-player-style, #a11y-player-script"
    ):
        extra.decompose()
    for span in soup.select("span.a11y-s"):
        span.unwrap()
    return soup


def counts(soup: BeautifulSoup) -> dict[str, int]:
    return {tag: len(soup.find_all(tag)) for tag in STRUCTURE_TAGS}


def hrefs(soup: BeautifulSoup) -> list[str]:
    return [a["href"] for a in soup.find_all("a", href=True)]


def raw_blocks(html: str, tag: str) -> list[str]:
    """The exact bytes of each <script> or <style> as they stand in the file."""
    import re

    return re.findall(rf"<{tag}\b[^>]*>.*?</{tag}>", html, flags=re.DOTALL | re.IGNORECASE)


def visible_and_attribute_text(soup: BeautifulSoup) -> str:
    parts = [s for s in soup.find_all(string=True) if s.parent.name not in ("script", "style")]
    for tag in soup.find_all(True):
        for attr in ("alt", "title", "aria-label", "placeholder", "content"):
            if tag.get(attr):
                parts.append(str(tag[attr]))
    return " ".join(parts)
