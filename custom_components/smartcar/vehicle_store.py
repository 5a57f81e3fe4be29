"""What survives a restart of each car: its values with their ages, its profile, its schedule.

One `Store` per config entry. Changes are saved shortly after they happen and at once after a
poll; Home Assistant writes pending saves when it stops. Webhook event ids handled lately are
kept here too, so a delivery Smartcar retries (or anyone replays) after a restart changes nothing.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store

from .const import DOMAIN
from .poll_state import PollState
from .profile import VehicleProfile
from .vehicle_data import ShownState

STORAGE_VERSION = 1
# Pushes can come often: group their writes.
SAVE_DELAY = 2
# Smartcar retries a delivery for under three minutes; ids are kept far longer than that.
EVENT_ID_RETENTION = timedelta(days=2)


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredVehicle:
    """One car as stored."""

    shown: ShownState = field(default_factory=ShownState)
    profile: VehicleProfile = field(default_factory=VehicleProfile)
    poll: PollState = field(default_factory=PollState)


class VehicleStore:
    """The stored cars of one config entry, and the webhook events it handled."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Keep the cars of `entry_id` in their own storage file."""
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.vehicles"
        )
        self.vehicles: dict[str, StoredVehicle] = {}
        self._events: dict[str, datetime] = {}

    async def async_load(self) -> None:
        """Read the stored cars; a car whose row cannot be read starts afresh."""
        stored = await self._store.async_load() or {}
        for vehicle_id, row in (stored.get("vehicles") or {}).items():
            try:
                self.vehicles[vehicle_id] = StoredVehicle(
                    shown=ShownState.from_json(row.get("shown") or {}),
                    profile=VehicleProfile.from_json(row.get("profile") or {}),
                    poll=PollState.from_json(row.get("poll") or {}),
                )
            except KeyError, TypeError, ValueError:
                continue
        self._events = {
            event_id: datetime.fromisoformat(seen)
            for event_id, seen in (stored.get("events") or {}).items()
        }

    @callback
    def update(self, vehicle_id: str, vehicle: StoredVehicle) -> None:
        """Keep the car's latest state; written within `SAVE_DELAY` seconds."""
        self.vehicles[vehicle_id] = vehicle
        self._store.async_delay_save(self._data, SAVE_DELAY)

    async def async_save(self, vehicle_id: str, vehicle: StoredVehicle) -> None:
        """Keep the car's latest state and write it now."""
        self.vehicles[vehicle_id] = vehicle
        await self._store.async_save(self._data())

    @callback
    def seen_event(self, event_id: str, now: datetime) -> bool:
        """Return whether the event was handled before; remember it otherwise."""
        cutoff = now - EVENT_ID_RETENTION
        self._events = {key: at for key, at in self._events.items() if at >= cutoff}
        if event_id in self._events:
            return True
        self._events[event_id] = now
        self._store.async_delay_save(self._data, SAVE_DELAY)
        return False

    @callback
    def retain(self, vehicle_ids: set[str]) -> None:
        """Forget the cars that left the account."""
        for vehicle_id in set(self.vehicles) - vehicle_ids:
            del self.vehicles[vehicle_id]
        self._store.async_delay_save(self._data, SAVE_DELAY)

    async def async_flush(self) -> None:
        """Write now (the entry unloads)."""
        await self._store.async_save(self._data())

    async def async_remove(self) -> None:
        """Delete the file (the entry is removed)."""
        await self._store.async_remove()

    @callback
    def _data(self) -> dict[str, Any]:
        return {
            "vehicles": {
                vehicle_id: {
                    "shown": vehicle.shown.to_json(),
                    "profile": vehicle.profile.to_json(),
                    "poll": vehicle.poll.to_json(),
                }
                for vehicle_id, vehicle in self.vehicles.items()
            },
            "events": {
                event_id: at.isoformat() for event_id, at in self._events.items()
            },
        }
