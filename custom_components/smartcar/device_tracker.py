"""Where the car is."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import override

from homeassistant.components.device_tracker.entity import (
    TrackerEntity,
    TrackerEntityDescription,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.models import VehicleState
from .entity import (
    SmartcarEntity,
    SmartcarEntityDescription,
    async_add_vehicle_entities,
)
from .models import SmartcarConfigEntry
from .vehicle_data import position

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SmartcarTrackerDescription(SmartcarEntityDescription, TrackerEntityDescription):
    """A Smartcar tracker: the position as (latitude, longitude)."""

    value_fn: Callable[[VehicleState], tuple[float, float] | None]


_DESCRIPTIONS: tuple[SmartcarTrackerDescription, ...] = (
    SmartcarTrackerDescription(
        key="location",
        translation_key="location",
        path="/location",
        value_fn=position,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartcarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the tracker of each car that shares its location."""
    async_add_vehicle_entities(
        hass, entry, async_add_entities, lambda _state: _DESCRIPTIONS, SmartcarTracker
    )


class SmartcarTracker(SmartcarEntity, TrackerEntity):
    """The car on the map (GPS)."""

    entity_description: SmartcarTrackerDescription

    @property
    @override
    def latitude(self) -> float | None:
        """Latitude in degrees."""
        position = self.entity_description.value_fn(self.coordinator.data)
        return position[0] if position else None

    @property
    @override
    def longitude(self) -> float | None:
        """Longitude in degrees."""
        position = self.entity_description.value_fn(self.coordinator.data)
        return position[1] if position else None
