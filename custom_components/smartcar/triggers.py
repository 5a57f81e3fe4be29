"""Reads that what the owner does asks for: a person coming home, an alarm clock going off.

An option lists Home Assistant entities. When one of them changes state, every car of the entry
is read `READ_TRIGGER_DELAY` later (a car that just parked reports a little after), as a refresh
the owner did not have to press: within the budget, and the planned poll stays where it is. A
read the floor refuses comes when the floor ends; one that a back-off, billing or an empty budget
refuses is not made. Changes that come while a read is pending make no second one.
"""

from collections.abc import Callable
from datetime import datetime

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import (
    async_track_point_in_utc_time,
    async_track_state_change_event,
)
from homeassistant.util import dt as dt_util

from .const import CONF_READ_TRIGGERS, LOGGER, READ_TRIGGER_DELAY
from .coordinator import SmartcarCoordinator
from .models import SmartcarConfigEntry
from .planner import PollReason

_NO_STATE = (None, STATE_UNAVAILABLE, STATE_UNKNOWN)


@callback
def async_track_read_triggers(hass: HomeAssistant, entry: SmartcarConfigEntry) -> None:
    """Read the entry's cars when an entity the owner chose changes state."""
    entities: list[str] = list(entry.options.get(CONF_READ_TRIGGERS) or [])
    if not entities:
        return
    pending: dict[str, Callable[[], None]] = {}

    @callback
    def read_later(vehicle_id: str, at: datetime) -> None:
        async def read(_now: datetime) -> None:
            pending.pop(vehicle_id, None)
            coordinator = entry.runtime_data.vehicles.get(vehicle_id)
            if coordinator is not None:
                await _async_read(coordinator, read_later)

        pending[vehicle_id] = async_track_point_in_utc_time(hass, read, at)

    @callback
    def changed(event: Event[EventStateChangedData]) -> None:
        old, new = event.data["old_state"], event.data["new_state"]
        if old is None or new is None or old.state == new.state:
            return
        if old.state in _NO_STATE or new.state in _NO_STATE:
            # Home Assistant starting, or the entity's source gone: not the owner's doing.
            return
        at = dt_util.utcnow() + READ_TRIGGER_DELAY
        for vehicle_id in entry.runtime_data.vehicles:
            if vehicle_id not in pending:
                read_later(vehicle_id, at)

    @callback
    def cancel() -> None:
        for unsubscribe in pending.values():
            unsubscribe()
        pending.clear()

    entry.async_on_unload(async_track_state_change_event(hass, entities, changed))
    entry.async_on_unload(cancel)


async def _async_read(
    coordinator: SmartcarCoordinator,
    read_later: Callable[[str, datetime], None],
) -> None:
    """Read the car now if its plan allows; at the floor's end if only the floor says no."""
    now = dt_util.utcnow()
    refusal = coordinator.budget.refusal(
        coordinator.car.poll, now, coordinator.poll_cost(now)
    )
    if refusal is not None:
        reason, until = refusal
        if reason is PollReason.FLOOR:
            read_later(coordinator.vehicle_id, until)
        else:
            LOGGER.debug(
                "%s: triggered read not made (%s)", coordinator.vehicle_id, reason
            )
        return
    try:
        await coordinator.commands.async_refresh_now()
    except HomeAssistantError as err:
        # The values stay; the coordinator logged the failure once already.
        LOGGER.debug(
            "%s: triggered read failed (%s)",
            coordinator.vehicle_id,
            err.translation_key,
        )
