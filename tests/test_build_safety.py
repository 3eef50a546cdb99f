"""A build keeps translators' work and never leaves half its outputs, whatever goes wrong.

Each test drives the real CLI (``a11ykit.cli.main``, or ``python -m a11ykit`` in a
subprocess where a process must die) on a small page in a temporary folder.
"""

import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from a11ykit import api, layout
from a11ykit.cli import main
from a11ykit.errors import OutputError
from a11ykit.layout import catalog_path
from a11ykit.review.catalog import read_catalog, write_catalog

ROOT = Path(__file__).resolve().parent.parent
PAGE = (
    "<!DOCTYPE html><html lang='en'><head><title>Held</title></head><body>"
    "<p>He was held for a week.</p><p>His family waited outside.</p></body></html>"
)
APPROVED = "Estuvo detenido una semana entera."


@pytest.fixture
def ws(tmp_path, monkeypatch):
    """A folder with story.html, worked in as the current directory."""
    (tmp_path / "story.html").write_text(PAGE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def build(capsys, page="story.html", *extra, audio=False):
    argv = ["build", str(page), "--to", "es", "--engine", "apertium", *map(str, extra)]
    if not audio:
        argv.append("--no-audio")
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_exit_2(result, match):
    code, _, err = result
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    assert match in err


def po(ws, stem="story"):
    return catalog_path(ws / "locales", "es", stem)


def entry(path, source):
    with path.open("rb") as f:
        catalog = read_catalog(f)
    (message,) = [m for m in catalog if m.id == source]
    return message


def approve(path, source, text):
    """What a translator's PO editor does: write the translation and clear 'fuzzy'."""
    with path.open("rb") as f:
        catalog = read_catalog(f)
    (message,) = [m for m in catalog if m.id == source]
    message.string = text
    message.flags.discard("fuzzy")
    with path.open("wb") as f:
        write_catalog(f, catalog)


def snapshot(*folders):
    """Every file under the folders with its bytes (hidden ones too)."""
    return {
        str(p): p.read_bytes()
        for folder in folders
        if folder.exists()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.endswith(".lock")
    }


def temporaries(*folders):
    return [p for folder in folders if folder.exists() for p in folder.rglob("*") if p.name.endswith(".tmp")]


# --- case 2: a translator saving the catalog during a build ----------------------------------


def test_an_approval_saved_while_the_build_runs_is_kept(ws, capsys, monkeypatch):
    assert build(capsys)[0] == 0
    real = api.run_stages

    def translator_saves_meanwhile(*args, **kwargs):
        result = real(*args, **kwargs)  # the build has read the catalog and translated
        approve(po(ws), "He was held for a week.", APPROVED)
        return result

    monkeypatch.setattr(api, "run_stages", translator_saves_meanwhile)
    code, _, err = build(capsys)
    assert code == 0, err
    kept = entry(po(ws), "He was held for a week.")
    assert (kept.string, kept.fuzzy) == (APPROVED, False)
    report = json.loads((ws / "out" / "story.es.report.json").read_text(encoding="utf-8"))
    assert any("changed during the build" in w for w in report["warnings"])
    monkeypatch.setattr(api, "run_stages", real)
    assert build(capsys)[0] == 0
    assert APPROVED in (ws / "out" / "story.es.html").read_text(encoding="utf-8")


def test_a_build_waits_for_a_process_holding_the_catalog_lock_and_keeps_its_write(ws, capsys):
    assert build(capsys)[0] == 0
    with subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            sys.path.insert(0, {str(Path(__file__).parent)!r})
            from pathlib import Path
            from a11ykit.layout import locked
            from test_build_safety import approve
            path = Path({str(po(ws))!r})
            with locked(path):
                print("locked", flush=True)
                time.sleep(1.0)
                approve(path, "He was held for a week.", {APPROVED!r})
        """)],
        stdout=subprocess.PIPE, text=True,
    ) as holder:
        assert holder.stdout.readline().strip() == "locked"
        code, _, err = build(capsys)
    assert holder.returncode == 0
    assert code == 0, err
    kept = entry(po(ws), "He was held for a week.")
    assert (kept.string, kept.fuzzy) == (APPROVED, False)
    assert APPROVED in (ws / "out" / "story.es.html").read_text(encoding="utf-8")


# --- case 3: the input is never an output ----------------------------------------------------


@pytest.mark.parametrize("how", ["the input's own folder", "a hard link to the input"])
def test_a_build_never_writes_over_its_own_input(ws, capsys, how):
    source = ws / "story.es.html"
    source.write_text(PAGE, encoding="utf-8")
    if how == "a hard link to the input":
        (ws / "out").mkdir()
        os.link(source, ws / "out" / "story.es.html")
        out = ws / "out"
    else:
        out = ws
    before = snapshot(ws)
    result = build(capsys, source, "--from", "en", "--out", out)
    assert_one_line_exit_2(result, "would write over its own input")
    assert snapshot(ws) == before


# --- case 4: a malformed catalog is refused, not rewritten -----------------------------------


def test_a_malformed_catalog_stops_the_build_with_its_line_and_is_not_rewritten(ws, capsys):
    assert build(capsys)[0] == 0
    text = po(ws).read_text(encoding="utf-8")
    # the first entry after the header gets an unquoted msgstr
    header_end = text.index("\n\n") + 2
    first = text.index('msgstr "', header_end)
    broken = text[:first] + "msgstr APROBADO UNO\n" + text[text.index("\n", first) + 1 :]
    po(ws).write_text(broken, encoding="utf-8")
    line = broken[:first].count("\n") + 1
    before = snapshot(ws / "out", ws / "locales")
    result = build(capsys)
    assert_one_line_exit_2(result, f"{po(ws).relative_to(ws)}:{line}: expected a quoted string")
    assert snapshot(ws / "out", ws / "locales") == before


# --- case 5: the same file name in two folders -----------------------------------------------


def test_pages_of_the_same_name_in_two_folders_never_share_outputs_or_a_catalog(ws, capsys):
    for folder, month in (("a", "March"), ("b", "April")):
        (ws / folder).mkdir()
        (ws / folder / "index.html").write_text(PAGE.replace("a week", f"a week in {month}"), encoding="utf-8")
    assert build(capsys, "a/index.html")[0] == 0
    approve(po(ws, "index"), "He was held for a week in March.", APPROVED)
    assert build(capsys, "a/index.html")[0] == 0
    a_files = snapshot(ws / "out", ws / "locales")

    assert build(capsys, "b/index.html")[0] == 0
    assert snapshot(ws / "out", ws / "locales").items() >= a_files.items()  # a's files untouched
    stem = f"index-{layout.input_hash(Path('b/index.html'))}"
    assert "April" in json.dumps(json.loads((ws / "out" / f"{stem}.es.report.json").read_text(encoding="utf-8")))
    assert po(ws, stem).is_file()

    assert build(capsys, "a/index.html")[0] == 0  # each keeps its own names on rebuilds
    assert build(capsys, "b/index.html")[0] == 0
    assert APPROVED in (ws / "out" / "index.es.html").read_text(encoding="utf-8")
    assert entry(po(ws, "index"), "He was held for a week in March.").fuzzy is False
    assert sorted(p.name for p in (ws / "out").glob("*.html")) == sorted(
        ["index.es.html", "index.es.review.html", f"{stem}.es.html", f"{stem}.es.review.html"]
    )


def test_same_named_pages_built_into_separate_folders_keep_plain_page_names_but_not_one_catalog(ws, capsys):
    for folder, month in (("a", "March"), ("b", "April")):
        (ws / folder).mkdir()
        (ws / folder / "index.html").write_text(PAGE.replace("a week", f"a week in {month}"), encoding="utf-8")
        assert build(capsys, f"{folder}/index.html", "--out", f"out-{folder}")[0] == 0
    assert (ws / "out-a" / "index.es.html").is_file() and (ws / "out-b" / "index.es.html").is_file()
    hashed = po(ws, f"index-{layout.input_hash(Path('b/index.html'))}")
    for catalog, own, other in ((po(ws, "index"), "March", "April"), (hashed, "April", "March")):
        with catalog.open("rb") as f:
            sources = {m.id for m in read_catalog(f) if m.id}
        assert f"He was held for a week in {own}." in sources
        assert f"He was held for a week in {other}." not in sources


@pytest.mark.parametrize("indent", [2, None], ids=["as-written", "compact"])
@pytest.mark.parametrize("ref", ["../site/a.html", 'we\\ird "name" ñ.html'])
def test_a_report_names_the_input_it_was_built_from_whatever_its_segments_say(tmp_path, indent, ref):
    decoy = '\n  "input_from_report": "../other.html",\n'
    report = {"input": "x", "segments": [{"source": decoy, "text": decoy}], "input_from_report": ref, "memory": {}}
    path = tmp_path / "out" / "a.es.report.json"
    path.parent.mkdir()
    path.write_text(json.dumps(report, ensure_ascii=False, indent=indent) + "\n", encoding="utf-8")
    assert layout._report_owner(path) == (path.parent / ref).resolve()


# --- case 6: approvals follow their sentence when ids shift ----------------------------------


def test_an_approval_is_used_on_the_build_right_after_a_paragraph_is_inserted_above(ws, capsys):
    assert build(capsys)[0] == 0
    approve(po(ws), "He was held for a week.", APPROVED)
    source = ws / "story.html"
    source.write_text(PAGE.replace("<body>", "<body><p>A new first paragraph.</p>"), encoding="utf-8")
    assert build(capsys)[0] == 0
    report = json.loads((ws / "out" / "story.es.report.json").read_text(encoding="utf-8"))
    (held,) = [s for s in report["segments"] if s["source"] == "He was held for a week."]
    assert (held["origin"], held["text"]) == ("approved", APPROVED)
    assert APPROVED in (ws / "out" / "story.es.html").read_text(encoding="utf-8")
    assert report["summary"]["approved"] == 1


# --- case 7 and 8: all or nothing, one line, exit 2 ------------------------------------------


def make_unusable(path: Path, how: str) -> None:
    if how == "a file":
        path.write_text("not a folder\n")
    else:
        path.symlink_to(path.parent / "nowhere")


@pytest.mark.parametrize("how", ["a file", "a dangling link"])
def test_an_output_folder_that_cannot_be_one_leaves_the_catalog_untouched(ws, capsys, how):
    assert build(capsys)[0] == 0
    approve(po(ws), "He was held for a week.", APPROVED)
    before = snapshot(ws / "locales")
    make_unusable(ws / "elsewhere", how)
    result = build(capsys, "story.html", "--out", ws / "elsewhere")
    assert_one_line_exit_2(result, "outputs go into a folder")
    assert snapshot(ws / "locales") == before


@pytest.mark.parametrize("how", ["a file", "a dangling link"])
def test_a_catalog_folder_that_cannot_be_one_leaves_no_audio_and_no_page(ws, capsys, how):
    make_unusable(ws / "locales", how)
    result = build(capsys, "story.html", "--locales", ws / "locales", audio=True)
    assert_one_line_exit_2(result, "outputs go into a folder")
    assert not (ws / "out").exists() or [p for p in (ws / "out").iterdir() if p.name != ".speech-cache"] == []


def failing_nth(monkeypatch, module, name, n, error):
    real = getattr(module, name)
    calls = []

    def fake(*args, **kwargs):
        calls.append(args)
        if len(calls) == n:
            raise OSError(error, os.strerror(error))
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, fake)
    return calls


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_a_full_disk_while_writing_leaves_the_previous_outputs_and_no_temporaries(ws, capsys, monkeypatch, n):
    assert build(capsys)[0] == 0
    approve(po(ws), "He was held for a week.", APPROVED)
    before = snapshot(ws / "out", ws / "locales")
    (ws / "story.html").write_text(PAGE.replace("family", "families"), encoding="utf-8")
    failing_nth(monkeypatch, os, "fsync", n, errno.ENOSPC)  # the n-th staged file cannot be written
    result = build(capsys)
    assert_one_line_exit_2(result, "no space left on the device")
    assert snapshot(ws / "out", ws / "locales") == before
    assert temporaries(ws) == []


@pytest.mark.parametrize("n", [1, 3, 4])
def test_a_rename_refused_midway_puts_back_the_outputs_already_renamed(ws, capsys, monkeypatch, n):
    assert build(capsys)[0] == 0
    before = snapshot(ws / "out", ws / "locales")
    (ws / "story.html").write_text(PAGE.replace("family", "families"), encoding="utf-8")
    failing_nth(monkeypatch, os, "replace", n, errno.EACCES)
    result = build(capsys)
    assert_one_line_exit_2(result, "cannot write it (Permission denied)")
    assert snapshot(ws / "out", ws / "locales") == before
    assert temporaries(ws) == []


def test_a_failed_first_build_leaves_no_folders_behind(ws, capsys, monkeypatch):
    failing_nth(monkeypatch, os, "replace", 2, errno.EACCES)
    assert_one_line_exit_2(build(capsys), "Permission denied")
    assert sorted(p.name for p in ws.iterdir()) == ["locales", "story.html"]
    assert [p for p in (ws / "locales").rglob("*") if not p.is_dir() and not p.name.endswith(".lock")] == []


KILLED_DURING_AUDIO = """
import os, signal, sys
from a11ykit.speech import joining
real = joining.join_mp3
def write_then_die(*args, **options):
    real(*args, **options)
    os.kill(os.getpid(), signal.{signal})
joining.join_mp3 = write_then_die
from a11ykit.cli import main
from a11ykit.errors import OutputError
sys.exit(main(sys.argv[1:]))
"""


def run_dying_build(ws, sig):
    return subprocess.run(
        [sys.executable, "-c", KILLED_DURING_AUDIO.format(signal=sig),
         "build", "story.html", "--to", "es", "--engine", "apertium"],
        cwd=ws, capture_output=True, text=True, timeout=300,
    )


def test_temporaries_of_a_build_killed_during_audio_are_removed_by_the_next_build(ws, capsys):
    done = run_dying_build(ws, "SIGKILL")
    assert done.returncode == -signal.SIGKILL
    left = temporaries(ws / "out")
    assert left and all(layout.TEMP_PATTERN.match(p.name) for p in left)  # what SIGKILL leaves
    assert not (ws / "out" / "story.es.html").exists()
    code, _, err = build(capsys, audio=True)
    assert code == 0, err
    assert temporaries(ws / "out") == []
    assert (ws / "out" / "story.es.opus").is_file()


def test_a_build_terminated_during_audio_removes_its_temporaries_and_writes_nothing(ws):
    done = run_dying_build(ws, "SIGTERM")
    assert done.returncode == 128 + signal.SIGTERM
    assert "Traceback" not in done.stderr
    assert temporaries(ws) == []
    assert [p for p in (ws / "out").iterdir() if p.name != ".speech-cache"] == []
    assert not po(ws).exists()


def test_only_a11ykits_temporaries_of_dead_processes_are_cleaned(tmp_path):
    gone = subprocess.Popen(["true"])
    gone.wait()
    dead = tmp_path / f".page.es.html.a11ykit-{gone.pid}-0a1b2c3d.tmp"
    alive = tmp_path / f".page.es.html.a11ykit-{os.getpid()}-0a1b2c3d.tmp"
    other = tmp_path / f".page.es.html.{gone.pid}.tmp"  # not a11ykit's name
    for path in (dead, alive, other):
        path.write_text("x")
    assert layout.clean_stale(tmp_path) == [dead]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, other.name])


def test_temporaries_of_earlier_versions_are_removed_once_an_hour_old(ws, capsys):
    out = ws / "out"
    out.mkdir()
    old = out / ".story.es.opus.k2j4_x9q.tmp"  # what a killed build of an earlier version left
    recent = out / ".story.es.mp3.a8f3kq0z.tmp"
    unrelated = out / ".notes.txt.k2j4_x9q.tmp"
    for path in (old, recent, unrelated):
        path.write_bytes(b"x")
    two_hours_ago = os.stat(old).st_mtime - 7200
    for path in (old, unrelated):
        os.utime(path, (two_hours_ago, two_hours_ago))
    assert build(capsys, audio=True)[0] == 0
    assert sorted(temporaries(out)) == sorted([recent, unrelated])


def test_a_file_changed_after_it_was_staged_is_not_replaced(tmp_path):
    target = tmp_path / "story.po"
    target.write_text("as read\n")
    with layout.Staging() as staging:
        staging.stage(target, "merged\n", expect=layout.fingerprint(target))
        target.write_text("saved by a translator meanwhile\n")
        with pytest.raises(OutputError, match="changed while a11ykit was working") as caught:
            staging.commit()
    assert caught.value.code == "A11Y703"
    assert target.read_text() == "saved by a translator meanwhile\n"
    assert temporaries(tmp_path) == []


def test_a_lock_held_too_long_is_one_clear_error(tmp_path):
    target = tmp_path / "story.po"
    with (
        layout.locked(target),
        pytest.raises(OutputError, match="holds its lock") as caught,
        layout.locked(target, timeout=0.2),
    ):
        pass
    assert caught.value.code == "A11Y704"
