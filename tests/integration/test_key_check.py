"""The Settings key test against the sandbox vendors: ok (with balance), wrong key, no credits, unreachable."""

from __future__ import annotations

from typing import Any

import pytest

from gif_app.app import App
from gif_app.providers.key_check import check_key
from gif_app.sandbox.servers import SandboxServers
from gif_app.vendors import vendor_ids
from tests.integration.jobs_support import error_code, ok


def test_every_vendor_accepts_a_good_key(sandbox: SandboxServers) -> None:
    for vendor in vendor_ids():
        result = check_key(vendor, "sandbox-key", sandbox.base_urls[vendor])
        assert result.status == "ok", result


def test_runware_and_removebg_report_their_balance(sandbox: SandboxServers) -> None:
    sandbox.config.runware_balance = 12.5
    sandbox.config.removebg_credits = 40
    sandbox.config.removebg_free_calls = 3
    runware = check_key("runware", "sandbox-key", sandbox.base_urls["runware"])
    removebg = check_key("removebg", "sandbox-key", sandbox.base_urls["removebg"])
    assert (runware.balance, runware.balance_unit) == (12.5, "USD")
    assert "$12.50" in runware.message
    assert (removebg.balance, removebg.balance_unit) == (40.0, "credits")
    assert "40 credits and 3 free preview calls" in removebg.message


@pytest.mark.parametrize(("vendor", "words"), [
    ("openai", "Incorrect API key provided"),
    ("runware", "Invalid API key"),
    ("piapi", "missing or invalid X-API-Key"),
    ("removebg", "API Key invalid"),
])
def test_a_wrong_key_is_named_in_the_vendors_own_words(sandbox: SandboxServers, vendor: str, words: str) -> None:
    result = check_key(vendor, "invalid", sandbox.base_urls[vendor])
    assert result.status == "wrong_key"
    assert words in result.message
    assert not result.is_ok


def test_an_empty_runware_wallet_is_no_credits(sandbox: SandboxServers) -> None:
    sandbox.config.runware_balance = 0
    result = check_key("runware", "sandbox-key", sandbox.base_urls["runware"])
    assert (result.status, result.balance) == ("no_credits", 0.0)
    assert "balance is $0.00" in result.message


def test_a_removebg_account_without_credits_or_free_calls_is_no_credits(sandbox: SandboxServers) -> None:
    sandbox.config.removebg_credits = 0
    sandbox.config.removebg_free_calls = 0
    result = check_key("removebg", "sandbox-key", sandbox.base_urls["removebg"])
    assert result.status == "no_credits"
    assert "0 credits" in result.message


def test_runware_answering_402_is_no_credits_in_its_words(sandbox: SandboxServers) -> None:
    sandbox.config.set_fault("runware", "402")
    result = check_key("runware", "sandbox-key", sandbox.base_urls["runware"])
    assert result.status == "no_credits"
    assert "Insufficient credits" in result.message


def test_a_vendor_that_does_not_answer_is_unreachable(sandbox: SandboxServers) -> None:
    sandbox.config.set_fault("openai", "503")
    assert check_key("openai", "sandbox-key", sandbox.base_urls["openai"]).status == "unreachable"
    closed = "http://127.0.0.1:9"  # the discard port: nothing listens there
    result = check_key("removebg", "sandbox-key", closed)
    assert result.status == "unreachable"
    assert "could not be reached" in result.message


def test_the_key_test_sends_one_request_and_no_paid_work(sandbox: SandboxServers) -> None:
    for vendor in vendor_ids():
        check_key(vendor, "sandbox-key", sandbox.base_urls[vendor])
    assert sandbox.billed() == []
    assert sandbox.request_count("runware") == 1
    assert sandbox.request_count("openai", "/v1/models") == 1
    assert sandbox.request_count("removebg", "/v1.0/account") == 1


def test_a_missing_key_is_said_without_calling(sandbox: SandboxServers) -> None:
    result = check_key("removebg", "", sandbox.base_urls["removebg"])
    assert result.status == "missing_key"
    assert sandbox.request_count("removebg") == 0


def _test_key(app: App, vendor: str) -> dict[str, Any]:
    data: dict[str, Any] = ok(app.api.test_key(vendor))
    return data


def test_the_api_tests_the_stored_key_against_the_apps_vendors(sandbox_app: App) -> None:
    assert _test_key(sandbox_app, "removebg")["status"] == "ok"
    ok(sandbox_app.api.set_key("removebg", "invalid"))
    refused = _test_key(sandbox_app, "removebg")
    assert (refused["status"], refused["is_ok"]) == ("wrong_key", False)
    assert "API Key invalid" in refused["message"]
    assert sandbox_app.sandbox is not None
    sandbox_app.sandbox.config.runware_balance = 0
    assert _test_key(sandbox_app, "runware")["status"] == "no_credits"
    assert error_code(sandbox_app.api.test_key("midjourney")) == "validation_error"


def test_an_answer_that_is_not_json_fails_the_test_without_a_crash(sandbox: SandboxServers) -> None:
    sandbox.config.set_fault("runware", "malformed")
    result = check_key("runware", "sandbox-key", sandbox.base_urls["runware"])
    assert result.status == "failed"
    assert "not JSON" in result.message


def test_the_price_table_reaches_the_page_read_only(sandbox_app: App) -> None:
    entries = ok(sandbox_app.api.price_table())["entries"]
    assert {"openai", "runware", "piapi", "removebg"} <= {e["vendor"] for e in entries}
    assert all(e["source"] and e["checked"] for e in entries)
