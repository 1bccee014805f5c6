"""Start and stop the four sandbox servers (werkzeug, one daemon thread each) and serve them from the CLI."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, TextIO

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from gif_app.sandbox import openai_api, piapi, removebg, runware
from gif_app.sandbox.config import VENDORS, SandboxConfig
from gif_app.sandbox.state import BilledRequest, RecordedRequest, SandboxState

__all__ = ["SandboxConfig", "SandboxServers", "serve"]

logger = logging.getLogger(__name__)

_APP_FACTORIES: dict[str, Callable[[SandboxState], Flask]] = {
    "runware": runware.create_app,
    "piapi": piapi.create_app,
    "openai": openai_api.create_app,
    "removebg": removebg.create_app,
}
# What a client appends to the server root to get its base URL (the openai SDK wants ".../v1").
_BASE_SUFFIX = {"runware": "", "piapi": "", "openai": "/v1", "removebg": ""}


class _QuietHandler(WSGIRequestHandler):
    """Send werkzeug's per-request lines to our debug log instead of stderr."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log one request line at debug level."""
        logger.debug("sandbox %s %s -> %s", self.command, self.path, code)

    def log(self, type: str, message: str, *args: Any) -> None:  # noqa: A002 - werkzeug's signature
        """Log werkzeug's messages at debug level."""
        logger.debug("sandbox werkzeug %s: " + message, type, *args)


class SandboxServers:
    """The four running sandbox servers; use `start()`, then `stop()` or a `with` block."""

    def __init__(self, state: SandboxState, servers: dict[str, BaseWSGIServer]) -> None:
        self._state = state
        self._servers = servers
        self._threads: list[threading.Thread] = []
        self.base_urls: dict[str, str] = {
            vendor: f"http://{server.host}:{server.port}{_BASE_SUFFIX[vendor]}" for vendor, server in servers.items()
        }

    @property
    def config(self) -> SandboxConfig:
        """Return the live config: changes apply to the next request."""
        return self._state.config

    @property
    def ports(self) -> dict[str, int]:
        """Return each vendor's port."""
        return {vendor: server.port for vendor, server in self._servers.items()}

    @classmethod
    def start(cls, config: SandboxConfig | None = None, host: str = "127.0.0.1", port: int = 0) -> SandboxServers:
        """Start all four servers (port 0 = free ports; else port..port+3) and return once they listen."""
        state = SandboxState(config if config is not None else SandboxConfig())
        servers: dict[str, BaseWSGIServer] = {}
        try:
            for offset, vendor in enumerate(VENDORS):
                app = _APP_FACTORIES[vendor](state)
                servers[vendor] = make_server(
                    host, port + offset if port else 0, app, threaded=True, request_handler=_QuietHandler
                )
        except BaseException:
            for server in servers.values():
                server.server_close()
            raise
        sandbox = cls(state, servers)
        for vendor, server in servers.items():
            # A short poll interval makes stop() quick (shutdown waits for the loop's next poll).
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"sandbox-{vendor}", daemon=True
            )
            thread.start()
            sandbox._threads.append(thread)
        logger.info("sandbox servers started: %s", sandbox.base_urls)
        return sandbox

    def stop(self) -> None:
        """Wake any delayed responses, stop the servers and join their threads."""
        self._state.stop_event.set()
        # shutdown() blocks until that server's loop notices; ask all four at once.
        stoppers = [threading.Thread(target=server.shutdown) for server in self._servers.values()]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join(timeout=5)
        for server in self._servers.values():
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()
        logger.info("sandbox servers stopped")

    def request_count(self, vendor: str, path_prefix: str = "") -> int:
        """Return how many requests the vendor's server received under `path_prefix`."""
        return self._state.request_count(vendor, path_prefix)

    def requests(self, vendor: str | None = None) -> list[RecordedRequest]:
        """Return the request log, optionally for one vendor."""
        return self._state.requests(vendor)

    def billed(self, vendor: str | None = None) -> list[BilledRequest]:
        """Return what the sandbox charged for, per request, optionally for one vendor."""
        return self._state.billed(vendor)

    def images_seen(self, vendor: str) -> list[bytes]:
        """Return the images the vendor's vision requests carried (decoded data URLs), in arrival order."""
        return self._state.images_seen(vendor)

    def sends(self, vendor: str) -> list[str]:
        """Return the ids of the vendor's paid requests as they arrived, repeats included (Runware: taskUUIDs)."""
        return self._state.sends(vendor)

    def forget_task(self, vendor: str, request_id: str) -> None:
        """Make a vendor answer one task (Runware taskUUID, PiAPI task id) as unknown, as once its record is gone."""
        self._state.forget(vendor, request_id)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every request the servers hold has been answered; return whether they are idle."""
        return self._state.wait_idle(timeout)

    def billed_images(self, vendor: str | None = None) -> int:
        """Return how many images the sandbox charged for, optionally for one vendor."""
        return sum(b.images for b in self._state.billed(vendor))

    def reset(self) -> None:
        """Forget the request log and restart fault counting at request 1."""
        self._state.reset_counters()

    def credits_left(self) -> float:
        """Return the remove.bg sandbox credit balance."""
        return self._state.credits_left()

    def __enter__(self) -> SandboxServers:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def serve(
    port: int = 0,
    config: SandboxConfig | None = None,
    stop_event: threading.Event | None = None,
    out: TextIO = sys.stdout,
) -> None:
    """Run the sandbox servers, print "<vendor> <base URL>" per vendor, and block until stopped or Ctrl+C."""
    stop = stop_event if stop_event is not None else threading.Event()
    with SandboxServers.start(config, port=port) as sandbox:
        for vendor, url in sandbox.base_urls.items():
            out.write(f"{vendor} {url}\n")
        out.flush()
        try:
            # A bounded wait in a loop keeps Ctrl+C responsive on every platform.
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            logger.info("sandbox interrupted")
