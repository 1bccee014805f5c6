"""Paid steps of a run: admitted by the spend meter, their vendor reports priced and recorded as charges."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from gif_app import charges
from gif_app.domain import Charge, ChargeStep
from gif_app.pipeline.context import RunContext
from gif_app.prices import Call, Price


@dataclass(frozen=True)
class Priced:
    """A reported call with its price, held until the images it made are recorded."""

    call: Call
    price: Price


@contextmanager
def generation_paid(ctx: RunContext, has_prompt: bool) -> Iterator[None]:
    """Admit a generation's prompt and render together: a prompt is only paid for when its render fits too."""
    estimate = ctx.spend.estimate(ChargeStep.RENDER) + (ctx.spend.estimate(ChargeStep.PROMPT) if has_prompt else 0)
    reserved = ctx.spend.admit(ChargeStep.RENDER, estimate)
    try:
        yield
    finally:
        ctx.spend.release(reserved)


@contextmanager
def paid_call(ctx: RunContext, step: ChargeStep, image_id: int | None = None,
              held: list[Priced] | None = None, is_admitted: bool = False) -> Iterator[None]:
    """Run a paid step: refused (BudgetReachedError) past a cap; every call it reports is counted and recorded.

    With `held`, the priced calls are kept there instead of recorded (a render's, split over its images by
    `record_render_charges` once they have rows). Counted at once either way, so the cap sees them.
    `is_admitted`: an enclosing `generation_paid` reserved this step already.
    """
    if is_admitted:
        ctx.spend.enter()
        reserved = 0.0
    else:
        reserved = ctx.spend.admit(step)

    def sink(call: Call) -> None:
        price = ctx.spend.price(call, step)
        ctx.spend.add(price.amount)
        if held is not None:
            held.append(Priced(call, price))
        else:
            _record(ctx, step, call, price.amount, price.is_estimated, image_id)

    try:
        with charges.reporting(sink):
            yield
    finally:
        ctx.spend.release(reserved)


Share = tuple[Priced, float]


def render_shares(held: Sequence[Priced], images: int) -> tuple[list[list[Share]], list[Share]]:
    """Split a render's calls over the images it returned, in order: each call's price evenly over the images
    it made; return the shares per image and what no returned image carries (a call whose images were cut)."""
    per_image: list[list[Share]] = [[] for _ in range(images)]
    unassigned: list[Share] = []
    cursor = 0
    for priced in held:
        count = max(1, priced.call.images)
        slots = list(range(cursor, min(cursor + count, images)))
        cursor += count
        if not slots:
            unassigned.append((priced, priced.price.amount))
            continue
        for slot in slots:
            per_image[slot].append((priced, priced.price.amount / len(slots)))
    return per_image, unassigned


def record_render_shares(ctx: RunContext, shares: Sequence[Share], image_id: int | None) -> None:
    """Record render shares as charges on one image (None: on the job alone)."""
    for priced, amount in shares:
        _record(ctx, ChargeStep.RENDER, priced.call, amount, priced.price.is_estimated, image_id)


def settle_render_shares(ctx: RunContext, shares: Sequence[Share], image_id: int) -> None:
    """Replace an image's render charges (the estimate of a lost answer) by its shares of the answer read back."""
    settled = [_charge(ctx, ChargeStep.RENDER, priced.call, amount, priced.price.is_estimated, image_id)
               for priced, amount in shares]
    ctx.spend.add(ctx.events.replace_charges(image_id, ChargeStep.RENDER, settled))  # the meter sees the change


def _record(ctx: RunContext, step: ChargeStep, call: Call, amount: float, is_estimated: bool,
            image_id: int | None) -> None:
    ctx.events.record_charge(_charge(ctx, step, call, amount, is_estimated, image_id))


def _charge(ctx: RunContext, step: ChargeStep, call: Call, amount: float, is_estimated: bool,
            image_id: int | None) -> Charge:
    return Charge(execution_id=ctx.plan.execution_id, vendor=call.vendor, model=call.model, step=step,
                  amount=amount, is_estimated=is_estimated, image_id=image_id)
