"""Settings as one typed record: defaults, validation with per-field messages, JSON load/save, overrides."""

from __future__ import annotations

import copy
import difflib
import json
import logging
import math
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from gif_app.errors import StorageError, ValidationError
from gif_app.file_ops import replace_file
from gif_app.openai_models import json_schema_problem
from gif_app.path_text import clean_path_text
from gif_app.prices import override_problem
from gif_app.providers.runware_models import format_problem, lora_problem
from gif_app.settings_schema import SECTIONS, SETTINGS, Setting

log = logging.getLogger(__name__)

Settings = dict[str, dict[str, Any]]


MAX_IMAGES_PER_JOB = 10_000
MJ_IMAGES_PER_TASK = 4  # a PiAPI (Midjourney) task renders, bills and keeps a grid of four


def images_per_generation(params: dict[str, Any]) -> int:
    """Return the images one generation yields with these parameters: PiAPI rounds up to whole 4-image tasks."""
    variations = int(params["variations"])
    if params["provider"] == "piapi":
        return -(-variations // MJ_IMAGES_PER_TASK) * MJ_IMAGES_PER_TASK
    return variations


def defaults() -> Settings:
    """Return a fresh nested dict of every setting at its default."""
    return {section.name: {s.name: copy.deepcopy(s.default) for s in section.settings} for section in SECTIONS}


def get(settings: Settings, key: str) -> Any:
    """Return the value of a dotted key, falling back to its default."""
    section, name = key.split(".", 1)
    value = settings.get(section, {}).get(name, None)
    return SETTINGS[key].default if value is None else value


def flatten(settings: Settings) -> dict[str, Any]:
    """Return {"section.name": value} for every known key."""
    return {key: get(settings, key) for key in SETTINGS}


def coerce_value(setting: Setting, raw: Any) -> Any:
    """Convert a raw value (JSON or text) to the setting's type; raise ValueError with a user message."""
    kind = setting.kind
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in {"true", "1", "yes", "on"}:
            return True
        if text in {"false", "0", "no", "off", ""}:
            return False
        raise ValueError("Choose on or off.")
    if kind in {"int", "float"}:
        if isinstance(raw, bool):
            raise ValueError("Enter a number.")
        try:
            number = float(str(raw).strip()) if not isinstance(raw, (int, float)) else float(raw)
        except ValueError:
            raise ValueError("Enter a number.") from None
        if not math.isfinite(number):  # NaN slips past every bound check and is not valid JSON
            raise ValueError("Enter a number.")
        if kind == "int":
            if not number.is_integer():
                raise ValueError("Enter a whole number.")
            return _check_bounds(setting, int(number))
        return _check_bounds(setting, number)
    if raw is None:
        return ""
    if kind in {"file", "dir"}:
        return _check_path(setting, raw)
    text = str(raw)
    if kind == "choice":
        allowed = [value for value, _ in setting.choices]
        if text not in allowed:
            raise ValueError(f"Choose one of: {', '.join(allowed)}.")
        return text
    if kind == "url":
        parsed = urlparse(text.strip())
        if parsed.scheme not in {"http", "https"} or not parsed.netloc:
            raise ValueError("Enter a full http(s):// address.")
        return text.strip().rstrip("/")
    return text.strip() if kind in {"str", "file", "dir"} else text


def _check_path(setting: Setting, raw: Any) -> str:
    """Return the trimmed path text; refuse a non-text, relative, or (for folders) unusable path."""
    what = "folder" if setting.kind == "dir" else "file"
    if not isinstance(raw, str):
        raise ValueError(f"{setting.label}: enter a {what} path as text.")
    text = clean_path_text(raw)  # pasted with quotes, shell escapes or as a file:// URL
    if not text:
        return ""  # empty means "use the app home's default"
    path = Path(text).expanduser()
    if not path.is_absolute():
        # A relative path would follow whatever the current directory is when a job runs.
        raise ValueError(f"{setting.label}: use a full {what} path (starting at / or a drive), not {text!r}.")
    if setting.kind == "dir":
        problem = folder_problem(path)
        if problem:
            raise ValueError(f"{setting.label}: {problem}")
    return text


def folder_problem(path: Path) -> str:
    """Return why the folder cannot be used (exists as a file, cannot be created, not writable), or ""."""
    existing = path
    while not existing.exists():  # the nearest existing ancestor decides whether the folder can be made
        if existing.parent == existing:
            return f"{path} cannot be created."
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is a file, not a folder." if existing == path else f"{existing} is a file, so " \
            f"{path} cannot be created."
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{existing} is not writable." if existing == path else f"{existing} is not writable, so " \
            f"{path} cannot be created."
    return ""


def _check_bounds(setting: Setting, number: float) -> Any:
    if setting.minimum is not None and number < setting.minimum:
        raise ValueError(f"Must be between {_fmt(setting.minimum)} and {_fmt(setting.maximum)}.")
    if setting.maximum is not None and number > setting.maximum:
        raise ValueError(f"Must be between {_fmt(setting.minimum)} and {_fmt(setting.maximum)}.")
    return number


def _fmt(value: float | None) -> str:
    if value is None:
        return "any"
    return str(int(value)) if float(value).is_integer() else str(value)


def validate(values: dict[str, Any]) -> tuple[Settings, dict[str, str]]:
    """Check nested or flat values against the schema; return (clean settings, {key: message})."""
    flat = _to_flat(values)
    clean = defaults()
    errors: dict[str, str] = {}
    for key, raw in flat.items():
        setting = SETTINGS.get(key)
        if setting is None:
            continue  # unknown keys from older versions are dropped, not fatal
        try:
            value = coerce_value(setting, raw)
        except ValueError as exc:
            errors[key] = str(exc)
            continue
        clean[setting.section][setting.name] = value
    errors.update(_cross_field_errors(clean))
    return clean, errors


def _cross_field_errors(clean: Settings) -> dict[str, str]:
    errors: dict[str, str] = {}
    dims = str(clean["parameters"]["runware_dimensions_csv"]).strip()
    if dims:
        for part in dims.split(","):
            width, _, height = part.strip().lower().partition("x")
            if not (width.isdigit() and height.isdigit()):
                errors["parameters.runware_dimensions_csv"] = f"'{part.strip()}' is not WIDTHxHEIGHT."
                break
    meta = clean["metadata"]
    if meta["keywords_min"] > meta["keywords_max"]:
        errors["metadata.keywords_min"] = "Must not exceed the maximum."
    if clean["parameters"]["count"] * images_per_generation(clean["parameters"]) > MAX_IMAGES_PER_JOB:
        errors["parameters.count"] = (f"Generations × variations must stay within {MAX_IMAGES_PER_JOB:,} images"
                                      + (" (PiAPI keeps 4 per task)." if clean["parameters"]["provider"] == "piapi"
                                         else "."))
    model_problem = json_schema_problem(str(clean["parameters"]["openai_model"]))
    if model_problem:
        errors["parameters.openai_model"] = model_problem
    prices = override_problem(str(clean["advanced"]["price_overrides"]))
    if prices:
        errors["advanced.price_overrides"] = prices
    lora = lora_problem(clean["parameters"]["lora"]) if clean["parameters"]["lora_enabled"] else ""
    if lora:
        errors["parameters.lora"] = lora
    params = clean["parameters"]
    vector = format_problem(str(params["runware_model"]), str(params["runware_format"])) \
        if params["provider"] == "runware" else ""
    if vector:
        errors["parameters.runware_format"] = vector
    return errors


def validated(values: dict[str, Any]) -> Settings:
    """Return clean settings or raise ValidationError with per-field messages."""
    clean, errors = validate(values)
    if errors:
        raise ValidationError("Some settings need attention.", errors)
    return clean


def flatten_values(values: dict[str, Any]) -> dict[str, Any]:
    """Return nested or flat raw values as {"section.name": value} (no validation)."""
    return _to_flat(values)


def _to_flat(values: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict) and "." not in key:
            for name, inner in value.items():
                flat[f"{key}.{name}"] = inner
        else:
            flat[key] = value
    return flat


def apply_overrides(settings: Settings, assignments: list[str]) -> Settings:
    """Apply "section.name=value" overrides (the CLI's --set); raise ValidationError on bad input."""
    check_override_keys(assignments)
    flat = flatten(settings)
    for assignment in assignments:
        key, _, raw = assignment.partition("=")
        flat[key.strip()] = raw
    return validated(flat)


def check_override_keys(assignments: list[str]) -> None:
    """Refuse an override that is not KEY=VALUE or names no setting (before any home is opened)."""
    errors: dict[str, str] = {}
    for assignment in assignments:
        key, sep, _ = assignment.partition("=")
        key = key.strip()
        if not sep:
            errors[key or assignment] = f"Use KEY=VALUE, for example {example_assignment(key)}."
        elif key not in SETTINGS:
            errors[key] = unknown_key_message(key)
    if errors:
        raise ValidationError("Some overrides are not valid.", errors)


def similar_keys(key: str, limit: int = 3) -> list[str]:
    """Return real setting keys close to a mistyped one: same name in another section, else close spellings."""
    name = key.rsplit(".", 1)[-1]
    same_name = [k for k, s in SETTINGS.items() if s.name == name]
    return same_name[:limit] or difflib.get_close_matches(key, list(SETTINGS), n=limit, cutoff=0.6)


def example_assignment(key: str = "") -> str:
    """Return a KEY=VALUE example from the schema: for `key` when it is a setting, else the first number one."""
    setting = SETTINGS.get(key) or next(s for s in SETTINGS.values() if s.kind == "int" and s.maximum)
    value = str(setting.default).lower() if setting.kind == "bool" else setting.default
    return f"{setting.key}={value}"


def unknown_key_message(key: str) -> str:
    """Return the refusal of an unknown setting key, naming the closest real keys."""
    close = similar_keys(key)
    hint = f"Did you mean {' or '.join(close)}? " if close else f"For example {example_assignment()}. "
    return f"Unknown setting. {hint}`gif-app settings show --defaults` lists every key."


@dataclass(frozen=True)
class LoadResult:
    """Settings read from disk, with a notice when the file had to be replaced by defaults."""

    settings: Settings
    notice: str | None = None
    field_errors: dict[str, str] | None = None


class SettingsFile:
    """The settings JSON file in the app home."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> LoadResult:
        """Read the file; a file that does not parse is kept as a backup and defaults are used."""
        if not self.path.exists():
            return LoadResult(defaults())
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(raw, dict):
                raise ValueError("top level is not an object")
        except RecursionError:
            # json.loads recurses once per nesting level: a deeply nested file would end start-up with a traceback.
            return self._replace("nested too deeply")
        except MemoryError:
            return self._replace("too large to read")
        except (ValueError, OSError) as exc:  # bad JSON, bad UTF-8 (UnicodeDecodeError), wrong type, unreadable
            return self._replace(str(exc))
        clean, errors = validate(raw)
        if errors:
            notice = "Some saved settings were out of range and were reset to defaults: " + ", ".join(
                sorted(errors))
            return LoadResult(clean, notice, errors)
        return LoadResult(clean)

    def _replace(self, reason: str) -> LoadResult:
        """Keep the unreadable file as settings.json.bad-<timestamp> and answer defaults with a notice."""
        backup = _free_name(self.path.with_name(f"{self.path.name}.bad-{datetime.now():%Y%m%d-%H%M%S}"))
        try:
            self.path.replace(backup)
        except OSError:
            backup = self.path
        log.warning("settings file %s could not be read (%s); using defaults; the old file is %s",
                    self.path, reason, backup)
        notice = (f"Your settings file could not be read ({_short(reason)}). The app started with defaults; "
                  f"the old file was kept as {backup.name}.")
        return LoadResult(defaults(), notice)

    def save(self, settings: Settings) -> Settings:
        """Validate and write atomically; return what was written."""
        clean = validated(settings)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".settings-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(clean, handle, indent=2, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            replace_file(Path(tmp), self.path)  # a scanner holding settings.json: retried, then named
        except OSError as exc:
            raise StorageError(f"Could not save settings to {self.path}: {exc.strerror or exc}") from exc
        return clean


def _short(reason: str) -> str:
    """Return the reason cut to one readable line (a decoder's message can quote the junk it met)."""
    line = reason.splitlines()[0] if reason else "unknown reason"
    return line if len(line) <= 160 else line[:157] + "..."


def _free_name(candidate: Path) -> Path:
    """Return the path, or path-2 and so on, so an earlier backup is never overwritten."""
    free, n = candidate, 1
    while free.exists():
        n += 1
        free = candidate.with_name(f"{candidate.name}-{n}")
    return free


def describe_schema(*, for_job: bool = False) -> list[dict[str, Any]]:
    """Return the schema as JSON-ready sections for the settings form (`for_job`: a job's sections only)."""
    out: list[dict[str, Any]] = []
    for section in SECTIONS:
        if for_job and not section.is_per_job:
            continue
        out.append({
            "name": section.name,
            "label": section.label,
            "help": section.help,
            "settings": [_describe(s) for s in section.settings],
        })
    return out


def _describe(setting: Setting) -> dict[str, Any]:
    return {
        "key": setting.key,
        "kind": setting.kind,
        "default": setting.default,
        "label": setting.label,
        "help": setting.help,
        "min": setting.minimum,
        "max": setting.maximum,
        "step": setting.step,
        "choices": [{"value": v, "label": lbl} for v, lbl in setting.choices],
        "visible_if": [{"key": k, "values": list(vals)} for k, vals in setting.visible_if],
        "advanced": setting.advanced,
        "file_types": list(setting.file_types),
        "placeholder": setting.placeholder,
    }


def is_visible(setting: Setting, settings: Settings) -> bool:
    """Return True when the setting applies under the other values (e.g. JPG quality only for JPG)."""
    return all(get(settings, key) in values for key, values in setting.visible_if)


def labelled_rows(settings: Settings) -> list[tuple[str, str, str]]:
    """Return (section label, setting label, shown value) rows; "Not applied" where a step was off."""
    rows: list[tuple[str, str, str]] = []
    for section in SECTIONS:
        if not section.is_per_job:
            continue
        for setting in section.settings:
            if setting.advanced:
                continue
            if not is_visible(setting, settings):
                rows.append((section.label, setting.label, "Not applied"))
                continue
            rows.append((section.label, setting.label, _show(setting, get(settings, setting.key))))
    return rows


def _show(setting: Setting, value: Any) -> str:
    if setting.kind == "bool":
        return "On" if value else "Off"
    if setting.kind == "choice":
        return dict(setting.choices).get(str(value), str(value))
    if value in ("", None):
        return "—"
    return str(value)
