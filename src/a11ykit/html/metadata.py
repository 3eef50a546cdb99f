"""What a page says about itself: its title, author, publisher, address and metas.

This module owns reading those from a parsed page, the same way for every output that
needs them (the talking book's metadata, the narration files' tags). It only reads the
page; it must not change it, and knows nothing of the outputs.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag

from a11ykit.html.find import first, has_token, matches_token, named

_BYLINE = re.compile(r"\b(author|byline__name)\b")
_COPYRIGHT = re.compile(r"(?:©|\(c\)|copyright)\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?)?\s*,?\s*([^.,;|]+)", re.I)


def text_of(node: Tag) -> str:
    """An element's text, whitespace collapsed."""
    return " ".join(node.get_text().split())


def meta(soup: BeautifulSoup, *keys: str) -> str | None:
    """The first non-empty ``content`` of a ``<meta>`` named (name, property or itemprop) one of ``keys``."""
    metas = [tag for tag in soup.find_all("meta") if isinstance(tag, Tag)]  # one walk of the page
    for key in keys:
        for attr in ("name", "property", "itemprop"):
            tag = next((t for t in metas if t.get(attr) == key), None)  # the first, as soup.find gives
            if tag is not None and str(tag.get("content") or "").strip():
                return " ".join(str(tag["content"]).split())
    return None


def read_root(soup: BeautifulSoup) -> Tag:
    """What the narration reads: the article, else the main, else the body."""
    return first(soup, named("article"), named("main"), named("body")) or soup


def page_title(soup: BeautifulSoup) -> str:
    """The headline (the first ``<h1>``), else the ``<title>``, else ``""``."""
    h1 = soup.find("h1")
    if isinstance(h1, Tag) and text_of(h1):
        return text_of(h1)
    return text_of(soup.title) if isinstance(soup.title, Tag) else ""


def page_author(soup: BeautifulSoup, root: Tag | None = None) -> str | None:
    """The author: an author meta that is not a link, else a ``rel=author`` or byline element."""
    found = meta(soup, "author", "article:author", "dc.creator", "DC.creator")
    if found and not urlsplit(found).scheme:
        return found
    for scope in (root if root is not None else read_root(soup), soup):
        tag = first(scope, lambda el: has_token(el, "rel", "author"), lambda el: matches_token(el, "class", _BYLINE))
        if tag is not None and text_of(tag):
            return text_of(tag)
    return None


def page_publisher(soup: BeautifulSoup) -> str | None:
    """The publisher: a publisher or site-name meta, else the name in the footer's copyright line."""
    found = meta(soup, "publisher", "og:site_name", "application-name", "dc.publisher", "DC.publisher")
    if found:
        return found
    footer = soup.find("footer")
    if isinstance(footer, Tag):
        match = _COPYRIGHT.search(text_of(footer))
        if match and match.group(1).strip():
            return match.group(1).strip()
    return None


def page_address(soup: BeautifulSoup) -> str | None:
    """The page's own http(s) address: its canonical link, else ``og:url``."""
    link = soup.find("link", rel="canonical")
    href = str(link.get("href") or "") if isinstance(link, Tag) else ""
    href = href or meta(soup, "og:url") or ""
    return href if urlsplit(href).scheme in ("http", "https") else None


def original_address(soup: BeautifulSoup) -> str | None:
    """Where a translated page's original is: its ``hreflang`` alternate in another language
    than the page's, else the page's own address."""
    lang = str(soup.html.get("lang") or "") if isinstance(soup.html, Tag) else ""
    for link in soup.find_all("link", rel="alternate"):
        hreflang = str(link.get("hreflang") or "")
        href = str(link.get("href") or "")
        if href and hreflang and hreflang.split("-")[0].lower() != lang.split("-")[0].lower():
            return href
    return page_address(soup)
