"""The car's central lock."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, override

from homeassistant.components.lock import LockEntity, LockEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.models import VehicleState
from .commands import LOCK, UNLOCK
from .entity import (
    SmartcarEntity,
    SmartcarEntityDescription,
    async_add_vehicle_entities,
)
from .models import SmartcarConfigEntry

# Commands are serialised per car by the coordinator.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SmartcarLockDescription(SmartcarEntityDescription, LockEntityDescription):
    """A Smartcar lock."""

    value_fn: Callable[[VehicleState], bool | None]


_DESCRIPTIONS: tuple[SmartcarLockDescription, ...] = (
    SmartcarLockDescription(
        key="lock",
        translation_key="lock",
        path="/security",
        scopes=frozenset({"control_security"}),
        value_fn=lambda state: state.is_locked,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartcarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the lock of each car that granted lock control."""
    async_add_vehicle_entities(
        hass, entry, async_add_entities, lambda _state: _DESCRIPTIONS, SmartcarLock
    )


class SmartcarLock(SmartcarEntity, LockEntity):
    """Locks and unlocks the car."""

    entity_description: SmartcarLockDescription

    @property
    @override
    def is_locked(self) -> bool | None:
        """Whether the car reports itself locked."""
        return self.entity_description.value_fn(self.coordinator.data)

    @override
    async def async_lock(self, **kwargs: Any) -> None:
        """Lock the car."""
        await self.coordinator.commands.async_send(LOCK, VehicleState(is_locked=True))

    @override
    async def async_unlock(self, **kwargs: Any) -> None:
        """Unlock the car."""
        await self.coordinator.commands.async_send(
            UNLOCK, VehicleState(is_locked=False)
        )
