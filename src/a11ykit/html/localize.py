"""Page-level localisation: lang, alternates, dates, glossary marks, the translation notice.

It changes the page around the translated text (languages, links, the notice, dates, term
marks); it must not change the translated text itself or write files.
"""

from __future__ import annotations

import gettext
import re
from urllib.parse import quote, urlsplit

from bs4 import BeautifulSoup, NavigableString, PageElement, Tag
from bs4.element import Doctype

from a11ykit.errors import InputError
from a11ykit.html.find import elements, first, named, tokens
from a11ykit.html.parse import ParsedPage
from a11ykit.html.render import Decorator
from a11ykit.html.segment import element_translatable
from a11ykit.l10n import format_time_element, format_ui, language_name
from a11ykit.terms.base import Glossary
from a11ykit.terms.glossary import matcher_for

OG_LOCALES = {"en": "en_US", "es": "es_ES"}
NOTICE_CLASS = "a11y-notice"
NOTICE_STYLE = (
    # its colours hold whatever the page's own styles say (#102a43 on #f3f7fc: 13.6:1, links #0b3d91: 10:1)
    ".a11y-notice{border:2px solid #1a4e8a;background:#f3f7fc!important;color:#102a43!important;padding:.5em 1em;"
    "margin:0 0 1em}.a11y-notice *{color:inherit!important;background:transparent!important}"
    ".a11y-notice a,.a11y-notice a *{color:#0b3d91!important;text-decoration:underline!important}"
    ".a11y-notice ul{list-style:none;margin:0;padding:0;display:flex;gap:1em}"
    # the skip link: out of sight until it has the keyboard focus, then on top (#0b3d91 on white: 10.7:1)
    ".a11y-skip{position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden}"
    ".a11y-skip:focus{position:static;display:inline-block;width:auto;height:auto;margin:.25em;padding:.25em .5em;"
    "background:#fff;color:#0b3d91;outline:3px solid #0b57d0}"
)
SKIP_CLASS = "a11y-skip"
#: the id given to the skip link's target when it has none
CONTENT_ID = "a11y-content"


def make_decorator(glossary: Glossary, page_lang: str) -> Decorator:
    """Marks terms inside page text: other-language terms get ``<span lang>``, acronyms
    get ``<abbr title>`` with their expansion the first time they appear on the page."""
    matcher = matcher_for(glossary)
    seen_abbr: set[str] = set()

    def decorate(text: str, soup: BeautifulSoup) -> list[PageElement]:
        nodes: list[PageElement] = []
        pos = 0
        for m in matcher.finditer(text):
            term = m.term
            page_forms = term.forms.get(page_lang, ())
            term_lang = term.lang if term.kind == "keep" else (m.lang if m.form not in page_forms else None)
            foreign = term_lang is not None and term_lang != page_lang
            expansion = term.expansions.get(page_lang)
            abbr = bool(expansion) and term.key not in seen_abbr
            if not foreign and not abbr:
                continue
            if m.start > pos:
                nodes.append(NavigableString(text[pos : m.start]))
            inner: PageElement = NavigableString(m.form)
            if foreign and term_lang is not None:
                span = soup.new_tag("span", attrs={"lang": term_lang})
                span.append(inner)
                inner = span
            if abbr and expansion:
                seen_abbr.add(term.key)
                element = soup.new_tag("abbr", attrs={"title": expansion})
                element.append(inner)
                inner = element
            nodes.append(inner)
            pos = m.end
        if pos < len(text):
            nodes.append(NavigableString(text[pos:]))
        return nodes

    return decorate


def retag_languages(page: ParsedPage, source: str, target: str) -> None:
    """Parts that say they are in the source language will hold the translation.

    Call before the translations are written in, so the marks a11ykit adds itself
    (``<span lang="en">`` around a kept English term) are not touched."""
    for part in elements(page.soup):  # attributes change, the tree does not
        for attribute in LANG_ATTRIBUTES:
            value = part.get(attribute)
            if value is None or part.name == "html":
                continue
            if str(value).strip().lower().split("-")[0] == source and element_translatable(part):
                part[attribute] = target


