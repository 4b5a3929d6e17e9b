"""State-dependent team rules, the file format: the queue order (``queue: sla_first``) and overtime.

A team's ``queue`` says which waiting item a freed person takes; ``overtime`` calls extra people in while
the backlog is high (docs/scenario-format.md, "Teams"). Overflow is a work step's rule (steps/work.py).
Their cross-checks are in scenario/rule_checks.py; their run time in engine/rules.py.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ..fields import FrozenModel, number

#: How a team orders its queue: priority then arrival (the default), or nearest SLA breach first.
QueueOrder = Literal["priority", "sla_first"]


class Overtime(FrozenModel):
    """``extra`` people come on duty when more than ``when_backlog_over`` items wait in the team's queue, and
    go when it is down to ``until_below`` or fewer (each finishing the item in hand first): hysteresis, so
    the call-in does not flap on and off around one level."""

    when_backlog_over: int = Field(ge=1, le=1_000_000, description="Waiting items above which overtime starts "
                                   "(it starts when the queue reaches this plus one).")
    extra: int = Field(ge=1, le=10_000, description="People called in on overtime.")
    until_below: int = Field(ge=0, le=1_000_000, description="Overtime ends when the queue is down to this many "
                             "waiting items or fewer (less than when_backlog_over).")
    rate: number(gt=0, le=100) = Field(1.5, description="Overtime pay as a multiple of the team's cost_per_hour "
                                       "(1.5: time and a half).")

    @model_validator(mode="after")
    def _hysteresis(self) -> "Overtime":
        if self.until_below >= self.when_backlog_over:
            raise ValueError(f"until_below ({self.until_below}) must be less than when_backlog_over "
                             f"({self.when_backlog_over}): overtime starts above one level and ends at a lower one")
        return self
