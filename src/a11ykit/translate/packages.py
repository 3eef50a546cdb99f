"""Argos model packages: where they live, and listing, installing and removing them.

An Argos package (``.argosmodel``) is a zip of one folder holding ``metadata.json``,
a CTranslate2 model in ``model/`` and a tokenizer: ``sentencepiece.model``, or
``bpe.model`` in older packages (Argos's es→en 1.9 reportedly is one). We read and write
that format ourselves instead of calling ``argostranslate.package``, because
importing ``argostranslate`` creates folders and reads settings in the user's home,
and its installer extracts archives without checking them.

Installing is all or nothing: the archive is checked member by member (paths, kinds,
names that clash, declared sizes against :class:`UnpackLimits`), extracted into a
hidden temporary folder inside the package folder while the bytes written are counted
against the same limits, validated, loaded once (tokenizer and CTranslate2 model, as
translating would), and only then renamed into place. A refused archive leaves nothing
behind.

Packages a user installed with Argos Translate itself are used too, read-only: its package
folder (``$ARGOS_PACKAGES_DIR``, else ``$XDG_DATA_HOME/argos-translate/packages``, as Argos
Translate finds it) is listed beside a11ykit's own, and a pair a11ykit's folder lacks is
translated with the newest package there. Nothing is ever written, locked or created in that
folder (install and remove work on a11ykit's folder only), and what a11ykit does not use in
such a package (``stanza/``, ``minisbd/`` sentence splitters) is left alone.

Refusals are :class:`~a11ykit.errors.ModelPackageError` (one line, exit 2): A11Y401 no such
file, A11Y402 not a zip or corrupt, A11Y403 unsafe member, A11Y404 not a package's layout,
A11Y405 wrong type or pair, A11Y406 model or tokenizer missing, A11Y407 nothing to remove,
A11Y408 two members on one path, A11Y409 over the unpack limits, A11Y410 does not load,
A11Y412 a package that belongs to Argos Translate (not removed); A11Y411 (an InputError) is a
package folder that cannot be written.

This module owns the package files; it must not translate (the engine in
:mod:`a11ykit.translate.engines.argos` does) or print.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import tempfile
import urllib.error
import urllib.parse
import zipfile
import zlib
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import TypeGuard

from a11ykit.errors import EngineError, InputError, ModelPackageError
from a11ykit.progress import Progress, no_progress

#: Environment variable naming the package folder (the ``--dir`` flag wins over it).
DIR_ENV = "A11YKIT_ARGOS_DIR"
#: Environment variable naming Argos Translate's own package folder, as Argos Translate reads it.
ARGOS_DIR_ENV = "ARGOS_PACKAGES_DIR"
#: Where a package comes from: a11ykit's package folder, or Argos Translate's (read-only).
OWN, ARGOS = "a11ykit", "argos-translate"
#: Environment variable for the package index, as Argos Translate reads it.
INDEX_ENV = "ARGOS_PACKAGE_INDEX"
#: Argos Translate's own default index.
DEFAULT_INDEX_URL = "https://raw.githubusercontent.com/argosopentech/argospm-index/main/index.json"
#: Seconds to wait for the index or a download to answer.
TIMEOUT = 30.0

_INSTALL_HINT = "install from a file instead: a11ykit models install FILE.argosmodel"
_MIB = 1 << 20
_TEMP_PREFIX = ".a11ykit-"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class UnpackLimits:
    """How much an archive may unpack to. A real Argos model unpacks to about its download
    size (100–400 MB: the weights are int8 already and hardly compress); a zip bomb unpacks
    to hundreds or thousands of times its size."""

    #: Bytes all members together may unpack to.
    total: int = 2 << 30  # 2 GiB
    #: Unpacked bytes per archive byte, once past ``ratio_free`` (small packages never trip it).
    ratio: int = 100
    ratio_free: int = 16 * _MIB
    #: Members (files and folders) an archive may hold.
    members: int = 10_000

    def allowed(self, archive_size: int) -> int:
        """The most bytes an archive of ``archive_size`` bytes may unpack to."""
        return min(self.total, max(self.ratio_free, self.ratio * archive_size))


UNPACK_LIMITS = UnpackLimits()


@dataclass(frozen=True)
class InstalledPackage:
    """A translate package unpacked in the package folder."""

    source: str
    target: str
    version: str
    path: Path
    name: str
    origin: str = OWN  # OWN or ARGOS: whose package folder it is in

    @property
    def pair(self) -> str:
        return f"{self.source}→{self.target}"

    def metadata(self) -> dict:
        """The package's metadata.json (target_prefix and the like live there)."""
        return _read_metadata(self.path)


