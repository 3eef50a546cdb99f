"""soupsieve (Beautiful Soup's CSS selectors) is imported on its first use, not by importing
a11ykit and bs4; every way of using it still works. Each case runs in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

import pytest

from a11ykit.deferred import DeferredModule, defer


def run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_importing_a11ykit_and_bs4_does_not_import_soupsieve():
    out = run(
        "import sys, a11ykit, bs4, a11ykit.html.parse\n"
        "bs4.BeautifulSoup('<p>x</p>', 'html.parser').find_all('p')\n"
        "print(type(sys.modules['soupsieve']).__name__, 'soupsieve.css_parser' in sys.modules)"
    )
    assert out == "DeferredModule False"


@pytest.mark.parametrize(
    ("use", "expected"),
    [
        ("print(soup.select('p.a'))", '[<p class="a">x</p>]'),
        ("print(soup.css.escape('a b'))", "a\\ b"),
        ("import soupsieve; print(soupsieve.match('p', soup.p))", "True"),
        ("from soupsieve import SoupSieve; print(SoupSieve.__name__)", "SoupSieve"),
        ("import soupsieve.css_match; print(soupsieve.css_match.__name__)", "soupsieve.css_match"),
    ],
)
def test_every_use_of_soupsieve_imports_it(use, expected):
    out = run(
        "import sys, a11ykit, bs4\n"
        "soup = bs4.BeautifulSoup('<p class=a>x</p><p>y</p>', 'html.parser')\n"
        f"{use}\n"
        "print(type(sys.modules['soupsieve']).__name__)"
    )
    assert out.splitlines() == [expected, "module"]


def test_find_spec_answers_for_a_deferred_module_without_importing_it():
    """As for a module imported already (a program checking that soupsieve is installed)."""
    out = run(
        "import importlib.util, sys, a11ykit, bs4\n"
        "print(importlib.util.find_spec('soupsieve').name, type(sys.modules['soupsieve']).__name__)"
    )
    assert out == "soupsieve DeferredModule"


def test_a_module_imported_already_is_left_alone():
    out = run("import sys, soupsieve, a11ykit\nprint(sys.modules['soupsieve'] is soupsieve, type(soupsieve).__name__)")
    assert out == "True module"


def test_a_module_that_is_not_installed_is_not_deferred():
    defer("a11ykit_no_such_module")
    assert "a11ykit_no_such_module" not in sys.modules
    with pytest.raises(ModuleNotFoundError):
        __import__("a11ykit_no_such_module")


def test_the_stand_in_passes_reads_on_after_the_import(monkeypatch):
    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    defer("colorsys")
    stand_in = sys.modules["colorsys"]
    assert isinstance(stand_in, DeferredModule)
    assert stand_in.rgb_to_hsv(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0)
    real = sys.modules["colorsys"]
    assert real is not stand_in and not isinstance(real, DeferredModule)
    assert stand_in.hsv_to_rgb is real.hsv_to_rgb


def test_starting_a_build_does_not_import_numpy():
    """numpy (60–100 ms) is imported beside the stages, not before the page is parsed."""
    out = run(
        "import sys, a11ykit.api, a11ykit.site, a11ykit.cli.build\n"
        "from a11ykit.speech.synth import warm_up\n"
        "print('numpy' in sys.modules)"
    )
    assert out == "False"


def test_modules_imported_beside_are_there_once_the_thread_ends_and_a_missing_one_is_skipped():
    out = run(
        "import sys\n"
        "from a11ykit.deferred import import_beside\n"
        "import_beside(['no_such_module_here', 'json.tool', 'colorsys']).join()\n"
        "print('json.tool' in sys.modules, 'colorsys' in sys.modules, 'no_such_module_here' in sys.modules)"
    )
    assert out == "True True False"
