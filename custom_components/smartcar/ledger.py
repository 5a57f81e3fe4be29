"""The monthly request ledger: billed requests per car, on disk before their answer is used.

Smartcar bills each car per calendar month (UTC). The ledger is small, so every change is
written through at once: a crash right after a billed request never forgets it. A request counts
in the period of its answer, and the ledger only moves forward: an answer that comes after one of
a newer period (a request sent at 23:59:59 on the last day) counts in the newer one.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store

from .const import DOMAIN
from .planner import billing_period

STORAGE_VERSION = 1


class _StoredUsage(TypedDict):
    """One car's row on disk."""

    period: str
    used: int
    billing_blocked: bool


@dataclass(slots=True, kw_only=True)
class VehicleUsage:
    """What one car used in one billing period."""

    period: str
    used: int = 0
    billing_blocked: bool = False


class RequestLedger:
    """Requests used per car this month, persisted so neither a restart nor a crash forgets."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Keep the ledger of one config entry in its own storage file."""
        self._store: Store[dict[str, _StoredUsage]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.budget"
        )
        self._usage: dict[str, VehicleUsage] = {}

    async def async_load(self) -> None:
        """Read the ledger from disk."""
        stored = await self._store.async_load() or {}
        self._usage = {
            vehicle_id: VehicleUsage(
                period=row["period"],
                used=row["used"],
                billing_blocked=row["billing_blocked"],
            )
            for vehicle_id, row in stored.items()
        }

    @callback
    def usage(self, vehicle_id: str, now: datetime) -> VehicleUsage:
        """Return the car's usage in the period of `now`, or a newer one already counted."""
        usage = self._usage.get(vehicle_id)
        period = billing_period(now)
        if usage is not None and usage.period >= period:
            return usage
        return VehicleUsage(period=period)

    async def async_record(self, vehicle_id: str, requests: int, now: datetime) -> None:
        """Count `requests` billed requests answered at `now`, and write them to disk."""
        if requests <= 0:
            return
        usage = self._current(vehicle_id, now)
        usage.used += requests
        await self._async_save()

    async def async_block(self, vehicle_id: str, now: datetime) -> None:
        """Stop the car's polls until the next period (Smartcar answered BILLING)."""
        self._current(vehicle_id, now).billing_blocked = True
        await self._async_save()

    async def async_retain(self, vehicle_ids: set[str]) -> None:
        """Drop the rows of cars that left the account."""
        departed = set(self._usage) - vehicle_ids
        for vehicle_id in departed:
            del self._usage[vehicle_id]
        if departed:
            await self._async_save()

    async def async_remove(self) -> None:
        """Delete the ledger file (the config entry is removed)."""
        await self._store.async_remove()

    def _current(self, vehicle_id: str, now: datetime) -> VehicleUsage:
        usage = self.usage(vehicle_id, now)
        self._usage[vehicle_id] = usage
        return usage

    async def _async_save(self) -> None:
        await self._store.async_save(
            {
                vehicle_id: _StoredUsage(
                    period=usage.period,
                    used=usage.used,
                    billing_blocked=usage.billing_blocked,
                )
                for vehicle_id, usage in self._usage.items()
            }
        )
