"""What Runware accepts per model (native size, size rule, delivery) and in a LoRA list; pure functions.

Snapping rule, for models with a step: each side is clamped into [minimum, maximum] and rounded to the
nearest multiple of the step (a tie rounds up), never leaving the bounds; 1280x720 becomes 1280x704 under
a 64-pixel step. Models with a fixed list of sizes get the listed size whose aspect ratio is closest to
the one asked for (then the closest area). No size asked for: the model's native size; an aspect ratio
alone: the native pixel area at that ratio, snapped. Unknown models get 1024x1024 and the classic rule.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

Size = tuple[int, int]

LORA_WEIGHT_MIN = -4.0
LORA_WEIGHT_MAX = 4.0
LORA_WEIGHT_DEFAULT = 1.0


@dataclass(frozen=True)
class ModelSpec:
    """One model's size rule and the delivery method we ask for."""

    air: str
    native: Size = (1024, 1024)
    # The classic rule. The legacy image-inference API reference (runware.ai/docs/en/image-inference/
    # api-reference) gives 128-2048 "divisible by 64"; the current dimensions guide (runware.ai/docs/learn/
    # dimensions) says multiples of 16 for FLUX. We use 64, which satisfies both, so what we send is valid
    # under either (Runware once moved a model from 4 to 64 to 8 within days: Runware/sdk-python#4).
    minimum: int = 128
    maximum: int = 2048
    step: int = 64
    sizes: tuple[Size, ...] = ()  # when set, only these exact sizes are accepted
    delivery: str = "sync"
    is_vector: bool = False  # a text-to-vector model: Runware's `vectorize` task, SVG output

    def accepts(self, size: Size) -> bool:
        """Return whether Runware takes this width x height for the model."""
        if self.sizes:
            return size in self.sizes
        return all(self.minimum <= side <= self.maximum and side % self.step == 0 for side in size)


MODELS: Mapping[str, ModelSpec] = MappingProxyType({spec.air: spec for spec in (
    # FLUX.1 [dev], the app's default. Native 1024x1024: every Runware example for it uses that size
    # (runware.ai/docs/en/image-inference/text-to-image). Bounds and step: the classic rule above.
    ModelSpec("runware:101@1", (1024, 1024)),
    # FLUX.1 [schnell]: same architecture and the same published rules as [dev].
    ModelSpec("runware:100@1", (1024, 1024)),
    # SDXL 1.0 base (civitai:101055@128078): trained at 1024x1024; Runware's dimensions guide uses it
    # with 1216x832, a multiple of 64 on both sides.
    ModelSpec("civitai:101055@128078", (1024, 1024)),
    # Nano Banana (Gemini 2.5 Flash Image): only the ten sizes listed on
    # runware.ai/docs/models/google-nano-banana. Runware serves it from Google, so we ask for async
    # delivery and poll getResponse: async works for every model (runware.ai/docs/platform/task-polling)
    # and does not hold a connection open while the provider works.
    ModelSpec("google:4@1", (1024, 1024), sizes=(
        (1024, 1024), (1248, 832), (832, 1248), (1184, 864), (864, 1184), (1152, 896), (896, 1152),
        (1344, 768), (768, 1344), (1536, 672)), delivery="async"),
    # Recraft V4 Vector and V4 Pro Vector: text-to-vector, sent as a `vectorize` task with outputFormat SVG
    # (runware.ai/docs/models/recraft-v4-vector and .../recraft-v4-pro-vector, read 2026-12-03: task type
    # "vectorize", capabilities "Text to Image, Vectorize", only the 14 sizes listed for each). The Electron
    # app sends the same task for recraft:v4@vector (reference/anchor-gen-image-factory.md).
    ModelSpec("recraft:v4@vector", (1024, 1024), sizes=(
        (1024, 1024), (1536, 768), (768, 1536), (1280, 832), (832, 1280), (1216, 896), (896, 1216),
        (1152, 896), (896, 1152), (832, 1344), (1280, 896), (896, 1280), (1344, 768), (768, 1344)),
        is_vector=True),
    ModelSpec("recraft:v4-pro@vector", (2048, 2048), sizes=(
        (2048, 2048), (3072, 1536), (1536, 3072), (2560, 1664), (1664, 2560), (2432, 1792), (1792, 2432),
        (2304, 1792), (1792, 2304), (1664, 2688), (2560, 1792), (1792, 2560), (2688, 1536), (1536, 2688)),
        is_vector=True),
)})
VECTOR_MODELS = tuple(air for air, spec in MODELS.items() if spec.is_vector)

