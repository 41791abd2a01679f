"""A serving process settles the cyclic garbage collector once it is ready
(hearth_kit.defaults.settle_the_collector; docs/adr/0022-composite-per-request-work.md)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from prometheus_client import REGISTRY

from hearth_kit import defaults
from hearth_kit.defaults import YOUNG_OBJECTS_BEFORE_A_COLLECTION, settle_the_collector


@pytest.fixture
def collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    settled = defaults._settled
    callbacks = list(gc.callbacks)
    defaults._settled = False
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.callbacks[:] = callbacks
        defaults._settled = settled


def test_start_up_objects_are_frozen_and_young_objects_wait_longer(collector: None) -> None:
    _young, middle, old = gc.get_threshold()
    settle_the_collector()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (YOUNG_OBJECTS_BEFORE_A_COLLECTION, middle, old)


def test_it_settles_once_per_process(collector: None) -> None:
    settle_the_collector()
    gc.set_threshold(700, 10, 10)  # someone (a test) sets it again afterwards
    settle_the_collector()
    assert gc.get_threshold() == (700, 10, 10)


def full_collections_recorded() -> float:
    value = REGISTRY.get_sample_value("hearth_gc_pause_seconds_count", {"generation": "2"})
    return value or 0.0


def test_each_collection_is_timed_into_the_gc_pause_histogram(collector: None) -> None:
    settle_the_collector()
    defaults._settled = False
    settle_the_collector()  # settled again (another app in this process): one callback
    gc.disable()  # only the collections asked for here
    try:
        before = full_collections_recorded()
        gc.collect()
        gc.collect()
        assert full_collections_recorded() == before + 2
    finally:
        gc.enable()
