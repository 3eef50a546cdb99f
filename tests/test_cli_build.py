"""``a11ykit build`` from the command line: outputs, exit codes, one-line errors, nothing half-written."""

import subprocess
import sys
from pathlib import Path

import pytest

from a11ykit.cli import main, make_parser

PAGE = b"<!DOCTYPE html><html lang='en'><body><p>ICE detained him in March.</p></body></html>"


@pytest.fixture
def page(tmp_path: Path) -> Path:
    path = tmp_path / "story.html"
    path.write_bytes(PAGE)
    return path


def run(capsys, *argv):
    argv = [str(a) for a in argv]
    if argv[0] == "build":  # keep tests out of the repository's locales/ and fast
        out = Path(argv[argv.index("--out") + 1]) if "--out" in argv else Path("out")
        argv += ["--locales", str(out.parent / "locales"), "--no-audio"]
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def assert_refused(capsys, out_dir: Path, *argv, match: str):
    code, _, err = run(capsys, *argv, "--out", out_dir)
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert match in err
    assert not out_dir.exists() or list(out_dir.iterdir()) == []


def test_build_writes_the_page_and_its_report(capsys, page, tmp_path):
    code, out, _ = run(capsys, "build", page, "--to", "es", "--engine", "apertium", "--out", tmp_path / "out")
    assert code == 0
    assert (tmp_path / "out" / "story.es.html").is_file()
    assert (tmp_path / "out" / "story.es.report.json").is_file()
    assert "0 glossary violation(s)" in out


def test_a_missing_file_is_refused(capsys, tmp_path):
    assert_refused(capsys, tmp_path / "out", "build", tmp_path / "nope.html", "--to", "es", match="no such file")


def test_a_directory_is_refused(capsys, tmp_path):
    assert_refused(capsys, tmp_path / "out", "build", tmp_path, "--to", "es", match="is a directory")


def test_an_empty_file_is_refused(capsys, tmp_path):
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    assert_refused(capsys, tmp_path / "out", "build", empty, "--to", "es", match="empty")


def test_a_binary_file_is_refused(capsys, tmp_path):
    binary = tmp_path / "photo.html"
    binary.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4)
    assert_refused(capsys, tmp_path / "out", "build", binary, "--to", "es", match="binary")


def test_a_file_that_is_not_html_is_refused(capsys, tmp_path):
    text = tmp_path / "notes.html"
    text.write_text("Just some notes, no markup at all.\n")
    assert_refused(capsys, tmp_path / "out", "build", text, "--to", "es", match="does not look like HTML")


