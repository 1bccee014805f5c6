"""SandboxConfig.from_env parsing and the reproducible fault schedule."""

from __future__ import annotations

import pytest

from gif_app.errors import ConfigurationError
from gif_app.sandbox.config import FAULTS, VENDORS, SandboxConfig, fires


def test_defaults_have_no_latency_and_no_faults() -> None:
    config = SandboxConfig.from_env({})
    assert all(config.latency_for(vendor) == 0.0 for vendor in VENDORS)
    assert all(config.faults_for(vendor) == [] for vendor in VENDORS)
    assert 0 < config.piapi_task_duration <= 1.0


def test_single_latency_applies_to_every_vendor() -> None:
    config = SandboxConfig.from_env({"GIF_SANDBOX_LATENCY": "0.5"})
    assert {vendor: config.latency_for(vendor) for vendor in VENDORS} == dict.fromkeys(VENDORS, 0.5)


def test_latency_per_vendor() -> None:
    config = SandboxConfig.from_env({"GIF_SANDBOX_LATENCY": "runware=1.0, openai=0.2"})
    assert config.latency_for("runware") == 1.0
    assert config.latency_for("openai") == 0.2
    assert config.latency_for("piapi") == 0.0


def test_faults_parse_in_order_with_default_rate() -> None:
    config = SandboxConfig.from_env({"GIF_SANDBOX_FAULTS": "removebg:402:1.0,runware:429:0.3,runware:drop"})
    assert config.faults_for("removebg") == [("402", 1.0)]
    assert config.faults_for("runware") == [("429", 0.3), ("drop", 1.0)]
    assert config.faults_for("openai") == []


def test_every_documented_fault_name_is_accepted() -> None:
    text = ",".join(f"openai:{fault}:0.5" for fault in FAULTS)
    assert [fault for fault, _ in SandboxConfig.from_env({"GIF_SANDBOX_FAULTS": text}).faults_for("openai")] == list(
        FAULTS
    )
    assert set(FAULTS) == {"401", "402", "429", "500", "503", "timeout", "malformed", "truncated", "drop"}


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("GIF_SANDBOX_LATENCY", "fast", "not a number"),
        ("GIF_SANDBOX_LATENCY", "-1", "zero or more"),
        ("GIF_SANDBOX_LATENCY", "runware=abc", "not a number"),
        ("GIF_SANDBOX_LATENCY", "midjourney=1", "vendor=seconds"),
        ("GIF_SANDBOX_LATENCY", "runware:1", "runware=1.0,openai=0.2"),
        ("GIF_SANDBOX_FAULTS", "removebg:418:1.0", "unknown fault '418'"),
        ("GIF_SANDBOX_FAULTS", "acme:429:1.0", "unknown vendor 'acme'"),
        ("GIF_SANDBOX_FAULTS", "runware:429:2", "between 0 and 1"),
        ("GIF_SANDBOX_FAULTS", "runware:429:often", "not a number"),
        ("GIF_SANDBOX_FAULTS", "runware", "vendor:fault:rate"),
    ],
)
def test_malformed_env_values_raise_a_clear_configuration_error(name: str, value: str, fragment: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        SandboxConfig.from_env({name: value})
    assert name in caught.value.message
    assert fragment in caught.value.message


def test_fault_schedule_is_reproducible() -> None:
    assert all(fires(k, 1.0) for k in range(1, 50))
    assert not any(fires(k, 0.0) for k in range(1, 50))
    schedule = [k for k in range(1, 21) if fires(k, 0.3)]
    assert schedule == [k for k in range(1, 21) if fires(k, 0.3)]
    assert len(schedule) == 6
    assert [k for k in range(1, 9) if fires(k, 0.5)] == [2, 4, 6, 8]


def test_set_fault_validates_and_replaces() -> None:
    config = SandboxConfig()
    config.set_fault("piapi", "500")
    config.set_fault("piapi", "503", 0.5)
    assert config.faults_for("piapi") == [("503", 0.5)]
    with pytest.raises(ConfigurationError):
        config.set_fault("piapi", "teapot")
    config.clear_faults()
    assert config.faults_for("piapi") == []


def test_piapi_account_defaults_stay_fast_with_split_images_and_no_credit_limit() -> None:
    config = SandboxConfig.from_env({})
    assert config.piapi_task_duration <= 1.0
    assert (config.piapi_output, config.piapi_task_budget) == ("temporary", None)


def test_piapi_account_is_read_from_the_environment() -> None:
    config = SandboxConfig.from_env({"GIF_SANDBOX_PIAPI": "task_s=45, output=grid, budget=3, credit_reply=200"})
    assert config.piapi_task_duration == 45.0
    assert config.piapi_output == "grid"
    assert config.piapi_task_budget == 3
    assert config.piapi_credit_reply == "200"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("task_s=-1", "zero or more seconds"),
        ("task_s=slow", "zero or more seconds"),
        ("output=hd", "one of temporary, image_urls, grid"),
        ("budget=1.5", "whole number"),
        ("credit_reply=500", "one of 400, 402, 200, task"),
        ("speed=1", "key=value"),
        ("grid", "key=value"),
    ],
)
def test_malformed_piapi_account_values_name_the_variable(value: str, fragment: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        SandboxConfig.from_env({"GIF_SANDBOX_PIAPI": value})
    assert "GIF_SANDBOX_PIAPI" in caught.value.message
    assert fragment in caught.value.message


def test_the_readmes_sandbox_examples_parse() -> None:
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    piapi = re.search(r"`GIF_SANDBOX_PIAPI` \(`([^`]+)`\)", readme)
    faults = re.search(r"`GIF_SANDBOX_FAULTS`\s+\(`([^`]+)`", readme)
    assert piapi and faults
    config = SandboxConfig.from_env({"GIF_SANDBOX_PIAPI": piapi.group(1), "GIF_SANDBOX_FAULTS": faults.group(1)})
    assert config.piapi_output == "grid" and config.piapi_task_budget == 10
    assert config.faults["removebg"] == [("402", 1.0)]
