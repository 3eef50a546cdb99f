"""Site builds: articles per minute on one and two local workers and on a 2-worker Dask cluster.

The site: the English pages of the real-page corpus (tests/corpus/pages, fetched by
``make corpus``) and ``--copies`` copies of each with every text made distinct (a copy
number appended to every text of the page, so every sentence is new to the memory): with
the default 3 copies, 28 × 4 = 112 articles. Every build is ``a11ykit build SITE --to es
--engine apertium --no-audio`` run as its own process.

Runs, each into a fresh output folder with a fresh translation memory (cold), then again:

* ``warm``: the same command over the unchanged site (the manifest skips every article);
* ``warm memory``: a fresh output folder with the cold run's memory (every article built
  again, every sentence served by the memory): the hit rate and the articles per minute
  when the engine is not needed.

Workers: ``--jobs 1``, ``--jobs 2`` and a Dask cluster started from Dask's own CLI on
localhost (``dask scheduler``, two ``dask worker --nthreads 1 --no-nanny``; the client
builds the articles with ``--jobs 2``). Peak RSS per worker is the largest VmHWM seen
among the build's pool processes (sampled from /proc every 0.1 s) or of the Dask workers;
the parent's is shown apart.

Run: .venv/bin/python benchmarks/site.py [--copies 3] [--runs local1,local2,dask]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bs4 import BeautifulSoup, Comment, NavigableString

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "tests" / "corpus" / "pages"
BIN = Path(sys.executable).parent
SKIP = {"script", "style", "code", "pre", "kbd", "samp", "var", "svg", "math", "template", "textarea"}


def make_site(folder: Path, copies: int) -> int:
    originals = sorted(p for p in PAGES.glob("*.html") if not p.name.endswith(".es.html"))
    if not originals:
        sys.exit("no corpus pages: run 'make corpus' first")
    for page in originals:
        shutil.copy(page, folder / page.name)
        for k in range(1, copies + 1):
            (folder / f"{page.stem}-copy{k}.html").write_bytes(distinct(page.read_bytes(), k))
    return len(originals) * (copies + 1)


def distinct(data: bytes, k: int) -> bytes:
    """The page with `` <k>`` after every visible text: every sentence differs from the original's."""
    soup = BeautifulSoup(data, "html.parser")
    for text in soup.find_all(string=True):
        if type(text) is not NavigableString or not text.strip() or isinstance(text, Comment):
            continue
        if any(parent.name in SKIP for parent in text.parents):
            continue
        text.replace_with(re.sub(r"(\S)(\s*)$", rf"\1 {k}\2", str(text), count=1))
    return str(soup).encode("utf-8")


