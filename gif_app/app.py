"""Composition root: build_app() wires store, keys, services, API and server; main window lives here."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from gif_app.api import Api
from gif_app.api.context import ApiContext, SandboxHandle, Services
from gif_app.api.recovery import RecoveryApi, RecoveryContext
from gif_app.api.surface import SealedObject, exposed_functions, exposed_names
from gif_app.dialogs import Dialogs, NoDialogs
from gif_app.domain import GeneratedImage
from gif_app.errors import DatabaseDamagedError, DatabaseTooNewError, NotFoundError
from gif_app.export.service import ExportService
from gif_app.home_lock import HomeLock
from gif_app.jobs.model_download import ModelDownloads
from gif_app.jobs.planning import ProviderAccess
from gif_app.jobs.records import JobRecords
from gif_app.jobs.recovery import recover
from gif_app.jobs.retry import RetryService
from gif_app.jobs.service import JobService
from gif_app.keystore import KeyStore, choose_backend
from gif_app.logs import Redactor, install_log_file, install_redaction
from gif_app.paths import HomeLayout, resource_dir
from gif_app.server import LocalServer, MediaSource, create_server_app
from gif_app.settings import SettingsFile
from gif_app.store.repository import Repository
from gif_app.vendors import VENDORS

log = logging.getLogger(__name__)

WINDOW_TITLE = "Gen Image Factory"
SELF_TEST_TIMEOUT_S = 90.0


@dataclass
class AppOptions:
    """How to build the app: sandbox or real vendors, keychain or key file, dialogs, workers."""

    is_sandbox: bool = False
    prefer_keychain: bool = True
    dialogs: Dialogs | None = None
    start_workers: bool = True
    environ: Mapping[str, str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class App:
    """The built application: its parts and their lifecycle."""

    def __init__(self, home: HomeLayout, ctx: ApiContext, api: Api, server: LocalServer,
                 sandbox: SandboxHandle | None, lock: HomeLock | None = None) -> None:
        self.home = home
        self.lock = lock
        self.ctx = ctx
        self.api = api
        self.server = server
        self.sandbox = sandbox
        self._url: str | None = None
        self._closed = False

    @property
    def repo(self) -> Repository:
        """Return the repository."""
        return self.ctx.repo

    def start_server(self) -> str:
        """Start the local HTTP server (once) and return its base URL."""
        if self._url is None:
            self._url = self.server.start()
        return self._url

    def close(self) -> None:
        """Stop workers, the server and the sandbox; close the database; release the home's lock."""
        if self._closed:
            return
        self._closed = True
        self.ctx.services.shutdown()
        if self._url is not None:
            self.server.stop()
        if self.sandbox is not None:
            self.sandbox.stop()
        self.repo.close()
        if self.lock is not None:
            self.lock.release()  # last: nothing of this app touches the home any more


class RecoveryApp:
    """The window's app when the database cannot be used: the recovery page and its few calls, no services."""

    page = "recovery.html"

    def __init__(self, home: HomeLayout, problem: DatabaseDamagedError | DatabaseTooNewError,
                 lock: HomeLock | None = None) -> None:
        self.home = home
        self.lock = lock
        self.recovery = RecoveryContext(home, problem)
        self.api = RecoveryApi(self.recovery)
        media = MediaSource(get_image=_no_image, allowed_roots=list, thumbnails=home.thumbnails)
        self.server = LocalServer(create_server_app(resource_dir() / "web", media))
        self._url: str | None = None

    def start_server(self) -> str:
        """Start the local HTTP server (once) and return its base URL."""
        if self._url is None:
            self._url = self.server.start()
        return self._url

    def close(self) -> None:
        """Stop the server and release the home's lock."""
        if self._url is not None:
            self.server.stop()
            self._url = None
        if self.lock is not None:
            self.lock.release()
            self.lock = None


def _no_image(image_id: int) -> GeneratedImage:
    raise NotFoundError(f"Image {image_id} is not available while the database is being recovered.")


def build_window_app(home_root: Path, options: AppOptions | None = None) -> App | RecoveryApp:
    """Build the app for the window; a damaged or too-new database gives the recovery page instead of a crash."""
    lock = HomeLock(home_root)
    lock.acquire()
    try:
        return _build_locked(home_root, options or AppOptions(), lock)
    except (DatabaseDamagedError, DatabaseTooNewError) as exc:
        log.error("%s The window opens on the recovery page.", exc.message)
        # The same lock stays held: moving the database aside must not race another app on this home.
        return RecoveryApp(HomeLayout(home_root).create(), exc, lock)
    except BaseException:
        lock.release()
        raise


def build_app(home_root: Path, options: AppOptions | None = None) -> App:
    """Build every part of the app on one home folder under its lock; raise HomeInUseError if another has it."""
    lock = HomeLock(home_root)
    # Before the database and recovery: a second process "recovering" a live job marked it interrupted.
    lock.acquire()
    try:
        return _build_locked(home_root, options or AppOptions(), lock)
    except BaseException:
        lock.release()
        raise


