"""The vendor registry: each paid API's id, label, key variable, default address and key rule, in one place."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import urlsplit

from gif_app.errors import ConfigurationError

# No vendor publishes a key grammar we could rely on, so every key gets the same sanity rule: one token
# (a pasted key with a space or newline in it is a copy-paste accident), short enough to be a key.
_ANY_KEY = re.compile(r"\S{1,512}")
_ANY_KEY_RULE = "No spaces; at most 512 chars."


@dataclass(frozen=True)
class Vendor:
    """One vendor the app pays; `id` names its key, its base-URL setting and its adapter."""

    id: str
    label: str
    key_env_var: str
    default_base_url: str
    key_pattern: re.Pattern[str] = _ANY_KEY
    key_rule: str = _ANY_KEY_RULE

    @property
    def base_url_setting(self) -> str:
        """Return the name of this vendor's base-URL setting in the `providers` section."""
        return f"{self.id}_base_url"

    def is_well_formed_key(self, key: str) -> bool:
        """Return whether `key` (already trimmed) passes this vendor's format check."""
        return self.key_pattern.fullmatch(key) is not None


# Listed in the order the API keys panel shows them: OpenAI first, as most runs need it for text.
VENDORS: tuple[Vendor, ...] = (
    Vendor("openai", "OpenAI", "OPENAI_API_KEY", "https://api.openai.com/v1"),
    # Runware's documented REST endpoint is POST <base>/v1 (the anchor's /v1/images/generate is not in
    # the docs), so the base stops at the host and the adapter appends "/v1".
    Vendor("runware", "Runware", "RUNWARE_API_KEY", "https://api.runware.ai"),
    Vendor("piapi", "PiAPI", "PIAPI_API_KEY", "https://api.piapi.ai"),
    Vendor("removebg", "remove.bg", "REMOVE_BG_API_KEY", "https://api.remove.bg"),
)
BY_ID: Mapping[str, Vendor] = MappingProxyType({v.id: v for v in VENDORS})


def vendor_ids() -> tuple[str, ...]:
    """Return every vendor id, in registry order."""
    return tuple(BY_ID)


def find_vendor(vendor_id: str) -> Vendor | None:
    """Return the vendor with that id, or None."""
    return BY_ID.get(vendor_id)


def get_vendor(vendor_id: str) -> Vendor:
    """Return the vendor with that id; raise ConfigurationError naming the known ids otherwise."""
    found = BY_ID.get(vendor_id)
    if found is None:
        raise ConfigurationError(f"Unknown vendor {vendor_id!r}; use one of {', '.join(BY_ID)}.")
    return found


def vendor_label(vendor_id: str) -> str:
    """Return the vendor's label, or the id itself for a name the registry does not know."""
    found = BY_ID.get(vendor_id)
    return found.label if found else vendor_id


def default_base_url(vendor_id: str) -> str:
    """Return the vendor's public API address."""
    return get_vendor(vendor_id).default_base_url


# Addresses a vendor key may go to without the user's say-so: the vendor's own host and this machine (the sandbox).
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def address_needs_approval(vendor_id: str, old_url: str, new_url: str) -> bool:
    """Return whether moving a vendor's address from `old_url` to `new_url` must be confirmed by the user.

    The key follows the address, so a page script that could change it silently could send the key anywhere;
    the vendor's own https host, this machine and an unchanged address need no confirmation.
    """
    new = new_url.strip()
    if not new or new.rstrip("/") == old_url.strip().rstrip("/"):
        return False
    parts = urlsplit(new)
    host = (parts.hostname or "").lower()
    if host in _LOOPBACK_HOSTS:
        return False
    try:
        port = parts.port
    except ValueError:  # a malformed port: validation refuses it anyway, never wave it through
        return True
    official = urlsplit(default_base_url(vendor_id))
    return not (parts.scheme == "https" and host == official.hostname and port in (None, 443))
