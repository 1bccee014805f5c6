"""Coerce what the page sends into typed values; anything malformed is a ValidationError naming the argument.

The errors carry no per-field map: those keys belong to settings fields, which the page highlights.
"""

from __future__ import annotations

from typing import Any

from gif_app.errors import ValidationError


def as_int(value: Any, name: str, *, default: int | None = None, low: int | None = None,
           high: int | None = None) -> int:
    """Return `value` as an int (bool refused); None or "" give the default; out of range is refused."""
    if value is None or value == "":
        if default is None:
            raise ValidationError(f"{name} is required.")
        return default
    if isinstance(value, bool):
        raise ValidationError(f"{name} must be a whole number.")
    try:
        number = int(value)
        if isinstance(value, float) and number != value:
            raise ValueError(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{name} must be a whole number, not {str(value)[:40]!r}.") from None
    if (low is not None and number < low) or (high is not None and number > high):
        raise ValidationError(f"{name} must be between {low} and {high}.")
    return number


def as_page(query: dict[str, Any], default_size: int, max_size: int) -> tuple[int, int]:
    """Return (page, page_size) from a list query: page >= 1, size 1..max_size."""
    page = as_int(query.get("page"), "page", default=1, low=1, high=10**9)
    size = as_int(query.get("page_size"), "page_size", default=default_size, low=1, high=10**9)
    return page, min(size, max_size)


def as_ids(values: Any, name: str = "ids") -> tuple[int, ...]:
    """Return one id or a list of ids as a tuple of ints."""
    if values is None or values == "":
        return ()
    items = [values] if isinstance(values, (int, str)) else values
    if not isinstance(items, (list, tuple)):
        raise ValidationError(f"{name} must be a list of ids.")
    return tuple(as_int(item, name, low=1) for item in items)


def as_dict(value: Any, name: str) -> dict[str, Any]:
    """Return `value` when it is an object (None gives {})."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationError(f"{name} must be an object.")
    return value


def as_strings(value: Any, name: str) -> tuple[str, ...]:
    """Return one string or a list of strings as a tuple."""
    if value is None or value == "":
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not all(isinstance(i, str) for i in items):
        raise ValidationError(f"{name} must be a list of words.")
    return tuple(items)

