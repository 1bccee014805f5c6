"""Local servers that speak the Runware, PiAPI, OpenAI and remove.bg protocols, for tests and demos."""

from __future__ import annotations

from gif_app.sandbox.config import FAULTS, VENDORS, SandboxConfig
from gif_app.sandbox.servers import SandboxServers, serve

__all__ = ["FAULTS", "VENDORS", "SandboxConfig", "SandboxServers", "serve"]
