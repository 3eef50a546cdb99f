"""A built page → the book's content: XHTML parts, headings, images and metadata.

This module owns what of a built page goes into the book and how it becomes XHTML.
It must not change the page, write files or know the container's layout (that is
:mod:`a11ykit.epub.book`).

What goes in: the translation notice (its message, without the language switcher),
then what the narration reads — the ``<article>`` (else ``<main>``, else ``<body>``)
— cut into one part per top-level section (a direct ``<h2>`` or ``<section>`` starts
one; an article without them is one part). What stays out: scripts, styles, the
audio player, forms and embedded media, and the site's own header, menus and footer
(they are outside the article). Elements are kept with a small set of attributes:
ids, classes, ``lang`` (written as ``lang`` and ``xml:lang``), ``title`` (the
glossary's ``<abbr>`` expansions), ``datetime``, table spans, ARIA.

Links: ``#fragment`` links to an element in the book point at its part; ``http(s)``
and ``mailto`` links stay; any other link (relative to the web site, or to a local
file such as the original page) cannot work in a book and becomes a ``<span>`` with
the same words. Images: a relative ``src`` that ``find_image`` can read, and that is
a JPEG, PNG or GIF, is embedded; any other image becomes its description as text
(what the narration says for it), or nothing when it has no description.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import cast
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString

from a11ykit.errors import InputError
from a11ykit.html.localize import NOTICE_CLASS
from a11ykit.html.metadata import meta as _meta
from a11ykit.html.metadata import page_address as _canonical
from a11ykit.html.metadata import page_author as _author
from a11ykit.html.metadata import page_publisher as _publisher
from a11ykit.html.metadata import read_root
from a11ykit.html.metadata import text_of as _text
from a11ykit.html.reading import PLAYER_CLASS, speakable
from a11ykit.html.render import SENTENCE_CLASS
from a11ykit.speech.captions import Cue

XHTML_NS = "http://www.w3.org/1999/xhtml"
XML_LANG = "xml:lang"  # names are written as they are: the root declares the namespaces

#: Elements a content document keeps (with their words).
KEPT = frozenset(
    "a abbr address article aside b bdi bdo blockquote br caption cite code col colgroup data dd del dfn div "
    "dl dt em figcaption figure footer h1 h2 h3 h4 h5 h6 header hr i img ins kbd li mark nav ol p pre q rp rt "
    "ruby s samp section small span strong sub sup table tbody td tfoot th thead time tr u ul var wbr".split()
)
#: Elements dropped with everything in them: code that runs, media, forms, foreign markup.
DROPPED = frozenset(
    "script style noscript template iframe object embed audio video source track canvas svg math form input "
    "button select option optgroup textarea label map area link meta base head title dialog".split()
)
VOID = frozenset("br col hr img wbr".split())
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
GLOBAL_ATTRIBUTES = frozenset("id class lang dir title translate role".split())
ELEMENT_ATTRIBUTES = {
    "a": frozenset({"href", "hreflang"}),
    "img": frozenset({"src", "alt", "width", "height"}),
    "time": frozenset({"datetime"}),
    "data": frozenset({"value"}),
    "td": frozenset({"colspan", "rowspan", "headers"}),
    "th": frozenset({"colspan", "rowspan", "headers", "scope", "abbr"}),
    "col": frozenset({"span"}),
    "colgroup": frozenset({"span"}),
    "ol": frozenset({"start", "reversed", "type"}),
    "li": frozenset({"value"}),
    "del": frozenset({"datetime"}),
    "ins": frozenset({"datetime"}),
}
#: Media types of the images a book embeds, by their first bytes (EPUB core media types).
IMAGE_TYPES = ((b"\xff\xd8\xff", "image/jpeg", ".jpg"), (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
               (b"GIF87a", "image/gif", ".gif"), (b"GIF89a", "image/gif", ".gif"))
KEPT_SCHEMES = ("http", "https", "mailto")
#: The class of the text that stands for an image the book could not include.
IMAGE_TEXT_CLASS = "a11y-image-text"

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Image:
    name: str  # in the book, e.g. "images/cecot.jpg"
    media_type: str
    data: bytes


@dataclass
class Heading:
    level: int
    text: str
    part: int  # index of its part
    id: str


@dataclass
class Part:
    """One content document: its body elements and the spoken ids in it, in order."""

    name: str  # e.g. "text/part-1.xhtml"
    title: str
    body: list[ET.Element]
    spoken: list[str] = field(default_factory=list)
    heading_id: str | None = None  # the part's first heading (it labels the section)


@dataclass
class Content:
    lang: str
    title: str
    parts: list[Part]
    headings: list[Heading]
    images: list[Image]  # embedded ones
    replaced_images: list[str]  # src of images shown as their description instead
    author: str | None
    publisher: str | None
    description: str | None
    date: str | None  # publication date, YYYY-MM-DD
    modified: datetime | None  # the article's own last-modified (or published) time, UTC
    canonical: str | None


def parse_time(value: str) -> datetime | None:
    """An HTML date or date-time (``2026-07-25``, ``2026-07-25T10:00:00-04:00``) in UTC; None if not one."""
    value = value.strip().replace("Z", "+00:00")
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def _split(root: Tag) -> list[list[Tag | NavigableString]]:
    """The root's children, cut before each direct ``<h2>`` or ``<section>``."""
    groups: list[list[Tag | NavigableString]] = [[]]
    for child in list(root.children):
        if isinstance(child, Tag) and child.name in ("h2", "section") and any(
            isinstance(n, Tag) for g in groups for n in g
        ):
            groups.append([])
        groups[-1].append(cast("Tag | NavigableString", child))  # every node is one or the other
    return [g for g in groups if any(isinstance(n, Tag) for n in g)]


