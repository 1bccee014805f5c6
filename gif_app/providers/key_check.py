"""One cheap authenticated call per vendor: is the key accepted, and what balance does the vendor report."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from gif_app.errors import AuthenticationError, InsufficientCreditsError, ProviderError
from gif_app.providers.http import build_client, send_with_retries
from gif_app.vendors import get_vendor

# What a check ends as; the page styles ok apart from the rest.
OK, WRONG_KEY, NO_CREDITS, UNREACHABLE, MISSING_KEY, FAILED = (
    "ok", "wrong_key", "no_credits", "unreachable", "missing_key", "failed")


@dataclass(frozen=True)
class KeyCheck:
    """The outcome of one key test, in the vendor's own words where it gave any."""

    vendor: str
    status: str
    message: str
    balance: float | None = None
    balance_unit: str = ""  # "USD" (Runware) | "credits" (remove.bg) | "" when the vendor reports none

    @property
    def is_ok(self) -> bool:
        """Return True when the vendor accepted the key (and has credits, where it says)."""
        return self.status == OK

    def to_dict(self) -> dict[str, Any]:
        """Return the check as JSON for the page."""
        return {"vendor": self.vendor, "status": self.status, "is_ok": self.is_ok, "message": self.message,
                "balance": self.balance, "balance_unit": self.balance_unit}


@dataclass(frozen=True)
class RemoveBgAccount:
    """remove.bg's balance: credits (subscription + pay-as-you-go) and free API calls (previews only)."""

    credits: float
    free_calls: int


def _ask(vendor: str, base_url: str, timeout_s: float, headers: dict[str, str], method: str, url: str,
         **kwargs: Any) -> httpx.Response:
    """Send one unpaid request, once, on a client that keeps the key on the vendor's origin."""
    with build_client(base_url, timeout_s, headers) as client:
        # A key test is a question, not work: no retries, so a wrong answer shows at once.
        return send_with_retries(client, method, url, vendor=vendor, retries=0, backoff_s=0.0, cancel=None,
                                 **kwargs)


def removebg_account(api_key: str, base_url: str, timeout_s: float = 15.0) -> RemoveBgAccount:
    """Return the remove.bg balance from GET /v1.0/account; raise a ProviderError subclass otherwise."""
    response = _ask("removebg", base_url, timeout_s, {"X-Api-Key": api_key}, "GET", "/v1.0/account")
    attributes = _dig(_json(response, "removebg"), "data", "attributes")
    credits = _dig(attributes, "credits").get("total", 0)
    free_calls = _dig(attributes, "api").get("free_calls", 0)
    if not isinstance(credits, int | float) or not isinstance(free_calls, int):
        raise ProviderError("remove.bg answered the account call without a balance.", vendor="removebg")
    return RemoveBgAccount(float(credits), free_calls)


def _dig(body: dict[str, Any], *keys: str) -> dict[str, Any]:
    """Return the object at body[k1][k2]..., or {} where the vendor's answer has another shape."""
    for key in keys:
        inner = body.get(key)
        body = inner if isinstance(inner, dict) else {}
    return body


def _json(response: httpx.Response, vendor: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ProviderError(f"{get_vendor(vendor).label} answered with something that is not JSON.", vendor=vendor)
    return body


def _check_removebg(api_key: str, base_url: str, timeout_s: float) -> KeyCheck:
    account = removebg_account(api_key, base_url, timeout_s)
    if account.credits <= 0 and account.free_calls <= 0:
        return KeyCheck("removebg", NO_CREDITS, "remove.bg accepted the key, but the account has 0 credits and "
                        "no free API calls left.", 0.0, "credits")
    free = f" and {account.free_calls} free preview call{'s' if account.free_calls != 1 else ''}"
    return KeyCheck("removebg", OK, f"Key accepted: {account.credits:g} credits{free} left.",
                    account.credits, "credits")


def runware_balance(api_key: str, base_url: str, timeout_s: float = 15.0) -> tuple[float | None, str]:
    """Return the Runware balance in USD from accountManagement getDetails (None, and why, when not given)."""
    task = {"taskType": "accountManagement", "taskUUID": str(uuid.uuid4()), "operation": "getDetails"}
    response = _ask("runware", base_url, timeout_s, {"Authorization": f"Bearer {api_key}"}, "POST", "/v1",
                    json=[task])
    body = _json(response, "runware")
    data = body.get("data")
    items = [i for i in (data if isinstance(data, list) else []) if isinstance(i, dict)
             and i.get("taskType") == "accountManagement"]
    balance = items[0].get("balance") if items else None
    if isinstance(balance, int | float) and not isinstance(balance, bool):
        return float(balance), ""
    errors = body.get("errors")
    first = errors[0] if isinstance(errors, list) and errors else {}
    return None, str(first.get("message") or "") if isinstance(first, dict) else ""


def _check_runware(api_key: str, base_url: str, timeout_s: float) -> KeyCheck:
    balance, said = runware_balance(api_key, base_url, timeout_s)
    if balance is None:
        return KeyCheck("runware", OK, f"Key accepted; Runware gave no balance{f' ({said})' if said else ''}.")
    if balance <= 0:
        return KeyCheck("runware", NO_CREDITS, f"Runware accepted the key, but the balance is ${balance:.2f}.",
                        balance, "USD")
    return KeyCheck("runware", OK, f"Key accepted: ${balance:.2f} balance.", balance, "USD")


def _check_openai(api_key: str, base_url: str, timeout_s: float) -> KeyCheck:
    _ask("openai", base_url, timeout_s, {"Authorization": f"Bearer {api_key}"}, "GET", "/models")
    # Listing models is free and answers even when the quota is spent: say so rather than claim a balance.
    return KeyCheck("openai", OK, "Key accepted. OpenAI reports no balance to API keys; an exhausted quota "
                    "shows at the first paid call.")


def _check_piapi(api_key: str, base_url: str, timeout_s: float) -> KeyCheck:
    # PiAPI documents no balance call; fetching a task is free, and any answer but 401/403 means the key was taken.
    _ask("piapi", base_url, timeout_s, {"X-API-Key": api_key}, "GET", f"/api/v1/task/{uuid.uuid4()}",
         ok_statuses=(400, 404))
    return KeyCheck("piapi", OK, "Key accepted. PiAPI documents no balance call, so credits cannot be checked.")


_CHECKS: dict[str, Callable[[str, str, float], KeyCheck]] = {
    "openai": _check_openai, "runware": _check_runware, "piapi": _check_piapi, "removebg": _check_removebg,
}


def check_key(vendor_id: str, api_key: str, base_url: str, timeout_s: float = 15.0) -> KeyCheck:
    """Test one vendor's key with its cheapest authenticated call; never raises for a vendor's answer."""
    vendor = get_vendor(vendor_id)
    if not api_key:
        return KeyCheck(vendor.id, MISSING_KEY, f"No {vendor.label} key is set.")
    try:
        return _CHECKS[vendor.id](api_key, base_url or vendor.default_base_url, timeout_s)
    except AuthenticationError as exc:
        return KeyCheck(vendor.id, WRONG_KEY, exc.message)
    except InsufficientCreditsError as exc:
        return KeyCheck(vendor.id, NO_CREDITS, exc.message)
    except ProviderError as exc:
        is_quota = exc.status == 429 and "quota" in exc.message.lower()
        if is_quota:
            return KeyCheck(vendor.id, NO_CREDITS, exc.message)
        status = UNREACHABLE if exc.code in ("timeout", "network_error") or (exc.status or 0) >= 500 else FAILED
        return KeyCheck(vendor.id, status, exc.message)
