"""Progress of the running job: steps, overall and current-generation fractions, counts, ETA, cost."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

INIT_SHARE = 0.2  # initialization is 0-20 %, generations 20-100 %
_RENDER_SHARE = 0.4  # within one generation: rendering, then its images finishing


@dataclass
class _GenerationState:
    images: int = 0
    finished: int = 0
    is_rendered: bool = False
    is_done: bool = False

    @property
    def fraction(self) -> float:
        if self.is_done:
            return 1.0
        if not self.is_rendered:
            return 0.05
        return _RENDER_SHARE + (1 - _RENDER_SHARE) * (self.finished / self.images if self.images else 1.0)


@dataclass
class ProgressTracker:
    """Thread-safe progress of one execution, fed by runner events."""

    execution_id: int
    label: str
    generations_total: int
    variations: int
    already_done: int = 0
    step: str = "initialization"
    init_fraction: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    cost: float = 0.0
    _states: dict[int, _GenerationState] = field(default_factory=dict)
    clock: Callable[[], float] = time.monotonic  # tests pass their own to read the time without waiting
    _started: float = 0.0  # set from the clock when made
    _gen_started: float | None = None
    _finished: float | None = None  # set by finish(): the elapsed time stops there
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._started = self.clock()

    def initialized(self) -> None:
        """Initialization finished: generations begin."""
        with self._lock:
            self.step, self.init_fraction, self._gen_started = "generation", 1.0, self.clock()

    def on_event(self, event: str, **data: Any) -> None:
        """Apply one runner event."""
        with self._lock:
            index = int(data.get("generation", -1))
            state = self._states.setdefault(index, _GenerationState())
            if event == "rendered":
                state.is_rendered, state.images = True, int(data.get("images", 0))
                state.is_done = state.images == 0
            elif event == "image_done":
                state.finished += 1
                state.is_done = state.is_rendered and state.finished >= state.images
            elif event == "generation_failed":
                state.is_done = True

    def set_counts(self, counts: dict[str, int], cost: float) -> None:
        """Update image counts and cost (from the database)."""
        with self._lock:
            self.counts, self.cost = dict(counts), cost

    def add_cost(self, amount: float) -> None:
        """Add one charge to the cost shown while the job runs (the database's total replaces it later)."""
        with self._lock:
            self.cost += amount

    def finish(self, step: str = "done") -> None:
        """Mark the run finished (completed, stopped or failed)."""
        with self._lock:
            self.step = step
            if self._finished is None:
                self._finished = self.clock()

    def snapshot(self) -> dict[str, Any]:
        """Return the JSON-ready progress for the page."""
        with self._lock:
            todo = max(self.generations_total - self.already_done, 0)
            done_sum = sum(s.fraction for i, s in self._states.items() if i >= 0)
            gen_fraction = (done_sum / todo) if todo else 1.0
            finished = sum(1 for s in self._states.values() if s.is_done)
            overall = INIT_SHARE * self.init_fraction + (1 - INIT_SHARE) * min(gen_fraction, 1.0)
            if self.step == "done":
                overall = 1.0
            active = sorted(i for i, s in self._states.items() if i >= 0 and not s.is_done)
            current = active[0] if active else None
            elapsed = (self._finished if self._finished is not None else self.clock()) - self._started
            eta = None
            if self._gen_started is not None and 0 < gen_fraction < 1:
                spent = self.clock() - self._gen_started
                eta = round(spent / gen_fraction * (1 - gen_fraction), 1)
            return {
                "execution_id": self.execution_id, "label": self.label, "step": self.step,
                "overall": round(overall, 4),
                "current_generation": current,
                "current_fraction": round(self._states[current].fraction, 4) if current is not None else
                (1.0 if self.step == "done" else 0.0),
                "generations_total": self.generations_total,
                "generations_done": self.already_done + finished,
                "planned": self.generations_total * self.variations,
                "counts": dict(self.counts), "cost": round(self.cost, 6),
                "elapsed_s": round(elapsed, 1), "eta_s": eta,
            }
