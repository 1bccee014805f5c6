"""Worker with real threads: order, guarded handler and dequeue, stop semantics, wake, clean-up."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from gif_app import worker as worker_mod
from gif_app.worker import Worker
from tests.helpers.waiting import wait_until

WAIT_S = 10.0


class Log:
    """A thread-safe list the test waits on."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        self._cond = threading.Condition()

    def add(self, item: Any) -> None:
        """Append one entry and wake the waiters."""
        with self._cond:
            self.items.append(item)
            self._cond.notify_all()

    def wait_for(self, count: int, timeout: float = WAIT_S) -> list[Any]:
        """Return the entries once there are `count`; fail the test after `timeout`."""
        with self._cond:
            assert self._cond.wait_for(lambda: len(self.items) >= count, timeout), f"only {self.items}"
            return list(self.items)


class Store:
    """A stand-in for a persistent queue: the source reads its head, the handler claims (removes) it."""

    def __init__(self, *items: int) -> None:
        self._items = list(items)
        self._lock = threading.Lock()

    def head(self) -> int | None:
        """Return the first item without removing it."""
        with self._lock:
            return self._items[0] if self._items else None

    def add(self, item: int) -> None:
        """Append an item."""
        with self._lock:
            self._items.append(item)

    def claim(self, item: int) -> None:
        """Remove an item, as a handler marks a row as taken."""
        with self._lock:
            self._items.remove(item)


@pytest.fixture
def workers() -> Iterator[list[Worker[Any]]]:
    """Collect the workers a test makes and stop them afterwards, so no thread outlives its test."""
    made: list[Worker[Any]] = []
    yield made
    for worker in made:
        worker.stop(WAIT_S)


def make(workers: list[Worker[Any]], handler: Callable[[Any], None], **options: Any) -> Worker[Any]:
    """Create a worker that the fixture will stop."""
    worker: Worker[Any] = Worker("test-worker", handler, **options)
    workers.append(worker)
    return worker


def test_items_run_in_submission_order(workers: list[Worker[Any]]) -> None:
    seen = Log()
    worker = make(workers, seen.add)
    for n in range(20):
        worker.submit(n)
    assert seen.wait_for(20) == list(range(20))
    assert worker.stop(WAIT_S) is True
    assert not worker.is_alive


def test_a_failing_handler_is_reported_and_the_next_item_still_runs(workers: list[Worker[Any]]) -> None:
    seen, errors = Log(), Log()

    def handler(item: int) -> None:
        if item == 1:
            raise ValueError("bad item")
        seen.add(item)

    worker = make(workers, handler, on_error=lambda item, exc: errors.add((item, exc)))
    for n in range(3):
        worker.submit(n)
    assert seen.wait_for(2) == [0, 2]
    [(item, exc)] = errors.wait_for(1)
    assert item == 1 and isinstance(exc, ValueError) and str(exc) == "bad item"
    assert worker.is_alive


def test_an_on_error_that_raises_does_not_end_the_worker(workers: list[Worker[Any]]) -> None:
    seen = Log()

    def handler(item: int) -> None:
        if item == 0:
            raise ValueError("bad item")
        seen.add(item)

    def on_error(item: int, exc: BaseException) -> None:
        raise RuntimeError("the failure could not be recorded")

    worker = make(workers, handler, on_error=on_error)
    worker.submit(0)
    worker.submit(1)
    assert seen.wait_for(1) == [1]
    assert worker.is_alive


def test_a_failing_dequeue_is_logged_and_the_loop_goes_on(workers: list[Worker[Any]], caplog: pytest.LogCaptureFixture,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker_mod, "DEQUEUE_BACKOFF_S", 0.01)  # the pause after a failed read; keep it short
    store = Store(7, 8)
    calls = 0

    def source() -> int | None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OSError("database is locked")
        return store.head()

    seen = Log()

    def handler(item: int) -> None:
        store.claim(item)
        seen.add(item)

    with caplog.at_level(logging.ERROR, logger=worker_mod.__name__):
        make(workers, handler, source=source).start()
        assert seen.wait_for(2) == [7, 8]
    failures = [r for r in caplog.records if "could not read its queue" in r.getMessage()]
    # The traceback is kept: as exc_info, or as exc_text once the app's key-redaction filter has masked it.
    assert len(failures) == 1 and (failures[0].exc_info is not None or "database is locked" in
                                   (failures[0].exc_text or ""))


