"""What the owner asks of one car: commands, the service history, a refresh now.

Commands are paid from the reserve the planner keeps: neither an exhausted budget nor a billing
stop of polling blocks them. One command at a time per car; a failure is a translated error.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from homeassistant.exceptions import HomeAssistantError, OAuth2TokenRequestBaseError
from homeassistant.util import dt as dt_util

from .api.client import SmartcarClient
from .api.commands import CommandExecution, CommandOutcome
from .api.errors import SmartcarError
from .api.models import CommandResult, Fact, ServiceHistory, VehicleState
from .const import DOMAIN
from .failures import translate
from .poll_state import kept_plan
from .reader import async_billed

if TYPE_CHECKING:
    from .coordinator import SmartcarCoordinator


type LegacyCommand = Callable[[SmartcarClient, str], Awaitable[CommandResult]]
type V3Call = Callable[[SmartcarClient, str], Awaitable[CommandExecution]]


@dataclass(frozen=True, slots=True)
class CarCommand:
    """One command the way each kind of application sends it (v2 path, or v3 path)."""

    legacy: LegacyCommand
    v3: V3Call


LOCK = CarCommand(SmartcarClient.lock, SmartcarClient.lock_v3)
UNLOCK = CarCommand(SmartcarClient.unlock, SmartcarClient.unlock_v3)
START_CHARGE = CarCommand(SmartcarClient.start_charge, SmartcarClient.start_charge_v3)
STOP_CHARGE = CarCommand(SmartcarClient.stop_charge, SmartcarClient.stop_charge_v3)


def set_charge_limit(percent: float) -> CarCommand:
    """Charge up to `percent` (v2 takes a fraction, v3 a whole percent, 50-100 both)."""
    return CarCommand(
        lambda client, vehicle_id: client.set_charge_limit(vehicle_id, percent / 100),
        lambda client, vehicle_id: client.set_charge_limit_v3(vehicle_id, percent),
    )


def send_destination(latitude: float, longitude: float) -> CarCommand:
    """Send a navigation destination to the car."""
    return CarCommand(
        lambda client, vehicle_id: client.send_destination(
            vehicle_id, latitude, longitude
        ),
        lambda client, vehicle_id: client.send_destination_v3(
            vehicle_id, latitude, longitude
        ),
    )


type Command = CarCommand | LegacyCommand


class VehicleCommands:
    """Sends one car's commands and the owner's reads, and words their failures."""

    def __init__(self, coordinator: SmartcarCoordinator) -> None:
        """Act for the car of `coordinator`."""
        self._coordinator = coordinator
        self._lock = asyncio.Lock()

    async def async_send(
        self, command: Command, applied: VehicleState | None = None
    ) -> None:
        """Send a command; once the car carried it out, show what it did (no poll).

        A V3 command that is still running when Smartcar stops waiting shows nothing yet: the
        car's next signals or push tell.
        """
        coordinator = self._coordinator
        runtime = coordinator.config_entry.runtime_data
        client, vehicle_id = runtime.client, coordinator.vehicle_id
        done = True

        async def run() -> None:
            nonlocal done
            if not isinstance(command, CarCommand):
                await command(client, vehicle_id)
            elif not runtime.account.is_v3:
                await command.legacy(client, vehicle_id)
            else:
                execution = await command.v3(client, vehicle_id)
                execution.raise_for_outcome()
                done = execution.outcome is CommandOutcome.DONE

        async with self._lock:
            await self._async_call(run)
        if applied is not None and done:
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
                lambda: async_billed(coordinator.budget.async_record, request())
            )
        except (SmartcarError, OAuth2TokenRequestBaseError) as err:
            await coordinator.issues.async_failed(
                coordinator.vehicle_name, err, coordinator.budget, dt_util.utcnow()
            )
            raise translate(err) from err

    async def async_refresh_now(self) -> None:
        """Poll now if the plan allows it, without moving the planned poll; else say why."""
        coordinator = self._coordinator
        now = dt_util.utcnow()
        planned = coordinator.car.poll
        refusal = coordinator.budget.refusal(planned, now, coordinator.poll_cost(now))
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
        # A refresh never moves the planned poll, and never brings it sooner.
        if (kept := kept_plan(planned, coordinator.car.poll)) != coordinator.car.poll:
            coordinator.async_set_poll(kept)
        if coordinator.last_read_error is not None:
            raise translate(coordinator.last_read_error, "update_failed")
