import os
import signal
import threading

import pytest

from a11ykit.errors import EngineError
from a11ykit.text import tagged
from a11ykit.translate.engines.apertium import ApertiumEngine
from a11ykit.translate.engines.base import select_engine
from engine_contract import EngineContract


@pytest.fixture
def engine():
    return ApertiumEngine()


class TestApertiumEnglishToSpanish(EngineContract):
    pair = ("en", "es")


class TestApertiumSpanishToEnglish(EngineContract):
    pair = ("es", "en")


def test_inline_tags_survive_and_stay_on_their_words(engine):
    (out,) = engine.translate(["His account to <1>the investigators</1> is long."], "en", "es")
    assert "<1>" in out and "</1>" in out
    assert "detectives" in out.split("<1>")[1].split("</1>")[0] or "investigadores" in out


def test_unknown_words_are_not_marked_with_stars(engine):
    (out,) = engine.translate(["The zorblax was seen."], "en", "es")
    assert "*" not in out and "zorblax" in out


@pytest.mark.parametrize(("text", "kept"), [("By Laura Pineda · July 25.", "·"), ("Rate it *5 stars.", "*5")])
def test_an_unknown_symbol_loses_its_mark_but_a_source_star_stays(engine, text, kept):
    (out,) = engine.translate([text], "en", "es")
    assert kept in out and "*·" not in out


def test_the_words_apertium_did_not_know_are_kept_but_not_lock_tokens(engine):
    engine.translate(["The zorblax was seen by QZXA.", "Court filings show it."], "en", "es")
    assert {"zorblax", "filings"} <= engine.unknown_words
    assert not any(w.upper().startswith("QZX") for w in engine.unknown_words)


@pytest.mark.parametrize(
    "nested",
    ["<1><2></2></1> Watch Now", "<1><2></2>Watch</1> now", "Watch <1><2></2></1>", "<1><2></2><3></3></1>"],
)
def test_an_empty_nested_element_neither_stops_the_batch_nor_is_lost(engine, nested):
    batch = [nested, "Good morning", "The house is red."]
    out = engine.translate(batch, "en", "es")
    assert out[1:] == engine.translate(batch[1:], "en", "es")
    assert out[1] != batch[1] and out[2] != batch[2]
    assert tagged.numbers(out[0]) == tagged.numbers(nested)


def test_a_sentence_starting_with_a_lock_token_keeps_the_next_word_lower_case(engine):
    (out,) = engine.translate(["QZXA was built for the campaign."], "en", "es")
    assert out.startswith("QZXA estuvo") or not out.split()[1][0].isupper()


