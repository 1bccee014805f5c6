"""Which web view backend the window uses on each OS, and the check that Windows has the WebView2 runtime."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Literal

log = logging.getLogger(__name__)

GuiBackend = Literal["qt", "edgechromium", "cocoa"]
# (hive, key, value name) -> the value as text, or None when the key or value is absent.
RegistryReader = Callable[[str, str, str], str | None]

EXIT_NO_WEBVIEW2 = 3  # the window cannot open: nothing ran
WEBVIEW2_URL = "https://developer.microsoft.com/microsoft-edge/webview2/"
WEBVIEW2_CLIENT = r"Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"
# Where the Evergreen runtime registers its version (`pv`): per machine (64-bit, then 32-bit Windows), per user.
WEBVIEW2_KEYS: tuple[tuple[str, str], ...] = (
    ("HKLM", rf"SOFTWARE\WOW6432Node\{WEBVIEW2_CLIENT}"),
    ("HKLM", rf"SOFTWARE\{WEBVIEW2_CLIENT}"),
    ("HKCU", rf"Software\{WEBVIEW2_CLIENT}"),
)
MISSING_WEBVIEW2 = (
    "Gen Image Factory needs the Microsoft Edge WebView2 Runtime to show its window, and it is not installed.\n\n"
    f"Install the \"Evergreen Bootstrapper\" from {WEBVIEW2_URL} and start Gen Image Factory again.\n\n"
    "The command line (gif-app-cli) works without it."
)


def gui_backend(platform: str) -> GuiBackend | None:
    """Return the pywebview backend for `platform` (sys.platform): never left to pywebview's fallbacks.

    On Windows pywebview's own choice falls back to MSHTML (Internet Explorer) without WebView2, which shows a
    blank window: the app asks for WebView2 (edgechromium) and checks the runtime first.
    """
    if platform == "win32":
        return "edgechromium"
    if platform == "darwin":
        return "cocoa"
    if platform.startswith("linux"):
        return "qt"
    return None


def is_webview2_present(read: RegistryReader) -> bool:
    """Return True when one of WebView2's registry keys holds a real version (`pv` not empty, not 0.0.0.0)."""
    for hive, key in WEBVIEW2_KEYS:
        version = (read(hive, key, "pv") or "").strip()
        if version and version != "0.0.0.0":
            return True
    return False


def read_windows_registry(hive: str, key: str, name: str) -> str | None:
    """Return a registry value as text, or None when the key or the value is missing (or not on Windows)."""
    if sys.platform != "win32":
        return None
    import winreg

    root = winreg.HKEY_LOCAL_MACHINE if hive == "HKLM" else winreg.HKEY_CURRENT_USER
    try:
        with winreg.OpenKey(root, key, 0, winreg.KEY_READ | winreg.KEY_WOW64_64KEY) as handle:
            value, _kind = winreg.QueryValueEx(handle, name)
    except OSError:
        return None
    return str(value)


def show_error_box(title: str, text: str) -> None:
    """Show a native Windows message box (the window itself cannot open); elsewhere nothing."""
    if sys.platform != "win32":
        return
    import ctypes

    mb_ok_iconerror = 0x00000010
    ctypes.windll.user32.MessageBoxW(None, text, title, mb_ok_iconerror)


def ensure_webview_runtime(platform: str | None = None, read: RegistryReader | None = None,
                           show: Callable[[str, str], None] | None = None) -> bool:
    """Return True when the window's web view can run; on Windows without WebView2 say so (stderr + box)."""
    if (platform or sys.platform) != "win32":
        return True
    if is_webview2_present(read or read_windows_registry):
        return True
    log.error("the Microsoft Edge WebView2 Runtime is not installed; the window cannot open")
    print(MISSING_WEBVIEW2, file=sys.stderr, flush=True)
    (show or show_error_box)("Gen Image Factory: WebView2 is missing", MISSING_WEBVIEW2)
    return False
