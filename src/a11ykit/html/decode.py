"""Bytes → text for HTML pages, read the way a browser reads them.

Order: a byte-order mark; then the charset the page declares, found with the HTML
standard's *prescan* (so a ``<meta>`` inside a comment does not count) and
honoured only if it is a label of the WHATWG Encoding Standard; then UTF-8; then
windows-1252. A label browsers do not know (``utf-7``, ``unicode_escape``,
``base64``, …) is ignored with a warning, as browsers ignore it: decoding with
such a codec could turn inert text into live markup.

A page whose declaration contradicts its bytes is decoded by what the bytes are
when that is unambiguous (valid UTF-8 with non-ASCII text declared as a legacy
charset — a common real-world bug), with a warning; otherwise it is an error.

This module owns decoding only: it must not parse HTML or change the text it decodes.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from a11ykit.errors import InputError

#: The WHATWG Encoding Standard's encodings and their labels (https://encoding.spec.whatwg.org/#names-and-labels).
ENCODING_LABELS: dict[str, tuple[str, ...]] = {
    "utf-8": ("unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8"),
    "ibm866": ("866", "cp866", "csibm866", "ibm866"),
    "iso-8859-2": ("csisolatin2", "iso-8859-2", "iso-ir-101", "iso8859-2", "iso88592", "iso_8859-2",
                   "iso_8859-2:1987", "l2", "latin2"),
    "iso-8859-3": ("csisolatin3", "iso-8859-3", "iso-ir-109", "iso8859-3", "iso88593", "iso_8859-3",
                   "iso_8859-3:1988", "l3", "latin3"),
    "iso-8859-4": ("csisolatin4", "iso-8859-4", "iso-ir-110", "iso8859-4", "iso88594", "iso_8859-4",
                   "iso_8859-4:1988", "l4", "latin4"),
    "iso-8859-5": ("csisolatincyrillic", "cyrillic", "iso-8859-5", "iso-ir-144", "iso8859-5", "iso88595",
                   "iso_8859-5", "iso_8859-5:1988"),
    "iso-8859-6": ("arabic", "asmo-708", "csiso88596e", "csiso88596i", "csisolatinarabic", "ecma-114",
                   "iso-8859-6", "iso-8859-6-e", "iso-8859-6-i", "iso-ir-127", "iso8859-6", "iso88596",
                   "iso_8859-6", "iso_8859-6:1987"),
    "iso-8859-7": ("csisolatingreek", "ecma-118", "elot_928", "greek", "greek8", "iso-8859-7", "iso-ir-126",
                   "iso8859-7", "iso88597", "iso_8859-7", "iso_8859-7:1987", "sun_eu_greek"),
    "iso-8859-8": ("csiso88598e", "csisolatinhebrew", "hebrew", "iso-8859-8", "iso-8859-8-e", "iso-ir-138",
                   "iso8859-8", "iso88598", "iso_8859-8", "iso_8859-8:1988", "visual"),
    "iso-8859-8-i": ("csiso88598i", "iso-8859-8-i", "logical"),
    "iso-8859-10": ("csisolatin6", "iso-8859-10", "iso-ir-157", "iso8859-10", "iso885910", "l6", "latin6"),
    "iso-8859-13": ("iso-8859-13", "iso8859-13", "iso885913"),
    "iso-8859-14": ("iso-8859-14", "iso8859-14", "iso885914"),
    "iso-8859-15": ("csisolatin9", "iso-8859-15", "iso8859-15", "iso885915", "iso_8859-15", "l9"),
    "iso-8859-16": ("iso-8859-16",),
    "koi8-r": ("cskoi8r", "koi", "koi8", "koi8-r", "koi8_r"),
    "koi8-u": ("koi8-ru", "koi8-u"),
    "macintosh": ("csmacintosh", "mac", "macintosh", "x-mac-roman"),
    "windows-874": ("dos-874", "iso-8859-11", "iso8859-11", "iso885911", "tis-620", "windows-874"),
    "windows-1250": ("cp1250", "windows-1250", "x-cp1250"),
    "windows-1251": ("cp1251", "windows-1251", "x-cp1251"),
    "windows-1252": ("ansi_x3.4-1968", "ascii", "cp1252", "cp819", "csisolatin1", "ibm819", "iso-8859-1",
                     "iso-ir-100", "iso8859-1", "iso88591", "iso_8859-1", "iso_8859-1:1987", "l1", "latin1",
                     "us-ascii", "windows-1252", "x-cp1252"),
    "windows-1253": ("cp1253", "windows-1253", "x-cp1253"),
    "windows-1254": ("cp1254", "csisolatin5", "iso-8859-9", "iso-ir-148", "iso8859-9", "iso88599", "iso_8859-9",
                     "iso_8859-9:1989", "l5", "latin5", "windows-1254", "x-cp1254"),
    "windows-1255": ("cp1255", "windows-1255", "x-cp1255"),
    "windows-1256": ("cp1256", "windows-1256", "x-cp1256"),
    "windows-1257": ("cp1257", "windows-1257", "x-cp1257"),
    "windows-1258": ("cp1258", "windows-1258", "x-cp1258"),
    "x-mac-cyrillic": ("x-mac-cyrillic", "x-mac-ukrainian"),
    "gbk": ("chinese", "csgb2312", "csiso58gb231280", "gb2312", "gb_2312", "gb_2312-80", "gbk", "iso-ir-58",
            "x-gbk"),
    "gb18030": ("gb18030",),
    "big5": ("big5", "big5-hkscs", "cn-big5", "csbig5", "x-x-big5"),
    "euc-jp": ("cseucpkdfmtjapanese", "euc-jp", "x-euc-jp"),
    "iso-2022-jp": ("csiso2022jp", "iso-2022-jp"),
    "shift_jis": ("csshiftjis", "ms932", "ms_kanji", "shift-jis", "shift_jis", "sjis", "windows-31j", "x-sjis"),
    "euc-kr": ("cseuckr", "csksc56011987", "euc-kr", "iso-ir-149", "korean", "ks_c_5601-1987", "ks_c_5601-1989",
               "ksc5601", "ksc_5601", "windows-949"),
    "replacement": ("csiso2022kr", "hz-gb-2312", "iso-2022-cn", "iso-2022-cn-ext", "iso-2022-kr", "replacement"),
    "utf-16be": ("unicodefffe", "utf-16be"),
    "utf-16le": ("csunicode", "iso-10646-ucs-2", "ucs-2", "unicode", "unicodefeff", "utf-16", "utf-16le"),
    "x-user-defined": ("x-user-defined",),
}
LABELS: dict[str, str] = {label: name for name, labels in ENCODING_LABELS.items() for label in labels}

#: The Python codec that decodes each WHATWG encoding (the closest one where they differ:
#: WHATWG's gbk is gb18030, big5 includes HKSCS, shift_jis is Windows' cp932, euc-kr is cp949).
#: "replacement" and "x-user-defined" have none: they never decode a page (see ``prescan``).
_CODECS: dict[str, str] = {
    "utf-8": "utf-8", "ibm866": "cp866", "iso-8859-2": "iso8859_2", "iso-8859-3": "iso8859_3",
    "iso-8859-4": "iso8859_4", "iso-8859-5": "iso8859_5", "iso-8859-6": "iso8859_6", "iso-8859-7": "iso8859_7",
    "iso-8859-8": "iso8859_8", "iso-8859-8-i": "iso8859_8", "iso-8859-10": "iso8859_10",
    "iso-8859-13": "iso8859_13", "iso-8859-14": "iso8859_14", "iso-8859-15": "iso8859_15",
    "iso-8859-16": "iso8859_16", "koi8-r": "koi8_r", "koi8-u": "koi8_u", "macintosh": "mac_roman",
    "windows-874": "cp874", "windows-1250": "cp1250", "windows-1251": "cp1251", "windows-1252": "cp1252",
    "windows-1253": "cp1253", "windows-1254": "cp1254", "windows-1255": "cp1255", "windows-1256": "cp1256",
    "windows-1257": "cp1257", "windows-1258": "cp1258", "x-mac-cyrillic": "mac_cyrillic", "gbk": "gb18030",
    "gb18030": "gb18030", "big5": "big5hkscs", "euc-jp": "euc_jp", "iso-2022-jp": "iso2022_jp",
    "shift_jis": "cp932", "euc-kr": "cp949", "utf-16be": "utf-16-be", "utf-16le": "utf-16-le",
}

#: How far the prescan looks for a declaration (the standard waits for 1,024 bytes, and a browser
#: also honours a later ``<meta>`` in the head by reparsing; 8 KiB covers real pages' long heads).
PRESCAN_BYTES = 8192

# windows-1252 as WHATWG defines it: total, the five bytes cp1252 leaves undefined are C1 controls.
_WINDOWS_1252 = {
    b: bytes([b]).decode("cp1252", "replace").replace("\ufffd", chr(b)) for b in range(0x80, 0xA0)
}
# Escape sequences that switch ISO-2022-JP out of ASCII (browsers may detect an undeclared page as it).
_ISO_2022_JP_SHIFT = re.compile(rb"\x1b(?:\$[@B]|\(J|\(I)")
_HTML_SIGNS = re.compile(
    r"<(?:!doctype\s+html|html|head|body|title|meta|p|div|span|a|h[1-6]|table|article|section|main|ul|ol|li|br|img)[\s>/]",
    re.IGNORECASE,
)


@dataclass
class Decoded:
    text: str
    encoding: str  # WHATWG name of the encoding the text was decoded with
    declared: str | None  # WHATWG name of the page's honoured declaration, if any
    warnings: list[str] = field(default_factory=list)


def encoding_for_label(label: str) -> str | None:
    """The Encoding Standard's *get an encoding*: the encoding a label names, or None."""
    return LABELS.get(label.strip("\t\n\f\r ").lower())


