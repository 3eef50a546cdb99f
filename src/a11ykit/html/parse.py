"""Parse a page: bytes into a tree the way a browser builds it, then into units.

:func:`parse_page` decodes the bytes (:mod:`a11ykit.html.decode`), builds the tree with
html.parser corrected where browsers differ (end tags out of scope, ``</br>``, ``<p/>``, an
unclosed script), refuses pages nested deeper than browsers nest, and cuts the tree into
units (:mod:`a11ykit.html.segment`). This module must not change the tree, translate or
render.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.entities import html5

from bs4 import BeautifulSoup, Tag
from bs4.builder._htmlparser import BeautifulSoupHTMLParser, HTMLParserTreeBuilder

from a11ykit.article import Unit
from a11ykit.errors import InputError
from a11ykit.html.decode import decode_html
from a11ykit.html.segment import AttributeSlot, Run, segment


@dataclass
class ParsedPage:
    soup: BeautifulSoup
    units: list[Unit]  # in reading order: each run's sentences, then the attributes
    lang: str  # the language the page says it is in ("en" if it does not say)
    title: str
    runs: list[Run]
    attributes: list[AttributeSlot]
    encoding: str
    warnings: list[str] = field(default_factory=list)


def parse_page(data: bytes, *, lang: str | None = None, name: str = "input") -> ParsedPage:
    """Decode, parse and segment a page. ``lang`` overrides the page's own ``lang``."""
    decoded = decode_html(data, name)
    soup = read_html(decoded.text)
    depth = nesting_depth(soup)
    if depth > MAX_DEPTH:
        raise InputError(
            f"{name}: elements nested {depth} deep; a11ykit reads pages nested at most {MAX_DEPTH} deep", code="A11Y109"
        )
    page_lang = lang or declared_language(soup) or "en"
    units, runs, attributes = segment(soup, page_lang)
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    return ParsedPage(soup, units, page_lang, title, runs, attributes, decoded.encoding, decoded.warnings)


#: What limits an end tag's reach in the HTML5 parsing algorithm ("has an element in scope").
_SCOPE = frozenset("applet caption html table td th marquee object template svg math".split())
_TABLE_SCOPE = frozenset("html table template".split())
_TABLE_PARTS = frozenset("table caption tbody thead tfoot tr td th".split())


class _BrowserEndTags(BeautifulSoupHTMLParser):
    """html.parser as bs4 drives it, but end tags that a browser turns into elements do so:
    ``</br>`` is a line break, and ``</p>`` with no paragraph open is an empty paragraph."""

    def handle_entityref(self, name: str) -> None:
        # As bs4 does, from the same table (see _named_character).
        character = _named_character(name)
        self.handle_data(character if character is not None else f"&{name}")

    def handle_endtag(self, tag: str, check_already_closed: bool = True) -> None:
        stray_p = tag == "p" and not any(t.name == "p" for t in self.soup.tagStack)
        if check_already_closed and (tag == "br" or stray_p):
            self.handle_startendtag(tag, [])
            return
        if check_already_closed and tag not in ("p", "body", "html") and not self._in_scope(tag):
            return  # a browser ignores an end tag whose element is not open in scope (e.g. across a table)
        super().handle_endtag(tag, check_already_closed)

    def _in_scope(self, tag: str) -> bool:
        boundaries = _TABLE_SCOPE if tag in _TABLE_PARTS else _SCOPE
        for open_tag in reversed(self.soup.tagStack):
            if open_tag.name == tag:
                return True
            if open_tag.name in boundaries:
                return False
        return False

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # "<p/>" in an HTML page opens a paragraph, as in a browser (the slash means nothing
        # there); in XHTML and inside <svg> or <math> the element is empty.
        foreign = any(t.name in ("svg", "math") for t in self.soup.tagStack)
        if tag not in VOID_TAGS and not foreign and not getattr(self.soup.builder, "xhtml", False):
            self.handle_starttag(tag, attrs)
            return
        super().handle_startendtag(tag, attrs)

    def close(self) -> None:
        # A <script> or <style> left open at the end of the file: html.parser would drop its
        # text; a browser keeps it as the element's content.
        if self.cdata_elem is not None and self.rawdata:
            self.handle_data(self.rawdata)
            self.rawdata = ""
        super().close()


def _named_character(name: str) -> str | None:
    """What bs4's ``EntitySubstitution.HTML_ENTITY_TO_CHARACTER`` gives ``name`` (HTML5's
    names with and without ";", the one without first), looked up without that table: bs4
    builds it together with the expressions it writes entities with, whose compiling took
    50 ms of each process that read a page with a named entity, and a page read here is
    written without them."""
    return html5.get(name, html5.get(f"{name};"))


class _PageBuilder(HTMLParserTreeBuilder):
    xhtml = False  #: the page declares the XHTML namespace: "<p/>" is an empty element
    def feed(self, markup: str | bytes, _parser_class: type[BeautifulSoupHTMLParser] = _BrowserEndTags) -> None:
        super().feed(markup, _parser_class=_parser_class)


#: Text that keeps its white space as it is: the whole document (white space inside a script,
#: a style or a ``white-space: pre`` element is content; bs4 would turn blank strings into "\n").
_KEEP_WHITESPACE = frozenset({"html", "head", "body", "pre", "textarea", "script", "style"})


#: How deep elements may nest (browsers' HTML parsers stop nesting at 512 as well).
MAX_DEPTH = 512


def nesting_depth(soup: BeautifulSoup) -> int:
    """How many elements deep the page's deepest element sits (counted without recursion)."""
    deepest = 0
    stack: list[tuple[Tag, int]] = [(soup, 0)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.contents if isinstance(child, Tag))
    return deepest


VOID_TAGS = frozenset(
    "area base br col embed hr img input link meta source track wbr param keygen frame basefont".split()
)
_XHTML = re.compile(r"<html[^>]*xmlns=[\"']http://www\.w3\.org/1999/xhtml", re.IGNORECASE)


def read_html(text: str) -> BeautifulSoup:
    """The page's tree: html.parser, keeping every string as written."""
    # A repeated attribute: the first one counts, as in a browser.
    builder = _PageBuilder(preserve_whitespace_tags=_KEEP_WHITESPACE, on_duplicate_attribute="ignore")
    builder.xhtml = bool(_XHTML.search(text[:4096]))
    return BeautifulSoup(text, builder=builder)


def declared_language(soup: BeautifulSoup) -> str | None:
    html = soup.find("html")
    value = html.get("lang") if isinstance(html, Tag) else None
    if isinstance(value, str) and value.strip():
        return value.strip().split("-")[0].lower()
    return None
