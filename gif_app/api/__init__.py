"""The API the page calls: one class of enveloped methods, one module per area.

The page reaches these methods by exact name only (see `surface`): never the object, its attributes or
anything they lead to.
"""

from __future__ import annotations

from gif_app.api.context import ApiContext
from gif_app.api.exports import ExportsApi
from gif_app.api.images import ImagesApi
from gif_app.api.jobs import JobsApi
from gif_app.api.retry import RetryApi
from gif_app.api.settings import SettingsApi
from gif_app.api.updates import UpdatesApi


class Api(SettingsApi, JobsApi, ImagesApi, RetryApi, ExportsApi, UpdatesApi):
    """Everything the page can ask of the app."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx


__all__ = ["Api", "ApiContext"]
