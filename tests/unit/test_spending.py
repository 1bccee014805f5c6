"""The spend meter's rules and the estimate's arithmetic, on plain values (no vendor, no database)."""

from __future__ import annotations

import pytest

from gif_app import settings as settings_mod
from gif_app.domain import CancelToken, ChargeStep, StopReason
from gif_app.errors import BudgetReachedError, CancelledError
from gif_app.jobs.estimate import estimate_job
from gif_app.pipeline.spending import Caps, SpendMeter
from gif_app.prices import Call, packaged_table

RENDER = {ChargeStep.RENDER: 0.01}


def _settings(**values: object) -> settings_mod.Settings:
    return settings_mod.validated({**settings_mod.flatten(settings_mod.validate({})[0]), **values})


def test_a_call_that_would_pass_the_cap_is_refused_and_the_job_is_asked_to_stop() -> None:
    token = CancelToken()
    meter = SpendMeter(per_call=RENDER, caps=Caps(job_usd=0.025))
    meter.watch(token)
    first, second = meter.admit(ChargeStep.RENDER), meter.admit(ChargeStep.RENDER)
    with pytest.raises(BudgetReachedError) as refused:
        meter.admit(ChargeStep.RENDER)  # 0.01 + 0.01 in flight + 0.01 > 0.025
    assert isinstance(refused.value, CancelledError) and "Budget reached" in refused.value.message
    assert meter.stop_reason is StopReason.BUDGET and token.is_stopping
    # The two admitted calls are in flight: they may still send (their top-ups and retries included).
    assert not token.refuses_new_charges
    meter.add(0.01)
    meter.release(first)
    assert not token.refuses_new_charges
    meter.add(0.01)
    meter.release(second)
    assert token.refuses_new_charges and not token.is_aborted  # the last one is over: nothing paid is sent now
    with pytest.raises(BudgetReachedError):
        meter.admit(ChargeStep.QC)  # a tripped meter admits nothing, even a cheap step


def test_earlier_runs_and_the_days_other_jobs_count_against_the_caps() -> None:
    resumed = SpendMeter(per_call=RENDER, caps=Caps(job_usd=0.05, job_spent_before=0.045))
    with pytest.raises(BudgetReachedError):
        resumed.admit(ChargeStep.RENDER)
    today = SpendMeter(per_call=RENDER, caps=Caps(daily_usd=1.0, day_spent_before=0.995))
    with pytest.raises(BudgetReachedError) as refused:
        today.admit(ChargeStep.RENDER)
    assert today.stop_reason is StopReason.DAILY_BUDGET and "Daily budget reached" in refused.value.message


def test_a_charge_dearer_than_its_estimate_trips_the_meter_once_the_cap_is_passed() -> None:
    token = CancelToken()
    meter = SpendMeter(per_call=RENDER, caps=Caps(job_usd=0.015))
    meter.watch(token)
    reserved = meter.admit(ChargeStep.RENDER)
    meter.add(0.02)  # the vendor reported more than the table said
    meter.release(reserved)
    assert meter.stop_reason is StopReason.BUDGET and token.refuses_new_charges


def test_no_cap_admits_everything() -> None:
    meter = SpendMeter(per_call=RENDER)
    for _ in range(100):
        meter.release(meter.admit(ChargeStep.RENDER))
        meter.add(0.01)
    assert meter.stop_reason is None and meter.spent == pytest.approx(1.0)


def test_a_call_nobody_prices_is_charged_at_the_steps_estimate() -> None:
    meter = SpendMeter(per_call={ChargeStep.QC: 0.003})
    price = meter.price(Call("openai", "some-new-model", input_tokens=None), ChargeStep.QC)
    assert price.amount == 0.003 and price.is_estimated


def test_the_estimate_counts_images_calls_and_steps() -> None:
    table = packaged_table()
    bare = estimate_job(_settings(**{"parameters.count": 5, "parameters.variations": 2,
                                     "parameters.use_llm_prompts": False, "ai.run_quality_check": False,
                                     "ai.run_metadata_gen": False, "parameters.generation_retries": 0}), table)
    assert bare.images == 10 and [s.step for s in bare.steps] == [ChargeStep.RENDER]
    assert bare.usd_low == bare.usd_high == pytest.approx(10 * 0.0038)
    full = estimate_job(_settings(**{"parameters.count": 5, "parameters.variations": 2,
                                     "parameters.generation_retries": 0}), table)
    assert [s.step for s in full.steps] == [ChargeStep.PROMPT, ChargeStep.RENDER, ChargeStep.QC, ChargeStep.METADATA]
    assert full.usd_low > bare.usd_low
    assert full.usd_low <= full.usd_likely <= full.usd_high
    qc = next(s for s in full.steps if s.step is ChargeStep.QC)
    meta = next(s for s in full.steps if s.step is ChargeStep.METADATA)
    assert qc.calls_low == qc.calls_high == 10 and meta.calls_low == 0 and meta.calls_high == 10


def test_midjourney_is_estimated_in_whole_tasks_and_an_unknown_model_is_flagged() -> None:
    table = packaged_table()
    mj = estimate_job(_settings(**{"parameters.provider": "piapi", "parameters.count": 3,
                                   "parameters.variations": 2, "parameters.process_mode": "turbo",
                                   "parameters.use_llm_prompts": False}), table)
    render = next(s for s in mj.steps if s.step is ChargeStep.RENDER)
    assert mj.images == 12 and render.calls_low == 3 and render.usd_low == pytest.approx(3 * 0.1)
    odd = estimate_job(_settings(**{"parameters.runware_model": "civitai:1@1"}), table)
    assert "runware/civitai:1@1" in odd.to_json()["unpriced"]