@pytest.fixture
def pipelines(monkeypatch):
    """The runs of Apertium's programs started from here on (their argument lists): the
    script's own, or the mode's programs on the Transfuse route."""
    import subprocess

    started = []
    real = subprocess.Popen

    def counting(args, *rest, **kwargs):
        if args[0] == "bash" or (len(args) == 4 and args[1:3] == ["-f", "html"]):
            started.append(args)
        return real(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", counting)
    return started


def script_output(document: str, mode: str) -> str:
    """What the ``apertium`` script itself answers."""
    import subprocess

    return subprocess.run(["apertium", "-f", "html", mode], input=document, capture_output=True, text=True,
                          check=True).stdout


DOCUMENTS = {
    "eng-spa": '<p>His account to <span data-i="1">the investigators</span> is long.</p>\n'
               "<p>The zorblax was seen by QZXA &amp; Court filings show it.</p>\n<p>Love and laughter.</p>\n",
    "spa-eng": '<p>Su relato a <span data-i="1">los investigadores</span> es largo.</p>\n'
               "<p>La cárcel es grande &amp; fea.</p>\n",
}


@pytest.mark.parametrize("mode", sorted(DOCUMENTS))
def test_the_transfuse_route_answers_as_the_apertium_script(engine, mode):
    from a11ykit.translate.engines import apertium

    assert apertium._route_now(engine.executable, mode) is not None  # Transfuse is installed here
    for _ in range(2):  # a second call's processes answer as the first's
        assert engine._run(mode, DOCUMENTS[mode]) == script_output(DOCUMENTS[mode], mode)


def test_without_transfuse_the_call_runs_the_script(engine, monkeypatch, pipelines):
    expected = script_output(DOCUMENTS["eng-spa"], "eng-spa")
    pipelines.clear()
    monkeypatch.setenv("APERTIUM_TRANSFUSE", "no")
    assert engine._run("eng-spa", DOCUMENTS["eng-spa"]) == expected
    assert pipelines == [[engine.executable, "-f", "html", "eng-spa"]]


def test_without_transfuse_the_call_runs_the_script_even_after_a_warm_up(engine, monkeypatch, pipelines):
    from a11ykit.translate.engines import apertium

    expected = script_output(DOCUMENTS["eng-spa"], "eng-spa")
    engine.warm_up("en", "es")
    _started_ahead()
    pipelines.clear()
    monkeypatch.setenv("APERTIUM_TRANSFUSE", "no")
    assert engine._run("eng-spa", DOCUMENTS["eng-spa"]) == expected
    assert pipelines == [[engine.executable, "-f", "html", "eng-spa"]]
    apertium.stop_waiting()


def test_the_whole_batch_is_one_run_of_the_programs(engine, pipelines):
    engine.translate([f"Sentence number {i}." for i in range(40)], "en", "es")
    assert len(pipelines) == 1


def test_a_call_does_not_leave_its_programs_running(engine):
    from a11ykit.translate.engines import apertium

    engine.translate(BATCH, "en", "es")
    ending = list(apertium._ENDING)
    apertium.stop_waiting()
    assert ending and all(run.programs.poll() is not None for run in ending) and not apertium._ENDING
    assert not any(os.path.exists(run.state) for run in ending)  # Transfuse's state went with the call


def test_a_calls_programs_are_killed_once_it_has_their_answer(engine):
    # told that their input ended, they would first free their dictionaries, CPU the build needs
    from a11ykit.translate.engines import apertium

    engine.translate(BATCH, "en", "es")
    (run,) = apertium._ENDING[-1:]
    assert run.programs.wait(timeout=5) == -signal.SIGKILL


def test_programs_that_die_during_a_call_are_an_engine_error_and_the_next_call_works(engine, monkeypatch):
    from a11ykit.translate.engines import apertium

    real = apertium._Run._programs

    def dying(self, stream, deadline):
        os.killpg(self.programs.pid, signal.SIGKILL)
        return real(self, stream, deadline)

    monkeypatch.setattr(apertium._Run, "_programs", dying)
    with pytest.raises(EngineError, match="apertium's programs stopped") as caught:
        engine.translate(BATCH, "en", "es")
    assert caught.value.code == "A11Y305"
    monkeypatch.setattr(apertium._Run, "_programs", real)
    assert engine.translate(BATCH, "en", "es") == ApertiumEngine().translate(BATCH, "en", "es")


BATCH = ["His account to <1>the investigators</1> is long.", "The prison holds men from Venezuela."]


@pytest.mark.parametrize(("source", "target"), [("en", "es"), ("es", "en")])
def test_a_call_after_warm_up_uses_the_waiting_processes_and_answers_as_a_fresh_one(source, target, pipelines):
    batch = BATCH if source == "en" else ["Su relato a <1>los investigadores</1> es largo.", "La cárcel es grande."]
    fresh = ApertiumEngine().translate(batch, source, target)
    warmed = ApertiumEngine()
    warmed.warm_up(source, target)
    assert warmed.translate(batch, source, target) == fresh
    assert len(pipelines) == 2  # one for the fresh call, one started by warm_up; the call started none


def _started_ahead():
    """The one call's processes a warm-up started (once they are)."""
    from a11ykit.translate.engines import apertium

    (warming,) = apertium._WAITING.values()
    return warming.run()


def test_warm_up_returns_before_the_processes_are_started_and_the_call_waits_for_them(engine, monkeypatch, pipelines):
    from a11ykit.translate.engines import apertium

    release, real = threading.Event(), apertium._Run.__init__

    def slow_start(self, route):
        assert release.wait(timeout=5)
        real(self, route)

    monkeypatch.setattr(apertium._Run, "__init__", slow_start)
    pipelines.clear()
    engine.warm_up("en", "es")  # returns while its thread is held
    assert not pipelines
    threading.Timer(0.2, release.set).start()
    assert engine.translate(BATCH, "en", "es") == ApertiumEngine().translate(BATCH, "en", "es")
    assert len(pipelines) == 2  # the warm-up's, used by the call, and the fresh engine's
    assert not apertium._WAITING


def test_warm_up_keeps_one_waiting_run_per_pair(pipelines):
    from a11ykit.translate.engines.apertium import stop_waiting

    try:
        ApertiumEngine().warm_up("en", "es")
        ApertiumEngine().warm_up("en", "es")
        _started_ahead()
        assert len(pipelines) == 1
    finally:
        stop_waiting()


def test_waiting_processes_that_died_are_not_used(engine):
    from a11ykit.translate.engines import apertium

    engine.warm_up("en", "es")
    waiting = _started_ahead()
    os.killpg(waiting.programs.pid, signal.SIGKILL)
    waiting.programs.wait(timeout=10)
    assert engine.translate(BATCH, "en", "es") == ApertiumEngine().translate(BATCH, "en", "es")
    assert not apertium._WAITING


def test_a_forked_child_does_not_use_its_parents_waiting_processes(engine, monkeypatch):
    from a11ykit.translate.engines import apertium

    engine.warm_up("en", "es")
    waiting = _started_ahead()
    monkeypatch.setattr(apertium.os, "getpid", lambda: waiting.owner + 1)
    assert engine.translate(BATCH, "en", "es") == ApertiumEngine().translate(BATCH, "en", "es")
    apertium.stop_waiting()  # the child's exit
    assert waiting.programs.poll() is None and apertium._WAITING  # left to the parent
    monkeypatch.undo()
    apertium.stop_waiting()


def test_stop_waiting_ends_the_processes_no_call_used(engine):
    from a11ykit.translate.engines import apertium

    engine.warm_up("es", "en")
    waiting = _started_ahead()
    apertium.stop_waiting()
    assert all(p.poll() is not None for p in (waiting.extract, waiting.programs, waiting.inject))
    assert not apertium._WAITING and not os.path.exists(waiting.state)  # nor Transfuse's state


def test_an_unknown_engine_name_is_an_engine_error():
    with pytest.raises(EngineError, match="unknown engine"):
        select_engine("babelfish", "en", "es")


def test_the_installed_modes_and_the_version_are_asked_once_per_process(monkeypatch):
    from a11ykit.translate.engines import apertium

    calls = []
    real_run = apertium.subprocess.run

    def run(argv, *args, **kwargs):
        calls.append(argv[1:])
        return real_run(argv, *args, **kwargs)

    apertium._installed_modes.cache_clear()
    apertium._package_version.cache_clear()
    monkeypatch.setattr(apertium.subprocess, "run", run)
    engines = [apertium.ApertiumEngine(), apertium.ApertiumEngine()]  # a build's, and its round trip's
    assert all(e.supports("en", "es") and e.supports("es", "en") for e in engines)
    assert len({e.describe() for e in engines}) == 1
    assert calls == []  # the modes: the data folder's files; the version: dpkg's status file


def dpkg_query_version(package: str) -> str:
    import subprocess

    done = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_the_package_version_is_what_dpkg_query_answers(monkeypatch):
    from a11ykit.translate.engines import apertium

    apertium._package_version.cache_clear()
    assert apertium._package_version("apertium-eng-spa") == dpkg_query_version("apertium-eng-spa") != ""
    apertium._package_version.cache_clear()


def test_without_dpkgs_status_file_the_version_is_asked_of_dpkg_query(monkeypatch, tmp_path):
    from a11ykit.translate.engines import apertium

    apertium._package_version.cache_clear()
    monkeypatch.setattr(apertium, "DPKG_STATUS", str(tmp_path / "no-status"))
    assert apertium._package_version("apertium-eng-spa") == dpkg_query_version("apertium-eng-spa")
    apertium._package_version.cache_clear()


@pytest.mark.parametrize(
    ("status", "version"),
    [
        ("Package: apertium-eng-spa\nStatus: install ok installed\nVersion: 0.8.1-2\n", "0.8.1-2"),
        ("Package: apertium-eng-spa\nStatus: deinstall ok config-files\nVersion: 0.8.1-2\n", None),
        ("Package: apertium-eng-spa-extra\nStatus: install ok installed\nVersion: 9\n", None),
        ("Package: other\nDescription: see\n Package: apertium-eng-spa\nVersion: 1\n\n"
         "Package: apertium-eng-spa\nVersion: 0.8.1-2\nStatus: install ok installed\n", "0.8.1-2"),
    ],
    ids=["installed", "removed", "another-package", "second-stanza"],
)
def test_the_status_file_gives_an_installed_packages_version(tmp_path, status, version):
    from a11ykit.translate.engines import apertium

    (tmp_path / "status").write_text(status, encoding="utf-8")
    assert apertium._status_version("apertium-eng-spa", str(tmp_path / "status")) == version


@pytest.mark.parametrize("datadir", [None, "elsewhere"])
def test_the_installed_modes_are_what_apertium_lists(monkeypatch, tmp_path, datadir):
    import subprocess


    if datadir is not None:  # a data folder of its own, as APERTIUM_DATADIR names it
        (tmp_path / "modes").mkdir()
        (tmp_path / "modes" / "eng-spa.mode").write_text("lt-proc x\n")
        monkeypatch.setenv("APERTIUM_DATADIR", str(tmp_path))
    engine = ApertiumEngine()
    listed = subprocess.run([engine.executable, "-l"], capture_output=True, text=True, check=True).stdout.split()
    assert engine._installed_modes() == frozenset(listed) and "eng-spa" in listed


@pytest.mark.parametrize("case", ["ram-disk", "tmpdir-set", "ram-disk-full"])
def test_a_calls_transfuse_state_goes_to_the_ram_disk_only_with_room_and_no_tmpdir(engine, monkeypatch, tmp_path, case):
    import tempfile

    from a11ykit.translate.engines import apertium

    if case == "tmpdir-set":
        monkeypatch.setenv("TMPDIR", str(tmp_path))
        monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    if case == "ram-disk-full":
        real = os.statvfs
        monkeypatch.setattr(apertium.os, "statvfs", lambda path: os.statvfs_result(
            (*real(path)[:4], 10, *real(path)[5:])))  # 10 blocks free
    folders = []
    real_init = apertium._Run.__init__

    def recording(self, route):
        real_init(self, route)
        folders.append(os.path.dirname(self.state))

    monkeypatch.setattr(apertium._Run, "__init__", recording)
    assert engine.translate(BATCH, "en", "es") == ApertiumEngine().translate(BATCH, "en", "es")
    expected = {"ram-disk": "/dev/shm", "tmpdir-set": str(tmp_path), "ram-disk-full": tempfile.gettempdir()}[case]
    assert folders[0] == expected and not os.listdir(tmp_path)  # and the state went with the call


def test_state_folders_of_processes_that_are_gone_are_removed_by_the_next_call(engine, monkeypatch, tmp_path):
    import subprocess
    import tempfile

    from a11ykit.translate.engines import apertium

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    apertium._sweep_states.cache_clear()
    ended = subprocess.Popen(["true"])
    ended.wait()  # ended and reaped: no process has its pid
    dead = tmp_path / f"a11ykit-transfuse-{ended.pid}-x"
    live = tmp_path / f"a11ykit-transfuse-{os.getppid()}-y"
    other = tmp_path / "someone-elses"
    for folder in (live, other):
        folder.mkdir()
    dead.mkdir()
    (dead / "state.sqlite3").write_bytes(b"")
    engine.translate(BATCH, "en", "es")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name])