def _build_locked(home_root: Path, options: AppOptions, lock: HomeLock) -> App:
    """Build every part of the app on one home folder; nothing runs until asked."""
    home = HomeLayout(home_root).create()
    environ = os.environ if options.environ is None else options.environ
    keystore = KeyStore(choose_backend(home.keys_file, options.prefer_keychain), environ)
    install_log_file(home.logs)
    install_redaction(Redactor(keystore.secrets))  # every log sink masks keys
    repo = Repository.open(home.database)
    settings_file = SettingsFile(home.settings_file)
    notices: list[str] = []
    loaded = settings_file.load()
    if loaded.notice:
        notices.append(loaded.notice)
    sandbox = _start_sandbox(home, settings_file) if options.is_sandbox else None

    def access() -> ProviderAccess:
        return provider_access(home, settings_file, keystore, sandbox)

    recovery = recover(repo, _temp_roots(home, settings_file))
    retries = RetryService(repo, home, access)
    services = Services(jobs=JobService(repo, home, settings_file, access, Redactor(keystore.secrets)),
                        retries=retries, exports=ExportService(repo), models=ModelDownloads(home.models),
                        records=JobRecords(repo, retries), recovery=recovery, sandbox=sandbox, access=access)
    ctx = ApiContext(home=home, settings_file=settings_file, keystore=keystore, repo=repo,
                     dialogs=options.dialogs or NoDialogs(), services=services, is_sandbox=options.is_sandbox,
                     notices=notices)
    if options.start_workers:
        services.jobs.start_worker()
        services.retries.start_worker()
    api = Api(ctx)
    media = MediaSource(get_image=repo.get_image, allowed_roots=lambda: _media_roots(home, settings_file),
                        thumbnails=home.thumbnails)
    server = LocalServer(create_server_app(resource_dir() / "web", media))
    return App(home, ctx, api, server, sandbox, lock)


def provider_access(home: HomeLayout, settings_file: SettingsFile, keystore: KeyStore,
                    sandbox: SandboxHandle | None) -> ProviderAccess:
    """Return keys per vendor and base URLs: the sandbox's (pinned) in sandbox mode, else the saved ones.

    Outside the sandbox each run replaces the saved URLs with its own snapshot's (ProviderAccess.for_run).
    """
    if sandbox is not None:
        # Sandbox servers accept any key but "invalid"; a key stored in the sandbox home wins (tests use it).
        keys = {v.id: keystore.get(v.id) or "sandbox-key" for v in VENDORS}
        return ProviderAccess(keys=keys, base_urls=dict(sandbox.base_urls), models_home=home.models,
                              poll_interval_s=0.1, pins_base_urls=True)
    urls = settings_file.load().settings["providers"]
    return ProviderAccess(keys={v.id: keystore.get(v.id) for v in VENDORS},
                          base_urls={v.id: urls[v.base_url_setting] for v in VENDORS}, models_home=home.models)


def _temp_roots(home: HomeLayout, settings_file: SettingsFile) -> list[Path]:
    temp = settings_file.load().settings["file_paths"]["temp_directory"]
    return [home.default_temp] + ([Path(temp).expanduser()] if temp else [])


def _media_roots(home: HomeLayout, settings_file: SettingsFile) -> list[Path]:
    settings = settings_file.load().settings
    roots = [home.default_output, home.default_temp]
    for key in ("output_directory", "temp_directory"):
        value = settings["file_paths"].get(key)
        if value:
            roots.append(Path(value).expanduser())
    return roots


def _start_sandbox(home: HomeLayout, settings_file: SettingsFile) -> Any:
    from gif_app.sandbox.demo import write_demo_inputs
    from gif_app.sandbox.servers import SandboxConfig, SandboxServers

    servers = SandboxServers.start(SandboxConfig.from_env(os.environ))
    settings = settings_file.load().settings
    if not settings["file_paths"].get("keywords_file"):
        inputs = write_demo_inputs(home.root / "sandbox-inputs")
        settings["file_paths"]["keywords_file"] = str(inputs["keywords_txt"])
        settings["parameters"]["count"] = max(settings["parameters"]["count"], 3)
        settings["parameters"]["variations"] = max(settings["parameters"]["variations"], 2)
        settings_file.save(settings)
    return servers


# --- the window ---------------------------------------------------------------------------------------

def run_window(app: App | RecoveryApp, *, is_self_test: bool = False) -> int:
    """Open the pywebview window on the app's server; the only caller of webview.start()."""
    import webview

    _prepare_qt_environment()
    base = app.start_server()
    window = create_main_window(app, base + RecoveryApp.page if isinstance(app, RecoveryApp) else base)
    outcome: dict[str, Any] = {"code": 0}
    if isinstance(app, RecoveryApp):
        app.recovery.on_quit = window.destroy
    else:
        app.ctx.dialogs = WebviewDialogs(window)
    if is_self_test:
        threading.Thread(target=_self_test, args=(window, app, outcome), name="gif-self-test",
                         daemon=True).start()
    icon = resource_dir() / "build" / "icons" / "gif-app-256.png"
    webview.start(gui=_gui_name(), icon=str(icon) if icon.exists() else None, private_mode=True)
    app.close()
    return int(outcome["code"])


