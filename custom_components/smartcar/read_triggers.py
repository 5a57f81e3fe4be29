"""Reads that what the owner does asks for: a person coming home, an alarm clock going off.

An option lists Home Assistant entities (never this integration's own: a read would trigger the
next). When one of them changes state, every car of the entry is read `READ_TRIGGER_DELAY` later
(a car that just parked reports a little after), as a refresh the owner did not have to press:
within the budget, and the planned poll stays where it is. A read the floor refuses comes when the
floor ends, unless a poll came in between; one that a back-off, billing or an empty budget refuses
is not made, nor one while the car is a day's polls ahead of its pace (`planner.trigger_allowed`),
so an entity that flaps cannot spend the month. Changes while a read is pending make no second one.
"""

from collections.abc import Callable
from datetime import datetime

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import (
    CALLBACK_TYPE,
    Event,
    EventStateChangedData,
    HomeAssistant,
    callback,
)
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import (
    async_track_point_in_utc_time,
    async_track_state_change_event,
)
from homeassistant.util import dt as dt_util

from .const import CONF_READ_TRIGGERS, DOMAIN, LOGGER, READ_TRIGGER_DELAY
from .coordinator import SmartcarCoordinator
from .models import SmartcarConfigEntry

_NO_STATE = (None, STATE_UNAVAILABLE, STATE_UNKNOWN)

type ReadLater = Callable[[str, datetime, datetime], None]


def own_entities(hass: HomeAssistant, entity_ids: list[str]) -> list[str]:
    """Return the entities of `entity_ids` that this integration provides."""
    registry = er.async_get(hass)
    return [
        entity_id
        for entity_id in entity_ids
        if (found := registry.async_get(entity_id)) is not None
        and found.platform == DOMAIN
    ]


@callback
def async_track_read_triggers(hass: HomeAssistant, entry: SmartcarConfigEntry) -> None:
    """Read the entry's cars when an entity the owner chose changes state."""
    chosen: list[str] = list(entry.options.get(CONF_READ_TRIGGERS) or [])
    own = own_entities(hass, chosen)
    entities = [entity_id for entity_id in chosen if entity_id not in own]
    if not entities:
        return
    pending: dict[str, CALLBACK_TYPE] = {}

    @callback
    def read_later(vehicle_id: str, at: datetime, due: datetime) -> None:
        @callback
        def fire(_now: datetime) -> None:
            pending.pop(vehicle_id, None)
            if (coordinator := entry.runtime_data.vehicles.get(vehicle_id)) is None:
                return
            # An entry background task: cancelled if the entry unloads while it reads.
            entry.async_create_background_task(
                hass,
                _async_read(coordinator, due, read_later),
                f"{DOMAIN} triggered read {vehicle_id}",
            )

        pending[vehicle_id] = async_track_point_in_utc_time(hass, fire, at)

    @callback
    def changed(event: Event[EventStateChangedData]) -> None:
        old, new = event.data["old_state"], event.data["new_state"]
        if old is None or new is None or old.state == new.state:
            return
        if old.state in _NO_STATE or new.state in _NO_STATE:
            # Home Assistant starting, or the entity's source gone: not the owner's doing.
            return
        due = dt_util.utcnow() + READ_TRIGGER_DELAY
        for vehicle_id in entry.runtime_data.vehicles:
            if vehicle_id not in pending:
                read_later(vehicle_id, due, due)

    @callback
    def cancel() -> None:
        for unsubscribe in pending.values():
            unsubscribe()
        pending.clear()

    entry.async_on_unload(async_track_state_change_event(hass, entities, changed))
    entry.async_on_unload(cancel)


async def _async_read(
    coordinator: SmartcarCoordinator, due: datetime, read_later: ReadLater
) -> None:
    """Read the car now if its plan allows; at the floor's end if only the floor says no.

    `due` is when the read was first due: a poll since then already brought what it would.
    """
    vehicle_id, now = coordinator.vehicle_id, dt_util.utcnow()
    read, later = coordinator.budget.triggered_read(
        coordinator.car.poll, now, due, coordinator.poll_cost(now)
    )
    if later is not None:
        read_later(vehicle_id, later, due)
    if not read:
        LOGGER.debug("%s: triggered read not made now", vehicle_id)
        return
    try:
        await coordinator.commands.async_refresh_now()
    except HomeAssistantError as err:
        # The values stay; the coordinator logged the failure once already.
        LOGGER.debug("%s: triggered read failed (%s)", vehicle_id, err.translation_key)
