"""The opt-in update check: asked once, at most daily, in the background; it only ever tells, never installs.

The answer is the setting `ui.update_check` ("ask" until the user answers, then "daily" or "off"); while
it is not "daily" no request is made. The feed's address is a constant that only the environment variable
GIF_UPDATE_FEED replaces: no setting holds it, so a page script cannot point the app at a host. What the
last check found, when it ran and which version the user dismissed live in `update-check.json` in the
app home. The release-notes page opened in the system browser is the one the feed named, never an
address from the page.
"""

from __future__ import annotations

import json
import logging
import threading
import webbrowser
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from gif_app import __version__
from gif_app.providers.release_feed import FEED_TIMEOUT_S, Release, fetch_latest, is_web_url
from gif_app.worker import Worker

log = logging.getLogger(__name__)

# The project's release feed (GitHub Releases API). GIF_UPDATE_FEED replaces it (tests, a mirror).
FEED_URL = "https://api.github.com/repos/gen-image-factory/gif-app/releases/latest"
FEED_ENV = "GIF_UPDATE_FEED"
CHECK_INTERVAL = timedelta(days=1)
STATE_FILE_NAME = "update-check.json"
SETTING = "update_check"  # in the "ui" section: ask | daily | off

Clock = Callable[[], datetime]
Fetch = Callable[[str], Release | None]


def utc_now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


def feed_url(environ: Mapping[str, str]) -> str:
    """Return the feed address: GIF_UPDATE_FEED when set, else the project's."""
    return environ.get(FEED_ENV, "").strip() or FEED_URL


def is_newer(tag: str, running: str = __version__) -> bool:
    """Return True when `tag` (v-prefix allowed) names a final release above the running version."""
    try:
        candidate, current = Version(tag), Version(running)
    except InvalidVersion:
        log.debug("update check: %r or %r is not a version; ignored", tag, running)
        return False
    # A tag such as 0.3.0rc1 published as a final release is still a prerelease to us.
    return not (candidate.is_prerelease or candidate.is_devrelease) and candidate > current


@dataclass(frozen=True)
class UpdateState:
    """What the check remembers between starts."""

    last_check: datetime | None = None
    latest: Release | None = None  # the newer release the last check found
    dismissed: str | None = None  # the tag the user dismissed

    def to_json(self) -> dict[str, Any]:
        """Return the JSON-ready form."""
        return {"last_check": self.last_check.isoformat() if self.last_check else None,
                "latest": self.latest.to_dict() if self.latest else None, "dismissed": self.dismissed}

    @classmethod
    def from_json(cls, data: Any) -> UpdateState:
        """Read a stored state; anything unreadable is forgotten (the next check starts afresh)."""
        if not isinstance(data, dict):
            return cls()
        try:
            last = datetime.fromisoformat(data["last_check"]) if data.get("last_check") else None
            raw = data.get("latest")
            latest = Release(tag=str(raw["tag"]), url=str(raw["url"]), name=str(raw.get("name", ""))) if raw else None
        except (KeyError, TypeError, ValueError):
            return cls()
        if last is not None and last.tzinfo is None:
            last = last.replace(tzinfo=UTC)
        if latest is not None and not is_web_url(latest.url):
            latest = None
        dismissed = data.get("dismissed")
        return cls(last_check=last, latest=latest, dismissed=dismissed if isinstance(dismissed, str) else None)


class UpdateCheck:
    """Decides when to ask the feed, remembers the answer, and serves the banner's facts to the API."""

    def __init__(self, state_file: Path, answer: Callable[[], str], feed: str, *, clock: Clock = utc_now,
                 fetch: Fetch = fetch_latest, open_url: Callable[[str], object] | None = None,
                 running: str = __version__) -> None:
        self.state_file = state_file
        self._answer = answer  # the saved ui.update_check
        self.feed = feed
        self._clock = clock
        self._fetch = fetch
        self._open_url = open_url or webbrowser.open
        self.running = running
        self._lock = threading.Lock()
        self._state_lock = threading.RLock()  # the worker and the page's calls both rewrite the state file
        self._is_queued = False
        self._worker: Worker[str] = Worker("gif-update-check", self._run)

    @property
    def is_enabled(self) -> bool:
        """Return True when the user said yes."""
        return self._answer() == "daily"

    @property
    def is_asked(self) -> bool:
        """Return True once the user answered (yes or no)."""
        return self._answer() != "ask"

    @property
    def is_checking(self) -> bool:
        """Return True while a background check is queued or running."""
        with self._lock:
            return self._is_queued

    def is_due(self, now: datetime | None = None) -> bool:
        """Return True when the check is on and the last one is a day old or more (or never ran)."""
        if not self.is_enabled:
            return False
        last = self.load().last_check
        current = now or self._clock()
        # A last check in the future (the clock was moved back) counts as due, or the check would stall.
        return last is None or last > current or current - last >= CHECK_INTERVAL

    def check(self, now: datetime | None = None) -> dict[str, str] | None:
        """Ask the feed if the check is on and due; return the banner's facts (None: nothing to show)."""
        current = now or self._clock()
        if not self.is_due(current):
            return self.banner()
        # Recorded before asking: an offline start or a broken feed waits a day like a good answer.
        self._update(last_check=current)
        release = self._fetch(self.feed)
        if release is not None:
            self._update(latest=release if is_newer(release.tag, self.running) else None)
            log.debug("update check: the feed's latest is %s (running %s)", release.tag, self.running)
        return self.banner()

    def request(self) -> bool:
        """Queue a background check when it is on and due; return True if one is queued or running."""
        with self._lock:
            if self._is_queued:
                return True
            if not self.is_due():
                return False
            self._is_queued = True
        self._worker.submit("check")
        return True

    def banner(self) -> dict[str, str] | None:
        """Return {version, name, url} of a newer release the user has not dismissed, when the check is on."""
        state = self.load()
        latest = state.latest
        if not self.is_enabled or latest is None or latest.tag == state.dismissed:
            return None
        if not is_newer(latest.tag, self.running):  # the app was updated since that check
            return None
        return {"version": latest.tag.removeprefix("v"), "name": latest.name, "url": latest.url}

    def dismiss(self) -> None:
        """Hide the banner of the release it shows now, for that version only."""
        with self._state_lock:
            latest = self.load().latest
            if latest is not None:
                self._update(dismissed=latest.tag)

    def open_release_notes(self) -> str | None:
        """Open the release notes the check found in the system browser; return the address (None: none)."""
        shown = self.banner()
        if shown is None:
            return None
        self._open_url(shown["url"])
        return shown["url"]

    def load(self) -> UpdateState:
        """Return the stored state (empty when missing or unreadable)."""
        try:
            return UpdateState.from_json(json.loads(self.state_file.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return UpdateState()

    def shutdown(self) -> None:
        """Stop the background thread (a check in flight ends by its timeout)."""
        self._worker.stop(timeout=2 * FEED_TIMEOUT_S)

    def _run(self, _item: str) -> None:
        try:
            self.check()
        finally:
            with self._lock:
                self._is_queued = False

    def _update(self, **changes: Any) -> None:
        with self._state_lock:
            self._save(replace(self.load(), **changes))

    def _save(self, state: UpdateState) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        try:
            tmp.write_text(json.dumps(state.to_json()), encoding="utf-8")
            tmp.replace(self.state_file)
        except OSError as exc:
            log.debug("update check: could not write %s: %s", self.state_file, exc)
