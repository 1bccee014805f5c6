"""Runware's per-model size rules, the snapping of asked sizes, LoRA weights and the task the adapter builds."""

from __future__ import annotations

import pytest

from gif_app.errors import AuthenticationError, ConfigurationError, InsufficientCreditsError, ProviderError
from gif_app.providers.base import RenderRequest
from gif_app.providers.runware import build_task, task_error
from gif_app.providers.runware_models import (
    DEFAULT,
    MODELS,
    format_problem,
    lora_problem,
    parse_lora,
    parse_ratio,
    size_for,
    snap_side,
    spec_for,
)

FLUX_DEV = spec_for("runware:101@1")
NANO_BANANA = spec_for("google:4@1")


def test_every_model_in_the_table_accepts_its_own_native_size() -> None:
    for spec in (*MODELS.values(), DEFAULT):
        assert spec.accepts(spec.native), spec.air
        assert spec.delivery in ("sync", "async")


def test_default_model_is_flux_dev_at_1024_in_multiples_of_64() -> None:
    assert (FLUX_DEV.native, FLUX_DEV.minimum, FLUX_DEV.maximum, FLUX_DEV.step) == ((1024, 1024), 128, 2048, 64)
    assert FLUX_DEV.delivery == "sync"


def test_unknown_models_fall_back_to_1024_and_multiples_of_64() -> None:
    spec = spec_for("civitai:999@999")
    assert spec is DEFAULT and spec.native == (1024, 1024) and spec.step == 64


@pytest.mark.parametrize(
    ("given", "expected"),
    [(1024, 1024), (720, 704), (736, 768), (1001, 1024), (1000, 1024), (50, 128), (5000, 2048), (96, 128),
     (2047, 2048), (1280, 1280)],
)
def test_sides_snap_to_the_nearest_multiple_of_the_step_within_bounds(given: int, expected: int) -> None:
    assert snap_side(given, FLUX_DEV) == expected


def test_suggested_1280x720_becomes_1280x704_for_flux_dev() -> None:
    assert size_for(FLUX_DEV, 1280, 720) == (1280, 704)


def test_no_size_means_the_models_native_size() -> None:
    assert size_for(FLUX_DEV, None, None) == (1024, 1024)
    assert size_for(spec_for("unknown:1@1"), None, None) == (1024, 1024)


def test_an_aspect_ratio_alone_keeps_the_native_area_and_is_snapped() -> None:
    width, height = size_for(FLUX_DEV, None, None, "16:9")
    assert (width, height) == (1344, 768)
    assert FLUX_DEV.accepts((width, height))
    assert size_for(FLUX_DEV, None, None, "not a ratio") == (1024, 1024)
    assert parse_ratio("3:2") == 1.5 and parse_ratio("0:1") is None and parse_ratio("16x9") is None


def test_fixed_size_models_get_the_listed_size_closest_in_aspect_ratio() -> None:
    assert NANO_BANANA.delivery == "async"
    assert size_for(NANO_BANANA, 1280, 720) == (1344, 768)
    assert size_for(NANO_BANANA, 600, 900) == (832, 1248)
    assert size_for(NANO_BANANA, None, None) == (1024, 1024)
    assert all(NANO_BANANA.accepts(size_for(NANO_BANANA, w, h)) for w in (300, 1000, 3000) for h in (300, 2000))


def test_default_task_always_carries_size_delivery_and_no_deprecated_fields() -> None:
    task = build_task(RenderRequest(prompt="a red apple on white", model="runware:101@1"), 2, "uuid")
    assert (task["width"], task["height"]) == (1024, 1024)
    assert task["deliveryMethod"] == "sync" and task["taskType"] == "imageInference"
    assert task["numberResults"] == 2 and task["outputFormat"] == "PNG" and task["includeCost"] is True
    assert "negativePrompt" not in task and "checkNSFW" not in task and "safety" not in task


