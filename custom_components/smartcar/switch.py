"""Charging on and off."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, override

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.models import VehicleState
from .commands import START_CHARGE, STOP_CHARGE, CarCommand
from .entity import (
    SmartcarEntity,
    SmartcarEntityDescription,
    async_add_vehicle_entities,
)
from .models import SmartcarConfigEntry

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SmartcarSwitchDescription(SmartcarEntityDescription, SwitchEntityDescription):
    """A Smartcar switch: its state, and the commands that turn it on and off."""

    value_fn: Callable[[VehicleState], bool | None]
    on_command: CarCommand
    off_command: CarCommand
    on_state: VehicleState
    off_state: VehicleState


_DESCRIPTIONS: tuple[SmartcarSwitchDescription, ...] = (
    SmartcarSwitchDescription(
        key="charging",
        translation_key="charging",
        path="/charge",
        scopes=frozenset({"control_charge"}),
        value_fn=lambda state: state.is_charging,
        on_command=START_CHARGE,
        off_command=STOP_CHARGE,
        # Only what the command confirms: the charging state sensor waits for the car.
        on_state=VehicleState(is_charging=True),
        off_state=VehicleState(is_charging=False),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartcarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the charging switch of each car that granted charge control."""
    async_add_vehicle_entities(
        hass, entry, async_add_entities, lambda _state: _DESCRIPTIONS, SmartcarSwitch
    )


class SmartcarSwitch(SmartcarEntity, SwitchEntity):
    """Starts and stops charging."""

    entity_description: SmartcarSwitchDescription

    @property
    @override
    def is_on(self) -> bool | None:
        """Whether the car charges."""
        return self.entity_description.value_fn(self.coordinator.data)

    @override
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Start charging."""
        description = self.entity_description
        await self.coordinator.commands.async_send(
            description.on_command, description.on_state
        )

    @override
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Stop charging."""
        description = self.entity_description
        await self.coordinator.commands.async_send(
            description.off_command, description.off_state
        )
