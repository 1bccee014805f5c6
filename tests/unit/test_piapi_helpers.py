"""Pure PiAPI helpers: the aspect ratio stated once, the version flag, credit words, envelope errors."""

from __future__ import annotations

import pytest

from gif_app.errors import AuthenticationError, InsufficientCreditsError, ProviderError
from gif_app.providers.piapi import is_credit_text, split_aspect, task_data, with_version


def test_prompt_loses_its_aspect_flag_and_keeps_the_ratio_it_named() -> None:
    assert split_aspect("a cat --ar 2:3 on a mat") == ("a cat on a mat", "2:3")
    assert split_aspect("a cat --aspect 4:5 --ar 16:9") == ("a cat", "16:9")  # the last one wins
    assert split_aspect("a cat --AR 1:1") == ("a cat", "1:1")
    assert split_aspect("a cat --ar") == ("a cat", "")
    assert split_aspect("a cat --ar wide") == ("a cat", "")  # not a ratio: dropped, the settings' ratio is used
    assert split_aspect("a bar--ar cat") == ("a bar--ar cat", "")  # no space before it: not a flag


def test_version_is_appended_once() -> None:
    assert with_version("a cat", "6.1") == "a cat --v 6.1"
    assert with_version("a cat --v 7", "6.1") == "a cat --v 7"
    assert with_version("a cat --niji 6", "6.1") == "a cat --niji 6"
    assert with_version("a cat", "") == "a cat"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("insufficient credits: please top up your PiAPI account", True),
        ("Your quota is not enough for this task", True),
        ("balance too low", True),
        ("failed to do imagine task: [Banned prompt detected] Request cancelled due to prompt filters", False),
        ("too many requests: concurrency limit of your plan reached", False),
        ("Job Timeout", False),
        ("the upstream endpoint ran out of time", False),  # "endpoint" is not a point balance
        ("No more PPU tasks allowed for the day", False),  # a daily penalty, not an empty balance
    ],
)
def test_credit_messages_are_known_by_their_words(text: str, expected: bool) -> None:
    assert is_credit_text(text) is expected


_FAILED_FOR_CREDITS = {"code": 200, "message": "success", "data": {
    "status": "failed", "error": {"code": 10001, "message": "failed", "raw_message": "not enough credits"}}}


@pytest.mark.parametrize(
    ("body", "error", "is_retryable"),
    [
        ({"code": 402, "message": "payment required", "data": None}, InsufficientCreditsError, False),
        (_FAILED_FOR_CREDITS, InsufficientCreditsError, False),
        ({"code": 401, "message": "invalid key", "data": None}, AuthenticationError, False),
        ({"code": 500, "message": "internal error", "data": None}, ProviderError, True),
        ({"code": 400, "message": "bad aspect ratio", "data": None}, ProviderError, False),
        ({"code": 200, "message": "success"}, ProviderError, False),
        (["not", "an", "envelope"], ProviderError, False),
    ],
)
def test_envelope_errors_inside_a_200_are_raised_by_kind(
    body: object, error: type[ProviderError], is_retryable: bool
) -> None:
    with pytest.raises(ProviderError) as caught:
        task_data(body)
    assert type(caught.value) is error and caught.value.is_retryable is is_retryable


def test_envelope_without_an_error_gives_its_task_data() -> None:
    body = {"code": 200, "message": "success",
            "data": {"task_id": "t1", "status": "pending", "error": {"code": 0, "message": "", "raw_message": ""}}}
    assert task_data(body)["task_id"] == "t1"
    assert task_data({"data": {"status": "completed"}})["status"] == "completed"  # PiAPI's short example