def create_main_window(app: App | RecoveryApp, url: str) -> Any:
    """Create the window on `url` with the sealed page surface: the API's methods by exact name, nothing else."""
    import webview

    window = webview.create_window(WINDOW_TITLE, url, js_api=SealedObject(), width=1280, height=840,
                                   min_size=(960, 640), background_color="#f6f7f9")
    if window is None:  # pywebview returns None only when the GUI failed to create it
        raise RuntimeError("The window could not be created.")
    window.expose(*exposed_functions(app.api))
    return window


def _gui_name() -> Literal["qt"] | None:
    return "qt" if os.name == "posix" and not _is_macos() else None


def _is_macos() -> bool:
    import sys

    return sys.platform == "darwin"


def _prepare_qt_environment() -> None:
    if os.name == "posix" and not _is_macos():
        os.environ.setdefault("QT_API", "pyside6")
        if os.geteuid() == 0:
            # QtWebEngine refuses to start its sandbox as root.
            os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")


_SELF_TEST_JS = """
(async () => {
  const report = (result) => window.pywebview.api.self_test_report(JSON.stringify(result));
  const started = Date.now();
  while (!(window.pywebview && window.pywebview.api && window.pywebview.api.self_test_report
           && window.pywebview.api.app_info)) {
    if (Date.now() - started > 30000) return;
    await new Promise(r => setTimeout(r, 100));
  }
  try {
    const info = await window.pywebview.api.app_info();
    const recovery = Boolean(info.data && info.data.recovery);
    // The recovery page has no settings and no navigation: it is checked by its own view and message.
    const settings = recovery ? {ok: false} : await window.pywebview.api.get_settings();
    const shown = () => recovery
      ? document.querySelector('[data-testid="recovery-view"]:not([aria-busy])') !== null
      : document.querySelectorAll('[data-testid^="nav-"]').length >= 4;
    while (!shown() && Date.now() - started < 30000) {
      await new Promise(r => setTimeout(r, 100));
    }
    const nav = document.querySelectorAll('[data-testid^="nav-"]').length;
    const recoveryMessage = recovery ? document.querySelector('[data-testid="recovery-message"]').textContent : '';
    const apiNames = Object.keys(window.pywebview.api).sort();
    await report({info, settingsOk: settings.ok, nav, title: document.title, apiNames, recovery: shown() && recovery,
                  recoveryMessage});
  } catch (err) {
    await report({error: String(err)});
  }
})();
true
"""


def _self_test(window: Any, app: App | RecoveryApp, outcome: dict[str, Any]) -> None:
    reported = threading.Event()
    answer: dict[str, Any] = {}

    def sink(raw: str) -> None:
        answer.update(json.loads(raw))
        reported.set()

    if isinstance(app, RecoveryApp):
        app.recovery.self_test_sink = sink
    else:
        app.ctx.services.self_test_sink = sink
    try:
        if not window.events.loaded.wait(SELF_TEST_TIMEOUT_S):
            raise RuntimeError("the page did not load")
        # The page answers through the real bridge (the exposed functions), the path every user action takes.
        window.evaluate_js(_SELF_TEST_JS)
        if not reported.wait(SELF_TEST_TIMEOUT_S):
            raise RuntimeError("the page never called the API through the bridge")
        if "error" in answer:
            raise RuntimeError(f"bridge check failed: {answer['error']}")
        info = answer.get("info") or {}
        if isinstance(app, RecoveryApp):
            if not info.get("ok") or not answer.get("recovery"):
                raise RuntimeError(f"the recovery page was not shown: {answer}")
            if answer.get("apiNames") != list(exposed_names(RecoveryApi)):
                raise RuntimeError(f"the page sees other functions than the recovery API: {answer.get('apiNames')}")
            print(f"SELF-TEST OK: recovery page shown ({answer.get('recoveryMessage')})", flush=True)
            return
        if not info.get("ok") or not answer.get("settingsOk") or answer.get("nav", 0) < 4:
            raise RuntimeError(f"unexpected page state: {answer}")
        if answer.get("apiNames") != list(exposed_names()):
            raise RuntimeError(f"the page sees other functions than the exposed API: {answer.get('apiNames')}")
        print(f"SELF-TEST OK: {info['data']['name']} {info['data']['version']} "
              f"(sandbox={info['data']['is_sandbox']}, nav items={answer['nav']}, "
              f"api functions={len(answer['apiNames'])})", flush=True)
    except Exception as exc:  # noqa: BLE001 - any failure is the self-test's answer
        outcome["code"] = 1
        print(f"SELF-TEST FAILED: {exc}", flush=True)
    finally:
        window.destroy()


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

    def save_path(self, suggested_name: str, file_types: list[str], folder: str) -> str | None:
        """Show a save dialog."""
        import webview

        types = tuple(f"{t.upper()} files (*.{t})" for t in file_types)
        result = self._window.create_file_dialog(webview.FileDialog.SAVE, directory=folder,
                                                 save_filename=suggested_name, file_types=types)
        if not result:
            return None
        return str(result if isinstance(result, str) else result[0])
