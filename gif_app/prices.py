"""The price table (gif_app/prices.json) with the user's overrides, and what one vendor call cost."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from gif_app.vendors import find_vendor

UNITS: tuple[str, ...] = ("image", "task", "input_1m", "output_1m", "credit")
# The unit a bare number in an override stands for: what the vendor bills one call's result by.
MAIN_UNIT: Mapping[str, str] = {"removebg": "credit", "piapi": "task"}
WILDCARD = "*"
MAX_AMOUNT = 1000.0  # no unit of any vendor costs this much: a larger figure is a typo
MJ_IMAGES_PER_TASK = 4
# remove.bg's documented credit rule (remove.bg/help/a/what-are-image-credits): a preview (up to 0.25 MP)
# costs 1/4 credit through the API, every larger size 1 credit; `small` and `regular` are old names of preview.
REMOVEBG_PREVIEW_SIZES = frozenset({"preview", "small", "regular"})


@dataclass(frozen=True)
class PriceEntry:
    """One row of the table: the price of one unit of one vendor's model, under some request dimensions."""

    vendor: str
    model: str
    unit: str
    amount: float
    when: Mapping[str, str] = field(default_factory=dict)
    source: str = ""
    checked: str = ""
    is_verified: bool = False
    note: str = ""

    def applies_to(self, vendor: str, model: str, unit: str, dims: Mapping[str, str]) -> bool:
        """Return whether this row prices `unit` of vendor/model under the call's dimensions."""
        return (self.vendor == vendor and self.unit == unit and self.model in (model, WILDCARD)
                and all(dims.get(name) == value for name, value in self.when.items()))

    def to_dict(self) -> dict[str, Any]:
        """Return the row as JSON for the Settings page."""
        return {"vendor": self.vendor, "model": self.model, "unit": self.unit, "amount": self.amount,
                "when": dict(self.when), "source": self.source, "checked": self.checked,
                "is_verified": self.is_verified, "note": self.note}


@dataclass(frozen=True)
class PriceTable:
    """The packaged rows, the dimensions assumed where a call names none, and the user's overrides."""

    entries: tuple[PriceEntry, ...]
    defaults: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    overrides: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def rate(self, vendor: str, model: str, unit: str, dims: Mapping[str, str]) -> tuple[float, str] | None:
        """Return (USD per unit, "override" | "table") for the call, or None when nothing prices it."""
        for key in (f"{vendor}/{model}", f"{vendor}/{WILDCARD}"):
            if unit in self.overrides.get(key, {}):
                return self.overrides[key][unit], "override"
        filled = {**self.defaults.get(f"{vendor}/{model}", {}), **{k: v for k, v in dims.items() if v}}
        matches = [e for e in self.entries if e.applies_to(vendor, model, unit, filled)]
        if not matches:
            return None
        # The most specific row wins: a model's own row over a wildcard, more matched dimensions over fewer.
        best = max(matches, key=lambda e: (e.model != WILDCARD, len(e.when)))
        return best.amount, "table"

    def with_overrides(self, overrides: Mapping[str, Mapping[str, float]]) -> PriceTable:
        """Return this table with the user's overrides (from `parse_overrides`)."""
        return PriceTable(self.entries, self.defaults, dict(overrides))


@dataclass(frozen=True)
class Call:
    """What one vendor call did, as far as the price depends on it; the vendor's own figures when it gave them."""

    vendor: str
    model: str = ""
    images: int = 0
    dims: Mapping[str, str] = field(default_factory=dict)  # size "1024x1024", quality, steps, mode
    input_tokens: int | None = None  # from the response's `usage`
    output_tokens: int | None = None
    reported_usd: float | None = None  # Runware's `cost`
    reported_credits: float | None = None  # remove.bg's X-Credits-Charged


@dataclass(frozen=True)
class Price:
    """What a call cost in USD; `is_estimated` when the figure comes from the table, not the vendor's answer."""

    amount: float
    is_estimated: bool
    basis: str  # vendor | usage | table | override | unknown


def _entry(raw: Mapping[str, Any]) -> PriceEntry:
    unit = str(raw["unit"])
    if unit not in UNITS:
        raise ValueError(f"prices.json: unknown unit {unit!r}")
    return PriceEntry(vendor=str(raw["vendor"]), model=str(raw["model"]), unit=unit, amount=float(raw["amount"]),
                      when={str(k): str(v) for k, v in dict(raw.get("when") or {}).items()},
                      source=str(raw.get("source", "")), checked=str(raw.get("checked", "")),
                      is_verified=bool(raw.get("verified", False)), note=str(raw.get("note", "")))


