"""Force stop ends a provider call that is already in flight, instead of waiting for the vendor."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gif_app.domain import CancelToken
from gif_app.errors import CancelledError
from gif_app.providers.base import RenderRequest
from gif_app.providers.factory import build_image_generator, build_text_model
from gif_app.sandbox.servers import SandboxConfig, SandboxServers

SLOW_S = 20.0


@pytest.fixture
def slow_sandbox() -> Iterator[SandboxServers]:
    servers = SandboxServers.start(SandboxConfig(latency={"runware": SLOW_S, "openai": SLOW_S}))
    try:
        yield servers
    finally:
        servers.stop()


def _abort_when_in_flight(servers: SandboxServers, vendor: str, cancel: CancelToken) -> threading.Thread:
    def watch() -> None:
        seen = threading.Event()
        deadline = time.monotonic() + 10
        while servers.request_count(vendor) == 0 and time.monotonic() < deadline:
            seen.wait(0.01)
        cancel.request_abort()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def _timed(call: Callable[[], object]) -> float:
    started = time.monotonic()
    with pytest.raises(CancelledError):
        call()
    return time.monotonic() - started


def test_force_stop_ends_a_runware_render_in_flight(slow_sandbox: SandboxServers, tmp_path: Path) -> None:
    generator = build_image_generator("runware", api_key="k-12345678", base_url=slow_sandbox.base_urls["runware"],
                                      timeout_s=60, retries=2, backoff_s=0.1, poll_interval_s=0.1,
                                      poll_timeout_s=60)
    cancel = CancelToken()
    _abort_when_in_flight(slow_sandbox, "runware", cancel)
    elapsed = _timed(lambda: generator.render(RenderRequest(prompt="a red apple on a table", count=1), cancel))
    assert elapsed < SLOW_S / 4
    assert slow_sandbox.request_count("runware", "/v1") == 1  # no retry after a force stop


def test_force_stop_ends_an_openai_call_in_flight(slow_sandbox: SandboxServers) -> None:
    model = build_text_model("sk-test-12345678", slow_sandbox.base_urls["openai"], "gpt-4o-mini", 60, 2)
    cancel = CancelToken()
    _abort_when_in_flight(slow_sandbox, "openai", cancel)
    elapsed = _timed(lambda: model.write_prompt("Write prompts.", "Keyword: apple", cancel))
    assert elapsed < SLOW_S / 4
