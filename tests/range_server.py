"""A tiny static file server for the browser tests, with the byte ranges media players need.

Python's ``http.server`` ignores ``Range``, and a browser cannot seek in audio served
without it. This one answers ``Range: bytes=…`` with ``206 Partial Content`` and
``Content-Range``, says ``Accept-Ranges: bytes`` on every file, answers a range
that starts past the end with ``416`` (``Content-Range: bytes */SIZE``), honours
``If-Range``, and gives the media and caption files their proper types.
A syntactically invalid ``Range`` header, or one asking for several ranges, is
ignored (the whole file, ``200``), as RFC 9110 allows.

    with RangeServer(folder) as server:
        urlopen(server.url + "page.html")

It listens on 127.0.0.1 on a free port, serves each request in a thread and
stops (and closes every socket) when the ``with`` block ends.
"""

from __future__ import annotations

import email.utils
import http.server
import os
import re
import socket
import sys
import threading
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote, urlsplit

MIME_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".opus": "audio/ogg",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".mp3": "audio/mpeg",
    ".vtt": "text/vtt; charset=utf-8",
    ".json": "application/json",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".po": "text/plain; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}

_RANGE = re.compile(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)
_COPY_BLOCK = 64 * 1024


def parse_range(header: str, size: int) -> tuple[int, int] | str | None:
    """``(first, last)`` (inclusive) for one satisfiable range; ``None`` when the header
    is to be ignored (invalid, or several ranges); ``"unsatisfiable"`` for a 416."""
    match = _RANGE.match(header)
    if not match:
        return None  # invalid syntax or a multi-range request: serve the whole file
    first_text, last_text = match.groups()
    if first_text:
        first = int(first_text)
        if last_text and int(last_text) < first:
            return None  # "bytes=5-2" is invalid, not unsatisfiable
        if first >= size:
            return "unsatisfiable"
        return first, min(int(last_text), size - 1) if last_text else size - 1
    if not last_text:
        return None  # "bytes=-"
    suffix = int(last_text)
    if suffix == 0 or size == 0:
        return "unsatisfiable"
    return max(size - suffix, 0), size - 1


class RangeRequestHandler(http.server.BaseHTTPRequestHandler):
    """GET and HEAD of the files under the server's ``root``; nothing else."""

    server: _Server
    protocol_version = "HTTP/1.0"  # one request per connection: no idle keep-alive threads
    timeout = 15  # seconds a connection may stall before it is dropped

    def do_GET(self) -> None:
        self._serve(body=True)

    def do_HEAD(self) -> None:
        self._serve(body=False)

    def log_message(self, fmt: str, *args: object) -> None:
        self.server.log.append(fmt % args)

    def _file(self) -> Path | None:
        path = unquote(urlsplit(self.path).path)
        root = self.server.root
        candidate = (root / path.lstrip("/")).resolve()
        if candidate != root and root not in candidate.parents:
            return None
        if candidate.is_dir():
            candidate = candidate / "index.html"
        return candidate if candidate.is_file() else None

    def _serve(self, *, body: bool) -> None:
        path = self._file()
        if path is None:
            self.send_error(404, "File not found")
            return
        with path.open("rb") as f:
            stat = os.fstat(f.fileno())
            size = stat.st_size
            etag = f'"{stat.st_mtime_ns:x}-{size:x}"'
            last_modified = email.utils.formatdate(stat.st_mtime, usegmt=True)
            wanted = self.headers.get("Range")
            if_range = self.headers.get("If-Range")
            if wanted is not None and if_range is not None and if_range.strip() not in (etag, last_modified):
                wanted = None  # the client's copy is stale: send the whole file
            span = parse_range(wanted, size) if wanted is not None else None
            if span == "unsatisfiable":
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Accept-Ranges", "bytes")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if isinstance(span, tuple):
                first, last = span
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
            else:
                first, last = 0, size - 1
                self.send_response(200)
            length = last - first + 1
            self.send_header("Content-Type", MIME_TYPES.get(path.suffix.lower(), "application/octet-stream"))
            self.send_header("Content-Length", str(length))
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Last-Modified", last_modified)
            self.send_header("ETag", etag)
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if body and length > 0:
                f.seek(first)
                _copy(f, self.wfile, length)


def _copy(source, target, length: int) -> None:
    while length > 0:
        block = source.read(min(_COPY_BLOCK, length))
        if not block:
            break
        target.write(block)
        length -= len(block)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins the request threads: no socket outlives the server
    block_on_close = True

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.log: list[str] = []
        super().__init__(("127.0.0.1", 0), RangeRequestHandler)

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: object) -> None:
        # A browser drops media connections as soon as it has the bytes it wants; that is not an error.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class RangeServer:
    """Serve ``root`` on 127.0.0.1 (a free port) while the ``with`` block runs."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the server is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The base URL, ending with a slash."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def log(self) -> list[str]:
        """One line per request served (the usual access-log line)."""
        return self._server.log if self._server is not None else []

    def start(self) -> RangeServer:
        if self._server is not None:
            raise RuntimeError("the server is already running")
        if not self.root.is_dir():
            raise NotADirectoryError(f"{self.root}: not a folder")
        self._server = _Server(self.root)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="range-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()  # also joins the request threads
        if thread is not None:
            thread.join()

    def __enter__(self) -> RangeServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __del__(self) -> None:  # a server left running by mistake still stops
        if getattr(self, "_server", None) is not None:
            self.stop()


__all__ = ["MIME_TYPES", "RangeServer", "parse_range"]

if __name__ == "__main__":  # python tests/range_server.py FOLDER: serve it until Ctrl-C
    import time

    with RangeServer(sys.argv[1] if len(sys.argv) > 1 else ".") as running:
        print(f"serving {running.root.resolve()} at {running.url}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