def test_bytes_contradicting_the_declared_charset_are_refused(capsys, tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_bytes('<meta charset="utf-8"><p>José</p>'.encode("cp1252"))
    assert_refused(capsys, tmp_path / "out", "build", bad, "--to", "es", match="declares charset utf-8")


def test_an_unsupported_language_is_refused(capsys, page, tmp_path):
    assert_refused(capsys, tmp_path / "out", "build", page, "--to", "fr", match="unsupported target language 'fr'")


def test_the_same_language_on_both_sides_is_refused(capsys, page, tmp_path):
    assert_refused(capsys, tmp_path / "out", "build", page, "--to", "en", match="already in en")


def test_a_malformed_glossary_is_refused_with_its_line(capsys, page, tmp_path):
    g = tmp_path / "g.csv"
    g.write_text("kind,en,es\nkeep,ICE\nmaybe,X,Y\n")
    assert_refused(
        capsys, tmp_path / "out", "build", page, "--to", "es", "--glossary", g, match="g.csv:3: kind must be"
    )


def test_an_unknown_engine_is_refused(capsys, page, tmp_path):
    assert_refused(
        capsys, tmp_path / "out", "build", page, "--to", "es", "--engine", "babelfish", match="unknown engine"
    )


def test_an_engine_that_is_not_installed_is_refused(capsys, page, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    assert_refused(
        capsys, tmp_path / "out", "build", page, "--to", "es", "--engine", "apertium", match="apt-get install apertium"
    )


def test_a_usage_error_is_one_line_and_exit_2(capsys, page):
    with pytest.raises(SystemExit) as exc:
        main(["build", str(page)])
    assert exc.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_strict_makes_glossary_violations_exit_1(capsys, page, tmp_path, monkeypatch):
    from a11ykit.translate import translator as translate

    monkeypatch.setattr(translate.Translator, "violations",
                        lambda self, sid, src, out, where="translation": [translate.Violation(sid, "ICE", "ICE", 1, 0)])
    code, _, err = run(capsys, "build", page, "--to", "es", "--engine", "apertium", "--strict", "--out", tmp_path / "o")
    assert code == 1 and "glossary violation" in err


def test_every_command_has_help_text():
    parser = make_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, command in sub.choices.items():
        assert command.description or command.format_help(), name
        helps = {a.help for a in sub._choices_actions if a.dest == name}
        assert helps and all(helps), f"{name} has no help"


def test_outside_the_project_the_project_glossary_is_the_default(capsys, page, tmp_path, monkeypatch):
    import json

    monkeypatch.chdir(tmp_path)
    code, _, _ = run(capsys, "build", page, "--to", "es", "--engine", "apertium", "--out", tmp_path / "o")
    report = json.loads((tmp_path / "o" / "story.es.report.json").read_text(encoding="utf-8"))
    assert code == 0
    assert (
        Path(report["glossary"]["path"]).resolve()
        == (Path(__file__).parent.parent / "glossary" / "terms.csv").resolve()
    )


def test_an_explicit_glossary_that_does_not_exist_is_refused(capsys, page, tmp_path):
    assert_refused(capsys, tmp_path / "out", "build", page, "--to", "es", "--glossary", tmp_path / "none.csv",
                   match="cannot read the glossary")


def test_the_command_ends_with_mains_exit_code_after_the_exit_handlers(tmp_path: Path) -> None:
    script = (
        "import atexit, sys\n"
        "from a11ykit.cli import run\n"
        "atexit.register(lambda: print('exit handlers ran'))\n"
        "print('before', end='')\n"  # unflushed output is flushed too
        "sys.argv = ['a11ykit', 'build', 'missing.html', '--to', 'es']\n"
        "run()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert done.stdout == "beforeexit handlers ran\n"
    assert done.stderr == "a11ykit: error: missing.html: no such file [A11Y101]\n"



def run_python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    return done.stdout.strip() or done.stderr


def test_the_command_freezes_what_its_imports_made_and_collects_after():
    """The modules are imported with the collector paused, then moved out of its sight."""
    out = run_python(
        "import gc\nfrom a11ykit import cli\n"
        "def main(argv=None, parser=None):\n    print(gc.get_freeze_count() > 1000, gc.isenabled())\n    return 0\n"
        "cli.main = main\ncli.run()"
    )
    assert out == "True True"


def test_a_program_calling_main_keeps_its_collector_as_it_is():
    out = run_python(
        "import contextlib, gc, io, sys\nfrom a11ykit import cli\nsys.stdout = io.StringIO()\n"
        "with contextlib.suppress(SystemExit):\n    cli.main(['build', '--help'])\n"
        "print(gc.get_freeze_count(), gc.isenabled(), file=sys.__stdout__)"
    )
    assert out == "0 True"


def test_the_command_starts_without_the_download_and_tbx_code():
    """http.client, ssl and email (a model download's) and the XML parser (TBX's) cost a build's
    start 20-60 ms; as a user's install has it (without the test extra's html5lib and lxml,
    which import urllib themselves), none of them is imported before it is needed."""
    out = run_python(
        "import sys\nsys.modules['html5lib'] = sys.modules['lxml'] = None\n"
        "from a11ykit import cli\ncli.make_parser()\nimport a11ykit.api, a11ykit.site, a11ykit.speech.narration\n"
        "late = ('urllib.request', 'http.client', 'ssl', 'xml.etree.ElementTree', 'soupsieve.css_parser')\n"
        "print(sorted(m for m in late if m in sys.modules))"
    )
    assert out == "[]"


def test_the_command_imports_only_the_module_of_the_command_it_runs():
    out = run_python(
        "import sys\nfrom a11ykit import cli\nsys.argv = ['a11ykit', 'build', 'page.html', '--to', 'es']\n"
        "def main(argv=None, parser=None):\n"
        "    print(sorted(m for m in sys.modules if m.startswith('a11ykit.cli.')), parser.parse_args().target)\n"
        "    return 0\n"
        "cli.main = main\ncli.run()"
    )
    assert out == "['a11ykit.cli.build'] es"


def test_a_parser_for_one_command_reads_its_options_as_the_whole_parser_does():
    argv = ["build", "page.html", "--to", "es", "--engine", "apertium", "--no-audio", "--jobs", "2"]
    assert vars(make_parser(only="build").parse_args(argv)) == vars(make_parser().parse_args(argv))
