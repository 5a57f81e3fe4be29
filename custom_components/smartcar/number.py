"""The charge limit."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import override

from homeassistant.components.number import (
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import PERCENTAGE
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.models import VehicleState
from .commands import set_charge_limit
from .entity import (
    SmartcarEntity,
    SmartcarEntityDescription,
    async_add_vehicle_entities,
)
from .models import SmartcarConfigEntry

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SmartcarNumberDescription(SmartcarEntityDescription, NumberEntityDescription):
    """A Smartcar number."""

    value_fn: Callable[[VehicleState], float | None]


_DESCRIPTIONS: tuple[SmartcarNumberDescription, ...] = (
    SmartcarNumberDescription(
        key="charge_limit",
        translation_key="charge_limit",
        path="/charge/limit",
        scopes=frozenset({"control_charge"}),
        value_fn=lambda state: state.charge_limit_percent,
        # Smartcar accepts limits from 50 % to 100 %.
        native_min_value=50,
        native_max_value=100,
        native_step=1,
        native_unit_of_measurement=PERCENTAGE,
        mode=NumberMode.SLIDER,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartcarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the charge limit of each car that granted charge control."""
    async_add_vehicle_entities(
        hass, entry, async_add_entities, lambda _state: _DESCRIPTIONS, SmartcarNumber
    )


class SmartcarNumber(SmartcarEntity, NumberEntity):
    """Sets how full the car charges."""

    entity_description: SmartcarNumberDescription

    @property
    @override
    def native_value(self) -> float | None:
        """The charge limit in percent."""
        return self.entity_description.value_fn(self.coordinator.data)

    @override
    async def async_set_native_value(self, value: float) -> None:
        """Send the new limit (Smartcar takes a fraction)."""
        await self.coordinator.commands.async_send(
            set_charge_limit(value),
            VehicleState(charge_limit_percent=value),
        )
