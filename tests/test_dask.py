"""``a11ykit build --scheduler``: a site's sentences translated on a real Dask cluster.

The cluster is started from Dask's own CLI (``dask scheduler``, two ``dask worker``) on
localhost with random ports; one worker is killed while it runs a task, and the outputs are
still complete and the same as a local build's.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

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


def _removed(log: Path) -> str:
    """The scheduler's log lines about workers it removed, up to the end of the build."""
    return "\n".join(line for line in log.read_text().splitlines() if "Remove worker" in line)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[str, dict[str, subprocess.Popen]]]:
    """A scheduler and two single-threaded workers (no nanny: a killed worker stays dead)."""
    scheduler_file = tmp_path / "scheduler.json"
    logs = tmp_path / "logs"
    logs.mkdir()
    processes: dict[str, subprocess.Popen] = {}

    def start(name: str, *argv: str) -> None:
        with (logs / f"{name}.log").open("wb") as log:
            processes[name] = subprocess.Popen([str(DASK), *argv], stdout=log, stderr=subprocess.STDOUT,
                                               cwd=tmp_path)

    start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", "0", "--dashboard-address", "127.0.0.1:0",
          "--scheduler-file", str(scheduler_file))
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.is_file() and time.monotonic() < deadline:
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        for name in ("w1", "w2"):
            start(name, "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard", "--name", name,
                  "--host", "127.0.0.1")
        while time.monotonic() < deadline:
            if all("Registered to" in (logs / f"{n}.log").read_text() for n in ("w1", "w2")):
                break
            time.sleep(0.1)
        else:
            pytest.fail("the Dask workers did not register: " + (logs / "w1.log").read_text()[-500:])
        yield address, processes
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def build(tmp_path: Path, site: Path, out: str, *extra: str) -> subprocess.Popen:
    argv = [sys.executable, "-m", "a11ykit", "build", str(site), "--to", "es", "--engine", "apertium", "--no-audio",
            "--out", str(tmp_path / out), "--locales", str(tmp_path / f"{out}-locales"), *extra]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_folder_built_on_a_dask_cluster_survives_a_killed_worker_and_matches_a_local_build(tmp_path, cluster):
    address, processes = cluster
    site = tmp_path / "site"
    site.mkdir()
    for name in ARTICLES:
        shutil.copy(PAGES / name, site / name)
    run = build(tmp_path, site, "dask", "--scheduler", address, "--jobs", "1")
    victim = processes["w1"]
    deadline = time.monotonic() + 120
    while not _children(victim.pid) and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    busy = bool(_children(victim.pid))
    os.kill(victim.pid, signal.SIGKILL)  # while it runs a task
    victim.wait()
    out, err = run.communicate(timeout=600)
    assert run.returncode == 0, err
    assert busy, "worker w1 never ran a task"
    assert "name: w1" in _removed(tmp_path / "logs" / "scheduler.log"), "the scheduler did not lose w1 mid-run"
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
