"""The vendor registry: other modules' vendors are its vendors, and only it spells their addresses and key names."""

from __future__ import annotations

import ast
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from gif_app import settings_schema
from gif_app.app import provider_access
from gif_app.errors import ConfigurationError
from gif_app.jobs.planning import ProviderAccess, check_keys, required_keys
from gif_app.keystore import FileBackend, KeyStore
from gif_app.paths import HomeLayout
from gif_app.providers import factory, http
from gif_app.sandbox import config as sandbox_config
from gif_app.settings import SettingsFile, defaults
from gif_app.vendors import (
    BY_ID,
    VENDORS,
    default_base_url,
    find_vendor,
    get_vendor,
    vendor_ids,
    vendor_label,
)

ROOT = Path(__file__).resolve().parents[2]
IDS = set(vendor_ids())


def _keystore(tmp_path: Path) -> KeyStore:
    return KeyStore(FileBackend(tmp_path / "keys.json"), environ={})


def test_ids_are_unique_and_the_lookups_agree() -> None:
    assert len(VENDORS) == len(IDS) == len(BY_ID)
    for vendor in VENDORS:
        assert get_vendor(vendor.id) is find_vendor(vendor.id) is BY_ID[vendor.id] is vendor
        assert vendor_label(vendor.id) == vendor.label
        assert default_base_url(vendor.id) == vendor.default_base_url
    assert find_vendor("midjourney-direct") is None
    assert vendor_label("midjourney-direct") == "midjourney-direct"
    with pytest.raises(ConfigurationError, match="openai, runware, piapi, removebg"):
        get_vendor("midjourney-direct")


def test_every_default_address_is_https_with_a_host() -> None:
    for vendor in VENDORS:
        parts = urlsplit(vendor.default_base_url)
        assert parts.scheme == "https" and parts.hostname, vendor.id
        assert not vendor.default_base_url.endswith("/"), vendor.id  # adapters append "/path"


def test_key_variables_are_distinct_upper_case_names() -> None:
    names = [v.key_env_var for v in VENDORS]
    assert len(set(names)) == len(names)
    assert all(name.isupper() and name.endswith("_API_KEY") for name in names)


def test_the_key_check_refuses_spaces_and_overlong_keys() -> None:
    for vendor in VENDORS:
        assert vendor.is_well_formed_key("sk-abc_DEF.123")
        assert not vendor.is_well_formed_key("has a space")
        assert not vendor.is_well_formed_key("tab\there")
        assert not vendor.is_well_formed_key("")
        assert vendor.is_well_formed_key("k" * 512) and not vendor.is_well_formed_key("k" * 513)


def test_the_keystore_knows_exactly_the_registry_in_its_order(tmp_path: Path) -> None:
    status = _keystore(tmp_path).status()
    assert [item["name"] for item in status] == [v.id for v in VENDORS]
    for item in status:
        vendor = get_vendor(str(item["name"]))
        assert (item["label"], item["env_var"]) == (vendor.label, vendor.key_env_var)


def test_the_keystore_reads_each_vendors_variable(tmp_path: Path) -> None:
    environ = {v.key_env_var: f"{v.id}-from-env-1234" for v in VENDORS}
    store = KeyStore(FileBackend(tmp_path / "keys.json"), environ=environ)
    for vendor in VENDORS:
        assert store.get(vendor.id) == f"{vendor.id}-from-env-1234"
        assert store.source(vendor.id) == "env"


def test_settings_hold_one_https_address_per_vendor_with_its_label() -> None:
    urls = {k.removeprefix("providers.").removesuffix("_base_url"): s
            for k, s in settings_schema.SETTINGS.items() if k.startswith("providers.") and k.endswith("_base_url")}
    assert set(urls) == IDS
    for vendor_id, setting in urls.items():
        vendor = get_vendor(vendor_id)
        assert setting.key == f"providers.{vendor.base_url_setting}"
        assert setting.default == vendor.default_base_url
        assert setting.label == f"{vendor.label} URL"
    assert {vid: defaults()["providers"][get_vendor(vid).base_url_setting] for vid in IDS} == {
        v.id: v.default_base_url for v in VENDORS}


