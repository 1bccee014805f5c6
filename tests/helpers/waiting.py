"""Waiting on a condition in tests: re-check on an Event tick with a deadline, never a bare sleep."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


def wait_until(condition: Callable[[], Any], timeout: float = 60.0, what: str = "condition",
               interval: float = 0.02) -> Any:
    """Return `condition()` once it is truthy; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    tick = threading.Event()
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        tick.wait(interval)
