"""What the narration reads, in reading order, and the player put on the page.

This module owns the page side of narration: finding the spoken items of a rendered
page (:func:`speech_items` gives items (:class:`a11ykit.speech.SpeechItem`), the only thing
speech receives from a page, with :func:`narration_tags` for the audio files) and putting
the player (:mod:`a11ykit.html.player`) into it.
It must not synthesize or touch audio files, and must not change the page's text.

Read: the notice (once, one item per sentence: each is wrapped in a sentence span
``a11y-notice-N`` so the read-along can highlight it; its link is a sentence of its own),
then within the article (``<article>``, else ``<main>``,
else ``<body>``) every sentence span in order — headings as headings — and the
description of every image, announced as an image. Scripts, styles and skipped
elements have no sentence spans, so they are never read.
"""

from __future__ import annotations

import gettext
import re

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from a11ykit.html.find import first, has_token, named, tokens
from a11ykit.html.localize import NOTICE_CLASS, SKIP_CLASS
from a11ykit.html.metadata import original_address, page_author, page_publisher, page_title, read_root
from a11ykit.html.render import SENTENCE_CLASS
from a11ykit.html.segment import SKIP_TAGS, element_translatable
from a11ykit.l10n import format_ui
from a11ykit.speech import SpeechItem
from a11ykit.speech.tags import AudioTags

HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
PLAYER_CLASS = "a11y-listen"


def speakable(text: str) -> bool:
    """Whether a sentence has something to say: a letter or a digit. Punctuation alone (a lone
    comma, an ellipsis, a smiley) is a few milliseconds of sound, no speech, so it is not read."""
    return any(ch.isalnum() for ch in text)


def speech_items(soup: BeautifulSoup, ui: gettext.NullTranslations) -> list[SpeechItem]:
    """The spoken items of a rendered page (one with sentence spans). Images without an
    id get one (``a11y-img-N``), since captions refer to page ids."""
    items: list[SpeechItem] = []
    notice = first(soup, lambda el: has_token(el, "class", NOTICE_CLASS))
    if notice is not None:
        message = notice.find("div") or notice
        notice["id"] = notice.get("id") or "a11y-notice"
        for span in notice_sentences(soup, message, str(notice["id"])):
            text = " ".join(span.get_text().split())
            if speakable(text):
                items.append(SpeechItem(str(span["id"]), text, "notice"))
    root = read_root(soup)
    image_number = 0
    for el, in_heading in _readable_elements(root):
        if el.name == "span" and has_token(el, "class", SENTENCE_CLASS):
            text = " ".join(el.get_text().split())
            if speakable(text):
                items.append(SpeechItem(str(el["id"]), text, "heading" if in_heading else "sentence"))
        elif el.name == "img" and str(el.get("alt") or "").strip() and element_translatable(el):
            if not el.get("id"):
                image_number += 1
                el["id"] = f"a11y-img-{image_number}"
            description = " ".join(str(el["alt"]).split())
            items.append(
                SpeechItem(
                    str(el["id"]), format_ui(ui.gettext("Image: {description}"), description=description), "image"
                )
            )
    return items


def _hides_inside(el: Tag) -> bool:
    """What is inside the player, the notice (read on its own) or a skipped element is not read."""
    return el.name in SKIP_TAGS or bool({PLAYER_CLASS, NOTICE_CLASS} & set(tokens(el, "class")))


def _readable_elements(root: Tag) -> list[tuple[Tag, bool]]:
    """The elements inside ``root`` in document order, each with whether it is inside a heading,
    leaving out what :func:`_hides_inside` hides (one walk: asking each element for its
    ancestors made long pages slow)."""
    ancestors = [root, *root.parents]
    if any(_hides_inside(a) for a in ancestors):
        return []

    def inside(parent: Tag, in_heading: bool) -> list[tuple[Tag, bool]]:
        in_heading = in_heading or parent.name in HEADINGS
        return [(child, in_heading) for child in reversed(parent.contents) if isinstance(child, Tag)]

    found: list[tuple[Tag, bool]] = []
    stack = inside(root, any(a.name in HEADINGS for a in ancestors[1:]))
    while stack:
        el, in_heading = stack.pop()
        found.append((el, in_heading))
        if not _hides_inside(el):
            stack += inside(el, in_heading)
    return found


