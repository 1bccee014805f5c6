"""The desktop window, the only module that runs the GUI (webview.start): the app's window, the recovery
page's, the small "already running" one, and the native dialogs."""

from __future__ import annotations

import atexit
import logging
import os
import sys
import threading
from pathlib import Path
from typing import Any

from gif_app.api.surface import SealedObject, exposed_functions
from gif_app.app import WINDOW_TITLE, App, HomeInUseApp, RecoveryApp
from gif_app.drops import DroppedFiles
from gif_app.paths import resource_dir
from gif_app.self_test import SELF_TEST_TIMEOUT_S, check_home_in_use_window, check_window
from gif_app.webview_runtime import GuiBackend, gui_backend

log = logging.getLogger(__name__)

EXIT_HOME_IN_USE = 2  # like the command line's refusal: nothing ran


def run_window(app: App | RecoveryApp, *, is_self_test: bool = False, self_test_start_fresh: bool = False) -> int:
    """Open the window on the app's page and run the GUI until every window is closed."""
    import webview

    _prepare_qt_environment()
    base = app.start_server()
    window = create_main_window(app, base + RecoveryApp.page if isinstance(app, RecoveryApp) else base)
    outcome: dict[str, Any] = {"code": 0}
    if isinstance(app, RecoveryApp):
        app.recovery.on_quit = window.destroy
        app.recovery.on_open_app = lambda: _continue_into_app(app, window)
    else:
        app.ctx.dialogs = WebviewDialogs(window)
    if is_self_test:
        threading.Thread(target=check_window, args=(window, app, outcome, self_test_start_fresh),
                         name="gif-self-test", daemon=True).start()
    icon = resource_dir() / "build" / "icons" / "gif-app-256.png"
    webview.start(gui=_gui_name(), icon=str(icon) if icon.exists() else None, private_mode=True)
    app.close()
    return int(outcome["code"])


def _continue_into_app(recovery: RecoveryApp, recovery_window: Any) -> None:
    """Build the app on the fresh database (errors go back to the page), then swap the windows."""
    app = recovery.open_app()

    def swap() -> None:
        try:
            window = create_main_window(app, app.start_server())
            app.ctx.dialogs = WebviewDialogs(window)
            recovery.app_window = window
            recovery.app_opened.set()
        except Exception:  # noqa: BLE001 - the recovery window stays, the user can still quit
            log.exception("cannot open the app's window after the recovery")
            return
        # The new window first: closing the last window would end the GUI loop.
        recovery_window.destroy()

    # Off the page's call: its answer must reach the recovery window before that window goes.
    threading.Thread(target=swap, name="gif-open-app", daemon=True).start()


def run_home_in_use_window(home: Path, *, is_self_test: bool = False) -> int:
    """Tell a second start, in a small window, that another one holds `home`; return 2 once it is closed."""
    import webview

    _prepare_qt_environment()
    app = HomeInUseApp(home)
    window = webview.create_window(WINDOW_TITLE, app.start_server(), js_api=SealedObject(), width=560, height=260,
                                   resizable=False, background_color="#f6f7f9")
    if window is None:
        raise RuntimeError("The window could not be created.")
    window.expose(*exposed_functions(app.api))
    app.api.on_quit = window.destroy
    outcome: dict[str, Any] = {"code": EXIT_HOME_IN_USE}
    checker = threading.Thread(target=check_home_in_use_window, args=(window, app, outcome), name="gif-self-test",
                               daemon=True)
    if is_self_test:
        checker.start()
    webview.start(gui=_gui_name(), private_mode=True)
    if is_self_test:
        checker.join(SELF_TEST_TIMEOUT_S)  # its verdict is printed before the process ends
    app.close()
    return int(outcome["code"])


