"""Helpers of the browser tests: the pywebview bridge stand-in, the file-dialog stand-in, the UI driver."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, expect

from gif_app.api import Api
from gif_app.api.surface import exposed_functions

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"

# pywebview injects window.pywebview.api, fills it in, then fires `pywebviewready`; do the same so the
# page's bridge takes the path it takes in the real window.
_BRIDGE_JS = """
(() => {
  const names = %s;
  window.pywebview = { api: {} };
  const install = () => {
    for (const name of names) {
      window.pywebview.api[name] = (...args) => window['__gif_' + name](...args);
    }
    window.dispatchEvent(new CustomEvent('pywebviewready'));
  };
  // A test of a slow host holds the bridge back until it calls window.__gif_release_bridge().
  if (%s) { window.__gif_release_bridge = install; return; }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', install);
  else install();
})();
"""


class PickedPaths:
    """Stands in for the OS file dialog (the window edge): answers with queued paths, records the asks."""

    def __init__(self) -> None:
        self.answers: list[str | None] = []
        self.asked: list[tuple[str, list[str], str]] = []
        self.save_answers: list[str | None] = []
        self.save_asked: list[tuple[str, list[str], str]] = []
        self.many_answers: list[list[str]] = []
        self.many_asked: list[list[str]] = []
        self.confirm_answers: list[bool] = []
        self.confirm_asked: list[tuple[str, str]] = []

    def pick_path(self, kind: str, file_types: list[str], current: str) -> str | None:
        """Return the next queued answer (None = cancelled)."""
        self.asked.append((kind, file_types, current))
        return self.answers.pop(0) if self.answers else None

    def pick_paths(self, file_types: list[str]) -> list[str]:
        """Return the next queued list of files (empty = cancelled) and record the ask."""
        self.many_asked.append(file_types)
        return self.many_answers.pop(0) if self.many_answers else []

    def confirm(self, title: str, message: str) -> bool:
        """Return the next queued yes/no (no when none is queued) and record the question."""
        self.confirm_asked.append((title, message))
        return self.confirm_answers.pop(0) if self.confirm_answers else False

    def save_path(self, suggested_name: str, file_types: list[str], folder: str) -> str | None:
        """Return the next queued save answer (None = cancelled) and record the ask."""
        self.save_asked.append((suggested_name, file_types, folder))
        return self.save_answers.pop(0) if self.save_answers else None


def _relay(method: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        # pywebview moves arguments and results as JSON; do the same so nothing passes that would not.
        return json.loads(json.dumps(method(*json.loads(json.dumps(args)))))

    return call


def install_bridge(page: Page, api: Api, *, is_held: bool = False) -> list[str]:
    """Expose exactly the functions the window registers (the same list) as window.pywebview.api.<name>;
    `is_held` leaves them out until the page calls window.__gif_release_bridge() (a host slow to start)."""
    names = []
    for function in exposed_functions(api):
        page.expose_function(f"__gif_{function.__name__}", _relay(function))
        names.append(function.__name__)
    page.add_init_script(_BRIDGE_JS % (json.dumps(names), json.dumps(is_held)))
    return names


class UI:
    """Navigate the page and find things by their data-testid."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def open(self, path: str, view: str | None = None) -> Locator:
        """Load the app at `#/<path>` and wait until the view (default: the path's first part) has mounted."""
        url = f"{self.base_url}#/{path}"
        if self.page.url.startswith(self.base_url):
            # Same document: a hash change alone would keep the page's state; open it afresh instead.
            self.page.goto("about:blank")
        self.page.goto(url)
        return self.wait_view(view or path.split("/")[0])

    def wait_view(self, view: str) -> Locator:
        """Wait for view `view` to be shown and loaded; return it."""
        section = self.page.get_by_test_id(f"view-{view}")
        expect(section).to_be_visible()
        expect(section).not_to_have_attribute("aria-busy", "true")
        return section

    def reload(self, view: str) -> Locator:
        """Reload the page and wait for `view` again."""
        self.page.reload()
        return self.wait_view(view)

    def by(self, testid: str) -> Locator:
        """Return the element with this data-testid."""
        return self.page.get_by_test_id(testid)

    def field(self, key: str) -> Locator:
        """Return the input of setting `key`."""
        return self.by(f"field-{key}")

    def tab(self, section: str) -> None:
        """Open a settings tab."""
        self.by(f"settings-tab-{section}").click()
        expect(self.by(f"settings-tab-{section}")).to_have_attribute("aria-selected", "true")

    def toast(self, text: str) -> Locator:
        """Return the toast(s) containing `text`."""
        return self.by("toast").filter(has_text=text)
