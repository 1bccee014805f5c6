"""The sandbox language model answers about the subject it was given, wherever the request puts it."""

from __future__ import annotations

from gif_app.sandbox.replies import Conversation, subject_of


def test_subject_comes_from_the_user_turn_when_it_names_one() -> None:
    talk = Conversation(system=["You write stock prompts."],
                        user=["Write one image prompt for this keyword: red apple"])
    assert subject_of(talk) == "red apple"


def test_a_template_run_takes_its_subject_from_the_instructions() -> None:
    talk = Conversation(system=["A flat lay of cup of coffee, cozy atmosphere."],
                        user=["Generate one image prompt now, following your instructions."])
    assert subject_of(talk).startswith("A flat lay of cup of coffee")


def test_image_requests_read_the_main_keyword_from_the_system_prompt() -> None:
    talk = Conversation(system=["Write metadata.\nMain keyword: golden retriever puppy\n- keywords: 5 to 49"],
                        user=["Write the stock metadata for this image."], images=[b"\x89PNG"])
    assert subject_of(talk) == "golden retriever puppy"