def create_main_window(app: App | RecoveryApp, url: str) -> Any:
    """Create the window on `url` with the sealed page surface: the API's methods by exact name, nothing else."""
    import webview

    window = webview.create_window(WINDOW_TITLE, url, js_api=SealedObject(), width=1280, height=840,
                                   min_size=(960, 640), background_color=_background(app),
                                   zoomable=True)  # trackpad pinch and Ctrl+wheel zoom (macOS users expect it)
    if window is None:  # pywebview returns None only when the GUI failed to create it
        raise RuntimeError("The window could not be created.")
    window.expose(*exposed_functions(app.api))
    if isinstance(app, App):
        _report_drops(window, app.ctx.drops)
        _shut_down_on_exit(window, app)
    return window


def _shut_down_on_exit(window: Any, app: App) -> None:
    """Run the app's one shutdown on whichever exit comes first.

    The Dock's Quit on macOS runs the window's `closing` event and then ends the process inside Cocoa, so the
    `app.close()` after `webview.start()` never runs; `closed` and atexit cover the other ways out.
    """
    window.events.closing += app.close
    window.events.closed += app.close
    atexit.register(app.close)


def _background(app: App | RecoveryApp) -> str:
    """Return the window's colour before the page paints: the dark theme's when the user chose dark."""
    if isinstance(app, App) and app.ctx.settings_file.load().settings["ui"]["theme"] == "dark":
        return "#0e1014"  # --bg of the dark tokens in web/css/app.css
    return "#f6f7f9"


def _report_drops(window: Any, drops: DroppedFiles) -> None:
    """Tell `drops` where files dropped on the page lie: pywebview gives the path to a Python drop handler only."""
    from webview.dom import DOMEventHandler

    def on_drop(event: dict[str, Any]) -> None:
        for file in (event.get("dataTransfer") or {}).get("files") or []:
            name, path = file.get("name"), file.get("pywebviewFullPath")
            if name and path:
                drops.record(str(name), str(path))

    def on_loaded() -> None:
        # Every page load has a new document: listen on each one.
        window.dom.document.events.drop += DOMEventHandler(on_drop, prevent_default=True)

    window.events.loaded += on_loaded
    drops.enable()


def _gui_name() -> GuiBackend | None:
    return gui_backend(sys.platform)


def _is_macos() -> bool:
    return sys.platform == "darwin"


def _prepare_qt_environment() -> None:
    if os.name == "posix" and not _is_macos():
        os.environ.setdefault("QT_API", "pyside6")
        if os.geteuid() == 0:
            # QtWebEngine refuses to start its sandbox as root.
            os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")


class WebviewDialogs:
    """Native dialogs through pywebview."""

    def __init__(self, window: Any) -> None:
        self._window = window

    def pick_path(self, kind: str, file_types: list[str], current: str) -> str | None:
        """Show an open-file or folder dialog."""
        import webview

        dialog = webview.FileDialog.FOLDER if kind == "dir" else webview.FileDialog.OPEN
        types = tuple(f"{t.upper()} files (*.{t})" for t in file_types) + ("All files (*.*)",)
        start = str(Path(current).expanduser().parent) if current else ""
        result = self._window.create_file_dialog(dialog, directory=start, file_types=types if kind == "file"
                                                 else ())
        return str(result[0]) if result else None

    def pick_paths(self, file_types: list[str]) -> list[str]:
        """Show an open-file dialog that takes several files."""
        import webview

        types = (f"Images ({' '.join(f'*.{t}' for t in file_types)})", "All files (*.*)")
        result = self._window.create_file_dialog(webview.FileDialog.OPEN, allow_multiple=True, file_types=types)
        return [str(p) for p in result or ()]

    def confirm(self, title: str, message: str) -> bool:
        """Show a native OK/Cancel question; the page's scripts cannot see or answer it."""
        return bool(self._window.create_confirmation_dialog(title, message))

    def save_path(self, suggested_name: str, file_types: list[str], folder: str) -> str | None:
        """Show a save dialog."""
        import webview

        types = tuple(f"{t.upper()} files (*.{t})" for t in file_types)
        result = self._window.create_file_dialog(webview.FileDialog.SAVE, directory=folder,
                                                 save_filename=suggested_name, file_types=types)
        if not result:
            return None
        return str(result if isinstance(result, str) else result[0])