def localize_page(
    page: ParsedPage,
    *,
    source: str,
    target: str,
    original_href: str,
    own_href: str,
    ui: gettext.NullTranslations,
    unreviewed: tuple[int, int, int] | None = None,
) -> None:
    """``unreviewed``: (machine-translated sentences, all sentences, those with a quality reason),
    said in plain words in the notice."""
    soup = page.soup
    html = soup.find("html")
    if not isinstance(html, Tag):  # a fragment: give it a root that can carry the language
        html = soup.new_tag("html")
        for node in [n for n in soup.contents if not isinstance(n, Doctype)]:
            html.append(node.extract())
        soup.append(html)
    html["lang"] = target
    if html.get("xml:lang") is not None:  # XHTML
        html["xml:lang"] = target
    head = soup.find("head")
    if not isinstance(head, Tag):
        head = soup.new_tag("head")
        if isinstance(html, Tag):
            html.insert(0, head)
        else:
            soup.insert(0, head)
    _set_utf8(soup, head)
    for meta in soup.find_all("meta", attrs={"property": "og:locale"}):
        meta["content"] = OG_LOCALES[target]
    for lang, href in ((source, original_href), (target, own_href)):
        if not head.find("link", attrs={"rel": "alternate", "hreflang": lang}):
            head.append(soup.new_tag("link", attrs={"rel": "alternate", "hreflang": lang, "href": href}))
    for time in soup.find_all("time"):
        value = time.get("datetime")
        text = format_time_element(value, target) if isinstance(value, str) else None
        if text:
            time.clear()
            time.append(NavigableString(text))
    style = soup.new_tag("style", attrs={"id": "a11y-style"})
    style.string = NOTICE_STYLE
    head.append(style)
    _insert_notice(soup, source=source, target=target, original_href=original_href, ui=ui, unreviewed=unreviewed)
    _insert_skip_link(soup, ui)


def _set_utf8(soup: BeautifulSoup, head: Tag) -> None:
    """The output is UTF-8 whatever the input was; its declaration must say so."""
    found = False
    for meta in soup.find_all("meta"):
        if meta.get("charset"):
            meta["charset"] = "utf-8"
            found = True
        elif str(meta.get("http-equiv", "")).lower() == "content-type":
            meta["content"] = "text/html; charset=utf-8"
            found = True
    if not found:
        head.insert(0, soup.new_tag("meta", attrs={"charset": "utf-8"}))


def _insert_notice(
    soup: BeautifulSoup, *, source: str, target: str, original_href: str, ui: gettext.NullTranslations,
    unreviewed: tuple[int, int, int] | None = None,
) -> None:
    _ = ui.gettext
    # a complementary landmark of its own, at the top level (no role="note": it takes the landmark away)
    notice = soup.new_tag("aside", attrs={"class": NOTICE_CLASS, "aria-label": _("Translation notice")})
    message = soup.new_tag("div")
    message.append(NavigableString(format_ui(_("This page is a machine translation of the original in {language}."),
        language=language_name(source, target, capitalize=target == "en")) + " "))
    link = soup.new_tag("a", attrs={"href": original_href, "hreflang": source})
    link.append(NavigableString(_("Read the original")))
    message.append(link)
    if unreviewed is not None and unreviewed[0]:
        machine, total, flagged = unreviewed
        said = format_ui(_("Translated by machine and not yet reviewed by a person: {machine} of {total} sentences."),
                         machine=machine, total=total)
        if flagged:
            said += " " + format_ui(_("Possible mistakes were found in {flagged} of them."), flagged=flagged)
        link.insert_before(NavigableString(said + " "))
    notice.append(message)
    nav = soup.new_tag("nav", attrs={"aria-label": _("Language")})
    items = soup.new_tag("ul")
    for lang in (source, target):
        li = soup.new_tag("li")
        if lang == target:  # the current page: named, not linked
            item = soup.new_tag("span", attrs={"lang": lang, "aria-current": "page"})
        else:
            item = soup.new_tag("a", attrs={"lang": lang, "hreflang": lang, "href": original_href})
        item.append(NavigableString(language_name(lang)))
        li.append(item)
        items.append(li)
    nav.append(items)
    notice.append(nav)
    body = soup.find("body")
    if isinstance(body, Tag):
        body.insert(0, notice)
        body.insert(0, NavigableString("\n"))
    else:  # a frameset page or a fragment: inside <html>, never after it
        root = soup.find("html")
        root = root if isinstance(root, Tag) else soup
        head = root.find("head", recursive=False)
        if root.find("frameset") is not None:
            root.append(notice)
        elif isinstance(head, Tag):
            head.insert_after(notice)
        else:
            root.insert(0, notice)


