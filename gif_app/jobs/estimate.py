"""What a job will cost before it starts: images, paid calls and a USD range, from its settings alone.

The low end takes every paid call once, short prompts and answers, the cheapest quality a vendor may pick,
and no image passing QC (only those go on to background removal and metadata; QC may refuse them all, so
that is the one sure floor). The high end takes every image passing, long prompts and answers, the dearest
quality, and every paid call repeated as often as the retry setting allows. A fault-free run lands between
the two. `per_call` is what the spending cap reserves for one call of each step while it runs: a render at
the table's default quality, a text call at typical token counts (reserving the high end would refuse calls
a cap can pay for when several run at once).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gif_app import settings as settings_mod
from gif_app.domain import ChargeStep
from gif_app.jobs.planning import MJ_IMAGES_PER_TASK, images_per_generation
from gif_app.prices import Call, Price, PriceTable, price_of

# Tokens of one text call without its image: (input low, input high, output low, output high).
_TEXT_TOKENS: dict[ChargeStep, tuple[int, int, int, int]] = {
    ChargeStep.PROMPT: (100, 1500, 20, 300),
    ChargeStep.QC: (100, 1500, 10, 150),
    ChargeStep.METADATA: (150, 2000, 60, 600),
}
# Input tokens of the downscaled image a vision call sends: a low-detail tile up to a high-detail large image.
_IMAGE_TOKENS = (85, 1105)
# A typical call's (input, output) tokens, image included: what the spending cap reserves while it runs.
_TYPICAL_TOKENS: dict[ChargeStep, tuple[int, int]] = {
    ChargeStep.PROMPT: (600, 100), ChargeStep.QC: (855, 60), ChargeStep.METADATA: (1055, 250),
}
_QUALITIES = ("low", "medium", "high", "standard", "hd")


@dataclass(frozen=True)
class StepEstimate:
    """One step's calls and USD range; `is_priced` False when the table has no price for its model."""

    step: ChargeStep
    vendor: str
    model: str
    calls_low: int
    calls_high: int
    usd_low: float
    usd_high: float
    is_priced: bool = True

    def to_json(self) -> dict[str, Any]:
        """Return the row for the Start dialog and the CLI."""
        return {"step": self.step.value, "step_label": self.step.label, "vendor": self.vendor, "model": self.model,
                "calls_low": self.calls_low, "calls_high": self.calls_high, "usd_low": round(self.usd_low, 4),
                "usd_high": round(self.usd_high, 4), "is_priced": self.is_priced}


@dataclass(frozen=True)
class Estimate:
    """A job's expected images, paid calls and cost range, per step."""

    generations: int
    images: int
    steps: tuple[StepEstimate, ...]
    per_call: dict[ChargeStep, float] = field(default_factory=dict)
    retries: int = 0
    usd_likely: float = 0.0  # no retries, typical answers, every image passing, a middle quality

    @property
    def usd_low(self) -> float:
        """Return the low end of the cost range."""
        return sum(s.usd_low for s in self.steps)

    @property
    def usd_high(self) -> float:
        """Return the high end of the cost range (retries included)."""
        return sum(s.usd_high for s in self.steps)

    def to_json(self) -> dict[str, Any]:
        """Return the estimate for the Start dialog and `gif-app run --dry-run --json`."""
        unpriced = sorted({f"{s.vendor}/{s.model}" for s in self.steps if not s.is_priced})
        return {"generations": self.generations, "images": self.images, "retries": self.retries,
                "calls_low": sum(s.calls_low for s in self.steps), "calls_high": sum(s.calls_high for s in self.steps),
                "usd_low": round(self.usd_low, 4), "usd_high": round(self.usd_high, 4),
                "usd_likely": round(self.usd_likely, 4),
                "steps": [s.to_json() for s in self.steps], "unpriced": unpriced}


def estimate_job(settings: settings_mod.Settings, table: PriceTable) -> Estimate:
    """Return the estimate of a job with these (validated) settings under this price table."""
    params, ai, proc = settings["parameters"], settings["ai"], settings["processing"]
    generations = int(params["count"])
    per_generation = images_per_generation(settings)
    images = generations * per_generation
    repeats = 1 + int(params["generation_retries"])
    passing_low = 0 if ai["run_quality_check"] else images
    text_model = str(params["openai_model"])
    steps: list[StepEstimate] = []
    per_call: dict[ChargeStep, float] = {}
    if params["use_llm_prompts"]:
        steps.append(_text_step(ChargeStep.PROMPT, text_model, generations, generations, repeats, table, False))
    render, per_call[ChargeStep.RENDER] = _render_step(settings, generations, per_generation, repeats, table)
    steps.append(render)
    if ai["run_quality_check"]:
        steps.append(_text_step(ChargeStep.QC, text_model, images, images, repeats, table, True))
    if proc["remove_bg"] and proc["remover"] == "removebg":
        removal, per_call[ChargeStep.REMOVE_BG] = _removal_step(str(proc["remove_bg_size"]), passing_low, images,
                                                                repeats, table)
        steps.append(removal)
    if ai["run_metadata_gen"]:
        steps.append(_text_step(ChargeStep.METADATA, text_model, passing_low, images, repeats, table, True))
    for step, (tokens_in, tokens_out) in _TYPICAL_TOKENS.items():
        per_call[step] = price_of(Call("openai", text_model, input_tokens=tokens_in, output_tokens=tokens_out),
                                  table).amount
    return Estimate(generations, images, tuple(steps), per_call, repeats - 1,
                    sum(_likely(s, per_call, repeats) for s in steps))


