"""Starting, serving and stopping the sandbox, and the demo inputs a sandbox run starts from."""

from __future__ import annotations

import csv
import io
import socket
import threading
from pathlib import Path

import httpx

from gif_app.sandbox import SandboxConfig, SandboxServers, serve
from gif_app.sandbox.demo import write_demo_inputs


class SignallingOutput(io.StringIO):
    """A text sink that tells the test when the server has flushed its URL lines."""

    def __init__(self) -> None:
        super().__init__()
        self.flushed = threading.Event()

    def flush(self) -> None:
        super().flush()
        self.flushed.set()


def free_port_block(count: int = 4) -> int:
    """Return a port p such that p..p+count-1 were free a moment ago."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = int(probe.getsockname()[1])
        if base + count > 65535:
            continue
        sockets = [socket.socket() for _ in range(count)]
        try:
            for offset, sock in enumerate(sockets):
                sock.bind(("127.0.0.1", base + offset))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise AssertionError("no block of free ports")


def test_base_urls_are_what_each_client_uses() -> None:
    with SandboxServers.start() as sandbox:
        urls = sandbox.base_urls
        assert set(urls) == {"runware", "piapi", "openai", "removebg"}
        assert all(url.startswith("http://127.0.0.1:") for url in urls.values())
        assert urls["openai"].endswith("/v1")
        assert len(set(sandbox.ports.values())) == 4
        account = httpx.get(urls["removebg"] + "/v1.0/account", headers={"X-Api-Key": "k"})
        assert account.status_code == 200


def test_explicit_port_uses_four_consecutive_ports_and_stop_frees_them() -> None:
    port = free_port_block()
    sandbox = SandboxServers.start(port=port)
    try:
        assert sandbox.ports == {"runware": port, "piapi": port + 1, "openai": port + 2, "removebg": port + 3}
        assert sandbox.base_urls["openai"] == f"http://127.0.0.1:{port + 2}/v1"
    finally:
        sandbox.stop()
    with socket.socket() as again:
        again.bind(("127.0.0.1", port))


def test_unknown_paths_answer_in_the_vendor_envelope() -> None:
    with SandboxServers.start() as sandbox:
        answer = httpx.get(sandbox.base_urls["openai"] + "/nothing")
        assert answer.status_code == 404
        assert "error" in answer.json()
        assert "errors" in httpx.get(sandbox.base_urls["runware"] + "/v2").json()


def test_serve_prints_one_line_per_vendor_and_stops_on_the_event() -> None:
    out = SignallingOutput()
    stop = threading.Event()
    runner = threading.Thread(target=serve, kwargs={"config": SandboxConfig(), "stop_event": stop, "out": out})
    runner.start()
    try:
        assert out.flushed.wait(10)
        lines = out.getvalue().splitlines()
        assert [line.split(" ")[0] for line in lines] == ["runware", "piapi", "openai", "removebg"]
        openai_url = lines[2].split(" ")[1]
        answer = httpx.post(openai_url + "/chat/completions", headers={"Authorization": "Bearer k"},
                            json={"model": "gpt-4o", "messages": [{"role": "user", "content": "Keyword: kiwi"}]})
        assert "kiwi" in answer.json()["choices"][0]["message"]["content"]
    finally:
        stop.set()
        runner.join(10)
    assert not runner.is_alive()


def test_demo_inputs_are_written_and_readable(tmp_path: Path) -> None:
    paths = write_demo_inputs(tmp_path / "demo")
    assert set(paths) == {"keywords_txt", "keywords_csv", "template"}
    keywords = paths["keywords_txt"].read_text(encoding="utf-8").splitlines()
    assert len(keywords) == 10 and all(keywords)
    with paths["keywords_csv"].open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and set(rows[0]) == {"Subject", "Style", "Mood"}
    template = paths["template"].read_text(encoding="utf-8")
    assert all(f"${{{{{column}}}}}" in template for column in ("Subject", "Style", "Mood"))
