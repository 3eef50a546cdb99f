"""Where a build's outputs go, and how they are written: all of them or none.

Every file a command writes goes through :class:`Staging`: each output is first
written in full to a temporary file beside it (``.<name>.a11ykit-<pid>-<random>.tmp``),
and only when all of them are written does :meth:`Staging.commit` rename them into
place. If a rename fails, the ones already renamed are put back as they were, so a
failed build leaves the previous outputs untouched and no temporary file behind.
A process killed outright (SIGKILL) cannot clean up after itself: the next
staging in the same folder removes the temporaries of processes that are gone
(the pid in the name), or that are older than :data:`STALE_AFTER` seconds.

:func:`atomic_write` is the one-file case. :func:`locked` is the lock translators'
catalogs are read and written under, and :func:`fingerprint` what tells that a
file changed since it was read. Failures are :class:`~a11ykit.errors.OutputError`
(one line, exit 2): A11Y701 cannot write, A11Y702 a folder is in the way,
A11Y703 a file changed since it was read, A11Y704 a lock not released in time.

This module owns every output name (:data:`NAMES`, :class:`Outputs`) and the way files are
written; it must not know what is in them (HTML, JSON, PO, audio).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from a11ykit.errors import InputError, OutputError

Writer = Callable[[BinaryIO], None]

#: a11ykit's own temporary names: ``.<target name>.a11ykit-<pid>-<random>.tmp``.
TEMP_PATTERN = re.compile(r"^\..+\.a11ykit-(?P<pid>\d+)-[0-9a-f]+\.tmp$")
#: A temporary file older than this is stale even if its pid is in use (pids are reused).
STALE_AFTER = 24 * 3600
#: :meth:`Staging.stage`'s default: replace the file whatever it became meanwhile.
UNCHECKED = object()
#: The temporary names earlier a11ykit versions used (``mkstemp``, no pid in them): removed
#: beside the output they were for once older than :data:`LEGACY_STALE_AFTER` seconds.
_LEGACY_TEMP = re.compile(r"^\.(?P<name>.+)\.[a-z0-9_]{8}\.tmp$")
LEGACY_STALE_AFTER = 3600
#: How long to wait for another a11ykit process to release a catalog's lock.
LOCK_TIMEOUT = 120.0


def temp_path(path: Path) -> Path:
    """A fresh temporary name beside ``path`` that :func:`clean_stale` recognizes."""
    return path.parent / f".{path.name}.a11ykit-{os.getpid()}-{secrets.token_hex(4)}.tmp"


def process_alive(pid: int) -> bool:
    """Whether a process of that id runs (one of another user counts)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def clean_stale(directory: Path) -> list[Path]:
    """Remove a11ykit's temporary files in ``directory`` left by processes that are
    gone (or older than :data:`STALE_AFTER`); return what was removed. Nothing else
    is touched, and a file that cannot be removed is left alone."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        match = TEMP_PATTERN.match(entry.name)
        if match is None:
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            old = now - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER
            if old or not process_alive(int(match["pid"])):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def legacy_temporaries(directory: Path) -> dict[str, list[Path]]:
    """The old-style temporaries in ``directory`` (``.<name>.<8 random>.tmp``) older than
    :data:`LEGACY_STALE_AFTER`, by the name of the output they were for (one scan of the
    folder, however many outputs it has)."""
    found: dict[str, list[Path]] = {}
    now = time.time()
    with contextlib.suppress(OSError):
        for entry in os.scandir(directory):
            match = _LEGACY_TEMP.match(entry.name)
            if match is None:
                continue
            with contextlib.suppress(OSError):
                if entry.is_file(follow_symlinks=False) and (
                    now - entry.stat(follow_symlinks=False).st_mtime > LEGACY_STALE_AFTER
                ):
                    found.setdefault(match["name"], []).append(Path(entry.path))
    return found


def write_error(path: Path, exc: OSError) -> OutputError:
    """The one-line error for a write that failed."""
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        reason = "no space left on the device"
    return OutputError(f"{path}: cannot write it ({reason}); nothing was written", code="A11Y701")


@dataclass(frozen=True)
class Fingerprint:
    """What a file was when it was read: modification time, size and content hash."""

    mtime_ns: int
    size: int
    sha256: str


def fingerprint(path: Path) -> Fingerprint | None:
    """The file's :class:`Fingerprint`, or None when there is no such file."""
    try:
        with open(path, "rb") as f:
            stat = os.fstat(f.fileno())
            digest = hashlib.sha256(f.read()).hexdigest()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OutputError(f"{path}: cannot read it ({exc.strerror or exc})", code="A11Y701") from None
    return Fingerprint(stat.st_mtime_ns, stat.st_size, digest)


