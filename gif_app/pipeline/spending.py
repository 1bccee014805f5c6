"""The run's spending against its caps: paid calls are admitted (or refused) before they start."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass

from gif_app.domain import CancelToken, ChargeStep, StopReason
from gif_app.errors import BudgetReachedError
from gif_app.prices import Call, Price, PriceTable, packaged_table, price_of

_EPSILON = 1e-9  # float sums of small prices: equal to the cap is within it


@dataclass(frozen=True)
class Caps:
    """The spending caps of a run in USD (None: no cap) and what was spent against each before it began."""

    job_usd: float | None = None
    daily_usd: float | None = None
    job_spent_before: float = 0.0  # earlier runs of the same execution (a resume)
    day_spent_before: float = 0.0  # every job's charges since local midnight


class SpendMeter:
    """Counts a run's charges, keeps the calls in flight reserved, and trips once a cap would be passed.

    A paid step asks `admit` with the step's estimated price: refused when what was spent, plus the calls in
    flight, plus this one would pass a cap. Refusing trips the meter: every watched CancelToken is asked for a
    graceful stop and no step is admitted any more. The steps admitted before finish (their top-ups and
    retries included) and are recorded; once the last is over, the tokens refuse new charges, as after a
    force stop, so nothing paid is sent again.
    """

    def __init__(self, table: PriceTable | None = None, per_call: Mapping[ChargeStep, float] | None = None,
                 caps: Caps | None = None) -> None:
        self.table = table or packaged_table()
        self._per_call = dict(per_call or {})
        self.caps = caps or Caps()
        self._lock = threading.Lock()
        self._spent = 0.0
        self._reserved = 0.0
        self._inflight = 0  # admitted steps not yet over (a free step reserves 0 but still counts)
        self._tokens: list[CancelToken] = []
        self.stop_reason: StopReason | None = None

    @property
    def spent(self) -> float:
        """Return what this run's charges came to so far."""
        with self._lock:
            return self._spent

    def estimate(self, step: ChargeStep) -> float:
        """Return the estimated price of one call of the step (0 when the step is free or unknown)."""
        return self._per_call.get(step, 0.0)

    def watch(self, cancel: CancelToken) -> None:
        """Have a trip refuse new charges on this token too (a job's, or a render's own)."""
        with self._lock:
            self._tokens.append(cancel)
            tripped, settled = self.stop_reason is not None, not self._inflight
        if tripped:
            cancel.request_stop()
            if settled:
                cancel.refuse_new_charges()

    def admit(self, step: ChargeStep, estimate: float | None = None) -> float:
        """Reserve the step's estimated price (or `estimate`) and return it; BudgetReachedError past a cap."""
        estimate = self.estimate(step) if estimate is None else estimate
        with self._lock:
            reason = self.stop_reason or self._passed(self._spent + self._reserved + estimate)
            if reason is None:
                self._reserved += estimate
                self._inflight += 1
                return estimate
        self._trip(reason)
        raise BudgetReachedError(self.message())

    def enter(self) -> None:
        """Count a step whose price an enclosing admission reserved (a generation's prompt and render)."""
        with self._lock:
            self._inflight += 1

    def release(self, reserved: float) -> None:
        """Let go of a reservation once its call is over (its charges were added meanwhile)."""
        with self._lock:
            self._inflight -= 1
            self._reserved = max(0.0, self._reserved - reserved) if self._inflight else 0.0
            settled = self.stop_reason is not None and not self._inflight
            tokens = list(self._tokens)
        if settled:
            for token in tokens:
                token.refuse_new_charges()  # the last admitted call is over: nothing paid may be sent now

    def price(self, call: Call, step: ChargeStep) -> Price:
        """Return what the call cost; the step's estimate when neither the vendor nor the table says."""
        price = price_of(call, self.table)
        if price.basis == "unknown":
            return Price(round(self.estimate(step), 6), is_estimated=True, basis="estimate")
        return price

    def add(self, amount: float) -> None:
        """Count a charge; once a cap is passed (a call dearer than estimated), nothing new is paid for."""
        with self._lock:
            self._spent += amount
            reason = self._passed(self._spent) if self._spent > 0 else None
        if reason is not None:
            self._trip(reason)

    def message(self) -> str:
        """Return the stop reason in words with the figures, for the log and the job's error line."""
        caps = self.caps
        if self.stop_reason is StopReason.DAILY_BUDGET:
            return (f"Daily budget reached: ${caps.day_spent_before + self.spent:.4f} spent today of the "
                    f"${caps.daily_usd or 0:.2f} daily cap. Resume tomorrow or raise the cap in Settings.")
        return (f"Budget reached: ${caps.job_spent_before + self.spent:.4f} spent of the ${caps.job_usd or 0:.2f} "
                "cap. Resume with a higher cap to go on.")

    def _passed(self, total: float) -> StopReason | None:
        caps = self.caps
        if caps.job_usd is not None and caps.job_spent_before + total > caps.job_usd + _EPSILON:
            return StopReason.BUDGET
        if caps.daily_usd is not None and caps.day_spent_before + total > caps.daily_usd + _EPSILON:
            return StopReason.DAILY_BUDGET
        return None

    def _trip(self, reason: StopReason) -> None:
        with self._lock:
            if self.stop_reason is None:
                self.stop_reason = reason
            tokens, settled = list(self._tokens), not self._inflight
        for token in tokens:
            token.request_stop()
            if settled:
                token.refuse_new_charges()
