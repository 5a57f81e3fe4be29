"""Refresh a car now."""

from dataclasses import dataclass
from typing import override

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import (
    SmartcarEntity,
    SmartcarEntityDescription,
    async_add_vehicle_entities,
)
from .models import SmartcarConfigEntry

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SmartcarButtonDescription(SmartcarEntityDescription, ButtonEntityDescription):
    """A Smartcar button."""


_DESCRIPTIONS: tuple[SmartcarButtonDescription, ...] = (
    SmartcarButtonDescription(
        key="refresh",
        translation_key="refresh",
        path=None,
        value_fn=lambda _state: True,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartcarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a refresh button to each car."""
    async_add_vehicle_entities(
        hass, entry, async_add_entities, lambda _state: _DESCRIPTIONS, SmartcarButton
    )


class SmartcarButton(SmartcarEntity, ButtonEntity):
    """Reads the car now (one billed poll, refused once the month's polls are used up)."""

    entity_description: SmartcarButtonDescription

    @override
    async def async_press(self) -> None:
        """Poll the car."""
        await self.coordinator.commands.async_refresh_now()
