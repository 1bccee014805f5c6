"""The one worker primitive: a thread that owns a queue and cannot die.

Jobs, retries, exports and model downloads all run on a `Worker`; it lives at the top of the package and
imports nothing from gif_app so every layer (jobs/, export/) may use it. Its loop takes the next item under a
guard (an error while dequeuing is logged and retried after a pause, never fatal), runs the handler
under a guard (an error is logged and handed to `on_error`, never fatal), and ends at the stop
sentinel: `stop()` lets the item in hand finish, takes nothing new, and joins for a bounded time.

Items come from two places: `submit()` (in memory, first in first out, ahead of the source) and an
optional `source` callable that reads a persistent queue (the database); call `wake()` after changing that
queue. The source only reads (the handler claims the row): it is called without the worker's lock held, so
it may take its owner's lock, and an item it returns after `stop()` was asked is left where it is.
"""

from __future__ import annotations

import collections
import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

# After a failed dequeue (say, the database is locked for a moment) the loop pauses before trying again,
# so a persistent error is logged once a second, not spun on.
DEQUEUE_BACKOFF_S = 1.0
DEFAULT_JOIN_TIMEOUT_S = 30.0


class Worker(Generic[T]):
    """One thread over one queue: guarded dequeue, guarded handler, stop sentinel, bounded join."""

    def __init__(self, name: str, handler: Callable[[T], None], *, source: Callable[[], T | None] | None = None,
                 on_error: Callable[[T, BaseException], None] | None = None,
                 after_each: Callable[[], None] | None = None) -> None:
        self.name = name
        self._handler = handler
        self._source = source
        self._on_error = on_error
        self._after_each = after_each
        self._pending: collections.deque[T] = collections.deque()
        self._cond = threading.Condition()
        self._is_stopping = False
        self._is_woken = False
        self._current: T | None = None
        self._thread: threading.Thread | None = None

    @property
    def current(self) -> T | None:
        """Return the item in hand (None when idle)."""
        with self._cond:
            return self._current

    @property
    def is_alive(self) -> bool:
        """Return True while the thread runs."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def is_stopping(self) -> bool:
        """Return True once stop() was asked."""
        with self._cond:
            return self._is_stopping

    def start(self) -> None:
        """Start the thread (once; a stopped worker stays stopped)."""
        with self._cond:
            if self._thread is None and not self._is_stopping:
                self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
                self._thread.start()

    def submit(self, item: T) -> None:
        """Queue an item in memory, starting the thread on first use."""
        with self._cond:
            self._pending.append(item)
            self._cond.notify_all()
        self.start()

    def wake(self) -> None:
        """Tell the loop the persistent queue changed."""
        with self._cond:
            self._is_woken = True
            self._cond.notify_all()

    def stop(self, timeout: float = DEFAULT_JOIN_TIMEOUT_S) -> bool:
        """Finish the item in hand, take nothing new, join for at most `timeout`; True if the thread ended."""
        with self._cond:
            self._is_stopping = True
            self._cond.notify_all()
            thread = self._thread
        if thread is None or thread is threading.current_thread():
            return True
        thread.join(timeout)
        if thread.is_alive():
            log.warning("worker %s did not end within %.0f s", self.name, timeout)
            return False
        return True

    def _next(self) -> T | None:
        """Wait for the next item; None means the stop sentinel was reached."""
        while True:
            with self._cond:
                while True:
                    if self._is_stopping:
                        return None
                    if self._pending:
                        self._current = self._pending.popleft()
                        return self._current
                    if self._source is not None:
                        # Reset before reading, so a wake() that arrives during the read is not lost.
                        self._is_woken = False
                        break
                    self._cond.wait()
            source = self._source
            # The source runs outside the lock: a slow or locked database must not block submit(), wake(),
            # current or stop() on other threads, and a source may take its owner's lock (which the owner
            # may hold while calling wake()) without a lock-order deadlock.
            try:
                item = source()
            except Exception:  # noqa: BLE001 - a failed dequeue must not end the worker
                log.exception("worker %s could not read its queue", self.name)
                with self._cond:
                    if not self._is_stopping:
                        self._cond.wait(DEQUEUE_BACKOFF_S)
                continue
            with self._cond:
                if self._is_stopping:
                    return None
                if item is not None:
                    self._current = item
                    return item
                if not self._is_woken and not self._pending:
                    self._cond.wait()

    def _loop(self) -> None:
        while True:
            item = self._next()
            if item is None:
                return
            try:
                self._handler(item)
            except BaseException as exc:  # noqa: BLE001 - the loop must survive anything its handler does
                log.exception("worker %s: handler failed", self.name)
                self._report(item, exc)
            finally:
                with self._cond:
                    self._current = None
                self._tidy()

    def _report(self, item: T, exc: BaseException) -> None:
        if self._on_error is None:
            return
        try:
            self._on_error(item, exc)
        except Exception:  # noqa: BLE001 - recording the failure may fail too (the row was deleted)
            log.exception("worker %s: could not record a failure", self.name)

    def _tidy(self) -> None:
        if self._after_each is None:
            return
        try:
            self._after_each()
        except Exception:  # noqa: BLE001
            log.exception("worker %s: clean-up after an item failed", self.name)