def package_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The package folder: the ``--dir`` flag, else $A11YKIT_ARGOS_DIR, else the user's data folder."""
    if explicit:
        return Path(explicit).expanduser()
    from_env = os.environ.get(DIR_ENV)
    if from_env:
        return Path(from_env).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "a11ykit" / "argos-packages"


def argos_package_dir() -> Path:
    """Argos Translate's own package folder: $ARGOS_PACKAGES_DIR, else $XDG_DATA_HOME/argos-translate/packages."""
    from_env = os.environ.get(ARGOS_DIR_ENV)
    if from_env:
        return Path(from_env).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "argos-translate" / "packages"


def list_packages(directory: Path, origin: str = OWN) -> list[InstalledPackage]:
    """The translate packages in ``directory``, by pair then newest version first.

    Folders that are not valid translate packages are skipped, not reported:
    listing must work even when someone left junk in the folder. In Argos Translate's
    folder (``origin`` ARGOS), which a11ykit did not check when the packages were
    installed, a package without its model or tokenizer is skipped too. Only reads.
    """
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found: list[InstalledPackage] = []
    for child in directory.iterdir():
        if child.name.startswith(".") or not child.is_dir():
            continue
        try:
            package = _package_from_metadata(child, _read_metadata(child))
            if origin != OWN:
                _check_complete(child, child.name)
        except (ModelPackageError, OSError):
            continue
        found.append(replace(package, origin=origin))
    found.sort(key=lambda p: _version_key(p.version), reverse=True)
    found.sort(key=lambda p: (p.source, p.target))  # stable: newest first within a pair
    return found


def all_packages(directory: Path, argos_dir: Path | None = None) -> list[InstalledPackage]:
    """a11ykit's packages in ``directory``, then Argos Translate's (``argos_dir``, default:
    :func:`argos_package_dir`), each by pair then newest first. The same folder is listed once."""
    own = list_packages(directory)
    argos = Path(argos_dir) if argos_dir is not None else argos_package_dir()
    if _same_folder(argos, Path(directory)):
        return own
    return own + list_packages(argos, origin=ARGOS)


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def find_package(
    source: str, target: str, directory: Path, argos_dir: Path | None = None
) -> InstalledPackage | None:
    """The package for a pair: the newest in a11ykit's ``directory``, else the newest in Argos
    Translate's folder (``argos_dir``, default: :func:`argos_package_dir`), else None."""
    for package in all_packages(directory, argos_dir):
        if (package.source, package.target) == (source, target):
            return package
    return None


def install_file(
    archive: Path,
    directory: Path,
    expect: tuple[str, str] | None = None,
    *,
    limits: UnpackLimits = UNPACK_LIMITS,
) -> InstalledPackage:
    """Check and install an ``.argosmodel`` archive; replaces an installed package for the same pair."""
    archive = Path(archive)
    if not archive.is_file():
        raise ModelPackageError(f"no such package file: {archive}", code="A11Y401")
    if not zipfile.is_zipfile(archive):
        raise ModelPackageError(
            f"{archive.name} is not an Argos package (not a zip archive, or corrupt)", code="A11Y402"
        )
    directory = Path(directory)
    created = not directory.exists()
    staging = _temporary_folder(directory, "install-")
    try:
        top = _extract_checked(archive, staging, limits)
        unpacked = staging / top
        package = _package_from_metadata(unpacked, _read_metadata(unpacked), archive=archive.name)
        if expect is not None and (package.source, package.target) != tuple(expect):
            raise ModelPackageError(
                f"{archive.name} translates {package.pair}, not {expect[0]}→{expect[1]}",
                code="A11Y405",
            )
        _check_complete(unpacked, archive.name)
        _check_loads(replace(package, path=unpacked), archive.name)
        return _move_into_place(unpacked, package, directory, staging)
    except OSError as exc:  # a full disk, a folder that turned read-only
        _discard(staging, directory, created)
        raise InputError(
            f"cannot install {archive.name} into {directory} ({exc.strerror or exc})", code="A11Y411"
        ) from None
    except BaseException:
        _discard(staging, directory, created)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _temporary_folder(directory: Path, kind: str) -> Path:
    """A temporary folder inside the packages folder (made if missing), so the final move is a rename."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=_TEMP_PREFIX + kind, dir=directory))
    except OSError as exc:
        raise InputError(
            f"{directory}: cannot install packages there ({exc.strerror or exc})", code="A11Y411"
        ) from None


def _discard(staging: Path, directory: Path, created: bool) -> None:
    """Remove what a refused install unpacked; a refused package leaves no trace, not even its folder."""
    shutil.rmtree(staging, ignore_errors=True)
    try:
        if created and not any(directory.iterdir()):
            directory.rmdir()
    except OSError:
        pass


def install_from_index(
    source: str, target: str, directory: Path, progress: Progress | None = None
) -> InstalledPackage:
    """Download the pair's package named by the Argos index, then install it with :func:`install_file`."""
    show = progress or no_progress
    url = index_url()
    entry = _pick_entry(_fetch_index(url), source, target, url)
    directory = Path(directory)
    downloads = _temporary_folder(directory, "download-")
    try:
        download = _download(entry, downloads, show)
        return install_file(download, directory, expect=(source, target))
    finally:
        shutil.rmtree(downloads, ignore_errors=True)