def decode_html(data: bytes, name: str = "input") -> Decoded:
    if not data.strip():
        raise InputError(f"{name}: the file is empty", code="A11Y102")
    for bom, enc in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16le"), (codecs.BOM_UTF16_BE, "utf-16be")):
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(_CODECS[enc])
            except UnicodeDecodeError as exc:
                raise InputError(f"{name}: starts with a {enc} byte-order mark but byte {exc.start} is not {enc}",
                                 code="A11Y104") from None
            return _checked(Decoded(text, enc, None), name)
    if b"\x00" in data[:4096] or _looks_binary(data[:4096]):
        raise InputError(f"{name}: is a binary file, not HTML", code="A11Y103")
    found = prescan(data[:PRESCAN_BYTES])
    declared, label = found.encoding, found.label
    warnings = [f"charset {bad!r} declared, which browsers do not support; ignored" for bad in found.ignored]
    if declared == "replacement":
        raise InputError(
            f"{name}: declares charset {label}, which browsers refuse to decode (they show no content); "
            "save the page as UTF-8",
            code="A11Y104",
        )
    if declared is None and _ISO_2022_JP_SHIFT.search(data):
        raise InputError(
            f"{name}: has ISO-2022-JP escape sequences but declares no charset, so browsers may read it "
            "differently; declare the charset",
            code="A11Y104",
        )
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
        # No declaration: the HTML standard's fallback for these languages.
        warnings.append("no charset declared; decoded as windows-1252")
        return _checked(Decoded(windows_1252(data), "windows-1252", None, warnings), name)
    # A legacy charset is declared.
    if utf8 is not None and not data.isascii():
        warnings.append(f"declares charset {label} but the bytes are UTF-8; decoded as UTF-8")
        return _checked(Decoded(utf8, "utf-8", declared, warnings), name)
    if declared == "windows-1252":
        return _checked(Decoded(windows_1252(data), declared, declared, warnings), name)
    try:
        text = data.decode(_CODECS[declared])
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: declares charset {label} but byte {exc.start} is not valid in it",
                         code="A11Y104") from None
    return _checked(Decoded(text, declared, declared, warnings), name)