def test_stop_finishes_the_item_in_hand_and_takes_nothing_new(workers: list[Worker[Any]]) -> None:
    started, release = threading.Event(), threading.Event()
    seen = Log()

    def handler(item: int) -> None:
        if item == 1:
            started.set()
            release.wait(WAIT_S)
        seen.add(item)

    worker = make(workers, handler)
    worker.submit(1)
    worker.submit(2)
    assert started.wait(WAIT_S)
    assert worker.current == 1
    result: list[bool] = []
    stopper = threading.Thread(target=lambda: result.append(worker.stop(WAIT_S)))
    stopper.start()
    # The stop is asked while item 1 is still in hand; only then is the handler let go.
    wait_until(lambda: worker.is_stopping, WAIT_S, "the stop request")
    assert stopper.is_alive()
    release.set()
    stopper.join(WAIT_S)
    assert result == [True]
    assert seen.items == [1]
    assert not worker.is_alive and worker.current is None


def test_stop_gives_up_on_a_stuck_handler_after_the_timeout(workers: list[Worker[Any]]) -> None:
    started, release = threading.Event(), threading.Event()

    def handler(item: int) -> None:
        started.set()
        release.wait(WAIT_S)

    worker = make(workers, handler)
    worker.submit(1)
    assert started.wait(WAIT_S)
    try:
        assert worker.stop(0.05) is False
        assert worker.is_alive and worker.current == 1
    finally:
        release.set()
    assert worker.stop(WAIT_S) is True


def test_wake_makes_a_source_driven_worker_pick_up_a_new_item(workers: list[Worker[Any]]) -> None:
    store = Store()
    polled = threading.Event()

    def source() -> int | None:
        head = store.head()
        polled.set()
        return head

    seen = Log()

    def handler(item: int) -> None:
        store.claim(item)
        seen.add(item)

    worker = make(workers, handler, source=source)
    worker.start()
    assert polled.wait(WAIT_S)
    polled.clear()
    store.add(5)
    # Without wake() the worker sleeps on: nothing asks it to read the changed queue.
    assert not polled.wait(0.2)
    worker.wake()
    assert seen.wait_for(1) == [5]


def test_a_wake_during_a_read_is_not_lost(workers: list[Worker[Any]]) -> None:
    store = Store()
    reading, go = threading.Event(), threading.Event()

    def source() -> int | None:
        head = store.head()  # read before the test adds its item, so this read finds nothing
        if not reading.is_set():
            reading.set()
            go.wait(WAIT_S)
        return head

    seen = Log()

    def handler(item: int) -> None:
        store.claim(item)
        seen.add(item)

    worker = make(workers, handler, source=source)
    worker.start()
    assert reading.wait(WAIT_S)
    store.add(3)
    worker.wake()
    go.set()
    assert seen.wait_for(1) == [3]


def test_wake_does_not_wait_for_a_source_that_waits_for_its_owners_lock(workers: list[Worker[Any]]) -> None:
    owner = threading.Lock()  # a service's own lock, held while it changes the queue and calls wake()
    store = Store()
    entered = threading.Event()

    def source() -> int | None:
        entered.set()
        with owner:
            return store.head()

    seen = Log()

    def handler(item: int) -> None:
        store.claim(item)
        seen.add(item)

    worker = make(workers, handler, source=source)
    with owner:
        worker.start()
        assert entered.wait(WAIT_S)
        store.add(4)
        waker = threading.Thread(target=worker.wake)
        waker.start()
        waker.join(WAIT_S)
        assert not waker.is_alive(), "wake() blocked behind the source: a lock-order deadlock"
    assert seen.wait_for(1) == [4]


def test_after_each_runs_after_every_item_even_a_failed_one(workers: list[Worker[Any]]) -> None:
    order = Log()

    def handler(item: int) -> None:
        order.add(("item", item))
        if item == 1:
            raise ValueError("bad item")

    worker = make(workers, handler, on_error=lambda item, exc: order.add(("error", item)),
                  after_each=lambda: order.add("after"))
    for n in range(3):
        worker.submit(n)
    assert order.wait_for(7) == [("item", 0), "after", ("item", 1), ("error", 1), "after", ("item", 2), "after"]


def test_a_stopped_worker_stays_stopped(workers: list[Worker[Any]]) -> None:
    seen = Log()
    worker = make(workers, seen.add)
    assert worker.stop(WAIT_S) is True  # never started: nothing to join
    worker.submit(1)
    assert not worker.is_alive and seen.items == []
