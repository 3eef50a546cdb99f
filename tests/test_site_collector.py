"""Articles built one after another in one process, with the cyclic garbage collector off (as
``a11ykit build`` runs): what one article left is collected before the next starts, so a big
site built with one job does not keep every article's page trees."""

from __future__ import annotations

import gc
import weakref

import pytest

from a11ykit.site import _Inline


class _Node:
    """A cycle, as a page's tree is (each element points to its parent and its children)."""

    def __init__(self) -> None:
        self.me = self


def _leave_a_cycle(found: list[weakref.ref]) -> None:
    found.append(weakref.ref(_Node()))


@pytest.fixture
def collector_off():
    running = gc.isenabled()
    gc.disable()
    yield
    if running:
        gc.enable()


def test_with_the_collector_off_a_task_starts_after_the_previous_tasks_garbage_is_collected(collector_off):
    left: list[weakref.ref] = []
    seen_alive: list[bool] = []
    inline = _Inline()
    inline.submit(_leave_a_cycle, left)
    inline.submit(lambda: seen_alive.append(left[0]() is not None))
    assert seen_alive == [False]


def test_with_the_collector_off_the_first_task_starts_at_once(collector_off, monkeypatch):
    collections: list[int] = []
    monkeypatch.setattr(gc, "collect", lambda *args: collections.append(1) or 0)
    _Inline().submit(lambda: None)
    assert collections == []


def test_with_the_collector_on_the_tasks_leave_collecting_to_it(monkeypatch):
    assert gc.isenabled()
    collections: list[int] = []
    monkeypatch.setattr(gc, "collect", lambda *args: collections.append(1) or 0)
    inline = _Inline()
    for _ in range(3):
        inline.submit(lambda: None)
    assert collections == []