def windows_1252(data: bytes) -> str:
    """WHATWG's windows-1252 decoder: every byte is a character, never an error."""
    return data.decode("latin-1").translate(_WINDOWS_1252)


# --- the HTML standard's prescan (https://html.spec.whatwg.org/#prescan-a-byte-stream-to-determine-its-encoding)


@dataclass
class Declaration:
    encoding: str | None = None  # WHATWG name; None when the page declares nothing browsers honour
    label: str | None = None  # as written in the page
    ignored: list[str] = field(default_factory=list)  # declared labels no browser knows


class _Exhausted(Exception):
    """The bytes ended inside a construct: the prescan gives up."""


_SPACE = b"\t\n\x0c\r "
_SPACE_OR_SLASH = _SPACE + b"/"
_TAG_NAME_END = re.compile(rb"[\t\n\x0c\r >]")


def prescan(head: bytes) -> Declaration:
    """The charset a page's first bytes declare, as browsers find it: comments are skipped,
    each ``<meta>`` is read by the standard's rules, unknown labels are passed over."""
    result = Declaration()
    pos = 0
    try:
        while (pos := head.find(b"<", pos)) >= 0:
            if head.startswith(b"<!--", pos):
                end = head.find(b"-->", pos + 2)
                if end < 0:
                    break
                pos = end + 3
                continue
            after = head[pos + 1 : pos + 3]
            is_meta = head[pos + 1 : pos + 5].lower() == b"meta"
            if is_meta and head[pos + 5 : pos + 6] and head[pos + 5] in _SPACE_OR_SLASH:
                pos = _meta(head, pos + 6, result)
                if result.encoding:
                    return result
            elif after[:1].isalpha() or (after[:1] == b"/" and after[1:2].isalpha()):
                m = _TAG_NAME_END.search(head, pos)
                if m is None:
                    break
                pos = m.start()
                while True:
                    name, _value, pos = _attribute(head, pos)
                    if name is None:
                        break
            elif after[:1] in (b"!", b"/", b"?"):
                pos = head.find(b">", pos + 1)
                if pos < 0:
                    break
            pos += 1
    except _Exhausted:
        pass
    return result


