"""A vendor key follows its address: which address changes need the user's native confirmation."""

from __future__ import annotations

import pytest

from gif_app.vendors import address_needs_approval

OFFICIAL = "https://api.openai.com/v1"


@pytest.mark.parametrize(("old", "new"), [
    (OFFICIAL, OFFICIAL),                              # unchanged
    (OFFICIAL, OFFICIAL + "/"),                        # the same address with a trailing slash
    ("https://proxy.example/v1", "https://proxy.example/v1"),  # confirmed before: unchanged
    (OFFICIAL, ""),                                    # empty means the default
    (OFFICIAL, "https://api.openai.com/v2"),           # the vendor's own host, another path
    (OFFICIAL, "http://127.0.0.1:8765/v1"),            # the sandbox on this machine
    (OFFICIAL, "http://localhost:9000"),
    (OFFICIAL, "http://[::1]:9000"),
])
def test_no_question_for_the_vendor_host_this_machine_or_no_change(old: str, new: str) -> None:
    assert address_needs_approval("openai", old, new) is False


@pytest.mark.parametrize("new", [
    "https://evil.example/v1",                # another host
    "http://api.openai.com/v1",               # the vendor's host without TLS
    "https://api.openai.com:8443/v1",         # the vendor's host on another port
    "https://api.openai.com.evil.example/v1",  # a look-alike host
    "https://api.openai.com:99999/v1",        # a malformed port is never waved through
])
def test_a_new_host_needs_the_users_confirmation(new: str) -> None:
    assert address_needs_approval("openai", OFFICIAL, new) is True


def test_each_vendor_is_judged_against_its_own_host() -> None:
    assert address_needs_approval("runware", "https://api.runware.ai", "https://api.openai.com") is True
    assert address_needs_approval("removebg", "", "https://api.remove.bg/v1.0") is False
