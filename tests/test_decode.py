"""Bytes to text: BOM, declared charset, fallback; bad input is refused clearly."""

import codecs

import pytest

from a11ykit.errors import InputError
from a11ykit.html.decode import decode_html

PAGE = "<html><body><p>José paid 5 €.</p></body></html>"


def test_utf8_without_declaration():
    assert decode_html(PAGE.encode()).text == PAGE


def test_a_byte_order_mark_wins():
    assert decode_html(codecs.BOM_UTF16_LE + PAGE.encode("utf-16-le")).text == PAGE


def test_a_declared_legacy_charset_is_used():
    page = '<meta charset="windows-1252">' + PAGE
    decoded = decode_html(page.encode("cp1252"))
    assert decoded.text == page and decoded.encoding == "cp1252"


def test_utf8_bytes_declared_as_latin1_are_read_as_utf8_with_a_warning():
    decoded = decode_html(('<meta charset="iso-8859-1">' + PAGE).encode())
    assert "José" in decoded.text
    assert "bytes are UTF-8" in decoded.warnings[0]


def test_undeclared_legacy_bytes_fall_back_to_windows_1252():
    decoded = decode_html(PAGE.encode("cp1252"))
    assert "José" in decoded.text and decoded.encoding == "cp1252"


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