def notice_sentences(soup: BeautifulSoup, message: Tag, notice_id: str) -> list[Tag]:
    """The notice message's sentence spans (``<notice_id>-N``), made the first time: each
    sentence of its text, and each element in it (the link to the original), wrapped in a
    sentence span. Words and elements stay as they are; the language switcher is left out."""
    existing = message.find_all("span", class_=SENTENCE_CLASS)
    if existing:
        return existing
    spans: list[Tag] = []

    def span() -> Tag:
        tag = soup.new_tag("span", attrs={"class": SENTENCE_CLASS, "id": f"{notice_id}-{len(spans) + 1}"})
        spans.append(tag)
        return tag

    for child in list(message.children):
        if isinstance(child, Tag):
            if child.name not in ("nav", "ul", "ol") and child.get_text().strip():
                child.wrap(span())
        elif isinstance(child, NavigableString) and not isinstance(child, Comment):
            pieces: list[Tag | NavigableString] = []
            for is_sentence, text in _sentences(str(child)):
                if is_sentence:
                    wrapper = span()
                    wrapper.string = text
                    pieces.append(wrapper)
                else:
                    pieces.append(NavigableString(text))
            for piece in pieces:
                child.insert_before(piece)
            child.extract()
    return spans


_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)]*$")


def _sentences(text: str) -> list[tuple[bool, str]]:
    """Text as (is a sentence, text) parts: sentences, and the whitespace around them."""
    parts: list[tuple[bool, str]] = []
    current = ""
    for token in re.split(r"(\s+)", text):
        if not token:
            continue
        if token.isspace() and not current:
            parts.append((False, token))
            continue
        current += token
        if not token.isspace() and _SENTENCE_END.search(token):
            parts.append((True, current))
            current = ""
    if current:
        sentence = current.rstrip()
        parts.append((True, sentence))
        if current[len(sentence) :]:
            parts.append((False, current[len(sentence) :]))
    return parts


def narration_tags(soup: BeautifulSoup, *, source: str) -> AudioTags:
    """What the narration files say about themselves, from the page: its headline, author,
    publisher and language, and a comment naming where the text comes from (the original's
    address when the page gives it, else ``source``, e.g. the input file's name)."""
    lang = str(soup.html.get("lang") or "") if isinstance(soup.html, Tag) else ""
    return AudioTags(
        title=page_title(soup),
        artist=page_author(soup) or "",
        publisher=page_publisher(soup) or "",
        language=lang,
        comment=f"Narrated by a11ykit with espeak-ng from {original_address(soup) or source}",
    )


def insert_player(soup: BeautifulSoup, fragment: str, head_html: str, body_end_html: str) -> None:
    """Put the player where news sites put "Listen to this article" (:func:`player_place`), its
    heading at the level :func:`_heading_under` gives, its style in the head, its script at the
    end of the body."""
    player = BeautifulSoup(fragment, "html.parser")
    section = player.find("section")
    assert isinstance(section, Tag)
    parent, after = player_place(soup)
    if after is not None:
        after.insert_after(section)
    else:
        parent.insert(0, section)
    heading = section.find(id="a11y-listen-h")
    if isinstance(heading, Tag):
        heading.name = _heading_under(section)
    if section.parent is not soup.body and not any(map(is_landmark, section.parents)):
        # Inside a container that is no landmark, landmarks of its own would cut the container's
        # content (outside any landmark already) into many pieces: the player is a group there.
        section["role"] = "group"
        for nav in section.find_all("nav"):
            nav.name = "div"
            nav["role"] = "group"
    body = soup.find("body")
    head = soup.find("head")
    for html, parent_tag, element_id in (
        (head_html, head, "a11y-player-style"),
        (body_end_html, body, "a11y-player-script"),
    ):
        if not isinstance(parent_tag, Tag):
            continue
        for tag in BeautifulSoup(html, "html.parser").find_all(True, recursive=False):
            tag["id"] = element_id
            parent_tag.append(tag)


