"""The speech package's shape: what it names, and that the page side does not need the audio extra."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AUDIO_EXTRA = ("numpy", "soundfile", "pyttsx3")

# Runs in a fresh interpreter where the audio extra's modules cannot be imported.
WITHOUT_AUDIO = f"""
import sys
for name in {AUDIO_EXTRA!r}:
    sys.modules[name] = None
"""


def run_without_audio(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_AUDIO + code], cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "statement",
    [
        "from a11ykit.speech import SpeechItem, Cue, AudioResult, output_names",
        "from a11ykit.speech.lexicon import lexicon_for",
        "from a11ykit.html.reading import insert_player, speech_items",
    ],
)
def test_the_page_side_names_speech_without_the_audio_extra(statement, tmp_path):
    done = run_without_audio(statement, tmp_path)
    assert done.returncode == 0, done.stderr


def test_synthesis_needs_the_audio_extra_and_says_which_module(tmp_path):
    done = run_without_audio("from a11ykit.speech import synthesize_article", tmp_path)
    assert done.returncode != 0
    assert "numpy" in done.stderr


def test_a_build_without_audio_never_loads_the_audio_extra(tmp_path):
    page = tmp_path / "story.html"
    page.write_text(
        '<!DOCTYPE html><html lang="en"><head><title>T</title></head><body><article>'
        "<h1>A title</h1><p>One sentence here. Another one.</p></article></body></html>",
        encoding="utf-8",
    )
    done = run_without_audio(
        "from a11ykit.cli import main\n"
        "sys.exit(main(['build', 'story.html', '--to', 'es', '--engine', 'apertium', '--no-audio',"
        " '--out', 'out', '--locales', 'locales']))",
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "story.es.html").is_file()


def test_unknown_names_are_attribute_errors():
    import a11ykit.speech

    with pytest.raises(AttributeError, match="no attribute 'synthesise_article'"):
        a11ykit.speech.synthesise_article  # noqa: B018


def imported_modules(source: Path) -> set[str]:
    """Every module a Python file imports, at any level (inside functions too)."""
    found = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("module", sorted((ROOT / "src" / "a11ykit" / "speech").glob("*.py")), ids=lambda p: p.stem)
def test_no_speech_module_imports_the_html_layer_or_an_html_library(module):
    html = {m for m in imported_modules(module) if m.split(".")[0] in ("bs4", "html5lib", "lxml", "html")}
    html |= {m for m in imported_modules(module) if m == "a11ykit.html" or m.startswith("a11ykit.html.")}
    assert not html, f"{module.name} imports {sorted(html)}"