def test_every_vendor_the_settings_offer_is_in_the_registry() -> None:
    providers = {value for value, _ in settings_schema.SETTINGS["parameters.provider"].choices}
    removers = {value for value, _ in settings_schema.SETTINGS["processing.remover"].choices}
    assert providers <= IDS
    assert removers - IDS == {"rembg"}  # the one remover that runs locally, with no vendor and no key


def test_the_factory_builds_only_registry_vendors_and_defaults_to_their_addresses() -> None:
    assert set(factory.IMAGE_PROVIDERS) <= IDS
    assert set(factory.REMOVERS) - IDS == {"rembg"}
    common = {"api_key": "k", "base_url": "", "timeout_s": 5.0, "retries": 0, "backoff_s": 0.0,
              "poll_interval_s": 1.0, "poll_timeout_s": 5.0}
    for provider in factory.IMAGE_PROVIDERS:
        generator = factory.build_image_generator(provider, **common)  # type: ignore[arg-type]
        assert generator.name == provider
        assert getattr(generator, "_base_url") == default_base_url(provider)  # noqa: B009 - private on purpose
    remover = factory.build_remover("removebg", api_key="k", base_url="", timeout_s=5.0, retries=0, size="auto",
                                    model_name="u2net", model_home=Path("."))
    assert getattr(remover, "_base_url") == default_base_url("removebg")  # noqa: B009 - private on purpose


def test_provider_errors_name_vendors_by_their_label() -> None:
    assert http.VENDOR_NAMES == {v.id: v.label for v in VENDORS}


def test_planning_asks_for_the_image_vendors_key_and_names_it_by_label() -> None:
    settings = defaults()
    settings["ai"].update(run_quality_check=False, run_metadata_gen=False)
    settings["parameters"]["use_llm_prompts"] = False
    for provider, _ in settings_schema.SETTINGS["parameters.provider"].choices:
        settings["parameters"]["provider"] = provider
        assert required_keys(settings) == [provider]
        access = ProviderAccess(keys={}, base_urls={}, models_home=Path("."))
        with pytest.raises(ConfigurationError, match=f"Missing API key: {get_vendor(provider).label}\\."):
            check_keys(settings, access)


def test_provider_access_covers_every_vendor_with_the_settings_addresses(tmp_path: Path) -> None:
    home = HomeLayout(tmp_path)
    store = _keystore(tmp_path)
    store.set("piapi", "pi-stored-key-5678")
    access = provider_access(home, SettingsFile(home.settings_file), store, None)
    assert access.base_urls == {v.id: v.default_base_url for v in VENDORS}
    assert access.keys == {v.id: ("pi-stored-key-5678" if v.id == "piapi" else "") for v in VENDORS}


def test_the_sandbox_simulates_exactly_the_registry() -> None:
    assert set(sandbox_config.VENDORS) == IDS and len(sandbox_config.VENDORS) == len(IDS)


def test_the_registry_is_a_leaf() -> None:
    tree = ast.parse((ROOT / "gif_app" / "vendors.py").read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    imported |= {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
    assert {name for name in imported if name.startswith("gif_app")} <= {"gif_app.errors", "gif_app.domain"}


def _sources() -> list[Path]:
    files = sorted((ROOT / "gif_app").rglob("*.py")) + sorted((ROOT / "web").rglob("*.js"))
    return files + sorted((ROOT / "web").rglob("*.html"))


def test_no_other_module_spells_a_vendor_address_or_key_variable() -> None:
    # The host is enough to catch a copy (with or without a path, in code or in a comment).
    needles = {urlsplit(v.default_base_url).netloc for v in VENDORS} | {v.key_env_var for v in VENDORS}
    # The sandbox's protocol servers name the vendors' paths but never their hosts, so no exception for them.
    allowed = {"gif_app/vendors.py"}
    found = []
    for path in _sources():
        rel = path.relative_to(ROOT).as_posix()
        if rel in allowed:
            continue
        text = path.read_text(encoding="utf-8")
        found += [f"{rel}: {needle}" for needle in sorted(needles) if needle in text]
    assert found == []
