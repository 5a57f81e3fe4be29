"""Where a car's schedule stands, and why its next poll comes when it does.

Stored with the car (`vehicle_store.py`), so a restart keeps the plan; `planner.py` works it out,
and `kept_plan` says what a refresh or a triggered read leaves of it.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any


class PollReason(StrEnum):
    """Why the next poll comes when it does (shown in diagnostics and logs)."""

    SPREAD = "spread"
    ACTIVE = "active"
    IDLE = "idle"
    DAILY = "daily"
    FLOOR = "floor"
    SAFETY = "safety"
    RATE_LIMITED = "rate_limited"
    RETRY = "retry"
    BUDGET_EXHAUSTED = "budget_exhausted"
    BILLING = "billing"


@dataclass(frozen=True, slots=True, kw_only=True)
class PollState:
    """Where a car's schedule stands: stored, so a restart keeps it."""

    next_at: datetime | None = None
    reason: PollReason | None = None
    last_poll: datetime | None = None
    rate_limited_times: int = 0
    backed_off_until: datetime | None = None
    # Polls in a row that brought nothing newer than what was shown.
    idle_polls: int = 0
    # Reads in a row that failed for a passing reason (5xx, a timeout).
    failed_times: int = 0
    # The last data times the car's data moved to (`daily_data.py`).
    data_times: tuple[datetime, ...] = ()

    def to_json(self) -> dict[str, str | int | list[str] | None]:
        """Return the state as JSON for the store."""
        return {
            "next_at": _iso(self.next_at),
            "reason": self.reason,
            "last_poll": _iso(self.last_poll),
            "rate_limited_times": self.rate_limited_times,
            "backed_off_until": _iso(self.backed_off_until),
            "idle_polls": self.idle_polls,
            "failed_times": self.failed_times,
            "data_times": [moment.isoformat() for moment in self.data_times],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PollState:
        """Read a state written by `to_json`."""
        reason = data.get("reason")
        return cls(
            next_at=_from_iso(data.get("next_at")),
            reason=None if reason is None else PollReason(reason),
            last_poll=_from_iso(data.get("last_poll")),
            rate_limited_times=int(data.get("rate_limited_times", 0)),
            backed_off_until=_from_iso(data.get("backed_off_until")),
            idle_polls=int(data.get("idle_polls", 0)),
            failed_times=int(data.get("failed_times", 0)),
            data_times=tuple(
                datetime.fromisoformat(moment)
                for moment in data.get("data_times") or ()
            ),
        )


# Plans that stop polling until the next period: no back-off or retry comes before them.
STOPS = frozenset({PollReason.BILLING, PollReason.BUDGET_EXHAUSTED})
# Plans a refresh (or a triggered read) may push later; any other keeps the planned poll.
_BLOCKING = STOPS | {PollReason.RATE_LIMITED}


def kept_plan(planned: PollState, after: PollState) -> PollState:
    """Return the schedule after a refresh or a triggered read that ran with `planned`.

    The planned poll stays where it was, unless the read ended in a stop (billing, an empty
    budget) or a back-off that is not sooner than it, or the plan was for data that moves once
    a day and the read found it does not (its sooner plan then).
    """
    if planned.next_at is None:
        return after
    if after.reason in _BLOCKING and (
        after.next_at is None or after.next_at >= planned.next_at
    ):
        return after
    # The read found data that does not move once a day after all: the sooner plan.
    if (
        planned.reason is PollReason.DAILY
        and after.reason is not PollReason.DAILY
        and after.next_at is not None
        and after.next_at < planned.next_at
    ):
        return after
    return replace(after, next_at=planned.next_at, reason=planned.reason)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _from_iso(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)