def remove_package(source: str, target: str, directory: Path) -> InstalledPackage:
    """Remove the installed package(s) for a pair from a11ykit's folder; returns the one that
    was in use. A pair installed only in Argos Translate's folder is refused (A11Y412)."""
    matching = [p for p in list_packages(directory) if (p.source, p.target) == (source, target)]
    if not matching:
        theirs = find_package(source, target, directory)
        if theirs is not None:
            raise ModelPackageError(
                f"the {source}→{target} package in {theirs.path.parent} belongs to Argos Translate; "
                "a11ykit only reads it (remove it with Argos Translate: argospm remove)",
                code="A11Y412",
            )
        raise ModelPackageError(
            f"no {source}→{target} package is installed in {directory}", code="A11Y407"
        )
    try:  # moved aside first, so a folder that cannot be changed leaves every package whole
        trash = Path(tempfile.mkdtemp(prefix=_TEMP_PREFIX + "remove-", dir=directory))
        for index, package in enumerate(matching):
            package.path.rename(trash / str(index))
    except OSError as exc:
        raise InputError(
            f"cannot remove the {source}→{target} package from {directory} ({exc.strerror or exc})", code="A11Y411"
        ) from None
    shutil.rmtree(trash, ignore_errors=True)
    return matching[0]


def index_url() -> str:
    """The index to read: $ARGOS_PACKAGE_INDEX (a base URL, as Argos reads it, or a .json URL) or Argos's default."""
    configured = os.environ.get(INDEX_ENV, "").strip()
    if not configured:
        return DEFAULT_INDEX_URL
    if configured.endswith(".json"):
        return configured
    return configured.rstrip("/") + "/index.json"


# --- archive checks -------------------------------------------------------------


def _extract_checked(archive: Path, staging: Path, limits: UnpackLimits = UNPACK_LIMITS) -> str:
    """Extract every member into ``staging`` after refusing anything unsafe; returns the top folder."""
    label = archive.name
    archive_size = archive.stat().st_size
    allowed = limits.allowed(archive_size)
    try:
        with zipfile.ZipFile(archive) as zf:
            members = zf.infolist()
            top = _check_members(members, label)
            _check_sizes(members, label, archive_size, allowed, limits)
            for info in members:  # the bytes written are counted too: declared sizes are only a claim
                allowed -= _extract_member(zf, info, staging, allowed, label)
    except ModelPackageError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError) as exc:
        raise ModelPackageError(
            f"{label} is corrupt and cannot be unpacked ({exc})", code="A11Y402"
        ) from None
    return top


def _check_members(members: list[zipfile.ZipInfo], label: str) -> str:
    if not members:
        raise ModelPackageError(f"{label} is empty", code="A11Y402")
    tops: set[str] = set()
    for info in members:
        name = info.filename
        path = PurePosixPath(name)
        if (
            name.startswith(("/", "\\"))
            or "\\" in name
            or re.match(r"^[A-Za-z]:", name)
            or ".." in path.parts
            or "\x00" in name
        ):
            raise ModelPackageError(
                f"{label} is unsafe: member {name!r} would land outside the package folder",
                code="A11Y403",
            )
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            what = "a symbolic link" if kind == stat.S_IFLNK else "not a regular file"
            raise ModelPackageError(f"{label} is unsafe: member {name!r} is {what}", code="A11Y403")
        parts = [p for p in path.parts if p not in ("", ".")]
        if not parts:
            continue
        if len(parts) == 1 and not info.is_dir():
            raise ModelPackageError(
                f"{label} is not an Argos package: {name!r} is outside the package's folder",
                code="A11Y404",
            )
        tops.add(parts[0])
    if len(tops) != 1:
        raise ModelPackageError(
            f"{label} is not an Argos package: it must hold exactly one folder, found {len(tops)}",
            code="A11Y404",
        )
    _check_names(members, label)
    return tops.pop()