class _Converter:
    """bs4 nodes → XHTML ElementTree elements, resolving links and images as it goes."""

    def __init__(self, find_image: Callable[[str], bytes | None], cue_text: dict[str, str]) -> None:
        self.find_image = find_image
        self.cue_text = cue_text
        self.images: dict[str, Image] = {}  # by src
        self.replaced: list[str] = []
        self.links: list[tuple[ET.Element, str]] = []  # fragment links, resolved once all parts exist
        self.names: set[str] = set()

    def element(self, tag: str, attrs: dict[str, str] | None = None) -> ET.Element:
        return ET.Element(tag, attrs or {})

    def convert(self, node: Tag, parent: ET.Element) -> None:
        """Append ``node`` (converted) to ``parent``."""
        name = node.name.lower()
        if name in DROPPED or PLAYER_CLASS in (node.get("class") or []):
            return
        if name == "img":
            self._image(node, parent)
            return
        if name not in KEPT:  # unknown or presentational (font, center, picture…): keep the words
            self.children(node, parent)
            return
        attrs = self.attributes(node, name)
        if name == "a":
            href = str(node.get("href") or "").strip()
            scheme = urlsplit(href).scheme.lower()
            if href.startswith("#") and len(href) > 1:
                element = self.element("a", attrs)
                self.links.append((element, unquote(href[1:])))
            elif scheme in KEPT_SCHEMES:
                element = self.element("a", {**attrs, "href": href})
            else:
                attrs.pop("hreflang", None)
                element = self.element("span", attrs)
        else:
            element = self.element(name, attrs)
        parent.append(element)
        if name not in VOID:
            self.children(node, element)

    def children(self, node: Tag, parent: ET.Element) -> None:
        for child in node.children:
            if isinstance(child, Tag):
                self.convert(child, parent)
            elif _is_text(child):
                _append_text(parent, str(child))

    def attributes(self, node: Tag, name: str) -> dict[str, str]:
        allowed = ELEMENT_ATTRIBUTES.get(name, frozenset())
        attrs: dict[str, str] = {}
        for key, value in node.attrs.items():
            key = key.lower()
            if key in ("src", "href"):
                continue  # decided by the caller
            if key in GLOBAL_ATTRIBUTES or key in allowed or key.startswith("aria-"):
                text = " ".join(value) if isinstance(value, list) else str(value)
                attrs[key] = _XML_INVALID.sub("", text)
        if "lang" in attrs:
            attrs[XML_LANG] = attrs["lang"]
        if "hreflang" in allowed and node.get("hreflang"):
            attrs["hreflang"] = str(node["hreflang"])
        return attrs

    def _image(self, node: Tag, parent: ET.Element) -> None:
        attrs = self.attributes(node, "img")
        src = str(node.get("src") or "").strip()
        image = self._embed(src)
        if image is not None:
            attrs.setdefault("alt", "")
            parent.append(self.element("img", {**attrs, "src": f"../{image.name}"}))
            return
        if src:
            self.replaced.append(src)
        element_id = attrs.get("id")
        text = self.cue_text.get(element_id or "") or attrs.get("alt", "").strip()
        if not text:
            return  # a decorative image: nothing to read or see
        keep = {k: v for k, v in attrs.items() if k in ("id", "lang", XML_LANG, "dir")}
        span = self.element("span", {**keep, "class": IMAGE_TEXT_CLASS})
        span.text = " ".join(text.split())
        parent.append(span)

    def _embed(self, src: str) -> Image | None:
        if not src or urlsplit(src).scheme or src.startswith(("/", "//")):
            return None
        if src in self.images:
            return self.images[src]
        data = self.find_image(unquote(urlsplit(src).path))
        if not data:
            return None
        kind = next((t for t in IMAGE_TYPES if data.startswith(t[0])), None)
        if kind is None:
            return None
        _, media_type, suffix = kind
        stem = re.sub(r"[^A-Za-z0-9_-]+", "-", PurePosixPath(unquote(urlsplit(src).path)).stem).strip("-") or "image"
        name, number = f"images/{stem}{suffix}", 1
        while name in self.names:
            number += 1
            name = f"images/{stem}-{number}{suffix}"
        self.names.add(name)
        image = Image(name, media_type, data)
        self.images[src] = image
        return image


