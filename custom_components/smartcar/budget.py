"""One car's share of its entry's request ledger and budget policy.

Binds the pure planner to the car's ledger row, so the coordinator and the commands ask one
place whether a poll is affordable, when the next one comes, and whether a refresh may run.
"""

from datetime import datetime
from typing import TYPE_CHECKING

from homeassistant.util import dt as dt_util

from .api.errors import RateLimitError
from .ledger import VehicleUsage
from .planner import after_poll, polls_left, refresh_refusal, triggered_read
from .poll_state import PollReason, PollState

if TYPE_CHECKING:
    from .models import SmartcarData


class VehicleBudget:
    """The requests one car may still use, and the schedule they allow."""

    def __init__(self, runtime: SmartcarData, vehicle_id: str) -> None:
        """Budget `vehicle_id` with the entry's ledger and policy."""
        self._runtime = runtime
        self._vehicle_id = vehicle_id

    def usage(self, now: datetime) -> VehicleUsage:
        """Return what the car used in the period of `now`."""
        return self._runtime.ledger.usage(self._vehicle_id, now)

    async def async_record(self, requests: int) -> None:
        """Count billed requests, answered now (on disk before the answer is used)."""
        await self._runtime.ledger.async_record(
            self._vehicle_id, requests, dt_util.utcnow()
        )

    async def async_block(self, now: datetime) -> None:
        """Stop polling until the next period (Smartcar answered BILLING)."""
        await self._runtime.ledger.async_block(self._vehicle_id, now)

    def affordable(self, cost: int, now: datetime) -> bool:
        """Return whether a poll of `cost` requests fits what is left for polls."""
        used = self.usage(now).used
        return cost > 0 and polls_left(self._runtime.policy, used, cost) > 0

    def triggered_read(
        self, poll: PollState, now: datetime, due: datetime, cost: int
    ) -> tuple[bool, datetime | None]:
        """Return whether a triggered read due at `due` is made now; else when to ask again."""
        usage = self.usage(now)
        return triggered_read(
            self._runtime.policy,
            poll,
            now=now,
            due=due,
            used=usage.used,
            cost=max(cost, 1),
            billing_blocked=usage.billing_blocked,
        )

    def after_poll(
        self,
        previous: PollState,
        now: datetime,
        *,
        cost: int,
        active: bool,
        rate_limit: RateLimitError | None = None,
        unchanged: bool = False,
        failed: bool = False,
        data_time: datetime | None = None,
    ) -> PollState:
        """Return the schedule after a poll that ended at `now`.

        `rate_limit`: the 429 it ended in, if any; `unchanged`: the read was answered with
        nothing newer than what was shown; `failed`: it failed for a passing reason and is
        tried again sooner; `data_time`: the newest data time the read brought.
        """
        usage = self.usage(now)
        return after_poll(
            self._runtime.policy,
            previous,
            now=now,
            used=usage.used,
            cost=max(cost, 1),
            active=active,
            billing_blocked=usage.billing_blocked,
            rate_limited=rate_limit is not None,
            retry_after=None if rate_limit is None else rate_limit.retry_after,
            unchanged=unchanged,
            failed=failed,
            data_time=data_time,
        )

    def refusal(
        self, poll: PollState, now: datetime, cost: int
    ) -> tuple[PollReason, datetime] | None:
        """Return why a poll asked for now may not run, and until when."""
        usage = self.usage(now)
        return refresh_refusal(
            self._runtime.policy,
            now=now,
            last_poll=poll.last_poll,
            backed_off_until=poll.backed_off_until,
            used=usage.used,
            cost=max(cost, 1),
            billing_blocked=usage.billing_blocked,
        )
