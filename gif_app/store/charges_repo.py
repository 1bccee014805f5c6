"""Charges: what each paid call cost, and the sums the budget, the job view and the workbook read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import peewee

from gif_app.domain import Charge, ChargeStep
from gif_app.store.convert import now
from gif_app.store.models import ChargeRow, GeneratedImageRow, JobExecutionRow


class ChargesRepository:
    """Records charges and sums them by job, day, vendor and step."""

    db: peewee.SqliteDatabase

    def record_charge(self, charge: Charge) -> Charge:
        """Record one charge; the image's cost and the job's cost follow it in the same transaction."""
        stamp = charge.at or now()
        with self.db.atomic():
            row = ChargeRow.create(execution=charge.execution_id, image=charge.image_id, vendor=charge.vendor,
                                   model=charge.model, step=charge.step.value, amount=round(charge.amount, 6),
                                   is_estimated=charge.is_estimated, at=stamp)
            if charge.image_id is not None:
                GeneratedImageRow.update(cost=GeneratedImageRow.cost + row.amount).where(
                    GeneratedImageRow.id == charge.image_id).execute()
            JobExecutionRow.update(cost=JobExecutionRow.cost + row.amount).where(
                JobExecutionRow.id == charge.execution_id).execute()
        return _charge(row)

    def replace_charges(self, image_id: int, step: ChargeStep, charges: list[Charge]) -> float:
        """Replace an image's charges of one step (estimates of a lost answer) by the settled ones; return the change.

        One transaction: the image's and its job's cost follow, so they stay the sums of their charges.
        """
        with self.db.atomic():
            old = list(ChargeRow.select().where((ChargeRow.image == image_id) & (ChargeRow.step == step.value)))
            removed = sum(float(row.amount) for row in old)
            for row in old:
                JobExecutionRow.update(cost=JobExecutionRow.cost - row.amount).where(
                    JobExecutionRow.id == row.__data__["execution"]).execute()
                row.delete_instance()
            GeneratedImageRow.update(cost=GeneratedImageRow.cost - removed).where(
                GeneratedImageRow.id == image_id).execute()
            added = sum(self.record_charge(charge).amount for charge in charges)
        return round(added - removed, 6)

    def charges_of_execution(self, execution_id: int) -> list[Charge]:
        """Return an execution's charges in the order they were made."""
        rows = ChargeRow.select().where(ChargeRow.execution == execution_id).order_by(ChargeRow.id)
        return [_charge(r) for r in rows]

    def spent_by_execution(self, execution_id: int) -> float:
        """Return what an execution's paid calls cost so far (every run of it)."""
        total = (ChargeRow.select(peewee.fn.COALESCE(peewee.fn.SUM(ChargeRow.amount), 0.0))
                 .where(ChargeRow.execution == execution_id).scalar())
        return float(total or 0.0)

    def spent_since(self, start: datetime) -> float:
        """Return what every paid call since `start` cost, across all jobs (the daily cap)."""
        total = (ChargeRow.select(peewee.fn.COALESCE(peewee.fn.SUM(ChargeRow.amount), 0.0))
                 .where(ChargeRow.at >= start).scalar())
        return float(total or 0.0)

    def cost_breakdown(self, execution_id: int) -> list[dict[str, Any]]:
        """Return the execution's cost per vendor, model and step (calls, USD, whether any figure is estimated)."""
        c = ChargeRow
        rows: Any = (c.select(c.vendor, c.model, c.step, peewee.fn.COUNT(c.id), peewee.fn.SUM(c.amount),
                              peewee.fn.MAX(c.is_estimated))
                     .where(c.execution == execution_id).group_by(c.vendor, c.model, c.step).tuples())
        found = [{"vendor": vendor, "model": model, "step": step, "step_label": _step_label(step),
                  "calls": int(count), "amount": round(float(amount or 0.0), 6), "is_estimated": bool(estimated)}
                 for vendor, model, step, count, amount, estimated in rows]
        return sorted(found, key=lambda row: (_STEP_ORDER.get(row["step"], len(_STEP_ORDER)), row["vendor"],
                                              row["model"]))


_STEP_ORDER = {step.value: n for n, step in enumerate(ChargeStep)}  # the pipeline's order


def _step_label(step: str) -> str:
    try:
        return ChargeStep(step).label
    except ValueError:
        return step


def _charge(row: ChargeRow) -> Charge:
    return Charge(execution_id=row.__data__["execution"], image_id=row.__data__.get("image"), vendor=row.vendor,
                  model=row.model, step=ChargeStep(row.step), amount=row.amount,
                  is_estimated=bool(row.is_estimated), at=row.at, id=row.id)