def parse_table(text: str) -> PriceTable:
    """Return the table from the JSON text of prices.json; raise ValueError if a row is malformed."""
    raw = json.loads(text)
    defaults = {str(k): {str(n): str(v) for n, v in dict(dims).items()} for k, dims in raw.get("defaults", {}).items()}
    return PriceTable(tuple(_entry(row) for row in raw["entries"]), defaults)


@functools.lru_cache(maxsize=1)
def packaged_table() -> PriceTable:
    """Return the table shipped in the package (read once)."""
    return parse_table(resources.files("gif_app").joinpath("prices.json").read_text(encoding="utf-8"))


def _amount(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{where}: give a number of US dollars.")
    if not 0 <= value <= MAX_AMOUNT:
        raise ValueError(f"{where}: must be between 0 and {MAX_AMOUNT:g} US dollars.")
    return float(value)


def parse_overrides(text: str) -> dict[str, dict[str, float]]:
    """Parse the override setting {"vendor/model": dollars or {unit: dollars}}; raise ValueError saying why."""
    if not text.strip():
        return {}
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"Not valid JSON ({exc.msg} at line {exc.lineno}).") from None
    if not isinstance(raw, dict):
        raise ValueError('Give a JSON object such as {"openai/gpt-image-1": 0.04}.')
    parsed: dict[str, dict[str, float]] = {}
    for key, value in raw.items():
        vendor, slash, model = str(key).partition("/")
        if not slash or not model or find_vendor(vendor) is None:
            raise ValueError(f"{key!r}: name it vendor/model, the vendor one of openai, runware, piapi, removebg.")
        if isinstance(value, dict):
            unknown = [u for u in value if u not in UNITS]
            if unknown:
                raise ValueError(f"{key}: unknown unit {unknown[0]!r}; use {', '.join(UNITS)}.")
            parsed[key] = {str(u): _amount(v, f"{key} {u}") for u, v in value.items()}
        else:
            parsed[key] = {MAIN_UNIT.get(vendor, "image"): _amount(value, key)}
    return parsed


def override_problem(text: str) -> str:
    """Return why the override setting is refused, or "" when it is valid."""
    try:
        parse_overrides(text)
    except ValueError as exc:
        return str(exc)
    return ""


def removebg_credits_per_image(size: str) -> float:
    """Return the remove.bg credits one result of that size costs (a preview 1/4, every other size 1)."""
    return 0.25 if size in REMOVEBG_PREVIEW_SIZES else 1.0


def price_of(call: Call, table: PriceTable | None = None) -> Price:
    """Return what the call cost: the vendor's own figure when its answer gave one, else the table's estimate."""
    table = table or packaged_table()
    if call.reported_usd is not None:
        return Price(call.reported_usd, is_estimated=False, basis="vendor")
    if call.vendor == "removebg":
        return _removebg_price(call, table)
    if call.input_tokens is not None or call.output_tokens is not None:
        priced = _token_price(call, table)
        if priced is not None:
            return priced
    if call.vendor == "piapi":
        tasks = -(-call.images // MJ_IMAGES_PER_TASK)
        return _per_unit(table, call, "task", tasks)
    return _per_unit(table, call, "image", call.images)


def _per_unit(table: PriceTable, call: Call, unit: str, count: int) -> Price:
    found = table.rate(call.vendor, call.model, unit, call.dims)
    if found is None:
        return Price(0.0, is_estimated=True, basis="unknown")
    rate, basis = found
    return Price(round(rate * count, 6), is_estimated=True, basis=basis)


def _token_price(call: Call, table: PriceTable) -> Price | None:
    """Price the tokens the vendor reported at the table's rates (None when the table lacks a rate)."""
    total = 0.0
    for unit, tokens in (("input_1m", call.input_tokens), ("output_1m", call.output_tokens)):
        if not tokens:
            continue
        found = table.rate(call.vendor, call.model, unit, call.dims)
        if found is None:
            return None
        total += found[0] * tokens / 1_000_000
    return Price(round(total, 6), is_estimated=False, basis="usage")


def _removebg_price(call: Call, table: PriceTable) -> Price:
    """Price remove.bg credits: those it reported charging, else the size's credits per image."""
    found = table.rate("removebg", call.model or WILDCARD, "credit", call.dims)
    per_credit, basis = found if found is not None else (0.0, "unknown")
    if call.reported_credits is not None:
        # The credits are the vendor's own count; a credit's dollar value is the table's (or the user's override).
        return Price(round(per_credit * call.reported_credits, 6), is_estimated=False, basis="vendor")
    credits = removebg_credits_per_image(call.dims.get("size", "full")) * call.images
    return Price(round(per_credit * credits, 6), is_estimated=True, basis=basis)


def table_with_overrides(override_text: str) -> PriceTable:
    """Return the packaged table with the override setting applied (refused overrides raise ValueError)."""
    return packaged_table().with_overrides(parse_overrides(override_text))
