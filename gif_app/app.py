"""Composition root: build_app() wires store, keys, services, API and server; main window lives here."""

from __future__ import annotations

import logging
import os
import threading
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gif_app.api import Api
from gif_app.api.context import ApiContext, SandboxHandle, Services
from gif_app.api.home_in_use import HomeInUseApi
from gif_app.api.recovery import RecoveryApi, RecoveryContext
from gif_app.dialogs import Dialogs, NoDialogs
from gif_app.domain import GeneratedImage
from gif_app.errors import ConflictError, DatabaseDamagedError, DatabaseTooNewError, NotFoundError
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
from gif_app.shutdown import ShutdownOnce
from gif_app.store.repository import Repository
from gif_app.updates import SETTING, STATE_FILE_NAME, UpdateCheck, feed_url
from gif_app.vendors import VENDORS

log = logging.getLogger(__name__)

WINDOW_TITLE = "Gen Image Factory"


@dataclass
class AppOptions:
    """How to build the app: sandbox or real vendors, keychain or key file, dialogs, workers."""

    is_sandbox: bool = False
    prefer_keychain: bool = True
    dialogs: Dialogs | None = None
    start_workers: bool = True
    environ: Mapping[str, str] | None = None
    open_url: Callable[[str], object] | None = None  # the system browser (release notes); tests record instead
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
        # Every exit path (window closing/closed, the Dock's Quit, atexit) calls close(): the first one works.
        self._shutdown = ShutdownOnce(self._close_parts)

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
        """Stop workers, the server and the sandbox; close the database; release the home's lock (once)."""
        self._shutdown()

    def _close_parts(self) -> None:
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
                 lock: HomeLock | None = None, options: AppOptions | None = None) -> None:
        self.home = home
        self.lock = lock
        self.options = options or AppOptions()
        self.recovery = RecoveryContext(home, problem)
        self.api = RecoveryApi(self.recovery)
        media = MediaSource(get_image=_no_image, allowed_roots=list, thumbnails=home.thumbnails)
        self.server = LocalServer(create_server_app(resource_dir() / "web", media))
        self._url: str | None = None
        self.app: App | None = None  # the app it went on into after "Start fresh"
        self.app_opened = threading.Event()  # set once that app's window exists (the self-test waits on it)
        self.app_window: Any = None
        self._opening = threading.Lock()

    def open_app(self) -> App:
        """Build the normal app on the fresh database under the lock held since the start (once)."""
        with self._opening:
            if self.app is None:
                if self.recovery.moved_to is None or self.lock is None:
                    raise ConflictError("The damaged database is still in place; move it aside first.")
                # The lock passes to the app (App.close releases it): no moment where the home is free.
                self.app = _build_locked(self.home.root, self.options, self.lock)
                self.lock = None
                self.app.ctx.notices.append(f"The damaged database was kept as {self.recovery.moved_to}; "
                                            "the app started with a fresh one.")
            return self.app

    def start_server(self) -> str:
        """Start the local HTTP server (once) and return its base URL."""
        if self._url is None:
            self._url = self.server.start()
        return self._url

    def close(self) -> None:
        """Stop the server and the app it went on into; release the home's lock."""
        if self._url is not None:
            self.server.stop()
            self._url = None
        if self.app is not None:
            self.app.close()  # releases the lock it took over
        if self.lock is not None:
            self.lock.release()
            self.lock = None


class HomeInUseApp:
    """The small window of a second start on a home another process holds: a message and Quit, nothing else.

    It takes no lock and opens no database, settings or key store: its server serves the page files only.
    """

    page = "already-running.html"

    def __init__(self, home: Path) -> None:
        self.home = home
        self.api = HomeInUseApi()
        media = MediaSource(get_image=_no_image, allowed_roots=list, thumbnails=home / "thumbnails")
        self.server = LocalServer(create_server_app(resource_dir() / "web", media))
        self._url: str | None = None

    def start_server(self) -> str:
        """Start the local HTTP server (once) and return the page's address, naming the home."""
        if self._url is None:
            self._url = self.server.start()
        return f"{self._url}{self.page}?{urllib.parse.urlencode({'home': str(self.home)})}"

    def close(self) -> None:
        """Stop the server."""
        if self._url is not None:
            self.server.stop()
            self._url = None


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
        return RecoveryApp(HomeLayout(home_root).create(), exc, lock, options)
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
                        records=JobRecords(repo, retries), recovery=recovery, sandbox=sandbox, access=access,
                        updates=_update_check(home, settings_file, environ, options))
    ctx = ApiContext(home=home, settings_file=settings_file, keystore=keystore, repo=repo,
                     dialogs=options.dialogs or NoDialogs(), services=services, is_sandbox=options.is_sandbox,
                     notices=notices)
    if options.start_workers:
        services.jobs.start_worker()
        services.retries.start_worker()
    api = Api(ctx)
    media = MediaSource(get_image=repo.get_image, allowed_roots=lambda: _media_roots(home, settings_file),
                        thumbnails=home.thumbnails)
    server = LocalServer(create_server_app(resource_dir() / "web", media,
                                           page_theme=lambda: str(settings_file.load().settings["ui"]["theme"])))
    return App(home, ctx, api, server, sandbox, lock)


def _update_check(home: HomeLayout, settings_file: SettingsFile, environ: Mapping[str, str],
                  options: AppOptions) -> UpdateCheck:
    """Build the opt-in update check; nothing runs until the page asks (after the window is ready)."""
    return UpdateCheck(home.root / STATE_FILE_NAME, lambda: str(settings_file.load().settings["ui"][SETTING]),
                       feed_url(environ), open_url=options.open_url)


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
