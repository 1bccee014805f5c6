"""How a vendor adapter tells whoever runs it what a paid call was billed, without knowing who that is.

An adapter calls `report(Call(...))` the moment an answer says what the call used (tokens, a cost, credits),
or a paid request was sent and its answer lost (priced from the table). The pipeline wraps each paid step in
`reporting(sink)`; outside such a block (a key test, a tool) a report goes nowhere. A context variable carries
the sink because the calls return plain results (a prompt, a verdict): a billed attempt that then fails
(a malformed answer, a retry) is still reported, which a field on the result could not carry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from gif_app.prices import Call

Sink = Callable[[Call], None]

_sink: ContextVar[Sink | None] = ContextVar("gif_app_charge_sink", default=None)


def report(call: Call) -> None:
    """Tell the current sink what one vendor call was billed (nothing happens outside `reporting`)."""
    sink = _sink.get()
    if sink is not None:
        sink(call)


@contextmanager
def reporting(sink: Sink) -> Iterator[None]:
    """Send the reports made on this thread (and contexts copied from it) to `sink` while the block runs."""
    token = _sink.set(sink)
    try:
        yield
    finally:
        _sink.reset(token)