def content_start(soup: BeautifulSoup) -> Tag | None:
    """Where the page's content starts, for the skip link: its ``<article>`` (when it has one
    only), else ``<main>`` (or ``role=main``), else its first ``<h1>``; None when it has none."""
    articles = soup.find_all("article")
    if len(articles) == 1:
        return articles[0]
    return first(soup, named("main"), lambda el: el.get("role") == "main", named("h1"))


def _insert_skip_link(soup: BeautifulSoup, ui: gettext.NullTranslations) -> None:
    """The body's first focusable element: a link past the notice and the site's own header and
    menus to the content (:func:`content_start`, given the id ``a11y-content`` if it has none).
    A page without such a start gets none: there is nothing sure to skip to."""
    body = soup.find("body")
    target = content_start(soup)
    if not isinstance(body, Tag) or target is None:
        return
    if not target.get("id"):
        target["id"] = CONTENT_ID
    link = soup.new_tag("a", attrs={"class": SKIP_CLASS, "href": "#" + quote(str(target["id"]), safe="")})
    link.append(NavigableString(ui.gettext("Skip to content")))
    body.insert(0, link)
    body.insert(0, NavigableString("\n"))

# --- where the links point ---------------------------------------------------------------------

LANG_ATTRIBUTES = ("lang", "xml:lang")
_UNSAFE_CHARACTERS = re.compile(r"[\x00-\x20\x7f\\]")


def link_to_file(name: str) -> str:
    """A relative href to a file in the same folder: every character that means something
    in a URL (``#``, ``%``, ``?``, ``:``, ``/``…) encoded, so it names exactly that file."""
    return quote(name, safe="")


def is_web_address(url: str) -> bool:
    """An absolute http(s) URL with a host, nothing in it a browser would read otherwise."""
    if _UNSAFE_CHARACTERS.search(url):
        return False
    parts = urlsplit(url)
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def check_original_url(url: str) -> str:
    """``--original-url``: an absolute http(s) URL, or a path relative to the output folder
    that stays inside it. Anything else (``javascript:``, ``../``…) is refused."""
    value = url.strip()
    if is_web_address(value):
        return value
    parts = urlsplit(value)
    segments = parts.path.split("/")
    if (
        value
        and not _UNSAFE_CHARACTERS.search(value)
        and not parts.scheme
        and not parts.netloc
        and not value.startswith("/")
        and ".." not in segments
        and ":" not in segments[0]
    ):
        return value
    raise InputError(
        f"--original-url {url!r}: give an http(s) address, or a path inside the output folder", code="A11Y170"
    )


def declared_address(soup: BeautifulSoup) -> str | None:
    """The page's own address, if it declares one: ``<link rel=canonical>``, else ``og:url``."""
    links, metas = [], []
    for element in elements(soup):
        if element.name == "link" and element.get("href") is not None:
            links.append(element)
        elif element.name == "meta" and element.get("property") == "og:url":
            metas.append(element)
    for link in links:
        href = str(link["href"]).strip()
        if "canonical" in (r.lower() for r in tokens(link, "rel")) and is_web_address(href):
            return href
    for meta in metas:
        content = str(meta.get("content") or "").strip()
        if is_web_address(content):
            return content
    return None


def original_address(soup: BeautifulSoup, *, given: str | None, sibling: str) -> tuple[str, str | None]:
    """Where "Read the original", the switcher and the alternate point: the page's own address,
    else ``given`` (``--original-url``), else ``sibling`` (a file name in the output folder).
    The second value is a warning when the original's address is unknown."""
    given = check_original_url(given) if given else None  # refused even when not needed
    declared = declared_address(soup)
    if declared:
        return declared, None
    if given:
        return given, None
    return link_to_file(sibling), (
        f"the original's address is unknown (no canonical link or og:url in the page, no --original-url): "
        f"the notice and the language switcher link {sibling} in the output folder"
    )

