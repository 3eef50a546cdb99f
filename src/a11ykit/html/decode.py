"""Bytes → text for HTML pages: BOM, then the declared charset, then a sensible fallback.

A page whose declaration contradicts its bytes is decoded by what the bytes are
when that is unambiguous (valid UTF-8 with non-ASCII text declared as a legacy
charset — a common real-world bug), with a warning; otherwise it is an error.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from a11ykit.errors import InputError

_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)
_HTML_SIGNS = re.compile(
    r"<(?:!doctype\s+html|html|head|body|title|meta|p|div|span|a|h[1-6]|table|article|section|main|ul|ol|li|br|img)[\s>/]",
    re.IGNORECASE,
)


@dataclass
class Decoded:
    text: str
    encoding: str
    declared: str | None
    warnings: list[str] = field(default_factory=list)


def _normalise(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_html(data: bytes, name: str = "input") -> Decoded:
    if not data.strip():
        raise InputError(f"{name}: the file is empty", code="A11Y102")
    for bom, enc in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(enc)
            except UnicodeDecodeError as exc:
                raise InputError(f"{name}: starts with a {enc} byte-order mark but byte {exc.start} is not {enc}", code="A11Y104") from None
            return _checked(Decoded(text, enc, None), name)
    if b"\x00" in data[:4096] or _looks_binary(data[:4096]):
        raise InputError(f"{name}: is a binary file, not HTML", code="A11Y103")
    m = _META_CHARSET.search(data[:8192])
    declared_raw = m.group(1).decode("ascii", "replace") if m else None
    declared = _normalise(declared_raw) if declared_raw else None
    warnings: list[str] = []
    if declared_raw and declared is None:
        warnings.append(f"unknown charset {declared_raw!r} declared; decoded by the bytes")
    utf8: str | None
    try:
        utf8 = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8 = None
        utf8_error = exc.start
    if declared in (None, "utf-8"):
        if utf8 is not None:
            return _checked(Decoded(utf8, "utf-8", declared, warnings), name)
        if declared == "utf-8":
            raise InputError(
                f"{name}: declares charset utf-8 but byte {utf8_error} is not UTF-8; fix the declaration or the bytes",
                code="A11Y104",
            )
        try:  # no declaration: the HTML standard's fallback
            return _checked(Decoded(data.decode("cp1252"), "cp1252", None, [*warnings, "no charset declared; decoded as windows-1252"]), name)
        except UnicodeDecodeError as exc:
            raise InputError(f"{name}: undecodable bytes at {exc.start}: neither UTF-8 nor windows-1252", code="A11Y104") from None
    # A legacy charset is declared.
    if utf8 is not None and not data.isascii() and declared not in ("utf-16-le", "utf-16-be", "utf-16"):
        warnings.append(f"declares charset {declared_raw} but the bytes are UTF-8; decoded as UTF-8")
        return _checked(Decoded(utf8, "utf-8", declared, warnings), name)
    try:
        text = data.decode(declared)
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: declares charset {declared_raw} but byte {exc.start} is not valid in it", code="A11Y104") from None
    return _checked(Decoded(text, declared, declared, warnings), name)


def _looks_binary(head: bytes) -> bool:
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return len(head) > 0 and controls / len(head) > 0.05


def _checked(decoded: Decoded, name: str) -> Decoded:
    if not _HTML_SIGNS.search(decoded.text):
        raise InputError(f"{name}: does not look like HTML (no HTML elements found)", code="A11Y105")
    return decoded
