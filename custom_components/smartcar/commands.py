"""What the owner asks of one car: commands, the service history, a refresh now.

Commands are paid from the reserve the planner keeps: neither an exhausted budget nor a billing
stop of polling blocks them. One command at a time per car; a failure is a translated error.
"""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date
from typing import TYPE_CHECKING

from homeassistant.exceptions import HomeAssistantError, OAuth2TokenRequestBaseError
from homeassistant.util import dt as dt_util

from .api.client import SmartcarClient
from .api.errors import SmartcarError
from .api.models import CommandResult, Fact, ServiceHistory, VehicleState
from .const import DOMAIN
from .failures import translate
from .planner import PollReason, refresh_refusal
from .reader import async_billed

if TYPE_CHECKING:
    from .coordinator import SmartcarCoordinator

# Plans a refresh may push later; any other keeps the poll that was planned.
_BLOCKING = frozenset(
    {PollReason.BILLING, PollReason.BUDGET_EXHAUSTED, PollReason.RATE_LIMITED}
)

type Command = Callable[[SmartcarClient, str], Awaitable[CommandResult]]


class VehicleCommands:
    """Sends one car's commands and the owner's reads, and words their failures."""

    def __init__(self, coordinator: SmartcarCoordinator) -> None:
        """Act for the car of `coordinator`."""
        self._coordinator = coordinator
        self._lock = asyncio.Lock()

    async def async_send(self, command: Command, applied: VehicleState | None) -> None:
        """Send a command; on success show what it did at once (no poll)."""
        coordinator = self._coordinator
        client = coordinator.config_entry.runtime_data.client
        async with self._lock:
            await self._async_call(lambda: command(client, coordinator.vehicle_id))
        if applied is not None:
            fact = Fact(
                source="command",
                fields=applied.known_fields(),
                values=applied,
                age=dt_util.utcnow(),
            )
            coordinator.async_show((fact,), confirmed=True)

    async def async_service_history(
        self, start_date: date | None, end_date: date | None
    ) -> ServiceHistory:
        """Read the car's service history (billed as one request)."""
        coordinator = self._coordinator
        client = coordinator.config_entry.runtime_data.client
        return await self._async_call(
            lambda: client.get_service_history(
                coordinator.vehicle_id, start_date=start_date, end_date=end_date
            )
        )

    async def _async_call[T](self, request: Callable[[], Awaitable[T]]) -> T:
        coordinator = self._coordinator
        tokens = coordinator.config_entry.runtime_data.tokens
        try:
            return await tokens.async_authorized(
                lambda: async_billed(coordinator.async_record, request())
            )
        except (SmartcarError, OAuth2TokenRequestBaseError) as err:
            await coordinator.async_failed(dt_util.utcnow(), err)
            raise translate(err) from err

    async def async_refresh_now(self) -> None:
        """Poll now if the plan allows it, without moving the planned poll; else say why."""
        coordinator = self._coordinator
        runtime = coordinator.config_entry.runtime_data
        now = dt_util.utcnow()
        usage = runtime.ledger.usage(coordinator.vehicle_id, now)
        planned = coordinator.car.poll
        refusal = refresh_refusal(
            runtime.policy,
            now=now,
            last_poll=planned.last_poll,
            backed_off_until=planned.backed_off_until,
            used=usage.used,
            cost=max(coordinator.poll_cost(now), 1),
            billing_blocked=usage.billing_blocked,
        )
        if refusal is not None:
            reason, until = refusal
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key=f"refresh_refused_{reason}",
                translation_placeholders={
                    "time": dt_util.as_local(until).strftime("%Y-%m-%d %H:%M")
                },
            )
        await coordinator.async_refresh()
        if planned.next_at is not None and coordinator.car.poll.reason not in _BLOCKING:
            coordinator.async_keep_planned(planned.next_at, planned.reason)
        if coordinator.last_read_error is not None:
            raise translate(coordinator.last_read_error, "update_failed")