def _meta(head: bytes, pos: int, result: Declaration) -> int:
    """Read one ``<meta``'s attributes from ``pos``; set ``result`` if it declares a known
    encoding. Returns the position of its end."""
    seen: set[bytes] = set()
    got_pragma = False
    need_pragma: bool | None = None
    charset: str | None = None  # the label
    while True:
        name, value, pos = _attribute(head, pos)
        if name is None:
            break
        if name in seen:
            continue
        seen.add(name)
        if name == b"http-equiv":
            got_pragma = got_pragma or value.lower() == b"content-type"
        elif name == b"content":
            label = _charset_in_content(value)
            if label is not None and charset is None:
                charset, need_pragma = label, True
        elif name == b"charset":
            charset, need_pragma = value.decode("latin-1"), False
    if need_pragma is None or (need_pragma and not got_pragma) or charset is None:
        return pos
    encoding = encoding_for_label(charset)
    if encoding is None:
        if charset.strip():
            result.ignored.append(charset.strip())
        return pos
    if encoding in ("utf-16be", "utf-16le"):  # a page that can declare itself in ASCII is not UTF-16
        encoding = "utf-8"
    elif encoding == "x-user-defined":
        encoding = "windows-1252"
    result.encoding, result.label = encoding, charset.strip()
    return pos


def _charset_in_content(value: bytes) -> str | None:
    """The label in ``content="text/html; charset=…"`` (the standard's extraction algorithm)."""
    pos = 0
    lower = value.lower()
    while (pos := lower.find(b"charset", pos)) >= 0:
        pos += 7
        while pos < len(value) and value[pos] in _SPACE:
            pos += 1
        if value[pos : pos + 1] != b"=":
            continue
        pos += 1
        while pos < len(value) and value[pos] in _SPACE:
            pos += 1
        quote = value[pos : pos + 1]
        if quote in (b'"', b"'"):
            end = value.find(quote, pos + 1)
            return value[pos + 1 : end].decode("latin-1") if end >= 0 else None
        end = pos
        while end < len(value) and value[end] not in _SPACE + b";":
            end += 1
        return value[pos:end].decode("latin-1")
    return None


def _attribute(head: bytes, pos: int) -> tuple[bytes | None, bytes, int]:
    """The standard's *get an attribute*: ``(name, value, position after it)``; name None at ``>``."""
    n = len(head)
    while pos < n and head[pos] in _SPACE_OR_SLASH:
        pos += 1
    if pos >= n:
        raise _Exhausted
    if head[pos] == 0x3E:  # >
        return None, b"", pos
    start = pos
    while True:
        if pos >= n:
            raise _Exhausted
        c = head[pos]
        if c == 0x3D and pos > start:  # = after a name
            pos += 1
            break
        if c in _SPACE:
            name = head[start:pos].lower()
            while pos < n and head[pos] in _SPACE:
                pos += 1
            if pos >= n:
                raise _Exhausted
            if head[pos] != 0x3D:
                return name, b"", pos
            pos += 1
            return name, *_attribute_value(head, pos)
        if c in (0x2F, 0x3E):  # / or >
            return head[start:pos].lower(), b"", pos
        pos += 1
    return head[start : pos - 1].lower(), *_attribute_value(head, pos)


def _attribute_value(head: bytes, pos: int) -> tuple[bytes, int]:
    n = len(head)
    while pos < n and head[pos] in _SPACE:
        pos += 1
    if pos >= n:
        raise _Exhausted
    quote = head[pos]
    if quote in (0x22, 0x27):  # " or '
        end = head.find(bytes([quote]), pos + 1)
        if end < 0:
            raise _Exhausted
        return head[pos + 1 : end].lower(), end + 1
    if quote == 0x3E:
        return b"", pos
    start = pos
    while pos < n and head[pos] not in _SPACE and head[pos] != 0x3E:
        pos += 1
    if pos >= n:
        raise _Exhausted
    return head[start:pos].lower(), pos


def _looks_binary(head: bytes) -> bool:
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return len(head) > 0 and controls / len(head) > 0.05


def _checked(decoded: Decoded, name: str) -> Decoded:
    if not _HTML_SIGNS.search(decoded.text):
        raise InputError(f"{name}: does not look like HTML (no HTML elements found)", code="A11Y105")
    return decoded