def _is_text(node: object) -> bool:
    """Words, not a comment, doctype, CDATA or processing instruction."""
    return isinstance(node, NavigableString) and not isinstance(node, PreformattedString)


def _append_text(parent: ET.Element, text: str) -> None:
    text = _XML_INVALID.sub("", text)
    if len(parent):
        last = parent[-1]
        last.tail = (last.tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def _local(element: ET.Element) -> str:
    return str(element.tag)


def _notice(soup: BeautifulSoup, converter: _Converter) -> ET.Element | None:
    """The translation notice as an ``<aside>`` with its message (no language switcher)."""
    notice = soup.find(class_=NOTICE_CLASS)
    if not isinstance(notice, Tag):
        return None
    message = notice.find("div") or notice
    attrs = converter.attributes(notice, "aside")
    attrs.setdefault("id", "a11y-notice")
    aside = converter.element("aside", attrs)
    paragraph = converter.element("p")
    aside.append(paragraph)
    for child in message.children:
        if isinstance(child, Tag) and child.name == "nav":
            continue
        if isinstance(child, Tag):
            converter.convert(child, paragraph)
        elif _is_text(child):
            _append_text(paragraph, str(child))
    notice.extract()
    return aside


def extract(
    soup: BeautifulSoup,
    cues: Sequence[Cue],
    *,
    lang: str,
    find_image: Callable[[str], bytes | None] = lambda src: None,
) -> Content:
    """Cut a built page (one with sentence spans) into the book's parts, checking them
    against the sync map: every spoken id is in the book once, in reading order, and
    every sentence span in the book is spoken."""
    for tag in soup.find_all(["script", "style", "template", "noscript"]):
        tag.decompose()
    for player in soup.find_all(class_=PLAYER_CLASS):  # the web player, which sits in the article
        player.decompose()
    cue_text = {cue.id: cue.text for cue in cues}
    converter = _Converter(find_image, cue_text)
    h1 = soup.find("h1")
    title = _text(h1) if isinstance(h1, Tag) and _text(h1) else (_text(soup.title) if soup.title else "")
    publisher = _publisher(soup)
    date_tag = None
    notice = _notice(soup, converter)
    root = read_root(soup)
    author = _author(soup, root)
    for time_tag in root.find_all("time"):
        if parse_time(str(time_tag.get("datetime") or "")):
            date_tag = time_tag
            break
    published = _meta(soup, "article:published_time", "datePublished", "dc.date", "DC.date")
    modified = _meta(soup, "article:modified_time", "dateModified", "og:updated_time")
    published_time = parse_time(published or "") or (parse_time(str(date_tag["datetime"])) if date_tag else None)
    modified_time = parse_time(modified or "") or published_time
    parts: list[Part] = []
    for index, group in enumerate(_split(root), start=1):
        section = converter.element("section")
        for node in group:
            if isinstance(node, Tag):
                converter.convert(node, section)
            elif _is_text(node):
                _append_text(section, str(node))
        body = [section]
        if index == 1 and notice is not None:
            body.insert(0, notice)
        parts.append(Part(f"text/part-{index}.xhtml", "", body))
    if not parts:
        raise InputError("the page has no article text to put in a book", code="A11Y802")
    headings = _headings(parts)
    for part in parts:
        part.title = next((h.text for h in headings if h.part == parts.index(part)), title)
        part.heading_id = next((h.id for h in headings if h.part == parts.index(part)), None)
        if part.heading_id:
            part.body[-1].set("aria-labelledby", part.heading_id)
        else:
            part.body[-1].set("aria-label", part.title)
    _resolve_links(parts, converter.links)
    _check_spoken(parts, cues)
    return Content(
        lang=lang,
        title=title or (parts[0].title if parts else ""),
        parts=parts,
        headings=headings,
        images=list(converter.images.values()),
        replaced_images=converter.replaced,
        author=author,
        publisher=publisher,
        description=_meta(soup, "description", "og:description"),
        date=published_time.date().isoformat() if published_time else None,
        modified=modified_time,
        canonical=_canonical(soup),
    )


def _walk(part: Part) -> Iterator[ET.Element]:
    for element in part.body:
        yield from element.iter()


def _headings(parts: list[Part]) -> list[Heading]:
    """Every heading in reading order; each gets an id if it has none (the nav links to it)."""
    used = {e.get("id") for part in parts for e in _walk(part) if e.get("id")}
    headings = []
    number = 0
    for index, part in enumerate(parts):
        for element in _walk(part):
            name = _local(element)
            if name not in HEADINGS:
                continue
            text = " ".join("".join(element.itertext()).split())
            if not text:
                continue
            if not element.get("id"):
                number += 1
                while f"a11y-h-{number}" in used:
                    number += 1
                element.set("id", f"a11y-h-{number}")
                used.add(element.get("id"))
            headings.append(Heading(int(name[1]), text, index, str(element.get("id"))))
    return headings


def _resolve_links(parts: list[Part], links: list[tuple[ET.Element, str]]) -> None:
    where: dict[str, Part] = {}
    for part in parts:
        for element in _walk(part):
            element_id = element.get("id")
            if element_id:
                where.setdefault(element_id, part)
    owners = {id(e): part for part in parts for e in _walk(part)}
    for element, target in links:
        owner = owners[id(element)]
        target_part = where.get(target)
        if target_part is None:  # a link to nothing in the book: keep the words
            element.tag = "span"
            element.attrib.pop("hreflang", None)
            continue
        fragment = "#" + target
        element.set("href", fragment if target_part is owner else PurePosixPath(target_part.name).name + fragment)


def _check_spoken(parts: list[Part], cues: Sequence[Cue]) -> None:
    """Fill each part's spoken ids from the sync map, or say why the sync map is not this page's."""
    position: dict[str, tuple[int, int]] = {}
    sentences: list[str] = []
    for index, part in enumerate(parts):
        for order, element in enumerate(_walk(part)):
            element_id = element.get("id")
            if element_id:
                if element_id in position:
                    raise InputError(f"the page has two elements with the id {element_id!r}", code="A11Y803")
                position[element_id] = (index, order)
            classes = (element.get("class") or "").split()
            if SENTENCE_CLASS in classes and element_id and speakable("".join(element.itertext())):
                sentences.append(element_id)
    cue_ids = [cue.id for cue in cues]
    missing = [i for i in cue_ids if i not in position]
    unspoken = [i for i in sentences if i not in set(cue_ids)]
    if missing or unspoken:
        detail = (f"spoken but not in the book: {', '.join(missing[:5])}" if missing
                  else f"sentences with no audio: {', '.join(unspoken[:5])}")
        raise InputError(f"the sync map is not this page's ({detail}); build the page and its audio again",
                         code="A11Y804")
    places = [position[i] for i in cue_ids]
    if places != sorted(places) or len(set(cue_ids)) != len(cue_ids):
        raise InputError("the sync map's order is not the page's reading order; build the page and its audio again",
                         code="A11Y804")
    for cue_id, (index, _) in zip(cue_ids, places, strict=True):
        parts[index].spoken.append(cue_id)