def _likely(step: StepEstimate, per_call: dict[ChargeStep, float], repeats: int) -> float:
    """Return the step's likely cost: every call once at typical size; a render halfway across its qualities."""
    once = step.calls_high // repeats
    if step.step is ChargeStep.RENDER:
        return (step.usd_low + step.usd_high / repeats) / 2
    if step.step is ChargeStep.REMOVE_BG:
        return step.usd_high / repeats
    return per_call.get(step.step, 0.0) * once


def _text_price(step: ChargeStep, model: str, table: PriceTable, is_high: bool,
                has_image: bool) -> tuple[float, bool]:
    in_low, in_high, out_low, out_high = _TEXT_TOKENS[step]
    image_tokens = _IMAGE_TOKENS[1 if is_high else 0] if has_image else 0
    call = Call("openai", model, input_tokens=(in_high if is_high else in_low) + image_tokens,
                output_tokens=out_high if is_high else out_low)
    price = price_of(call, table)
    return price.amount, price.basis != "unknown"


def _text_step(step: ChargeStep, model: str, calls_low: int, calls_high: int, repeats: int, table: PriceTable,
               has_image: bool) -> StepEstimate:
    low, is_priced = _text_price(step, model, table, False, has_image)
    high, _ = _text_price(step, model, table, True, has_image)
    return StepEstimate(step, "openai", model, calls_low, calls_high * repeats, low * calls_low,
                        high * calls_high * repeats, is_priced)


def _render_step(settings: settings_mod.Settings, generations: int, per_generation: int, repeats: int,
                 table: PriceTable) -> tuple[StepEstimate, float]:
    """Return the renders' estimate and what one generation's render call is reserved at."""
    params = settings["parameters"]
    provider = str(params["provider"])
    if provider == "piapi":
        tasks = per_generation // MJ_IMAGES_PER_TASK
        call = Call("piapi", "midjourney", images=tasks * MJ_IMAGES_PER_TASK, dims={"mode": params["process_mode"]})
        low = high = price_of(call, table)
        model, calls = "midjourney", generations * tasks
    elif provider == "openai":
        model = str(params["openai_image_model"])
        low, high = _openai_image_range(model, per_generation, table)
        calls = generations
    else:
        model = str(params["runware_model"])
        low = high = price_of(Call("runware", model, images=per_generation), table)
        calls = generations
    is_priced = low.basis != "unknown"
    # One render call is reserved at the table's default dimensions (the dearer quality where the model picks).
    dims = {"mode": str(params["process_mode"])} if provider == "piapi" else {}
    reserve = price_of(Call(provider, model, images=per_generation, dims=dims), table)
    step = StepEstimate(ChargeStep.RENDER, provider, model, calls, calls * repeats, low.amount * generations,
                        high.amount * generations * repeats, is_priced)
    return step, reserve.amount if reserve.basis != "unknown" else high.amount


def _openai_image_range(model: str, count: int, table: PriceTable) -> tuple[Price, Price]:
    """Return the (cheapest, dearest) price of `count` images over the qualities and sizes the model may pick."""
    # The app asks for no size, so the model picks (DALL-E answers its square default); as openai_images.size_for.
    size = "1024x1024" if model.startswith("dall-e") else "auto"
    dims_options = [{"quality": q, "size": s} for q in _QUALITIES
                    for s in ([size] if size != "auto" else ["1024x1024", "1024x1536", "1536x1024"])]
    prices = [p for p in (price_of(Call("openai", model, images=count, dims=d), table) for d in dims_options)
              if p.basis != "unknown"]
    if not prices:
        unknown = price_of(Call("openai", model, images=count), table)
        return unknown, unknown
    return min(prices, key=lambda p: p.amount), max(prices, key=lambda p: p.amount)


def _removal_step(size: str, calls_low: int, calls_high: int, repeats: int,
                  table: PriceTable) -> tuple[StepEstimate, float]:
    """Return background removal's estimate (Auto may cut a preview or a full size) and one call's reserve."""
    smallest = "preview" if size == "auto" else size
    low = price_of(Call("removebg", images=1, dims={"size": smallest}), table)
    high = price_of(Call("removebg", images=1, dims={"size": "full" if size == "auto" else size}), table)
    step = StepEstimate(ChargeStep.REMOVE_BG, "removebg", "*", calls_low, calls_high * repeats,
                        low.amount * calls_low, high.amount * calls_high * repeats, low.basis != "unknown")
    return step, high.amount
