"""The consumer pauses the cyclic garbage collector while it applies a batch; the pause
never outlives the batch that took it, so overlapping batches (several consumers in one
process) cannot keep it off for good."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from hearth_kit.inbox import _collector_back_on, collector_paused


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_collector_is_paused_during_a_batch_and_back_after() -> None:
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_comes_back_when_the_batch_that_paused_it_ends() -> None:
    first = collector_paused()
    second = collector_paused()
    first.__enter__()
    second.__enter__()  # another consumer's batch, overlapping
    assert not gc.isenabled()
    first.__exit__(None, None, None)
    assert gc.isenabled()  # even though the second batch is still being applied
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_the_collector_comes_back_after_a_failing_batch() -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("a handler failed")
    assert gc.isenabled()


def test_a_collector_turned_off_elsewhere_stays_off() -> None:
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_a_retry_turns_the_collector_back_on_inside_a_paused_batch() -> None:
    with collector_paused():
        _collector_back_on()
        assert gc.isenabled()
    assert gc.isenabled()


def test_turning_it_back_on_leaves_a_collector_turned_off_elsewhere_off() -> None:
    gc.disable()
    _collector_back_on()
    assert not gc.isenabled()
