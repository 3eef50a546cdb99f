"""Run the real command line against a read-only folder, also when the tests run as root.

``chmod 555`` does not stop root, who has CAP_DAC_OVERRIDE; so as root the command runs
with that capability dropped from its bounding set (``setpriv``, util-linux), which is
what a read-only folder means to every other user.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

DROP_OVERRIDE = ["setpriv", "--bounding-set=-dac_override"]


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[Path]:
    """``folder`` with no write permission for anyone while the block runs."""
    mode = folder.stat().st_mode
    folder.chmod(0o555)
    try:
        yield folder
    finally:
        folder.chmod(mode)


def a11ykit(*argv: object, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m a11ykit ARGV`` in a child process without the power to ignore permissions."""
    command = [sys.executable, "-m", "a11ykit", *(str(a) for a in argv)]
    if os.geteuid() == 0:
        command = DROP_OVERRIDE + command
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, timeout=120, check=False)