def _check_names(members: list[zipfile.ZipInfo], label: str) -> None:
    """Refuse two members that would land on the same path, or a file where a folder must be."""
    files: dict[tuple[str, ...], str] = {}
    folders: set[tuple[str, ...]] = set()
    for info in members:
        parts = tuple(p for p in PurePosixPath(info.filename).parts if p not in ("", "."))
        folders.update(parts[:end] for end in range(1, len(parts)))
        if info.is_dir():
            folders.add(parts)
        elif parts in files:
            raise ModelPackageError(
                f"{label} is not an Argos package: {info.filename!r} is in it twice", code="A11Y408"
            )
        else:
            files[parts] = info.filename
    for parts, name in files.items():
        if parts in folders:
            raise ModelPackageError(
                f"{label} is not an Argos package: {name!r} is both a file and a folder", code="A11Y408"
            )


def _check_sizes(
    members: list[zipfile.ZipInfo], label: str, archive_size: int, allowed: int, limits: UnpackLimits
) -> None:
    """Refuse an archive whose members say they unpack to more than the limits allow."""
    if len(members) > limits.members:
        raise ModelPackageError(
            f"{label} has {len(members):,} members, more than the {limits.members:,} a package may have",
            code="A11Y409",
        )
    declared = sum(info.file_size for info in members)
    if declared > allowed:
        raise ModelPackageError(
            f"{label} would unpack to {_size(declared)} from {_size(archive_size)}, more than the "
            f"{_size(allowed)} allowed (a package may unpack to {limits.ratio}× its size, at least "
            f"{_size(limits.ratio_free)} and at most {_size(limits.total)})",
            code="A11Y409",
        )


def _size(count: int) -> str:
    return f"{count / (1 << 30):.1f} GiB" if count >= 1 << 30 else f"{count / _MIB:.1f} MiB"


def _extract_member(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, staging: Path, allowance: int, label: str
) -> int:
    """Write one member; returns its size. Past ``allowance`` bytes it stops and refuses."""
    destination = staging.joinpath(*[p for p in PurePosixPath(info.filename).parts if p != "."])
    if not destination.resolve().is_relative_to(staging.resolve()):  # belt and braces
        raise ModelPackageError(f"unsafe member {info.filename!r}", code="A11Y403")
    if info.is_dir():
        destination.mkdir(parents=True, exist_ok=True)
        return 0
    destination.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with zf.open(info) as src, open(destination, "xb") as dst:
        while chunk := src.read(_CHUNK):
            written += len(chunk)
            if written > allowance:
                raise ModelPackageError(
                    f"{label} unpacks to more than its limit; refused while unpacking {info.filename!r}",
                    code="A11Y409",
                )
            dst.write(chunk)
    return written


def _read_metadata(folder: Path) -> dict:
    path = folder / "metadata.json"
    if not path.is_file():
        raise ModelPackageError(f"{folder.name} has no metadata.json", code="A11Y404")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelPackageError(f"{folder.name}/metadata.json is not valid JSON ({exc})", code="A11Y404") from None
    if not isinstance(data, dict):
        raise ModelPackageError(f"{folder.name}/metadata.json is not a JSON object", code="A11Y404")
    return data


def _package_from_metadata(folder: Path, metadata: dict, archive: str | None = None) -> InstalledPackage:
    label = archive or folder.name
    kind = metadata.get("type", "translate")
    if kind != "translate":
        raise ModelPackageError(f"{label} is a {kind!r} package, not a translate package", code="A11Y405")
    source, target = metadata.get("from_code"), metadata.get("to_code")
    if not (_is_code(source) and _is_code(target)):
        raise ModelPackageError(
            f"{label}: metadata.json must name the pair with from_code and to_code", code="A11Y404"
        )
    version = str(metadata.get("package_version") or "0")
    name = metadata.get("code") if isinstance(metadata.get("code"), str) else None
    return InstalledPackage(
        source=source,
        target=target,
        version=version,
        path=folder,
        name=name or f"translate-{source}_{target}",
    )


def _check_complete(folder: Path, label: str) -> None:
    if not (folder / "model" / "model.bin").is_file():
        raise ModelPackageError(f"{label} has no CTranslate2 model (model/model.bin)", code="A11Y406")
    if not ((folder / "sentencepiece.model").is_file() or (folder / "bpe.model").is_file()):
        raise ModelPackageError(f"{label} has no tokenizer (sentencepiece.model or bpe.model)", code="A11Y406")


