"""A build process keeps freed memory for its next allocation (a11ykit.allocator)."""

import os
import subprocess
import sys

import pytest

GLIBC = (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc")

#: Frees a 16 MiB block, allocates one again and prints the page faults that took.
_REALLOCATE = """
import resource, sys
from a11ykit.allocator import keep_freed_memory
if sys.argv[1] == "tuned":
    assert keep_freed_memory()
block = bytearray(16 << 20)
del block
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
block = bytearray(16 << 20)
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(mode: str) -> int:
    done = subprocess.run([sys.executable, "-c", _REALLOCATE, mode], capture_output=True, text=True, check=True)
    return int(done.stdout)


@pytest.mark.skipif(not GLIBC, reason="the tuning is glibc's")
def test_a_freed_large_block_is_written_again_without_new_pages():
    # by default the block gets new pages each time (4096 of them); tuned, the freed ones again
    untuned, tuned = _faults("default"), _faults("tuned")
    assert untuned > 2000
    assert tuned < untuned // 10


@pytest.mark.parametrize("confstr", [lambda name: None, lambda name: "musl 1.2"])
def test_other_c_libraries_are_left_as_they_are(monkeypatch, confstr):
    from a11ykit import allocator

    monkeypatch.setattr(allocator.os, "confstr", confstr)
    assert allocator.keep_freed_memory() is False
