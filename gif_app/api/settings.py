"""API methods for settings, keys, file pickers, the local model and the self-test report."""

from __future__ import annotations

from typing import Any

from gif_app import __version__
from gif_app import settings as settings_mod
from gif_app.api.args import as_dict, as_strings
from gif_app.api.context import ApiContext
from gif_app.api.envelope import envelope
from gif_app.dialogs import validate_path
from gif_app.errors import ConfigurationError, ValidationError
from gif_app.jobs.accounts import run_key_test
from gif_app.prices import packaged_table
from gif_app.stock_target import choose_target
from gif_app.vendors import VENDORS, address_needs_approval, find_vendor

# How long the page's question about a dropped file waits for the window's report of it (sent at the same time).
DROP_REPORT_WAIT_S = 1.0


class SettingsApi:
    """Settings, keys and file pickers."""

    ctx: ApiContext

    @envelope
    def app_info(self) -> dict[str, Any]:
        """Return the app's name, version, home folder and start-up notices."""
        return {"name": "Gen Image Factory", "version": __version__, "home": str(self.ctx.home.root),
                "is_sandbox": self.ctx.is_sandbox, "notices": [*self.ctx.notices, *self.ctx.keystore.notices()],
                "key_backend": self.ctx.keystore.backend.name}

    @envelope
    def get_settings(self) -> dict[str, Any]:
        """Return the saved settings, the schema for the form and any notices."""
        return {"settings": self.ctx.settings_file.load().settings, "schema": settings_mod.describe_schema(),
                "notices": [*self.ctx.notices, *self.ctx.keystore.notices()]}

    @envelope
    def validate_settings(self, values: dict[str, Any]) -> dict[str, Any]:
        """Return per-field messages for the values (empty when valid)."""
        _, errors = settings_mod.validate(as_dict(values, "values"))
        return {"errors": errors}

    @envelope
    def save_settings(self, values: dict[str, Any]) -> dict[str, Any]:
        """Validate and save; refused with per-field messages when something is out of range, and refused
        when a vendor's address moves to a new host the user did not confirm in a native dialog."""
        clean = settings_mod.validated(as_dict(values, "values"))
        self._confirm_new_addresses(clean)
        return {"settings": self.ctx.settings_file.save(clean)}

    def _confirm_new_addresses(self, clean: settings_mod.Settings) -> None:
        """Ask natively before a vendor key may follow its address to another host; raise when refused."""
        saved = self.ctx.settings_file.load().settings["providers"]
        refused: dict[str, str] = {}
        for vendor in VENDORS:
            setting = vendor.base_url_setting
            old, new = str(saved.get(setting) or ""), str(clean["providers"].get(setting) or "")
            if not address_needs_approval(vendor.id, old, new):
                continue
            question = (f"Send your {vendor.label} key to {new}?\n\nEvery {vendor.label} call, with your key, "
                        f"will go to this address instead of {vendor.default_base_url}. Only say yes if you set "
                        "up this proxy or gateway yourself.")
            if not self.ctx.dialogs.confirm(f"New {vendor.label} address", question):
                refused[f"providers.{setting}"] = (f"Not saved: you did not confirm sending your {vendor.label} "
                                                   "key to this address.")
        if refused:
            raise ValidationError("A vendor address was not confirmed; nothing was saved.", refused)

    @envelope
    def choose_stock_target(self, values: dict[str, Any], target: str) -> dict[str, Any]:
        """Return the form values with a stock target's needs applied and the list of settings it changed."""
        updated, changes = choose_target(as_dict(values, "values"), str(target))
        return {"values": updated, "changes": [c.to_json() for c in changes]}

    @envelope
    def reset_settings(self, keep_keys: bool = True) -> dict[str, Any]:
        """Reset every setting to its default; without keep_keys, the stored keys are cleared too."""
        if not keep_keys:
            for item in self.ctx.keystore.status():
                self.ctx.keystore.clear(str(item["name"]))
        return {"settings": self.ctx.settings_file.save(settings_mod.defaults())}

    @envelope
    def key_status(self) -> list[dict[str, Any]]:
        """Return every key's masked view."""
        return self.ctx.keystore.status()

    @envelope
    def set_key(self, name: str, value: str) -> list[dict[str, Any]]:
        """Store one key and return the masked views."""
        self.ctx.keystore.set(str(name), str(value))
        return self.ctx.keystore.status()

    @envelope
    def clear_key(self, name: str) -> list[dict[str, Any]]:
        """Remove one stored key and return the masked views."""
        self.ctx.keystore.clear(str(name))
        return self.ctx.keystore.status()

    @envelope
    def test_key(self, vendor: str) -> dict[str, Any]:
        """Test one vendor's stored key with its cheapest authenticated call: ok, wrong key, no credits..."""
        access = self.ctx.services.access
        if access is None:
            raise ConfigurationError("Keys cannot be tested in this window.")
        if find_vendor(str(vendor)) is None:
            raise ValidationError(f"Unknown vendor {vendor!r}.")
        return run_key_test(str(vendor), access()).to_dict()

    @envelope
    def price_table(self) -> dict[str, Any]:
        """Return the packaged price table's rows (read-only) for Settings → Advanced."""
        return {"entries": [entry.to_dict() for entry in packaged_table().entries]}

    @envelope
    def pick_path(self, kind: str, file_types: list[str] | None = None, current: str = "") -> dict[str, Any]:
        """Open the native file or folder dialog."""
        if kind not in {"file", "dir"}:
            raise ValidationError("kind must be 'file' or 'dir'.")
        types = list(as_strings(file_types, "file_types"))
        return {"path": self.ctx.dialogs.pick_path(kind, types, str(current or ""))}

    @envelope
    def validate_path(self, path: str, kind: str = "file") -> dict[str, Any]:
        """Check that a path exists (file) or can be used (folder)."""
        is_ok, message = validate_path(str(path or ""), kind)
        return {"ok": is_ok, "message": message}


    @envelope
    def dropped_file_path(self, name: str) -> dict[str, Any]:
        """Return where a file dropped on the window lies (None when the window did not report it)."""
        return {"path": self.ctx.drops.take(str(name), DROP_REPORT_WAIT_S)}

    @envelope
    def model_status(self, model_name: str) -> dict[str, Any]:
        """Return whether a local background-removal model is present (and any download in progress)."""
        return self.ctx.services.models.model_status(str(model_name))

    @envelope
    def download_model(self, model_name: str) -> dict[str, Any]:
        """Download a local model into the app home; the page asks the user first."""
        return self.ctx.services.models.start(str(model_name))

    @envelope
    def cancel_model_download(self) -> dict[str, Any]:
        """Stop the model download."""
        return self.ctx.services.models.cancel()


    @envelope
    def self_test_report(self, result: str) -> dict[str, Any]:
        """Receive the page's answer in `gif-app --self-test` (ignored otherwise)."""
        sink = self.ctx.services.self_test_sink
        if sink is not None:
            sink(str(result))
        return {"received": sink is not None}
