"""A loopback model server that sends the first part of a large file and then stalls until released."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FIRST_PART = 3 << 20  # more than one read chunk, so progress is reported before the stall
TOTAL = 40 << 20


class StallingServer:
    """Serves `<name>.onnx` as a large file: sends its first part, then stalls until released."""

    def __init__(self) -> None:
        self.release = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                self.send_response(200)
                self.send_header("Content-Length", str(TOTAL))
                self.end_headers()
                try:
                    self.wfile.write(b"\0" * FIRST_PART)
                    self.wfile.flush()
                except OSError:
                    return
                owner.release.wait(30)  # the stall: only the test's end lets it go

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's signature
                """Keep test output quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}/"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        """Release the stalled answer and stop serving."""
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
