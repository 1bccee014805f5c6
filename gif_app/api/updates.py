"""API methods of the update check: the first-run question, the banner, its link and its Dismiss."""

from __future__ import annotations

from typing import Any

from gif_app.api.context import ApiContext
from gif_app.api.envelope import envelope
from gif_app.errors import NotFoundError, ValidationError
from gif_app.updates import SETTING, UpdateCheck


class UpdatesApi:
    """The opt-in update check as the page sees it."""

    ctx: ApiContext

    @envelope
    def check_for_update(self) -> dict[str, Any]:
        """Start the background check when it is on and due; return the question and banner state."""
        updates = self.ctx.services.updates
        if updates is not None:
            updates.request()
        return _state(updates)

    @envelope
    def update_status(self) -> dict[str, Any]:
        """Return whether to ask, whether a check runs, and the banner's facts (None: nothing to show)."""
        return _state(self.ctx.services.updates)

    @envelope
    def answer_update_check(self, is_enabled: bool) -> dict[str, Any]:
        """Store the user's answer to the question (a setting, changeable in Settings) and check at once on yes."""
        if not isinstance(is_enabled, bool):
            raise ValidationError("The answer must be true or false.")
        settings = self.ctx.settings_file.load().settings
        settings["ui"][SETTING] = "daily" if is_enabled else "off"
        self.ctx.settings_file.save(settings)
        updates = self.ctx.services.updates
        if updates is not None and is_enabled:
            updates.request()
        return _state(updates)

    @envelope
    def dismiss_update(self) -> dict[str, Any]:
        """Hide the banner for the version it shows (a newer one shows again)."""
        updates = self.ctx.services.updates
        if updates is not None:
            updates.dismiss()
        return _state(updates)

    @envelope
    def open_release_notes(self) -> dict[str, Any]:
        """Open the release notes of the version the banner shows in the system browser (that address only)."""
        url = self.ctx.services.updates.open_release_notes() if self.ctx.services.updates else None
        if url is None:
            raise NotFoundError("No newer version is known.")
        return {"url": url}


def _state(updates: UpdateCheck | None) -> dict[str, Any]:
    if updates is None:
        return {"ask": False, "is_checking": False, "banner": None}
    return {"ask": not updates.is_asked, "is_checking": updates.is_checking, "banner": updates.banner()}
