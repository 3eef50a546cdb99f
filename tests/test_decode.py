"""Bytes to text as a browser reads them: BOM, a declared WHATWG charset, fallback; bad input is refused clearly.

A charset label browsers do not know must never decode the page: the original page shows such text inert,
so decoding it with a Python codec (utf-7, unicode_escape, …) would turn it into live markup.
"""

import codecs
import json

import pytest
from bs4 import BeautifulSoup

from a11ykit.api import build_page
from a11ykit.cli import main
from a11ykit.errors import InputError
from a11ykit.html.decode import ENCODING_LABELS, decode_html, prescan
from a11ykit.terms.base import Glossary
from fakes import IdentityEngine

PAGE = "<html><body><p>José paid 5 €.</p></body></html>"


def declaring(label: str, body: str) -> str:
    return f'<html><head><meta charset="{label}"></head><body><p>{body}</p></body></html>'


def test_utf8_without_declaration():
    assert decode_html(PAGE.encode()).text == PAGE


def test_a_byte_order_mark_wins():
    assert decode_html(codecs.BOM_UTF16_LE + PAGE.encode("utf-16-le")).text == PAGE


def test_a_declared_legacy_charset_is_used():
    page = '<meta charset="windows-1252">' + PAGE
    decoded = decode_html(page.encode("cp1252"))
    assert decoded.text == page and decoded.encoding == "windows-1252"


def test_utf8_bytes_declared_as_latin1_are_read_as_utf8_with_a_warning():
    decoded = decode_html(('<meta charset="iso-8859-1">' + PAGE).encode())
    assert "José" in decoded.text
    assert "bytes are UTF-8" in decoded.warnings[0]


def test_undeclared_legacy_bytes_fall_back_to_windows_1252():
    decoded = decode_html(PAGE.encode("cp1252"))
    assert "José" in decoded.text and decoded.encoding == "windows-1252"


def test_windows_1252_decodes_every_byte_as_browsers_do():
    assert decode_html(b"<p>\x93Quoted\x94 \x81 \x8d</p>").text == "<p>\u201cQuoted\u201d \x81 \x8d</p>"


def test_bytes_that_contradict_a_utf8_declaration_are_refused():
    with pytest.raises(InputError, match="declares charset utf-8 but byte"):
        decode_html(('<meta charset="utf-8">' + PAGE).encode("cp1252"))


def test_an_empty_file_is_refused():
    with pytest.raises(InputError, match="empty"):
        decode_html(b"  \n")


def test_a_binary_file_is_refused():
    with pytest.raises(InputError, match="binary"):
        decode_html(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))


def test_text_that_is_not_html_is_refused():
    with pytest.raises(InputError, match="does not look like HTML"):
        decode_html(b'{"title": "Not a page"}')


def test_the_messy_fixtures_all_decode(fixtures_dir):
    for path in sorted((fixtures_dir / "messy").glob("*.html")):
        assert "\ufffd" not in decode_html(path.read_bytes(), path.name).text


# --- which declarations count ---------------------------------------------------------------

#: Python codecs (and a few other names) that are no WHATWG label, with text each would turn into markup.
NOT_BROWSER_LABELS = [
    ("utf-7", "+ADw-script+AD4-alert(1)+ADw-/script+AD4-"),
    ("UTF7", "+ADw-img src=x onerror=alert(1)+AD4-"),
    ("unicode_escape", r"\x3cimg src=x onerror=alert(2)\x3e"),
    ("raw_unicode_escape", r"\u003cscript\u003ealert(3)\u003c/script\u003e"),
    ("base64", "PHNjcmlwdD5hbGVydCg0KTwvc2NyaXB0Pg=="),
    ("rot13", "<fpevcg>nyreg(5)</fpevcg>"),
    ("hex", "3c7363726970743e616c6572742836293c2f7363726970743e"),
    ("zlib", "x\u009c"),
    ("uu", "begin 666 <data>"),
    ("bz2", "BZh91AY&SY"),
    ("punycode", "script-alert-7"),
    ("idna", "xn--script-alert"),
    ("utf-32", "José"),
    ("cp65001", "José"),
]


@pytest.mark.parametrize("label, body", NOT_BROWSER_LABELS)
def test_a_label_browsers_do_not_know_is_ignored_with_a_warning(label, body):
    page = declaring(label, body).encode()
    decoded = decode_html(page)
    assert (decoded.text, decoded.encoding, decoded.declared) == (page.decode(), "utf-8", None)
    assert [w for w in decoded.warnings if repr(label.lower()) in w and "browsers do not support" in w]


@pytest.mark.parametrize(
    "label, text, codec",
    [
        ("windows-1252", "José paid 5 €.", "cp1252"),
        ("iso-8859-1", "\u201cJosé\u201d", "cp1252"),  # browsers read latin1 as windows-1252
        ("latin1", "José", "cp1252"),
        ("us-ascii", "Jos\u00e9", "cp1252"),
        ("iso-8859-15", "Coût: 5 €", "iso8859_15"),
        ("windows-1251", "Русский текст", "cp1251"),
        ("koi8-r", "Русский текст", "koi8_r"),
        ("shift_jis", "日本語のページ", "cp932"),
        ("sjis", "日本語のページ", "cp932"),
        ("euc-jp", "日本語のページ", "euc_jp"),
        ("iso-2022-jp", "日本語のページ", "iso2022_jp"),
        ("gb2312", "中文网页", "gb18030"),
        ("gbk", "中文网页", "gb18030"),
        ("big5", "中文網頁", "big5"),
        ("euc-kr", "한국어 페이지", "cp949"),
        ("x-user-defined", "José", "cp1252"),  # in a <meta>, the standard reads it as windows-1252
    ],
)
def test_a_legacy_charset_browsers_know_is_honoured(label, text, codec):
    page = declaring(label, text)
    decoded = decode_html(page.encode(codec))
    assert decoded.text == page and decoded.warnings == []


