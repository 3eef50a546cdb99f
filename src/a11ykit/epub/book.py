"""The book: content, narration and metadata → an EPUB 3 package with Media Overlays.

This module owns the EPUB container: package document, navigation, overlays, lexicon
and the zip, written to an open file. It must not read the web page (that is
:mod:`a11ykit.epub.content`) or synthesize audio; it packs the MP3 it is given.

Layout of the container (the zip)::

    mimetype                     first, stored: application/epub+zip
    META-INF/container.xml       points at EPUB/package.opf
    EPUB/package.opf             metadata (accessibility, media durations), manifest, spine
    EPUB/nav.xhtml               table of contents (every heading) and landmarks
    EPUB/css/book.css            reading styles and the highlight of the sentence being read
    EPUB/text/part-N.xhtml       the article, one part per top-level section
    EPUB/smil/part-N.smil        each part's media overlay: one <par> per spoken element
    EPUB/audio/STEM.LANG.mp3     the narration (MP3: an EPUB core media type)
    EPUB/images/…                embedded images
    EPUB/lexicon.pls             the glossary's pronunciations of words in the book, for a
                                 reading system's own text-to-speech (when there are any)

Overlay clips are contiguous: each spoken element's clip runs from its start in the
sync map to the next one's start (so the pause after a sentence belongs to it), the
first from 0 and the last to the end of the audio. Same inputs, same bytes: every
zip entry has the book's modified time, entries are sorted, nothing depends on the
clock or the machine.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import PurePosixPath
from typing import BinaryIO
from urllib.parse import quote

from a11ykit.epub.content import XHTML_NS, XML_LANG, Content, Part
from a11ykit.errors import InputError
from a11ykit.layout import output_name
from a11ykit.speech.captions import Cue

OPF_NS = "http://www.idpf.org/2007/opf"
DC_NS = "http://purl.org/dc/elements/1.1/"
EPUB_NS = "http://www.idpf.org/2007/ops"
SMIL_NS = "http://www.w3.org/ns/SMIL"
CONTAINER_NS = "urn:oasis:names:tc:opendocument:xmlns:container"
PLS_NS = "http://www.w3.org/2005/01/pronunciation-lexicon"
LEXICON = "lexicon.pls"

ROOT = "EPUB"
PACKAGE = f"{ROOT}/package.opf"
#: The class a reading system puts on the element being read (``media:active-class``).
ACTIVE_CLASS = "a11y-current"
#: How much longer than the audio the sync map may claim to be (rounding, encoder padding).
AUDIO_SLACK_MS = 50
#: The earliest time a zip entry can carry.
ZIP_EPOCH = datetime(1980, 1, 1, tzinfo=UTC)
#: Entries not worth deflating (already compressed).
STORED_SUFFIXES = (".mp3", ".jpg", ".png", ".gif")

#: The few words the book adds itself, per book language.
TEXTS = {
    "en": {
        "contents": "Contents",
        "landmarks": "Landmarks",
        "summary": (
            "A news article with its narration: every sentence, heading and image description is read aloud "
            "by a synthetic voice (espeak-ng) and highlighted while it is read (EPUB 3 Media Overlays). "
            "Headings give the structure and the table of contents; abbreviations carry their expansions."
        ),
        "translated": "The text is a machine translation, as the notice at its start says.",
        "images": "Images have text descriptions.",
        "replaced": "Images that could not be included are given as their descriptions.",
    },
    "es": {
        "contents": "Contenido",
        "landmarks": "Puntos de referencia",
        "summary": (
            "Un artículo periodístico con su narración: cada oración, título y descripción de imagen se lee "
            "en voz alta con una voz sintética (espeak-ng) y se resalta mientras se lee (superposiciones de "
            "medios de EPUB 3). Los títulos dan la estructura y la tabla de contenido; las abreviaturas "
            "llevan su forma completa."
        ),
        "translated": "El texto es una traducción automática, como dice el aviso del comienzo.",
        "images": "Las imágenes tienen descripciones de texto.",
        "replaced": "Las imágenes que no se pudieron incluir aparecen como sus descripciones.",
    },
}


@dataclass(frozen=True)
class Clip:
    id: str  # the spoken element's id
    begin: int  # milliseconds
    end: int


@dataclass
class Book:
    content: Content
    identifier: str  # urn:uuid:…
    modified: datetime  # UTC, whole seconds
    audio_name: str  # in the book, e.g. "audio/cecot.es.mp3"
    audio: bytes
    clips: list[list[Clip]]  # per part, in reading order
    lexicon: dict[str, str] = field(default_factory=dict)  # written form → what to say (a respelling)

    @property
    def duration_ms(self) -> int:
        return sum(_part_duration(clips) for clips in self.clips)


def _part_duration(clips: Sequence[Clip]) -> int:
    return clips[-1].end - clips[0].begin if clips else 0


def clock(ms: int) -> str:
    """A SMIL full clock value, ``H:MM:SS.mmm``."""
    seconds, millis = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def contiguous_clips(cues: Sequence[Cue], duration_ms: int) -> list[Clip]:
    """One clip per cue, end to end from 0 to ``duration_ms``: each ends where the next begins."""
    if not cues:
        raise InputError("the sync map is empty: nothing is narrated", code="A11Y804")
    starts = [0] + [round(cue.start * 1000) for cue in cues[1:]]
    last_end = round(cues[-1].end * 1000)
    if last_end > duration_ms + AUDIO_SLACK_MS or starts[-1] >= duration_ms:
        raise InputError(
            f"the audio lasts {duration_ms / 1000:.3f} s but the sync map runs to {last_end / 1000:.3f} s; "
            "build the page and its audio again",
            code="A11Y804",
        )
    ends = [*starts[1:], duration_ms]
    for cue, begin, end in zip(cues, starts, ends, strict=True):
        if end <= begin:
            raise InputError(f"the sync map's times do not increase at {cue.id!r}", code="A11Y804")
    return [Clip(cue.id, begin, end) for cue, begin, end in zip(cues, starts, ends, strict=True)]


def make_book(
    content: Content,
    cues: Sequence[Cue],
    audio: bytes,
    *,
    stem: str,
    duration: float,
    modified: datetime | None = None,
    lexicon: Mapping[str, str] | None = None,
) -> Book:
    """Pair the content with the narration. ``duration`` is the audio's, in seconds;
    ``modified`` overrides the article's own date (the book's ``dcterms:modified``);
    ``lexicon`` (written form → respelling, as the narration used it) gives the book's
    PLS lexicon its entries: those whose form is in the book's text, respellings only
    (espeak's own ``[[…]]`` phoneme codes are not IPA, so they are left out)."""
    clips = contiguous_clips(cues, round(duration * 1000))
    by_id = {clip.id: clip for clip in clips}
    per_part = [[by_id[i] for i in part.spoken] for part in content.parts]
    when = modified or content.modified or ZIP_EPOCH
    when = max(when.astimezone(UTC), ZIP_EPOCH).replace(microsecond=0)
    key = content.canonical or f"a11ykit:{stem}:{content.author or ''}:{content.date or ''}"
    identifier = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{key}#{content.lang}')}"
    return Book(content, identifier, when, "audio/" + output_name(stem, content.lang, "mp3"), audio, per_part,
                _lexicon_in(content, lexicon or {}))


def _lexicon_in(content: Content, lexicon: Mapping[str, str]) -> dict[str, str]:
    text = " ".join("".join(e.itertext()) for part in content.parts for e in part.body)
    entries = {}
    for written, said in sorted(lexicon.items()):
        said = " ".join(said.split())
        if written.strip() and said and "[[" not in said and re.search(rf"(?<!\w){re.escape(written)}(?!\w)", text):
            entries[written] = said.lower()  # "SEE-cot": capitals would be spelled out
    return entries


# --- the documents -------------------------------------------------------------------------


def _xml(root: ET.Element, namespaces: dict[str, str], *, doctype: bool = False, indent: bool = True) -> bytes:
    """Serialize a tree whose names are written as they are (``dc:title``, ``epub:type``),
    declaring ``namespaces`` (prefix → URI, "" for the default) on the root."""
    for prefix, uri in namespaces.items():
        root.set(f"xmlns:{prefix}" if prefix else "xmlns", uri)
    if indent:
        ET.indent(root, space=" ")
    text = ET.tostring(root, encoding="unicode")
    head = '<?xml version="1.0" encoding="UTF-8"?>\n' + ("<!DOCTYPE html>\n" if doctype else "")
    return (head + text + "\n").encode("utf-8")


def _h(tag: str, attrs: dict[str, str] | None = None, text: str | None = None) -> ET.Element:
    element = ET.Element(tag, attrs or {})
    element.text = text
    return element


def _html(lang: str, title: str, css: str, lexicon: str | None = None) -> tuple[ET.Element, ET.Element]:
    html = _h("html", {"lang": lang, XML_LANG: lang})
    head = ET.SubElement(html, "head")
    head.append(_h("meta", {"charset": "utf-8"}))
    head.append(_h("title", text=title))
    head.append(_h("link", {"rel": "stylesheet", "type": "text/css", "href": css}))
    if lexicon:
        head.append(_h("link", {"rel": "pronunciation", "type": "application/pls+xml", "hreflang": lang,
                                "href": lexicon}))
    body = ET.SubElement(html, "body")
    return html, body


def content_document(book: Book, part: Part) -> bytes:
    html, body = _html(book.content.lang, part.title, "../css/book.css", f"../{LEXICON}" if book.lexicon else None)
    body.extend(part.body)
    return _xml(html, {"": XHTML_NS}, doctype=True, indent=False)


def nav_document(book: Book) -> bytes:
    texts = TEXTS[book.content.lang]
    html, body = _html(book.content.lang, texts["contents"], "css/book.css")
    toc = ET.SubElement(body, "nav", {"epub:type": "toc", "id": "toc", "role": "doc-toc",
                                                     "aria-labelledby": "toc-title"})
    toc.append(_h("h1", {"id": "toc-title"}, texts["contents"]))
    top = _h("ol")
    toc.append(top)
    stack: list[tuple[int, ET.Element]] = []  # (level, li)
    for heading in book.content.headings:
        while stack and stack[-1][0] >= heading.level:
            stack.pop()
        if stack:
            parent_li = stack[-1][1]
            lists = parent_li.findall("ol")
            parent = lists[0] if lists else ET.SubElement(parent_li, "ol")
        else:
            parent = top
        li = ET.SubElement(parent, "li")
        href = f"{book.content.parts[heading.part].name}#{quote(heading.id, safe=_SAFE)}"
        li.append(_h("a", {"href": href}, heading.text))
        stack.append((heading.level, li))
    if not len(top):  # no headings: the parts themselves
        for part in book.content.parts:
            li = ET.SubElement(top, "li")
            li.append(_h("a", {"href": part.name}, part.title))
    landmarks = ET.SubElement(body, "nav", {"epub:type": "landmarks", "id": "landmarks",
                                                           "hidden": "hidden", "aria-labelledby": "landmarks-title"})
    landmarks.append(_h("h2", {"id": "landmarks-title"}, texts["landmarks"]))
    items = ET.SubElement(landmarks, "ol")
    li = ET.SubElement(items, "li")  # the nav document is not in the spine, so no "toc" landmark
    li.append(_h("a", {"epub:type": "bodymatter", "href": book.content.parts[0].name}, book.content.title))
    return _xml(html, {"": XHTML_NS, "epub": EPUB_NS}, doctype=True)


#: Characters left as they are in a URL fragment.
_SAFE = "-._~!$&'()*+,;=:@"


def overlay_name(part: Part) -> str:
    return f"smil/{PurePosixPath(part.name).stem}.smil"


def overlay_document(book: Book, index: int) -> bytes:
    part = book.content.parts[index]
    text_href = f"../{part.name}"
    audio_href = f"../{book.audio_name}"
    smil = ET.Element("smil", {"version": "3.0"})
    body = ET.SubElement(smil, "body")
    for number, clip in enumerate(book.clips[index], start=1):
        par = ET.SubElement(body, "par", {"id": f"par-{number}"})
        ET.SubElement(par, "text", {"src": f"{text_href}#{quote(clip.id, safe=_SAFE)}"})
        ET.SubElement(par, "audio", {"src": audio_href, "clipBegin": clock(clip.begin),
                                                  "clipEnd": clock(clip.end)})
    return _xml(smil, {"": SMIL_NS})


def summary(book: Book) -> str:
    texts = TEXTS[book.content.lang]
    sentences = [texts["summary"]]
    if any(_is_notice(e) for e in book.content.parts[0].body):
        sentences.append(texts["translated"])
    if book.content.images:
        sentences.append(texts["images"])
    if book.content.replaced_images:
        sentences.append(texts["replaced"])
    return " ".join(sentences)


def _is_notice(element: ET.Element) -> bool:
    return "a11y-notice" in (element.get("class") or "").split()


def package_document(book: Book) -> bytes:
    content = book.content
    package = ET.Element("package", {"version": "3.0", "unique-identifier": "pub-id",
                                                  XML_LANG: content.lang})
    metadata = ET.SubElement(package, "metadata", {"xmlns:dc": DC_NS})

    def dc(name: str, text: str, attrs: dict[str, str] | None = None) -> None:
        ET.SubElement(metadata, f"dc:{name}", attrs or {}).text = text

    def meta(prop: str, text: str, attrs: dict[str, str] | None = None) -> None:
        ET.SubElement(metadata, "meta", {"property": prop, **(attrs or {})}).text = text

    dc("identifier", book.identifier, {"id": "pub-id"})
    dc("title", content.title or content.parts[0].title)
    dc("language", content.lang)
    if content.author:
        dc("creator", content.author, {"id": "creator"})
    if content.publisher:
        dc("publisher", content.publisher)
    if content.date:
        dc("date", content.date)
    if content.description:
        dc("description", content.description)
    meta("dcterms:modified", book.modified.strftime("%Y-%m-%dT%H:%M:%SZ"))
    visual = bool(content.images)
    for mode in ("textual", "auditory", *(["visual"] if visual else [])):
        meta("schema:accessMode", mode)
    for sufficient in ("textual", "auditory", *(["textual,visual"] if visual else [])):
        meta("schema:accessModeSufficient", sufficient)
    features = ["synchronizedAudioText", "readingOrder", "structuralNavigation", "tableOfContents",
                "displayTransformability"]
    if visual:
        features.append("alternativeText")
    if book.lexicon:
        features.append("ttsMarkup")
    for feature in features:
        meta("schema:accessibilityFeature", feature)
    meta("schema:accessibilityHazard", "none")
    meta("schema:accessibilitySummary", summary(book))
    for index in range(1, len(content.parts) + 1):
        meta("media:duration", clock(_part_duration(book.clips[index - 1])), {"refines": f"#mo-{index}"})
    meta("media:duration", clock(book.duration_ms))
    meta("media:active-class", ACTIVE_CLASS)
    manifest = ET.SubElement(package, "manifest")

    def item(item_id: str, href: str, media_type: str, **attrs: str) -> None:
        ET.SubElement(manifest, "item", {"id": item_id, "href": href, "media-type": media_type,
                                                      **{k.replace("_", "-"): v for k, v in attrs.items()}})

    item("nav", "nav.xhtml", "application/xhtml+xml", properties="nav")
    item("css", "css/book.css", "text/css")
    for index, part in enumerate(content.parts, start=1):
        item(f"part-{index}", part.name, "application/xhtml+xml", media_overlay=f"mo-{index}")
        item(f"mo-{index}", overlay_name(part), "application/smil+xml")
    item("audio", book.audio_name, "audio/mpeg")
    if book.lexicon:
        item("lexicon", LEXICON, "application/pls+xml")
    for index, image in enumerate(content.images, start=1):
        item(f"image-{index}", image.name, image.media_type)
    spine = ET.SubElement(package, "spine")
    for index in range(1, len(content.parts) + 1):
        ET.SubElement(spine, "itemref", {"idref": f"part-{index}"})
    return _xml(package, {"": OPF_NS})


def container_document() -> bytes:
    container = ET.Element("container", {"version": "1.0"})
    rootfiles = ET.SubElement(container, "rootfiles")
    ET.SubElement(rootfiles, "rootfile",
                  {"full-path": PACKAGE, "media-type": "application/oebps-package+xml"})
    return _xml(container, {"": CONTAINER_NS})


def lexicon_document(book: Book) -> bytes:
    """The PLS lexicon: one ``<lexeme>`` per word, its respelling as an ``<alias>``."""
    lexicon = ET.Element("lexicon", {"version": "1.0", "alphabet": "ipa", XML_LANG: book.content.lang})
    for written, said in book.lexicon.items():
        lexeme = ET.SubElement(lexicon, "lexeme")
        ET.SubElement(lexeme, "grapheme").text = written
        ET.SubElement(lexeme, "alias").text = said
    return _xml(lexicon, {"": PLS_NS})


def stylesheet() -> bytes:
    return (resources.files("a11ykit.epub") / "book.css").read_bytes()


def book_files(book: Book) -> dict[str, bytes]:
    """Every file of the container but ``mimetype``, by its path in the zip."""
    files = {
        "META-INF/container.xml": container_document(),
        PACKAGE: package_document(book),
        f"{ROOT}/nav.xhtml": nav_document(book),
        f"{ROOT}/css/book.css": stylesheet(),
        f"{ROOT}/{book.audio_name}": book.audio,
    }
    for index, part in enumerate(book.content.parts):
        files[f"{ROOT}/{overlay_name(part)}"] = overlay_document(book, index)
        files[f"{ROOT}/{part.name}"] = content_document(book, part)
    for image in book.content.images:
        files[f"{ROOT}/{image.name}"] = image.data
    if book.lexicon:
        files[f"{ROOT}/{LEXICON}"] = lexicon_document(book)
    return files


def write_epub(fileobj: BinaryIO, book: Book) -> None:
    """Write the book as an EPUB container: ``mimetype`` first and stored, then sorted entries."""
    stamp = book.modified.timetuple()[:6]

    def entry(name: str, compress: int) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=stamp)
        info.compress_type = compress
        info.create_system = 3  # Unix, whatever machine writes it
        info.external_attr = 0o100644 << 16
        return info

    files = book_files(book)
    with zipfile.ZipFile(fileobj, "w") as archive:
        archive.writestr(entry("mimetype", zipfile.ZIP_STORED), b"application/epub+zip")
        for name in sorted(files):
            stored = name.lower().endswith(STORED_SUFFIXES)
            archive.writestr(entry(name, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED), files[name],
                             compresslevel=None if stored else 9)
