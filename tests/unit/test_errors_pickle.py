"""Errors survive a trip between processes (the `process` command runs the recipe in a process pool)."""

from __future__ import annotations

import pickle

from gif_app.errors import AuthenticationError, ProcessingError, ProviderError, ValidationError


def test_every_error_kind_keeps_its_code_and_fields_through_pickle() -> None:
    errors = [
        ProcessingError("trim", "Trim failed: empty image"),
        ProviderError("Rate limited", vendor="runware", status=429, retry_after=2.0, is_retryable=True),
        AuthenticationError("Invalid API key", vendor="openai", status=401),
        ValidationError("Some settings need attention.", {"parameters.count": "Must be between 1 and 2500."}),
    ]
    for error in errors:
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert copy.to_dict() == error.to_dict()
        assert str(copy) == str(error)
    assert pickle.loads(pickle.dumps(errors[1])).retry_after == 2.0
