"""What the API boundary needs from the composition root: services and read-only facts, no state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gif_app.dialogs import Dialogs
from gif_app.keystore import KeyStore
from gif_app.paths import HomeLayout
from gif_app.settings import SettingsFile
from gif_app.store.repository import Repository


@dataclass
class ApiContext:
    """The services the API delegates to (built once by app.build_app)."""

    home: HomeLayout
    settings_file: SettingsFile
    keystore: KeyStore
    repo: Repository
    dialogs: Dialogs
    is_sandbox: bool = False
    notices: list[str] = field(default_factory=list)
    services: dict[str, Any] = field(default_factory=dict)
