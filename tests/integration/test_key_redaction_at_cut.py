"""A vendor error body is redacted before it is cut: a key the cut would split leaves no fragment anywhere."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gif_app.app import App, AppOptions, build_app
from gif_app.errors import AppError
from gif_app.providers.base import RenderRequest
from gif_app.providers.http import ERROR_TEXT_LIMIT
from gif_app.providers.piapi import PiapiMidjourney
from gif_app.providers.removebg import RemoveBgRemover
from gif_app.providers.runware import RunwareGenerator
from tests.integration.loopback_http import LoopbackServer, Reply
from tests.integration.retry_support import Done, failed_job, retries_of

# 82 characters, as the key measured leaking (35 of them reached the log).
KEY = "rb_live_" + "Q7m2Xk9pL4vN8sT1wZ6cR3yH5bJ0dF2gA7eU9iO4kM6nP8qS1tV3xW5zY7aC9eG2iK4mO6q"
FRAGMENT = 8  # no run of this many characters of the key may show


def _echo(body: str) -> LoopbackServer:
    """A loopback server that answers every request with a 500 whose body is `body`."""
    data = body.encode()
    return LoopbackServer(lambda path, headers: Reply(500, data, {"Content-Type": "text/plain"}))


def _straddling_body() -> str:
    cut_inside = 35  # this many characters of the key fall before the cut
    return "E" * (ERROR_TEXT_LIMIT - cut_inside) + KEY + " request id 42"


@pytest.fixture
def echo() -> Iterator[LoopbackServer]:
    """Return the server answering with the key across the cut."""
    server = _echo(_straddling_body())
    try:
        yield server
    finally:
        server.close()


def _fragments_in(text: str) -> list[str]:
    return [KEY[i:i + FRAGMENT] for i in range(len(KEY) - FRAGMENT + 1) if KEY[i:i + FRAGMENT] in text]


def test_the_body_really_puts_the_key_across_the_cut() -> None:
    body = _straddling_body()
    assert body.index(KEY) < ERROR_TEXT_LIMIT < body.index(KEY) + len(KEY)


@pytest.mark.parametrize("adapter", ["removebg", "piapi", "runware"])
def test_the_error_message_shows_no_fragment_of_the_key(echo: LoopbackServer, adapter: str) -> None:
    with pytest.raises(AppError) as caught:
        if adapter == "removebg":
            RemoveBgRemover(KEY, echo.url, timeout_s=5.0, retries=0, size="preview").remove(b"x", "a.png")
        elif adapter == "piapi":
            PiapiMidjourney(KEY, echo.url, timeout_s=5.0, retries=0).render(RenderRequest(prompt="apple"))
        else:
            RunwareGenerator(KEY, echo.url, timeout_s=5.0, retries=0).render(RenderRequest(prompt="apple"))
    message = caught.value.message
    assert "EEEE" in message  # the vendor's text is shown, up to the cut
    assert _fragments_in(message) == [], message


def test_job_log_rows_and_the_log_file_show_no_fragment_of_the_key(tmp_path: Path, echo: LoopbackServer) -> None:
    app: App = build_app(tmp_path / "home", AppOptions(prefer_keychain=False, start_workers=False,
                                                         environ={"REMOVE_BG_API_KEY": KEY}))
    try:
        ids = failed_job(app, "apples", {"providers.removebg_base_url": echo.url,
                                         "parameters.generation_retries": 1,
                                         "parameters.generation_retry_backoff_ms": 0}, images=1)
        done = Done(app)
        retries_of(app).start_worker()
        assert app.api.retry_images(ids, "modified", {"remove_bg": True, "remover": "removebg",
                                                      "remove_bg_size": "preview"}, False, ["remove_bg"])["ok"]
        done.wait(1)
        execution_id = app.repo.get_image(ids[0]).execution_id
        rows = app.repo.logs_of_execution(execution_id)
        texts = [f"{r.message} {r.data}" for r in rows]
        assert any("EEEE" in t for t in texts), texts  # the vendor's words did reach the job log
        assert [t for t in texts if _fragments_in(t)] == []
        log_text = (app.home.logs / "gif-app.log").read_text(encoding="utf-8")
        assert "EEEE" in log_text
        assert _fragments_in(log_text) == []
    finally:
        app.close()
