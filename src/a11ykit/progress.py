"""Progress on long work: shown on a terminal (stderr), silent otherwise.

It owns how progress is shown, not what is measured; it must not import any other a11ykit module.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

#: ``progress(stage, done, total)``; library functions take one and call it.
Progress = Callable[[str, int, int], None]


def no_progress(stage: str, done: int, total: int) -> None:
    return None


def terminal_progress(stream: TextIO | None = None) -> Progress:
    """A progress callback that draws one updating line when ``stream`` is a terminal."""
    out = stream if stream is not None else sys.stderr
    if not out.isatty():
        return no_progress

    def show(stage: str, done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        out.write(f"\r\033[K{stage}: {done}/{total}{end}")
        out.flush()

    return show
