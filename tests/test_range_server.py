"""The test file server answers byte ranges the way browsers' media players need."""

from __future__ import annotations

import http.client
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from range_server import RangeServer, parse_range

DATA = bytes(range(256)) * 40  # 10,240 bytes, every offset distinguishable mod 256


@pytest.fixture
def served(tmp_path: Path) -> Iterator[RangeServer]:
    (tmp_path / "a.opus").write_bytes(DATA)
    for name in ("a.mp3", "a.vtt", "a.json", "a.html", "a.bin"):
        (tmp_path / name).write_bytes(b"x" * 10)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_bytes(b"below")
    (tmp_path.parent / "outside.txt").write_bytes(b"secret")
    with RangeServer(tmp_path) as server:
        yield server


def request(server: RangeServer, path: str, headers: dict[str, str] | None = None, method: str = "GET"):
    """(status, headers, body) of one request."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        return response.status, response.headers, body
    finally:
        connection.close()


def test_whole_file_says_it_accepts_ranges(served: RangeServer) -> None:
    status, headers, body = request(served, "/a.opus")
    assert status == 200
    assert body == DATA
    assert headers["Accept-Ranges"] == "bytes"
    assert headers["Content-Length"] == str(len(DATA))
    assert "Content-Range" not in headers


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=10-19", 10, 19),
        ("bytes=0-0", 0, 0),
        ("bytes=10000-", 10000, len(DATA) - 1),
        ("bytes=-16", len(DATA) - 16, len(DATA) - 1),
        ("bytes=10200-99999", 10200, len(DATA) - 1),  # an end past the file is cut to the file
        ("bytes=-99999", 0, len(DATA) - 1),
    ],
)
def test_range_gives_206_with_exactly_those_bytes(served: RangeServer, header: str, first: int, last: int) -> None:
    status, headers, body = request(served, "/a.opus", {"Range": header})
    assert status == 206
    assert headers["Content-Range"] == f"bytes {first}-{last}/{len(DATA)}"
    assert headers["Content-Length"] == str(last - first + 1)
    assert headers["Accept-Ranges"] == "bytes"
    assert headers["Content-Type"] == "audio/ogg"
    assert body == DATA[first : last + 1]


@pytest.mark.parametrize("header", [f"bytes={len(DATA)}-", f"bytes={len(DATA) + 5}-{len(DATA) + 9}", "bytes=-0"])
def test_unsatisfiable_range_gives_416(served: RangeServer, header: str) -> None:
    status, headers, body = request(served, "/a.opus", {"Range": header})
    assert status == 416
    assert headers["Content-Range"] == f"bytes */{len(DATA)}"
    assert body == b""


@pytest.mark.parametrize("header", ["bytes=5-2", "items=0-1", "bytes=0-1,5-6", "bytes=-", "nonsense"])
def test_invalid_or_multiple_ranges_are_ignored(served: RangeServer, header: str) -> None:
    status, _, body = request(served, "/a.opus", {"Range": header})
    assert status == 200
    assert body == DATA


def test_head_sends_the_headers_only(served: RangeServer) -> None:
    status, headers, body = request(served, "/a.opus", {"Range": "bytes=100-199"}, method="HEAD")
    assert status == 206
    assert headers["Content-Range"] == f"bytes 100-199/{len(DATA)}"
    assert headers["Content-Length"] == "100"
    assert body == b""


def test_if_range_matching_the_etag_keeps_the_range_a_stale_one_gets_the_whole_file(served: RangeServer) -> None:
    _, headers, _ = request(served, "/a.opus", method="HEAD")
    fresh = request(served, "/a.opus", {"Range": "bytes=0-9", "If-Range": headers["ETag"]})
    assert fresh[0] == 206 and fresh[2] == DATA[:10]
    stale = request(served, "/a.opus", {"Range": "bytes=0-9", "If-Range": '"not-this-one"'})
    assert stale[0] == 200 and stale[2] == DATA


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("a.opus", "audio/ogg"),
        ("a.mp3", "audio/mpeg"),
        ("a.vtt", "text/vtt; charset=utf-8"),
        ("a.json", "application/json"),
        ("a.html", "text/html; charset=utf-8"),
        ("a.bin", "application/octet-stream"),
    ],
)
def test_content_types(served: RangeServer, name: str, content_type: str) -> None:
    assert request(served, "/" + name)[1]["Content-Type"] == content_type


def test_files_below_the_root_are_served_nothing_outside_it(served: RangeServer) -> None:
    assert request(served, "/sub/b.txt")[2] == b"below"
    assert request(served, "/sub/b.txt?x=1#y")[2] == b"below"
    assert request(served, "/missing.opus")[0] == 404
    assert request(served, "/../outside.txt")[0] == 404
    assert request(served, "/sub/../../outside.txt")[0] == 404
    assert request(served, "/%2e%2e/outside.txt")[0] == 404


def test_listens_on_loopback_on_a_free_port_and_stops(tmp_path: Path) -> None:
    with RangeServer(tmp_path) as first, RangeServer(tmp_path) as second:
        assert first.url.startswith("http://127.0.0.1:") and first.url.endswith("/")
        assert first.port != second.port
        port = first.port
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass


def test_parse_range() -> None:
    assert parse_range("bytes=0-99", 50) == (0, 49)
    assert parse_range("bytes=50-", 50) == "unsatisfiable"
    assert parse_range("bytes=0-", 0) == "unsatisfiable"
    assert parse_range("bytes=1-0", 50) is None
