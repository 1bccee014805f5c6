"""Sandbox settings: per-vendor latency, injected faults and the PiAPI account, parsed from env."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from gif_app.errors import ConfigurationError
from gif_app.sandbox.piapi_account import PIAPI_ENV, parse_piapi

logger = logging.getLogger(__name__)

# The ids of gif_app.vendors (tests/unit/test_vendors.py checks), in the sandbox's own order: `serve`
# prints them in it and a fixed `--port` gives them port, port+1, ... in it.
VENDORS: tuple[str, ...] = ("runware", "piapi", "openai", "removebg")
FAULTS: tuple[str, ...] = ("401", "402", "429", "500", "503", "timeout", "malformed", "truncated", "drop")
STATUS_FAULTS: frozenset[str] = frozenset({"401", "402", "429", "500", "503"})

LATENCY_ENV = "GIF_SANDBOX_LATENCY"
FAULTS_ENV = "GIF_SANDBOX_FAULTS"


@dataclass
class SandboxConfig:
    """Live behaviour of the sandbox servers; mutate it at runtime, the next request sees it."""

    latency: dict[str, float] = field(default_factory=dict)
    faults: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    piapi_task_duration: float = 0.3  # seconds to `completed`; fast by default, GIF_SANDBOX_PIAPI task_s=
    piapi_output: str = "temporary"  # one of sandbox.piapi_account.OUTPUTS (what the plan returns)
    piapi_task_budget: int | None = None  # imagine tasks the account can still pay for; None: no limit
    piapi_credit_reply: str = "400"  # one of sandbox.piapi_account.CREDIT_REPLIES
    runware_async_polls: int = 1  # getResponse polls an async Runware task answers `processing` before its images
    # Downloads whose URL path ends with one of these are always truncated (a file that stays bad, e.g. "/1.png").
    broken_files: set[str] = field(default_factory=set)
    timeout_delay: float = 30.0
    retry_after: int = 1
    # Account modes, as strict as the vendors: remove.bg credits (full sizes cost 1) and free API calls
    # (previews only); an OpenAI organisation not verified (gpt-image-* answer 403) or out of quota (429).
    removebg_credits: float = 1000.0
    removebg_free_calls: int = 50
    openai_org_verified: bool = True
    openai_quota_exhausted: bool = False
    runware_balance: float = 100.0  # USD in the Runware wallet (accountManagement); 0 refuses inference (402)

    def latency_for(self, vendor: str) -> float:
        """Return the delay in seconds added before each of the vendor's responses."""
        return max(0.0, float(self.latency.get(vendor, 0.0)))

    def faults_for(self, vendor: str) -> list[tuple[str, float]]:
        """Return the vendor's (fault, rate) list, in the order they are tried."""
        return list(self.faults.get(vendor, []))

    def set_fault(self, vendor: str, fault: str, rate: float = 1.0) -> None:
        """Replace the vendor's faults with one fault at `rate` (a convenience for tests and demos)."""
        _check_fault(vendor, fault, rate)
        self.faults[vendor] = [(fault, rate)]

    def clear_faults(self, vendor: str | None = None) -> None:
        """Remove the faults of one vendor, or of all vendors."""
        if vendor is None:
            self.faults.clear()
        else:
            self.faults.pop(vendor, None)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> SandboxConfig:
        """Build a config from GIF_SANDBOX_LATENCY, _FAULTS and _PIAPI; raise ConfigurationError if bad."""
        return cls(
            latency=parse_latency(environ.get(LATENCY_ENV, "")),
            faults=parse_faults(environ.get(FAULTS_ENV, "")),
            **parse_piapi(environ.get(PIAPI_ENV, "")),
        )


def _parse_seconds(text: str, what: str) -> float:
    """Return a non-negative finite number of seconds or raise ConfigurationError naming `what`."""
    try:
        value = float(text)
    except ValueError:
        raise ConfigurationError(
            f"{LATENCY_ENV}: {what} {text!r} is not a number of seconds (use e.g. 0.5 or runware=1.0,openai=0.2)"
        ) from None
    if not math.isfinite(value) or value < 0:
        raise ConfigurationError(f"{LATENCY_ENV}: {what} {text!r} must be zero or more seconds")
    return value


def parse_latency(text: str) -> dict[str, float]:
    """Parse "0.5" (every vendor) or "runware=1.0,openai=0.2" into seconds per vendor."""
    text = text.strip()
    if not text:
        return {}
    if "=" not in text:
        seconds = _parse_seconds(text, "latency")
        return {vendor: seconds for vendor in VENDORS}
    latency: dict[str, float] = {}
    for item in text.split(","):
        name, sep, value = item.strip().partition("=")
        name = name.strip().lower()
        if not sep or name not in VENDORS:
            raise ConfigurationError(
                f"{LATENCY_ENV}: {item.strip()!r} must look like vendor=seconds with vendor one of "
                + ", ".join(VENDORS)
            )
        latency[name] = _parse_seconds(value.strip(), f"latency for {name}")
    return latency


def _check_fault(vendor: str, fault: str, rate: float) -> None:
    """Raise ConfigurationError unless vendor, fault and rate are known and in range."""
    if vendor not in VENDORS:
        raise ConfigurationError(f"{FAULTS_ENV}: unknown vendor {vendor!r}; use one of " + ", ".join(VENDORS))
    if fault not in FAULTS:
        raise ConfigurationError(f"{FAULTS_ENV}: unknown fault {fault!r}; use one of " + ", ".join(FAULTS))
    if not (0.0 <= rate <= 1.0):
        raise ConfigurationError(f"{FAULTS_ENV}: rate {rate!r} for {vendor}:{fault} must be between 0 and 1")


def parse_faults(text: str) -> dict[str, list[tuple[str, float]]]:
    """Parse "removebg:402:1.0,runware:429:0.3" (rate optional, default 1.0) into faults per vendor."""
    faults: dict[str, list[tuple[str, float]]] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        parts = [part.strip().lower() for part in item.split(":")]
        if len(parts) not in (2, 3):
            raise ConfigurationError(f"{FAULTS_ENV}: {item!r} must look like vendor:fault:rate")
        vendor, fault = parts[0], parts[1]
        try:
            rate = float(parts[2]) if len(parts) == 3 else 1.0
        except ValueError:
            raise ConfigurationError(f"{FAULTS_ENV}: rate in {item!r} is not a number") from None
        _check_fault(vendor, fault, rate)
        faults.setdefault(vendor, []).append((fault, rate))
    return faults


def fires(request_number: int, rate: float) -> bool:
    """Return whether a fault at `rate` fires on the vendor's request number k (1-based), reproducibly."""
    if rate >= 1.0:
        return True
    if rate <= 0.0 or request_number < 1:
        return False
    return math.floor(request_number * rate) != math.floor((request_number - 1) * rate)