def _prepare_dir(directory: Path, created: list[Path]) -> None:
    """Make ``directory`` (and its parents), remembering which ones this run created."""
    missing = []
    probe = directory
    while not os.path.lexists(probe) and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    if os.path.lexists(probe) and not probe.is_dir():
        what = "a dangling link" if probe.is_symlink() and not probe.exists() else "not a folder"
        raise OutputError(f"{probe}: is {what}; outputs go into a folder", code="A11Y702")
    for folder in reversed(missing):
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        except OSError as exc:
            raise write_error(folder, exc) from None
        created.append(folder)


class Staging:
    """A set of outputs written together: :meth:`stage` each, then :meth:`commit`.

    Used as a context manager, leaving the block without a commit (an error, Ctrl-C)
    removes every temporary file and the folders this staging created. ``durable``: each file
    is flushed to the disk before it is renamed into place (not for caches: an entry lost to a
    power cut is a miss, and each is checked when read).
    """

    def __init__(self, *, durable: bool = True) -> None:
        self.durable = durable
        self._temps: dict[Path, Path] = {}  # target → its staged temporary file
        self._expected: dict[Path, Fingerprint | None] = {}
        self._created: list[Path] = []
        self._cleaned: set[Path] = set()
        self._legacy: dict[Path, dict[str, list[Path]]] = {}  # per folder: see legacy_temporaries
        self._after: list[Callable[[], None]] = []
        self.committed = False

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if not self.committed:
            self.abort()

    def prepare(self, directory: Path) -> None:
        """Make sure ``directory`` exists, and clean stale temporaries there (once; an earlier
        version's are removed when their output is staged)."""
        directory = Path(directory)
        _prepare_dir(directory, self._created)
        if directory not in self._cleaned:
            clean_stale(directory)
            self._legacy[directory] = legacy_temporaries(directory)
            self._cleaned.add(directory)

    def stage(
        self, path: Path, content: bytes | str | Writer, *, expect: Fingerprint | object | None = UNCHECKED
    ) -> Path:
        """Write ``content`` (bytes, text as UTF-8, or a function writing to a binary
        file opened ``w+b``) to a temporary file for ``path``; return that file.

        ``expect`` (a :class:`Fingerprint`, or None for "no file") makes :meth:`commit`
        refuse to replace ``path`` if it is no longer what it was when read.
        """
        path = Path(path)
        self.prepare(path.parent)
        if path.is_dir() and not path.is_symlink():
            raise OutputError(f"{path}: is a folder; it cannot be replaced by an output", code="A11Y702")
        self.discard(path)
        for legacy in self._legacy.get(path.parent, {}).pop(path.name, []):  # an earlier version's, for this output
            with contextlib.suppress(OSError):
                os.unlink(legacy)
        temp = temp_path(path)
        try:
            fd = os.open(temp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w+b") as f:
                if callable(content):
                    content(f)
                else:
                    f.write(content.encode("utf-8") if isinstance(content, str) else content)
                f.flush()
                if self.durable:
                    os.fsync(f.fileno())
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temp, 0o666 & ~umask)  # outputs are for serving and sharing
        except BaseException as exc:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            if isinstance(exc, OSError):
                raise write_error(path, exc) from None
            raise
        self._temps[path] = temp
        if expect is not UNCHECKED:
            self._expected[path] = expect  # type: ignore[assignment]
        return temp

    def discard(self, path: Path) -> None:
        """Forget a staged output (its temporary file is removed)."""
        temp = self._temps.pop(Path(path), None)
        self._expected.pop(Path(path), None)
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run ``action`` once everything is in place (e.g. record a cache entry)."""
        self._after.append(action)

    def changed(self) -> list[Path]:
        """Staged targets whose file changed since the fingerprint given to :meth:`stage`."""
        return [path for path, expected in self._expected.items() if fingerprint(path) != expected]

    def commit(self) -> None:
        """Rename every staged file into place, or, if one rename fails, none of them."""
        changed = self.changed()
        if changed:
            raise OutputError(
                f"{changed[0]}: changed while a11ykit was working; run the command again", code="A11Y703"
            )
        backups: dict[Path, Path] = {}
        done: list[Path] = []
        try:
            for path in self._temps:
                if os.path.lexists(path):
                    backups[path] = self._backup(path)
            for path, temp in self._temps.items():
                os.replace(temp, path)
                done.append(path)
        except BaseException as exc:
            for path in reversed(done):  # put back what was there
                with contextlib.suppress(OSError):
                    if path in backups:
                        os.replace(backups.pop(path), path)
                    else:
                        os.unlink(path)
            failed = next((p for p in self._temps if p not in done), None)
            self._remove(backups.values())
            self.abort()
            if isinstance(exc, OSError):
                raise write_error(failed or Path(exc.filename or "?"), exc) from None
            raise
        self._remove(backups.values())
        self._temps.clear()
        self.committed = True
        for action in self._after:
            action()

    def _backup(self, path: Path) -> Path:
        """A copy of the current file under a temporary name (a hard link when possible)."""
        backup = temp_path(path)
        try:
            os.link(path, backup, follow_symlinks=False)
        except OSError:
            shutil.copy2(path, backup, follow_symlinks=False)
        return backup

    @staticmethod
    def _remove(paths: Iterable[Path]) -> None:
        for path in list(paths):
            with contextlib.suppress(OSError):
                os.unlink(path)

    def abort(self) -> None:
        """Remove every temporary file, and the folders this staging created if empty."""
        self._remove(self._temps.values())
        self._temps.clear()
        self._expected.clear()
        for folder in reversed(self._created):
            with contextlib.suppress(OSError):
                folder.rmdir()
        self._created.clear()


def atomic_write(path: Path, content: bytes | str | Writer, *, durable: bool = True) -> None:
    """Write one file completely or not at all (``durable``: see :class:`Staging`)."""
    with Staging(durable=durable) as staging:
        staging.stage(path, content)
        staging.commit()


def lock_path(path: Path) -> Path:
    """The lock file of ``path``: ``.<name>.lock`` beside it."""
    return path.parent / f".{path.name}.lock"


@contextlib.contextmanager
def locked(path: Path, *, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the exclusive lock of ``path`` (an ``flock`` on its lock file) for the block.

    Every a11ykit process reads and writes a translators' catalog under this lock,
    so two builds of one page never interleave their read-merge-write.
    """
    lock = lock_path(Path(path))
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise write_error(lock, exc) from None
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise OutputError(
                        f"{path}: another a11ykit process holds its lock ({lock}); try again later",
                        code="A11Y704",
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


# --- which files a build writes ----------------------------------------------------------


def output_stem(path: Path) -> str:
    """'cecot.es.html' → 'cecot': a language suffix names the page, not the article."""
    stem = Path(path).stem
    for lang in ("en", "es"):
        if stem.endswith(f".{lang}"):
            return stem[: -len(lang) - 1]
    return stem


def input_hash(path: Path) -> str:
    """8 hex digits from the input's path relative to the working directory (posix form)."""
    relative = Path(os.path.relpath(Path(path).resolve())).as_posix()
    return hashlib.sha256(relative.encode("utf-8")).hexdigest()[:8]


#: The name of every file (and folder) a build of ``<stem>`` into ``<lang>`` writes, by kind:
#: the outputs in the output folder, the translators' catalog under the locales folder
#: (:func:`catalog_path`), the speech cache in the output folder and the cache's record of a
#: page's narration. :func:`output_name` is the one place a name is made from this table.
NAMES = {
    "page": "{stem}.{lang}.html",
    "report": "{stem}.{lang}.report.json",
    "review": "{stem}.{lang}.review.html",
    "opus": "{stem}.{lang}.opus",
    "mp3": "{stem}.{lang}.mp3",
    "captions": "{stem}.{lang}.vtt",
    "chapters": "{stem}.{lang}.chapters.vtt",
    "syncmap": "{stem}.{lang}.syncmap.json",
    "epub": "{stem}.{lang}.epub",
    "catalog": "{lang}/LC_MESSAGES/{stem}.po",
    "speech_cache": ".speech-cache",
    "narration_record": "{stem}.{lang}",
    # a site build's own files, in its output folder: one speech cache for all its articles
    "site_state": ".a11ykit",
    "site_speech_cache": ".a11ykit/speech-cache",
}
#: What the narration writes (:func:`a11ykit.speech.output_names`), in that order.
AUDIO_KINDS = ("opus", "mp3", "captions", "chapters", "syncmap")
#: The per-sentence audio cache, in the output folder (``build`` and ``speak`` share it).
SPEECH_CACHE = NAMES["speech_cache"]
#: Where translators' catalogs go unless a command says otherwise (``--locales``).
DEFAULT_LOCALES = Path("locales")


def output_name(stem: str, lang: str, kind: str) -> str:
    """``cecot.es.html``, ``cecot.es.report.json``…: the one place an output's name is made
    (``kind`` is a key of :data:`NAMES`)."""
    return NAMES[kind].format(stem=stem, lang=lang)


def catalog_path(locales_dir: str | Path, lang: str, stem: str) -> Path:
    """Where the translators' catalog of a page lives: ``LOCALES/<lang>/LC_MESSAGES/<stem>.po``."""
    return Path(locales_dir) / output_name(stem, lang, "catalog")


@dataclass(frozen=True)
class Outputs:
    """Every file one build of one page into one language writes: ``<stem>.<lang>.*`` in
    ``out_dir`` (see :data:`NAMES`), the translators' catalog and the speech cache."""

    stem: str
    target: str
    out_dir: Path
    catalog: Path

    def path(self, kind: str) -> Path:
        return self.out_dir / output_name(self.stem, self.target, kind)

    @property
    def page(self) -> Path:
        return self.path("page")

    @property
    def report(self) -> Path:
        return self.path("report")

    @property
    def review(self) -> Path:
        return self.path("review")

    @property
    def epub(self) -> Path:
        return self.path("epub")

    @property
    def speech_cache(self) -> Path:
        return self.out_dir / SPEECH_CACHE

    def sibling(self, lang: str) -> str:
        """The file name of this page in another language, beside it."""
        return output_name(self.stem, lang, "page")

    def audio(self) -> list[Path]:
        return [self.path(kind) for kind in AUDIO_KINDS]

    def all(self) -> list[Path]:
        return [self.page, self.report, self.review, self.catalog, *self.audio()]


def _report_owner(report: Path) -> Path | None:
    """The input a build report says it was built from (resolved), if it says. A report as
    a build writes it (indented by 2) has the field on a line of its own at the top level:
    read from there, the rest of a big report is not parsed (it was a quarter of a
    one-article rebuild's garbage collections)."""
    try:
        text = report.read_text(encoding="utf-8")
        found = _OWNER_LINE.findall(text)
        data = {"input_from_report": json.loads(found[0])} if len(found) == 1 else json.loads(text)
    except (OSError, ValueError):
        return None
    ref = data.get("input_from_report") if isinstance(data, dict) else None
    return (report.parent / ref).resolve() if isinstance(ref, str) else None


#: A top-level "input_from_report" of a report indented by 2 (a string cannot hold a line break).
_OWNER_LINE = re.compile(r'^  "input_from_report": ("(?:[^"\\\n]|\\.)*"),?$', re.MULTILINE)


def _catalog_owner(catalog: Path) -> Path | None:
    """The input a translators' catalog says it belongs to (resolved), if it says."""
    from a11ykit.review.catalog import recorded_input

    try:
        ref = recorded_input(catalog.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None
    return (catalog.parent / ref).resolve() if ref is not None else None


def _own(plain: Path, hashed: Path, owner: Callable[[Path], Path | None], me: Path) -> bool:
    """Whether to use the hashed name: it is this input's already, or the plain one is another's."""
    if hashed.exists() and owner(hashed) in (me, None):
        return True
    return plain.exists() and owner(plain) not in (me, None)


def outputs_for(input_path: Path, target: str, out_dir: Path, locales_dir: Path) -> Outputs:
    """The files of a build: ``<stem>.<lang>.*`` in ``out_dir`` and ``<stem>.po`` under
    ``locales_dir``, unless the report (for the outputs) or the catalog of that name
    records another input (``b/index.html`` built after ``a/index.html``): then
    ``<stem>-<hash>``, the hash being :func:`input_hash`, so two inputs never share
    outputs or a catalog. A file that records no input (an older build) is not another's."""
    me = Path(input_path).resolve()
    plain = output_stem(input_path)
    hashed = f"{plain}-{input_hash(input_path)}"
    out_dir = Path(out_dir)

    def report(stem: str) -> Path:
        return out_dir / output_name(stem, target, "report")

    stem = hashed if _own(report(plain), report(hashed), _report_owner, me) else plain
    catalog = catalog_path(locales_dir, target, plain)
    hashed_catalog = catalog_path(locales_dir, target, hashed)
    if _own(catalog, hashed_catalog, _catalog_owner, me):
        catalog = hashed_catalog
    return Outputs(stem, target, out_dir, catalog)


def refuse_overwriting(input_path: Path, outputs: list[Path]) -> None:
    """InputError (A11Y162) if an output would replace the input file itself."""
    for path in outputs:
        try:
            same = os.path.samefile(path, input_path)
        except OSError:
            same = Path(path).resolve() == Path(input_path).resolve()
        if same:
            raise InputError(
                f"{input_path}: the build would write over its own input ({path}); choose another --out",
                code="A11Y162",
            )


@contextlib.contextmanager
def terminate_cleanly() -> Iterator[None]:
    """Turn SIGTERM into SystemExit(143) for the block, so a staging being written is
    removed as on any error instead of the process dying mid-write."""
    import signal

    def terminate(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    try:
        previous = signal.signal(signal.SIGTERM, terminate)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
