"""The window's backend per OS, and the decision that Windows has the WebView2 runtime (from registry values)."""

from __future__ import annotations

import pytest

from gif_app.cli.entry import main
from gif_app.webview_runtime import (
    EXIT_NO_WEBVIEW2,
    MISSING_WEBVIEW2,
    WEBVIEW2_KEYS,
    WEBVIEW2_URL,
    ensure_webview_runtime,
    gui_backend,
    is_webview2_present,
)


class Registry:
    """A registry of given values, answering like `read_windows_registry`, recording what was read."""

    def __init__(self, values: dict[tuple[str, str, str], str]) -> None:
        self.values = values
        self.reads: list[tuple[str, str, str]] = []

    def __call__(self, hive: str, key: str, name: str) -> str | None:
        self.reads.append((hive, key, name))
        return self.values.get((hive, key, name))


class Boxes:
    """Records the message boxes that would be shown."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []

    def __call__(self, title: str, text: str) -> None:
        self.shown.append((title, text))


@pytest.mark.parametrize(("platform", "backend"), [
    ("win32", "edgechromium"), ("darwin", "cocoa"), ("linux", "qt"), ("cygwin", None),
])
def test_the_backend_is_chosen_per_platform_never_mshtml(platform: str, backend: str | None) -> None:
    assert gui_backend(platform) == backend


def _at(hive: str, version: str) -> Registry:
    key = next(k for h, k in WEBVIEW2_KEYS if h == hive)
    return Registry({(hive, key, "pv"): version})


@pytest.mark.parametrize(("registry", "is_present"), [
    (Registry({}), False),
    (_at("HKLM", "124.0.2478.80"), True),
    (_at("HKCU", "124.0.2478.80"), True),  # a per-user install counts
    (_at("HKLM", ""), False),  # an uninstall leaves the key with an empty version
    (_at("HKLM", "0.0.0.0"), False),
    (_at("HKCU", "  "), False),
])
def test_webview2_presence_follows_the_pv_value(registry: Registry, is_present: bool) -> None:
    assert is_webview2_present(registry) is is_present


def test_every_documented_location_is_read_and_the_wow_node_first() -> None:
    registry = Registry({})
    is_webview2_present(registry)
    keys = [(hive, key) for hive, key, _ in registry.reads]
    assert keys == list(WEBVIEW2_KEYS)
    assert "WOW6432Node" in keys[0][1]
    assert all(key.endswith(r"EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}") for key in
               (k for _, k in keys))


def test_missing_runtime_on_windows_shows_the_download_link(capsys: pytest.CaptureFixture[str]) -> None:
    boxes = Boxes()
    assert ensure_webview_runtime("win32", Registry({}), boxes) is False
    assert len(boxes.shown) == 1 and WEBVIEW2_URL in boxes.shown[0][1]
    assert WEBVIEW2_URL in capsys.readouterr().err


def test_present_runtime_or_another_os_shows_nothing() -> None:
    boxes = Boxes()
    assert ensure_webview_runtime("win32", _at("HKLM", "124.0.2478.80"), boxes) is True
    registry = Registry({})
    assert ensure_webview_runtime("darwin", registry, boxes) is True
    assert ensure_webview_runtime("linux", registry, boxes) is True
    assert boxes.shown == [] and registry.reads == []  # only Windows asks the registry


def test_the_window_command_stops_before_building_anything(monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    import gif_app.webview_runtime as runtime

    boxes = Boxes()
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")  # has a display, so only the runtime check can stop it
    monkeypatch.setattr(runtime.sys, "platform", "win32")
    monkeypatch.setattr(runtime, "read_windows_registry", Registry({}))
    monkeypatch.setattr(runtime, "show_error_box", boxes)
    assert main([]) == EXIT_NO_WEBVIEW2
    assert boxes.shown == [("Gen Image Factory: WebView2 is missing", MISSING_WEBVIEW2)]
    assert "WebView2 Runtime" in capsys.readouterr().err
