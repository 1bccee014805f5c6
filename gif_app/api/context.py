"""What the API boundary needs from the composition root: typed services and read-only facts, no state."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from gif_app.dialogs import Dialogs
from gif_app.drops import DroppedFiles
from gif_app.export.service import ExportService
from gif_app.jobs.model_download import ModelDownloads
from gif_app.jobs.planning import ProviderAccess
from gif_app.jobs.records import JobRecords
from gif_app.jobs.recovery import RecoveryReport
from gif_app.jobs.retry import RetryService
from gif_app.jobs.service import JobService
from gif_app.keystore import KeyStore
from gif_app.paths import HomeLayout
from gif_app.settings import SettingsFile
from gif_app.store.repository import Repository
from gif_app.updates import UpdateCheck


class SandboxHandle(Protocol):
    """The running sandbox servers, as the app sees them."""

    @property
    def base_urls(self) -> Mapping[str, str]:
        """Return each vendor's local base URL."""
        ...

    def stop(self) -> None:
        """Stop the servers."""
        ...


@dataclass
class Services:
    """The long-lived services behind the API (each owns its worker)."""

    jobs: JobService
    retries: RetryService
    exports: ExportService
    models: ModelDownloads
    records: JobRecords
    recovery: RecoveryReport = field(default_factory=RecoveryReport)
    sandbox: SandboxHandle | None = None
    # Keys and vendor addresses as a run would use them (the key test in Settings asks with these).
    access: Callable[[], ProviderAccess] | None = None
    self_test_sink: Callable[[str], None] | None = None
    updates: UpdateCheck | None = None

    def shutdown(self) -> None:
        """Stop every worker (each join is bounded)."""
        self.jobs.shutdown()
        self.retries.shutdown()
        self.exports.shutdown()
        self.models.shutdown()
        if self.updates is not None:
            self.updates.shutdown()


@dataclass
class ApiContext:
    """The parts the API delegates to (built once by app.build_app)."""

    home: HomeLayout
    settings_file: SettingsFile
    keystore: KeyStore
    repo: Repository
    dialogs: Dialogs
    services: Services
    is_sandbox: bool = False
    notices: list[str] = field(default_factory=list)
    drops: DroppedFiles = field(default_factory=DroppedFiles)