#: elements a headline can sit in that a <section> cannot: the player goes after them
HEADLINE_WRAPPERS = frozenset("a abbr b button em font i label mark small span strong summary u".split())
BYLINE_WORDS = re.compile(r"byline|author|dateline|date|time|meta|credit|posted|published", re.IGNORECASE)
BYLINE_TAGS = frozenset(("p", "div", "address", "time", "span", "ul", "dl"))
BYLINE_LENGTH = 300  # characters: a byline is a line, not a paragraph


LANDMARK_ROLES = frozenset("banner complementary contentinfo form main navigation region search".split())
_SECTIONING = ["article", "aside", "main", "nav", "section"]


def is_landmark(element: Tag) -> bool:
    """An ARIA landmark: ``<main>``, ``<nav>``, ``<aside>``, a ``<header>``/``<footer>`` outside
    sectioning elements, a named ``<section>``/``<form>``, or an element with a landmark role."""
    if not isinstance(element, Tag) or element.name in ("[document]", "html", "body"):
        return False
    role = str(element.get("role") or "").split()
    if role:
        return role[0] in LANDMARK_ROLES
    if element.name in ("main", "nav", "aside"):
        return True
    if element.name in ("section", "form"):
        return any(element.get(a) for a in ("aria-label", "aria-labelledby", "title"))
    return element.name in ("header", "footer") and element.find_parent(_SECTIONING) is None


def player_place(soup: BeautifulSoup) -> tuple[Tag, Tag | None]:
    """Where the player goes: ``(parent, after)``, ``after`` None for the parent's start.

    After the article's headline (its ``<h1>``, or the ``<header>``/``<hgroup>`` holding it) and
    the byline and date lines that follow it. A page without an ``<h1>``: at the start of its
    article (``<article>``, else ``<main>``); else after the notice and skip link."""
    root = first(soup, named("article"), named("main"))
    h1 = (first(root, named("h1")) if root is not None else None) or first(soup, named("h1"))
    if isinstance(h1, Tag) and isinstance(h1.parent, Tag):
        after = h1
        while isinstance(after.parent, Tag) and (
            after.parent.name in HEADLINE_WRAPPERS
            or (after.parent.name in ("header", "hgroup") and after.parent.find(HEADINGS) is h1)
        ):
            after = after.parent  # never inside the link or the phrase that holds the headline
        for sibling in after.find_next_siblings(True):
            if not _is_byline(sibling):
                break
            after = sibling
        assert isinstance(after.parent, Tag)
        return after.parent, after
    if root is not None:
        return root, None
    body = soup.find("body")
    parent = body if isinstance(body, Tag) else soup
    own = [child for child in parent.find_all(True, recursive=False) if _is_own_opening(child)]
    return parent, (own[-1] if own else None)


def _is_byline(element: Tag) -> bool:
    """A short line under a headline that names the author or the date."""
    if element.name not in BYLINE_TAGS or len(element.get_text(" ", strip=True)) > BYLINE_LENGTH:
        return False
    if element.name in ("address", "time") or element.find(["address", "time"]):
        return True
    if element.find("a", rel=lambda rel: bool(rel) and "author" in rel) or element.find(itemprop="author"):
        return True
    names = " ".join([*(element.get("class") or []), str(element.get("id") or "")])
    return bool(BYLINE_WORDS.search(names))


def _is_own_opening(element: Tag) -> bool:
    """The notice or the skip link a11ykit opened the body with."""
    return bool({NOTICE_CLASS, SKIP_CLASS} & set(element.get("class") or []))


def _heading_under(section: Tag) -> str:
    """The player's heading: ``h2`` after the headline (whatever headings its byline holds),
    else one level under the last heading before it; before any heading, the level of the
    page's first one, so the outline stays as the page had it. A page without headings gets
    none from a11ykit either: the label is a paragraph."""
    if section.find_previous("h1") is not None:
        return "h2"
    before = section.find_previous(HEADINGS)
    if isinstance(before, Tag):
        return f"h{min(int(before.name[1]) + 1, 6)}"
    after = next((h for h in section.find_all_next(HEADINGS) if section not in h.parents), None)
    return after.name if isinstance(after, Tag) else "p"
