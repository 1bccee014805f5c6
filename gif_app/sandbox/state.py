"""Runtime state shared by the sandbox servers: live config, stop event, request and billing logs, fault counters."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from gif_app.sandbox.config import SandboxConfig, fires

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecordedRequest:
    """One request a sandbox server received."""

    vendor: str
    method: str
    path: str
    at: float
    body: str = ""  # a JSON request body as sent (other bodies, such as image uploads, are not kept)


@dataclass(frozen=True)
class BilledRequest:
    """One request a sandbox vendor charged for: its id (taskUUID, task id, ...) and the images it paid."""

    vendor: str
    request_id: str
    images: int
    cost: float
    at: float


class SandboxState:
    """Hold what every vendor app reads and writes; all methods are thread-safe."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.stop_event = threading.Event()
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._billed: list[BilledRequest] = []
        self._counters: dict[tuple[str, str], int] = {}
        self._credits_used = 0.0
        self._free_calls_used = 0
        self._sends: list[tuple[str, str]] = []
        self._images_seen: list[tuple[str, bytes]] = []
        self._in_flight = 0
        self._forgotten: set[tuple[str, str]] = set()
        self._idle = threading.Condition(self._lock)

    def record(self, vendor: str, method: str, path: str, body: str = "") -> None:
        """Append one received request to the log."""
        with self._lock:
            self._requests.append(RecordedRequest(vendor, method, path, time.time(), body))

    def enter(self) -> None:
        """Count one request in the servers' hands."""
        with self._lock:
            self._in_flight += 1

    def leave(self) -> None:
        """Count one request answered (or dropped)."""
        with self._lock:
            self._in_flight -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no request is in the servers' hands (a delayed one may still bill); return whether idle."""
        with self._lock:
            return self._idle.wait_for(lambda: self._in_flight <= 0, timeout)

    def note_send(self, vendor: str, request_id: str) -> None:
        """Record that a paid request with this id (a Runware taskUUID) arrived, billed or not."""
        with self._lock:
            self._sends.append((vendor, request_id))

    def forget(self, vendor: str, request_id: str) -> None:
        """Make the vendor answer a task as unknown from now on (its record expired, or it never arrived)."""
        with self._lock:
            self._forgotten.add((vendor, request_id.lower()))

    def is_forgotten(self, vendor: str, request_id: str) -> bool:
        """Return whether the vendor was told to forget this task."""
        with self._lock:
            return (vendor, request_id.lower()) in self._forgotten

    def note_images(self, vendor: str, images: list[bytes]) -> None:
        """Record the images a vision request carried (tests check what QC and metadata were shown)."""
        with self._lock:
            self._images_seen.extend((vendor, data) for data in images)

    def images_seen(self, vendor: str) -> list[bytes]:
        """Return the images the vendor's vision requests carried, in the order they arrived."""
        with self._lock:
            return [data for v, data in self._images_seen if v == vendor]

    def sends(self, vendor: str) -> list[str]:
        """Return the ids of the vendor's paid requests as they arrived, repeats included."""
        with self._lock:
            return [request_id for v, request_id in self._sends if v == vendor]

    def requests(self, vendor: str | None = None) -> list[RecordedRequest]:
        """Return a copy of the request log, optionally for one vendor."""
        with self._lock:
            return [r for r in self._requests if vendor is None or r.vendor == vendor]

    def bill(self, vendor: str, request_id: str, images: int, cost: float) -> None:
        """Record that `vendor` charged for `images` images under `request_id`."""
        with self._lock:
            self._billed.append(BilledRequest(vendor, request_id, images, cost, time.time()))

    def billed(self, vendor: str | None = None) -> list[BilledRequest]:
        """Return a copy of the billing log, optionally for one vendor (never reset: it is what was paid)."""
        with self._lock:
            return [b for b in self._billed if vendor is None or b.vendor == vendor]

    def request_count(self, vendor: str, path_prefix: str = "") -> int:
        """Return how many requests the vendor's server got whose path starts with `path_prefix`."""
        return sum(1 for r in self.requests(vendor) if r.path.startswith(path_prefix))

    def pick_fault(self, vendor: str, channel: str) -> str | None:
        """Count one request on `channel` ("api" or "image") and return the fault to inject, if any.

        The api channel sees every fault but `truncated`; the image channel sees only `truncated`.
        Counters are per vendor and channel so a run of requests always meets the same faults.
        """
        candidates = [
            (fault, rate)
            for fault, rate in self.config.faults_for(vendor)
            if (fault == "truncated") == (channel == "image")
        ]
        with self._lock:
            key = (vendor, channel)
            number = self._counters.get(key, 0) + 1
            self._counters[key] = number
        for fault, rate in candidates:
            if fires(number, rate):
                logger.debug("sandbox %s injects %s on %s request %d", vendor, fault, channel, number)
                return fault
        return None

    def reset_counters(self) -> None:
        """Start fault counting afresh (request k=1 again) and forget the request log."""
        with self._lock:
            self._counters.clear()
            self._requests.clear()

    def pause(self, seconds: float) -> bool:
        """Wait `seconds` unless the servers stop first; return True if they are stopping."""
        if seconds <= 0:
            return self.stop_event.is_set()
        return self.stop_event.wait(seconds)

    def charge_credits(self, amount: float) -> bool:
        """Take `amount` remove.bg credits if the balance allows; return whether it did."""
        with self._lock:
            if self._credits_used + amount > self.config.removebg_credits + 1e-9:
                return False
            self._credits_used += amount
            return True

    def credits_left(self) -> float:
        """Return the remove.bg credit balance."""
        with self._lock:
            return max(0.0, self.config.removebg_credits - self._credits_used)

    def take_free_call(self) -> bool:
        """Use one of remove.bg's free API calls if any is left; return whether it did."""
        with self._lock:
            if self._free_calls_used >= self.config.removebg_free_calls:
                return False
            self._free_calls_used += 1
            return True

    def free_calls_left(self) -> int:
        """Return how many remove.bg free API calls are left."""
        with self._lock:
            return max(0, self.config.removebg_free_calls - self._free_calls_used)
