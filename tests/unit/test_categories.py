"""Stock categories: the metadata schema's enums, the sandbox's valid answers, ids stored, user edits checked."""

from __future__ import annotations

import json

import pytest

from gif_app.domain import StockMetadata
from gif_app.errors import ValidationError
from gif_app.export.targets import get_target
from gif_app.pipeline.categories import category_fields, validated_categories, with_category_ids
from gif_app.pipeline.metadata import PRESETS, build_metadata_prompt
from gif_app.providers.openai_llm import chosen_categories, metadata_schema
from gif_app.sandbox.schema_fill import Facts, fill


def test_adobe_and_shutterstock_are_asked_with_their_lists_as_enums() -> None:
    fields = category_fields()
    assert [f.site for f in fields] == ["adobe", "shutterstock"]
    schema = metadata_schema(fields)
    sites = schema["properties"]["categories"]
    assert "categories" in schema["required"] and sites["required"] == ["adobe", "shutterstock"]
    assert sites["additionalProperties"] is False  # strict Structured Outputs needs it on every object
    adobe, shutter = sites["properties"]["adobe"], sites["properties"]["shutterstock"]
    assert adobe["enum"] == [c.name for c in get_target("adobe").categories] and len(adobe["enum"]) == 21
    assert shutter["items"]["enum"] == [c.name for c in get_target("shutterstock").categories]
    assert (shutter["minItems"], shutter["maxItems"]) == (1, 2)
    # Fine-tuned models take no array bounds: the answer is capped after it comes back.
    unbounded = metadata_schema(fields, has_array_bounds=False)["properties"]["categories"]["properties"]
    assert "maxItems" not in unbounded["shutterstock"] and unbounded["shutterstock"]["items"]["enum"]


def test_the_prompt_spells_out_each_list() -> None:
    prompt = build_metadata_prompt(None, prompt="a red apple", keyword="apple", limits=PRESETS["adobe_stock"],
                                   categories=category_fields())
    assert "Graphic Resources" in prompt and "Animals/Wildlife" in prompt and "one to 2" in prompt


@pytest.mark.parametrize("subject", ["red apple on a wooden table", "golden retriever puppy", "vintage bicycle"])
def test_the_sandbox_answers_valid_distinct_categories(subject: str) -> None:
    fields = category_fields()
    facts = Facts(subject=subject, passed=True, reason="", keyword_count=20)
    answer = json.loads(json.dumps(fill(metadata_schema(fields), facts)))
    chosen = dict(chosen_categories(answer["categories"], fields))
    assert chosen["adobe"][0] in {c.name for c in get_target("adobe").categories}
    assert 1 <= len(answer["categories"]["shutterstock"]) <= 2
    assert len(set(answer["categories"]["shutterstock"])) == len(answer["categories"]["shutterstock"])
    assert chosen["shutterstock"] == tuple(answer["categories"]["shutterstock"])


def test_answers_off_the_list_are_dropped_and_names_become_ids() -> None:
    fields = category_fields()
    answered = chosen_categories({"adobe": "Graphic Resources", "shutterstock": ["Nature", "Unicorns", "Nature",
                                                                                  "Objects"]}, fields)
    assert answered == (("adobe", ("Graphic Resources",)), ("shutterstock", ("Nature", "Objects")))
    meta = with_category_ids(StockMetadata(title="t", categories=answered))
    assert meta.categories_for("adobe") == ("8",) and meta.categories_for("shutterstock") == ("Nature", "Objects")


def test_a_users_choice_is_checked_against_the_sites_list() -> None:
    assert validated_categories("adobe", ["Animals"]) == ("1",)
    assert validated_categories("adobe", ["11"]) == ("11",)
    assert validated_categories("shutterstock", ["nature", ""]) == ("Nature",)
    with pytest.raises(ValidationError, match="not on the Adobe Stock category list"):
        validated_categories("adobe", ["Dragons"])
    with pytest.raises(ValidationError, match="at most 1 category"):
        validated_categories("adobe", ["1", "2"])
    with pytest.raises(ValidationError, match="at most 2"):
        validated_categories("shutterstock", ["Nature", "Objects", "Arts"])
    with pytest.raises(ValidationError, match="no category list"):
        validated_categories("freepik", ["Nature"])
