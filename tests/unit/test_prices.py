"""The price table as shipped, the override setting and price_of's choice between vendor figures and the table."""

from __future__ import annotations

import json
from datetime import date

import pytest

from gif_app import settings as settings_mod
from gif_app.prices import (
    UNITS,
    Call,
    packaged_table,
    parse_overrides,
    parse_table,
    price_of,
    removebg_credits_per_image,
    table_with_overrides,
)
from gif_app.vendors import vendor_ids


def test_every_packaged_entry_names_its_source_date_and_unit() -> None:
    table = packaged_table()
    assert len(table.entries) >= 20
    for entry in table.entries:
        assert entry.vendor in vendor_ids()
        assert entry.unit in UNITS
        assert entry.source.startswith("https://"), entry
        assert date.fromisoformat(entry.checked) <= date(2026, 12, 31)
        assert entry.amount > 0


def test_the_table_covers_every_model_the_settings_default_to() -> None:
    defaults = settings_mod.defaults()["parameters"]
    table = packaged_table()
    assert table.rate("runware", defaults["runware_model"], "image", {}) is not None
    assert table.rate("openai", defaults["openai_image_model"], "image", {}) is not None
    assert table.rate("openai", defaults["openai_model"], "input_1m", {}) is not None
    assert table.rate("removebg", "*", "credit", {}) is not None
    assert table.rate("piapi", "midjourney", "task", {}) is not None


def test_the_vendors_reported_charge_wins_and_is_not_an_estimate() -> None:
    price = price_of(Call("runware", "runware:101@1", images=2, reported_usd=0.0123))
    assert (price.amount, price.is_estimated, price.basis) == (0.0123, False, "vendor")


def test_without_a_reported_charge_the_table_estimates_per_image() -> None:
    price = price_of(Call("openai", "gpt-image-1", images=3, dims={"quality": "medium", "size": "1536x1024"}))
    assert price.amount == pytest.approx(3 * 0.063)
    assert price.is_estimated and price.basis == "table"


def test_dimensions_a_call_does_not_name_take_the_models_default() -> None:
    # gpt-image-1 without a quality is priced as "high", the dearer guess, at 1024x1024.
    assert price_of(Call("openai", "gpt-image-1", images=1)).amount == pytest.approx(0.167)
    assert price_of(Call("openai", "dall-e-3", images=2, dims={"quality": "hd"})).amount == pytest.approx(0.16)


def test_openai_usage_is_priced_at_the_token_rates_and_not_estimated() -> None:
    price = price_of(Call("openai", "gpt-4o-mini", input_tokens=2_000_000, output_tokens=500_000))
    assert price.amount == pytest.approx(2 * 0.15 + 0.5 * 0.6)
    assert (price.is_estimated, price.basis) == (False, "usage")


def test_piapi_bills_whole_four_image_tasks_by_mode() -> None:
    price = price_of(Call("piapi", "midjourney", images=5, dims={"mode": "turbo"}))
    assert price.amount == pytest.approx(2 * 0.1)
    assert price.is_estimated


def test_removebg_uses_the_reported_credits_else_the_sizes_credit_rule() -> None:
    reported = price_of(Call("removebg", images=1, reported_credits=0.25))
    assert (reported.amount, reported.is_estimated) == (pytest.approx(0.05), False)
    estimated = price_of(Call("removebg", images=4, dims={"size": "preview"}))
    assert (estimated.amount, estimated.is_estimated) == (pytest.approx(4 * 0.25 * 0.2), True)
    assert removebg_credits_per_image("full") == 1.0 and removebg_credits_per_image("regular") == 0.25


def test_an_unknown_model_is_an_estimate_of_nothing_not_a_guess() -> None:
    price = price_of(Call("runware", "civitai:1@1", images=2))
    assert (price.amount, price.is_estimated, price.basis) == (0.0, True, "unknown")


def test_overrides_replace_the_table_for_that_model_only() -> None:
    table = table_with_overrides(json.dumps({"openai/gpt-image-1": 0.05, "removebg/*": {"credit": 0.1},
                                             "openai/gpt-4o": {"input_1m": 1, "output_1m": 2}}))
    assert price_of(Call("openai", "gpt-image-1", images=2), table).amount == pytest.approx(0.1)
    assert price_of(Call("openai", "gpt-image-1", images=2), table).basis == "override"
    assert price_of(Call("removebg", images=1, reported_credits=1), table).amount == pytest.approx(0.1)
    assert price_of(Call("openai", "gpt-4o", input_tokens=1_000_000), table).amount == pytest.approx(1.0)
    assert price_of(Call("openai", "dall-e-3", images=1), table).amount == pytest.approx(0.04)


@pytest.mark.parametrize(("text", "fragment"), [
    ("[1, 2]", "JSON object"),
    ("{not json", "Not valid JSON"),
    ('{"gpt-image-1": 0.04}', "vendor/model"),
    ('{"midjourney/v6": 0.04}', "vendor/model"),
    ('{"openai/gpt-4o": {"per_token": 1}}', "unknown unit"),
    ('{"openai/gpt-image-1": "cheap"}', "number of US dollars"),
    ('{"openai/gpt-image-1": -1}', "between 0 and"),
    ('{"openai/gpt-image-1": true}', "number of US dollars"),
])
def test_malformed_overrides_are_refused_with_the_reason(text: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        parse_overrides(text)


def test_the_settings_schema_validates_the_override_field() -> None:
    _, errors = settings_mod.validate({"advanced": {"price_overrides": '{"openai/gpt-image-1": -3}'}})
    assert "between 0 and" in errors["advanced.price_overrides"]
    clean, errors = settings_mod.validate({"advanced": {"price_overrides": '{"runware/runware:101@1": 0.004}'}})
    assert errors == {}
    assert parse_overrides(clean["advanced"]["price_overrides"]) == {"runware/runware:101@1": {"image": 0.004}}


def test_a_malformed_table_row_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown unit"):
        parse_table(json.dumps({"entries": [{"vendor": "openai", "model": "x", "unit": "minute", "amount": 1}]}))