@pytest.mark.parametrize("label", ["utf-16", "UTF-16LE", "utf-16be", "unicode", "ucs-2", "unicodefffe"])
def test_utf16_declared_in_a_meta_means_utf8(label):
    page = declaring(label, "José")
    decoded = decode_html(page.encode())
    assert (decoded.text, decoded.encoding) == (page, "utf-8")


@pytest.mark.parametrize("label", ENCODING_LABELS["replacement"])
def test_a_label_browsers_refuse_to_decode_is_refused(label):
    with pytest.raises(InputError, match=f"declares charset {label}, which browsers refuse to decode") as caught:
        decode_html(declaring(label, "\x0e<script>alert(1)</script>\x0f").encode())
    assert caught.value.code == "A11Y104"


def test_undeclared_iso_2022_jp_escapes_are_refused():
    with pytest.raises(InputError, match="ISO-2022-JP escape sequences"):
        decode_html(b"<html><body><p>A Japanese page: \x1b$B<script>alert(1)</script>\x1b(B</p></body></html>")


@pytest.mark.parametrize(
    "head",
    [
        '<!-- <meta charset="koi8-r"> -->',
        '<!--<meta charset="koi8-r">-->',
        '<!-- a --><!-- <meta charset="koi8-r">',  # an unterminated comment hides the rest
    ],
)
def test_a_meta_inside_a_comment_is_no_declaration(head):
    page = head + PAGE
    decoded = decode_html(page.encode())
    assert (decoded.text, decoded.declared) == (page, None)


def test_a_comment_closed_by_its_own_dashes_ends_before_the_meta():
    assert prescan(b'<!--><meta charset="koi8-r">').encoding == "koi8-r"


def test_a_meta_inside_an_attribute_value_is_no_declaration():
    assert prescan(b'<a title="<meta charset=koi8-r>"><meta charset="latin2">').encoding == "iso-8859-2"


def test_the_http_equiv_form_is_honoured():
    page = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251"><p>Русский</p>'
    assert decode_html(page.encode("cp1251")).text == page


def test_a_content_charset_without_http_equiv_is_no_declaration():
    assert prescan(b'<meta content="text/html; charset=koi8-r">').encoding is None


def test_the_http_equiv_form_with_an_unknown_label_is_ignored_with_a_warning():
    page = '<meta http-equiv="content-type" content="text/html; charset=utf-7"><p>+ADw-script+AD4-</p>'
    decoded = decode_html(page.encode())
    assert decoded.text == page and "'utf-7'" in decoded.warnings[0]


def test_a_known_label_after_an_unknown_one_is_honoured():
    page = '<meta charset="utf-7"><meta charset="koi8-r"><p>Русский</p>'
    decoded = decode_html(page.encode("koi8_r"))
    assert (decoded.text, decoded.declared) == (page, "koi8-r")


# --- end to end: a built page has no live markup its source did not have ---------------------

ATTACKS = [
    declaring("utf-7", "+ADw-script+AD4-alert(1)+ADw-/script+AD4-"),
    declaring("unicode_escape", r"\x3cimg src=x onerror=alert(2)\x3e"),
    declaring("raw_unicode_escape", r"\u003cscript\u003ealert(3)\u003c/script\u003e"),
    '<html><head><!-- <meta charset="utf-7"> --></head><body><p>+ADw-img src=x onerror=alert(4)+AD4-</p></body></html>',
]


def live_markup(html: str) -> list[str]:
    """Scripts and event-handler attributes in a page."""
    soup = BeautifulSoup(html, "html.parser")
    found = [str(s) for s in soup.find_all("script")]
    return found + [f"{t.name} {a}" for t in soup.find_all(True) for a in t.attrs if a.lower().startswith("on")]


@pytest.mark.parametrize("source", ATTACKS)
def test_a_built_page_has_no_live_markup_from_an_unknown_charset(source):
    page = build_page(source.encode(), source="en", target="es", engine=IdentityEngine(), glossary=Glossary())
    assert live_markup(page.html) == [] and "alert(" in page.html


def test_the_cli_builds_a_hostile_charset_page_inert_with_a_warning(capsys, tmp_path):
    source = tmp_path / "story.html"
    source.write_text(declaring("utf-7", "He said +ADw-script+AD4-alert(1)+ADw-/script+AD4- was a test."))
    out = tmp_path / "out"
    code = main(["build", str(source), "--to", "es", "--engine", "apertium", "--out", str(out),
                 "--locales", str(tmp_path / "locales"), "--no-audio"])
    capsys.readouterr()
    assert code == 0
    assert live_markup((out / "story.es.html").read_text(encoding="utf-8")) == []
    report = json.loads((out / "story.es.report.json").read_text(encoding="utf-8"))
    assert any("'utf-7'" in w for w in report["warnings"])
