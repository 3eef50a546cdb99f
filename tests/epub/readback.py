"""Read an EPUB back the way a reading system does: container → package → spine → overlays.

Only the standard library and BeautifulSoup: nothing of a11ykit's, so the tests check the
book itself, not the code that wrote it.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "smil": "http://www.w3.org/ns/SMIL",
    "c": "urn:oasis:names:tc:opendocument:xmlns:container",
    "x": "http://www.w3.org/1999/xhtml",
}
_CLOCK = re.compile(r"^(?:(?:(\d+):)?(\d{1,2}):)?(\d+(?:\.\d+)?)(s|ms|min|h)?$")


def seconds(value: str) -> float:
    """A SMIL clock value (``0:01:02.500``, ``62.5s``, ``1500ms``) in seconds."""
    match = _CLOCK.match(value.strip())
    if not match:
        raise ValueError(f"not a SMIL clock value: {value!r}")
    hours, minutes, secs, unit = match.groups()
    if hours or minutes:
        return int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(secs)
    return float(secs) * {"s": 1, None: 1, "ms": 0.001, "min": 60, "h": 3600}[unit]


@dataclass
class Par:
    document: str  # zip path of the content document
    fragment: str  # the element id
    audio: str  # zip path of the audio file
    begin: float
    end: float


@dataclass
class Overlay:
    path: str
    item_id: str
    pars: list[Par] = field(default_factory=list)


@dataclass
class ReadBook:
    names: list[str]  # zip entries, in order
    infos: list[zipfile.ZipInfo]
    files: dict[str, bytes]
    package_path: str
    package: ET.Element
    manifest: dict[str, dict[str, str]]  # id → item attributes, href resolved to a zip path
    spine: list[str]  # zip paths of the content documents, in reading order
    overlays: list[Overlay]  # in spine order

    def metadata(self, prop: str, refines: str | None = None) -> list[str]:
        found = []
        for meta in self.package.iterfind("opf:metadata/opf:meta", NS):
            if meta.get("property") == prop and meta.get("refines") == refines:
                found.append((meta.text or "").strip())
        return found

    def dc(self, name: str) -> list[str]:
        return [(e.text or "").strip() for e in self.package.iterfind(f"opf:metadata/dc:{name}", NS)]

    @property
    def pars(self) -> list[Par]:
        return [par for overlay in self.overlays for par in overlay.pars]

    def text(self, path: str) -> str:
        return self.files[path].decode("utf-8")


def _resolve(base: str, href: str) -> str:
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), unquote(href)))


def read_book(path: Path) -> ReadBook:
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        files = {info.filename: archive.read(info) for info in infos}
    container = ET.fromstring(files["META-INF/container.xml"])
    package_path = container.find("c:rootfiles/c:rootfile", NS).get("full-path")
    package = ET.fromstring(files[package_path])
    manifest = {}
    for item in package.iterfind("opf:manifest/opf:item", NS):
        attrs = dict(item.attrib)
        attrs["path"] = _resolve(package_path, attrs["href"])
        manifest[attrs["id"]] = attrs
    spine_ids = [ref.get("idref") for ref in package.iterfind("opf:spine/opf:itemref", NS)]
    spine = [manifest[i]["path"] for i in spine_ids]
    overlays = []
    for item_id in spine_ids:
        overlay_id = manifest[item_id].get("media-overlay")
        if overlay_id is None:
            continue
        overlay_path = manifest[overlay_id]["path"]
        overlay = Overlay(overlay_path, overlay_id)
        root = ET.fromstring(files[overlay_path])
        for par in root.iter(f"{{{NS['smil']}}}par"):
            text = par.find("smil:text", NS)
            audio = par.find("smil:audio", NS)
            document, _, fragment = text.get("src").partition("#")
            overlay.pars.append(Par(
                _resolve(overlay_path, document), unquote(fragment), _resolve(overlay_path, audio.get("src")),
                seconds(audio.get("clipBegin")), seconds(audio.get("clipEnd")),
            ))
        overlays.append(overlay)
    return ReadBook([i.filename for i in infos], infos, files, package_path, package, manifest, spine, overlays)
