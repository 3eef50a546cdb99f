"""``a11ykit build --scheduler``: a site's sentences translated, and its narration's utterances
synthesized, on a real Dask cluster.

The cluster is started from Dask's own CLI (``dask scheduler``, two ``dask worker``) on
localhost with random ports; one worker is killed while it runs a task (the other having joined), and the outputs are
still complete and the same as a local build's.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "tests" / "corpus" / "pages"
DASK = Path(sys.executable).parent / "dask"
#: English pages of the corpus, enough sentences for several tasks per worker.
ARTICLES = [
    "aptitude-doc-ch01.html", "html-text-books-to-scrape.html", "html-text-iana-reserved-domains.html",
    "maint-guide-checkit.html", "maint-guide-upload.html", "html-text-webstruct-index.html",
]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


class Cluster:
    """A scheduler started from Dask's CLI, and workers started on demand (single-threaded, no
    nanny: a killed worker stays dead)."""

    def __init__(self, home: Path, allowed_failures: int = 3) -> None:
        self.home = home
        self.env = {**os.environ, "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": str(allowed_failures)}
        self.logs = home / "logs"
        self.logs.mkdir()
        self.processes: dict[str, subprocess.Popen] = {}
        scheduler_file = home / "scheduler.json"
        self._start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", "0",
                    "--dashboard-address", "127.0.0.1:0", "--scheduler-file", str(scheduler_file))
        self._wait(scheduler_file.is_file, "the Dask scheduler did not start", "scheduler")
        self.address = json.loads(scheduler_file.read_text())["address"]

    def _start(self, name: str, *argv: str) -> None:
        with (self.logs / f"{name}.log").open("wb") as log:
            self.processes[name] = subprocess.Popen([str(DASK), *argv], stdout=log, stderr=subprocess.STDOUT,
                                                    cwd=self.home, env=self.env)

    def _wait(self, ready: Callable[[], bool], failure: str, name: str) -> None:
        deadline = time.monotonic() + 60
        while not ready():
            if time.monotonic() > deadline:
                pytest.fail(f"{failure}: " + (self.logs / f"{name}.log").read_text()[-500:])
            time.sleep(0.05)

    def start_worker(self, name: str) -> subprocess.Popen:
        self._start(name, "worker", self.address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                    "--name", name, "--host", "127.0.0.1")
        self._wait(lambda: "Registered to" in (self.logs / f"{name}.log").read_text(),
                   f"the Dask worker {name} did not register", name)
        return self.processes[name]

    def removed(self) -> str:
        """The scheduler's log lines about workers it removed."""
        log = (self.logs / "scheduler.log").read_text()
        return "\n".join(line for line in log.splitlines() if "Remove worker" in line)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def running_cluster(home: Path, allowed_failures: int = 3) -> Iterator[Cluster]:
    """A cluster whose scheduler gives up on a task after its worker died ``allowed_failures``
    + 1 times (Dask's default: 3)."""
    started = Cluster(home, allowed_failures)
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    with running_cluster(tmp_path) as started:
        yield started


#: The builds a test started, stopped and reaped when it ends (a failed test leaves none running).
_BUILDS: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def _reap_builds() -> Iterator[None]:
    yield
    while _BUILDS:
        run = _BUILDS.pop()
        if run.poll() is None:
            run.kill()
        if run.stdout is not None and not run.stdout.closed:
            run.communicate()


def build(tmp_path: Path, site: Path, out: str, *extra: str, audio: bool = False) -> subprocess.Popen:
    argv = [sys.executable, "-m", "a11ykit", "build", str(site), "--to", "es", "--engine", "apertium",
            *([] if audio else ["--no-audio"]),
            "--out", str(tmp_path / out), "--locales", str(tmp_path / f"{out}-locales"), *extra]
    run = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _BUILDS.append(run)
    return run


def _site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    for name in ARTICLES:
        shutil.copy(PAGES / name, site / name)
    return site


def _kill_when(busy: Callable[[subprocess.Popen], bool], worker: subprocess.Popen, run: subprocess.Popen) -> None:
    """SIGKILL the worker as soon as it is seen ``busy`` (checked once, then killed at once: a
    second look might come after the task ended)."""
    deadline = time.monotonic() + 120
    while run.poll() is None and time.monotonic() < deadline:
        if busy(worker):
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait()
            return
        time.sleep(0.005)
    pytest.fail("the worker was never seen running a task"
                + (f"; the build ended: {run.communicate()[1][-500:]}" if run.poll() is not None else ""))


