"""Apertium (Debian ``apertium-eng-spa``): rule-based, fully offline.

The whole batch goes through one ``apertium`` process in HTML format: each text
becomes a ``<p>`` and inline tags become ``<span data-i="N">`` (Apertium keeps
tags as "superblanks"; unknown tag names make it capitalise the next word, spans
don't). Apertium runs without ``-u``: it marks the words it does not know (``*word``,
``@word``, ``#word``); the marks are taken off here and the words kept in
:attr:`ApertiumEngine.unknown_words` (the quality estimate's ``engine_unknown``).

An empty inline element nested in another one (``<1><2></2></1>``, ``<1><2></2>Watch</1>``)
makes Apertium 3.8's HTML mode print "." and stop translating the rest of the batch ("open
word-bound blanks"). Such elements never go to Apertium: they are taken out of the text and put
back after, in the same parent, at the start, the end or the same share of its words.

A call runs what the ``apertium`` script runs for HTML, by hand (:class:`_Run`): ``tf-extract
-f html`` (Transfuse) turns the batch into Apertium's stream, the mode's programs run in
null-flush mode (``-z``, as the script runs them with Transfuse) and answer each block up to its
NUL byte, and ``tf-inject`` puts the HTML back. Reading up to the NUL bytes, the call does not
wait for a dozen programs to end one after the other (about half of a small batch's time); they
are killed after it (ending on their own, they would first free their dictionaries piece by
piece). Starting those programs (each loading its data) is most of the rest:
:meth:`ApertiumEngine.warm_up` starts a call's processes ahead of a call the caller knows is
coming (a one-article rebuild's new sentences, the round trip of its new outputs), on a thread
of its own, so the loading runs beside the build's own work and the build's thread does not
wait for the programs to be spawned. Every call has processes of its own: Apertium's
tagger carries state from one block to the next, so programs kept for a later call would make
its answer depend on the calls before it (seen on 38 of 160 corpus batches). Where the script
would not take that route (no Transfuse, ``APERTIUM_TRANSFUSE=no``, a script whose data folder
cannot be read), the call runs the script itself. What is left at exit is stopped. Each call
keeps Transfuse's state in a folder of its own, named after its process, removed when the call
ends or is stopped; the folders of processes killed outright are removed by a later call.

This module owns talking to Apertium; it must not lock, verify or repair (the translator does).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import html
import multiprocessing.util
import os
import re
import selectors
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple

from a11ykit.errors import EngineError
from a11ykit.layout import process_alive
from a11ykit.quality.estimate import strip_unknown_marks
from a11ykit.translate.engines.base import LOCK_TOKEN_RE

MODES = {("en", "es"): "eng-spa", ("es", "en"): "spa-eng"}
TIMEOUT_SECONDS = 300

_TAG_RE = re.compile(r"<(/?)(\d+)>")
_WIRE_RE = re.compile(r'<span data-i="(\d+)">|</span>')
_PARAGRAPH_RE = re.compile(r"<p>(.*?)</p>", re.DOTALL)

#: Calls' processes started ahead, waiting for their batch: (executable, mode) → processes.
_WAITING: dict[tuple[str, str], _Warming] = {}
#: Finished calls whose programs are still ending (their input closed): reaped later.
_ENDING: list[_Run] = []
_LOCK = threading.Lock()


def _start(executable: str, mode: str) -> subprocess.Popen[str]:
    """The ``apertium`` script for one call (where the Transfuse route is not the script's)."""
    return subprocess.Popen(
        [executable, "-f", "html", mode],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _stop(process: subprocess.Popen) -> None:
    with contextlib.suppress(OSError):
        process.kill()
    with contextlib.suppress(OSError, subprocess.TimeoutExpired):
        process.wait(timeout=5)
    for pipe in (process.stdin, process.stdout, process.stderr):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()


class _Route(NamedTuple):
    """How the ``apertium`` script would run a mode's HTML: its programs (``bash -c`` text, as
    ``apertium-wblank-mode -z`` writes it), Transfuse's two ends and the environment."""

    script: str
    extract: str
    inject: str
    env: dict[str, str]


def _route_now(executable: str, mode: str) -> _Route | None:
    """The script's Transfuse route for ``mode`` as things are now (asked once per script
    version and environment), or None where the script would not take it."""
    try:
        changed = os.stat(executable).st_mtime_ns
    except OSError:
        return None
    names = ("PATH", "APERTIUM_TRANSFUSE", "AP_SETVAR", "APERTIUM_DATADIR")
    return _route(executable, mode, changed, tuple(os.environ.get(name, "") for name in names))


@functools.lru_cache(maxsize=8)
def _route(executable: str, mode: str, changed: int, environment: tuple[str, ...]) -> _Route | None:
    """What :func:`_route_now` answers (``changed``: the script's modification time;
    ``environment``: the variables the script's route depends on)."""
    if os.environ.get("APERTIUM_TRANSFUSE", "").lower() in ("0", "no") or os.environ.get("AP_SETVAR"):
        return None
    extract, inject, wblank = (shutil.which(name) for name in ("tf-extract", "tf-inject", "apertium-wblank-mode"))
    folder, utf8 = _data_folder(executable, changed), _utf8_locale()
    if folder is None or utf8 is None or not (extract and inject and wblank):
        return None
    mode_file = os.path.join(folder, "modes", f"{mode}.mode")
    try:
        made = subprocess.run([wblank, "-z", mode_file], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if made.returncode != 0 or not made.stdout.strip():
        return None
    return _Route(made.stdout, extract, inject, {**os.environ, "LC_CTYPE": utf8})


def _state_parent() -> str | None:
    """Where a call's Transfuse state goes (a folder of small files and a SQLite database, a
    few times the batch's size): the RAM disk where there is one with room to spare and
    ``TMPDIR`` names no other place (about 7 ms less per call than /tmp on disk); None: the
    usual temporary folder."""
    shm = "/dev/shm"
    if "TMPDIR" in os.environ or not os.access(shm, os.W_OK | os.X_OK):
        return None
    try:
        free = os.statvfs(shm)
    except OSError:
        return None
    return shm if free.f_bavail * free.f_frsize >= _STATE_ROOM else None


#: The free space the RAM disk must have to take a call's Transfuse state.
_STATE_ROOM = 64 << 20
#: A call's state folder is named after the process that made it: ``a11ykit-transfuse-<pid>-…``.
_STATE_PREFIX = "a11ykit-transfuse-"


@functools.lru_cache(maxsize=4)
def _sweep_states(parent: str | None) -> None:
    """Remove the state folders of processes that are gone (a process killed with SIGKILL cannot
    remove its own), once per process and folder."""
    folder = parent or tempfile.gettempdir()
    with contextlib.suppress(OSError):
        for name in os.listdir(folder):
            pid = name[len(_STATE_PREFIX) :].partition("-")[0]
            if name.startswith(_STATE_PREFIX) and pid.isdigit() and not process_alive(int(pid)):
                shutil.rmtree(os.path.join(folder, name), ignore_errors=True)


def _data_folder(executable: str, changed: int) -> str | None:
    """Where the script finds its modes: ``$APERTIUM_DATADIR``, else the default written in
    the script (None when it cannot be read there)."""
    default = _script_data_folder(executable, changed)
    return os.environ.get("APERTIUM_DATADIR") or default


@functools.lru_cache(maxsize=8)
def _script_data_folder(executable: str, changed: int) -> str | None:
    try:
        with open(executable, encoding="utf-8", errors="replace") as f:
            found = _DATADIR_RE.search(f.read(8192))
    except OSError:
        return None
    return found.group(1) if found else None


@functools.cache
def _utf8_locale() -> str | None:
    """The UTF-8 locale the script sets for its programs (the first ``locale -a`` lists)."""
    try:
        listed = subprocess.run(["locale", "-a"], capture_output=True, text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    return next((name for name in listed.split() if _UTF8_RE.search(name)), None)


_DATADIR_RE = re.compile(r'^APERTIUM_DATADIR="\$\{APERTIUM_DATADIR:-([^}"]+)\}"', re.MULTILINE)
_UTF8_RE = re.compile(r"utf[.-]*8", re.IGNORECASE)


class _Run:
    """One call's processes on the script's Transfuse route, started together (ahead of the call
    by :meth:`ApertiumEngine.warm_up`): ``tf-extract``, the mode's programs, ``tf-inject``."""

    def __init__(self, route: _Route) -> None:
        self.owner = os.getpid()  # a forked child must not write to its parent's pipes
        # Transfuse's state in a folder of the call's own, removed when the call is done or
        # stopped (left to Transfuse, a stopped call's folder stayed behind)
        parent = _state_parent()
        _sweep_states(parent)
        self.state = tempfile.mkdtemp(prefix=f"{_STATE_PREFIX}{os.getpid()}-", dir=parent)
        self.extract = _spawn([route.extract, "-f", "html", "-d", self.state], route.env)
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115 - the programs' messages; closed by stop()
        self.programs = subprocess.Popen(  # a group of their own: stopped together (bash and its pipeline)
            ["bash", "-c", route.script, "apertium", "-g", ""],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errors, env=route.env, process_group=0,
        )
        self.inject = _spawn([route.inject, "-f", "html", "-d", self.state], route.env)

    def usable(self) -> bool:
        return self.owner == os.getpid() and all(p.poll() is None for p in (self.extract, self.programs, self.inject))

    def translate(self, document: str) -> str:
        """The document through the three: each block's answer is read up to its NUL byte, so
        the call does not wait for the programs to end (they are killed after it, see :func:`_reap`)."""
        try:
            return self._translate(document)
        finally:
            shutil.rmtree(self.state, ignore_errors=True)

    def _translate(self, document: str) -> str:
        deadline = time.monotonic() + TIMEOUT_SECONDS
        stream, errors = self.extract.communicate(document.encode("utf-8"), timeout=TIMEOUT_SECONDS)
        if self.extract.returncode != 0:
            raise EngineError(f"tf-extract failed (exit {self.extract.returncode}): {_detail(errors)}",
                              code="A11Y305")
        closed = stream.endswith(b"\0")
        answer = self._programs(stream if closed else stream + b"\0", deadline)
        out, errors = self.inject.communicate(answer if closed else answer[:-1],
                                              timeout=max(1.0, deadline - time.monotonic()))
        if self.inject.returncode != 0:
            raise EngineError(f"tf-inject failed (exit {self.inject.returncode}): {_detail(errors)}",
                              code="A11Y305")
        return out.decode("utf-8")

    def _programs(self, stream: bytes, deadline: float) -> bytes:
        """The stream through the mode's programs, read back up to as many NUL bytes as it holds
        (null-flush mode answers each block as it ends); then they are killed. Told that their
        input ended, they would end on their own, but first free what they loaded one piece at
        a time (each analyser and generator its dictionary): about as much CPU again as loading
        it, taken from what the build does next (a rebuild encodes its changed audio then)."""
        assert self.programs.stdin is not None and self.programs.stdout is not None
        wanted, answer, pending = stream.count(b"\0"), bytearray(), memoryview(stream)
        out_fd, in_fd = self.programs.stdout.fileno(), self.programs.stdin.fileno()
        with selectors.DefaultSelector() as selector:
            selector.register(out_fd, selectors.EVENT_READ)
            selector.register(in_fd, selectors.EVENT_WRITE)
            while answer.count(b"\0") < wanted:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise subprocess.TimeoutExpired("apertium", TIMEOUT_SECONDS)
                for key, _ in selector.select(left):
                    if key.fd == in_fd:
                        pending = pending[os.write(in_fd, pending[:_PIPE_CHUNK]) :]
                        if not pending:
                            selector.unregister(in_fd)
                    elif chunk := os.read(out_fd, _PIPE_CHUNK):
                        answer += chunk
                    else:
                        self.programs.wait(timeout=5)
                        raise EngineError(f"apertium's programs stopped (exit {self.programs.returncode}): "
                                          f"{self._messages()}", code="A11Y305")
        self._kill_programs()
        self.programs.stdin.close()
        return bytes(answer)

    def _kill_programs(self) -> None:
        if self.programs.poll() is None:  # the group is theirs while bash, its leader, runs
            with contextlib.suppress(OSError):
                os.killpg(self.programs.pid, signal.SIGKILL)

    def _messages(self) -> str:
        with contextlib.suppress(OSError, ValueError):
            self.errors.seek(0)
            return _detail(self.errors.read()) or "no message"
        return "no message"

    def stop(self) -> None:
        self._kill_programs()
        for process in (self.extract, self.inject, self.programs):
            _stop(process)
        self.errors.close()
        shutil.rmtree(self.state, ignore_errors=True)


_PIPE_CHUNK = 1 << 16


def _detail(errors: bytes | str) -> str:
    """A program's messages on one line, cut at 200 characters."""
    text = errors.decode("utf-8", "replace") if isinstance(errors, bytes) else errors
    return " ".join(text.split())[:200]


@contextlib.contextmanager
def _stopped_on_failure(stop: Callable[[], None]) -> Iterator[None]:
    """``stop`` the call's processes if it fails; a timeout is A11Y305."""
    try:
        yield
    except subprocess.TimeoutExpired:
        stop()
        raise EngineError(f"apertium did not finish within {TIMEOUT_SECONDS} s", code="A11Y305") from None
    except BaseException:
        stop()
        raise


def _spawn(argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)


class _Warming:
    """A call's processes being started ahead (:meth:`ApertiumEngine.warm_up`) on a thread of
    their own: asking ``apertium-wblank-mode`` for the route and spawning a dozen programs took
    the build's own thread 20–30 ms, which it now spends on the page."""

    def __init__(self, executable: str, mode: str) -> None:
        self.owner = os.getpid()  # a forked child must not wait for a thread it does not have
        self._run: _Run | None = None
        self._started = threading.Event()
        threading.Thread(
            target=self._start, args=(executable, mode), name="a11ykit-apertium-warm-up", daemon=True
        ).start()

    def _start(self, executable: str, mode: str) -> None:
        try:
            route = _route_now(executable, mode)
            if route is not None:
                self._run = _Run(route)
        except Exception:  # noqa: BLE001 - the call then starts its own processes, and reports what fails
            self._run = None
        finally:
            self._started.set()

    def run(self) -> _Run | None:
        """The processes once started (waiting for the start to end); None if none started."""
        self._started.wait()
        return self._run


def _take_waiting(executable: str, mode: str) -> _Run | None:
    """The processes a warm-up started for this mode, if they are this process's and alive."""
    with _LOCK:
        warming = _WAITING.get((executable, mode))
        if warming is None or warming.owner != os.getpid():  # a forked child leaves its parent's alone
            return None
        del _WAITING[(executable, mode)]
    run = warming.run()
    if run is not None and not run.usable():  # they died waiting
        run.stop()
        return None
    return run


def _reap() -> None:
    """Wait for the programs of finished calls that have ended by now (their input was closed)."""
    with _LOCK:
        ended = [run for run in _ENDING if run.programs.poll() is not None]
        _ENDING[:] = [run for run in _ENDING if run not in ended]
    for run in ended:
        run.stop()


@atexit.register
def stop_waiting() -> None:
    """Stop this process's calls' processes that no call used, and the programs of its finished
    calls still ending (a forked child leaves its parent's alone)."""
    with _LOCK:
        warming = [w for w in _WAITING.values() if w.owner == os.getpid()]
        for key, w in list(_WAITING.items()):
            if w in warming:
                del _WAITING[key]
        ending = [run for run in _ENDING if run.owner == os.getpid()]
        _ENDING[:] = [run for run in _ENDING if run not in ending]
    for run in [*(w.run() for w in warming), *ending]:
        if run is not None:
            run.stop()


# A process of multiprocessing's pools ends without running atexit's handlers, but with its finalizers.
multiprocessing.util.Finalize(None, stop_waiting, exitpriority=0)


@functools.lru_cache(maxsize=8)
def _installed_modes(executable: str, changed: int, folder: str | None) -> frozenset[str]:
    """The modes ``apertium -l`` lists: the ``.mode`` files of the script's data ``folder``,
    read as the script reads them (``apertium -l`` itself where the folder is not known).
    Asked once per process and executable (``changed``: its modification time): a site's
    articles and their round trips all ask."""
    if folder is not None:
        with contextlib.suppress(OSError):
            return frozenset(name[: -len(".mode")] for name in os.listdir(os.path.join(folder, "modes"))
                             if name.endswith(".mode"))
    try:
        out = subprocess.run([executable, "-l"], capture_output=True, text=True, timeout=30, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    return frozenset(line.strip() for line in out.splitlines() if line.strip())


#: dpkg's record of the installed packages (deb-status(5)): what ``dpkg-query`` reads too.
DPKG_STATUS = "/var/lib/dpkg/status"


def _status_version(package: str, status_file: str) -> str | None:
    """The version of ``package`` installed, from dpkg's status file; None when the file or
    an installed stanza of the package is not there."""
    try:
        with open(status_file, "rb") as f:
            data = f.read()
    except OSError:
        return None
    name = f"Package: {package}\n".encode()
    at = data.find(name)
    while at != -1:
        if at == 0 or data[at - 1 : at] == b"\n":
            end = data.find(b"\n\n", at)
            fields = dict(
                line.split(": ", 1) for line in data[at : end if end != -1 else len(data)].decode("utf-8", "replace")
                .splitlines() if ": " in line and not line.startswith((" ", "\t"))
            )
            if fields.get("Status", "").split()[-1:] == ["installed"] and fields.get("Version"):
                return fields["Version"].strip()
        at = data.find(name, at + 1)
    return None


@functools.cache
def _package_version(package: str) -> str:
    """The Debian package's installed version ("" if unknown), once per process: from dpkg's
    status file, else from ``dpkg-query`` (a process that reads that file: about 10 ms)."""
    found = _status_version(package, DPKG_STATUS)
    if found is not None:
        return found
    try:
        out = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.strip()


class ApertiumEngine:
    name = "apertium"

    def __init__(self, executable: str = "apertium") -> None:
        self.executable = shutil.which(executable) or ""
        #: Every word Apertium marked unknown in this engine's outputs so far (lock tokens aside).
        self.unknown_words: set[str] = set()
        self._described: str | None = None

    def supports(self, source: str, target: str) -> bool:
        mode = MODES.get((source, target))
        return bool(self.executable and mode and mode in self._installed_modes())

    def _installed_modes(self) -> frozenset[str]:
        try:
            changed = os.stat(self.executable).st_mtime_ns
        except OSError:
            return frozenset()
        return _installed_modes(self.executable, changed, _data_folder(self.executable, changed))

    def warm_up(self, source: str, target: str) -> None:
        """Start the processes of the pair's next :meth:`translate` now (see the module doc);
        nothing where they wait already or the pair is not Apertium's."""
        mode = MODES.get((source, target))
        if mode is None or not self.executable:
            return
        with _LOCK:
            if (self.executable, mode) not in _WAITING:
                _WAITING[(self.executable, mode)] = _Warming(self.executable, mode)

    def describe(self) -> str:
        if self._described is None:
            self._described = f"apertium apertium-eng-spa {_package_version('apertium-eng-spa')}".strip()
        return self._described

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        if not texts:
            return []
        mode = MODES.get((source, target))
        if mode is None:
            raise EngineError(f"apertium has no {source} → {target} mode", code="A11Y304")
        if not self.executable:
            raise EngineError("apertium is not installed; apt-get install apertium apertium-eng-spa", code="A11Y302")
        taken = [_take_empty_nested(t) for t in texts]
        document = "".join(f"<p>{_to_wire(t)}</p>\n" for t, _ in taken)
        stdout = self._run(mode, document)
        outputs = _PARAGRAPH_RE.findall(stdout)
        if len(outputs) != len(texts):
            raise EngineError(
                f"apertium returned {len(outputs)} paragraphs for {len(texts)} inputs", code="A11Y305"
            )
        results = []
        for output, original, (_, empties) in zip(outputs, texts, taken, strict=True):
            marked: list[str] = []
            text = _fix_initial_case(_from_wire(output, original, marked), original)
            self.unknown_words.update(w for w in marked if not LOCK_TOKEN_RE.fullmatch(w))
            results.append(_put_back_empty(text, empties))
        return results

    def _run(self, mode: str, document: str) -> str:
        """Apertium's HTML output for the document, on the Transfuse route where the script
        would take it (its processes started ahead if a warm-up did), else by the script."""
        route = _route_now(self.executable, mode)
        if route is None:
            return _run_script(self.executable, mode, document)
        _reap()
        run = _take_waiting(self.executable, mode) or _Run(route)
        with _stopped_on_failure(run.stop):
            answer = run.translate(document)
        with _LOCK:
            _ENDING.append(run)
        return answer


def _run_script(executable: str, mode: str, document: str) -> str:
    process = _start(executable, mode)
    with _stopped_on_failure(lambda: _stop(process)):
        stdout, stderr = process.communicate(document, timeout=TIMEOUT_SECONDS)
    if process.returncode != 0:
        raise EngineError(f"apertium {mode} failed (exit {process.returncode}): {_detail(stderr)}", code="A11Y305")
    return stdout


_TAGS_RE = re.compile(r"<(/?)(\d+)>")


class _Empty(NamedTuple):
    """An empty element taken out: its markup, its parent's number ("" at the top), and where
    it stood among the parent's own words (``before`` of ``total``)."""

    markup: str
    parent: str
    before: int
    total: int


def _take_empty_nested(text: str) -> tuple[str, list[_Empty]]:
    """The text without its empty elements that are nested in, or hold, another element."""
    spans = _empty_elements(text)
    if not spans:
        return text, []
    kept: list[str] = []
    places: list[tuple[str, str, int]] = []  # (markup, parent, char offset in the text left)
    pos = 0
    for start, end, parent in spans:
        kept.append(text[pos:start])
        markup = (" " if text[start - 1 : start].isspace() else "") + text[start:end]
        places.append((markup + (" " if text[end : end + 1].isspace() else ""), parent, len("".join(kept))))
        pos = end
    kept.append(text[pos:])
    rest = "".join(kept)
    empties = []
    for markup, parent, offset in places:
        before, total = _parent_words(rest, parent, offset)
        empties.append(_Empty(markup, parent, before, total))
    return rest, empties


def _empty_elements(text: str) -> list[tuple[int, int, str]]:
    """(start, end, parent) of the outermost empty elements that are nested or hold another element."""
    stack: list[tuple[str, int, bool, bool]] = []  # (number, start, has words, has children)
    found: list[tuple[int, int, str]] = []
    pos = 0
    for m in _TAGS_RE.finditer(text):
        if stack and text[pos : m.start()].strip():
            stack = [(n, s, True, c) for n, s, _, c in stack]
        pos = m.end()
        if not m.group(1):
            if stack:
                number, start, words, _ = stack[-1]
                stack[-1] = (number, start, words, True)
            stack.append((m.group(2), m.start(), False, False))
        elif stack and stack[-1][0] == m.group(2):
            number, start, words, children = stack.pop()
            parent = stack[-1][0] if stack else ""
            if not words and (parent or children):
                found = [f for f in found if not start <= f[0] < m.end()] + [(start, m.end(), parent)]
        else:
            return []  # not well nested: leave the text alone
    return sorted(found)


def _parent_words(text: str, parent: str, offset: int) -> tuple[int, int]:
    """How many of the parent's own words stand before ``offset``, and how many it has."""
    before = total = 0
    for start, chunk in _own_chunks(text, parent):
        for w in re.finditer(r"\S+", chunk):
            total += 1
            before += start + w.end() <= offset
    return before, total


def _own_chunks(text: str, parent: str) -> list[tuple[int, str]]:
    """(offset, text) of the chunks directly inside the parent element (the top level for "")."""
    depth_target = None if parent else 0
    depth = 0
    chunks: list[tuple[int, str]] = []
    pos = 0
    for m in _TAGS_RE.finditer(text):
        if depth_target is not None and depth == depth_target:
            chunks.append((pos, text[pos : m.start()]))
        if m.group(1):
            depth -= 1
            if depth_target is not None and depth < depth_target:
                return chunks
        else:
            depth += 1
            if depth_target is None and m.group(2) == parent:
                depth_target = depth
        pos = m.end()
    if depth_target is not None and depth == depth_target:
        chunks.append((pos, text[pos:]))
    return chunks


def _put_back_empty(text: str, empties: list[_Empty]) -> str:
    """Each empty element back in its parent of the translation: at the start or the end when it
    was there, else after the same share of the parent's words (the end if the parent is gone)."""
    for empty in empties:
        offset = _insertion_point(text, empty)
        text = text[:offset] + empty.markup + text[offset:]
    return " ".join(text.split()) if empties else text


def _insertion_point(text: str, empty: _Empty) -> int:
    chunks = _own_chunks(text, empty.parent)
    if empty.parent and f"<{empty.parent}>" not in text:
        return len(text)
    if empty.before == 0:
        opening = text.find(f"<{empty.parent}>")
        return opening + len(f"<{empty.parent}>") if empty.parent else 0
    words = [(start + w.start(), start + w.end()) for start, chunk in chunks for w in re.finditer(r"\S+", chunk)]
    if empty.before >= empty.total or not words:
        if empty.parent:
            closing = text.find(f"</{empty.parent}>")
            return closing if closing >= 0 else len(text)
        return len(text)
    index = min(len(words), max(1, round(empty.before * len(words) / empty.total)))
    return words[index - 1][1]


_INITIAL_TOKEN_RE = re.compile(r"^((?:<\d+>|[“\"'¿¡(])*QZX[A-Z]+(?:</\d+>)*[,:]? )(\w+)", re.IGNORECASE)


def _fix_initial_case(output: str, original: str) -> str:
    """Apertium moves a sentence's initial capital from an unknown first word (a lock
    token) to the next word: "QZXA was built" → "QZXA Estuvo construido". Undo that
    when the source's next word was lower case."""
    source = _INITIAL_TOKEN_RE.match(original)
    target = _INITIAL_TOKEN_RE.match(output)
    if source and target and source.group(2)[:1].islower():
        word = target.group(2)
        if word[:1].isupper() and not word.isupper():
            return output[: target.start(2)] + word[0].lower() + word[1:] + output[target.end(2) :]
    return output


def _to_wire(text: str) -> str:
    """Tagged text → Apertium's HTML input: escape the words, tags as spans."""
    parts: list[str] = []
    pos = 0
    for m in _TAG_RE.finditer(text):
        parts.append(html.escape(text[pos : m.start()], quote=False))
        parts.append("</span>" if m.group(1) else f'<span data-i="{m.group(2)}">')
        pos = m.end()
    parts.append(html.escape(text[pos:], quote=False))
    return "".join(parts)


def _from_wire(output: str, original: str, marked: list[str]) -> str:
    """Apertium's HTML output → tagged text; closing spans are matched by nesting."""
    parts: list[str] = []
    stack: list[str] = []
    pos = 0
    for m in _WIRE_RE.finditer(output):
        parts.append(_words(output[pos : m.start()], original, marked))
        if m.group(1):
            stack.append(m.group(1))
            parts.append(f"<{m.group(1)}>")
        elif stack:
            parts.append(f"</{stack.pop()}>")
        pos = m.end()
    parts.append(_words(output[pos:], original, marked))
    text = " ".join("".join(parts).split())
    # Apertium's HTML mode puts a space after opening punctuation: "“ Sobreviví".
    text = _OPENING_SPACE_RE.sub(lambda m: m.group(1) if m.group(0) not in original else m.group(0), text)
    # Apertium sometimes splits one span in two around a reordered word: "<1>a</1> <1>b</1>".
    return _SPLIT_SPAN_RE.sub(r"\2", text)


_OPENING_SPACE_RE = re.compile(r"([“«¿¡(]) (?=\w)")
_SPLIT_SPAN_RE = re.compile(r"</(\d+)>(\s*)<\1>")


def _words(chunk: str, original: str, marked: list[str]) -> str:
    text, words = strip_unknown_marks(html.unescape(chunk), original)
    marked.extend(words)
    # a mark on an unknown symbol ("*·"): the symbol kept, no word to keep
    text = _SYMBOL_MARK_RE.sub(lambda m: m.group(0) if m.group(0) in original else m.group(0)[1:], text)
    # Apertium's HTML mode can leak its own private-use marks (U+E013 after an empty span).
    text = _PRIVATE_USE_RE.sub(lambda m: m.group(0) if m.group(0) in original else "", text)
    return text.replace("\n", " ").replace("\t", " ")


_PRIVATE_USE_RE = re.compile("[\ue000-\uf8ff]")
_SYMBOL_MARK_RE = re.compile(r"(?<![\w*#@])[*#@][^\s\w*#@]")
