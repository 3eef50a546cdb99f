"""Shared fixtures, and the guard that fails any test opening a non-local socket."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_local(address: object) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    if not isinstance(address, tuple) or not address:
        return False
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded(real):
    def connect(self, address):
        if not _is_local(address):
            raise OSError(f"a11ykit tests must not use the network (tried {address!r})")
        return real(self, address)

    return connect


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any test that tries a non-local connection fails."""
    monkeypatch.setattr(socket.socket, "connect", _guarded(_real_connect))
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded(_real_connect_ex))


@pytest.fixture
def examples_dir() -> Path:
    return EXAMPLES


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def package_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny copy-model Argos package, built once per test session."""
    from argos_package import cached_package

    return cached_package(tmp_path_factory.getbasetemp() / "argos-package-cache")


@pytest.fixture
def packages(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Own HOME, XDG folders and Argos package folder, so nothing touches the user's."""
    from argos_package import isolate_environment

    return isolate_environment(monkeypatch, tmp_path / "env")


def build_example_es(root: Path) -> tuple[dict, Path]:
    """``a11ykit build examples/cecot.html --to es --engine apertium --no-audio`` into ``root/out``
    (a process of its own): the report and the output folder."""
    import json
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "a11ykit", "build", str(EXAMPLES / "cecot.html"), "--to", "es", "--engine", "apertium",
         "--no-audio", "--out", str(root / "out"), "--locales", str(root / "locales")],
        capture_output=True, text=True, cwd=root, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads((root / "out" / "cecot.es.report.json").read_text(encoding="utf-8")), root / "out"
