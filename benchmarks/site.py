"""Site builds: articles per minute on one and two local workers and on a 2-worker Dask cluster,
without and with audio; the rebuild after one paragraph changed.

The site: the English pages of the real-page corpus (tests/corpus/pages, fetched by
``make corpus``) and ``--copies`` copies of each with every text made distinct (a copy
number appended to every text of the page, so every sentence is new to the memory): with
the default 3 copies, 28 × 4 = 112 articles. Every build is ``a11ykit build SITE --to es
--engine apertium [--no-audio]`` run as its own process.

Runs, each into a fresh output folder with a fresh translation memory (cold), then again:

* ``warm``: the same command over the unchanged site (the manifest skips every article);
* ``warm memory`` (without audio): a fresh output folder with the cold run's memory (every
  article built again, every sentence served by the memory): the hit rate and the articles
  per minute when the engine is not needed. With audio it would narrate the whole site
  again into the fresh folder's speech cache, so it is left out;
* ``1 paragraph`` (with audio, local workers): every sentence of one paragraph of one article
  edited (the first paragraph of three sentences or more of the median-sized original), the
  same command again: only that article is built, its unchanged sentences come from the
  memory and the speech cache. Its time is compared with that article's cold build alone
  (the same command on a folder holding only that article, fresh output and memory);
* ``1 paragraph alone``: the same edit in that folder, built again: the article's own rebuild,
  without the site's other articles to check.

These three are a second or a few each, where a busy machine's noise is 10–30 %: each runs
:data:`REPEATS` times (the cold build into a fresh folder and memory each time, the rebuilds
with another edit of the same paragraph each time: " (2)", " (3)", …), interleaved (each
repeat builds the article cold, then the two rebuilds: a machine that gets busier or calmer
during the run weighs on both sides of the ratio alike), and the table shows the median run.

The builds run the ``a11ykit`` of the Python that runs this script. A user's install has no
test extra, whose html5lib and lxml Beautiful Soup imports at every start (30–60 ms on this
machine): ``make bench-venv`` installs a11ykit as a user does, into ``.venv-bench``, and the
script says which it ran.

Workers: ``--jobs 1``, ``--jobs 2`` and a Dask cluster started from Dask's own CLI on
localhost (``dask scheduler``, two ``dask worker --nthreads 1 --no-nanny``; the client
builds the articles with ``--jobs 2``). Peak RSS per worker is the largest VmHWM seen
among the build's pool processes (sampled from /proc every 0.1 s) or of the Dask workers;
the parent's is shown apart. ``cores`` is the CPU time of the build and every process it
started (engines, encoders, pool workers sampled from /proc) per second of wall time: one worker's Apertium pipeline and
narration already keep more than one core busy, which bounds what a second worker can add on a
2-core machine (the Dask workers' own CPU is not counted).

``core1`` (not run by default) is ``--jobs 1`` with the build and every process it starts pinned
to one core: against ``local2`` it shows what the second core adds when one worker cannot
already spill onto it.

Run: make bench-venv && .venv-bench/bin/python benchmarks/site.py [--copies 3] [--runs local1,local2,dask,core1]
[--audio no,yes] (or .venv/bin/python: the development install)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
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


TICKS = os.sysconf("SC_CLK_TCK")


def pool_worker_cpu(pid: int) -> float | None:
    """CPU seconds of a process pool worker (a child of multiprocessing's forkserver) and of the
    processes it has reaped (its engines); None for any other process. The build process never
    waits for these workers (the forkserver started them), so its own usage lacks them."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        parent = b"forkserver" in Path(f"/proc/{fields[1]}/cmdline").read_bytes()
    except (OSError, IndexError):
        return None
    return sum(int(v) for v in fields[11:15]) / TICKS if parent else None


def python_process(pid: int) -> bool:
    try:
        return "python" in Path(f"/proc/{pid}/exe").resolve().name
    except OSError:
        return False


def run_build(site: Path, out: Path, tm: Path, *extra: str, audio: bool = False, one_core: bool = False) -> dict:
    argv = [str(BIN / "a11ykit"), "build", str(site), "--to", "es", "--engine", "apertium",
            *([] if audio else ["--no-audio"]),
            "--out", str(out), "--locales", str(out.parent / f"{out.name}-locales"), "--tm", str(tm), *extra]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    pin = (lambda: os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})) if one_core else None
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=pin)
    peaks: dict[int, float] = {}
    pool_cpu: dict[int, float] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for pid in descendants(process.pid):
                cpu_now = pool_worker_cpu(pid)
                if cpu_now is not None:
                    pool_cpu[pid] = max(pool_cpu.get(pid, 0.0), cpu_now)
                if python_process(pid):
                    peaks[pid] = max(peaks.get(pid, 0.0), peak_rss_mb(pid))
            peaks[process.pid] = max(peaks.get(process.pid, 0.0), peak_rss_mb(process.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the build and every process it waited for
    done.set()
    sampler.join()
    # exact with one job; with a pool, sampled every 0.1 s: approximate (a 2-core run once read 2.21)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime) + sum(pool_cpu.values())
    if process.returncode not in (0, 1):
        sys.exit(f"build failed ({process.returncode}): {stderr[-2000:]}")
    header, values = stdout.splitlines()[-3:-1]
    names = header.replace("from memory", "from_memory").split()
    table = dict(zip(names, map(int, values.split()), strict=True))
    workers = [mb for pid, mb in peaks.items() if pid != process.pid]
    parent = peaks.get(process.pid, 0.0)
    # One job: the articles are built in the parent itself, which is then the worker.
    return {"seconds": seconds, "cpu": cpu, "table": table, "parent_mb": parent, "audio_s": narration_seconds(out),
            "worker_mb": parent if list(extra[:2]) == ["--jobs", "1"] or not workers else max(workers)}


def narration_seconds(out: Path) -> float:
    """The seconds of narration the built pages' reports list."""
    total = 0.0
    for report in out.rglob("*.report.json"):
        audio = json.loads(report.read_text(encoding="utf-8")).get("audio") or {}
        total += audio.get("duration") or 0.0
    return total


def median_article(site: Path) -> Path:
    """The original (not a copy) of median size."""
    originals = sorted((p for p in site.glob("*.html") if "-copy" not in p.stem), key=lambda p: p.stat().st_size)
    return originals[len(originals) // 2]


def edit_paragraph(page: Path, mark: int = 2) -> int:
    """Append " (2)" (``mark``) to every sentence's text of the first paragraph with three
    sentences or more; returns how many texts changed."""
    soup = BeautifulSoup(page.read_bytes(), "html.parser")
    for paragraph in soup.find_all("p"):
        texts = [t for t in paragraph.find_all(string=True) if type(t) is NavigableString and t.strip()]
        if len(re.findall(r"[.!?](\s|$)", paragraph.get_text())) >= 3:
            for text in texts:
                text.replace_with(re.sub(r"([.!?])(\s|$)", rf" ({mark})\1\2", str(text)))
            page.write_bytes(str(soup).encode("utf-8"))
            return len(texts)
    sys.exit(f"{page.name}: no paragraph of three sentences")


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
    parser.add_argument("--runs", default="local1,local2,dask",
                        help="which of local1, local2, dask, core1 (one worker pinned to one core) to run")
    parser.add_argument("--audio", default="no,yes", help="without audio (no), with (yes), or both (no,yes)")
    args = parser.parse_args()
    compile_package()
    rows = []
    with tempfile.TemporaryDirectory(prefix="a11ykit-site-bench-") as tmp:
        base = Path(tmp)
        site = base / "site"
        site.mkdir()
        articles = make_site(site, args.copies)
        print(f"site: {articles} articles ({args.copies} distinct copies of each English corpus page); "
              f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at the start", flush=True)
        print(f"a11ykit run by {BIN / 'a11ykit'}; {environment()}", flush=True)
        for audio in (mode == "yes" for mode in args.audio.split(",")):
            for run in args.runs.split(","):
                done = measure(base, site, run, audio)
                rows += done
                print(f"  {run}{' with audio' if audio else ''} done; load average {os.getloadavg()[0]:.1f}",
                      flush=True)
                for row in done:  # as they come: a long run stopped early still has its figures
                    print("  " + row_line(row), flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} at the end (figures are wall time: other work on the machine counts)")
    print_table(rows)


def environment() -> str:
    """What the builds' Python has that a user's install of a11ykit does not: Beautiful Soup
    imports html5lib and lxml (the test extra's) at every start when they are there."""
    import importlib.util

    extra = [name for name in ("html5lib", "lxml") if importlib.util.find_spec(name) is not None]
    if not extra:
        return "without the test extra's html5lib and lxml, as a user's install of a11ykit"
    return (f"with {' and '.join(extra)} (the test extra's), which Beautiful Soup imports at every start: "
            "a user's install of a11ykit has neither (make bench-venv)")


def compile_package() -> None:
    """a11ykit's modules compiled once, as an installed wheel has them: with
    PYTHONDONTWRITEBYTECODE set (as on some machines) an editable install would compile
    every module again in each build's process (about 0.15 s, in every row)."""
    import a11ykit

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(a11ykit.__file__).parent)], check=True)


def measure(base: Path, site: Path, run: str, audio: bool) -> list[dict]:
    """The cases of one run (workers, audio) as table rows."""
    cluster = Cluster(base) if run == "dask" else None
    extra = ["--jobs", "1"] if run in ("local1", "core1") else ["--jobs", "2"]

    def build(*args: object, **options: object) -> dict:  # core1: the build and its engines on one core
        return run_build(*args, one_core=run == "core1", **options)  # type: ignore[arg-type]

    if cluster is not None:
        extra += ["--scheduler", cluster.address]
    name = f"{run}-{'audio' if audio else 'text'}"
    cases: list[tuple[str, dict]] = []
    try:
        tm = base / f"{name}.sqlite"
        cases.append(("cold", build(site, base / f"{name}-out", tm, *extra, audio=audio)))
        cases.append(("warm (unchanged)", build(site, base / f"{name}-out", tm, *extra, audio=audio)))
        if not audio:
            cases.append(("warm memory", build(site, base / f"{name}-again", tm, *extra)))
        elif cluster is None:
            page = median_article(site)
            alone = base / f"{name}-alone"
            alone.mkdir()
            alone_out, alone_tm = base / f"{name}-alone-out", base / f"{name}-alone.sqlite"
            original = page.read_bytes()
            colds, in_site, in_folder = [], [], []
            try:
                for mark in range(2, 2 + REPEATS):  # interleaved (see the module doc), another edit each time
                    shutil.rmtree(alone_out, ignore_errors=True)  # the cold build: a fresh folder and memory
                    shutil.rmtree(base / f"{alone_out.name}-locales", ignore_errors=True)
                    alone_tm.unlink(missing_ok=True)
                    shutil.copy(page, alone / page.name)
                    colds.append(build(alone, alone_out, alone_tm, *extra, audio=True))
                    edit_paragraph(page, mark)
                    in_site.append(build(site, base / f"{name}-out", tm, *extra, audio=True))
                    page.write_bytes(original)
                    edit_paragraph(alone / page.name, mark)  # the same edit, the article's own folder
                    in_folder.append(build(alone, alone_out, alone_tm, *extra, audio=True))
            finally:
                page.write_bytes(original)
            cases.append((f"{page.stem} alone", median_run(colds)))
            cases.append(("1 paragraph", median_run(in_site)))
            cases.append(("1 paragraph alone", median_run(in_folder)))
        worker_mb = cluster.worker_mb() if cluster is not None else None
    finally:
        if cluster is not None:
            cluster.stop()
    rows = []
    for case, result in cases:
        table = result["table"]
        built = table["built"]
        rows.append({
            "run": run, "audio": audio, "case": case, "seconds": result["seconds"], "built": built,
            "cores": result["cpu"] / result["seconds"],
            "skipped": table["unchanged"], "failed": table["failed"],
            "per_minute": (built + table["unchanged"]) / result["seconds"] * 60,
            "hit_rate": table["from_memory"] / table["sentences"] if table["sentences"] else None,
            "sentences": table["sentences"], "audio_s": result["audio_s"], "parent_mb": result["parent_mb"],
            "worker_mb": worker_mb if worker_mb is not None else result["worker_mb"],
            "runs": result.get("runs", [result["seconds"]]),
        })
    return rows


#: Runs of each one-article case (its cold build, each rebuild): the table shows the median run.
REPEATS = 5


def median_run(results: list[dict]) -> dict:
    """The run of median time, with every run's seconds (``runs``)."""
    ordered = sorted(results, key=lambda result: result["seconds"])
    return {**ordered[len(ordered) // 2], "runs": [result["seconds"] for result in results]}


def row_line(row: dict) -> str:
    hits = f"{row['hit_rate']:.0%}" if row["hit_rate"] is not None else "–"
    return (f"{row['run']:<8} {'yes' if row['audio'] else 'no':<5} {row['case']:<28} {row['seconds']:>8.1f} "
            f"{row['built']:>6} {row['skipped']:>7} {row['failed']:>6} {row['per_minute']:>12.0f} "
            f"{row['sentences']:>9} {hits:>11} {row['audio_s'] / 3600:>7.1f} {row['cores']:>5.2f} "
            f"{row['parent_mb']:>8.0f}MB {row['worker_mb']:>8.0f}MB")


def print_table(rows: list[dict]) -> None:
    print()
    print(f"{'workers':<8} {'audio':<5} {'run':<28} {'seconds':>8} {'built':>6} {'skipped':>7} {'failed':>6} "
          f"{'articles/min':>12} {'sentences':>9} {'memory hits':>11} {'audio h':>7} {'cores':>5} {'RSS parent':>10} "
          f"{'RSS worker':>10}")
    for row in rows:
        print(row_line(row))
    print()
    for audio in (False, True):
        cold = {r["run"]: r for r in rows if r["case"] == "cold" and r["audio"] == audio}
        mode = "with audio" if audio else "without audio"
        if "local1" in cold and "local2" in cold:
            ratio = cold["local2"]["per_minute"] / cold["local1"]["per_minute"]
            bound = (os.cpu_count() or 1) / cold["local1"]["cores"]
            print(f"{mode}: 2 local workers vs 1, cold: {ratio:.2f}× (one worker keeps "
                  f"{cold['local1']['cores']:.2f} cores busy: at most {bound:.2f}× on {os.cpu_count()} cores)")
        if "core1" in cold and "local2" in cold:
            ratio = cold["local2"]["per_minute"] / cold["core1"]["per_minute"]
            print(f"{mode}: 2 local workers on {os.cpu_count()} cores vs 1 worker on one core, cold: {ratio:.2f}×")
        if "dask" in cold and "local1" in cold:
            ratio = cold["dask"]["per_minute"] / cold["local1"]["per_minute"]
            print(f"{mode}: Dask, 2 workers vs 1 local, cold: {ratio:.2f}×")
        for run, row in cold.items():
            same = [r for r in rows if r["run"] == run and r["audio"] == audio]
            warm = next(r for r in same if r["case"] == "warm (unchanged)")
            share = warm["seconds"] / row["seconds"]
            print(f"{mode}, {run}: warm run over unchanged articles = {share:.1%} of the cold run")
            alone = next((r for r in same if r["case"].endswith(" alone") and not r["case"].startswith("1 ")), None)
            for case, where in (("1 paragraph", "in the site"), ("1 paragraph alone", "its folder alone")):
                changed = next((r for r in same if r["case"] == case), None)
                if alone and changed:
                    print(f"{mode}, {run}: one paragraph changed, rebuilt {where} = {changed['seconds']:.2f} s = "
                          f"{changed['seconds'] / alone['seconds']:.1%} of that article's cold build "
                          f"({alone['case']}: {alone['seconds']:.2f} s; medians of {_runs(changed)} and "
                          f"{_runs(alone)})")


def _runs(row: dict) -> str:
    return ", ".join(f"{seconds:.2f}" for seconds in row["runs"]) + " s"


if __name__ == "__main__":
    main()
