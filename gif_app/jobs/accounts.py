"""Vendor accounts before anything is spent: the Settings key test, and the balance check before a job runs."""

from __future__ import annotations

import logging

from gif_app import settings as settings_mod
from gif_app.errors import InsufficientCreditsError, ProviderError
from gif_app.jobs.planning import ProviderAccess
from gif_app.prices import removebg_credits_per_image
from gif_app.providers.key_check import KeyCheck, check_key, removebg_account
from gif_app.vendors import get_vendor

log = logging.getLogger(__name__)

KEY_TEST_TIMEOUT_S = 15.0


def run_key_test(vendor_id: str, access: ProviderAccess) -> KeyCheck:
    """Test the stored key of one vendor against its saved address (the sandbox's in sandbox mode)."""
    vendor = get_vendor(vendor_id)
    return check_key(vendor.id, access.keys.get(vendor.id) or "", access.base_urls.get(vendor.id) or "",
                     KEY_TEST_TIMEOUT_S)


def _credits_per_image(size: str) -> float:
    # `auto` falls back to a preview when no whole credit is left, so only a preview's price is certain.
    return 0.25 if size == "auto" else removebg_credits_per_image(size)


def check_balance(settings: settings_mod.Settings, access: ProviderAccess, images: int) -> None:
    """Refuse a run whose remove.bg credits cannot pay for the images it plans, when remove.bg removes backgrounds.

    remove.bg is the vendor whose balance is in per-image units. Runware reports a USD balance (the key
    test shows it) but prices by compute, so a job's cost there is an estimate; OpenAI and PiAPI document
    no balance call. A check that cannot be made (no key, vendor unreachable, key refused) lets the run go
    on: the vendor's own answer, under the failure policy, decides then.
    """
    if images <= 0:
        return
    _check_removebg_credits(settings, access.for_run(settings), images)


def _check_removebg_credits(settings: settings_mod.Settings, access: ProviderAccess, images: int) -> None:
    proc = settings["processing"]
    if not proc["remove_bg"] or proc["remover"] != "removebg":
        return
    key = access.keys.get("removebg") or ""
    if not key:
        return
    try:
        account = removebg_account(key, access.base_urls.get("removebg") or get_vendor("removebg").default_base_url,
                                   KEY_TEST_TIMEOUT_S)
    except ProviderError as exc:
        log.warning("remove.bg balance not checked: %s", exc.message)
        return
    size = str(proc["remove_bg_size"])
    per_image = _credits_per_image(size)
    needed = per_image * images
    # A preview that no credit pays for takes one of the free API calls instead.
    free = account.free_calls * per_image if per_image < 1 else 0.0
    if account.credits + free + 1e-9 >= needed:
        return
    calls = f" and {account.free_calls} free preview calls" if free else ""
    raise InsufficientCreditsError(
        f"Not started: remove.bg has {account.credits:g} credits{calls} left, but this job plans {images} "
        f"images, which need up to {needed:g} credits at size '{size}'. Top up remove.bg, plan fewer images, "
        "or choose the Preview size or the local remover (rembg) in Settings → Processing.",
        vendor="removebg", code="insufficient_credits")