def _check_loads(package: InstalledPackage, label: str) -> None:
    """Load the unpacked package's tokenizer and CTranslate2 model once, as translating would."""
    from a11ykit.translate.engines.argos import check_loads

    try:
        check_loads(package)
    except EngineError as exc:
        if exc.code == "A11Y320":  # the argos extra is missing: nothing wrong with the package
            raise
        raise ModelPackageError(f"{label} is broken: {exc}", code="A11Y410") from None


def _move_into_place(
    unpacked: Path, package: InstalledPackage, directory: Path, staging: Path
) -> InstalledPackage:
    final = directory / _folder_name(package)
    replaced = [p for p in list_packages(directory) if (p.source, p.target) == (package.source, package.target)]
    if final.exists():  # same version reinstalled: park the old copy first
        final.rename(staging / "previous")
    unpacked.rename(final)
    for old in replaced:
        if old.path != final:
            shutil.rmtree(old.path, ignore_errors=True)
    return InstalledPackage(package.source, package.target, package.version, final, package.name)


def _folder_name(package: InstalledPackage) -> str:
    version = re.sub(r"[^A-Za-z0-9]+", "_", package.version).strip("_") or "0"
    return f"translate-{package.source}_{package.target}-{version}"


def _is_code(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and re.fullmatch(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]+)*", value) is not None


def _version_key(version: str) -> tuple:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"[.\-_]", version))


# --- the index and downloads -----------------------------------------------------


def _open(url: str):  # an HTTP response or a file object, both context managers
    import urllib.request  # here: it loads http.client, ssl and email (20-30 ms), which only a download needs

    request = urllib.request.Request(url, headers={"User-Agent": "a11ykit"})
    return urllib.request.urlopen(request, timeout=TIMEOUT)  # the scheme is checked by callers


def _fetch_index(url: str) -> list:
    if urllib.parse.urlsplit(url).scheme not in ("http", "https", "file"):
        raise EngineError(f"the Argos package index URL {url!r} is not http(s) or file", code="A11Y310")
    try:
        with _open(url) as response:
            data = json.loads(response.read().decode("utf-8"))
    except (OSError, urllib.error.URLError, TimeoutError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise EngineError(
            f"the Argos package index is unreachable ({url}: {reason}); {_INSTALL_HINT}",
            code="A11Y310",
        ) from None
    if not isinstance(data, list):
        raise EngineError(f"the Argos package index at {url} is not a list of packages", code="A11Y310")
    return data


def _pick_entry(index: list, source: str, target: str, url: str) -> dict:
    candidates = [
        e
        for e in index
        if isinstance(e, dict)
        and e.get("type", "translate") == "translate"
        and (e.get("from_code"), e.get("to_code")) == (source, target)
        and isinstance(e.get("links"), list)
    ]
    if not candidates:
        raise EngineError(f"the Argos package index ({url}) has no {source}→{target} package", code="A11Y311")
    return max(candidates, key=lambda e: _version_key(str(e.get("package_version", "0"))))


def _download(entry: dict, folder: Path, progress: Progress) -> Path:
    """Fetch the entry's package into ``folder`` from the first link that works; returns the file."""
    links = [
        link
        for link in entry["links"]
        if isinstance(link, str) and urllib.parse.urlsplit(link).scheme in ("http", "https", "file")
    ]
    problems: list[str] = []
    for link in links:
        name = PurePosixPath(urllib.parse.urlsplit(link).path).name
        destination = folder / (name if name.endswith(".argosmodel") else "package.argosmodel")
        try:
            _download_one(link, destination, progress)
            return destination
        except (OSError, urllib.error.URLError, TimeoutError, ValueError) as exc:
            problems.append(f"{link}: {getattr(exc, 'reason', exc)}")
    pair = f"{entry.get('from_code')}→{entry.get('to_code')}"
    detail = "; ".join(problems) or "no http(s) link in the index"
    raise EngineError(f"could not download the {pair} package ({detail}); {_INSTALL_HINT}", code="A11Y312")


def _download_one(link: str, destination: Path, progress: Progress) -> None:
    with _open(link) as response, open(destination, "wb") as out:
        length = response.headers.get("Content-Length") if hasattr(response, "headers") else None
        total = int(length) if length and length.isdigit() else 0
        done = 0
        while chunk := response.read(_CHUNK):
            out.write(chunk)
            done += len(chunk)
            if total:
                progress("download", done, total)
    if total and done != total:
        raise OSError(f"download stopped after {done} of {total} bytes")
    if not total:
        progress("download", done, done)