DEFAULT = ModelSpec("", (1024, 1024))


def spec_for(model: str) -> ModelSpec:
    """Return the model's spec, or the classic 1024x1024 / 64-pixel rule for a model we do not know."""
    return MODELS.get(model, DEFAULT)


def format_problem(model: str, output_format: str) -> str:
    """Return the user-facing message when SVG is asked of a raster model, or ''."""
    if output_format.lower() != "svg" or spec_for(model).is_vector:
        return ""
    return (f"Runware renders SVG with a vector model only ({', '.join(VECTOR_MODELS)}); {model} renders raster "
            "images. Pick a vector model, or PNG, JPG or WebP.")


def parse_ratio(text: str) -> float | None:
    """Return width/height of an "W:H" aspect ratio, or None when the text is not one."""
    head, sep, tail = text.strip().partition(":")
    try:
        width, height = float(head), float(tail)
    except ValueError:
        return None
    if not sep or width <= 0 or height <= 0 or not math.isfinite(width / height):
        return None
    return width / height


def snap_side(value: int, spec: ModelSpec) -> int:
    """Return the nearest multiple of the step to `value` (ties up) that stays within the model's bounds."""
    step = spec.step
    low, high = -(-spec.minimum // step) * step, spec.maximum // step * step
    clamped = min(high, max(low, int(value)))
    return min(high, max(low, (clamped + step // 2) // step * step))


def _closest_listed(size: Size, sizes: tuple[Size, ...]) -> Size:
    """Return the listed size nearest in aspect ratio to `size`, then nearest in area."""
    ratio, area = math.log(size[0] / size[1]), size[0] * size[1]
    return min(sizes, key=lambda s: (round(abs(math.log(s[0] / s[1]) - ratio), 6), abs(s[0] * s[1] - area)))


def snap(size: Size, spec: ModelSpec) -> Size:
    """Return the size the model accepts that is closest to `size`."""
    if spec.sizes:
        return _closest_listed(size, spec.sizes)
    return snap_side(size[0], spec), snap_side(size[1], spec)


def size_for(spec: ModelSpec, width: int | None, height: int | None, aspect_ratio: str = "") -> Size:
    """Return the width x height to send: the asked size snapped, else the ratio at native area, else native."""
    if width and height and width > 0 and height > 0:
        return snap((width, height), spec)
    ratio = parse_ratio(aspect_ratio) if aspect_ratio else None
    if ratio is None:
        return spec.native
    area = spec.native[0] * spec.native[1]
    wide = math.sqrt(area * ratio)
    return snap((max(1, round(wide)), max(1, round(area / wide))), spec)


def _lora_line(text: str) -> dict[str, Any]:
    """Return one `model[:weight]` line as a LoRA entry; a number after the last colon is the weight."""
    head, sep, tail = text.rpartition(":")
    # An AIR id (civitai:144142@160130) has colons of its own, but its last part always holds "@",
    # so a plain number after the last colon can only be a weight.
    if sep and head:
        try:
            return {"model": head, "weight": float(tail)}
        except ValueError:
            pass
    return {"model": text, "weight": LORA_WEIGHT_DEFAULT}


def parse_lora(value: Any) -> list[dict[str, Any]]:
    """Return Runware `lora` entries from text (one `model[:weight]` per line) or a list of dicts."""
    if isinstance(value, list):
        entries: list[dict[str, Any]] = []
        for item in value:
            if isinstance(item, dict) and item.get("model"):
                entries.append({"model": str(item["model"]),
                                "weight": float(item.get("weight", LORA_WEIGHT_DEFAULT))})
            elif isinstance(item, str):
                entries.extend(parse_lora(item))
        return entries
    lines = str(value or "").replace(",", "\n").splitlines()
    return [_lora_line(line.strip()) for line in lines if line.strip()]


def lora_problem(value: Any) -> str:
    """Return the user-facing message for the first LoRA weight Runware would refuse, or ''."""
    for entry in parse_lora(value):
        weight = entry["weight"]
        if not (math.isfinite(weight) and LORA_WEIGHT_MIN <= weight <= LORA_WEIGHT_MAX):
            return (f"LoRA weight {weight:g} for {entry['model']} is out of range: Runware takes "
                    f"{LORA_WEIGHT_MIN:g} to {LORA_WEIGHT_MAX:g}.")
    return ""