def _running(worker: subprocess.Popen) -> bool:
    """Whether the worker runs a task now (a process of its own, as Apertium is)."""
    return bool(_children(worker.pid))


def _kill_when_busy(worker: subprocess.Popen, run: subprocess.Popen) -> None:
    """SIGKILL the worker while it runs a task (an Apertium process of its own is running)."""
    _kill_when(_running, worker, run)


def test_a_folder_built_on_a_dask_cluster_survives_a_killed_worker_and_matches_a_local_build(tmp_path, cluster):
    site = _site(tmp_path)
    # w1 alone at first, so it surely runs a task; w2 joins while it does, then w1 is killed
    # mid-task and the scheduler must give its work to w2.
    victim = cluster.start_worker("w1")
    run = build(tmp_path, site, "dask", "--scheduler", cluster.address, "--jobs", "1")
    deadline = time.monotonic() + 120
    while not _children(victim.pid) and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    cluster.start_worker("w2")
    _kill_when_busy(victim, run)
    out, err = run.communicate(timeout=600)
    assert run.returncode == 0, err
    assert "name: w1" in cluster.removed(), "the scheduler did not lose w1 mid-run"
    header, values = out.splitlines()[-3:-1]
    assert header.split()[:4] == ["articles", "built", "unchanged", "failed"]
    assert values.split()[:4] == [str(len(ARTICLES)), str(len(ARTICLES)), "0", "0"]
    local = build(tmp_path, site, "local", "--jobs", "1")
    local.communicate(timeout=600)
    assert local.returncode == 0
    pages = sorted(p.name for p in (tmp_path / "local").glob("*.es.html"))
    assert len(pages) == len(ARTICLES)
    assert sorted(p.name for p in (tmp_path / "dask").glob("*.es.html")) == pages
    for name in pages:
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "local" / name).read_bytes(), name


def test_a_task_the_cluster_gives_up_on_is_one_line_and_nothing_is_written(tmp_path):
    site = _site(tmp_path)
    with running_cluster(tmp_path, allowed_failures=0) as cluster:
        worker = cluster.start_worker("w1")
        run = build(tmp_path, site, "dask", "--scheduler", cluster.address, "--jobs", "1")
        _kill_when_busy(worker, run)
        _, err = run.communicate(timeout=600)
    assert run.returncode == 2
    assert len(err.strip().splitlines()) == 1, err
    assert "A11Y306" in err and "KilledWorker" in err
    assert not list((tmp_path / "dask").glob("*.html"))


# --- the narration on the cluster -----------------------------------------------------------------

#: Real paragraphs for small narrated articles: each article has a few of its own and one they all share.
NARRATED = PAGES / "maint-guide-upload.html"
AUDIO = (".es.opus", ".es.mp3", ".es.vtt", ".es.chapters.vtt", ".es.syncmap.json", ".es.html")


def _narrated_site(root: Path) -> Path:
    """Four small articles of real paragraphs (under 16 spoken items each), sharing one paragraph."""
    paragraphs = [str(p) for p in BeautifulSoup(NARRATED.read_bytes(), "html.parser").find_all("p")][1:]
    site = root / "narrated"
    site.mkdir()
    for n in range(1, 5):
        body = "".join(paragraphs[2 * n - 1 : 2 * n + 1]) + paragraphs[0]
        (site / f"upload-{n}.html").write_text(
            f"<!DOCTYPE html><html lang='en'><head><title>Uploading, part {n}</title></head>"
            f"<body><article><h1>Uploading, part {n}</h1>{body}</article></body></html>", encoding="utf-8")
    return site