def test_task_carries_snapped_size_advanced_options_lora_safety_and_clean_prompts() -> None:
    request = RenderRequest(
        prompt="a red apple --ar 16:9 --v 6.1", negative_prompt="blurry --no text", width=1001, height=700,
        output_format="jpg", seed=7,
        options={"CFGScale": 3.5, "steps": 28, "lora": "civitai:1@2:-0.8", "checkContent": True},
    )
    task = build_task(request, 1, "uuid")
    assert task["positivePrompt"] == "a red apple"
    assert task["negativePrompt"] == "blurry"
    assert (task["width"], task["height"], task["outputFormat"], task["seed"]) == (1024, 704, "JPG", 7)
    assert task["CFGScale"] == 3.5 and task["steps"] == 28
    assert task["lora"] == [{"model": "civitai:1@2", "weight": -0.8}]
    assert task["safety"] == {"checkContent": True} and "checkNSFW" not in task


def test_async_model_task_asks_for_async_delivery_and_a_listed_size() -> None:
    task = build_task(RenderRequest(prompt="a red apple", model="google:4@1", width=1280, height=720), 1, "u")
    assert task["deliveryMethod"] == "async" and (task["width"], task["height"]) == (1344, 768)


def test_lora_weight_out_of_range_is_refused_before_sending() -> None:
    with pytest.raises(ConfigurationError, match="-4 to 4"):
        build_task(RenderRequest(prompt="a red apple", options={"lora": "civitai:1@2:5"}), 1, "uuid")


def test_lora_text_takes_a_number_after_the_last_colon_as_the_weight() -> None:
    assert parse_lora("civitai:144142@160130:0.8\nrunware:5@1\n\nmodel:x@y:12\nciv:1@2:-4") == [
        {"model": "civitai:144142@160130", "weight": 0.8},
        {"model": "runware:5@1", "weight": 1.0},
        {"model": "model:x@y", "weight": 12.0},
        {"model": "civ:1@2", "weight": -4.0},
    ]
    assert parse_lora([{"model": "a:1@1", "weight": 2}]) == [{"model": "a:1@1", "weight": 2.0}]
    assert parse_lora(None) == []


@pytest.mark.parametrize(("text", "is_ok"), [("civitai:1@2:4", True), ("civitai:1@2:-4", True),
                                             ("civitai:1@2", True), ("civitai:1@2:5", False),
                                             ("civitai:1@2:-4.5", False), ("a:1@1:0.5\nb:2@2:10", False),
                                             ("civitai:1@2:nan", False)])
def test_lora_problem_names_the_first_weight_out_of_range(text: str, is_ok: bool) -> None:
    assert (lora_problem(text) == "") is is_ok


@pytest.mark.parametrize(
    ("item", "kind"),
    [({"code": "invalidApiKey", "message": "Invalid API key."}, AuthenticationError),
     ({"code": "x", "message": "no", "taskType": "authentication"}, AuthenticationError),
     ({"code": "insufficientCredits", "message": "Top up."}, InsufficientCreditsError),
     ({"code": "timeoutProvider", "message": "The provider timed out."}, ProviderError)],
)
def test_errors_items_become_app_errors_in_runwares_words(item: dict[str, str], kind: type[ProviderError]) -> None:
    error = task_error(item)
    assert type(error) is kind
    assert error.message == f"Runware: {item['message']}" and error.vendor == "runware"


def test_vector_models_get_a_vectorize_task_in_svg_without_raster_only_fields() -> None:
    request = RenderRequest(prompt="a fox logo --ar 16:9", model="recraft:v4@vector", width=1280, height=720,
                            negative_prompt="text", output_format="png",
                            options={"lora": "civitai:1@2:0.5", "CFGScale": 7, "checkContent": True})
    task = build_task(request, 3, "uuid")
    assert task["taskType"] == "vectorize" and task["outputFormat"] == "SVG"  # a vector model renders SVG only
    assert (task["width"], task["height"]) == (1344, 768) and task["positivePrompt"] == "a fox logo"
    assert task["numberResults"] == 3 and task["outputType"] == "URL" and task["includeCost"] is True
    assert not {"negativePrompt", "lora", "CFGScale", "safety"} & set(task)
    assert spec_for("recraft:v4-pro@vector").native == (2048, 2048)


def test_svg_from_a_raster_model_is_refused_before_sending() -> None:
    assert format_problem("recraft:v4@vector", "svg") == "" and format_problem("runware:101@1", "png") == ""
    assert "vector model" in format_problem("runware:101@1", "SVG")
    with pytest.raises(ConfigurationError, match="recraft:v4@vector"):
        build_task(RenderRequest(prompt="a red apple", model="runware:101@1", output_format="svg"), 1, "uuid")
