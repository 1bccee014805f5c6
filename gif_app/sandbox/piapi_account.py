"""The PiAPI sandbox account: task duration, plan output shape, credit budget; parsed from GIF_SANDBOX_PIAPI.

`GIF_SANDBOX_PIAPI="task_s=45,output=grid,budget=3,credit_reply=200"` (every key optional):
- `task_s`: seconds from creation to `completed` (real Midjourney takes tens of seconds to minutes);
- `output`: what a completed imagine task returns, by plan (see OUTPUTS);
- `budget`: how many imagine tasks the account can still pay for (unset: no limit);
- `credit_reply`: how a task refused for credits is answered (see CREDIT_REPLIES).
"""

from __future__ import annotations

import math
from typing import Any

from gif_app.errors import ConfigurationError

PIAPI_ENV = "GIF_SANDBOX_PIAPI"

# What `data.output` holds once an imagine task completes. PiAPI's task-result page gates
# `temporary_image_urls` by plan (absent on Free and Creator pay-as-you-go); `image_urls` is not in its
# table but appears in real answers that consumers read.
OUTPUTS: tuple[str, ...] = (
    "temporary",   # image_url (the 2x2 grid) + temporary_image_urls + image_urls: Pro or host-your-account
    "image_urls",  # image_url + image_urls, no temporary_image_urls
    "grid",        # image_url only: Free or Creator pay-as-you-go
)
# PiAPI documents no answer for an empty balance, so the sandbox offers each shape a client must survive.
CREDIT_REPLIES: tuple[str, ...] = (
    "400",   # HTTP 400, envelope {"code": 400, "message": <credits>, "data": null}
    "402",   # HTTP 402, same envelope with 402
    "200",   # HTTP 200, envelope {"code": 400, "message": <credits>, "data": null}
    "task",  # HTTP 200, code 200, the task already `failed` with the reason in data.error
)

_KEYS = {"task_s": "piapi_task_duration", "output": "piapi_output", "budget": "piapi_task_budget",
         "credit_reply": "piapi_credit_reply"}


def parse_piapi(text: str) -> dict[str, Any]:
    """Parse "task_s=45,output=grid,budget=3,credit_reply=200" into SandboxConfig keyword arguments."""
    options: dict[str, Any] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, sep, value = (piece.strip() for piece in item.partition("="))
        if not sep or name.lower() not in _KEYS:
            raise ConfigurationError(
                f"{PIAPI_ENV}: {item!r} must look like key=value with key one of {', '.join(_KEYS)}"
            )
        options[_KEYS[name.lower()]] = _value(name.lower(), value)
    return options


def _value(name: str, text: str) -> Any:
    """Return the checked value of one option; raise ConfigurationError naming the variable if bad."""
    if name == "task_s":
        try:
            seconds = float(text)
        except ValueError:
            seconds = -1.0
        if not math.isfinite(seconds) or seconds < 0:
            raise ConfigurationError(f"{PIAPI_ENV}: task_s {text!r} must be zero or more seconds")
        return seconds
    if name == "budget":
        if not text.isdigit():
            raise ConfigurationError(f"{PIAPI_ENV}: budget {text!r} must be a whole number of tasks")
        return int(text)
    allowed = OUTPUTS if name == "output" else CREDIT_REPLIES
    if text.lower() not in allowed:
        raise ConfigurationError(f"{PIAPI_ENV}: {name} {text!r} must be one of {', '.join(allowed)}")
    return text.lower()