@pytest.fixture(scope="module")
def local_narration(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The narrated site and its local build (one job: each article's misses spoken in reading order)."""
    root = tmp_path_factory.mktemp("narrated")
    site = _narrated_site(root)
    run = build(root, site, "local", "--jobs", "1", audio=True)
    _, err = run.communicate(timeout=600)
    assert run.returncode == 0, err
    return site, root / "local"


def _speech(out: str) -> dict[str, int]:
    """The figures of the build's speech line."""
    line = next(line for line in out.splitlines() if line.startswith("speech cache:"))
    found = re.search(r"(\d+) item\(s\) synthesized here, (\d+) from the cache; (\d+) unique utterance\(s\), "
                      r"(\d+) synthesized on the cluster", line)
    assert found, line
    return dict(zip(("here", "cached", "unique", "cluster"), map(int, found.groups()), strict=True))


def _same_outputs(built: Path, local: Path) -> None:
    names = sorted(p.name for p in local.iterdir() if p.name.endswith(AUDIO))
    assert len(names) == 4 * len(AUDIO)
    assert sorted(p.name for p in built.iterdir() if p.name.endswith(AUDIO)) == names
    for name in names:
        assert (built / name).read_bytes() == (local / name).read_bytes(), name


def _check_narrated_on_the_cluster(out: str, built: Path) -> None:
    """The client synthesized nothing: every unique utterance was spoken on the cluster."""
    speech = _speech(out)
    assert speech["here"] == 0 and speech["cluster"] == speech["unique"] > 0
    for report in built.glob("*.es.report.json"):
        audio = json.loads(report.read_text(encoding="utf-8"))["audio"]
        assert audio["synthesized"] == [] and len(audio["cached"]) == audio["items"]


def test_a_folder_narrated_on_a_dask_cluster_is_spoken_by_its_workers_and_matches_a_local_build(
    tmp_path, cluster, local_narration
):
    site, local = local_narration
    cluster.start_worker("w1")
    cluster.start_worker("w2")
    run = build(tmp_path, site, "dask", "--scheduler", cluster.address, "--jobs", "1", audio=True)
    out, err = run.communicate(timeout=600)
    assert run.returncode == 0, err
    _check_narrated_on_the_cluster(out, tmp_path / "dask")
    _same_outputs(tmp_path / "dask", local)


def _speaking(worker: subprocess.Popen) -> bool:
    """Whether the worker runs espeak-ng now (a speech worker process of its own)."""
    for child in _children(worker.pid):
        try:
            if b"a11ykit/speech/worker.py" in Path(f"/proc/{child}/cmdline").read_bytes():
                return True
        except OSError:
            continue
    return False


def test_a_worker_killed_while_it_synthesizes_is_survived(tmp_path, cluster, local_narration):
    site, local = local_narration
    workers = {name: cluster.start_worker(name) for name in ("w1", "w2")}
    run = build(tmp_path, site, "dask", "--scheduler", cluster.address, "--jobs", "1", audio=True)
    deadline = time.monotonic() + 120
    victim = None
    while victim is None and run.poll() is None and time.monotonic() < deadline:
        victim = next((name for name, worker in workers.items() if _speaking(worker)), None)
        time.sleep(0.005)
    assert victim is not None, "no worker was seen synthesizing"
    os.kill(workers[victim].pid, signal.SIGKILL)
    workers[victim].wait()
    out, err = run.communicate(timeout=600)
    assert run.returncode == 0, err
    assert f"name: {victim}" in cluster.removed(), "the scheduler did not lose the worker mid-run"
    _check_narrated_on_the_cluster(out, tmp_path / "dask")
    _same_outputs(tmp_path / "dask", local)


def test_a_synthesis_task_the_cluster_gives_up_on_is_one_line_and_nothing_is_written(tmp_path):
    # whole real pages: many tasks, so the worker still holds some whenever it is killed
    site = tmp_path / "long"
    site.mkdir()
    for name in ("maint-guide-upload.html", "html-text-iana-reserved-domains.html"):
        shutil.copy(PAGES / name, site / name)
    with running_cluster(tmp_path, allowed_failures=0) as cluster:
        worker = cluster.start_worker("w1")
        run = build(tmp_path, site, "dask", "--scheduler", cluster.address, "--jobs", "1", audio=True)
        _kill_when(_speaking, worker, run)
        _, err = run.communicate(timeout=600)
    assert run.returncode == 2
    assert len(err.strip().splitlines()) == 1, err
    assert "A11Y306" in err and "synthesis task" in err and "KilledWorker" in err
    assert not list((tmp_path / "dask").glob("*.html")) and not list((tmp_path / "dask").glob("*.opus"))
