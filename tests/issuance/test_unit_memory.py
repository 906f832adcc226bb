"""A unit's memory is given back when it ends: its reference cycles are collected."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from meetingsvc.issuance.production import unit_memory


class _Node:
    def __init__(self) -> None:
        self.itself = self  # a reference cycle, as pyHanko's objects make


@pytest.fixture
def no_automatic_collection() -> Iterator[None]:
    """Only an explicit collection frees a cycle, so the test sees what unit_memory does."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def test_cycles_made_in_a_unit_are_freed_when_it_ends(no_automatic_collection: None) -> None:
    lasting = _Node()
    with unit_memory():
        made = _Node()
        gone = weakref.ref(made)
        del made
        assert gone() is not None  # nothing has collected it yet
    assert gone() is None
    assert lasting.itself is lasting


def test_a_process_not_frozen_before_is_thawed_after(no_automatic_collection: None) -> None:
    assert gc.get_freeze_count() == 0
    with unit_memory():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_a_pool_process_stays_frozen(no_automatic_collection: None) -> None:
    gc.freeze()
    try:
        with unit_memory():
            pass
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_a_failing_unit_is_cleaned_up_too(no_automatic_collection: None) -> None:
    with pytest.raises(RuntimeError), unit_memory():
        made = _Node()
        gone = weakref.ref(made)
        del made
        raise RuntimeError("a unit that breaks")
    assert gone() is None
    assert gc.get_freeze_count() == 0