def descendants(pid: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found, frontier = [], [pid]
    while frontier:
        current = frontier.pop()
        children = [p for p, parent in parents.items() if parent == current]
        found += children
        frontier += children
    return found


def peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def python_process(pid: int) -> bool:
    try:
        return "python" in Path(f"/proc/{pid}/exe").resolve().name
    except OSError:
        return False


def run_build(site: Path, out: Path, tm: Path, *extra: str) -> dict:
    argv = [str(BIN / "a11ykit"), "build", str(site), "--to", "es", "--engine", "apertium", "--no-audio",
            "--out", str(out), "--locales", str(out.parent / f"{out.name}-locales"), "--tm", str(tm), *extra]
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peaks: dict[int, float] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for pid in descendants(process.pid):
                if python_process(pid):
                    peaks[pid] = max(peaks.get(pid, 0.0), peak_rss_mb(pid))
            peaks[process.pid] = max(peaks.get(process.pid, 0.0), peak_rss_mb(process.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode not in (0, 1):
        sys.exit(f"build failed ({process.returncode}): {stderr[-2000:]}")
    header, values = stdout.splitlines()[-3:-1]
    names = header.replace("from memory", "from_memory").split()
    table = dict(zip(names, map(int, values.split()), strict=True))
    workers = [mb for pid, mb in peaks.items() if pid != process.pid]
    parent = peaks.get(process.pid, 0.0)
    # One job: the articles are built in the parent itself, which is then the worker.
    return {"seconds": seconds, "table": table, "parent_mb": parent,
            "worker_mb": parent if list(extra[:2]) == ["--jobs", "1"] or not workers else max(workers)}


class Cluster:
    """A Dask scheduler and two single-threaded workers, from Dask's CLI, on localhost."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.processes: list[subprocess.Popen] = []
        scheduler_file = folder / "scheduler.json"
        self._start("scheduler", "--host", "127.0.0.1", "--port", "0", "--dashboard-address", "127.0.0.1:0",
                    "--scheduler-file", str(scheduler_file))
        deadline = time.monotonic() + 60
        while not scheduler_file.is_file() and time.monotonic() < deadline:
            time.sleep(0.1)
        self.address = json.loads(scheduler_file.read_text())["address"]
        for name in ("w1", "w2"):
            self._start("worker", self.address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                        "--name", name, "--host", "127.0.0.1", log=name)
        while time.monotonic() < deadline:
            if all("Registered to" in (folder / f"{n}.log").read_text() for n in ("w1", "w2")):
                return
            time.sleep(0.1)
        sys.exit("the Dask workers did not start")

    def _start(self, command: str, *argv: str, log: str | None = None) -> None:
        with (self.folder / f"{log or command}.log").open("wb") as out:
            self.processes.append(subprocess.Popen([str(BIN / "dask"), command, *argv], stdout=out,
                                                   stderr=subprocess.STDOUT))

    def worker_mb(self) -> float:
        return max(peak_rss_mb(p.pid) for p in self.processes[1:])

    def stop(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=3, help="distinct copies of each corpus page (default 3)")
    parser.add_argument("--runs", default="local1,local2,dask", help="which of local1, local2, dask to run")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="a11ykit-site-bench-") as tmp:
        base = Path(tmp)
        site = base / "site"
        site.mkdir()
        articles = make_site(site, args.copies)
        print(f"site: {articles} articles ({args.copies} distinct copies of each English corpus page); "
              f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at the start", flush=True)
        for run in args.runs.split(","):
            cluster = Cluster(base) if run == "dask" else None
            extra = ["--jobs", "1"] if run == "local1" else ["--jobs", "2"]
            if cluster is not None:
                extra += ["--scheduler", cluster.address]
            try:
                tm = base / f"{run}.sqlite"
                cold = run_build(site, base / f"{run}-out", tm, *extra)
                warm = run_build(site, base / f"{run}-out", tm, *extra)
                memory = run_build(site, base / f"{run}-again", tm, *extra)
                worker_mb = cluster.worker_mb() if cluster is not None else None
            finally:
                if cluster is not None:
                    cluster.stop()
            for name, result in (("cold", cold), ("warm (unchanged)", warm), ("warm memory", memory)):
                table = result["table"]
                built = table["built"]
                rows.append({
                    "run": run, "case": name, "seconds": result["seconds"], "built": built,
                    "skipped": table["unchanged"], "failed": table["failed"],
                    "per_minute": (built + table["unchanged"]) / result["seconds"] * 60,
                    "hit_rate": table["from_memory"] / table["sentences"] if table["sentences"] else None,
                    "sentences": table["sentences"], "parent_mb": result["parent_mb"],
                    "worker_mb": worker_mb if worker_mb is not None else result["worker_mb"],
                })
            print(f"  {run} done", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} at the end (figures are wall time: other work on the machine counts)")
    print()
    print(f"{'workers':<8} {'run':<17} {'seconds':>8} {'built':>6} {'skipped':>7} {'failed':>6} "
          f"{'articles/min':>12} {'sentences':>9} {'memory hits':>11} {'RSS parent':>10} {'RSS worker':>10}")
    for row in rows:
        hits = f"{row['hit_rate']:.0%}" if row["hit_rate"] is not None else "–"
        print(f"{row['run']:<8} {row['case']:<17} {row['seconds']:>8.1f} {row['built']:>6} {row['skipped']:>7} "
              f"{row['failed']:>6} {row['per_minute']:>12.0f} {row['sentences']:>9} {hits:>11} "
              f"{row['parent_mb']:>8.0f}MB {row['worker_mb']:>8.0f}MB")
    cold = {row["run"]: row for row in rows if row["case"] == "cold"}
    if "local1" in cold and "local2" in cold:
        print(f"\n2 local workers vs 1, cold: {cold['local2']['per_minute'] / cold['local1']['per_minute']:.2f}×")
    if "dask" in cold and "local1" in cold:
        print(f"Dask, 2 workers vs 1 local, cold: {cold['dask']['per_minute'] / cold['local1']['per_minute']:.2f}×")
    for run, row in cold.items():
        warm = next(r for r in rows if r["run"] == run and r["case"] == "warm (unchanged)")
        print(f"{run}: warm run over unchanged articles = {warm['seconds'] / row['seconds']:.1%} of the cold run")


if __name__ == "__main__":
    main()
