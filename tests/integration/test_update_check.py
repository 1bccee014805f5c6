"""The opt-in update check against a fake release feed served over loopback by a real HTTP server."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gif_app.app import AppOptions, build_app
from gif_app.providers.release_feed import fetch_latest
from gif_app.settings import SettingsFile
from gif_app.updates import FEED_ENV, FEED_URL, UpdateCheck, feed_url, is_newer
from tests.helpers.fake_feed import FakeFeed, closed_port_url, release_body
from tests.helpers.waiting import wait_until

RUNNING = "1.4.2"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def feed() -> Iterator[FakeFeed]:
    """Return a running fake feed."""
    server = FakeFeed()
    yield server
    server.close()


class Answer:
    """The saved answer to "Check for new versions once a day?", as the settings file would give it."""

    def __init__(self, value: str = "daily") -> None:
        self.value = value

    def __call__(self) -> str:
        return self.value


def make_check(tmp_path: Path, url: str, answer: str = "daily", opened: list[str] | None = None) -> UpdateCheck:
    """Return an update check on a fresh state file, running version RUNNING."""
    sink = opened if opened is not None else []
    return UpdateCheck(tmp_path / "update-check.json", Answer(answer), url, running=RUNNING, open_url=sink.append)


def test_a_newer_version_gives_the_banner_its_version_and_notes_link(tmp_path: Path, feed: FakeFeed) -> None:
    feed.serve(release_body("v1.5.0"))
    banner = make_check(tmp_path, feed.url).check(T0)
    assert banner == {"version": "1.5.0", "name": "Gen Image Factory v1.5.0",
                      "url": "https://example.invalid/gif-app/releases/tag/v1.5.0"}
    assert feed.requests == 1


@pytest.mark.parametrize("tag", ["v1.4.2", "1.4.2", "v1.4.1", "0.9.0", "v1.4.2.post0.dev1"])
def test_the_same_or_an_older_version_shows_nothing(tmp_path: Path, feed: FakeFeed, tag: str) -> None:
    feed.serve(release_body(tag))
    assert make_check(tmp_path, feed.url).check(T0) is None
    assert feed.requests == 1


@pytest.mark.parametrize("body", [
    release_body("v1.5.0", prerelease=True),
    release_body("v1.5.0", draft=True),
    release_body("v1.5.0rc1"),  # a prerelease tag published as a final release is still a prerelease
    release_body("v1.6.0.dev3"),
])
def test_a_prerelease_or_draft_is_ignored(tmp_path: Path, feed: FakeFeed, body: dict[str, object]) -> None:
    feed.serve(body)
    assert make_check(tmp_path, feed.url).check(T0) is None
    assert feed.requests == 1


def _without(key: str) -> dict[str, object]:
    body = release_body("v9.0.0")
    del body[key]
    return body


@pytest.mark.parametrize(("body", "status"), [
    (b"<html>rate limited</html>", 200),
    (b'{"tag_name": "v9.0.0", ', 200),
    (["v9.0.0"], 200),
    (_without("tag_name"), 200),
    (_without("html_url"), 200),
    (_without("prerelease"), 200),
    ({**release_body("v9.0.0"), "html_url": "javascript:alert(1)"}, 200),
    ({**release_body("v9.0.0"), "html_url": "file:///etc/passwd"}, 200),
    ({**release_body("v9.0.0"), "tag_name": "latest-and-greatest"}, 200),
    ({**release_body("v9.0.0"), "tag_name": 9}, 200),
    (release_body("v9.0.0"), 404),
    (release_body("v9.0.0"), 503),
], ids=["html", "cut-json", "list", "no-tag", "no-url", "no-flags", "js-url", "file-url", "bad-tag", "int-tag",
        "http-404", "http-503"])
def test_a_malformed_or_failing_feed_shows_nothing_and_raises_nothing(
        tmp_path: Path, feed: FakeFeed, body: object, status: int, caplog: pytest.LogCaptureFixture) -> None:
    feed.serve(body, status)
    with caplog.at_level(logging.DEBUG, logger="gif_app"):
        assert make_check(tmp_path, feed.url).check(T0) is None
    assert feed.requests == 1
    assert not [r for r in caplog.records if r.levelno > logging.DEBUG], "silence: debug lines only"


def test_offline_shows_nothing(tmp_path: Path) -> None:
    check = make_check(tmp_path, closed_port_url())
    assert check.check(T0) is None
    assert check.load().last_check == T0, "an offline start waits a day like any other"


def test_a_tls_error_a_timeout_and_an_unknown_host_end_in_silence(feed: FakeFeed) -> None:
    assert fetch_latest(feed.url.replace("http://", "https://")) is None  # TLS to a plain HTTP server
    with socket.socket() as listener:  # accepts the connection, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        assert fetch_latest(f"http://127.0.0.1:{listener.getsockname()[1]}/latest", timeout_s=0.3) is None
    assert fetch_latest("http://gif-update-feed.invalid/latest", timeout_s=2.0) is None
    assert fetch_latest("http://[::1/latest") is None  # a malformed GIF_UPDATE_FEED


def test_an_endless_answer_is_cut_off(feed: FakeFeed) -> None:
    feed.serve(b'{"tag_name": "v9.0.0", "body": "' + b"x" * (3 << 20) + b'"}')
    assert fetch_latest(feed.url) is None


@pytest.mark.parametrize("answer", ["ask", "off"])
def test_opted_out_or_not_yet_asked_makes_no_request(tmp_path: Path, feed: FakeFeed, answer: str) -> None:
    feed.serve(release_body("v9.0.0"))
    check = make_check(tmp_path, feed.url, answer=answer)
    assert check.check(T0) is None
    assert check.request() is False
    assert feed.requests == 0
    assert not (tmp_path / "update-check.json").exists()


def test_at_most_one_request_a_day(tmp_path: Path, feed: FakeFeed) -> None:
    feed.serve(release_body("v1.5.0"))
    check = make_check(tmp_path, feed.url)
    assert check.check(T0) is not None
    feed.serve(release_body("v1.6.0"))
    # Within 24 h: no request, and the banner is what the last check found (also after a restart).
    later = make_check(tmp_path, feed.url)
    assert later.check(T0 + timedelta(hours=23, minutes=59)) == check.banner()
    assert later.is_due(T0 + timedelta(hours=12)) is False
    assert feed.requests == 1
    assert later.check(T0 + timedelta(hours=24))["version"] == "1.6.0"  # type: ignore[index]
    assert feed.requests == 2


def test_a_clock_moved_back_does_not_stall_the_check(tmp_path: Path, feed: FakeFeed) -> None:
    feed.serve(release_body("v1.5.0"))
    check = make_check(tmp_path, feed.url)
    check.check(T0)
    check.check(T0 - timedelta(days=3))
    assert feed.requests == 2


def test_dismiss_is_remembered_for_that_version_only(tmp_path: Path, feed: FakeFeed) -> None:
    feed.serve(release_body("v1.5.0"))
    check = make_check(tmp_path, feed.url)
    assert check.check(T0) is not None
    check.dismiss()
    assert check.banner() is None
    assert make_check(tmp_path, feed.url).banner() is None, "remembered across starts"
    feed.serve(release_body("v1.6.0"))
    assert check.check(T0 + timedelta(days=1)) == {"version": "1.6.0", "name": "Gen Image Factory v1.6.0",
                                                   "url": "https://example.invalid/gif-app/releases/tag/v1.6.0"}


def test_release_notes_open_only_the_address_the_feed_named(tmp_path: Path, feed: FakeFeed) -> None:
    opened: list[str] = []
    check = make_check(tmp_path, feed.url, opened=opened)
    assert check.open_release_notes() is None and opened == []
    feed.serve(release_body("v1.5.0"))
    check.check(T0)
    assert check.open_release_notes() == "https://example.invalid/gif-app/releases/tag/v1.5.0"
    assert opened == ["https://example.invalid/gif-app/releases/tag/v1.5.0"]


def test_the_background_check_runs_off_the_callers_thread(tmp_path: Path, feed: FakeFeed) -> None:
    feed.serve(release_body("v1.5.0"))
    check = make_check(tmp_path, feed.url)
    try:
        assert check.request() is True
        wait_until(lambda: not check.is_checking, timeout=15, what="the background check")
        assert check.banner() is not None and feed.requests == 1
        assert check.request() is False, "checked today"
    finally:
        check.shutdown()


def test_the_feed_address_comes_from_the_environment_only() -> None:
    assert feed_url({}) == FEED_URL
    assert feed_url({FEED_ENV: "http://127.0.0.1:9/feed"}) == "http://127.0.0.1:9/feed"
    assert FEED_URL.startswith("https://api.github.com/repos/") and FEED_URL.endswith("/releases/latest")


def test_versions_compare_by_pep440() -> None:
    assert is_newer("v1.10.0", "1.9.3") and is_newer("2.0", "1.99.99")
    assert not is_newer("v1.9.3", "1.10.0") and not is_newer("nightly", "1.0.0")


def test_through_the_api_the_answer_is_a_setting_and_yes_checks_in_the_background(
        tmp_path: Path, feed: FakeFeed) -> None:
    feed.serve(release_body("v999.0.0"))
    opened: list[str] = []
    app = build_app(tmp_path / "home", AppOptions(prefer_keychain=False, start_workers=False,
                                                  environ={FEED_ENV: feed.url}, open_url=opened.append))
    try:
        assert app.api.check_for_update()["data"] == {"ask": True, "is_checking": False, "banner": None}
        assert feed.requests == 0
        assert app.api.answer_update_check("yes")["ok"] is False
        state = app.api.answer_update_check(True)["data"]
        assert state["ask"] is False
        assert SettingsFile(tmp_path / "home" / "settings.json").load().settings["ui"]["update_check"] == "daily"
        banner = wait_until(lambda: app.api.update_status()["data"]["banner"], timeout=15, what="the banner")
        assert banner["version"] == "999.0.0"
        assert app.api.open_release_notes()["data"] == {"url": banner["url"]} and opened == [banner["url"]]
        assert app.api.dismiss_update()["data"]["banner"] is None
        assert app.api.open_release_notes()["ok"] is False
        # Settings can turn it off again; then nothing is shown and nothing asked.
        settings = app.ctx.settings_file.load().settings
        settings["ui"]["update_check"] = "off"
        assert app.api.save_settings(settings)["ok"]
        assert app.api.check_for_update()["data"] == {"ask": False, "is_checking": False, "banner": None}
        assert feed.requests == 1
        # No setting names the feed: whatever the page saves, the check keeps the environment's address.
        settings["ui"]["update_feed"] = "http://attacker.invalid/feed"
        saved = app.api.save_settings(settings)["data"]["settings"]
        assert "update_feed" not in saved["ui"] and app.ctx.services.updates is not None
        assert app.ctx.services.updates.feed == feed.url
    finally:
        app.close()
