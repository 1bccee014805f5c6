"""Fill a JSON schema with values: walk its types, and say something meaningful for known field names."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from gif_app.sandbox.replies import (
    NEGATIVE_PROMPT,
    Conversation,
    description_for,
    keywords_for,
    qc_verdict,
    stock_prompt,
    subject_of,
    title_for,
    wanted_keyword_count,
)

logger = logging.getLogger(__name__)

_PROMPT_NAMES = frozenset({"prompt", "image_prompt", "positive_prompt", "positiveprompt", "text_prompt"})
_REASON_NAMES = frozenset({"reason", "explanation", "feedback", "rationale", "notes", "comment"})
_TITLE_NAMES = frozenset({"title", "new_title", "headline", "name"})
_DESCRIPTION_NAMES = frozenset({"description", "new_description", "caption", "summary"})
_KEYWORD_NAMES = frozenset({"keywords", "tags", "uploadtags", "upload_tags", "keyword_list"})
_VERDICT_NAMES = frozenset({"passed", "pass", "approved", "ok", "is_acceptable", "accepted"})


@dataclass(frozen=True)
class Facts:
    """What the answer is about, computed once per request."""

    subject: str
    passed: bool
    reason: str
    keyword_count: int

    @classmethod
    def of(cls, conversation: Conversation) -> Facts:
        """Gather the subject, QC verdict and wanted keyword count of a conversation."""
        passed, reason = qc_verdict(conversation)
        return cls(subject_of(conversation), passed, reason, wanted_keyword_count(conversation))


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """Follow a local `$ref` (#/$defs/X or #/definitions/X) to its schema."""
    seen = 0
    while "$ref" in schema and seen < 32:
        node: Any = root
        for part in str(schema["$ref"]).lstrip("#/").split("/"):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        schema, seen = (node if isinstance(node, dict) else {}), seen + 1
    return schema


def _pick(options: list[Any], name: str, facts: Facts) -> Any:
    """Pick one enum value, stable for the field and subject."""
    index = hashlib.sha256(f"{name}|{facts.subject}".encode()).digest()[0] % len(options)
    return options[index]


def _fit(text: str, schema: dict[str, Any]) -> str:
    """Trim or pad a string to the schema's minLength/maxLength."""
    high = schema.get("maxLength")
    if isinstance(high, int) and len(text) > high:
        text = text[:high].rsplit(" ", 1)[0] if " " in text[:high] else text[:high]
    low = schema.get("minLength")
    if isinstance(low, int) and len(text) < low:
        text = (text + " " + "stock image " * low)[:low]
    return text


def _string(name: str, schema: dict[str, Any], facts: Facts) -> str:
    """Return a string for a field, meaningful when the name is known."""
    key = name.lower()
    if key in _PROMPT_NAMES:
        text = stock_prompt(facts.subject)
    elif key in ("negative_prompt", "negativeprompt"):
        text = NEGATIVE_PROMPT
    elif key in _REASON_NAMES:
        text = facts.reason
    elif key in _TITLE_NAMES:
        text = title_for(facts.subject)
    elif key in _DESCRIPTION_NAMES:
        text = description_for(facts.subject)
    elif key in _KEYWORD_NAMES:
        text = ", ".join(keywords_for(facts.subject, facts.keyword_count))
    else:
        text = facts.subject
    return _fit(text, schema)


def _number(name: str, schema: dict[str, Any], facts: Facts, kind: str) -> int | float:
    """Return a number inside the schema's bounds (a stock category id for `category`)."""
    low = schema.get("minimum", 1)
    high = schema.get("maximum", 21 if "category" in name.lower() else 10)
    if "exclusiveMinimum" in schema:
        low = schema["exclusiveMinimum"] + 1
    if "exclusiveMaximum" in schema:
        high = schema["exclusiveMaximum"] - 1
    span = max(0, int(high) - int(low))
    value = int(low) + hashlib.sha256(f"{name}|{facts.subject}".encode()).digest()[0] % (span + 1)
    return value if kind == "integer" else float(value)


def _array(name: str, schema: dict[str, Any], facts: Facts, root: dict[str, Any]) -> list[Any]:
    """Return an array: keywords for keyword-like names, else a few filled items."""
    items = _resolve(schema.get("items", {}) if isinstance(schema.get("items"), dict) else {}, root)
    wanted = facts.keyword_count if name.lower() in _KEYWORD_NAMES else 3
    low, high = schema.get("minItems", 0), schema.get("maxItems", 50)
    count = min(max(wanted, int(low)), int(high))
    if name.lower() in _KEYWORD_NAMES and items.get("type", "string") == "string" and "enum" not in items:
        return [_fit(word, items) for word in keywords_for(facts.subject, count)]
    if isinstance(items.get("enum"), list) and items["enum"]:
        # Distinct choices from a fixed list (a stock site's categories), stable for the subject.
        options = items["enum"]
        first = options.index(_pick(options, name, facts))
        return [options[(first + i) % len(options)] for i in range(min(count, len(options)))]
    return [fill(items, facts, name, root) for _ in range(count)]


def fill(schema: dict[str, Any], facts: Facts, name: str = "", root: dict[str, Any] | None = None) -> Any:
    """Return a value that obeys `schema` (objects, arrays, scalars, enum, const, anyOf, $ref)."""
    root = schema if root is None else root
    schema = _resolve(schema, root)
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return _pick(schema["enum"], name, facts)
    for combinator in ("anyOf", "oneOf", "allOf"):
        options = [_resolve(o, root) for o in schema.get(combinator, []) if isinstance(o, dict)]
        options = [o for o in options if o.get("type") != "null"]
        if options:
            return fill(options[0], facts, name, root)
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        properties = schema.get("properties", {})
        return {key: fill(sub, facts, key, root) for key, sub in properties.items() if isinstance(sub, dict)}
    if kind == "array":
        return _array(name, schema, facts, root)
    if kind == "boolean":
        return facts.passed if name.lower() in _VERDICT_NAMES or name.lower().startswith("is_") else True
    if kind in ("integer", "number"):
        return _number(name, schema, facts, kind)
    if kind == "null":
        return None
    return _string(name, schema, facts)
