"""Write the prompt of one generation: the LLM with the template or built-in prompt, or the template alone."""

from __future__ import annotations

from gif_app.domain import ChargeStep
from gif_app.errors import AppError, AuthenticationError, CancelledError, InsufficientCreditsError
from gif_app.pipeline.charging import paid_call
from gif_app.pipeline.context import Generation, RunContext
from gif_app.pipeline.keywords import build_prompt_request, template_only_prompt

FATAL_ERRORS = (AuthenticationError, InsufficientCreditsError, CancelledError)


def write_prompt(ctx: RunContext, generation: Generation) -> str:
    """Return the prompt for a generation, retrying the LLM per the job's retry setting."""
    plan = ctx.plan
    if not plan.use_llm_prompts or ctx.providers.prompt_writer is None:
        return template_only_prompt(plan.prompt_template, generation.pick)
    system_prompt, user_message = build_prompt_request(plan.prompt_template, generation.pick)
    if plan.prompt_template:
        # The filled-in template is what the user debugs when prompts come out wrong.
        ctx.log.debug(f"Prompt instructions: {_clip(system_prompt)}", step="prompt",
                      sub_step=f"generation {generation.index + 1}")
    last_error: AppError | None = None
    for attempt in range(plan.prompt_retries + 1):
        try:
            with paid_call(ctx, ChargeStep.PROMPT, is_admitted=True):  # the runner admitted the generation
                prompt = ctx.providers.prompt_writer.write_prompt(system_prompt, user_message, ctx.cancel).strip()
        except FATAL_ERRORS:
            raise
        except AppError as exc:
            last_error = exc
            ctx.log.warning(f"Prompt attempt {attempt + 1} failed: {exc.message}", step="prompt",
                            sub_step=f"generation {generation.index + 1}", error_code=exc.code)
            continue
        if prompt:
            return prompt
        last_error = AppError("The model returned an empty prompt.", code="empty_prompt")
    assert last_error is not None
    raise last_error


def _clip(text: str, limit: int = 500) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
