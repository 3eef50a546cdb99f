"""The command line: parse options, call the library, turn errors into exit codes.

Each sub-command is a module of this package with ``register(subparsers)``, which adds its
parser and sets ``func(args) -> int``. Nothing in the library imports this package; the
commands only parse arguments, call the library and print.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import gc
import importlib
import os
import sys
from collections.abc import Iterator, Sequence
from typing import NoReturn

from a11ykit import __version__
from a11ykit.allocator import keep_freed_memory
from a11ykit.errors import A11yKitError

#: Sub-command modules of this package, in the order ``--help`` lists them.
COMMAND_MODULES = ("build", "speak", "epub", "models", "review", "glossary", "tm")


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line and exit 2 like every bad input."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"a11ykit: error: {message} (see '{self.prog} --help')\n")


def make_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; ``only``: just that command (the ``a11ykit`` command asks for
    the one it runs, so that it does not import the others' modules nor build their options)."""
    parser = _Parser(
        prog="a11ykit",
        description="Make a news article readable by more people: translated pages, audio, review.",
    )
    parser.add_argument("--version", action="version", version=f"a11ykit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMAND_MODULES:
        if only is not None and name != only:
            continue
        try:
            module = importlib.import_module(f"a11ykit.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"a11ykit.cli.{name}":
                raise
            continue  # a command not built yet
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None, *, parser: argparse.ArgumentParser | None = None) -> int:
    parser = parser or make_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except A11yKitError as exc:
        print(f"a11ykit: error: {exc} [{exc.code}]", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("a11ykit: interrupted", file=sys.stderr)
        return 130


@contextlib.contextmanager
def _imports_uncollected() -> Iterator[None]:
    """Python's cyclic garbage collector paused while the commands' modules are imported (they
    make tens of thousands of objects, which it would walk again and again: about 10 ms of a
    build), then what they made moved out of its sight (:func:`gc.freeze`): a module's
    objects live as long as the process. For the ``a11ykit`` command only (:func:`run`): a
    program that calls :func:`main` keeps its own collector as it is."""
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if running:
            gc.enable()


def run() -> NoReturn:
    """The ``a11ykit`` command: :func:`main`, then the exit handlers, then the process ends.

    Every output is written and closed when :func:`main` returns; tearing the interpreter
    down after it would only free the build's objects one by one (a big page's tree takes
    about 0.15 s), so that step is left to the operating system. For the same reason ``build``
    runs with the cyclic garbage collector off: an article's objects live until it is written,
    and collecting after the last one only walks them once more (about 15 ms of a rebuild);
    articles built one after another in this process are collected between them
    (:mod:`a11ykit.site`), and its C allocator keeps freed memory for reuse
    (:mod:`a11ykit.allocator`)."""
    named = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] in COMMAND_MODULES else None
    if named == "build":
        keep_freed_memory()
    with _imports_uncollected():
        parser = make_parser(only=named)  # imports the command's modules (every command's without one)
    if named == "build":
        gc.disable()
    code = main(parser=parser)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    atexit._run_exitfuncs()
    os._exit(code)
