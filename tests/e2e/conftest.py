"""Browser tests: an installed Chromium (tests/helpers/chromium.py) drives the real page, Flask server and Api."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from e2e_support import UI, PickedPaths, install_bridge
from playwright.sync_api import Page

from gif_app.app import App, AppOptions, build_app
from gif_app.dialogs import Dialogs
from tests.helpers.chromium import chromium_executable


@pytest.fixture(scope="session")
def base_url() -> None:
    """Replace pytest-base-url's fixture (an instance-method fixture newer pytest warns about); unused here."""
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch the installed Chromium headless (never a downloaded browser); none: skip, or fail under CI."""
    return {
        **browser_type_launch_args,
        "executable_path": str(chromium_executable()),
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """Use the desktop window's size."""
    return {**browser_context_args, "viewport": {"width": 1280, "height": 840}}


@pytest.fixture
def app_home(tmp_path: Path) -> Path:
    """Return a fresh app home folder."""
    return tmp_path / "home"


@pytest.fixture
def picked_paths() -> PickedPaths:
    """Return the stand-in for the native file dialog."""
    return PickedPaths()


AppFactory = Callable[..., App]


@pytest.fixture
def make_gif(app_home: Path, picked_paths: PickedPaths) -> Iterator[AppFactory]:
    """Return a builder of the real app on `app_home` (keys in a file there, no host env vars)."""
    built: list[App] = []

    def make(environ: Mapping[str, str] | None = None, dialogs: Dialogs | None = None,
             is_sandbox: bool = False) -> App:
        options = AppOptions(prefer_keychain=False, environ=dict(environ or {}), dialogs=dialogs or picked_paths,
                             is_sandbox=is_sandbox)
        app = build_app(app_home, options)
        built.append(app)
        return app

    yield make
    for app in built:
        app.close()


@pytest.fixture
def app_environ() -> dict[str, str]:
    """Return the environment the app sees (parametrize it to set keys through env vars)."""
    return {}


@pytest.fixture
def app_is_sandbox() -> bool:
    """Return whether the app runs against the sandbox vendors (parametrize to turn it on)."""
    return False


@pytest.fixture
def gif(make_gif: AppFactory, app_environ: dict[str, str], app_is_sandbox: bool) -> App:
    """Return the built app (file key store, the given environment, sandbox or not)."""
    return make_gif(environ=app_environ, is_sandbox=app_is_sandbox)


@pytest.fixture
def page_url(gif: App) -> str:
    """Start the app's server and return its base URL."""
    return gif.start_server()


@pytest.fixture
def ui(page: Page, gif: App, page_url: str) -> UI:
    """Return the UI helper on a page bridged to the app's real Api."""
    install_bridge(page, gif.api)
    return UI(page, page_url)
